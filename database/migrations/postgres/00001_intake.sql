-- +goose Up
CREATE TABLE applications (
    id              TEXT PRIMARY KEY,
    owner           TEXT NOT NULL,
    kind            TEXT NOT NULL,
    status          TEXT NOT NULL,
    last_name       TEXT NOT NULL,
    first_name      TEXT NOT NULL,
    middle_name     TEXT NOT NULL,
    snils           TEXT NOT NULL,
    birth_date      TEXT NOT NULL,
    phone           TEXT NOT NULL,
    email           TEXT NOT NULL,
    education_level TEXT NOT NULL,
    specialty       TEXT NOT NULL,
    report_agreed   INTEGER,          -- NULL until answered
    name_changed    INTEGER NOT NULL,
    employed        INTEGER,          -- NULL: not stated, counts as employed
    comment         TEXT NOT NULL,
    consent         INTEGER NOT NULL,
    created_at      TEXT NOT NULL,    -- UTC, fixed width: sorts as text
    updated_at      TEXT NOT NULL,
    submitted_at    TEXT
);
CREATE INDEX applications_owner_created ON applications (owner, created_at, id);
CREATE INDEX applications_snils ON applications (snils);

-- The current file of each slot row: at most one.
CREATE TABLE documents (
    application_id TEXT NOT NULL REFERENCES applications (id) ON DELETE CASCADE,
    slot           TEXT NOT NULL,
    row_no         INTEGER NOT NULL,  -- 0 for plain slots, 1.. for repeatable rows
    object_key     TEXT NOT NULL UNIQUE,
    sha256         TEXT NOT NULL,
    size           BIGINT NOT NULL,
    pages          INTEGER NOT NULL,
    file_name      TEXT NOT NULL,
    uploaded_at    TEXT NOT NULL,
    uploaded_by    TEXT NOT NULL,
    PRIMARY KEY (application_id, slot, row_no)
);

-- Files that were replaced or removed, kept with their objects.
CREATE TABLE document_history (
    id             BIGSERIAL PRIMARY KEY,
    application_id TEXT NOT NULL REFERENCES applications (id) ON DELETE CASCADE,
    slot           TEXT NOT NULL,
    row_no         INTEGER NOT NULL,
    object_key     TEXT NOT NULL,
    sha256         TEXT NOT NULL,
    size           BIGINT NOT NULL,
    pages          INTEGER NOT NULL,
    file_name      TEXT NOT NULL,
    uploaded_at    TEXT NOT NULL,
    uploaded_by    TEXT NOT NULL,
    ended_at       TEXT NOT NULL,
    ended_reason   TEXT NOT NULL      -- replaced | deleted
);
CREATE INDEX document_history_slot ON document_history (application_id, slot, row_no, id);

-- +goose Down
DROP TABLE document_history;
DROP TABLE documents;
DROP TABLE applications;
