-- +goose Up
-- Every listing ever imported is kept: the Appendices change at each CoP and
-- a permit keeps the listing that was in force when it was issued.
CREATE TABLE species_listings (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    version     TEXT NOT NULL UNIQUE,
    effective   DATETIME NOT NULL,
    source      TEXT NOT NULL DEFAULT '',
    data        TEXT NOT NULL,
    imported_at DATETIME NOT NULL,
    imported_by TEXT NOT NULL
);
ALTER TABLE permits ADD COLUMN listing_version TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE permits DROP COLUMN listing_version;
DROP TABLE species_listings;
