/*
 * migrate.c - finding, checking and planning SQL migrations (the pure
 * half, unit-tested in tests/unit/test_migrate.c).  Applying them to the
 * database is migrate_db.c, exercised by tests/integration/t_migrations.sh
 * through ember-admin.
 */
#include "compat.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "db.h"
#include "hash.h"
#include "mem.h"
#include "migrate.h"

#define MIGRATE_MAX_FILE (16u << 20)
#define MIGRATE_NAME_MAX 128

/* Write a formatted message into err when there is room for one. */
void
migrate_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || !errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* Parse "NNNN_name.up.sql" / "NNNN_name.down.sql". */
int
migrate_parse_name(const char *file, int *version, char *name, size_t namelen,
	enum migrate_dir *dir)
{
	static const char up[] = ".up.sql";
	static const char down[] = ".down.sql";
	size_t len;
	size_t nlen;
	size_t i;
	int v = 0;

	len = strlen(file);
	if (len > sizeof(down) - 1 && strcmp(file + len - (sizeof(down) - 1), down) == 0) {
		*dir = MIGRATE_DOWN;
		len -= sizeof(down) - 1;
	} else if (len > sizeof(up) - 1 && strcmp(file + len - (sizeof(up) - 1), up) == 0) {
		*dir = MIGRATE_UP;
		len -= sizeof(up) - 1;
	} else {
		return E_INVAL;
	}
	/* Now file[0..len) is "NNNN_name". */
	if (len < 6 || file[4] != '_')
		return E_INVAL;
	for (i = 0; i < 4; i++) {
		if (file[i] < '0' || file[i] > '9')
			return E_INVAL;
		v = v * 10 + (file[i] - '0');
	}
	if (v == 0)
		return E_INVAL;
	nlen = len - 5;
	if (nlen >= namelen || nlen >= MIGRATE_NAME_MAX)
		return E_INVAL;
	for (i = 5; i < len; i++) {
		if (!((file[i] >= 'a' && file[i] <= 'z') || (file[i] >= '0' && file[i] <= '9') ||
		    file[i] == '_'))
			return E_INVAL;
	}
	memcpy(name, file + 5, nlen);
	name[nlen] = '\0';
	*version = v;
	return E_OK;
}

/* Index of a version in the set, or -1. */
long
migrate_set_find(const struct migrate_set *set, int version)
{
	size_t i;

	for (i = 0; i < set->n; i++) {
		if (set->v[i].version == version)
			return (long)i;
	}
	return -1;
}

/* Join a directory and a file name into a heap string. */
static char *
migrate_join(const char *dir, const char *file)
{
	struct buf b = BUF_INIT(0);

	if (dir && *dir) {
		if (buf_addstr(&b, dir) != E_OK)
			ASSERT(0);
		if (b.data[b.len - 1] != '/' && buf_addch(&b, '/') != E_OK)
			ASSERT(0);
	}
	if (buf_addstr(&b, file) != E_OK)
		ASSERT(0);
	return buf_detach(&b, NULL);
}

/* Add one directory entry to the set (non-migrations are skipped). */
int
migrate_set_add(struct migrate_set *set, const char *dir, const char *file,
	char *err, size_t errlen)
{
	char name[MIGRATE_NAME_MAX];
	struct migrate_file *m;
	enum migrate_dir d;
	char **slot;
	long at;
	int version;

	if (migrate_parse_name(file, &version, name, sizeof(name), &d) != E_OK)
		return E_OK;
	at = migrate_set_find(set, version);
	if (at < 0) {
		if (set->n == set->cap) {
			set->cap = set->cap ? set->cap * 2 : 16;
			set->v = xrealloc(set->v, set->cap * sizeof(*set->v));
		}
		m = &set->v[set->n++];
		memset(m, 0, sizeof(*m));
		m->version = version;
		m->name = xstrdup(name);
	} else {
		m = &set->v[at];
		if (strcmp(m->name, name) != 0) {
			migrate_err(err, errlen,
				"two migrations with version %04d in %s: %04d_%s and %04d_%s",
				version, dir, version, m->name, version, name);
			return E_CONFLICT;
		}
	}
	slot = d == MIGRATE_UP ? &m->up_path : &m->down_path;
	if (*slot) {
		migrate_err(err, errlen, "%s listed twice", file);
		return E_CONFLICT;
	}
	*slot = migrate_join(dir, file);
	return E_OK;
}

/* qsort order: ascending version. */
static int
migrate_cmp_file(const void *a, const void *b)
{
	const struct migrate_file *x = a;
	const struct migrate_file *y = b;

	return (x->version > y->version) - (x->version < y->version);
}

