/*
 * fuzz_profile.c - the profile parser (the "# {json}" header line and
 * the collapsed stack lines) must never crash on hostile files, must
 * respect its header cap, and must count every line it is given.
 */
#include "compat.h"

#include <stdlib.h>

#include "buf.h"
#include "fuzz.h"
#include "profile.h"

#define FUZZ_MAX_HEADER 4096

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct prof p;
	struct buf html = BUF_INIT(1 << 20);
	const char **events = NULL;
	size_t nevents = 0, i;
	char err[256];

	if (prof_parse((const char *)data, size, FUZZ_MAX_HEADER, &p,
	    err, sizeof(err)) != E_OK)
		return 0;
	if (p.header_len > FUZZ_MAX_HEADER)
		abort();
	(void)prof_kind(&p);
	if (p.html && prof_html(&p, &html) == E_OK && html.len > p.html_len)
		abort();	/* decoding never grows the text */
	if (prof_perf_events(&p, &events, &nevents) == E_OK) {
		if (nevents == 0)
			abort();	/* a success always yields an element */
		for (i = 0; i < nevents; i++)
			if (!events[i][0])
				abort();	/* empties are dropped */
	}
	free(events);
	prof_release(&p);
	buf_release(&html);
	return 0;
}
