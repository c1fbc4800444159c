/*
 * h_flamegraph_int.h - what the flamegraph handlers (h_flamegraph.c: the
 * tree, its formats, the SVG download, the range with data;
 * h_flamegraph_analysis.c: functions, sandwich, diff) share: the bounds,
 * the parsed parameters, the tree filled from the sample store, and the
 * answers.  Not for other handlers.
 *
 * The functions that take a struct req answer the request themselves on
 * failure (422 in FastAPI's shape, 406 for an unknown service, 413 past a
 * bound, 502 when the store fails) and return an error; the caller then
 * returns it without answering again.
 */
#ifndef EMBER_H_FLAMEGRAPH_INT_H
#define EMBER_H_FLAMEGRAPH_INT_H

#include "compat.h"

#include "app.h"
#include "buf.h"
#include "flame.h"
#include "flrender.h"
#include "req.h"
#include "rql.h"
#include "samples.h"

/* The bounds (h_flamegraph.c's file comment says what each one does). */
#define FG_MAX_RANGE_DAYS 366
#define FG_QUERY_STACKS 200000
#define FG_BUILD_CAP 4000000
#define FG_STACKS_DEFAULT 10000
#define FG_STACKS_MAX 500000
#define FG_NODES_DEFAULT 65536
#define FG_NODES_MAX 1048576
#define FG_MAX_BODY (256u * 1024 * 1024)
#define FG_MAX_NAME 65536

/* format=; a set of allowed ones is a mask of 1u << member. */
enum fg_format { FG_JSON = 0, FG_HTML, FG_SVG, FG_COLLAPSED };

/* One side of a selection: a service's time range + filter, or a profile. */
struct fg_side {
	struct smp_sel sel;
	struct rql filter;
	int64_t start_usec, end_usec;
};

/* The parameters of a flamegraph request. */
struct fgq {
	const char *service;
	int64_t service_id;
	struct fg_side side;
	size_t stacks_count;
	size_t max_nodes;
	bool enrich;
	int format;
	const char *function;
	double t0s;		/* request start, monotonic seconds */
};

/* The monotonic clock in seconds. */
double fg_mono_s(void);

/* Seconds since the request started (q->t0s). */
double fg_since(const struct fgq *q);

/*
 * Answer a bare JSON string with status (upstream's HTTPException);
 * returns E_INVAL, or the error of sending it.
 */
int fg_answer_string(struct req *r, int status, const char *msg);

/*
 * An integer parameter under any of names[0..nnames) (the first present
 * wins): def when absent, 422 when not an integer (or 0 when max is set),
 * clamped to max.
 */
int fg_count(struct req *r, const char *const *names, size_t nnames,
	size_t def, size_t max, size_t *out);

/* format=json|html|svg|collapsed into *out, 422 unless in allowed. */
int fg_format(struct req *r, unsigned allowed, int *out);

/* The service id of serviceName into q (406 when unknown). */
int fg_service(struct req *r, struct app *app, bool required,
	struct fgq *q);

/*
 * A time range with its filter into s, for q's service; parameter names
 * prefixed ("base" gives baseStartTime, baseEndTime, baseFilter) or not
 * ("": startTime, endTime, filter).  422 past FG_MAX_RANGE_DAYS.
 */
int fg_range(struct req *r, struct fgq *q, const char *prefix,
	struct fg_side *s);

/*
 * The parameters every tree endpoint shares into q (zeroed first, its
 * clock started): service, range and filter, stacksCount, maxNodes,
 * format (within the mask formats), enrichment, functionName.
 */
int fg_params(struct req *r, struct app *app, unsigned formats,
	struct fgq *q);

/* Add one selection's stacks to t (at most FG_QUERY_STACKS). */
int fg_fetch(struct req *r, struct app *app, const struct smp_sel *sel,
	struct fl_tree *t);

/* Send b (a body of the given type, NULL for JSON) and release it. */
int fg_send_body(struct req *r, int status, const char *type, struct buf *b);

/* Release b and answer 413 (a rendering that failed on the body cap). */
int fg_too_big(struct req *r, struct buf *b);

/*
 * Render t as format (FG_HTML, FG_SVG, else folded text) with ro and send
 * it, the pages sandboxed; 413 past FG_MAX_BODY.
 */
int fg_send_rendered(struct req *r, int format, const struct fl_tree *t,
	const struct fl_render_opts *ro);

#endif
