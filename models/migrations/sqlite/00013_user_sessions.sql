-- +goose Up
-- Sessions issued before this instant are refused: an admin disabled the
-- user or ended their sessions (a lost phone).
ALTER TABLE users ADD COLUMN sessions_revoked_at DATETIME;

-- +goose Down
ALTER TABLE users DROP COLUMN sessions_revoked_at;
