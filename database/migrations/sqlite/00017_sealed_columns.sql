-- +goose Up
-- Personal columns may now hold sealed values ("enc1:...", see
-- database/sealed.go); an exact SNILS is found through its keyed hash
-- beside the application, as the list already finds it, and the list's
-- search text becomes word tokens (keyed hashes of each word's
-- beginnings): every row is summarized again by the next recheck, which
-- rewrites it. The name index goes: names are sorted in memory.
ALTER TABLE applications ADD COLUMN snils_hash TEXT NOT NULL DEFAULT '';
CREATE INDEX applications_snils_hash ON applications (snils_hash);
DROP INDEX applications_snils;
DROP INDEX readiness_state_name;
UPDATE readiness_state SET summarized = 0, search_text = '';
-- Accounts are found by their e-mail's keyed hash (the e-mail itself may
-- be sealed); each account's is filled in at the next start.
ALTER TABLE users ADD COLUMN email_hash TEXT NOT NULL DEFAULT '';
CREATE UNIQUE INDEX users_email_hash ON users (email_hash) WHERE email_hash <> '';

-- +goose Down
DROP INDEX users_email_hash;
ALTER TABLE users DROP COLUMN email_hash;
CREATE INDEX readiness_state_name ON readiness_state (search_text, application_id);
CREATE INDEX applications_snils ON applications (snils);
DROP INDEX applications_snils_hash;
ALTER TABLE applications DROP COLUMN snils_hash;
