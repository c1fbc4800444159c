-- 0002_add_dynamic_profiling (down): drop what the up script created, in
-- foreign-key order, and nothing else (Services and the base enums stay).
-- The indexes go with their tables.  No CASCADE: an object added later
-- that depends on these must be removed by its own migration first.

DROP TABLE IF EXISTS AdhocFlamegraphMetadata;
DROP TABLE IF EXISTS ProfilingExecutions;
DROP TABLE IF EXISTS ProfilingCommands;
DROP TABLE IF EXISTS ProfilingRequests;
DROP TABLE IF EXISTS HostHeartbeats;

DROP TYPE IF EXISTS HostStatus;
DROP TYPE IF EXISTS CommandStatus;
DROP TYPE IF EXISTS ProfilingRequestStatus;
DROP TYPE IF EXISTS ProfilingMode;
