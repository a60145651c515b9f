-- +goose Up
-- The alert rules count permits of an authority by issue time and taxon.
CREATE INDEX permits_authority_issued ON permits (authority, issued_at);
CREATE INDEX permit_lines_taxon ON permit_lines (taxon, permit_id);

-- +goose Down
DROP INDEX permit_lines_taxon;
DROP INDEX permits_authority_issued;
