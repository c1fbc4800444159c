/*
 * admin_out.c - what every ember-admin command prints with: times and
 * durations, one-line cuts of untrusted text, JSON output, and the common
 * "[--json] [--limit N]" options (declared in admin.h).
 */
#include "compat.h"

#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "admin.h"
#include "mem.h"
#include "utc.h"

/* Format unix seconds as UTC with Z ("-" for 0). */
void
admin_fmt_secs(int64_t secs, char *out, size_t outlen)
{
	if (secs <= 0 || utc_format(secs * 1000000, UTC_FMT_Z, out, outlen) != E_OK)
		snprintf(out, outlen, "-");
}

/* Format a duration in seconds as "45s", "12m03s", "3h04m", "2d03h". */
void
admin_fmt_age(int64_t s, char *out, size_t outlen)
{
	if (s < 0)
		snprintf(out, outlen, "-");
	else if (s < 60)
		snprintf(out, outlen, "%llds", (long long)s);
	else if (s < 3600)
		snprintf(out, outlen, "%lldm%02llds", (long long)(s / 60),
			(long long)(s % 60));
	else if (s < 86400)
		snprintf(out, outlen, "%lldh%02lldm", (long long)(s / 3600),
			(long long)(s % 3600 / 60));
	else
		snprintf(out, outlen, "%lldd%02lldh", (long long)(s / 86400),
			(long long)(s % 86400 / 3600));
}

/* Copy s to out on one line: control bytes as '?', past cut bytes "...". */
void
admin_short(char *out, size_t outlen, const char *s, size_t cut)
{
	size_t i;

	for (i = 0; s[i] && i < cut && i + 4 < outlen; i++)
		out[i] = (unsigned char)s[i] < 0x20 || s[i] == 0x7f ? '?' : s[i];
	out[i] = '\0';
	if (s[i])
		snprintf(out + i, outlen - i, "...");
}

/* Print a JSON value on stdout followed by a newline. */
int
admin_print_json(json_t *v)
{
	int rc;

	if (!v)
		return admin_fail("cannot build the JSON output");
	rc = json_dumpf(v, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(v);
	putchar('\n');
	return rc == 0 ? ADMIN_OK : admin_fail("cannot write the JSON output");
}

/* Parse "[--json]" (and optionally "--limit N"); ADMIN_OK or ADMIN_USAGE. */
int
admin_opts_json(struct admin_ctx *ctx, int argc, char **argv, bool *json,
	unsigned long *limit, int npos, const char **pos)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "limit", required_argument, NULL, 'l' },
		{ NULL, 0, NULL, 0 },
	};
	int c;
	int n;

	while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			*json = true;
			break;
		case 'l':
			if (!limit)
				return admin_usage(ctx, "unknown option '--limit'");
			if (!admin_parse_ulong(optarg, 1, ADMIN_DLQ_MAX, limit))
				return admin_usage(ctx, "--limit must be 1..%d, not '%s'",
					ADMIN_DLQ_MAX, optarg);
			break;
		case ':':
			return admin_usage(ctx, "option '%s' needs a value", argv[optind - 1]);
		default:
			return admin_usage(ctx, "unknown option '%s'", argv[optind - 1]);
		}
	}
	n = argc - optind;
	if (n < npos)
		return admin_usage(ctx, "missing argument");
	if (n > npos)
		return admin_usage(ctx, "unexpected argument '%s'", argv[optind + npos]);
	for (c = 0; c < npos; c++)
		pos[c] = argv[optind + c];
	return ADMIN_OK;
}

/* A JSON string of s; bytes of invalid UTF-8 become '?' rather than fail. */
json_t *
admin_jstring(const char *s)
{
	json_t *v = json_string(s ? s : "");
	char *copy;
	size_t i;

	if (v)
		return v;
	copy = xstrdup(s);
	for (i = 0; copy[i]; i++) {
		if ((unsigned char)copy[i] >= 0x80)
			copy[i] = '?';
	}
	v = json_string(copy);
	free(copy);
	return v;
}
