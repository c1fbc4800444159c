/*
 * fuzz_gz.c - capped gunzip must never crash or pass its cap; what
 * deflates must inflate back to the same bytes.
 */
#include "compat.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "fuzz.h"
#include "gz.h"

#define FUZZ_GZ_CAP (1u << 20)

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct buf out = BUF_INIT(0);
	struct buf z = BUF_INIT(0);
	struct buf back = BUF_INIT(0);

	if (gz_inflate(data, size, FUZZ_GZ_CAP, &out) == E_OK &&
	    out.len > FUZZ_GZ_CAP)
		abort();
	if (size <= 4096) {
		if (gz_deflate(data, size, 6, &z) != E_OK)
			abort();
		if (gz_inflate(z.data, z.len, size, &back) != E_OK)
			abort();
		if (back.len != size || memcmp(back.data, data, size) != 0)
			abort();
	}
	buf_release(&out);
	buf_release(&z);
	buf_release(&back);
	return 0;
}
