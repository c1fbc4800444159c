/*
 * profile.c - header parsing, stack line counting and key building.
 *
 * The header line can be tens of megabytes (it carries the escaped HTML),
 * so the cap is checked with memchr() over at most max_header + 1 bytes
 * before any JSON parsing happens.  jansson then unescapes the HTML
 * (\n, \", \uXXXX with surrogate pairs) into UTF-8 for us.
 *
 * Classification fixes the original indexer's defect: it read
 * metadata.continuous, which agents never set, so everything was
 * "adhoc"; we read metadata.run_arguments.continuous first and fall back
 * to metadata.continuous, defaulting to adhoc.
 */
#include "compat.h"

#include <string.h>

#include "b64.h"
#include "jsonx.h"
#include "mem.h"
#include "profile.h"
#include "utc.h"

#define HOST_MAX 128

/* A boolean at path, if it is one. */
static bool
get_bool(json_t *root, const char *path, bool *out)
{
	json_t *v = jsonx_path(root, path);

	if (!v || !json_is_boolean(v))
		return false;
	*out = json_is_true(v);
	return true;
}

/* A non-empty string at path and its length (embedded NULs kept). */
static const char *
get_str(json_t *root, const char *path, size_t *len)
{
	json_t *v = jsonx_path(root, path);

	if (!v || !json_is_string(v) || json_string_length(v) == 0)
		return NULL;
	if (len)
		*len = json_string_length(v);
	return json_string_value(v);
}

/* Pull the fields this service uses out of the header. */
static void
prof_extract(struct prof *p)
{
	json_t *h = p->header, *d;
	bool b;

	p->hostname = get_str(h, "metadata.hostname", NULL);
	p->continuous = false;
	if (get_bool(h, "metadata.run_arguments.continuous", &b) ||
	    get_bool(h, "metadata.continuous", &b))
		p->continuous = b;
	p->perf_mode = get_str(h, "metadata.run_arguments.perf_mode", NULL);
	p->perf_events = jsonx_path(h, "metadata.run_arguments.perf_events");
	d = jsonx_path(h, "metadata.run_arguments.duration");
	if (d && json_is_integer(d) && json_integer_value(d) > 0) {
		p->has_duration = true;
		p->duration = json_integer_value(d);
	} else if (d && json_is_real(d) && json_real_value(d) >= 1 &&
	    json_real_value(d) < 1e9) {
		p->has_duration = true;
		p->duration = (int64_t)json_real_value(d);
	}
	p->html = get_str(h, "flamegraph_html", &p->html_len);
	p->htmlblob = get_str(h, "htmlblob", &p->htmlblob_len);
}

