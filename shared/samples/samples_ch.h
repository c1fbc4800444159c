/*
 * samples_ch.h - the text helpers of the ClickHouse backend
 * (samples_ch_http.c), exposed for its unit tests.  Not for other
 * modules.
 *
 * ClickHouse 18.16 has no server-side query parameters, so every value
 * that reaches SQL text goes through smp_ch_quote(), and every value of
 * an INSERT body through smp_ch_tsv_escape(); answers are read with
 * smp_ch_tsv_next().  Numbers are printed by the callers with %lld/%llu.
 */
#ifndef EMBER_SAMPLES_CH_H
#define EMBER_SAMPLES_CH_H

#include "compat.h"

#include "buf.h"

/*
 * Append s[0..len) as a ClickHouse string literal: single quotes around
 * it, backslash and quote escaped with a backslash, every control byte
 * (< 0x20, 0x7f) as \xHH.  Bytes >= 0x80 are copied (strings are bytes in
 * ClickHouse).  The buffer's cap applies (E_TOOBIG).
 */
MUST_CHECK int smp_ch_quote(struct buf *b, const char *s, size_t len);

/*
 * Append s as one TabSeparated field: backslash, tab, newline, carriage
 * return, backspace and form feed escaped (\\ \t \n \r \b \f), the rest
 * copied.  The buffer's cap applies (E_TOOBIG).
 */
MUST_CHECK int smp_ch_tsv_escape(struct buf *b, const char *s);

/*
 * Split the next line of a TabSeparated answer into at most max fields,
 * unescaping them in place (the text is modified; fields point into it;
 * text[len] must be writable, e.g. the answer's NUL terminator).
 * *pos is the cursor into text[0..len), advanced past the line.  Returns
 * the number of fields of the line (0 for an empty line, which a WITH
 * TOTALS answer uses before its totals row), -1 at the end of the text,
 * -2 when the line has more than max fields (the cursor still moves on).
 */
int smp_ch_tsv_next(char *text, size_t len, size_t *pos, char **fields,
	int max);

#endif
