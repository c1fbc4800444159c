-- 0005_samples down: drop the sample store's tables (and every partition).
DROP FUNCTION IF EXISTS smp_prune(date, date);
DROP VIEW IF EXISTS smp_partitions;
DROP FUNCTION IF EXISTS smp_ensure_day(date);
DROP TABLE IF EXISTS smp_sample_1h;
DROP TABLE IF EXISTS smp_sample;
DROP TABLE IF EXISTS smp_profile;
DROP TABLE IF EXISTS smp_src;
DROP TABLE IF EXISTS smp_stack;
DROP TABLE IF EXISTS smp_frame;
