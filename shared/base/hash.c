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
