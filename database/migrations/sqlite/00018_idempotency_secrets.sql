-- +goose Up
-- Answers kept for an Idempotency-Key before issue 19 could hold a secret
-- shown once (an API key's token, a webhook's signing secret, a share code,
-- a signed file link). New answers are kept without it; forget the old
-- ones that may hold one (a retry of such a request runs again).
DELETE FROM idempotency_keys
WHERE CAST(body AS TEXT) LIKE '%"token":"%'
   OR CAST(body AS TEXT) LIKE '%"secret":"%'
   OR CAST(body AS TEXT) LIKE '%"code":"%'
   OR CAST(body AS TEXT) LIKE '%"url":"%';

-- +goose Down
-- Nothing to restore: the forgotten answers held secrets.
SELECT 1;
