-- 0003_api_keys: per-service agent API keys (ember's own table).
--
-- Only the SHA-256 (lowercase hex) of a key is stored; `ember-admin key
-- create` prints the key once.  service_name NULL = valid for every service.

CREATE TABLE ember_api_keys (
	id bigserial PRIMARY KEY,
	key_hash text NOT NULL UNIQUE CHECK (key_hash ~ '^[0-9a-f]{64}$'),
	key_prefix text NOT NULL,
	service_name text NULL,
	description text,
	created_at timestamp NOT NULL DEFAULT now(),
	revoked_at timestamp NULL,
	last_used_at timestamp NULL
);

COMMENT ON COLUMN ember_api_keys.key_hash IS 'sha256 hex of the key';
COMMENT ON COLUMN ember_api_keys.key_prefix IS 'first 8 characters of the key, for display';
COMMENT ON COLUMN ember_api_keys.service_name IS 'NULL = valid for all services';
