/*
 * job.c - the work of one message (see job.h for the contract).
 *
 * Memory: the raw object (<= max_object) is freed as soon as it is
 * gunzipped, so a worker holds at most the profile text, its parsed
 * header and the decoded HTML at once.
 *
 * Classification of failures: only problems of the input itself are
 * poison (dead-lettered at once).  Credentials or permissions refused by
 * the store are retried: a configuration mistake must not dead-letter
 * every message.  The flamegraph object is written before the row, and
 * the row is one autocommitted statement, so "done" implies both exist.
 * Everything the row would refuse is checked before anything is written
 * (prof_check(), the same rules as the upload path), and data errors from
 * PostgreSQL (SQLSTATE classes 22 and 54) are poison too.  When a job
 * ends in a dead letter after its flamegraph object was written (poison,
 * or a retryable failure on the last allowed receive), the object is
 * removed again, so no object is left without its row.
 */
#include "compat.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gz.h"
#include "adhoc.h"
#include "adlib.h"
#include "cdn.h"
#include "b64.h"
#include "flrender.h"
#include "job.h"
#include "jsonx.h"
#include "log.h"
#include "profile.h"
#include "smp_index.h"
#include "utc.h"

#define HTML_TYPE "text/html; charset=utf-8"

/* Record a failure with a formatted reason; returns err. */
static int ATTR_PRINTF(4, 5)
fail(struct job_result *res, int err, enum proto_verdict v, const char *fmt,
	...)
{
	va_list ap;

	res->err = err;
	res->verdict = v;
	va_start(ap, fmt);
	vsnprintf(res->why, sizeof(res->why), fmt, ap);
	va_end(ap);
	return err;
}

/*
 * The profile's stacks into the sample store (nothing without one); a
 * failure is the job's, poison or retry as the indexer says.
 */
static int
job_index(const struct job_env *env, const struct job_msg *jm,
	const struct prof *p, const struct buf *text, struct job_result *res)
{
	struct smp_index_src src = { jm->service, jm->service_id, jm->filename };
	struct smp_index_result ir;
	int rc;

	if (!env->smp)
		return E_OK;
	rc = smp_index_profile(env->smp, env->samples, &src, p, text->data,
		text->len, &ir);
	res->bad = ir.bad;
	if (rc)
		fail(res, rc, ir.poison ? PROTO_V_POISON : PROTO_V_RETRY, "%s",
			ir.why);
	return rc;
}

/* True when s ends with suffix. */
static bool
ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* Poison for input errors, retry for the rest. */
static enum proto_verdict
verdict_of(int err)
{
	switch (err) {
	case E_INVAL:
	case E_TOOBIG:
	case E_PROTO:
	case E_NOTFOUND:
		return PROTO_V_POISON;
	default:
		return PROTO_V_RETRY;
	}
}

/* Parse the message body. */
int
job_parse_body(const char *body, size_t len, struct job_msg *out,
	char *err, size_t errlen)
{
	json_t *root = NULL;
	const char *f, *s;
	int64_t id = 0;
	int rc;

	memset(out, 0, sizeof(*out));
	rc = jsonx_parse(body, len, &root, err, errlen);
	if (rc)
		return E_INVAL;
	rc = E_INVAL;
	if (!json_is_object(root)) {
		snprintf(err, errlen, "not a JSON object");
		goto out;
	}
	f = jsonx_str(root, "filename");
	s = jsonx_str(root, "service");
	if (!prof_segment_ok(f) || strlen(f) >= sizeof(out->filename)) {
		snprintf(err, errlen, "missing or unsafe \"filename\"");
		goto out;
	}
	if (!prof_segment_ok(s) || strlen(s) >= sizeof(out->service)) {
		snprintf(err, errlen, "missing or unsafe \"service\"");
		goto out;
	}
	if (jsonx_int(root, "service_id", &id) != E_OK || id <= 0) {
		snprintf(err, errlen,
			"\"service_id\" is not a positive integer");
		goto out;
	}
	snprintf(out->filename, sizeof(out->filename), "%s", f);
	snprintf(out->service, sizeof(out->service), "%s", s);
	out->service_id = id;
	rc = E_OK;
out:
	json_decref(root);
	return rc;
}

/*
 * Write the PerfSpect htmlblob (the header's htmlblob field, an HTML
 * report) next to the profile; best effort.
 */
