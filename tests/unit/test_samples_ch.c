/*
 * test_samples_ch.c - the ClickHouse backend's text helpers: string
 * literals, TabSeparated fields out and in, with hostile values.
 */
#include "compat.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "err.h"
#include "samples_ch.h"

/* Quote s and return the literal (static buffer). */
static const char *
quoted(const char *s)
{
	static struct buf b = BUF_INIT(0);

	buf_reset(&b);
	assert_int_equal(smp_ch_quote(&b, s, strlen(s)), E_OK);
	return b.data;
}

static void
test_quote_plain(void **state)
{
	(void)state;
	assert_string_equal(quoted(""), "''");
	assert_string_equal(quoted("host-a"), "'host-a'");
	assert_string_equal(quoted("é 日本"), "'é 日本'");
}

static void
test_quote_hostile(void **state)
{
	(void)state;
	/* a quote cannot end the literal, a backslash cannot eat the quote */
	assert_string_equal(quoted("a' OR 1=1 --"), "'a\\' OR 1=1 --'");
	assert_string_equal(quoted("x\\"), "'x\\\\'");
	assert_string_equal(quoted("x\\'"), "'x\\\\\\''");
	assert_string_equal(quoted("'; DROP TABLE smp_samples; --"),
		"'\\'; DROP TABLE smp_samples; --'");
	/* control bytes as \xHH: no raw newline or tab in SQL text */
	assert_string_equal(quoted("a\nb\tc\rd\x01\x1f\x7f"),
		"'a\\x0ab\\x09c\\x0dd\\x01\\x1f\\x7f'");
	/* the literal never holds an unescaped quote */
	{
		const char *q = quoted("''\\''\\\\'");
		size_t i, n = strlen(q);

		for (i = 1; i + 1 < n; i++)
			if (q[i] == '\\')
				i++;	/* skip the escaped byte */
			else
				assert_true(q[i] != '\'');
	}
}

static void
test_quote_cap(void **state)
{
	struct buf b = BUF_INIT(8);

	(void)state;
	assert_int_equal(smp_ch_quote(&b, "abcdefghij", 10), E_TOOBIG);
	buf_release(&b);
}

/* Escape s, add a newline, parse it back: must give s. */
static void
roundtrip(const char *s)
{
	struct buf b = BUF_INIT(0);
	char *f[4];
	size_t pos = 0;

	assert_int_equal(smp_ch_tsv_escape(&b, s), E_OK);
	assert_null(memchr(b.data, '\t', b.len));
	assert_null(memchr(b.data, '\n', b.len));
	assert_int_equal(buf_addstr(&b, "\t7\n"), E_OK);
	assert_int_equal(smp_ch_tsv_next(b.data, b.len, &pos, f, 4), 2);
	assert_string_equal(f[0], s);
	assert_string_equal(f[1], "7");
	assert_int_equal(smp_ch_tsv_next(b.data, b.len, &pos, f, 4), -1);
	buf_release(&b);
}

static void
test_tsv_roundtrip(void **state)
{
	(void)state;
	roundtrip("");
	roundtrip("plain");
	roundtrip("tab\there");
	roundtrip("new\nline\r\n");
	roundtrip("back\\slash\\");
	roundtrip("\\t not a tab");
	roundtrip("quote ' and \" and \b\f");
	roundtrip("Lambda$[m]/[m].apply_[j]");
}

static void
test_tsv_answer(void **state)
{
	/* as ClickHouse writes it, WITH TOTALS: rows, blank line, totals */
	char text[] = "1\ta\\'b\\\\c\\0d\n2\t\n\n0\t9\n";
	size_t len = strlen(text);	/* fixed: parsing writes NULs into text */
	char *f[2];
	size_t pos = 0;

	(void)state;
	assert_int_equal(smp_ch_tsv_next(text, len, &pos, f, 2), 2);
	assert_string_equal(f[0], "1");
	assert_int_equal(memcmp(f[1], "a'b\\c\0d", 8), 0);
	assert_int_equal(smp_ch_tsv_next(text, len, &pos, f, 2), 2);
	assert_string_equal(f[1], "");
	assert_int_equal(smp_ch_tsv_next(text, len, &pos, f, 2), 0);
	assert_int_equal(smp_ch_tsv_next(text, len, &pos, f, 2), 2);
	assert_string_equal(f[1], "9");
	assert_int_equal(smp_ch_tsv_next(text, len, &pos, f, 2), -1);
}

static void
test_tsv_too_many_fields(void **state)
{
	char text[] = "a\tb\tc\nd\n";
	size_t len = strlen(text);
	char *f[2];
	size_t pos = 0;

	(void)state;
	assert_int_equal(smp_ch_tsv_next(text, len, &pos, f, 2), -2);
	assert_int_equal(smp_ch_tsv_next(text, len, &pos, f, 2), 1);
	assert_string_equal(f[0], "d");
}

static void
test_tsv_no_final_newline(void **state)
{
	char text[] = "x\\ty";	/* text[len] is the NUL: writable */
	size_t len = strlen(text);
	char *f[2];
	size_t pos = 0;

	(void)state;
	assert_int_equal(smp_ch_tsv_next(text, len, &pos, f, 2), 1);
	assert_string_equal(f[0], "x\ty");
	assert_int_equal(smp_ch_tsv_next(text, len, &pos, f, 2), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_quote_plain),
		cmocka_unit_test(test_quote_hostile),
		cmocka_unit_test(test_quote_cap),
		cmocka_unit_test(test_tsv_roundtrip),
		cmocka_unit_test(test_tsv_answer),
		cmocka_unit_test(test_tsv_too_many_fields),
		cmocka_unit_test(test_tsv_no_final_newline),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
