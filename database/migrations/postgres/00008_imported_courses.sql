-- +goose Up
-- A course added by a training center's certificate import carries the
-- organization; its FRDO number is unique within the application, so that
-- the same batch sent twice, even at the same moment by two processes,
-- adds it once. Courses entered by hand are not constrained.
ALTER TABLE courses ADD COLUMN imported_by TEXT NOT NULL DEFAULT '';
CREATE UNIQUE INDEX courses_imported_frdo ON courses (application_id, frdo_number) WHERE imported_by <> '';

-- +goose Down
DROP INDEX courses_imported_frdo;
ALTER TABLE courses DROP COLUMN imported_by;
