-- +goose Up
-- The report on professional activity written in the service (issue 21):
-- one draft per application, its JSON sealed like other personal columns
-- (column "report_drafts.body"). version counts saves: a save names the
-- version it was made from and is refused when another came first.
-- slot_sha256 is the SHA-256 of the generated PDF last put into the
-- report's slot, so the service can tell that the slot holds the unsigned
-- draft rather than the signed scan.
CREATE TABLE report_drafts (
    application_id TEXT PRIMARY KEY REFERENCES applications (id) ON DELETE CASCADE,
    body           TEXT NOT NULL,
    version        INTEGER NOT NULL,
    updated_at     TEXT NOT NULL,
    updated_by     TEXT NOT NULL DEFAULT '',
    slot_sha256    TEXT NOT NULL DEFAULT ''
);

-- A consultancy's templates of the report, one or more per specialty: a
-- client's report starts from one. They hold no personal data.
CREATE TABLE report_templates (
    id              TEXT PRIMARY KEY,
    organization_id TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    specialty       TEXT NOT NULL,
    title           TEXT NOT NULL,
    body            TEXT NOT NULL,
    created_at      TEXT NOT NULL
);
CREATE INDEX report_templates_organization ON report_templates (organization_id, specialty, created_at);

-- +goose Down
DROP TABLE report_templates;
DROP TABLE report_drafts;
