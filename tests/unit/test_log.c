/*
 * test_log.c - one call is one line: control bytes escaped, values cut.
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
#include "log.h"

/* Log through fmt into a temporary file and return what was written. */
static char *
logged(const char *value)
{
	char path[] = "/tmp/ember-test-log.XXXXXX";
	static char got[8192];
	size_t n;
	FILE *f;
	int fd;

	fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(log_open(path), E_OK);
	log_info("host '%.*s' seen", LOG_CUT(value));
	assert_int_equal(log_open(NULL), E_OK);
	f = fopen(path, "r");
	assert_non_null(f);
	n = fread(got, 1, sizeof(got) - 1, f);
	got[n] = '\0';
	fclose(f);
	unlink(path);
	return got;
}

static void
test_control_bytes_escaped(void **state)
{
	char *got = logged("evil\n2026-01-01T00:00:00Z error forged\x1b[31m\x7f");
	char *nl = strchr(got, '\n');

	assert_non_null(nl);
	assert_string_equal(nl + 1, "");	/* exactly one line */
	assert_null(strchr(got, '\x1b'));
	assert_null(strchr(got, '\x7f'));
	assert_non_null(strstr(got, "host 'evil\\x0a2026-01-01T00:00:00Z error "
		"forged\\x1b[31m\\x7f' seen"));
}

static void
test_values_cut(void **state)
{
	char big[2000];
	char *got, *q;

	memset(big, 'h', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	got = logged(big);
	q = strchr(got, '\'');
	assert_non_null(q);
	assert_int_equal(strspn(q + 1, "h"), LOG_VALUE_MAX);
	assert_int_equal(log_cut_len(NULL), 0);
	assert_int_equal(log_cut_len("abc"), 3);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_control_bytes_escaped),
		cmocka_unit_test(test_values_cut),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
