/*
 * upload.c - naming and header parsing for POST /api/v2/profiles.
 */
#include "compat.h"

#include <string.h>

#include "hash.h"
#include "jsonx.h"
#include "upload.h"
#include "utc.h"

/* Build the raw object's file name. */
int
upload_file_name(int64_t start_usec, const char *uuidhex,
	const char *hostname, struct buf *out)
{
	char when[40], md5[33];
	size_t i;

	if (strlen(uuidhex) != 32)
		return E_INVAL;
	for (i = 0; i < 32; i++)
		if (!((uuidhex[i] >= '0' && uuidhex[i] <= '9') ||
		      (uuidhex[i] >= 'a' && uuidhex[i] <= 'f')))
			return E_INVAL;
	if (utc_format(start_usec, UTC_FMT_NAIVE, when, sizeof(when)))
		return E_INVAL;
	hash_md5_hex(hostname, strlen(hostname), md5);
	return buf_addf(out, "%s_%s_%s.gz", when, uuidhex, md5);
}

/* Parse the "# {json}" first line. */
enum upload_header
upload_parse_header(const char *profile, size_t len, json_t **header)
{
	const char *nl;
	json_t *h = NULL;
	size_t n;

	*header = NULL;
	if (len < 1 || profile[0] != '#')
		return UPLOAD_HDR_BAD;
	nl = memchr(profile, '\n', len);
	n = nl ? (size_t)(nl - profile) : len;
	if (jsonx_parse(profile + 1, n - 1, &h, NULL, 0))
		return UPLOAD_HDR_BAD;
	if (!json_is_object(h)) {
		json_decref(h);
		return UPLOAD_HDR_BAD;
	}
	if (!json_is_object(json_object_get(h, "metadata"))) {
		json_decref(h);
		return UPLOAD_HDR_NO_META;
	}
	*header = h;
	return UPLOAD_HDR_OK;
}

/* The host name of a profile. */
const char *
upload_hostname(json_t *header, json_t *body)
{
	const char *h = jsonx_str(header, "metadata.hostname");

	if (!h || !*h)
		h = jsonx_str(body, "hostname");
	return h ? h : "";
}
