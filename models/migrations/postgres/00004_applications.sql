-- +goose Up
ALTER TABLE users ADD COLUMN org_name TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN org_address TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN org_country TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN org_registration TEXT NOT NULL DEFAULT '';

CREATE TABLE applications (
    id                BIGSERIAL PRIMARY KEY,
    exporter_id       BIGINT NOT NULL REFERENCES users(id),
    authority         TEXT NOT NULL,
    status            TEXT NOT NULL,
    request           TEXT NOT NULL,
    payment_reference TEXT NOT NULL DEFAULT '',
    missing           TEXT NOT NULL DEFAULT '',
    permit_id         BIGINT REFERENCES permits(id),
    created_at        TIMESTAMPTZ NOT NULL,
    updated_at        TIMESTAMPTZ NOT NULL,
    submitted_at      TIMESTAMPTZ
);
CREATE INDEX applications_queue ON applications (authority, status);
CREATE INDEX applications_exporter ON applications (exporter_id);

CREATE TABLE application_messages (
    id             BIGSERIAL PRIMARY KEY,
    application_id BIGINT NOT NULL REFERENCES applications(id),
    at             TIMESTAMPTZ NOT NULL,
    author         TEXT NOT NULL,
    kind           TEXT NOT NULL,
    text           TEXT NOT NULL
);
CREATE INDEX application_messages_app ON application_messages (application_id);

CREATE TABLE attachments (
    id             BIGSERIAL PRIMARY KEY,
    application_id BIGINT NOT NULL REFERENCES applications(id),
    kind           TEXT NOT NULL,
    filename       TEXT NOT NULL,
    content_type   TEXT NOT NULL,
    size           BIGINT NOT NULL,
    sha256         TEXT NOT NULL,
    data           BYTEA NOT NULL,
    created_at     TIMESTAMPTZ NOT NULL
);
CREATE INDEX attachments_app ON attachments (application_id);

CREATE TABLE notifications (
    id          BIGSERIAL PRIMARY KEY,
    user_id     BIGINT NOT NULL REFERENCES users(id),
    kind        TEXT NOT NULL,
    entity_type TEXT NOT NULL,
    entity_id   TEXT NOT NULL,
    text        TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL,
    read_at     TIMESTAMPTZ
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
