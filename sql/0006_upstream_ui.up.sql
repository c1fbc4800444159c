-- 0006_upstream_ui: tables the upstream web UI needs besides the samples.
--
-- ProfilerFilters is upstream's table of saved filters (created here only
-- when an upstream database does not already have it): one row per filter
-- a user saved for a service, filter_content being the RQL filter object
-- {"$and"|"$or": [{"HostName": {"$eq": "..."}}, ...]}, validated by the API.
--
-- ember_snapshots keeps what POST /api/snapshots receives: the frames a
-- user marked in a flamegraph (level, start, duration), with the service,
-- time range and filter they were marked on.

DO $$
BEGIN
	IF to_regclass('profilerfilters') IS NULL THEN
		CREATE TABLE ProfilerFilters (
			ID bigserial PRIMARY KEY,
			service bigint NOT NULL REFERENCES Services,
			filter_content jsonb NOT NULL
		);
		CREATE INDEX profilerfilters_service_idx ON ProfilerFilters (service);
		COMMENT ON TABLE ProfilerFilters IS 'ember:0006_upstream_ui';
	END IF;
END
$$;

CREATE TABLE ember_snapshots (
	id bigserial PRIMARY KEY,
	service_id bigint NOT NULL REFERENCES Services,
	start_time timestamp NOT NULL,
	end_time timestamp NOT NULL,
	frames jsonb NOT NULL CHECK (jsonb_typeof(frames) = 'array'),
	filter jsonb NULL,
	created_at timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP
);
