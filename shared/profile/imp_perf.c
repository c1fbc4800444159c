/*
 * imp_perf.c - `perf script` text to stacks (the rules are in import.h).
 *
 * The text is walked once, line by line, without copying it: one sample
 * block at a time is held as a list of frame names built in a scratch
 * buffer, then handed to the caller root first.
 */
#include "compat.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "import.h"
#include "mem.h"

struct perf_state {
	const struct imp_limits *lim;
	imp_stack_fn fn;
	void *ctx;
	struct imp_result *res;
	char *err;
	size_t errlen;
	size_t lineno;

	char event[64];			/* the first event seen; "" before */
	bool in_sample;			/* a header was read */
	bool counted;			/* the sample is of the chosen event */
	char comm[256];
	struct buf names;		/* frame names, NUL-separated, leaf first */
	size_t *offs;			/* offsets into names */
	size_t nframes, cap;
	const char **frames;		/* root first, for the call */
	size_t fcap;
};

/* Trim spaces and tabs from both ends of [*s, *s + *n). */
static void
trim(const char **s, size_t *n)
{
	while (*n > 0 && isspace((unsigned char)**s)) {
		(*s)++;
		(*n)--;
	}
	while (*n > 0 && isspace((unsigned char)(*s)[*n - 1]))
		(*n)--;
}

static int
fail(struct perf_state *st, int rc, const char *what)
{
	snprintf(st->err, st->errlen, "perf script line %zu: %s", st->lineno,
		what);
	return rc;
}

/*
 * Parse a sample header: the process name is the shortest prefix followed
 * by whitespace, a pid (or pid/tid) and whitespace; the event is the last
 * token that ends with ':' and is not the time stamp.
 */
static int
parse_header(struct perf_state *st, const char *s, size_t n, char *comm,
	size_t commlen, char *event, size_t eventlen)
{
	size_t i, j, k, clen = 0;
	const char *ev = NULL;
	size_t evlen = 0;

	for (i = 1; i < n && clen == 0; i++) {
		if (!isspace((unsigned char)s[i]))
			continue;
		j = i;
		while (j < n && isspace((unsigned char)s[j]))
			j++;
		k = j;
		while (k < n && isdigit((unsigned char)s[k]))
			k++;
		if (k == j)
			continue;
		if (k < n && s[k] == '/') {
			k++;
			while (k < n && isdigit((unsigned char)s[k]))
				k++;
		}
		if (k == n || isspace((unsigned char)s[k]))
			clen = i;
	}
	if (clen == 0)
		return fail(st, E_INVAL, "sample header without a process id");
	if (clen >= commlen || (st->lim->max_name && clen > st->lim->max_name))
		return fail(st, E_TOOBIG, "process name over the limit");
	memcpy(comm, s, clen);
	comm[clen] = '\0';
	for (i = 0; i < clen; i++)
		if (comm[i] == ' ' || comm[i] == '\t' || comm[i] == ';')
			comm[i] = '_';
		else if ((unsigned char)comm[i] < 0x20)
			comm[i] = '?';

	/* tokens after the pid */
	for (i = clen; i < n;) {
		while (i < n && isspace((unsigned char)s[i]))
			i++;
		j = i;
		while (j < n && !isspace((unsigned char)s[j]))
			j++;
		if (j > i + 1 && s[j - 1] == ':') {
			bool is_time = true;

			for (k = i; k < j - 1; k++)
				if (!isdigit((unsigned char)s[k]) && s[k] != '.')
					is_time = false;
			if (!is_time) {
				ev = s + i;
				evlen = j - 1 - i;
			}
		}
		i = j;
	}
	if (!ev)
		ev = "", evlen = 0;
	if (evlen >= eventlen)
		evlen = eventlen - 1;
	memcpy(event, ev, evlen);
	event[evlen] = '\0';
	return E_OK;
}

