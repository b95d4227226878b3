-- +goose Up
-- An address is confirmed by following a link sent to it; accounts made
-- before e-mail existed (and by administrators) count as confirmed.
ALTER TABLE users ADD COLUMN email_confirmed_at TEXT;
UPDATE users SET email_confirmed_at = created_at;

-- One-time tokens sent by e-mail: a confirmation of the address, a
-- password reset, an invitation to take over an application. Only the
-- token's SHA-256 is kept.
CREATE TABLE email_tokens (
    token_hash     TEXT PRIMARY KEY,
    purpose        TEXT NOT NULL,          -- confirm | reset | invite
    user_id        TEXT NOT NULL,          -- '' for an invitation
    application_id TEXT NOT NULL,          -- '' unless an invitation
    email          TEXT NOT NULL,          -- the address it was sent to
    created_by     TEXT NOT NULL,
    created_at     TEXT NOT NULL,
    expires_at     TEXT NOT NULL,
    used_at        TEXT,
    used_by        TEXT
);
CREATE INDEX email_tokens_user ON email_tokens (user_id, purpose);
CREATE INDEX email_tokens_application ON email_tokens (application_id);

-- +goose Down
DROP TABLE email_tokens;
ALTER TABLE users DROP COLUMN email_confirmed_at;