/* Parse "frames count": true when well-formed, *count set. */
static bool
stack_line(const char *s, size_t n, uint64_t *count)
{
	size_t sp, i;
	uint64_t v = 0;

	if (n > 0 && s[n - 1] == '\r')
		n--;
	for (sp = n; sp > 0 && s[sp - 1] != ' '; sp--)
		;
	if (sp == 0 || sp == n || sp == 1)
		return false;	/* no space, nothing after it, or no frames */
	for (i = sp; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		if (v > (UINT64_MAX - 9) / 10)
			return false;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	if (v == 0)
		return false;
	*count = v;
	return true;
}

/* Parse a whole profile (see profile.h). */
int
prof_parse(const char *data, size_t len, size_t max_header,
	struct prof *p, char *err, size_t errlen)
{
	const char *pos = data, *end = data + len, *nl;
	int rc;

	memset(p, 0, sizeof(*p));
	if (err && errlen)
		err[0] = '\0';
	if (len > 0 && data[0] == '#') {
		size_t scan = len;

		if (max_header && scan > max_header + 1)
			scan = max_header + 1;
		nl = memchr(data, '\n', scan);
		p->header_len = nl ? (size_t)(nl - data) : len;
		if (max_header && p->header_len > max_header) {
			if (err)
				snprintf(err, errlen,
					"header line longer than %zu bytes",
					max_header);
			return E_TOOBIG;
		}
		rc = jsonx_parse(data + 1, p->header_len - 1, &p->header, err,
			errlen);
		if (rc)
			return E_INVAL;
		if (!json_is_object(p->header)) {
			json_decref(p->header);
			p->header = NULL;
			if (err)
				snprintf(err, errlen,
					"header is not an object");
			return E_INVAL;
		}
		prof_extract(p);
		pos = nl ? nl + 1 : end;
	}
	while (pos < end) {
		uint64_t count;
		size_t n;

		nl = memchr(pos, '\n', (size_t)(end - pos));
		n = nl ? (size_t)(nl - pos) : (size_t)(end - pos);
		if (n == 0 || (n == 1 && pos[0] == '\r') || pos[0] == '#') {
			;	/* blank line or comment */
		} else if (stack_line(pos, n, &count)) {
			p->stacks++;
			p->samples += count;
		} else {
			p->bad++;
		}
		pos = nl ? nl + 1 : end;
	}
	return E_OK;
}

/* Drop the header. */
void
prof_release(struct prof *p)
{
	if (p->header)
		json_decref(p->header);
	memset(p, 0, sizeof(*p));
}

/* The flamegraph kind. */
enum prof_kind
prof_kind(const struct prof *p)
{
	return p->continuous ? PROF_CONTINUOUS : PROF_ADHOC;
}

/* The kind's name as it appears in keys. */
const char *
prof_kind_name(enum prof_kind k)
{
	return k == PROF_CONTINUOUS ? "continuous" : "adhoc";
}

/* HTML bytes: base64-decoded if strictly base64, else raw. */
int
prof_html(const struct prof *p, struct buf *out)
{
	int rc;

	if (!p->html)
		return E_NOTFOUND;
	rc = b64_decode_strict(p->html, p->html_len, out);
	if (rc != E_INVAL)
		return rc;
	return buf_add(out, p->html, p->html_len);
}

/*
 * Split one comma-separated string into trimmed, non-empty elements,
 * appended to text NUL-terminated; *count counts them.
 */
static void
perf_events_split(struct buf *text, const char *s, size_t *count)
{
	const char *p = s;

	while (*p) {
		const char *e = strchr(p, ',');
		const char *a = p, *b;

		if (!e)
			e = p + strlen(p);
		b = e;
		while (a < b && (*a == ' ' || *a == '\t'))
			a++;
		while (b > a && (b[-1] == ' ' || b[-1] == '\t'))
			b--;
		if (b > a) {
			buf_put(text, a, (size_t)(b - a));
			buf_put(text, "", 1);
			(*count)++;
		}
		p = *e ? e + 1 : e;
	}
}

/* The perf events as a list (see profile.h). */
int
prof_perf_events(const struct prof *p, const char ***out, size_t *n)
{
	struct buf text = BUF_INIT(0);
	size_t count = 0, i;
	const char **v;
	char *q;

	*out = NULL;
	*n = 0;
	if (!p->perf_events)
		return E_NOTFOUND;
	if (p->perf_mode && strcmp(p->perf_mode, "disabled") == 0)
		return E_NOTFOUND;
	if (json_is_string(p->perf_events)) {
		perf_events_split(&text, json_string_value(p->perf_events),
			&count);
	} else if (json_is_array(p->perf_events)) {
		for (i = 0; i < json_array_size(p->perf_events); i++) {
			json_t *e = json_array_get(p->perf_events, i);

			if (json_is_string(e))
				perf_events_split(&text, json_string_value(e),
					&count);
		}
	}
	if (count == 0) {
		buf_release(&text);
		return E_NOTFOUND;
	}
	/* One block: the pointers, then the strings they point into. */
	v = xmalloc(count * sizeof(*v) + text.len);
	q = (char *)(v + count);
	memcpy(q, text.data, text.len);
	for (i = 0; i < count; i++) {
		v[i] = q;
		q += strlen(q) + 1;
	}
	buf_release(&text);
	*out = v;
	*n = count;
	return E_OK;
}

/* A profile over a parsed header. */
void
prof_from_header(struct prof *p, json_t *header)
{
	memset(p, 0, sizeof(*p));
	p->header = json_incref(header);
	prof_extract(p);
}

/* A hostname a row and a key can hold. */
bool
prof_hostname_ok(const char *host)
{
	size_t n;

	if (!host)
		return true;
	n = strnlen(host, PROF_HOST_MAX + 1);
	if (n > PROF_HOST_MAX || strchr(host, '\t') || strchr(host, '\n') ||
	    strchr(host, '\r') || strchr(host, '\f'))
		return false;
	/* Keys get a sanitised copy (prof_sanitize_host()); the row keeps
	 * the name as sent, so it only has to be one line of text. */
	return jsonx_is_text(host, n);
}

/* Fill a problem and return err. */
static int
problem(struct prof_problem *why, int err, const char *field, const char *msg,
	const char *type)
{
	why->field = field;
	why->msg = msg;
	why->type = type;
	return err;
}

/* The indexer's refusals, checked up front (see profile.h). */
int
prof_check(const struct prof *p, int64_t start_usec, size_t max_html,
	struct buf *out, struct prof_problem *why)
{
	struct buf html = BUF_INIT(max_html);
	char t[40];
	int rc = E_OK;

	if (!prof_hostname_ok(p->hostname))
		return problem(why, E_INVAL, "hostname",
			"hostname must be at most 255 bytes of text without "
			"control characters", "value_error.hostname");
	if (utc_format(start_usec, UTC_FMT_SQL, t, sizeof(t)) ||
	    (p->has_duration && (p->duration > INT64_MAX / 1000000 ||
	    start_usec > INT64_MAX - p->duration * 1000000 ||
	    utc_format(start_usec + p->duration * 1000000, UTC_FMT_SQL, t,
		sizeof(t)))))
		return problem(why, E_INVAL, "start_time",
			"start or end time out of range", "value_error.datetime");
	if (!p->html)
		return E_OK;
	/* Base64 never decodes to more than 3/4 of its length. */
	if (max_html && p->html_len / 4 * 3 > max_html + 3)
		return problem(why, E_TOOBIG, "flamegraph_html",
			"flamegraph_html is too large", "value_error.too_large");
	rc = prof_html(p, &html);
	if (rc == E_TOOBIG)
		rc = problem(why, E_TOOBIG, "flamegraph_html",
			"flamegraph_html is too large", "value_error.too_large");
	else if (rc)
		rc = problem(why, E_INVAL, "flamegraph_html",
			"flamegraph_html cannot be read", "value_error");
	else if (!jsonx_is_text(html.data, html.len))
		rc = problem(why, E_INVAL, "flamegraph_html",
			"flamegraph_html is not UTF-8 text", "value_error.text");
	if (!rc && out) {
		html.max = 0;
		buf_release(out);
		*out = html;
		return E_OK;
	}
	buf_release(&html);
	return rc;
}

/* A character of a service name. */
static bool
service_char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-';
}

