-- +goose Up
-- The day the FRMR portal took the application (YYYY-MM-DD), as the person
-- says it; NULL while the application is a draft. The deadlines' stages of
-- a submitted application count from it. An application submitted before
-- this migration was submitted on the day of its submitted_at (UTC, as the
-- service counts days).
ALTER TABLE applications ADD COLUMN submitted_on TEXT;
UPDATE applications SET submitted_on = substr(submitted_at, 1, 10)
    WHERE status = 'submitted' AND submitted_at IS NOT NULL;

-- +goose Down
ALTER TABLE applications DROP COLUMN submitted_on;
