-- +goose Up
-- The application's request as it stood when the authority last asked for
-- changes (JSON, '' before any request), so that the resubmission shows
-- the reviewer which fields changed since.
ALTER TABLE applications ADD COLUMN changes_base TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE applications DROP COLUMN changes_base;
