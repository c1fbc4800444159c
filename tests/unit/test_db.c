/*
 * test_db.c - SQLSTATE classification and connection failures of db.c.
 */
#include "compat.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "db.h"
#include "err.h"

static void
test_sqlstate_conflict(void **state)
{
	assert_int_equal(db_sqlstate_err("23505"), E_CONFLICT);
	assert_int_equal(db_sqlstate_err("23P01"), E_CONFLICT);
}

static void
test_sqlstate_bad_input(void **state)
{
	assert_int_equal(db_sqlstate_err("23502"), E_INVAL);	/* not_null_violation */
	assert_int_equal(db_sqlstate_err("23503"), E_INVAL);	/* foreign_key_violation */
	assert_int_equal(db_sqlstate_err("23514"), E_INVAL);	/* check_violation */
	assert_int_equal(db_sqlstate_err("22P02"), E_INVAL);	/* invalid_text_representation */
	assert_int_equal(db_sqlstate_err("22001"), E_INVAL);	/* string_data_right_truncation */
	assert_int_equal(db_sqlstate_err("22007"), E_INVAL);	/* invalid_datetime_format */
	/* program_limit_exceeded (index row size too large): permanent */
	assert_int_equal(db_sqlstate_err("54000"), E_TOOBIG);
	assert_false(err_retryable(db_sqlstate_err("54000")));
	assert_false(err_retryable(db_sqlstate_err("22008")));
	/* Other integrity errors are not the caller's bad input. */
	assert_int_equal(db_sqlstate_err("23000"), E_INTERNAL);
	assert_int_equal(db_sqlstate_err("23001"), E_INTERNAL);
}

static void
test_sqlstate_retryable(void **state)
{
	static const char *const codes[] = {
		"08000", "08003", "08006", "08001", "08P01",
		"40001", "40P01", "55P03", "53300", "53100",
		"57P01", "57P02", "57P03", "58030",
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(codes); i++) {
		assert_int_equal(db_sqlstate_err(codes[i]), E_DB);
		assert_true(err_retryable(db_sqlstate_err(codes[i])));
	}
	assert_int_equal(db_sqlstate_err("57014"), E_TIMEOUT);
	/* No SQLSTATE at all means no answer from the server. */
	assert_int_equal(db_sqlstate_err(NULL), E_DB);
	assert_int_equal(db_sqlstate_err(""), E_DB);
	assert_int_equal(db_sqlstate_err("0800"), E_DB);
}

static void
test_sqlstate_bugs(void **state)
{
	assert_int_equal(db_sqlstate_err("42601"), E_INTERNAL);	/* syntax_error */
	assert_int_equal(db_sqlstate_err("42P01"), E_INTERNAL);	/* undefined_table */
	assert_int_equal(db_sqlstate_err("42703"), E_INTERNAL);	/* undefined_column */
	assert_int_equal(db_sqlstate_err("XX000"), E_INTERNAL);
	assert_int_equal(db_sqlstate_err("25P02"), E_INTERNAL);	/* in_failed_sql_transaction */
	assert_false(err_retryable(db_sqlstate_err("42601")));
}

static void
test_open_refused(void **state)
{
	struct cfg_db c;
	struct db *db = (struct db *)&c;
	char err[256];

	/* Nothing listens on port 1 of the loopback: a fast, clean failure. */
	memset(&c, 0, sizeof(c));
	c.host = "127.0.0.1";
	c.port = 1;
	c.user = "nobody";
	c.password = "";
	c.dbname = "nothing";
	c.sslmode = "disable";
	c.connect_timeout = 2;
	err[0] = '\0';
	assert_int_equal(db_open(&c, &db, err, sizeof(err)), E_DB);
	assert_null(db);
	assert_non_null(strstr(err, "cannot connect"));
	assert_null(strchr(err, '\n'));
	db_free(NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sqlstate_conflict),
		cmocka_unit_test(test_sqlstate_bad_input),
		cmocka_unit_test(test_sqlstate_retryable),
		cmocka_unit_test(test_sqlstate_bugs),
		cmocka_unit_test(test_open_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