/* Sort the set and require both files of every migration. */
int
migrate_set_check(struct migrate_set *set, char *err, size_t errlen)
{
	size_t i;

	if (set->n > 1)
		qsort(set->v, set->n, sizeof(*set->v), migrate_cmp_file);
	for (i = 0; i < set->n; i++) {
		if (!set->v[i].up_path || !set->v[i].down_path) {
			migrate_err(err, errlen, "%s has no matching %s file",
				set->v[i].up_path ? set->v[i].up_path : set->v[i].down_path,
				set->v[i].up_path ? ".down.sql" : ".up.sql");
			return E_INVAL;
		}
	}
	return E_OK;
}

/* Free every file of the set; the set is left empty. */
void
migrate_set_release(struct migrate_set *set)
{
	size_t i;

	for (i = 0; i < set->n; i++) {
		free(set->v[i].name);
		free(set->v[i].up_path);
		free(set->v[i].down_path);
	}
	free(set->v);
	memset(set, 0, sizeof(*set));
}

/* Whether the word w (upper case) starts at p, followed by a non-word char. */
static bool
migrate_word_at(const char *p, const char *end, const char *w, const char **after)
{
	size_t n = strlen(w);
	size_t i;

	if ((size_t)(end - p) < n)
		return false;
	for (i = 0; i < n; i++) {
		if (toupper((unsigned char)p[i]) != w[i])
			return false;
	}
	if (p + n < end && (isalnum((unsigned char)p[n]) || p[n] == '_'))
		return false;
	*after = p + n;
	return true;
}

/* Reject transaction control lines in a migration file. */
int
migrate_check_sql(const char *sql, size_t len, int *line)
{
	static const char *const words[] = {
		"BEGIN", "COMMIT", "ROLLBACK", "START",
	};
	const char *end = sql + len;
	const char *p = sql;
	const char *q;
	const char *eol;
	size_t i;
	int n = 1;

	while (p < end) {
		eol = memchr(p, '\n', (size_t)(end - p));
		if (!eol)
			eol = end;
		while (p < eol && (*p == ' ' || *p == '\t' || *p == '\r'))
			p++;
		for (i = 0; i < ARRAY_SIZE(words); i++) {
			if (!migrate_word_at(p, eol, words[i], &q))
				continue;
			if (i == 3) {
				/* START TRANSACTION */
				while (q < eol && (*q == ' ' || *q == '\t'))
					q++;
				if (!migrate_word_at(q, eol, "TRANSACTION", &q))
					continue;
			}
			/* Optional WORK/TRANSACTION, then ';'. */
			while (q < eol && (*q == ' ' || *q == '\t'))
				q++;
			if (migrate_word_at(q, eol, "WORK", &q) ||
			    migrate_word_at(q, eol, "TRANSACTION", &q)) {
				while (q < eol && (*q == ' ' || *q == '\t'))
					q++;
			}
			if (q < eol && *q == ';') {
				*line = n;
				return E_INVAL;
			}
		}
		p = eol + 1;
		n++;
	}
	return E_OK;
}

/* Line of a 1-based character position, counting UTF-8 sequences as one. */
int
migrate_line_of(const char *sql, long pos)
{
	const unsigned char *p = (const unsigned char *)sql;
	long chars = 0;
	int line = 1;

	for (; *p; p++) {
		if ((*p & 0xC0) == 0x80)
			continue;
		if (++chars >= pos)
			break;
		if (*p == '\n')
			line++;
	}
	return line;
}

/* Index of an applied version, or -1. */
static long
migrate_applied_find(const struct migrate_applied_list *applied, int version)
{
	size_t i;

	for (i = 0; i < applied->n; i++) {
		if (applied->v[i].version == version)
			return (long)i;
	}
	return -1;
}

/* Refuse when an applied migration's file differs from what was applied. */
static int
migrate_verify(const struct migrate_file *m, const struct migrate_applied *a,
	char *err, size_t errlen)
{
	if (strcmp(m->name, a->name) != 0) {
		migrate_err(err, errlen,
			"migration %04d was applied as \"%s\" but the file is now %s; "
			"restore the old name", m->version, a->name, m->up_path);
		return E_CONFLICT;
	}
	if (strcmp(m->checksum, a->checksum) != 0) {
		migrate_err(err, errlen,
			"%s was changed after it was applied (sha256 %.12s... applied, "
			"%.12s... now); restore it and add a new migration instead",
			m->up_path, a->checksum, m->checksum);
		return E_CONFLICT;
	}
	return E_OK;
}

/* Plan the pending migrations up to target. */
int
migrate_plan_up(const struct migrate_set *set,
	const struct migrate_applied_list *applied, int target,
	struct migrate_plan *plan, char *err, size_t errlen)
{
	long a;
	size_t i;
	int rc;

