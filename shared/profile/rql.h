/*
 * rql.h - the UI's filter expressions ("RQL"), parsed without trusting
 * them.
 *
 * Two spellings reach the API in the `filter` query parameter:
 *
 *   JSON:    {"id":"","filter":{"$and":[{"HostName":{"$eq":"h1"}}, ...],
 *                               "$or":[...]}}
 *   compact: hn,is,h1,o,hn,is,h2   (hn HostName, cn ContainerName,
 *            cen ContainerEnvName, it InstanceType; is = $eq, not = $neq;
 *            rules joined by "a" ($and) or "o" ($or))
 *
 * The ad hoc list only uses rql_eq_values(HostName), which mirrors
 * upstream's get_rql_all_eq_values(): every $eq value of that type in
 * every group, OR-ed together whatever the group's operator.
 */
#ifndef EMBER_RQL_H
#define EMBER_RQL_H

#include "compat.h"

#include "arena.h"

/* Longest filter text accepted (bytes). */
#define RQL_MAX_LEN 65536
/* Most conditions in one filter. */
#define RQL_MAX_CONDS 1000

enum rql_op {
	RQL_EQ = 0,	/* "$eq" / "is" */
	RQL_NEQ,	/* "$neq" / "not" */
};

struct rql_cond {
	const char *type;	/* "HostName", "ContainerName", ... */
	enum rql_op op;
	const char *value;
	bool or_group;		/* from a "$or" group (else "$and") */
};

struct rql {
	struct rql_cond *conds;	/* in the arena */
	size_t n;
};

enum rql_status {
	RQL_OK = 0,
	RQL_BAD_JSON,	/* text looked like JSON and did not parse: 422 */
	RQL_BAD_SHAPE,	/* parsed, but not a filter: 400 (upstream) */
};

/*
 * Parse filter text into out (strings in the arena).  An empty text is an
 * empty filter.  On failure out is empty and err says why.
 */
enum rql_status rql_parse(const char *text, struct arena *a, struct rql *out,
	char *err, size_t errlen);
/*
 * The $eq values of conditions of `type`, in order, in the arena; count
 * in *n.  Returns NULL (and *n = 0) when there are none, which means "no
 * filter on that type".
 */
const char **rql_eq_values(const struct rql *q, struct arena *a,
	const char *type, size_t *n);

#endif
