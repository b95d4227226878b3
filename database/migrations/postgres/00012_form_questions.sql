-- +goose Up
-- Two questions of order 709н that decide which documents apply: why the
-- report on professional activity is not agreed (p. 89: only when the head
-- refused is there a motivated refusal to attach), and what gives the
-- right to primary specialized accreditation (the diploma of that basis).
-- Existing applications have them unanswered (''): unknown stays unknown,
-- shown as a question, never as a missing document.
ALTER TABLE applications ADD COLUMN report_not_agreed_reason TEXT NOT NULL DEFAULT '';
ALTER TABLE applications ADD COLUMN primary_basis TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE applications DROP COLUMN primary_basis;
ALTER TABLE applications DROP COLUMN report_not_agreed_reason;
