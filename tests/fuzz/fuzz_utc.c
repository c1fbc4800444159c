/*
 * fuzz_utc.c - time parsing must never crash; what parses must format
 * and parse back to the same instant.
 */
#include "compat.h"

#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "utc.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char s[128];
	char out[64];
	int64_t t;
	int64_t back;

	if (size >= sizeof(s))
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	if (utc_parse(s, &t) != E_OK)
		return 0;
	if (utc_format(t, UTC_FMT_Z, out, sizeof(out)) != E_OK)
		return 0;	/* out of the printable range: refused, not crashed */
	if (utc_parse(out, &back) != E_OK || back != t)
		abort();
	return 0;
}
