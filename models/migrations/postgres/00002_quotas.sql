-- +goose Up
CREATE TABLE quotas (
    id         BIGSERIAL PRIMARY KEY,
    authority  TEXT NOT NULL,
    taxon      TEXT NOT NULL,
    source     TEXT NOT NULL,
    term       TEXT NOT NULL,
    year       INTEGER NOT NULL,
    quantity   DOUBLE PRECISION NOT NULL,
    unit       TEXT NOT NULL DEFAULT '',
    used       DOUBLE PRECISION NOT NULL DEFAULT 0,
    notes      TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMPTZ NOT NULL,
    created_by BIGINT NOT NULL,
    UNIQUE (authority, taxon, source, term, year)
);
ALTER TABLE permit_lines ADD COLUMN quota_id BIGINT REFERENCES quotas(id);
ALTER TABLE permit_lines ADD COLUMN quota_used DOUBLE PRECISION;
ALTER TABLE permit_lines ADD COLUMN quota_total DOUBLE PRECISION;
ALTER TABLE permit_lines ADD COLUMN quota_year INTEGER;

-- +goose Down
ALTER TABLE permit_lines DROP COLUMN quota_year;
ALTER TABLE permit_lines DROP COLUMN quota_total;
ALTER TABLE permit_lines DROP COLUMN quota_used;
ALTER TABLE permit_lines DROP COLUMN quota_id;
DROP TABLE quotas;
