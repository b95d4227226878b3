-- +goose Up
-- What OCR read on each current document (one row per stored file: a
-- replaced file's row goes with it, and so does an application's). The
-- reading runs as a job after the document is accepted: status pending
-- until it ends, then done or failed. result is the JSON of ocr.Result
-- (the text read, per page, and its confidence): personal data, sealed
-- like the other personal columns ("enc1:") when keys are in use.
-- confirmed_*: the person said «документ верный», dismissing the warnings.
CREATE TABLE document_readings (
    object_key     TEXT PRIMARY KEY REFERENCES documents (object_key) ON DELETE CASCADE,
    application_id TEXT NOT NULL,
    status         TEXT NOT NULL,              -- pending | done | failed
    result         TEXT NOT NULL DEFAULT '',
    error          TEXT NOT NULL DEFAULT '',   -- why a failed reading failed (no personal data)
    queued_at      TEXT NOT NULL,
    read_at        TEXT NOT NULL DEFAULT '',
    confirmed_at   TEXT NOT NULL DEFAULT '',
    confirmed_by   TEXT NOT NULL DEFAULT ''
);
CREATE INDEX document_readings_application ON document_readings (application_id);

-- +goose Down
DROP TABLE document_readings;
