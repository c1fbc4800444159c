/*
 * imp_pprof.c - a pprof profile (gzip'd profile.proto) to stacks.
 *
 * protobuf-c decodes the message (pprof.proto, compiled at build time);
 * this file only resolves sample -> locations -> lines -> functions ->
 * strings, checking every index it follows, and picks the value column.
 */
#include "compat.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "gz.h"
#include "import.h"
#include "mem.h"
#include "pprof.pb-c.h"

typedef Perftools__Profiles__Profile pb_profile;
typedef Perftools__Profiles__Location pb_location;
typedef Perftools__Profiles__Function pb_function;

/* An id -> message index: direct when ids are 1..n in order, else sorted. */
struct idmap {
	void **items;		/* the repeated field */
	size_t n;
	bool direct;
	struct idpair {
		uint64_t id;
		void *item;
	} *sorted;
};

static int
idpair_cmp(const void *a, const void *b)
{
	const struct idpair *x = a, *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
}

static void
idmap_build(struct idmap *m, void **items, size_t n, uint64_t (*id_of)(void *))
{
	size_t i;

	m->items = items;
	m->n = n;
	m->direct = true;
	m->sorted = NULL;
	for (i = 0; i < n && m->direct; i++)
		if (id_of(items[i]) != i + 1)
			m->direct = false;
	if (m->direct)
		return;
	m->sorted = xmalloc((n ? n : 1) * sizeof(*m->sorted));
	for (i = 0; i < n; i++) {
		m->sorted[i].id = id_of(items[i]);
		m->sorted[i].item = items[i];
	}
	qsort(m->sorted, n, sizeof(*m->sorted), idpair_cmp);
}

static void *
idmap_get(const struct idmap *m, uint64_t id)
{
	struct idpair key = { id, NULL }, *hit;

	if (m->direct)
		return id >= 1 && id <= m->n ? m->items[id - 1] : NULL;
	hit = bsearch(&key, m->sorted, m->n, sizeof(*m->sorted), idpair_cmp);
	return hit ? hit->item : NULL;
}

static uint64_t
location_id(void *p)
{
	return ((pb_location *)p)->id;
}

static uint64_t
function_id(void *p)
{
	return ((pb_function *)p)->id;
}

/* The string at index i, or NULL when out of range. */
static const char *
str_at(const pb_profile *p, int64_t i)
{
	if (i < 0 || (uint64_t)i >= p->n_string_table)
		return NULL;
	return p->string_table[i];
}

/*
 * A frame name fit for the text formats: ';' and control bytes become
 * ':' and '?'.  Returns s itself when nothing needed changing.
 */
static const char *
clean_name(const char *s, struct arena *a)
{
	char *c;
	size_t i;

	for (i = 0; s[i]; i++)
		if (s[i] == ';' || (unsigned char)s[i] < 0x20)
			break;
	if (!s[i])
		return s;
	c = arena_strdup(a, s);
	for (; c[i]; i++) {
		if (c[i] == ';')
			c[i] = ':';
		else if ((unsigned char)c[i] < 0x20)
			c[i] = '?';
	}
	return c;
}

/* The value column: by name, else cpu, samples, the default, the first. */
static int
pick_column(const pb_profile *p, const char *want, size_t *col, char *err,
	size_t errlen)
{
	const char *order[3] = { want, "cpu", "samples" };
	size_t i, k;

	if (p->n_sample_type == 0) {
		snprintf(err, errlen, "pprof: no sample types");
		return E_INVAL;
	}
	for (k = 0; k < 3; k++) {
		if (!order[k] || !*order[k])
			continue;
		for (i = 0; i < p->n_sample_type; i++) {
			const char *t = str_at(p, p->sample_type[i]->type);

			if (t && strcmp(t, order[k]) == 0) {
				*col = i;
				return E_OK;
			}
		}
		if (k == 0) {
			snprintf(err, errlen, "pprof: no sample type named \"%.64s\"", want);
			return E_INVAL;
		}
	}
	for (i = 0; i < p->n_sample_type; i++) {
		const char *t = str_at(p, p->sample_type[i]->type);
		const char *d = str_at(p, p->default_sample_type);

		if (p->default_sample_type && t && d && strcmp(t, d) == 0) {
			*col = i;
			return E_OK;
		}
	}
	*col = 0;
	return E_OK;
}