/* The service-name rule (see profile.h). */
bool
prof_service_ok(const char *name)
{
	size_t i, n;

	if (!name)
		return false;
	n = strlen(name);
	if (n == 0 || n > PROF_SERVICE_MAX)
		return false;
	if (!((name[0] >= 'A' && name[0] <= 'Z') ||
	    (name[0] >= 'a' && name[0] <= 'z') ||
	    (name[0] >= '0' && name[0] <= '9')))
		return false;
	for (i = 0; i < n; i++)
		if (!service_char(name[i]))
			return false;
	return true;
}

/* Upstream's service name sanitising. */
char *
prof_service_clean(struct arena *a, const char *raw)
{
	char *out = arena_alloc(a, strlen(raw) + 1);
	size_t o = 0;

	for (; *raw; raw++) {
		if (!service_char(*raw) || (o == 0 && *raw == '_'))
			continue;
		out[o++] = *raw;
	}
	out[o] = '\0';
	return out;
}

/* A key segment made only of safe characters. */
bool
prof_segment_ok(const char *s)
{
	size_t i, n;

	if (!s)
		return false;
	n = strlen(s);
	if (n == 0 || n > 255 || strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
		return false;
	for (i = 0; i < n; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '.' || c == '_' ||
		    c == ':' || c == '-'))
			return false;
	}
	return true;
}

/* The hostname reduced to safe characters. */
int
prof_sanitize_host(const char *host, struct buf *out)
{
	size_t i;
	int rc = E_OK;

	if (!host)
		return E_OK;
	for (i = 0; host[i] && i < HOST_MAX && !rc; i++) {
		char c = host[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '.' || c == '-'))
			c = '-';
		rc = buf_addch(out, c);
	}
	return rc;
}

/* products/{service}/stacks/{filename}. */
int
prof_raw_key(const char *service, const char *filename, struct buf *out)
{
	if (!prof_segment_ok(service) || !prof_segment_ok(filename))
		return E_INVAL;
	return buf_addf(out, "products/%s/stacks/%s", service, filename);
}

/* The file name without a ".gz" suffix: its length. */
static size_t
base_len(const char *filename)
{
	size_t n = strlen(filename);

	if (n > 3 && strcmp(filename + n - 3, ".gz") == 0)
		n -= 3;
	return n;
}

/* The flamegraph key (see profile.h). */
int
prof_flamegraph_key(const char *service, const char *filename,
	const char *hostname, enum prof_kind kind, struct buf *out)
{
	struct buf host = BUF_INIT(0);
	size_t start = out->len, n, fields = 1, i, last = 0;
	int rc;

	if (!prof_segment_ok(service) || !prof_segment_ok(filename))
		return E_INVAL;
	n = base_len(filename);
	for (i = 0; i < n; i++) {
		if (filename[i] == '_') {
			fields++;
			last = i + 1;
		}
	}
	rc = prof_sanitize_host(hostname, &host);
	if (rc)
		goto out;
	rc = buf_addf(out, "products/%s/stacks/flamegraph/", service);
	if (!rc && fields >= 3 && host.len > 0) {
		rc = buf_add(out, filename, last);
		if (!rc)
			rc = buf_add(out, host.data, host.len);
	} else if (!rc) {
		rc = buf_add(out, filename, n);
	}
	if (!rc)
		rc = buf_addf(out, "_%s_flamegraph.html",
			prof_kind_name(kind));
out:
	if (rc)
		buf_truncate(out, start);
	buf_release(&host);
	return rc;
}

/* products/{service}/stacks/{base}.html. */
int
prof_htmlblob_key(const char *service, const char *filename,
	struct buf *out)
{
	if (!prof_segment_ok(service) || !prof_segment_ok(filename))
		return E_INVAL;
	return buf_addf(out, "products/%s/stacks/%.*s.html", service,
		(int)base_len(filename), filename);
}

/* The start time in the first '_' field of the file name. */
int
prof_start_time(const char *filename, int64_t *usec)
{
	char tok[40];
	const char *us = strchr(filename, '_');
	size_t n = us ? (size_t)(us - filename) : strlen(filename);

	if (n < 10 || n >= sizeof(tok))
		return E_INVAL;
	memcpy(tok, filename, n);
	tok[n] = '\0';
	if (tok[4] != '-' || tok[7] != '-')
		return E_INVAL;
	return utc_parse(tok, usec);
}
