/*
 * h_metrics_ui_int.h - what the metrics panel (h_metrics_ui.c) and the
 * service graphs (h_metrics_graph.c) of the web UI share: a selection of
 * the sample store from a parsed UI query, the bucket limit, the answer
 * to a store failure, metric values as JSON, the host records per step.
 * Not for other handlers.
 */
#ifndef EMBER_H_METRICS_UI_INT_H
#define EMBER_H_METRICS_UI_INT_H

#include "compat.h"

#include <jansson.h>

#include "req.h"
#include "rql.h"
#include "samples.h"
#include "uiq.h"

/* Most source buckets one answer may read from the sample store. */
#define MUI_MAX_BUCKETS 100000

/* The filter types host records know: { "HostName", NULL }. */
extern const char *const mui_host_only[];

/* A selection of q's service over [from, to] usec with filter f. */
struct smp_sel mui_sel_of(const struct uiq *q, int64_t from, int64_t to,
	const struct rql *f);

/*
 * Answer 422 when q's range needs more than max source buckets of step
 * seconds; returns that answer's error (E_INVAL once sent), or E_OK.
 */
int mui_check_buckets(struct req *r, const struct uiq *q, int64_t step,
	int64_t max);

/*
 * Log the store's error (what: the query) and answer 502 "Failed getting
 * data" like the old server; returns the error of sending it.
 */
int mui_store_failed(struct req *r, struct smp *smp, const char *what);

/* A metric value as JSON: the number, or 0 when the store had none. */
json_t *mui_num(double v);

/*
 * The host-minute records of q (its first HostName $eq at most, other
 * conditions ignored): per step seconds, hosts and cores seen, into *b
 * (r's arena), *n buckets.  Errors are the sample store's.
 */
int mui_host_buckets(struct req *r, struct smp *smp, const struct uiq *q,
	int64_t step, struct smp_metrics_bucket **b, size_t *n);

#endif
