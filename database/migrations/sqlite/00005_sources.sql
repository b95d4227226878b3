-- +goose Up
-- The original parts a slot file was made from (photos, scans, an oversize
-- PDF), kept with their objects so that no conversion loses anything.
CREATE TABLE document_sources (
    id             TEXT PRIMARY KEY,
    application_id TEXT NOT NULL REFERENCES applications (id) ON DELETE CASCADE,
    document_key   TEXT NOT NULL,     -- object_key of the document made from it
    position       INTEGER NOT NULL,  -- 1.. in the order given
    object_key     TEXT NOT NULL UNIQUE,
    kind           TEXT NOT NULL,     -- pdf | jpeg | png
    sha256         TEXT NOT NULL,
    size           INTEGER NOT NULL,
    file_name      TEXT NOT NULL,
    uploaded_at    TEXT NOT NULL,
    UNIQUE (document_key, position)
);
CREATE INDEX document_sources_application ON document_sources (application_id);

-- +goose Down
DROP TABLE document_sources;
