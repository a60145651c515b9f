-- +goose Up
-- Records the database refused (a verification whose text it would not
-- store): set aside with the reason, so that they never block the records
-- behind them and nothing is lost silently.
CREATE TABLE dead_letters (
    id      INTEGER PRIMARY KEY AUTOINCREMENT,
    kind    TEXT NOT NULL,
    at      DATETIME NOT NULL,
    payload TEXT NOT NULL,
    error   TEXT NOT NULL
);

-- +goose Down
DROP TABLE dead_letters;
