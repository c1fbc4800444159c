/*
 * fuzz_proto.c - the msgpack frame decoder must never crash on corrupt
 * frames, and every frame it accepts must encode and decode again to
 * the same bytes.
 */
#include "compat.h"

#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "buf.h"
#include "fuzz.h"
#include "proto.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct arena a;
	struct msg m;
	struct msg m2;
	struct buf enc = BUF_INIT(0);
	struct buf enc2 = BUF_INIT(0);

	arena_init(&a, 0);
	if (proto_decode(data, size, &a, &m) != E_OK)
		goto out;
	if (proto_encode(&enc, &m) != E_OK)
		abort();
	if (proto_decode(enc.data, enc.len, &a, &m2) != E_OK)
		abort();
	if (proto_encode(&enc2, &m2) != E_OK)
		abort();
	if (enc.len != enc2.len || memcmp(enc.data, enc2.data, enc.len) != 0)
		abort();
out:
	buf_release(&enc);
	buf_release(&enc2);
	arena_release(&a);
	return 0;
}
