/*
 * proto.c - msgpack encoding and decoding of supervisor messages.
 *
 * Design: one flat struct msg and one table of body keys.  Each key has a
 * kind (signed int, unsigned int with a range, string) and the offset of
 * its struct field; each message type has a mask of required and of
 * optional keys.  Encoding walks the masks; decoding walks the map and
 * looks every key up in the table.  Adding a key is one table line.
 *
 * Decoding is two passes.  First a bounds scan walks the raw bytes and
 * checks that every array, map, string and binary fits in what is left
 * of the frame, so msgpack_unpack_next() (which allocates room for a
 * container when it sees its header) never sizes an allocation from a
 * count a hostile or corrupt frame made up.  Then msgpack-c unpacks the
 * frame and the result is checked against the schema.
 */
#include "compat.h"

#include <limits.h>
#include <string.h>

#include <msgpack.h>

#include "proto.h"

enum pf_kind {
	PF_INT,		/* any int64 */
	PF_UINT,	/* 0..max */
	PF_STR		/* string, copied to the arena */
};

struct pfield {
	const char *key;
	enum pf_kind kind;
	size_t off;
	int64_t max;	/* PF_UINT: largest value accepted */
};

enum {
	F_PID, F_MID, F_RCPT, F_BODY, F_RC, F_SENT, F_DEADLINE, F_ERR,
	F_VERDICT, F_WHY, F_MS, F_KIND, F_STACKS, F_BAD, F_SAMPLES, F_HTML,
	F_OP, F_DELAY, F_N, F_VISIBLE, F_INFLIGHT, F_DEAD, F_AGE, F__COUNT
};

#define FLD(name, kind, member, max) \
	{ name, kind, offsetof(struct msg, member), max }

static const struct pfield fields[F__COUNT] = {
	[F_PID] = FLD("pid", PF_UINT, pid, INT32_MAX),
	[F_MID] = FLD("mid", PF_STR, mid, 0),
	[F_RCPT] = FLD("rcpt", PF_STR, rcpt, 0),
	[F_BODY] = FLD("body", PF_STR, body, 0),
	[F_RC] = FLD("rc", PF_UINT, rc, UINT32_MAX),
	[F_SENT] = FLD("sent", PF_INT, sent, 0),
	[F_DEADLINE] = FLD("dl", PF_INT, deadline, 0),
	[F_ERR] = FLD("err", PF_UINT, err, E__COUNT - 1),
	[F_VERDICT] = FLD("verdict", PF_UINT, verdict, PROTO_V_POISON),
	[F_WHY] = FLD("why", PF_STR, why, 0),
	[F_MS] = FLD("ms", PF_INT, ms, 0),
	[F_KIND] = FLD("kind", PF_UINT, kind, PROTO_K_CONTINUOUS),
	[F_STACKS] = FLD("stacks", PF_INT, stacks, 0),
	[F_BAD] = FLD("bad", PF_INT, bad, 0),
	[F_SAMPLES] = FLD("samples", PF_INT, samples, 0),
	[F_HTML] = FLD("html", PF_INT, html, 0),
	[F_OP] = FLD("op", PF_UINT, op, PROTO_OP_DEAD),
	[F_DELAY] = FLD("delay", PF_UINT, delay, INT32_MAX),
	[F_N] = FLD("n", PF_UINT, n, INT32_MAX),
	[F_VISIBLE] = FLD("visible", PF_INT, visible, 0),
	[F_INFLIGHT] = FLD("inflight", PF_INT, inflight, 0),
	[F_DEAD] = FLD("dead", PF_INT, dead, 0),
	[F_AGE] = FLD("age", PF_INT, age, 0),
};

#define B(f) (UINT32_C(1) << (f))

/* Required and optional keys of each type. */
static const struct {
	const char *name;
	uint32_t req;
	uint32_t opt;
} schema[PROTO__COUNT] = {
	[PROTO_READY] = { "READY", B(F_PID), 0 },
	[PROTO_JOB] = { "JOB", B(F_MID) | B(F_RCPT) | B(F_BODY) | B(F_RC) |
		B(F_DEADLINE), B(F_SENT) },
	[PROTO_DONE] = { "DONE", B(F_ERR) | B(F_VERDICT) | B(F_MS),
		B(F_WHY) | B(F_KIND) | B(F_STACKS) | B(F_BAD) |
		B(F_SAMPLES) | B(F_HTML) },
	[PROTO_STOP] = { "STOP", 0, 0 },
	[PROTO_FETCH] = { "FETCH", B(F_N), 0 },
	[PROTO_MSG] = { "MSG", B(F_MID) | B(F_RCPT) | B(F_BODY) | B(F_RC),
		B(F_SENT) },
	[PROTO_FETCHED] = { "FETCHED", B(F_N), B(F_ERR) | B(F_WHY) },
	[PROTO_ACK] = { "ACK", B(F_OP) | B(F_MID) | B(F_RCPT),
		B(F_BODY) | B(F_RC) | B(F_SENT) | B(F_DELAY) | B(F_WHY) },
	[PROTO_STATS] = { "STATS", B(F_VISIBLE) | B(F_INFLIGHT) | B(F_DEAD) |
		B(F_AGE), B(F_ERR) },
};