static int
job_htmlblob(const struct job_env *env, const struct job_msg *jm,
	const struct prof *p, struct job_result *res)
{
	struct buf dec = BUF_INIT(env->cfg->max_gunzip);
	struct buf html = BUF_INIT(0);
	struct buf key = BUF_INIT(0);
	struct store_put_opts opts = { .content_type = HTML_TYPE };
	const struct buf *data = &dec;
	int rc = E_OK;

	/* Undecodable blobs are skipped, as upstream does. */
	if (b64_decode_strict(p->htmlblob, p->htmlblob_len, &dec) != E_OK)
		goto out;
	if (gz_is_gzip(dec.data, dec.len)) {
		if (gz_inflate(dec.data, dec.len, env->cfg->max_gunzip,
		    &html) != E_OK)
			goto out;
		data = &html;
	}
	rc = prof_htmlblob_key(jm->service, jm->filename, &key);
	if (rc)
		goto out;
	rc = store_put(env->store, key.data, data->data, data->len, &opts);
	if (rc)
		fail(res, rc, PROTO_V_RETRY, "put %s: %s", key.data,
			store_errmsg(env->store));
out:
	buf_release(&dec);
	buf_release(&html);
	buf_release(&key);
	return rc;
}

/* Upsert the ad hoc metadata row. */
static int
job_upsert(const struct job_env *env, const struct job_msg *jm,
	const struct prof *p, const char *key, size_t size,
	struct job_result *res)
{
	struct adhoc_row row;
	char t[40];
	int64_t start;
	int rc;

	if (prof_start_time(jm->filename, &start) != E_OK)
		start = utc_now_usec() / 1000000 * 1000000;
	memset(&row, 0, sizeof(row));
	row.s3_key = key;
	row.hostname = p->hostname;
	row.start_usec = start;
	row.end_usec = start;
	if (p->has_duration)
		row.end_usec = start + p->duration * 1000000;
	if (utc_format(row.start_usec, UTC_FMT_SQL, t, sizeof(t)) ||
	    utc_format(row.end_usec, UTC_FMT_SQL, t, sizeof(t)))
		return fail(res, E_INVAL, PROTO_V_POISON,
			"start time out of range in %s", jm->filename);
	row.file_size = (int64_t)size;
	if (prof_perf_events(p, &row.perf_events, &row.nperf_events) != E_OK)
		row.nperf_events = 0;
	rc = adhoc_upsert(env->db, jm->service_id, &row);
	free(row.perf_events);
	if (rc == E_INVAL || rc == E_TOOBIG)
		return fail(res, rc, PROTO_V_POISON, "metadata row refused: %s",
			db_errmsg(env->db));
	if (rc)
		return fail(res, rc, PROTO_V_RETRY, "metadata row: %s",
			db_errmsg(env->db));
	return E_OK;
}

/*
 * What the ad hoc library records at ingestion: whether the page loads
 * the agents' CDN assets (the raw variant then rewrites it instead of
 * sending the file by X-Sendfile), and the command the upload names.
 */
static int
job_library(const struct job_env *env, const struct prof *p, const char *key,
	const struct buf *html, struct job_result *res)
{
	const char *cmd = NULL;
	int rc;

	if (p->header && !(cmd = jsonx_str(p->header, "command_id")))
		cmd = jsonx_str(p->header, "metadata.run_arguments.command_id");
	rc = adlib_mark(env->db, key, NULL, NULL,
		cdn_refers(html->data, html->len), cmd);
	if (rc && rc != E_NOTFOUND)
		return fail(res, rc, PROTO_V_RETRY, "library columns: %s",
			db_errmsg(env->db));
	return E_OK;
}

/* Whether a failure now turns the message into a dead letter. */
static bool
dead_letter(const struct job_env *env, const struct job_result *res)
{
	return res->verdict == PROTO_V_POISON ||
		(env->max_receives && env->receive_count >= env->max_receives);
}

/* Write the flamegraph object (and the row for ad hoc). */
static int
job_flamegraph(const struct job_env *env, const struct job_msg *jm,
	const struct prof *p, const struct buf *html, struct job_result *res)
{
	struct buf key = BUF_INIT(0);
	struct store_put_opts opts = { .content_type = HTML_TYPE };
	enum prof_kind kind = prof_kind(p);
	int rc;

	rc = prof_flamegraph_key(jm->service, jm->filename, p->hostname,
		kind, &key);
	if (rc) {
		fail(res, rc, PROTO_V_POISON, "cannot build flamegraph key");
		goto out;
	}
	snprintf(res->key, sizeof(res->key), "%s", key.data);
	rc = store_put(env->store, key.data, html->data, html->len, &opts);
	if (rc) {
		fail(res, rc, rc == E_INVAL ? PROTO_V_POISON : PROTO_V_RETRY,
			"put %s: %s", key.data, store_errmsg(env->store));
		goto out;
	}
	res->html = html->len;
	if (kind == PROF_ADHOC) {
		rc = job_upsert(env, jm, p, key.data, html->len, res);
		if (!rc)
			rc = job_library(env, p, key.data, html, res);
		if (rc) {
			/* Note that a retry rewrites the same key, so only a
			 * dead letter leaves an orphan to remove. */
			if (dead_letter(env, res) &&
			    store_delete(env->store, key.data) == E_OK)
				res->html = 0;
			goto out;
		}
		res->kind = PROTO_K_ADHOC;
	} else {
		res->kind = PROTO_K_CONTINUOUS;
	}
out:
	buf_release(&key);
	return rc;
}