	memset(plan, 0, sizeof(*plan));
	plan->dir = MIGRATE_UP;
	if (target > 0 && migrate_set_find(set, target) < 0) {
		migrate_err(err, errlen, "no migration with version %04d", target);
		return E_NOTFOUND;
	}
	for (i = 0; i < set->n; i++) {
		a = migrate_applied_find(applied, set->v[i].version);
		if (a >= 0) {
			rc = migrate_verify(&set->v[i], &applied->v[a], err, errlen);
			if (rc != E_OK) {
				migrate_plan_release(plan);
				return rc;
			}
		}
	}
	plan->idx = xcalloc(set->n ? set->n : 1, sizeof(*plan->idx));
	for (i = 0; i < set->n; i++) {
		if (target > 0 && set->v[i].version > target)
			break;
		if (migrate_applied_find(applied, set->v[i].version) < 0)
			plan->idx[plan->n++] = i;
	}
	return E_OK;
}

/* Plan rolling back the last count applied migrations. */
int
migrate_plan_down(const struct migrate_set *set,
	const struct migrate_applied_list *applied, size_t count,
	struct migrate_plan *plan, char *err, size_t errlen)
{
	const struct migrate_applied *a;
	size_t k;
	long at;
	int rc;

	memset(plan, 0, sizeof(*plan));
	plan->dir = MIGRATE_DOWN;
	if (count == 0) {
		migrate_err(err, errlen, "nothing to roll back: count must be at least 1");
		return E_INVAL;
	}
	if (count > applied->n) {
		migrate_err(err, errlen, "cannot roll back %zu: only %zu applied", count,
			applied->n);
		return E_INVAL;
	}
	/* Any changed applied file stops the run, as it does for "up". */
	for (k = 0; k < applied->n; k++) {
		at = migrate_set_find(set, applied->v[k].version);
		if (at < 0)
			continue;
		rc = migrate_verify(&set->v[at], &applied->v[k], err, errlen);
		if (rc != E_OK)
			return rc;
	}
	plan->idx = xcalloc(count, sizeof(*plan->idx));
	for (k = 0; k < count; k++) {
		a = &applied->v[applied->n - 1 - k];
		at = migrate_set_find(set, a->version);
		if (at < 0) {
			migrate_err(err, errlen,
				"migration %04d_%s is applied but its files are missing",
				a->version, a->name);
			migrate_plan_release(plan);
			return E_NOTFOUND;
		}
		plan->idx[plan->n++] = (size_t)at;
	}
	return E_OK;
}

/* Free a plan. */
void
migrate_plan_release(struct migrate_plan *plan)
{
	free(plan->idx);
	plan->idx = NULL;
	plan->n = 0;
}

/* Read a whole file, capped. */
int
migrate_read_file(const char *path, char **out, size_t *len, char *err, size_t errlen)
{
	struct buf b = BUF_INIT(MIGRATE_MAX_FILE);
	char chunk[8192];
	ssize_t n;
	int fd;
	int rc = E_OK;

	*out = NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		migrate_err(err, errlen, "%s: %s", path, strerror(errno));
		return E_IO;
	}
	for (;;) {
		n = read(fd, chunk, sizeof(chunk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			migrate_err(err, errlen, "%s: %s", path, strerror(errno));
			rc = E_IO;
			goto out;
		}
		if (n == 0)
			break;
		if (buf_add(&b, chunk, (size_t)n) != E_OK) {
			migrate_err(err, errlen, "%s: larger than %u bytes", path,
				MIGRATE_MAX_FILE);
			rc = E_TOOBIG;
			goto out;
		}
	}
	if (memchr(b.data, '\0', b.len)) {
		migrate_err(err, errlen, "%s: contains a NUL byte", path);
		rc = E_INVAL;
		goto out;
	}
	*out = buf_detach(&b, len);
out:
	close(fd);
	buf_release(&b);
	return rc;
}

/* Scan dir for migrations, check pairs and load checksums. */
int
migrate_scan(const char *dir, struct migrate_set *set, char *err, size_t errlen)
{
	struct dirent *de;
	size_t len;
	size_t i;
	char *text;
	DIR *d;
	int rc = E_OK;

	memset(set, 0, sizeof(*set));
	d = opendir(dir);
	if (!d) {
		migrate_err(err, errlen, "cannot open migration directory %s: %s", dir,
			strerror(errno));
		return E_NOTFOUND;
	}
	while ((de = readdir(d)) != NULL) {
		rc = migrate_set_add(set, dir, de->d_name, err, errlen);
		if (rc != E_OK)
			goto out;
	}
	rc = migrate_set_check(set, err, errlen);
	if (rc != E_OK)
		goto out;
	for (i = 0; i < set->n; i++) {
		rc = migrate_read_file(set->v[i].up_path, &text, &len, err, errlen);
		if (rc != E_OK)
			goto out;
		hash_sha256_hex(text, len, set->v[i].checksum);
		free(text);
	}
out:
	closedir(d);
	if (rc != E_OK)
		migrate_set_release(set);
	return rc;
}
