-- 0006_upstream_ui (down).  An upstream ProfilerFilters (no
-- 'ember:0006_upstream_ui' comment) is left alone.
DROP TABLE ember_snapshots;
DO $$
BEGIN
	IF obj_description(to_regclass('profilerfilters'), 'pg_class') = 'ember:0006_upstream_ui' THEN
		DROP TABLE ProfilerFilters;
	END IF;
END
$$;
