-- +goose Up
-- The version of the file rules (checks.RulesVersion) a document passed at
-- upload. A bundle re-checks only documents checked under older rules;
-- 0: stored before versions were recorded, so checked again.
ALTER TABLE documents ADD COLUMN rules INTEGER NOT NULL DEFAULT 0;
ALTER TABLE document_history ADD COLUMN rules INTEGER NOT NULL DEFAULT 0;

-- +goose Down
ALTER TABLE document_history DROP COLUMN rules;
ALTER TABLE documents DROP COLUMN rules;