/* One job (see job.h). */
void
job_run(const struct job_env *env, const char *body, size_t len,
	struct job_result *res)
{
	struct job_msg jm;
	struct buf raw = BUF_INIT(env->cfg->max_object);
	struct buf text = BUF_INIT(env->cfg->max_gunzip);
	struct buf key = BUF_INIT(0);
	struct buf html = BUF_INIT(0);
	struct prof_problem why;
	struct prof p;
	const struct buf *src = &raw;
	bool rendered = false;
	char err[256];
	int64_t start;
	int rc;

	memset(res, 0, sizeof(*res));
	memset(&p, 0, sizeof(p));
	res->verdict = PROTO_V_DONE;
	if (job_parse_body(body, len, &jm, err, sizeof(err)) != E_OK) {
		fail(res, E_INVAL, PROTO_V_POISON, "malformed message body: %s",
			err);
		goto out;
	}
	rc = prof_raw_key(jm.service, jm.filename, &key);
	if (rc) {
		fail(res, rc, PROTO_V_POISON, "bad object key");
		goto out;
	}
	rc = store_get(env->store, key.data, env->cfg->max_object, &raw);
	if (rc == E_TOOBIG) {
		fail(res, rc, PROTO_V_POISON, "object %s over %zu bytes",
			key.data, env->cfg->max_object);
		goto out;
	} else if (rc) {
		fail(res, rc, verdict_of(rc), "get %s: %s", key.data,
			store_errmsg(env->store));
		goto out;
	}
	if (gz_is_gzip(raw.data, raw.len)) {
		rc = gz_inflate(raw.data, raw.len, env->cfg->max_gunzip, &text);
		if (rc == E_TOOBIG) {
			fail(res, rc, PROTO_V_POISON,
				"gunzipped profile over %zu bytes",
				env->cfg->max_gunzip);
			goto out;
		} else if (rc) {
			fail(res, rc, PROTO_V_POISON, "bad gzip data in %s",
				key.data);
			goto out;
		}
		buf_release(&raw);
		src = &text;
	} else if (ends_with(jm.filename, ".gz")) {
		fail(res, E_INVAL, PROTO_V_POISON,
			"bad gzip data in %s: no gzip header", key.data);
		goto out;
	}
	rc = prof_parse(src->data, src->len, env->cfg->max_header, &p, err,
		sizeof(err));
	if (rc == E_TOOBIG) {
		fail(res, rc, PROTO_V_POISON, "header line over %zu bytes",
			env->cfg->max_header);
		goto out;
	} else if (rc) {
		fail(res, rc, PROTO_V_POISON, "bad header JSON: %s", err);
		goto out;
	}
	if (job_index(env, &jm, &p, src, res) != E_OK)
		goto out;
	res->stacks = p.stacks;
	res->bad = p.bad;
	res->samples = p.samples;
	if (prof_start_time(jm.filename, &start) != E_OK)
		start = utc_now_usec() / 1000000 * 1000000;
	rc = prof_check(&p, start, env->cfg->max_html, &html, &why);
	if (rc) {
		fail(res, rc, PROTO_V_POISON, "%s: %s", why.field, why.msg);
		goto out;
	}
	if (p.htmlblob && job_htmlblob(env, &jm, &p, res) != E_OK)
		goto out;
	/* An ad hoc profile without the agent's page (an agent that cannot
	 * run burn) gets one rendered from its stacks, so every ad hoc
	 * profile listed can be opened; none at all when it has no stack. */
	if (!p.html && prof_kind(&p) == PROF_ADHOC) {
		rc = fl_render_html_from_profile(src->data, src->len, p.header,
			p.hostname ? p.hostname : jm.filename, &html);
		if (rc == E_OK)
			rendered = true;
		else if (rc != E_NOTFOUND)
			log_warn("job %s: no flamegraph rendered: %s", jm.filename,
				err_str(rc));
	}
	buf_release(&raw);
	buf_release(&text);
	if ((p.html || rendered) &&
	    job_flamegraph(env, &jm, &p, &html, res) != E_OK)
		goto out;
	res->err = E_OK;
	res->verdict = PROTO_V_DONE;
out:
	prof_release(&p);
	buf_release(&raw);
	buf_release(&text);
	buf_release(&key);
	buf_release(&html);
}
