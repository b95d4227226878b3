-- +goose Up
-- Each recording of an application's readiness counts up its version, and
-- is made only over the version read before the evaluation: an evaluation
-- that began before a change (a recheck racing an upload) cannot overwrite
-- the one made after it.
ALTER TABLE readiness_state ADD COLUMN version INTEGER NOT NULL DEFAULT 0;

-- +goose Down
ALTER TABLE readiness_state DROP COLUMN version;