/* The length of sym without a trailing "+0x1f" offset. */
static size_t
strip_offset(const char *sym, size_t slen)
{
	size_t i = slen;

	while (i > 0 && isxdigit((unsigned char)sym[i - 1]))
		i--;
	if (i < slen && i >= 3 && sym[i - 1] == 'x' && sym[i - 2] == '0' &&
	    sym[i - 3] == '+')
		return i - 3;
	return slen;
}

/* Whether a module (or address) is the kernel's. */
static bool
is_kernel(const char *mod, size_t mlen, const char *addr, size_t alen)
{
	const char *base;
	size_t i;

	if (mlen >= 8 && memcmp(mod, "[kernel.", 8) == 0)
		return true;
	if (mlen >= 13 && memcmp(mod, "/lib/modules/", 13) == 0)
		return true;
	base = mod;
	for (i = 0; i < mlen; i++)
		if (mod[i] == '/')
			base = mod + i + 1;
	if ((size_t)(mod + mlen - base) >= 7 && memcmp(base, "vmlinux", 7) == 0)
		return true;
	/* a canonical kernel-half address: 16 hex digits starting with ffff */
	return mlen == 0 && alen == 16 && strncmp(addr, "ffff", 4) == 0;
}

/* Add one frame line ("addr symbol+off (module)") to the sample. */
static int
add_frame(struct perf_state *st, const char *s, size_t n)
{
	const char *addr = s, *sym, *mod = "";
	size_t alen = 0, slen, mlen = 0, start;
	bool kernel, inlined = false;
	int rc;

	while (alen < n && !isspace((unsigned char)s[alen]))
		alen++;
	sym = s + alen;
	slen = n - alen;
	trim(&sym, &slen);
	/* the module is the last parenthesised group at the end */
	if (slen > 0 && sym[slen - 1] == ')') {
		size_t i = slen - 1;
		int depth = 0;

		for (;; i--) {
			if (sym[i] == ')')
				depth++;
			else if (sym[i] == '(' && --depth == 0)
				break;
			if (i == 0)
				break;
		}
		if (depth == 0 && sym[i] == '(' && (i == 0 || isspace((unsigned char)sym[i - 1]))) {
			mod = sym + i + 1;
			mlen = slen - i - 2;
			slen = i;
			trim(&sym, &slen);
		}
	}
	/* a symbol without an address column ("(inlined)" lines of some perf versions) */
	if (slen == 0 && alen > 0 && mlen > 0 && !isxdigit((unsigned char)addr[0])) {
		sym = addr;
		slen = alen;
	}
	if (mlen == 7 && memcmp(mod, "inlined", 7) == 0)
		inlined = true;
	slen = strip_offset(sym, slen);
	kernel = !inlined && is_kernel(mod, mlen, addr, alen);
	start = st->names.len;
	if (slen == 0 || (slen == 9 && memcmp(sym, "[unknown]", 9) == 0)) {
		const char *base = mod;

		for (size_t i = 0; i < mlen; i++)
			if (mod[i] == '/')
				base = mod + i + 1;
		if (mlen > 0 && !(mlen == 9 && memcmp(mod, "[unknown]", 9) == 0) &&
		    mod[0] != '[') {
			buf_putc(&st->names, '[');
			buf_put(&st->names, base, (size_t)(mod + mlen - base));
			buf_putc(&st->names, ']');
		} else {
			buf_puts(&st->names, "[unknown]");
		}
	} else {
		buf_put(&st->names, sym, slen);
	}
	/* ';' separates frames in every text format: keep it out of names */
	for (size_t i = start; i < st->names.len; i++)
		if (st->names.data[i] == ';')
			st->names.data[i] = ':';
	if (kernel)
		buf_puts(&st->names, "_[k]");
	if (st->lim->max_name && st->names.len - start > st->lim->max_name)
		return fail(st, E_TOOBIG, "frame name over the limit");
	buf_putc(&st->names, '\0');
	if (st->nframes == st->cap) {
		st->cap = st->cap ? st->cap * 2 : 64;
		st->offs = xrealloc(st->offs, st->cap * sizeof(*st->offs));
	}
	st->offs[st->nframes++] = start;
	rc = E_OK;
	if (st->lim->max_frames && st->nframes + 1 > st->lim->max_frames)
		rc = fail(st, E_TOOBIG, "stack deeper than the frame limit");
	return rc;
}

