-- 0001_base (down): drop the base objects that 0001_base.up.sql created.
--
-- Objects upstream created (no 'ember:0001_base' comment) are left alone.
-- Nothing is dropped with CASCADE: if another table still references
-- Services, the rollback fails instead of taking that table's data along.

DO $$
BEGIN
	IF obj_description(to_regclass('tokenassociations'), 'pg_class') = 'ember:0001_base' THEN
		DROP TABLE TokenAssociations;
	END IF;
	IF obj_description(to_regclass('profilertokens'), 'pg_class') = 'ember:0001_base' THEN
		DROP TABLE ProfilerTokens;
	END IF;
	IF obj_description(to_regclass('services'), 'pg_class') = 'ember:0001_base' THEN
		DROP TABLE Services;
	END IF;
	IF obj_description(to_regtype('envtype'), 'pg_type') = 'ember:0001_base' THEN
		DROP TYPE EnvType;
	END IF;
	IF obj_description(to_regtype('servicetype'), 'pg_type') = 'ember:0001_base' THEN
		DROP TYPE ServiceType;
	END IF;
END
$$;
