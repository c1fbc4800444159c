/*
 * import.c - format names and detection for imported profiles.
 */
#include "compat.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "gz.h"
#include "import.h"

static const char *const names[] = {
	[IMP_UNKNOWN] = NULL,
	[IMP_FOLDED] = "folded",
	[IMP_COLLAPSED] = "collapsed",
	[IMP_PERF] = "perf",
	[IMP_PPROF] = "pprof",
	[IMP_HTML] = "html",
};

const char *
imp_format_name(enum imp_format f)
{
	return (size_t)f < ARRAY_SIZE(names) ? names[f] : NULL;
}

enum imp_format
imp_format_parse(const char *name)
{
	size_t i;

	for (i = 1; name && i < ARRAY_SIZE(names); i++)
		if (strcmp(name, names[i]) == 0)
			return (enum imp_format)i;
	return IMP_UNKNOWN;
}

/* One line of [p, end): its start and length; *next past its newline. */
static size_t
line_at(const char *p, const char *end, const char **next)
{
	const char *nl = memchr(p, '\n', (size_t)(end - p));

	*next = nl ? nl + 1 : end;
	return (size_t)((nl ? nl : end) - p);
}

/* "name ... 123": a folded line (text, then a space and a count). */
static bool
folded_line(const char *s, size_t n)
{
	size_t i = n, digits = 0;

	while (i > 0 && (s[i - 1] == '\r' || s[i - 1] == ' '))
		i--;
	while (i > 0 && isdigit((unsigned char)s[i - 1])) {
		i--;
		digits++;
	}
	return digits > 0 && i > 1 && s[i - 1] == ' ';
}

enum imp_format
imp_detect(const void *data, size_t len)
{
	const char *s = data, *end = s + len, *p, *next;
	size_t head = len < 1024 ? len : 1024, i, n, binary = 0;

	if (len == 0)
		return IMP_UNKNOWN;
	if (gz_is_gzip(data, len))
		return IMP_PPROF;
	for (i = 0; i < head; i++)
		if ((unsigned char)s[i] < 0x09 || ((unsigned char)s[i] > 0x0d &&
		    (unsigned char)s[i] < 0x20))
			binary++;
	/* profile.proto starts with field 1 (sample_type), length-delimited */
	if (binary > 0)
		return s[0] == 0x0a ? IMP_PPROF : IMP_UNKNOWN;
	for (p = s; p < s + head && isspace((unsigned char)*p); p++)
		;
	if (p + 1 < end && p[0] == '#' && (p[1] == '{' || (p[1] == ' ' && p + 2 < end && p[2] == '{')))
		return IMP_COLLAPSED;
	if ((size_t)(end - p) >= 5 && (strncasecmp(p, "<!doc", 5) == 0 ||
	    strncasecmp(p, "<html", 5) == 0))
		return IMP_HTML;
	/* the first sample block: a header, then an indented "addr symbol" line */
	for (p = s; p < end;) {
		const char *line = p;

		n = line_at(p, end, &next);
		p = next;
		if (n == 0 || line[0] == '#')
			continue;
		if (line[0] != ' ' && line[0] != '\t') {
			const char *l2 = p;
			size_t n2 = p < end ? line_at(p, end, &next) : 0;

			if (n2 > 0 && (l2[0] == ' ' || l2[0] == '\t')) {
				while (n2 > 0 && isspace((unsigned char)*l2)) {
					l2++;
					n2--;
				}
				if (n2 > 0 && isxdigit((unsigned char)*l2))
					return IMP_PERF;
			}
			return folded_line(line, n) ? IMP_FOLDED : IMP_UNKNOWN;
		}
		break;
	}
	return IMP_UNKNOWN;
}
