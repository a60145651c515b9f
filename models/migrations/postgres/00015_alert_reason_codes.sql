-- +goose Up
-- An alert's reason as a message code with its parameters, so that it is
-- rendered in each reader's language; the English text stays in reason
-- (and is all that earlier alerts have).
ALTER TABLE alerts ADD COLUMN reason_code TEXT NOT NULL DEFAULT '';
ALTER TABLE alerts ADD COLUMN reason_args TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE alerts DROP COLUMN reason_args;
ALTER TABLE alerts DROP COLUMN reason_code;
