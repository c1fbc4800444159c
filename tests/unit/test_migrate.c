/*
 * test_migrate.c - migration names, sets, plans and SQL checks.
 */
#include "compat.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "err.h"
#include "hash.h"
#include "mem.h"
#include "migrate.h"

static void
test_parse_name(void **state)
{
	char name[64];
	enum migrate_dir dir;
	int v;

	assert_int_equal(migrate_parse_name("0002_add_dynamic_profiling.up.sql", &v, name,
		sizeof(name), &dir), E_OK);
	assert_int_equal(v, 2);
	assert_string_equal(name, "add_dynamic_profiling");
	assert_int_equal(dir, MIGRATE_UP);
	assert_int_equal(migrate_parse_name("0010_x.down.sql", &v, name, sizeof(name), &dir),
		E_OK);
	assert_int_equal(v, 10);
	assert_string_equal(name, "x");
	assert_int_equal(dir, MIGRATE_DOWN);
	assert_int_equal(migrate_parse_name("9999_a1_b2.up.sql", &v, name, sizeof(name), &dir),
		E_OK);
	assert_int_equal(v, 9999);
}

static void
test_parse_name_rejects(void **state)
{
	static const char *const bad[] = {
		"schema.sql", "0001_base.sql", "0001_base.up.sql~", "001_base.up.sql",
		"00001_base.up.sql", "0000_zero.up.sql", "0001_.up.sql", "0001base.up.sql",
		"0001_Base.up.sql", "0001_base-x.up.sql", "0001_base.UP.sql", ".up.sql",
		"0001_base.up.sql.orig", "abcd_base.up.sql", "0001_base.sideways.sql", "",
		"0001_base up.up.sql",
	};
	char name[64];
	enum migrate_dir dir;
	size_t i;
	int v;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		if (migrate_parse_name(bad[i], &v, name, sizeof(name), &dir) != E_INVAL)
			fail_msg("accepted '%s'", bad[i]);
	}
	/* A name longer than the caller's buffer is refused, not truncated. */
	assert_int_equal(migrate_parse_name("0001_abcdefgh.up.sql", &v, name, 8, &dir), E_INVAL);
}

static void
test_set_pairs_and_sorts(void **state)
{
	struct migrate_set set = { 0 };
	char err[256];

	assert_int_equal(migrate_set_add(&set, "sql", "0003_c.up.sql", err, sizeof(err)), E_OK);
	assert_int_equal(migrate_set_add(&set, "sql/", "0001_a.down.sql", err, sizeof(err)), E_OK);
	assert_int_equal(migrate_set_add(&set, "sql", "schema.sql", err, sizeof(err)), E_OK);
	assert_int_equal(migrate_set_add(&set, "sql", "0001_a.up.sql", err, sizeof(err)), E_OK);
	assert_int_equal(migrate_set_add(&set, "sql", "0003_c.down.sql", err, sizeof(err)), E_OK);
	assert_int_equal(migrate_set_add(&set, "sql", "README", err, sizeof(err)), E_OK);
	assert_int_equal(set.n, 2);
	assert_int_equal(migrate_set_check(&set, err, sizeof(err)), E_OK);
	assert_int_equal(set.v[0].version, 1);
	assert_int_equal(set.v[1].version, 3);
	assert_string_equal(set.v[0].up_path, "sql/0001_a.up.sql");
	assert_string_equal(set.v[0].down_path, "sql/0001_a.down.sql");
	assert_string_equal(set.v[1].name, "c");
	assert_int_equal(migrate_set_find(&set, 3), 1);
	assert_int_equal(migrate_set_find(&set, 2), -1);
	migrate_set_release(&set);
	assert_int_equal(set.n, 0);
}

