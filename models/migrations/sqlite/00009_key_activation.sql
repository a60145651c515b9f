-- +goose Up
-- A rotation is staged: the new key is published before any replica signs
-- with it, and takes over at activates_at, the instant the old key retires.
ALTER TABLE signing_keys ADD COLUMN activates_at DATETIME;

-- +goose Down
ALTER TABLE signing_keys DROP COLUMN activates_at;
