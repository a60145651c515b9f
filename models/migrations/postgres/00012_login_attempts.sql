-- +goose Up
-- Sign-in attempts counted per username and per client address in a fixed
-- window, shared by every replica; counted before the password is checked.
CREATE TABLE login_attempts (
    key          TEXT PRIMARY KEY,
    count        INTEGER NOT NULL,
    window_start TIMESTAMPTZ NOT NULL
);

-- +goose Down
DROP TABLE login_attempts;