static void
test_set_errors(void **state)
{
	struct migrate_set set = { 0 };
	char err[256];

	/* Same version, two names. */
	assert_int_equal(migrate_set_add(&set, "d", "0002_x.up.sql", err, sizeof(err)), E_OK);
	assert_int_equal(migrate_set_add(&set, "d", "0002_y.down.sql", err, sizeof(err)),
		E_CONFLICT);
	assert_non_null(strstr(err, "0002_x"));
	assert_non_null(strstr(err, "0002_y"));
	migrate_set_release(&set);

	/* An up without its down. */
	assert_int_equal(migrate_set_add(&set, "d", "0001_a.up.sql", err, sizeof(err)), E_OK);
	assert_int_equal(migrate_set_add(&set, "d", "0001_a.down.sql", err, sizeof(err)), E_OK);
	assert_int_equal(migrate_set_add(&set, "d", "0004_q.up.sql", err, sizeof(err)), E_OK);
	assert_int_equal(migrate_set_check(&set, err, sizeof(err)), E_INVAL);
	assert_non_null(strstr(err, "d/0004_q.up.sql"));
	assert_non_null(strstr(err, ".down.sql"));
	migrate_set_release(&set);

	/* A down without its up; the same file twice. */
	assert_int_equal(migrate_set_add(&set, "d", "0005_r.down.sql", err, sizeof(err)), E_OK);
	assert_int_equal(migrate_set_add(&set, "d", "0005_r.down.sql", err, sizeof(err)),
		E_CONFLICT);
	assert_int_equal(migrate_set_check(&set, err, sizeof(err)), E_INVAL);
	assert_non_null(strstr(err, "d/0005_r.down.sql"));
	migrate_set_release(&set);
}

/* Build a set of versions with fake checksums "c<version>". */
static void
make_set(struct migrate_set *set, const int *versions, size_t n)
{
	char file[64];
	char err[128];
	size_t i;

	memset(set, 0, sizeof(*set));
	for (i = 0; i < n; i++) {
		snprintf(file, sizeof(file), "%04d_m%d.up.sql", versions[i], versions[i]);
		assert_int_equal(migrate_set_add(set, "sql", file, err, sizeof(err)), E_OK);
		snprintf(file, sizeof(file), "%04d_m%d.down.sql", versions[i], versions[i]);
		assert_int_equal(migrate_set_add(set, "sql", file, err, sizeof(err)), E_OK);
	}
	assert_int_equal(migrate_set_check(set, err, sizeof(err)), E_OK);
	for (i = 0; i < set->n; i++)
		snprintf(set->v[i].checksum, sizeof(set->v[i].checksum), "c%d", set->v[i].version);
}

/* Build an applied list matching make_set's checksums. */
static void
make_applied(struct migrate_applied_list *l, const int *versions, size_t n)
{
	char name[32];
	size_t i;

	l->v = xcalloc(n ? n : 1, sizeof(*l->v));
	l->n = n;
	for (i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "m%d", versions[i]);
		l->v[i].version = versions[i];
		l->v[i].name = xstrdup(name);
		snprintf(l->v[i].checksum, sizeof(l->v[i].checksum), "c%d", versions[i]);
		l->v[i].applied_at = xstrdup("2026-01-01T00:00:00Z");
	}
}

static void
test_plan_up(void **state)
{
	static const int disk[] = { 3, 1, 2, 5 };
	static const int done[] = { 1, 2 };
	struct migrate_applied_list applied = { 0 };
	struct migrate_applied_list none = { 0 };
	struct migrate_plan plan;
	struct migrate_set set;
	char err[256];

	make_set(&set, disk, ARRAY_SIZE(disk));
	make_applied(&applied, done, ARRAY_SIZE(done));

	/* Fresh database: everything, ascending. */
	assert_int_equal(migrate_plan_up(&set, &none, 0, &plan, err, sizeof(err)), E_OK);
	assert_int_equal(plan.n, 4);
	assert_int_equal(plan.dir, MIGRATE_UP);
	assert_int_equal(set.v[plan.idx[0]].version, 1);
	assert_int_equal(set.v[plan.idx[3]].version, 5);
	migrate_plan_release(&plan);

	/* Only what is pending. */
	assert_int_equal(migrate_plan_up(&set, &applied, 0, &plan, err, sizeof(err)), E_OK);
	assert_int_equal(plan.n, 2);
	assert_int_equal(set.v[plan.idx[0]].version, 3);
	assert_int_equal(set.v[plan.idx[1]].version, 5);
	migrate_plan_release(&plan);

	/* Up to a target. */
	assert_int_equal(migrate_plan_up(&set, &applied, 3, &plan, err, sizeof(err)), E_OK);
	assert_int_equal(plan.n, 1);
	assert_int_equal(set.v[plan.idx[0]].version, 3);
	migrate_plan_release(&plan);

	/* Target already reached: empty plan; unknown target: refused. */
	assert_int_equal(migrate_plan_up(&set, &applied, 2, &plan, err, sizeof(err)), E_OK);
	assert_int_equal(plan.n, 0);
	migrate_plan_release(&plan);
	assert_int_equal(migrate_plan_up(&set, &applied, 4, &plan, err, sizeof(err)),
		E_NOTFOUND);
	assert_non_null(strstr(err, "0004"));

	migrate_applied_release(&applied);
	migrate_set_release(&set);
}

