-- 0008_samples_rollups: coarser rollups of the sample store, and day
-- partitions created without blocking readers or writers.
--
-- Rollups, all fed by the writer in the samples' transaction and all
-- partitioned by UTC day (retention drops whole days, like smp_sample_1h):
--   smp_sample_1h_all  per (service, hour, stack): smp_sample_1h without
--                      the source, for queries without a host or
--                      container filter (at most one row per stack and
--                      hour, however many hosts);
--   smp_sample_1d      per (service, day, source, stack): filtered queries
--                      over whole days;
--   smp_sample_1d_all  per (service, day, stack): unfiltered queries over
--                      whole days.
-- A query over [from, to) reads the whole days from a daily table, the
-- whole hours left at either side from an hourly one, and the minutes
-- left at the edges from smp_sample, so a week costs about as much as a
-- day.
--
-- smp_ensure_day() now creates a partition as a plain table and attaches
-- it (ATTACH PARTITION takes SHARE UPDATE EXCLUSIVE on the parent, which
-- neither waits for readers nor blocks writers; CREATE TABLE ... PARTITION
-- OF takes ACCESS EXCLUSIVE, so one long query stalled every writer), and
-- returns at once without any lock when the day's partitions exist.  The
-- writer creates a day ahead of its first write (the next two days when a
-- day is first seen, and `ember-admin samples prune` creates today and the
-- next two), so the hot path normally does no DDL at all.

CREATE TABLE smp_sample_1h_all (
	ts timestamptz NOT NULL,
	service_id bigint NOT NULL,
	stack bigint NOT NULL,
	n bigint NOT NULL,
	PRIMARY KEY (service_id, ts, stack)
) PARTITION BY RANGE (ts);

CREATE TABLE smp_sample_1d (
	ts timestamptz NOT NULL,
	service_id bigint NOT NULL,
	stack bigint NOT NULL,
	n bigint NOT NULL,
	src integer NOT NULL,
	PRIMARY KEY (service_id, ts, src, stack)
) PARTITION BY RANGE (ts);

CREATE TABLE smp_sample_1d_all (
	ts timestamptz NOT NULL,
	service_id bigint NOT NULL,
	stack bigint NOT NULL,
	n bigint NOT NULL,
	PRIMARY KEY (service_id, ts, stack)
) PARTITION BY RANGE (ts);

COMMENT ON TABLE smp_sample_1h_all IS 'sample store: smp_sample summed per hour and stack over every source';
COMMENT ON TABLE smp_sample_1d IS 'sample store: smp_sample summed per UTC day, source and stack';
COMMENT ON TABLE smp_sample_1d_all IS 'sample store: smp_sample summed per UTC day and stack over every source';

-- The sample store's day-partitioned tables.
CREATE FUNCTION smp_day_tables() RETURNS text[]
LANGUAGE sql IMMUTABLE AS $$
	SELECT ARRAY['smp_sample', 'smp_sample_1h', 'smp_profile',
		'smp_sample_1h_all', 'smp_sample_1d', 'smp_sample_1d_all']
$$;

-- Create the partitions of UTC day d (idempotent, safe with concurrent
-- callers; see the file comment for the locks taken).
CREATE OR REPLACE FUNCTION smp_ensure_day(d date) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
	t text;
	p text;
	lo timestamptz := d::timestamp AT TIME ZONE 'UTC';
	hi timestamptz := (d + 1)::timestamp AT TIME ZONE 'UTC';
BEGIN
	IF NOT EXISTS (SELECT 1 FROM unnest(smp_day_tables()) AS u(t)
			WHERE to_regclass(u.t || '_p' || to_char(d, 'YYYYMMDD')) IS NULL) THEN
		RETURN;
	END IF;
	PERFORM pg_advisory_xact_lock(hashtext('smp_ensure_day'));
	FOREACH t IN ARRAY smp_day_tables() LOOP
		p := t || '_p' || to_char(d, 'YYYYMMDD');
		IF to_regclass(p) IS NULL THEN
			-- Note that another session may have created it after this
			-- statement's catalog snapshot (the advisory lock does not
			-- refresh it): that is the duplicate_table caught below.
			BEGIN
				EXECUTE format('CREATE TABLE %I (LIKE %I INCLUDING DEFAULTS)', p, t);
				-- the range as a constraint first, so ATTACH need not scan
				EXECUTE format('ALTER TABLE %I ADD CONSTRAINT %I CHECK (%I >= %L AND %I < %L)',
					p, p || '_range', CASE t WHEN 'smp_profile' THEN 'start_ts' ELSE 'ts' END, lo,
					CASE t WHEN 'smp_profile' THEN 'start_ts' ELSE 'ts' END, hi);
				EXECUTE format('ALTER TABLE %I ATTACH PARTITION %I FOR VALUES FROM (%L) TO (%L)',
					t, p, lo, hi);
				EXECUTE format('ALTER TABLE %I DROP CONSTRAINT %I', p, p || '_range');
			EXCEPTION WHEN duplicate_table THEN
				NULL;
			END;
		END IF;
	END LOOP;
END;
$$;

-- The day partitions of the sample store's tables: parent, partition, day.
CREATE OR REPLACE VIEW smp_partitions AS
	SELECT p.relname::text AS parent, c.relname::text AS part,
		to_date(right(c.relname, 8), 'YYYYMMDD') AS day,
		pg_total_relation_size(c.oid) AS bytes
	FROM pg_inherits i
	JOIN pg_class c ON c.oid = i.inhrelid
	JOIN pg_class p ON p.oid = i.inhparent
	WHERE p.relname = ANY (smp_day_tables())
		AND c.relname ~ '_p[0-9]{8}$';

-- Create the partitions of days that exist already for the older tables.
SELECT smp_ensure_day(d) FROM (SELECT DISTINCT day AS d FROM smp_partitions) x;