/* The name of a message type for logs. */
const char *
proto_type_name(int type)
{
	if (type <= 0 || type >= PROTO__COUNT)
		return "?";
	return schema[type].name;
}

/* msgpack write callback: append to the capped struct buf in data. */
static int
pack_write(void *data, const char *p, size_t n)
{
	return buf_add(data, p, n) == E_OK ? 0 : -1;
}

/* The int64 field of m at a table offset. */
static int64_t *
field_int(struct msg *m, const struct pfield *f)
{
	return (int64_t *)(void *)((char *)m + f->off);
}

/* The string field of m at a table offset. */
static const char **
field_str(struct msg *m, const struct pfield *f)
{
	return (const char **)(void *)((char *)m + f->off);
}

/* Encode m into out (see proto.h). */
int
proto_encode(struct buf *out, const struct msg *m)
{
	struct buf tmp = BUF_INIT(PROTO_MAX);
	msgpack_packer pk;
	struct msg *mm = (struct msg *)m;
	uint32_t want = 0;
	size_t i, nkeys = 0;
	int err = E_OK, rc = 0;

	if (m->type <= 0 || m->type >= PROTO__COUNT)
		return E_INVAL;
	/* Decide the key set first: a map header carries the count. */
	for (i = 0; i < F__COUNT; i++) {
		const struct pfield *f = &fields[i];
		bool req = schema[m->type].req & B(i);
		bool opt = schema[m->type].opt & B(i);

		if (!req && !opt)
			continue;
		if (f->kind == PF_STR) {
			if (*field_str(mm, f) == NULL) {
				if (req)
					return E_INVAL;
				continue;
			}
		} else if (opt && *field_int(mm, f) == 0) {
			continue;
		}
		want |= B(i);
		nkeys++;
	}
	msgpack_packer_init(&pk, &tmp, pack_write);
	rc |= msgpack_pack_array(&pk, 3);
	rc |= msgpack_pack_uint32(&pk, (uint32_t)m->type);
	rc |= msgpack_pack_uint64(&pk, m->id);
	rc |= msgpack_pack_map(&pk, nkeys);
	for (i = 0; i < F__COUNT && rc == 0; i++) {
		const struct pfield *f = &fields[i];
		size_t klen = strlen(f->key);

		if (!(want & B(i)))
			continue;
		rc |= msgpack_pack_str(&pk, klen);
		rc |= msgpack_pack_str_body(&pk, f->key, klen);
		if (f->kind == PF_STR) {
			const char *s = *field_str(mm, f);
			size_t slen = i == F_BODY ? m->body_len : strlen(s);

			rc |= msgpack_pack_str(&pk, slen);
			rc |= msgpack_pack_str_body(&pk, s, slen);
		} else {
			rc |= msgpack_pack_int64(&pk, *field_int(mm, f));
		}
	}
	if (rc != 0) {
		err = E_TOOBIG;
		goto out;
	}
	err = buf_add(out, tmp.data, tmp.len);
out:
	buf_release(&tmp);
	return err;
}

/* Read a big-endian unsigned integer of n bytes at p. */
static uint64_t
be_read(const unsigned char *p, size_t n)
{
	uint64_t v = 0;
	size_t i;

	for (i = 0; i < n; i++)
		v = (v << 8) | p[i];
	return v;
}

/*
 * Walk one msgpack value (and everything nested in it) in p[0..len) and
 * check that it fills the frame exactly and that no declared size passes
 * the bytes left.  Iterative: `pending` counts values still to read.
 */
static int
proto_scan(const unsigned char *p, size_t len)
{
	size_t pos = 0;
	uint64_t pending = 1;

	while (pending > 0) {
		unsigned b;
		size_t hdr = 0;		/* bytes of length field */
		uint64_t skip = 0;	/* payload bytes after the header */
		uint64_t kids = 0;	/* nested values */

		if (pos >= len)
			return E_PROTO;
		b = p[pos++];
		pending--;
		if (b <= 0x7f || b >= 0xe0 || b == 0xc0 || b == 0xc2 ||
		    b == 0xc3) {
			;
		} else if (b >= 0x80 && b <= 0x8f) {
			kids = 2 * (uint64_t)(b & 0x0f);
		} else if (b >= 0x90 && b <= 0x9f) {
			kids = b & 0x0f;
		} else if (b >= 0xa0 && b <= 0xbf) {
			skip = b & 0x1f;
		} else {
			switch (b) {
			case 0xc4: case 0xd9: hdr = 1; break;	/* bin8/str8 */
			case 0xc5: case 0xda: hdr = 2; break;	/* 16 */
			case 0xc6: case 0xdb: hdr = 4; break;	/* 32 */
			case 0xc7: hdr = 1; skip = 1; break;	/* ext8 */
			case 0xc8: hdr = 2; skip = 1; break;	/* ext16 */
			case 0xc9: hdr = 4; skip = 1; break;	/* ext32 */
			case 0xca: skip = 4; break;
			case 0xcb: skip = 8; break;
			case 0xcc: case 0xd0: skip = 1; break;
			case 0xcd: case 0xd1: skip = 2; break;
			case 0xce: case 0xd2: skip = 4; break;
			case 0xcf: case 0xd3: skip = 8; break;
			case 0xd4: skip = 2; break;
			case 0xd5: skip = 3; break;
			case 0xd6: skip = 5; break;
			case 0xd7: skip = 9; break;
			case 0xd8: skip = 17; break;
			case 0xdc: case 0xde: hdr = 2; break;
			case 0xdd: case 0xdf: hdr = 4; break;
			default:
				return E_PROTO;	/* 0xc1: never used */
			}
			if (hdr > len - pos)
				return E_PROTO;
			if (b == 0xdc || b == 0xdd)
				kids = be_read(p + pos, hdr);
			else if (b == 0xde || b == 0xdf)
				kids = 2 * be_read(p + pos, hdr);
			else
				skip += be_read(p + pos, hdr);
			pos += hdr;
		}
		if (skip > len - pos)
			return E_PROTO;
		pos += skip;
		pending += kids;
		/* Every pending value needs at least one byte. */
		if (pending > len - pos)
			return E_PROTO;
	}
	return pos == len ? E_OK : E_PROTO;
}

