-- +goose Up
-- The whole CITES list: a line says the name it was asked for when that
-- was a synonym or a common name, and whether the issuer confirmed a wild
-- origin outside the taxon's range; a case's specimen says its source; a
-- stored listing remembers its file's hash, so importing it twice changes
-- nothing.
ALTER TABLE permit_lines ADD COLUMN requested_as TEXT NOT NULL DEFAULT '';
ALTER TABLE permit_lines ADD COLUMN out_of_range BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE case_specimens ADD COLUMN source TEXT NOT NULL DEFAULT '';
ALTER TABLE species_listings ADD COLUMN sha256 TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE species_listings DROP COLUMN sha256;
ALTER TABLE case_specimens DROP COLUMN source;
ALTER TABLE permit_lines DROP COLUMN out_of_range;
ALTER TABLE permit_lines DROP COLUMN requested_as;
