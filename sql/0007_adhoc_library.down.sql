-- 0007_adhoc_library down.
DROP TABLE IF EXISTS ember_audit;
DROP INDEX IF EXISTS idx_adhoc_metadata_retention;
ALTER TABLE AdhocFlamegraphMetadata
	DROP COLUMN IF EXISTS source,
	DROP COLUMN IF EXISTS importer,
	DROP COLUMN IF EXISTS raw_key,
	DROP COLUMN IF EXISTS refers_cdn,
	DROP COLUMN IF EXISTS pinned,
	DROP COLUMN IF EXISTS title,
	DROP COLUMN IF EXISTS note,
	DROP COLUMN IF EXISTS command_id;
