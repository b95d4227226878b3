-- +goose Up
-- Applications created with the bootstrap token belong to no specialist.
UPDATE applications SET owner = '' WHERE owner = 'bootstrap-admin';

CREATE TABLE organizations (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    kind       TEXT NOT NULL,        -- consultancy | training_center
    created_at TEXT NOT NULL
);

CREATE TABLE users (
    id              TEXT PRIMARY KEY,
    email           TEXT NOT NULL UNIQUE,  -- lower case
    name            TEXT NOT NULL,
    role            TEXT NOT NULL,         -- admin | specialist | consultant | training_center
    organization_id TEXT REFERENCES organizations (id),
    password_hash   TEXT NOT NULL,         -- argon2id, PHC string
    created_at      TEXT NOT NULL,
    disabled_at     TEXT
);

-- A login: the cookie holds a random token, the row its SHA-256.
CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    csrf_token TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE api_keys (
    id           TEXT PRIMARY KEY,
    user_id      TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    secret_hash  TEXT NOT NULL,          -- SHA-256 of the 256-bit secret
    created_at   TEXT NOT NULL,
    last_used_at TEXT,
    revoked_at   TEXT
);
CREATE INDEX api_keys_user ON api_keys (user_id, created_at);

-- An application shared with an organization.
CREATE TABLE grants (
    application_id  TEXT NOT NULL REFERENCES applications (id) ON DELETE CASCADE,
    organization_id TEXT NOT NULL REFERENCES organizations (id),
    created_at      TEXT NOT NULL,
    created_by      TEXT NOT NULL,
    PRIMARY KEY (application_id, organization_id)
);
CREATE INDEX grants_organization ON grants (organization_id, application_id);

-- A one-time code a specialist gives an organization to share with it.
CREATE TABLE share_codes (
    code_hash      TEXT PRIMARY KEY,
    application_id TEXT NOT NULL REFERENCES applications (id) ON DELETE CASCADE,
    created_by     TEXT NOT NULL,
    created_at     TEXT NOT NULL,
    expires_at     TEXT NOT NULL,
    used_at        TEXT,
    used_by        TEXT
);

-- Who read or changed what, when, from where. Never updated or deleted:
-- it outlives the applications it speaks of.
CREATE TABLE audit_log (
    id              BIGSERIAL PRIMARY KEY,
    at              TEXT NOT NULL,
    actor_id        TEXT NOT NULL,
    actor_role      TEXT NOT NULL,
    actor_label     TEXT NOT NULL,
    organization_id TEXT NOT NULL,
    action          TEXT NOT NULL,
    application_id  TEXT NOT NULL,
    owner_id        TEXT NOT NULL,
    target          TEXT NOT NULL,
    outcome         TEXT NOT NULL,   -- granted | denied
    remote          TEXT NOT NULL,
    request_id      TEXT NOT NULL
);
CREATE INDEX audit_log_application ON audit_log (application_id, id);
CREATE INDEX audit_log_owner ON audit_log (owner_id, id);

-- +goose StatementBegin
CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only';
END
$$;
-- +goose StatementEnd
CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();

-- +goose Down
DROP TABLE audit_log;
DROP FUNCTION audit_log_append_only();
DROP TABLE share_codes;
DROP TABLE grants;
DROP TABLE api_keys;
DROP TABLE sessions;
DROP TABLE users;
DROP TABLE organizations;
