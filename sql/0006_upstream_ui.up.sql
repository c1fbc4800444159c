-- 0006_upstream_ui: tables the upstream web UI needs besides the samples.
--
-- ProfilerFilters is upstream's table of saved filters: one row per filter
-- a user saved for a service (the service's name as the UI sends it in the
-- path), filter_content being the RQL filter object
-- {"$and"|"$or": [{"HostName": {"$eq": "..."}}, ...]}, validated by the API.
--
-- ember_snapshots keeps what POST /api/snapshots receives: the frames a
-- user marked in a flamegraph (level, start, duration), with the service,
-- time range and filter they were marked on.

CREATE TABLE ProfilerFilters (
	ID bigserial PRIMARY KEY,
	service text NOT NULL,
	filter_content jsonb NOT NULL,
	ts timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE INDEX profilerfilters_service_idx ON ProfilerFilters (service);

CREATE TABLE ember_snapshots (
	id bigserial PRIMARY KEY,
	service_id bigint NOT NULL REFERENCES Services,
	start_time timestamp NOT NULL,
	end_time timestamp NOT NULL,
	frames jsonb NOT NULL CHECK (jsonb_typeof(frames) = 'array'),
	filter jsonb NULL,
	created_at timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP
);