static void
test_plan_refuses_changed_file(void **state)
{
	static const int disk[] = { 1, 2, 3 };
	static const int done[] = { 1, 2 };
	struct migrate_applied_list applied = { 0 };
	struct migrate_plan plan;
	struct migrate_set set;
	char err[256];

	make_set(&set, disk, ARRAY_SIZE(disk));
	make_applied(&applied, done, ARRAY_SIZE(done));
	snprintf(set.v[1].checksum, sizeof(set.v[1].checksum), "changed");
	assert_int_equal(migrate_plan_up(&set, &applied, 0, &plan, err, sizeof(err)),
		E_CONFLICT);
	assert_non_null(strstr(err, "sql/0002_m2.up.sql"));
	assert_non_null(strstr(err, "changed after it was applied"));
	assert_null(plan.idx);
	assert_int_equal(migrate_plan_down(&set, &applied, 1, &plan, err, sizeof(err)),
		E_CONFLICT);
	assert_int_equal(migrate_plan_down(&set, &applied, 2, &plan, err, sizeof(err)),
		E_CONFLICT);

	/* A renamed applied migration is refused too. */
	snprintf(set.v[1].checksum, sizeof(set.v[1].checksum), "c2");
	free(applied.v[0].name);
	applied.v[0].name = xstrdup("old_name");
	assert_int_equal(migrate_plan_up(&set, &applied, 0, &plan, err, sizeof(err)),
		E_CONFLICT);
	assert_non_null(strstr(err, "old_name"));

	migrate_applied_release(&applied);
	migrate_set_release(&set);
}

static void
test_plan_down(void **state)
{
	static const int disk[] = { 1, 2, 3, 4 };
	static const int done[] = { 1, 2, 3 };
	static const int gone[] = { 1, 2, 3, 7 };
	struct migrate_applied_list applied = { 0 };
	struct migrate_plan plan;
	struct migrate_set set;
	char err[256];

	make_set(&set, disk, ARRAY_SIZE(disk));
	make_applied(&applied, done, ARRAY_SIZE(done));
	assert_int_equal(migrate_plan_down(&set, &applied, 2, &plan, err, sizeof(err)), E_OK);
	assert_int_equal(plan.dir, MIGRATE_DOWN);
	assert_int_equal(plan.n, 2);
	assert_int_equal(set.v[plan.idx[0]].version, 3);
	assert_int_equal(set.v[plan.idx[1]].version, 2);
	migrate_plan_release(&plan);
	assert_int_equal(migrate_plan_down(&set, &applied, 3, &plan, err, sizeof(err)), E_OK);
	assert_int_equal(plan.n, 3);
	assert_int_equal(set.v[plan.idx[2]].version, 1);
	migrate_plan_release(&plan);
	assert_int_equal(migrate_plan_down(&set, &applied, 4, &plan, err, sizeof(err)), E_INVAL);
	assert_non_null(strstr(err, "only 3 applied"));
	assert_int_equal(migrate_plan_down(&set, &applied, 0, &plan, err, sizeof(err)), E_INVAL);
	migrate_applied_release(&applied);

	/* The newest applied migration has no files on disk. */
	make_applied(&applied, gone, ARRAY_SIZE(gone));
	assert_int_equal(migrate_plan_down(&set, &applied, 1, &plan, err, sizeof(err)),
		E_NOTFOUND);
	assert_non_null(strstr(err, "0007_m7"));
	migrate_applied_release(&applied);
	migrate_set_release(&set);
}

