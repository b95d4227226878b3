-- +goose Up
CREATE TABLE bundles (
    id             TEXT PRIMARY KEY,
    application_id TEXT NOT NULL REFERENCES applications (id) ON DELETE CASCADE,
    kind           TEXT NOT NULL,     -- frmr_package | portfolio_pdf
    draft          INTEGER NOT NULL,
    status         TEXT NOT NULL,     -- queued | running | done | failed
    error          TEXT NOT NULL,
    done_items     INTEGER NOT NULL,
    total_items    INTEGER NOT NULL,
    attempts       INTEGER NOT NULL,
    job_id         INTEGER NOT NULL,
    object_key     TEXT NOT NULL,     -- empty until done
    size           INTEGER NOT NULL,
    sha256         TEXT NOT NULL,
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL
);
CREATE INDEX bundles_application ON bundles (application_id, created_at);
CREATE INDEX bundles_unfinished ON bundles (status) WHERE status IN ('queued', 'running');

-- +goose Down
DROP TABLE bundles;
