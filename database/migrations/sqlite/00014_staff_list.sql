-- +goose Up
-- What the staff list sorts, filters and searches by, recorded with each
-- evaluation of an application's readiness (intake's changed, and the
-- daily recheck), so that a page of 100,000 clients is a query, not a scan:
--   blocking     how many blocking findings the evaluation had;
--   due_on       the last day to submit (the deadlines' submit_by),
--                '9999-12-31' when there is none (sorts last);
--   expires_on   the day the current accreditation ends, '' when unknown;
--   search_text  the full name and specialty in lower case, ё as е;
--   snils_hash   HMAC-SHA256 of the SNILS's 11 digits under the search key
--                (see settings): an exact SNILS search that still works
--                once the SNILS column itself is encrypted;
--   summarized   0 for rows written before this migration: the recheck
--                fills them in on the next start.
ALTER TABLE readiness_state ADD COLUMN blocking INTEGER NOT NULL DEFAULT 0;
ALTER TABLE readiness_state ADD COLUMN due_on TEXT NOT NULL DEFAULT '9999-12-31';
ALTER TABLE readiness_state ADD COLUMN expires_on TEXT NOT NULL DEFAULT '';
ALTER TABLE readiness_state ADD COLUMN search_text TEXT NOT NULL DEFAULT '';
ALTER TABLE readiness_state ADD COLUMN snils_hash TEXT NOT NULL DEFAULT '';
ALTER TABLE readiness_state ADD COLUMN summarized INTEGER NOT NULL DEFAULT 0;
CREATE INDEX readiness_state_due ON readiness_state (due_on, application_id);
CREATE INDEX readiness_state_name ON readiness_state (search_text, application_id);
CREATE INDEX readiness_state_snils ON readiness_state (snils_hash);
CREATE INDEX applications_created ON applications (created_at, id);
-- Every application has its row from now on (written with it, version 0
-- until the first evaluation), so that lists join it and sort on its
-- indexes.
INSERT INTO readiness_state (application_id, ready, updated_at, version)
    SELECT id, 0, created_at, 0 FROM applications
    WHERE id NOT IN (SELECT application_id FROM readiness_state);

-- The staff member of the organization who looks after the client
-- ("мои клиенты"); NULL: nobody yet.
ALTER TABLE grants ADD COLUMN assignee TEXT;
CREATE INDEX grants_assignee ON grants (organization_id, assignee);

-- Settings the service makes for itself once, shared by every process
-- (the SNILS search key until keys move to a key file).
CREATE TABLE settings (
    name  TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- +goose Down
DROP TABLE settings;
DROP INDEX grants_assignee;
ALTER TABLE grants DROP COLUMN assignee;
DROP INDEX applications_created;
DROP INDEX readiness_state_snils;
DROP INDEX readiness_state_name;
DROP INDEX readiness_state_due;
ALTER TABLE readiness_state DROP COLUMN summarized;
ALTER TABLE readiness_state DROP COLUMN snils_hash;
ALTER TABLE readiness_state DROP COLUMN search_text;
ALTER TABLE readiness_state DROP COLUMN expires_on;
ALTER TABLE readiness_state DROP COLUMN due_on;
ALTER TABLE readiness_state DROP COLUMN blocking;
