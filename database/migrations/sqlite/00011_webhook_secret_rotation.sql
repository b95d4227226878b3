-- +goose Up
-- A subscription's secret can be rotated: the secret it replaced goes on
-- signing deliveries, beside the new one, until previous_secret_expires_at
-- (the grace period), so that a subscriber can switch without losing an
-- event. Both are '' when no previous secret signs any more.
ALTER TABLE webhook_subscriptions ADD COLUMN previous_secret TEXT NOT NULL DEFAULT '';
ALTER TABLE webhook_subscriptions ADD COLUMN previous_secret_expires_at TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE webhook_subscriptions DROP COLUMN previous_secret_expires_at;
ALTER TABLE webhook_subscriptions DROP COLUMN previous_secret;
