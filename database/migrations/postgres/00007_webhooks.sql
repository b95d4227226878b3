-- +goose Up
-- Webhook subscriptions: an account's (a specialist's, an administrator's)
-- or, when staff created it, their organization's. The secret signs every
-- delivery (HMAC-SHA256), so it is kept as it is; it is shown once.
CREATE TABLE webhook_subscriptions (
    id          TEXT PRIMARY KEY,
    user_id     TEXT NOT NULL,      -- who created it
    role        TEXT NOT NULL,      -- the creator's role: whose events it may hear
    org_id      TEXT NOT NULL,      -- staff: the organization it belongs to; '' otherwise
    url         TEXT NOT NULL,
    events      TEXT NOT NULL,      -- event types, comma-separated
    description TEXT NOT NULL,
    secret      TEXT NOT NULL,
    created_at  TEXT NOT NULL
);
CREATE INDEX webhook_subscriptions_user ON webhook_subscriptions (user_id);
CREATE INDEX webhook_subscriptions_org ON webhook_subscriptions (org_id);

-- One event for one subscription; the job queue sends it and retries.
-- Payloads hold ids and states only, never personal data.
CREATE TABLE webhook_deliveries (
    id              TEXT PRIMARY KEY,
    subscription_id TEXT NOT NULL REFERENCES webhook_subscriptions (id) ON DELETE CASCADE,
    event_id        TEXT NOT NULL,
    event_type      TEXT NOT NULL,
    application_id  TEXT NOT NULL,
    payload         TEXT NOT NULL,
    status          TEXT NOT NULL,  -- pending | delivered | failed
    attempts        INTEGER NOT NULL,
    last_status     INTEGER NOT NULL, -- HTTP status of the last attempt; 0: no answer
    last_error      TEXT NOT NULL,
    next_attempt_at TEXT NOT NULL,  -- '' when no attempt is planned
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    UNIQUE (subscription_id, event_id)
);
CREATE INDEX webhook_deliveries_subscription ON webhook_deliveries (subscription_id, created_at);

-- Every attempt of a delivery: the delivery log.
CREATE TABLE webhook_attempts (
    delivery_id TEXT NOT NULL REFERENCES webhook_deliveries (id) ON DELETE CASCADE,
    attempt     INTEGER NOT NULL,
    at          TEXT NOT NULL,
    status      INTEGER NOT NULL,   -- HTTP status; 0: no answer
    error       TEXT NOT NULL,
    duration_ms BIGINT NOT NULL,
    PRIMARY KEY (delivery_id, attempt)
);

-- The last readiness seen of each application, so that a change of it is
-- an event.
CREATE TABLE readiness_state (
    application_id TEXT PRIMARY KEY REFERENCES applications (id) ON DELETE CASCADE,
    ready          INTEGER NOT NULL,
    updated_at     TEXT NOT NULL
);

-- +goose Down
DROP TABLE readiness_state;
DROP TABLE webhook_attempts;
DROP TABLE webhook_deliveries;
DROP TABLE webhook_subscriptions;
