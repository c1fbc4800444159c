/*
 * fuzz_b64.c - strict base64 decoding must never crash, and what it
 * accepts must encode back to exactly the input.
 */
#include "compat.h"

#include <stdlib.h>
#include <string.h>

#include "b64.h"
#include "buf.h"
#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct buf dec = BUF_INIT(0);
	struct buf enc = BUF_INIT(0);

	if (b64_decode_strict((const char *)data, size, &dec) == E_OK) {
		if (b64_encode(dec.data, dec.len, &enc) != E_OK)
			abort();
		/* strict means canonical: the round trip gives the input back */
		if (enc.len != size || memcmp(enc.data, data, size) != 0)
			abort();
	}
	buf_release(&dec);
	buf_release(&enc);
	return 0;
}
