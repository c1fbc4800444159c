/*
 * hash.c - MD5/SHA-256 hex digests, constant-time string comparison and
 * random tokens, all over OpenSSL's libcrypto.
 *
 * MD5 is used only where the upstream wire format demands it (the
 * md5(hostname) in object names), never for security.
 */
#include "compat.h"

#include <string.h>

#include <openssl/evp.h>
#include <openssl/rand.h>

#include "hash.h"

/* Write n bytes as lowercase hex into out (2n+1 bytes). */
static void
hash_hex(const unsigned char *md, size_t n, char *out)
{
	static const char hex[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = hex[md[i] >> 4];
		out[2 * i + 1] = hex[md[i] & 15];
	}
	out[2 * n] = '\0';
}

/*
 * Digest p with md into out as hex.  Note that a failure of libcrypto
 * here means a broken installation, hence the assertion.
 */
static void
hash_digest_hex(const EVP_MD *md, const void *p, size_t n, char *out)
{
	unsigned char dig[EVP_MAX_MD_SIZE];
	unsigned int dlen = 0;

	ASSERT(EVP_Digest(p, n, dig, &dlen, md, NULL) == 1);
	hash_hex(dig, dlen, out);
}

/* MD5 as hex. */
void
hash_md5_hex(const void *p, size_t n, char out[33])
{
	hash_digest_hex(EVP_md5(), p, n, out);
}

/* SHA-256 as hex. */
void
hash_sha256_hex(const void *p, size_t n, char out[65])
{
	hash_digest_hex(EVP_sha256(), p, n, out);
}

/*
 * Compare without an early exit: every byte of the longer string is
 * visited whatever the contents, so timing reveals only the lengths.
 */
bool
hash_equal_ct(const char *a, const char *b)
{
	size_t la;
	size_t lb;
	size_t n;
	size_t i;
	unsigned char diff;
	unsigned char ca;
	unsigned char cb;

	if (a == NULL || b == NULL)
		return false;
	la = strlen(a);
	lb = strlen(b);
	n = la > lb ? la : lb;
	diff = la != lb;
	for (i = 0; i < n; i++) {
		ca = i < la ? (unsigned char)a[i] : 0;
		cb = i < lb ? (unsigned char)b[i] : 0;
		diff |= ca ^ cb;
	}
	return diff == 0;
}

/* A base64url token of 32 random bytes that does not start with '-'. */
int
hash_random_token(char *out, size_t outlen)
{
	static const char alpha[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	unsigned char raw[33];
	uint32_t n;
	size_t i;
	size_t o = 0;

	if (outlen < 44)
		return E_TOOBIG;
	if (RAND_bytes(raw, sizeof(raw)) != 1)
		return E_INTERNAL;
	/* 32 bytes = 10 full groups of 3 and 2 left over: 40 + 3 chars. */
	for (i = 0; i + 3 <= 32; i += 3) {
		n = (uint32_t)raw[i] << 16 | (uint32_t)raw[i + 1] << 8 | raw[i + 2];
		out[o++] = alpha[n >> 18 & 63];
		out[o++] = alpha[n >> 12 & 63];
		out[o++] = alpha[n >> 6 & 63];
		out[o++] = alpha[n & 63];
	}
	n = (uint32_t)raw[30] << 16 | (uint32_t)raw[31] << 8;
	out[o++] = alpha[n >> 18 & 63];
	out[o++] = alpha[n >> 12 & 63];
	out[o++] = alpha[n >> 6 & 63];
	out[o] = '\0';
	/*
	 * A leading '-' makes the token look like an option on a command
	 * line; replace it with a letter from the spare random byte.
	 */
	if (out[0] == '-')
		out[0] = alpha[raw[32] % 52];
	OPENSSL_cleanse(raw, sizeof(raw));
	return E_OK;
}

/*
 * XXH64.  The five primes and the round/merge/avalanche steps are those
 * of the public xxHash specification; input is read little-endian
 * whatever the host byte order.
 */
#define XXH_P1 UINT64_C(0x9E3779B185EBCA87)
#define XXH_P2 UINT64_C(0xC2B2AE3D27D4EB4F)
#define XXH_P3 UINT64_C(0x165667B19E3779F9)
#define XXH_P4 UINT64_C(0x85EBCA77C2B2AE63)
#define XXH_P5 UINT64_C(0x27D4EB2F165667C5)

/* Rotate left. */
static uint64_t
xxh_rotl(uint64_t x, int r)
{
	return (x << r) | (x >> (64 - r));
}

/* 8 bytes, little-endian. */
static uint64_t
xxh_read64(const unsigned char *p)
{
	return (uint64_t)p[0] | (uint64_t)p[1] << 8 | (uint64_t)p[2] << 16 |
		(uint64_t)p[3] << 24 | (uint64_t)p[4] << 32 |
		(uint64_t)p[5] << 40 | (uint64_t)p[6] << 48 |
		(uint64_t)p[7] << 56;
}

/* 4 bytes, little-endian. */
static uint64_t
xxh_read32(const unsigned char *p)
{
	return (uint64_t)p[0] | (uint64_t)p[1] << 8 | (uint64_t)p[2] << 16 |
		(uint64_t)p[3] << 24;
}

/* One accumulator round. */
static uint64_t
xxh_round(uint64_t acc, uint64_t in)
{
	acc += in * XXH_P2;
	acc = xxh_rotl(acc, 31);
	return acc * XXH_P1;
}

/* Fold one accumulator into the hash. */
static uint64_t
xxh_merge(uint64_t h, uint64_t v)
{
	h ^= xxh_round(0, v);
	return h * XXH_P1 + XXH_P4;
}

/* XXH64 (see hash.h). */
uint64_t
hash_xxh64(const void *data, size_t n, uint64_t seed)
{
	const unsigned char *p = data, *end = p + n;
	uint64_t h;

	if (n >= 32) {
		const unsigned char *limit = end - 32;
		uint64_t v1 = seed + XXH_P1 + XXH_P2, v2 = seed + XXH_P2;
		uint64_t v3 = seed, v4 = seed - XXH_P1;

		do {
			v1 = xxh_round(v1, xxh_read64(p));
			v2 = xxh_round(v2, xxh_read64(p + 8));
			v3 = xxh_round(v3, xxh_read64(p + 16));
			v4 = xxh_round(v4, xxh_read64(p + 24));
			p += 32;
		} while (p <= limit);
		h = xxh_rotl(v1, 1) + xxh_rotl(v2, 7) + xxh_rotl(v3, 12) +
			xxh_rotl(v4, 18);
		h = xxh_merge(h, v1);
		h = xxh_merge(h, v2);
		h = xxh_merge(h, v3);
		h = xxh_merge(h, v4);
	} else {
		h = seed + XXH_P5;
	}
	h += (uint64_t)n;
	while (p + 8 <= end) {
		h ^= xxh_round(0, xxh_read64(p));
		h = xxh_rotl(h, 27) * XXH_P1 + XXH_P4;
		p += 8;
	}
	if (p + 4 <= end) {
		h ^= xxh_read32(p) * XXH_P1;
		h = xxh_rotl(h, 23) * XXH_P2 + XXH_P3;
		p += 4;
	}
	while (p < end) {
		h ^= (uint64_t)*p * XXH_P5;
		h = xxh_rotl(h, 11) * XXH_P1;
		p++;
	}
	h ^= h >> 33;
	h *= XXH_P2;
	h ^= h >> 29;
	h *= XXH_P3;
	h ^= h >> 32;
	return h;
}
