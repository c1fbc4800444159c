/*
 * upload.h - the pure parts of a profile upload: the raw object's name and
 * the profile's "# {json}" header line.
 */
#ifndef EMBER_FCGI_UPLOAD_H
#define EMBER_FCGI_UPLOAD_H

#include "compat.h"

#include <jansson.h>

#include "buf.h"

/*
 * Append "{start, ISO seconds, no zone}_{uuidhex}_{md5hex(hostname)}.gz"
 * to out: the name upstream gives the raw object and the indexer parses
 * (prof_start_time() reads the time back).  E_INVAL when uuidhex is not 32 hex digits or the time is
 * out of range.
 */
MUST_CHECK int upload_file_name(int64_t start_usec, const char *uuidhex,
	const char *hostname, struct buf *out);

enum upload_header {
	UPLOAD_HDR_OK = 0,	/* *meta set */
	UPLOAD_HDR_BAD,		/* no '#' line or not JSON: "Failed to parse v2 metadata" */
	UPLOAD_HDR_NO_META,	/* JSON without an object "metadata" */
};

/*
 * Parse the first line of profile (len bytes): it must start with '#',
 * the rest (up to the first newline) must be a JSON object with an object
 * "metadata".  *header receives a new reference to the whole header
 * object (the caller json_decref()s it) when the result is UPLOAD_HDR_OK.
 */
enum upload_header upload_parse_header(const char *profile, size_t len,
	json_t **header);

/*
 * The profile's host name: metadata.hostname, else the body's "hostname",
 * else "" (never NULL; borrowed from the JSON values).
 */
const char *upload_hostname(json_t *header, json_t *body);

#endif