/* Find a body key in the table; -1 if unknown. */
static int
field_find(const char *key, size_t len)
{
	int i;

	for (i = 0; i < F__COUNT; i++)
		if (strlen(fields[i].key) == len &&
		    memcmp(fields[i].key, key, len) == 0)
			return i;
	return -1;
}

/* Read a msgpack integer object into *v; false when it is not one. */
static bool
obj_int(const msgpack_object *o, int64_t *v)
{
	if (o->type == MSGPACK_OBJECT_POSITIVE_INTEGER) {
		if (o->via.u64 > (uint64_t)INT64_MAX)
			return false;
		*v = (int64_t)o->via.u64;
		return true;
	}
	if (o->type == MSGPACK_OBJECT_NEGATIVE_INTEGER) {
		*v = o->via.i64;
		return true;
	}
	return false;
}

/* Store one body value into m after checking it against the table. */
static int
decode_field(struct msg *m, int fi, const msgpack_object *v, struct arena *a)
{
	const struct pfield *f = &fields[fi];
	int64_t x;

	if (f->kind == PF_STR) {
		if (v->type != MSGPACK_OBJECT_STR)
			return E_PROTO;
		*field_str(m, f) = arena_memdupz(a, v->via.str.ptr,
			v->via.str.size);
		if (fi == F_BODY)
			m->body_len = v->via.str.size;
		return E_OK;
	}
	if (!obj_int(v, &x))
		return E_PROTO;
	if (f->kind == PF_UINT && (x < 0 || x > f->max))
		return E_PROTO;
	*field_int(m, f) = x;
	return E_OK;
}

/* Decode one frame into m (see proto.h). */
int
proto_decode(const void *data, size_t len, struct arena *a, struct msg *m)
{
	msgpack_unpacked up;
	msgpack_unpack_return ur;
	const msgpack_object *root, *body;
	size_t off = 0, i;
	uint32_t seen = 0;
	int64_t type;
	int err = E_PROTO;

	memset(m, 0, sizeof(*m));
	if (len == 0 || len > PROTO_MAX)
		return E_PROTO;
	if (proto_scan(data, len) != E_OK)
		return E_PROTO;
	msgpack_unpacked_init(&up);
	ur = msgpack_unpack_next(&up, data, len, &off);
	if (ur != MSGPACK_UNPACK_SUCCESS || off != len)
		goto out;
	root = &up.data;
	if (root->type != MSGPACK_OBJECT_ARRAY || root->via.array.size != 3)
		goto out;
	if (!obj_int(&root->via.array.ptr[0], &type) || type <= 0 ||
	    type >= PROTO__COUNT)
		goto out;
	if (root->via.array.ptr[1].type != MSGPACK_OBJECT_POSITIVE_INTEGER)
		goto out;
	m->type = (enum proto_type)type;
	m->id = root->via.array.ptr[1].via.u64;
	body = &root->via.array.ptr[2];
	if (body->type != MSGPACK_OBJECT_MAP)
		goto out;
	for (i = 0; i < body->via.map.size; i++) {
		const msgpack_object_kv *kv = &body->via.map.ptr[i];
		int fi;

		if (kv->key.type != MSGPACK_OBJECT_STR)
			goto out;
		fi = field_find(kv->key.via.str.ptr, kv->key.via.str.size);
		if (fi < 0)
			continue;	/* unknown key: ignored */
		if (!((schema[type].req | schema[type].opt) & B(fi)))
			continue;	/* known, but not for this type */
		if (seen & B(fi))
			goto out;	/* duplicate key */
		seen |= B(fi);
		if (decode_field(m, fi, &kv->val, a) != E_OK)
			goto out;
	}
	if ((seen & schema[type].req) != schema[type].req)
		goto out;
	err = E_OK;
out:
	msgpack_unpacked_destroy(&up);
	if (err)
		memset(m, 0, sizeof(*m));
	return err;
}