static void
test_check_sql(void **state)
{
	static const char ok[] =
		"-- BEGIN; in a comment is fine\n"
		"DO $$\n"
		"BEGIN\n"
		"\tCREATE TYPE t AS ENUM ('a');\n"
		"EXCEPTION WHEN duplicate_object THEN NULL;\n"
		"END;\n"
		"$$;\n"
		"CREATE TABLE begin_log (committed bool);\n"
		"BEGINNING;\n";
	int line = 0;

	assert_int_equal(migrate_check_sql(ok, strlen(ok), &line), E_OK);
	assert_int_equal(migrate_check_sql("BEGIN;\nSELECT 1;\n", 18, &line), E_INVAL);
	assert_int_equal(line, 1);
	assert_int_equal(migrate_check_sql("SELECT 1;\n  commit ;\n", 21, &line), E_INVAL);
	assert_int_equal(line, 2);
	assert_int_equal(migrate_check_sql("a;\nb;\n\tCOMMIT WORK;", 19, &line), E_INVAL);
	assert_int_equal(line, 3);
	assert_int_equal(migrate_check_sql("start  transaction;", 19, &line), E_INVAL);
	assert_int_equal(migrate_check_sql("Rollback Transaction;\n", 22, &line), E_INVAL);
	assert_int_equal(migrate_check_sql("BEGIN ISOLATION LEVEL SERIALIZABLE;", 35, &line),
		E_OK);	/* not caught: documented as a heuristic, but no false positive either */
	assert_int_equal(migrate_check_sql("", 0, &line), E_OK);
	/* Length is respected: the BEGIN; after len is not looked at. */
	assert_int_equal(migrate_check_sql("SELECT 1;\nBEGIN;", 10, &line), E_OK);
}

static void
test_line_of(void **state)
{
	static const char sql[] = "SELECT 1;\nSELECT x;\n\xc3\xa9\xc3\xa9;\nbad";

	assert_int_equal(migrate_line_of(sql, 1), 1);
	assert_int_equal(migrate_line_of(sql, 10), 1);	/* the newline itself */
	assert_int_equal(migrate_line_of(sql, 11), 2);
	assert_int_equal(migrate_line_of(sql, 18), 2);
	/* "éé;\n" is 4 characters but 6 bytes. */
	assert_int_equal(migrate_line_of(sql, 21), 3);
	assert_int_equal(migrate_line_of(sql, 25), 4);
	assert_int_equal(migrate_line_of(sql, 9999), 4);
}

static void
test_scan_real_dir(void **state)
{
	struct migrate_set set;
	char *text;
	char hex[65];
	char err[512];
	size_t len;
	size_t i;
	size_t l;
	char *t;
	int line;

	assert_int_equal(migrate_scan(EMBER_SRCDIR "/sql", &set, err, sizeof(err)), E_OK);
	assert_true(set.n >= 3);
	assert_int_equal(set.v[0].version, 1);
	assert_string_equal(set.v[0].name, "base");
	assert_string_equal(set.v[1].name, "add_dynamic_profiling");
	assert_string_equal(set.v[2].name, "api_keys");
	assert_int_equal(migrate_read_file(set.v[0].up_path, &text, &len, err, sizeof(err)),
		E_OK);
	hash_sha256_hex(text, len, hex);
	assert_string_equal(hex, set.v[0].checksum);
	/* The shipped files follow the no-BEGIN/COMMIT rule. */
	for (i = 0; i < set.n; i++) {
		assert_int_equal(migrate_read_file(set.v[i].up_path, &t, &l, err, sizeof(err)), E_OK);
		assert_int_equal(migrate_check_sql(t, l, &line), E_OK);
		free(t);
		assert_int_equal(migrate_read_file(set.v[i].down_path, &t, &l, err, sizeof(err)),
			E_OK);
		assert_int_equal(migrate_check_sql(t, l, &line), E_OK);
		free(t);
	}
	free(text);
	migrate_set_release(&set);

	assert_int_equal(migrate_scan("/nonexistent/dir", &set, err, sizeof(err)), E_NOTFOUND);
	assert_non_null(strstr(err, "/nonexistent/dir"));
	assert_int_equal(migrate_read_file("/nonexistent/f.sql", &text, &len, err, sizeof(err)),
		E_IO);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_name),
		cmocka_unit_test(test_parse_name_rejects),
		cmocka_unit_test(test_set_pairs_and_sorts),
		cmocka_unit_test(test_set_errors),
		cmocka_unit_test(test_plan_up),
		cmocka_unit_test(test_plan_refuses_changed_file),
		cmocka_unit_test(test_plan_down),
		cmocka_unit_test(test_check_sql),
		cmocka_unit_test(test_line_of),
		cmocka_unit_test(test_scan_real_dir),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
