-- +goose Up
CREATE TABLE quotas (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    authority  TEXT NOT NULL,
    taxon      TEXT NOT NULL,
    source     TEXT NOT NULL,
    term       TEXT NOT NULL,
    year       INTEGER NOT NULL,
    quantity   REAL NOT NULL,
    unit       TEXT NOT NULL DEFAULT '',
    used       REAL NOT NULL DEFAULT 0,
    notes      TEXT NOT NULL DEFAULT '',
    created_at DATETIME NOT NULL,
    created_by INTEGER NOT NULL,
    UNIQUE (authority, taxon, source, term, year)
);
ALTER TABLE permit_lines ADD COLUMN quota_id INTEGER REFERENCES quotas(id);
ALTER TABLE permit_lines ADD COLUMN quota_used REAL;
ALTER TABLE permit_lines ADD COLUMN quota_total REAL;
ALTER TABLE permit_lines ADD COLUMN quota_year INTEGER;

-- +goose Down
ALTER TABLE permit_lines DROP COLUMN quota_year;
ALTER TABLE permit_lines DROP COLUMN quota_total;
ALTER TABLE permit_lines DROP COLUMN quota_used;
ALTER TABLE permit_lines DROP COLUMN quota_id;
DROP TABLE quotas;
