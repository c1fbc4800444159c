-- 0002_add_dynamic_profiling: heartbeats, profiling requests/commands/
-- executions and the ad hoc flamegraph metadata.
--
-- Same objects as upstream's migrations/add_dynamic_profiling.up.sql
-- (PR #97 shape), written so it is a no-op where they exist, plus the
-- upgrade path upstream lacks: a HostHeartbeats created by an older
-- version of that migration gets the two uuid[] columns added.
-- The tool wraps the file in one transaction; no BEGIN/COMMIT here.

DO $$
BEGIN
	CREATE TYPE ProfilingMode AS ENUM ('cpu', 'allocation', 'none');
EXCEPTION WHEN duplicate_object THEN NULL;
END
$$;

DO $$
BEGIN
	CREATE TYPE ProfilingRequestStatus AS ENUM ('pending', 'assigned', 'completed', 'failed', 'cancelled');
EXCEPTION WHEN duplicate_object THEN NULL;
END
$$;

DO $$
BEGIN
	CREATE TYPE CommandStatus AS ENUM ('pending', 'sent', 'completed', 'failed');
EXCEPTION WHEN duplicate_object THEN NULL;
END
$$;

DO $$
BEGIN
	CREATE TYPE HostStatus AS ENUM ('active', 'idle', 'error', 'offline');
EXCEPTION WHEN duplicate_object THEN NULL;
END
$$;

CREATE TABLE IF NOT EXISTS HostHeartbeats (
	ID bigserial PRIMARY KEY,
	hostname text NOT NULL,
	ip_address inet NOT NULL,
	service_name text NOT NULL,
	last_command_id uuid NULL,
	received_command_ids uuid[] NULL,
	executed_command_ids uuid[] NULL,
	status HostStatus NOT NULL DEFAULT 'active',
	heartbeat_timestamp timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP,
	created_at timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP,
	updated_at timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP,
	CONSTRAINT "unique_host_heartbeat" UNIQUE (hostname, service_name)
);

-- Upgrade path: HostHeartbeats from before PR #97 lacks these columns.
ALTER TABLE HostHeartbeats
	ADD COLUMN IF NOT EXISTS received_command_ids uuid[],
	ADD COLUMN IF NOT EXISTS executed_command_ids uuid[];

CREATE TABLE IF NOT EXISTS ProfilingRequests (
	ID bigserial PRIMARY KEY,
	request_id uuid NOT NULL UNIQUE,
	service_name text NOT NULL,
	request_type text NOT NULL CHECK (request_type IN ('start', 'stop')),
	continuous boolean NOT NULL DEFAULT false,
	duration integer NULL DEFAULT 60,
	frequency integer NULL DEFAULT 11,
	profiling_mode ProfilingMode NOT NULL DEFAULT 'cpu',
	target_hostnames text[] NOT NULL,
	pids integer[] NULL,
	stop_level text NULL DEFAULT 'process' CHECK (stop_level IN ('process', 'host')),
	additional_args jsonb NULL,
	status ProfilingRequestStatus NOT NULL DEFAULT 'pending',
	assigned_to_hostname text NULL,
	assigned_at timestamp NULL,
	completed_at timestamp NULL,
	estimated_completion_time timestamp NULL,
	service_id bigint NULL CONSTRAINT "fk_profiling_request_service" REFERENCES Services(ID),
	created_at timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP,
	updated_at timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP
);

CREATE TABLE IF NOT EXISTS ProfilingCommands (
	ID bigserial PRIMARY KEY,
	command_id uuid NOT NULL,
	hostname text NOT NULL,
	service_name text NOT NULL,
	command_type text NOT NULL CHECK (command_type IN ('start', 'stop')),
	request_ids uuid[] NOT NULL,
	combined_config jsonb NULL,
	status CommandStatus NOT NULL DEFAULT 'pending',
	created_at timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP,
	sent_at timestamp NULL,
	completed_at timestamp NULL,
	execution_time integer NULL,
	error_message text NULL,
	results_path text NULL,
	updated_at timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP,
	CONSTRAINT "unique_profiling_command_per_host" UNIQUE (hostname, service_name)
);

CREATE TABLE IF NOT EXISTS ProfilingExecutions (
	ID bigserial PRIMARY KEY,
	command_id uuid NOT NULL,
	hostname text NOT NULL,
	profiling_request_id uuid NOT NULL CONSTRAINT "fk_profiling_execution_request" REFERENCES ProfilingRequests(request_id),
	status ProfilingRequestStatus NOT NULL DEFAULT 'pending',
	started_at timestamp NULL,
	completed_at timestamp NULL,
	execution_time integer NULL,
	error_message text NULL,
	results_path text NULL,
	created_at timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP,
	updated_at timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP,
	CONSTRAINT "unique_profiling_execution" UNIQUE (command_id, hostname)
);

CREATE INDEX IF NOT EXISTS idx_hostheartbeats_hostname ON HostHeartbeats (hostname);
CREATE INDEX IF NOT EXISTS idx_hostheartbeats_service_name ON HostHeartbeats (service_name);
CREATE INDEX IF NOT EXISTS idx_hostheartbeats_status ON HostHeartbeats (status);
CREATE INDEX IF NOT EXISTS idx_hostheartbeats_heartbeat_timestamp ON HostHeartbeats (heartbeat_timestamp);

CREATE INDEX IF NOT EXISTS idx_profilingrequests_request_id ON ProfilingRequests (request_id);
CREATE INDEX IF NOT EXISTS idx_profilingrequests_service_name ON ProfilingRequests (service_name);
CREATE INDEX IF NOT EXISTS idx_profilingrequests_status ON ProfilingRequests (status);
CREATE INDEX IF NOT EXISTS idx_profilingrequests_request_type ON ProfilingRequests (request_type);
CREATE INDEX IF NOT EXISTS idx_profilingrequests_created_at ON ProfilingRequests (created_at);

CREATE INDEX IF NOT EXISTS idx_profilingcommands_command_id ON ProfilingCommands (command_id);
CREATE INDEX IF NOT EXISTS idx_profilingcommands_hostname ON ProfilingCommands (hostname);
CREATE INDEX IF NOT EXISTS idx_profilingcommands_service_name ON ProfilingCommands (service_name);
CREATE INDEX IF NOT EXISTS idx_profilingcommands_status ON ProfilingCommands (status);
CREATE INDEX IF NOT EXISTS idx_profilingcommands_hostname_service ON ProfilingCommands (hostname, service_name);

CREATE INDEX IF NOT EXISTS idx_profilingexecutions_command_id ON ProfilingExecutions (command_id);
CREATE INDEX IF NOT EXISTS idx_profilingexecutions_hostname ON ProfilingExecutions (hostname);
CREATE INDEX IF NOT EXISTS idx_profilingexecutions_profiling_request_id ON ProfilingExecutions (profiling_request_id);
CREATE INDEX IF NOT EXISTS idx_profilingexecutions_status ON ProfilingExecutions (status);

-- Ad hoc flamegraphs (PR #97).  Deleting a Service through SQL only hides
-- it (rule ServicesDeleteProtection), so the cascade fires only when a
-- Services row is really removed (rule disabled, TRUNCATE ... CASCADE).
CREATE TABLE IF NOT EXISTS AdhocFlamegraphMetadata (
	ID bigserial PRIMARY KEY,
	service_id bigint NOT NULL,
	hostname text NOT NULL,
	s3_key text NOT NULL UNIQUE,
	perf_events text[],
	start_time timestamp NOT NULL,
	end_time timestamp NOT NULL,
	file_size bigint,
	created_at timestamp DEFAULT CURRENT_TIMESTAMP,
	CONSTRAINT fk_adhoc_flamegraph_service
		FOREIGN KEY (service_id)
		REFERENCES Services(ID)
		ON DELETE CASCADE
);

CREATE INDEX IF NOT EXISTS idx_adhoc_metadata_service_time ON AdhocFlamegraphMetadata (service_id, start_time DESC);
CREATE INDEX IF NOT EXISTS idx_adhoc_metadata_s3_key ON AdhocFlamegraphMetadata (s3_key);
CREATE INDEX IF NOT EXISTS idx_adhoc_metadata_hostname ON AdhocFlamegraphMetadata (hostname);
