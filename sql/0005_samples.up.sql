-- 0005_samples: the "pg" backend of the sample store (shared/samples).
--
-- Dictionaries, keyed by 64-bit XXH64 hashes computed by the writer:
--   smp_frame  hash = xxh64(frame name, seed p)      -> name
--   smp_stack  hash = xxh64(frame hashes as 8-byte little-endian words,
--                      seed p)                       -> frame hashes, root first
-- p is the probe, 0 unless a collision was found.  Collision policy: the
-- writer checks every new key against the stored name or frame list; on
-- a mismatch it tries p = 1, 2, ... (open addressing, the same order for
-- every writer, so they converge) and fails the profile after 8 probes.
-- Readers never hash: they follow the stored keys.
--
-- Samples: one row per (profile, source, stack) in smp_sample, with the
-- profile's minute as ts; the same counts summed per hour in
-- smp_sample_1h, updated in the writer's transaction.  A source
-- (smp_src) is one (service, host, instance type, container) combination,
-- so sample rows stay narrow.  smp_profile keeps one record per stored
-- profile: its unique key makes a redelivered upload a no-op, and its
-- host metrics feed the metrics endpoints.
--
-- smp_sample, smp_sample_1h and smp_profile are partitioned by UTC day;
-- smp_ensure_day() creates a day's partitions (the writer calls it for
-- days it has not seen) and smp_prune() drops whole days past retention.

CREATE TABLE smp_frame (
	hash bigint PRIMARY KEY,
	name text NOT NULL
);

CREATE TABLE smp_stack (
	hash bigint PRIMARY KEY,
	frames bigint[] NOT NULL
);

CREATE TABLE smp_src (
	id serial PRIMARY KEY,
	service_id bigint NOT NULL,
	host text NOT NULL,
	instance_type text NOT NULL,
	container text NOT NULL,
	container_env text NOT NULL,
	UNIQUE (service_id, host, instance_type, container, container_env)
);

CREATE TABLE smp_profile (
	id bigserial NOT NULL,
	key text NOT NULL,
	service_id bigint NOT NULL,
	host text NOT NULL,
	instance_type text NOT NULL,
	start_ts timestamptz NOT NULL,
	end_ts timestamptz NOT NULL,
	cores integer NOT NULL DEFAULT -1,
	cpu_avg double precision NOT NULL DEFAULT -1,
	mem_avg double precision NOT NULL DEFAULT -1,
	samples bigint NOT NULL DEFAULT 0,
	stacks integer NOT NULL DEFAULT 0,
	adhoc_key text NULL,
	indexed_at timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (key, start_ts)
) PARTITION BY RANGE (start_ts);

CREATE INDEX smp_profile_service ON smp_profile (service_id, start_ts);
CREATE INDEX smp_profile_adhoc ON smp_profile (adhoc_key) WHERE adhoc_key IS NOT NULL;

CREATE TABLE smp_sample (
	ts timestamptz NOT NULL,
	service_id bigint NOT NULL,
	prof bigint NOT NULL,
	stack bigint NOT NULL,
	n bigint NOT NULL,
	src integer NOT NULL
) PARTITION BY RANGE (ts);

-- "service + time range (+ sources) -> sum per stack"
CREATE INDEX smp_sample_service ON smp_sample (service_id, ts, src);

CREATE TABLE smp_sample_1h (
	ts timestamptz NOT NULL,
	service_id bigint NOT NULL,
	stack bigint NOT NULL,
	n bigint NOT NULL,
	src integer NOT NULL,
	PRIMARY KEY (service_id, ts, src, stack)
) PARTITION BY RANGE (ts);

COMMENT ON TABLE smp_sample IS 'sample store: counts per (profile, source, stack), ts = the profile''s minute';
COMMENT ON TABLE smp_sample_1h IS 'sample store: smp_sample summed per hour, fed by the writer';

-- Create the partitions of UTC day d (idempotent, safe with concurrent callers).
CREATE FUNCTION smp_ensure_day(d date) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
	t text;
	lo timestamptz := d::timestamp AT TIME ZONE 'UTC';
	hi timestamptz := (d + 1)::timestamp AT TIME ZONE 'UTC';
BEGIN
	PERFORM pg_advisory_xact_lock(hashtext('smp_ensure_day'));
	FOREACH t IN ARRAY ARRAY['smp_sample', 'smp_sample_1h', 'smp_profile'] LOOP
		IF to_regclass(t || '_p' || to_char(d, 'YYYYMMDD')) IS NULL THEN
			EXECUTE format('CREATE TABLE %I PARTITION OF %I FOR VALUES FROM (%L) TO (%L)',
				t || '_p' || to_char(d, 'YYYYMMDD'), t, lo, hi);
		END IF;
	END LOOP;
END;
$$;

-- The day partitions of the three tables: parent, partition, day.
CREATE VIEW smp_partitions AS
	SELECT p.relname::text AS parent, c.relname::text AS part,
		to_date(right(c.relname, 8), 'YYYYMMDD') AS day,
		pg_total_relation_size(c.oid) AS bytes
	FROM pg_inherits i
	JOIN pg_class c ON c.oid = i.inhrelid
	JOIN pg_class p ON p.oid = i.inhparent
	WHERE p.relname IN ('smp_sample', 'smp_sample_1h', 'smp_profile')
		AND c.relname ~ '_p[0-9]{8}$';

-- Drop the raw sample partitions of days before raw_before, and the
-- rollup and profile partitions of days before rollup_before.
CREATE FUNCTION smp_prune(raw_before date, rollup_before date)
RETURNS TABLE (part text, day date)
LANGUAGE plpgsql AS $$
DECLARE
	r record;
BEGIN
	PERFORM pg_advisory_xact_lock(hashtext('smp_ensure_day'));
	FOR r IN SELECT * FROM smp_partitions p
		WHERE (p.parent = 'smp_sample' AND p.day < raw_before)
		   OR (p.parent <> 'smp_sample' AND p.day < rollup_before)
		ORDER BY p.day, p.parent
	LOOP
		EXECUTE format('DROP TABLE %I', r.part);
		part := r.part;
		day := r.day;
		RETURN NEXT;
	END LOOP;
END;
$$;
