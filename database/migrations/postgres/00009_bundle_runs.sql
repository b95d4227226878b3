-- +goose Up
-- A bundle belongs to a build run: a random number recorded on the bundle
-- before its job is queued and carried in the job. The queue's own job id
-- was recorded only after the insert, so a worker fast enough could start
-- before it and take its own job for a stale one.
ALTER TABLE bundles RENAME COLUMN job_id TO build_run;

-- +goose Down
ALTER TABLE bundles RENAME COLUMN build_run TO job_id;
