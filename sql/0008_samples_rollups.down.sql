-- 0008_samples_rollups down: drop the coarser rollups and put back the
-- 0005 forms of smp_ensure_day() and smp_partitions.
CREATE OR REPLACE VIEW smp_partitions AS
	SELECT p.relname::text AS parent, c.relname::text AS part,
		to_date(right(c.relname, 8), 'YYYYMMDD') AS day,
		pg_total_relation_size(c.oid) AS bytes
	FROM pg_inherits i
	JOIN pg_class c ON c.oid = i.inhrelid
	JOIN pg_class p ON p.oid = i.inhparent
	WHERE p.relname IN ('smp_sample', 'smp_sample_1h', 'smp_profile')
		AND c.relname ~ '_p[0-9]{8}$';

CREATE OR REPLACE FUNCTION smp_ensure_day(d date) RETURNS void
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

DROP FUNCTION IF EXISTS smp_day_tables();
DROP TABLE IF EXISTS smp_sample_1d_all;
DROP TABLE IF EXISTS smp_sample_1d;
DROP TABLE IF EXISTS smp_sample_1h_all;
