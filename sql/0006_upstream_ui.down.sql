-- 0006_upstream_ui (down).
DROP TABLE ember_snapshots;
DROP TABLE ProfilerFilters;