int
imp_pprof(const void *data, size_t len, const char *sample_type,
	const struct imp_limits *lim, struct arena *a, imp_stack_fn fn,
	void *ctx, struct imp_result *res, char *err, size_t errlen)
{
	struct buf raw = BUF_INIT(0);
	struct idmap locs = { 0 }, funcs = { 0 };
	pb_profile *p = NULL;
	const char **frames = NULL;
	size_t fcap = 0, col = 0, i, j, k;
	int rc = E_OK;

	memset(res, 0, sizeof(*res));
	if (gz_is_gzip(data, len)) {
		rc = gz_inflate(data, len, lim->max_input ? lim->max_input : SIZE_MAX / 2, &raw);
		if (rc != E_OK) {
			snprintf(err, errlen, rc == E_TOOBIG ?
				"pprof: over the size limit once decompressed" :
				"pprof: corrupt gzip");
			goto out;
		}
		data = raw.data;
		len = raw.len;
	} else if (lim->max_input && len > lim->max_input) {
		snprintf(err, errlen, "pprof: over the size limit");
		rc = E_TOOBIG;
		goto out;
	}
	p = perftools__profiles__profile__unpack(NULL, len, data);
	if (!p) {
		snprintf(err, errlen, "pprof: not a profile.proto message");
		rc = E_INVAL;
		goto out;
	}
	rc = pick_column(p, sample_type, &col, err, errlen);
	if (rc != E_OK)
		goto out;
	idmap_build(&locs, (void **)p->location, p->n_location, location_id);
	idmap_build(&funcs, (void **)p->function, p->n_function, function_id);

	for (i = 0; i < p->n_sample; i++) {
		const Perftools__Profiles__Sample *s = p->sample[i];
		size_t n = 0;
		int64_t v;

		if (col >= s->n_value) {
			snprintf(err, errlen, "pprof: sample %zu has %zu values, not %zu",
				i, s->n_value, col + 1);
			rc = E_INVAL;
			goto out;
		}
		v = s->value[col];
		if (v <= 0 || s->n_location_id == 0) {
			res->skipped++;
			continue;
		}
		/* root first: the last location first, each one's last line first */
		for (j = s->n_location_id; j-- > 0;) {
			const pb_location *l = idmap_get(&locs, s->location_id[j]);

			if (!l) {
				snprintf(err, errlen, "pprof: sample %zu names location %llu, which is missing",
					i, (unsigned long long)s->location_id[j]);
				rc = E_INVAL;
				goto out;
			}
			for (k = l->n_line ? l->n_line : 1; k-- > 0;) {
				const char *name = NULL;

				if (l->n_line) {
					const pb_function *f = idmap_get(&funcs, l->line[k]->function_id);

					if (!f) {
						snprintf(err, errlen, "pprof: location %llu names a missing function",
							(unsigned long long)l->id);
						rc = E_INVAL;
						goto out;
					}
					name = str_at(p, f->name);
					if (name && !*name)
						name = str_at(p, f->system_name);
				}
				if (!name || !*name)
					name = arena_printf(a, "0x%llx", (unsigned long long)l->address);
				if (lim->max_name && strlen(name) > lim->max_name) {
					snprintf(err, errlen, "pprof: a function name is over the limit");
					rc = E_TOOBIG;
					goto out;
				}
				if (lim->max_frames && n >= lim->max_frames) {
					snprintf(err, errlen, "pprof: sample %zu is deeper than the frame limit", i);
					rc = E_TOOBIG;
					goto out;
				}
				if (n == fcap) {
					fcap = fcap ? fcap * 2 : 64;
					frames = xrealloc(frames, fcap * sizeof(*frames));
				}
				frames[n++] = clean_name(name, a);
			}
		}
		if (lim->max_stacks && res->stacks >= lim->max_stacks) {
			snprintf(err, errlen, "pprof: more samples than the stack limit");
			rc = E_TOOBIG;
			goto out;
		}
		rc = fn(ctx, frames, n, (uint64_t)v);
		if (rc != E_OK)
			goto out;
		res->stacks++;
		res->samples += (uint64_t)v;
	}
	if (res->stacks == 0) {
		snprintf(err, errlen, "pprof: no sample with a positive value");
		rc = E_INVAL;
		goto out;
	}
	{
		const char *t = str_at(p, p->sample_type[col]->type);
		const char *u = str_at(p, p->sample_type[col]->unit);

		snprintf(res->detail, sizeof(res->detail), "sample type %.48s/%.48s",
			t ? t : "?", u ? u : "?");
	}
out:
	free(frames);
	free(locs.sorted);
	free(funcs.sorted);
	if (p)
		perftools__profiles__profile__free_unpacked(p, NULL);
	buf_release(&raw);
	return rc;
}
