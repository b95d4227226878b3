-- +goose Up
-- Answers kept for an Idempotency-Key before issue 19 could hold a secret
-- shown once (an API key's token, a webhook's signing secret, a share code,
-- a signed file link). New answers are kept without it; forget the old
-- ones that may hold one (a retry of such a request runs again).
DELETE FROM idempotency_keys
WHERE position(convert_to('"token":"', 'UTF8') IN body) > 0
   OR position(convert_to('"secret":"', 'UTF8') IN body) > 0
   OR position(convert_to('"code":"', 'UTF8') IN body) > 0
   OR position(convert_to('"url":"', 'UTF8') IN body) > 0;

-- +goose Down
-- Nothing to restore: the forgotten answers held secrets.
SELECT 1;
