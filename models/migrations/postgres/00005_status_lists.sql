-- +goose Up
-- Each permit's entry in its authority's status list, drawn at random so
-- the list reveals neither issue order nor volume.
ALTER TABLE permits ADD COLUMN status_index INTEGER;
CREATE UNIQUE INDEX permits_status_index ON permits (authority, status_index);

-- +goose Down
DROP INDEX permits_status_index;
ALTER TABLE permits DROP COLUMN status_index;
