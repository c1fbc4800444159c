/*
 * uuidx.c - random UUIDs (libuuid) and strict textual validation.
 *
 * Validation is done by hand rather than with uuid_parse(), which accepts
 * trailing garbage in some versions and gives no way to accept the bare
 * 32-digit form that upstream uses in object names.
 */
#include "compat.h"

#include <string.h>

#include <uuid.h>

#include "uuidx.h"

/* True when c is a hex digit of either case. */
static bool
uuidx_is_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
		(c >= 'A' && c <= 'F');
}

/* A fresh random UUID, lowercase hyphenated. */
void
uuidx_new(char out[37])
{
	uuid_t u;

	uuid_generate_random(u);
	uuid_unparse_lower(u, out);
}

/* A fresh random UUID as 32 hex digits. */
void
uuidx_new_hex(char out[33])
{
	char tmp[37];
	size_t i;
	size_t o = 0;

	uuidx_new(tmp);
	for (i = 0; tmp[i]; i++)
		if (tmp[i] != '-')
			out[o++] = tmp[i];
	out[o] = '\0';
}

/* Check the 8-4-4-4-12 shape. */
bool
uuidx_valid(const char *s)
{
	size_t i;

	if (s == NULL)
		return false;
	for (i = 0; i < 36; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return false;
		} else if (!uuidx_is_hex(s[i])) {
			return false;
		}
	}
	return s[36] == '\0';
}

/* Canonicalise a hyphenated or bare UUID to lowercase hyphenated. */
int
uuidx_normalize(const char *in, char out[37])
{
	char hex[32];
	size_t i;
	size_t o = 0;
	size_t n;

	if (in == NULL)
		return E_INVAL;
	if (uuidx_valid(in)) {
		for (i = 0; i < 36; i++)
			if (in[i] != '-')
				hex[o++] = in[i];
	} else {
		for (n = 0; n < 32; n++)
			if (!uuidx_is_hex(in[n]))
				return E_INVAL;
		if (in[32] != '\0')
			return E_INVAL;
		memcpy(hex, in, 32);
	}
	o = 0;
	for (i = 0; i < 32; i++) {
		if (i == 8 || i == 12 || i == 16 || i == 20)
			out[o++] = '-';
		out[o++] = hex[i] >= 'A' && hex[i] <= 'F' ? (char)(hex[i] - 'A' + 'a') : hex[i];
	}
	out[o] = '\0';
	return E_OK;
}
