-- +goose Up
ALTER TABLE users ADD COLUMN org_name TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN org_address TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN org_country TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN org_registration TEXT NOT NULL DEFAULT '';

CREATE TABLE applications (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    exporter_id       INTEGER NOT NULL REFERENCES users(id),
    authority         TEXT NOT NULL,
    status            TEXT NOT NULL,
    request           TEXT NOT NULL,
    payment_reference TEXT NOT NULL DEFAULT '',
    missing           TEXT NOT NULL DEFAULT '',
    permit_id         INTEGER REFERENCES permits(id),
    created_at        DATETIME NOT NULL,
    updated_at        DATETIME NOT NULL,
    submitted_at      DATETIME
);
CREATE INDEX applications_queue ON applications (authority, status);
CREATE INDEX applications_exporter ON applications (exporter_id);

CREATE TABLE application_messages (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    application_id INTEGER NOT NULL REFERENCES applications(id),
    at             DATETIME NOT NULL,
    author         TEXT NOT NULL,
    kind           TEXT NOT NULL,
    text           TEXT NOT NULL
);
CREATE INDEX application_messages_app ON application_messages (application_id);

CREATE TABLE attachments (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    application_id INTEGER NOT NULL REFERENCES applications(id),
    kind           TEXT NOT NULL,
    filename       TEXT NOT NULL,
    content_type   TEXT NOT NULL,
    size           INTEGER NOT NULL,
    sha256         TEXT NOT NULL,
    data           BLOB NOT NULL,
    created_at     DATETIME NOT NULL
);
CREATE INDEX attachments_app ON attachments (application_id);

CREATE TABLE notifications (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id     INTEGER NOT NULL REFERENCES users(id),
    kind        TEXT NOT NULL,
    entity_type TEXT NOT NULL,
    entity_id   TEXT NOT NULL,
    text        TEXT NOT NULL,
    created_at  DATETIME NOT NULL,
    read_at     DATETIME
);
CREATE INDEX notifications_user ON notifications (user_id, id);

-- +goose Down
DROP TABLE notifications;
DROP TABLE attachments;
DROP TABLE application_messages;
DROP TABLE applications;
ALTER TABLE users DROP COLUMN org_registration;
ALTER TABLE users DROP COLUMN org_country;
ALTER TABLE users DROP COLUMN org_address;
ALTER TABLE users DROP COLUMN org_name;
