/*
 * profile.h - the gunzipped profile file an agent uploads, as the
 * indexer reads it: one header line ("# " and a JSON object: metadata,
 * metrics, flamegraph_html, ...), then the stack lines.
 *
 *     # {header JSON, one line}
 *     [appmeta;]container;frame;frame;... count
 *     ...
 *
 * prof_parse() reads the header line (capped) and counts the stack
 * lines; a malformed stack line is counted, never fatal.  The accessors
 * below pull out what the ad hoc flamegraph path needs, and the key
 * builders make the object-store keys with every outside-supplied part
 * checked or sanitised.  Pure: no I/O.
 *
 * Note that the prefix is prof_, not profile_: MIT krb5's profile library
 * (loaded by libpq for GSSAPI) exports profile_init(), profile_release()
 * and more, and a global of ours with such a name would be called from
 * inside libpq's connect instead of krb5's.
 */
#ifndef EMBER_PROFILE_H
#define EMBER_PROFILE_H

#include "compat.h"

#include <jansson.h>

#include "arena.h"
#include "buf.h"
#include "err.h"

enum prof_kind {
	PROF_ADHOC = 0,	/* the default when nothing says continuous */
	PROF_CONTINUOUS
};

struct prof {
	json_t *header;		/* owned; NULL when the file has no "#" line */
	size_t header_len;	/* bytes of the header line */
	const char *hostname;	/* metadata.hostname (borrowed from header) */
	bool continuous;	/* run_arguments.continuous or metadata.* */
	const char *perf_mode;	/* run_arguments.perf_mode, NULL absent */
	json_t *perf_events;	/* run_arguments.perf_events (borrowed) */
	bool has_duration;
	int64_t duration;	/* run_arguments.duration, seconds (> 0) */
	const char *html;	/* flamegraph_html; NULL: absent/null/"" */
	size_t html_len;
	const char *htmlblob;	/* htmlblob, NULL if absent, null or "" */
	size_t htmlblob_len;
	uint64_t stacks;	/* well-formed stack lines */
	uint64_t bad;		/* malformed stack lines (count 0 too) */
	uint64_t samples;	/* sum of the counts of the well-formed lines */
};

/*
 * Parse len bytes.  max_header caps the header line (0 = no cap).
 * E_TOOBIG when the header line is longer than max_header; E_INVAL when
 * it is not a JSON object (err, if not NULL, says why).  A file without
 * a header line parses (header NULL, no HTML).  On success the caller
 * must prof_release(); on failure nothing is held.
 */
MUST_CHECK int prof_parse(const char *data, size_t len, size_t max_header,
	struct prof *p, char *err, size_t errlen);
void prof_release(struct prof *p);

/* The kind the flamegraph is filed under. */
enum prof_kind prof_kind(const struct prof *p);
/* "adhoc" or "continuous". */
const char *prof_kind_name(enum prof_kind k);

/*
 * Append the flamegraph HTML bytes: flamegraph_html strictly base64
 * decoded when it is valid base64, else as is.  E_NOTFOUND when the
 * profile has none; E_TOOBIG past the buf cap.
 */
MUST_CHECK int prof_html(const struct prof *p, struct buf *out);

/*
 * The perf events ("cycles, cache-misses" or a list of such strings):
 * split on commas, trimmed, empties dropped, in order.  *out is one
 * allocation the caller free()s, holding *n strings.  E_NOTFOUND (*out
 * NULL) when there are none or perf_mode is "disabled"; the row then
 * stores NULL as upstream does.
 */
MUST_CHECK int prof_perf_events(const struct prof *p, const char ***out,
	size_t *n);

/*
 * A struct prof over a header object already parsed (the upload path has
 * it): p borrows nothing from the caller, it takes its own reference.
 * The stack counts are 0.  prof_release() as usual.
 */
void prof_from_header(struct prof *p, json_t *header);

/* The longest hostname a profile may carry (the metadata index's limit). */
#define PROF_HOST_MAX 255

/* Why prof_check() refused a profile, FastAPI-style. */
struct prof_problem {
	const char *field;	/* "hostname", "start_time", "flamegraph_html" */
	const char *msg;
	const char *type;	/* "value_error...." */
};

/*
 * Everything the indexer will refuse, checked before anything is stored,
 * by the upload handler (422) and by the worker (dead letter): the
 * hostname (at most PROF_HOST_MAX bytes of UTF-8 text without control
 * characters, may be empty), the start time and the end time (start + duration) within years
 * 1..9999, and the flamegraph HTML: at most max_html bytes after base64
 * decoding (0 = no cap), and text (jsonx_is_text()), not binary.  E_OK,
 * or E_INVAL / E_TOOBIG with *why filled.  When html is not NULL (an
 * uncapped, empty buf) it receives the decoded HTML on success, so the
 * worker decodes once.
 */
MUST_CHECK int prof_check(const struct prof *p, int64_t start_usec,
	size_t max_html, struct buf *html, struct prof_problem *why);
/* True for a hostname prof_check() accepts. */
bool prof_hostname_ok(const char *host);

/* The longest service name accepted anywhere (upload, keys, admin). */
#define PROF_SERVICE_MAX 255

/*
 * The one service-name rule, used by the upload path, the all-services
 * key and `ember-admin service create`: 1..PROF_SERVICE_MAX bytes of
 * [A-Za-z0-9_.-] starting with a letter or a digit (so ".ember-meta",
 * "-", "..." and "_x" are refused).
 */
bool prof_service_ok(const char *name);
/*
 * What agents' service names go through first, as upstream does:
 * characters outside [A-Za-z0-9_.-] removed, then leading '_' removed.
 * The result, in the arena, must still pass prof_service_ok().
 */
char *prof_service_clean(struct arena *a, const char *raw);

/* True for a usable key segment: 1..255 of [A-Za-z0-9._:-], not "." or "..". */
bool prof_segment_ok(const char *s);

/*
 * Append a hostname made safe for a key: [A-Za-z0-9.-] kept, anything
 * else (including '_', the name's field separator) becomes '-', at most
 * 128 bytes.  Appends nothing for NULL or "".
 */
MUST_CHECK int prof_sanitize_host(const char *host, struct buf *out);

/* Append products/{service}/stacks/{filename}.  E_INVAL for a bad segment. */
MUST_CHECK int prof_raw_key(const char *service, const char *filename,
	struct buf *out);

/*
 * Append products/{service}/stacks/flamegraph/{base}_{kind}_flamegraph.html
 * where base is filename without ".gz" and, when base has at least three
 * '_'-separated fields, its last field (the md5 of the hostname) is
 * replaced by the sanitised hostname (kept when that is empty).
 * E_INVAL for a bad service or filename.
 */
MUST_CHECK int prof_flamegraph_key(const char *service, const char *filename,
	const char *hostname, enum prof_kind kind, struct buf *out);

/* Append products/{service}/stacks/{base}.html (the htmlblob object). */
MUST_CHECK int prof_htmlblob_key(const char *service, const char *filename,
	struct buf *out);

/*
 * The start time a file name carries: its first '_' field, an ISO 8601
 * time without zone (UTC).  E_INVAL if it has none.
 */
MUST_CHECK int prof_start_time(const char *filename, int64_t *usec);

#endif