/* End of a sample block: hand its stack to the caller. */
static int
flush(struct perf_state *st)
{
	size_t i, n;
	int rc = E_OK;

	if (!st->in_sample)
		return E_OK;
	st->in_sample = false;
	if (!st->counted) {
		st->res->skipped++;
		goto out;
	}
	n = st->nframes + 1;
	if (n > st->fcap) {
		st->fcap = n * 2;
		st->frames = xrealloc(st->frames, st->fcap * sizeof(*st->frames));
	}
	st->frames[0] = st->comm;
	for (i = 0; i < st->nframes; i++)
		st->frames[1 + i] = st->names.data + st->offs[st->nframes - 1 - i];
	if (st->lim->max_stacks && st->res->stacks >= st->lim->max_stacks) {
		rc = fail(st, E_TOOBIG, "more stacks than the limit");
		goto out;
	}
	rc = st->fn(st->ctx, st->frames, n, 1);
	if (rc != E_OK)
		goto out;
	st->res->stacks++;
	st->res->samples++;
out:
	st->nframes = 0;
	buf_reset(&st->names);
	return rc;
}

int
imp_perf(const char *text, size_t len, const struct imp_limits *lim,
	struct arena *a, imp_stack_fn fn, void *ctx, struct imp_result *res,
	char *err, size_t errlen)
{
	struct perf_state st;
	const char *p = text, *end = text + len;
	int rc = E_OK;

	(void)a;
	memset(&st, 0, sizeof(st));
	memset(res, 0, sizeof(*res));
	st.lim = lim;
	st.fn = fn;
	st.ctx = ctx;
	st.res = res;
	st.err = err;
	st.errlen = errlen;
	buf_init(&st.names, 0);
	if (lim->max_input && len > lim->max_input) {
		rc = fail(&st, E_TOOBIG, "input over the size limit");
		goto out;
	}
	while (p < end && rc == E_OK) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *line = p;
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		bool indented = n > 0 && (line[0] == ' ' || line[0] == '\t');

		p = nl ? nl + 1 : end;
		st.lineno++;
		if (memchr(line, '\0', n)) {
			rc = fail(&st, E_INVAL, "NUL byte in the text");
			break;
		}
		trim(&line, &n);
		if (n == 0) {
			rc = flush(&st);
			continue;
		}
		if (line[0] == '#' && !st.in_sample)
			continue;
		if (!indented) {
			char event[64];

			rc = flush(&st);
			if (rc != E_OK)
				break;
			rc = parse_header(&st, line, n, st.comm, sizeof(st.comm),
				event, sizeof(event));
			if (rc != E_OK)
				break;
			if (st.event[0] == '\0' && event[0] != '\0')
				snprintf(st.event, sizeof(st.event), "%s", event);
			st.in_sample = true;
			st.counted = event[0] == '\0' || strcmp(event, st.event) == 0;
			continue;
		}
		if (!st.in_sample) {
			rc = fail(&st, E_INVAL, "frame line before any sample header");
			break;
		}
		if (st.counted)
			rc = add_frame(&st, line, n);
	}
	if (rc == E_OK)
		rc = flush(&st);
	if (rc == E_OK && res->stacks == 0)
		rc = fail(&st, E_INVAL, "no samples");
	if (rc == E_OK)
		snprintf(res->detail, sizeof(res->detail), "event %s",
			st.event[0] ? st.event : "(none named)");
out:
	buf_release(&st.names);
	free(st.offs);
	free(st.frames);
	return rc;
}
