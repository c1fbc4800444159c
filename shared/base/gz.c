/*
 * gz.c - gzip/zlib over zlib with an output cap enforced while inflating.
 *
 * gz_inflate() decompresses straight into the caller's buf, a chunk at a
 * time, and never offers zlib more room than "cap + 1" bytes in total:
 * the moment one byte past the cap comes out, it stops with E_TOOBIG.
 * The buf is grown here rather than by buf_grow() so that its doubling
 * cannot overshoot the cap: a bomb costs at most max_out + 2 bytes of
 * output memory (plus zlib's own ~40 KiB state).
 */
#include "compat.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "gz.h"
#include "mem.h"

#define GZ_CHUNK (64 * 1024)
/* Largest input gz_deflate() takes in one call (zlib counts in uInt). */
#define GZ_DEFLATE_MAX ((size_t)1 << 30)

/* True when p starts with the gzip magic. */
bool
gz_is_gzip(const void *p, size_t len)
{
	const unsigned char *b = p;

	return len >= 2 && b[0] == 0x1f && b[1] == 0x8b;
}

/* True when p starts with a valid zlib (RFC 1950) header. */
static bool
gz_is_zlib(const unsigned char *b, size_t len)
{
	return len >= 2 && (b[0] & 0x0f) == 8 && (b[0] >> 4) <= 7 &&
		((unsigned)b[0] << 8 | b[1]) % 31 == 0;
}

/*
 * Make room for n more bytes plus the NUL in out, growing geometrically
 * but never past ceiling bytes of allocation.
 */
static void
gz_reserve(struct buf *out, size_t n, size_t ceiling)
{
	size_t need = out->len + n + 1;
	size_t cap;

	if (need <= out->cap)
		return;
	cap = out->cap > SIZE_MAX / 2 ? SIZE_MAX : out->cap * 2;
	if (cap < need)
		cap = need;
	if (cap < 256)
		cap = 256;
	if (cap > ceiling)
		cap = ceiling > need ? ceiling : need;
	if (out->cap) {
		out->data = xrealloc(out->data, cap);
	} else {
		out->data = xmalloc(cap);
		out->data[0] = '\0';
	}
	out->cap = cap;
}

/* Inflate gzip (multi-member) or zlib data under a cap. */
int
gz_inflate(const void *in, size_t len, size_t max_out, struct buf *out)
{
	const unsigned char *src = in;
	z_stream z;
	bool gzip;
	size_t start = out->len;
	size_t limit = max_out;
	size_t produced = 0;
	size_t room;
	size_t want;
	size_t got;
	size_t ceiling;
	int rc;
	int err = E_OK;

	if (len == 0 || len > UINT_MAX)
		return len == 0 ? E_INVAL : E_TOOBIG;
	gzip = gz_is_gzip(src, len);
	if (!gzip && !gz_is_zlib(src, len))
		return E_INVAL;
	if (out->max) {
		if (out->len > out->max)
			return E_TOOBIG;
		if (out->max - out->len < limit)
			limit = out->max - out->len;
	}
	ceiling = SIZE_MAX - start - 2 < limit ? SIZE_MAX : start + limit + 2;
	memset(&z, 0, sizeof(z));
	if (inflateInit2(&z, gzip ? 15 + 16 : 15) != Z_OK)
		return E_INTERNAL;
	z.next_in = (unsigned char *)(uintptr_t)src;
	z.avail_in = (uInt)len;
	for (;;) {
		room = limit - produced;
		want = room >= GZ_CHUNK ? GZ_CHUNK : room + 1;
		gz_reserve(out, want, ceiling);
		z.next_out = (unsigned char *)out->data + out->len;
		z.avail_out = (uInt)want;
		rc = inflate(&z, Z_NO_FLUSH);
		got = want - z.avail_out;
		out->len += got;
		produced += got;
		if (produced > limit) {
			err = E_TOOBIG;
			goto out;
		}
		if (rc == Z_OK)
			continue;
		if (rc != Z_STREAM_END) {
			err = rc == Z_MEM_ERROR ? E_INTERNAL : E_INVAL;
			goto out;
		}
		if (z.avail_in == 0)
			break;
		/* Another gzip member may follow; anything else is garbage. */
		if (!gzip || !gz_is_gzip(z.next_in, z.avail_in)) {
			err = E_INVAL;
			goto out;
		}
		if (inflateReset(&z) != Z_OK) {
			err = E_INTERNAL;
			goto out;
		}
	}
out:
	inflateEnd(&z);
	if (err)
		out->len = start;
	if (out->cap)
		out->data[out->len] = '\0';
	return err;
}

/* Compress into a single gzip member. */
int
gz_deflate(const void *in, size_t len, int level, struct buf *out)
{
	z_stream z;
	uLong bound;
	int rc;
	int err;

	if (level < -1 || level > 9)
		return E_INVAL;
	if (len > GZ_DEFLATE_MAX)
		return E_TOOBIG;
	memset(&z, 0, sizeof(z));
	if (deflateInit2(&z, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		return E_INTERNAL;
	bound = deflateBound(&z, (uLong)len);
	err = buf_grow(out, bound);
	if (err)
		goto out;
	z.next_in = (unsigned char *)(uintptr_t)in;
	z.avail_in = (uInt)len;
	z.next_out = (unsigned char *)out->data + out->len;
	z.avail_out = (uInt)bound;
	rc = deflate(&z, Z_FINISH);
	if (rc != Z_STREAM_END) {
		err = E_INTERNAL;
		goto out;
	}
	out->len += bound - z.avail_out;
	out->data[out->len] = '\0';
out:
	deflateEnd(&z);
	return err;
}
