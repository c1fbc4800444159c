/*
 * hash.h - digests, constant-time comparison and random tokens (OpenSSL).
 */
#ifndef EMBER_HASH_H
#define EMBER_HASH_H

#include "compat.h"

#include "err.h"

/* MD5 of p[0..n) as 32 lowercase hex digits, NUL-terminated. */
void hash_md5_hex(const void *p, size_t n, char out[33]);
/* SHA-256 of p[0..n) as 64 lowercase hex digits, NUL-terminated. */
void hash_sha256_hex(const void *p, size_t n, char out[65]);
/*
 * Compare two NUL-terminated strings in time that depends only on their
 * lengths, not on where they differ.  NULL equals nothing.
 */
bool hash_equal_ct(const char *a, const char *b);
/*
 * Write a URL-safe random token (base64url of 32 random bytes: 43
 * characters from [A-Za-z0-9_-], never starting with '-') into out.
 * E_TOOBIG if outlen < 44, E_INTERNAL if the random source fails.
 */
MUST_CHECK int hash_random_token(char *out, size_t outlen);
/*
 * XXH64 of p[0..n) with a seed (the xxHash64 algorithm, bit-exact with
 * the reference implementation and with ClickHouse's xxHash64).  Fast,
 * not cryptographic: for dictionary keys, never for secrets.
 */
uint64_t hash_xxh64(const void *p, size_t n, uint64_t seed);

#endif
