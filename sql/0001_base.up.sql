-- 0001_base: the pre-existing gProfiler tables the ad hoc feature uses.
--
-- Same shape as upstream's scripts/setup/postgres/gprofiler_recreate.sql.
-- On a database upstream already created every object exists and this
-- migration changes nothing.  Each object it does create is marked with
-- the comment 'ember:0001_base', so the down script removes only those and
-- never an upstream table.
--
-- Applied by `ember-admin migrate up`, which wraps the file in one
-- transaction (by hand: psql -1 -v ON_ERROR_STOP=1 -f FILE).  Do not put
-- BEGIN/COMMIT in migration files.

DO $$
BEGIN
	IF to_regtype('servicetype') IS NULL THEN
		CREATE TYPE ServiceType AS ENUM ('instances', 'pods', 'containers');
		COMMENT ON TYPE ServiceType IS 'ember:0001_base';
	END IF;
	IF to_regtype('envtype') IS NULL THEN
		CREATE TYPE EnvType AS ENUM ('instances', 'k8s', 'containers', 'ecs');
		COMMENT ON TYPE EnvType IS 'ember:0001_base';
	END IF;
END
$$;

DO $$
BEGIN
	IF to_regclass('profilertokens') IS NULL THEN
		CREATE TABLE ProfilerTokens (
			ID bigserial PRIMARY KEY,
			"token" text NOT NULL,
			disabled timestamp NULL,
			ts timestamp NULL DEFAULT CURRENT_TIMESTAMP,
			CONSTRAINT profilertokens_token_key UNIQUE (token)
		);
		COMMENT ON TABLE ProfilerTokens IS 'ember:0001_base';
	END IF;

	IF to_regclass('services') IS NULL THEN
		CREATE TABLE Services (
			ID bigserial PRIMARY KEY,
			"name" text NOT NULL,
			hidden bool NOT NULL DEFAULT false,
			ts timestamp NULL DEFAULT CURRENT_TIMESTAMP,
			service_type servicetype NOT NULL DEFAULT 'instances'::servicetype,
			cluster_id bigint CONSTRAINT "service must belong to a valid cluster-service" REFERENCES Services,
			is_cluster bool NOT NULL DEFAULT false,
			env_type envtype NULL,
			profiler_sample_threshold float8 NULL,
			CONSTRAINT "unique service" UNIQUE (name)
		);
		COMMENT ON TABLE Services IS 'ember:0001_base';
	END IF;

	IF to_regclass('tokenassociations') IS NULL THEN
		CREATE TABLE TokenAssociations (
			ID bigserial PRIMARY KEY,
			token bigint NOT NULL CONSTRAINT "token_association must belong to a valid profiler" REFERENCES ProfilerTokens,
			service_name text NOT NULL,
			service bigint NOT NULL CONSTRAINT "token_association must belong to a valid service" REFERENCES Services,
			last_seen timestamp NULL DEFAULT CURRENT_TIMESTAMP,
			ts timestamp NULL DEFAULT CURRENT_TIMESTAMP,
			CONSTRAINT tokenassociations_service_key UNIQUE (service),
			CONSTRAINT "unique token_association" UNIQUE (token, service_name)
		);
		COMMENT ON TABLE TokenAssociations IS 'ember:0001_base';
	END IF;
END
$$;

CREATE INDEX IF NOT EXISTS services_hidden_idx ON Services USING btree (hidden);

-- Soft delete: DELETE FROM Services only hides the row, so the FK
-- ON DELETE CASCADE of AdhocFlamegraphMetadata never fires through it.
CREATE OR REPLACE RULE ServicesDeleteProtection
	AS ON DELETE TO Services DO INSTEAD
	UPDATE Services SET hidden = true WHERE Services.ID = OLD.ID;
