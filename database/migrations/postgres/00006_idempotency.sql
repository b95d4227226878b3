-- +goose Up
-- Answers to POST requests sent with an Idempotency-Key, per caller, so a
-- retried request is answered again instead of done twice. status 0: the
-- first request is still running.
CREATE TABLE idempotency_keys (
    scope        TEXT NOT NULL,     -- the caller: user id, or bootstrap
    key          TEXT NOT NULL,
    fingerprint  TEXT NOT NULL,     -- SHA-256 of method, path, query and JSON body
    status       INTEGER NOT NULL,
    content_type TEXT NOT NULL,
    body         BYTEA NOT NULL,
    created_at   TEXT NOT NULL,
    PRIMARY KEY (scope, key)
);
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);

-- +goose Down
DROP TABLE idempotency_keys;
