-- +goose Up
CREATE TABLE cases (
    id                  INTEGER PRIMARY KEY AUTOINCREMENT,
    authority           TEXT NOT NULL,
    occurred_at         DATETIME NOT NULL,
    checkpoint          TEXT NOT NULL,
    port                TEXT NOT NULL DEFAULT '',
    latitude            REAL,
    longitude           REAL,
    concealment         TEXT NOT NULL DEFAULT '',
    transport_mode      TEXT NOT NULL DEFAULT '',
    origin_country      TEXT NOT NULL DEFAULT '',
    transit_countries   TEXT NOT NULL DEFAULT '',
    destination_country TEXT NOT NULL DEFAULT '',
    outcome             TEXT NOT NULL,
    notes               TEXT NOT NULL DEFAULT '',
    verification_id     TEXT NOT NULL DEFAULT '',
    created_at          DATETIME NOT NULL,
    created_by          INTEGER NOT NULL REFERENCES users(id),
    updated_at          DATETIME NOT NULL,
    updated_by          INTEGER NOT NULL REFERENCES users(id)
);
CREATE INDEX cases_authority_occurred ON cases (authority, occurred_at);
-- One case per failed scan, even when two officers convert it at once.
CREATE UNIQUE INDEX cases_verification ON cases (verification_id) WHERE verification_id <> '';

CREATE TABLE case_specimens (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    case_id     INTEGER NOT NULL REFERENCES cases(id),
    taxon_id    TEXT NOT NULL,
    taxon       TEXT NOT NULL,
    appendix    TEXT NOT NULL DEFAULT '',
    term        TEXT NOT NULL,
    quantity    REAL NOT NULL,
    unit        TEXT NOT NULL DEFAULT '',
    description TEXT NOT NULL DEFAULT ''
);
CREATE INDEX case_specimens_case ON case_specimens (case_id);
CREATE INDEX case_specimens_taxon ON case_specimens (taxon);

CREATE TABLE case_documents (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    case_id          INTEGER NOT NULL REFERENCES cases(id),
    number           TEXT NOT NULL DEFAULT '',
    permit_id        INTEGER REFERENCES permits(id),
    permit_authority TEXT NOT NULL DEFAULT '',
    verification_id  TEXT NOT NULL DEFAULT '',
    verdict          TEXT NOT NULL DEFAULT ''
);
CREATE INDEX case_documents_case ON case_documents (case_id);
CREATE INDEX case_documents_number ON case_documents (number);

CREATE TABLE case_parties (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    case_id      INTEGER NOT NULL REFERENCES cases(id),
    role         TEXT NOT NULL,
    organisation TEXT NOT NULL DEFAULT '',
    country      TEXT NOT NULL DEFAULT ''
);
CREATE INDEX case_parties_case ON case_parties (case_id);

CREATE TABLE case_photos (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    case_id      INTEGER NOT NULL REFERENCES cases(id),
    kind         TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size         INTEGER NOT NULL,
    sha256       TEXT NOT NULL,
    width        INTEGER NOT NULL,
    height       INTEGER NOT NULL,
    storage_key  TEXT NOT NULL,
    thumb_key    TEXT NOT NULL,
    created_at   DATETIME NOT NULL,
    created_by   INTEGER NOT NULL REFERENCES users(id)
);
CREATE INDEX case_photos_case ON case_photos (case_id);

CREATE TABLE case_blobs (
    key        TEXT PRIMARY KEY,
    data       BLOB NOT NULL,
    created_at DATETIME NOT NULL
);

CREATE TABLE alerts (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    authority       TEXT NOT NULL DEFAULT '',
    rule            TEXT NOT NULL,
    severity        TEXT NOT NULL,
    status          TEXT NOT NULL,
    reason          TEXT NOT NULL,
    group_key       TEXT NOT NULL,
    occurrences     INTEGER NOT NULL DEFAULT 1,
    created_at      DATETIME NOT NULL,
    last_seen_at    DATETIME NOT NULL,
    acknowledged_at DATETIME,
    acknowledged_by TEXT NOT NULL DEFAULT '',
    closed_at       DATETIME,
    closed_by       TEXT NOT NULL DEFAULT ''
);
CREATE INDEX alerts_authority_status ON alerts (authority, status);
CREATE INDEX alerts_group ON alerts (rule, group_key, status);

CREATE TABLE alert_evidence (
    id       INTEGER PRIMARY KEY AUTOINCREMENT,
    alert_id INTEGER NOT NULL REFERENCES alerts(id),
    kind     TEXT NOT NULL,
    ref      TEXT NOT NULL,
    at       DATETIME NOT NULL
);
CREATE INDEX alert_evidence_alert ON alert_evidence (alert_id);

-- +goose Down
DROP TABLE alert_evidence;
DROP TABLE alerts;
DROP TABLE case_blobs;
DROP TABLE case_photos;
DROP TABLE case_parties;
DROP TABLE case_documents;
DROP TABLE case_specimens;
DROP TABLE cases;
