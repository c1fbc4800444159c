/*
 * b64.c - base64 (RFC 4648 section 4) encode and strict decode.
 *
 * The decoder is deliberately unforgiving: agent payloads that are
 * "almost" base64 are treated as not base64 at all by the caller, so
 * accepting whitespace or missing padding here would change which bytes
 * end up in the store.  Bytes are decoded into the room reserved past
 * the buf's end and only committed (len moved) once the whole input has
 * been checked, so a failure leaves the caller's buf as it was.
 */
#include "compat.h"

#include <string.h>

#include "b64.h"

static const char b64_alphabet[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* The 6-bit value of c, or -1 when c is not in the alphabet. */
static int
b64_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/* Decode strictly; see b64.h for what is rejected. */
int
b64_decode_strict(const char *in, size_t len, struct buf *out)
{
	const unsigned char *p = (const unsigned char *)in;
	size_t i;
	size_t start;
	size_t pad = 0;
	size_t outlen;
	unsigned char *dst;
	int v[4];
	int k;
	int err = E_OK;

	if (len == 0)
		return E_OK;
	if (len % 4 != 0)
		return E_INVAL;
	if (p[len - 1] == '=')
		pad = p[len - 2] == '=' ? 2 : 1;
	outlen = len / 4 * 3 - pad;
	start = out->len;
	err = buf_grow(out, outlen);
	if (err)
		return err;
	dst = (unsigned char *)out->data + start;
	for (i = 0; i < len; i += 4) {
		bool last = i + 4 == len;

		for (k = 0; k < 4; k++) {
			if (last && p[i + k] == '=' && k >= 4 - (int)pad) {
				v[k] = 0;
				continue;
			}
			v[k] = b64_value(p[i + k]);
			if (v[k] < 0)
				goto invalid;
		}
		*dst++ = (unsigned char)(v[0] << 2 | v[1] >> 4);
		if (last && pad == 2) {
			if (v[1] & 0x0f)
				goto invalid;
			break;
		}
		*dst++ = (unsigned char)((v[1] & 0x0f) << 4 | v[2] >> 2);
		if (last && pad == 1) {
			if (v[2] & 0x03)
				goto invalid;
			break;
		}
		*dst++ = (unsigned char)((v[2] & 0x03) << 6 | v[3]);
	}
	out->len = start + outlen;
	goto out;
invalid:
	err = E_INVAL;
out:
	out->data[out->len] = '\0';
	return err;
}

/* Encode with padding. */
int
b64_encode(const void *in, size_t len, struct buf *out)
{
	const unsigned char *p = in;
	size_t outlen;
	size_t i;
	char *dst;
	uint32_t n;
	int err;

	if (len > (SIZE_MAX - 3) / 4 * 3)
		return E_TOOBIG;
	outlen = (len + 2) / 3 * 4;
	err = buf_grow(out, outlen);
	if (err)
		return err;
	dst = out->data + out->len;
	for (i = 0; i + 3 <= len; i += 3) {
		n = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];
		*dst++ = b64_alphabet[n >> 18 & 63];
		*dst++ = b64_alphabet[n >> 12 & 63];
		*dst++ = b64_alphabet[n >> 6 & 63];
		*dst++ = b64_alphabet[n & 63];
	}
	if (len - i == 1) {
		n = (uint32_t)p[i] << 16;
		*dst++ = b64_alphabet[n >> 18 & 63];
		*dst++ = b64_alphabet[n >> 12 & 63];
		*dst++ = '=';
		*dst++ = '=';
	} else if (len - i == 2) {
		n = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8;
		*dst++ = b64_alphabet[n >> 18 & 63];
		*dst++ = b64_alphabet[n >> 12 & 63];
		*dst++ = b64_alphabet[n >> 6 & 63];
		*dst++ = '=';
	}
	out->len += outlen;
	out->data[out->len] = '\0';
	return E_OK;
}
