-- +goose Up
ALTER TABLE applications ADD COLUMN previous_accreditation_date TEXT NOT NULL DEFAULT '';
ALTER TABLE applications ADD COLUMN employment_ended TEXT NOT NULL DEFAULT '';

CREATE TABLE courses (
    id               TEXT PRIMARY KEY,
    application_id   TEXT NOT NULL REFERENCES applications (id) ON DELETE CASCADE,
    title            TEXT NOT NULL,
    organization     TEXT NOT NULL,
    hours            INTEGER NOT NULL,
    start_date       TEXT NOT NULL,
    end_date         TEXT NOT NULL,
    in_specialty     INTEGER NOT NULL,
    frdo_number      TEXT NOT NULL,
    certificate_slot TEXT NOT NULL,
    created_at       TEXT NOT NULL
);
CREATE INDEX courses_application ON courses (application_id, created_at);

-- A confirmation code can be activated once: once per specialist (SNILS),
-- across all of their applications.
CREATE TABLE nmo_activities (
    id             TEXT PRIMARY KEY,
    application_id TEXT NOT NULL REFERENCES applications (id) ON DELETE CASCADE,
    snils          TEXT NOT NULL,
    title          TEXT NOT NULL,
    activity_date  TEXT NOT NULL,
    credits        INTEGER NOT NULL,
    code           TEXT NOT NULL,
    kind           TEXT NOT NULL,
    foreign_event  INTEGER NOT NULL,
    created_at     TEXT NOT NULL,
    UNIQUE (snils, code)
);
CREATE INDEX nmo_activities_application ON nmo_activities (application_id, created_at);

-- +goose Down
DROP TABLE nmo_activities;
DROP TABLE courses;
ALTER TABLE applications DROP COLUMN employment_ended;
ALTER TABLE applications DROP COLUMN previous_accreditation_date;
