-- +goose Up
-- An API key may expire, and may be limited in what it does: full (every
-- action of its owner), read (reading only) or import (the training
-- center's certificate import only).
ALTER TABLE api_keys ADD COLUMN scope TEXT NOT NULL DEFAULT 'full';
ALTER TABLE api_keys ADD COLUMN expires_at TEXT;

-- +goose Down
ALTER TABLE api_keys DROP COLUMN expires_at;
ALTER TABLE api_keys DROP COLUMN scope;
