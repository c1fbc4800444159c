/*
 * imp_html.c - the stacks inside a flamegraph page as the agents make it.
 *
 * The page passes the whole tree to d3-flame-graph as `.datum({...})`;
 * that object ({"name","value","children"}, values inclusive) is parsed
 * with jansson and walked without recursion.  Each node whose value is
 * more than its children's sum contributes a stack of that difference.
 * The top node ("root") is not a frame.
 */
#include "compat.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "import.h"
#include "jsonx.h"
#include "mem.h"

struct walk {
	json_t *node;
	size_t next;		/* next child to visit */
};

/* The node's value as a count (0 when absent, negative or not a number). */
static uint64_t
node_value(json_t *node)
{
	json_t *v = json_object_get(node, "value");

	if (json_is_integer(v) && json_integer_value(v) > 0)
		return (uint64_t)json_integer_value(v);
	if (json_is_real(v) && json_real_value(v) >= 1)
		return (uint64_t)json_real_value(v);
	return 0;
}

int
imp_html(const char *text, size_t len, const struct imp_limits *lim,
	struct arena *a, imp_stack_fn fn, void *ctx, struct imp_result *res,
	char *err, size_t errlen)
{
	static const char mark[] = ".datum(";
	const char *p, *end = text + len;
	json_t *root = NULL;
	struct walk *stack = NULL;
	const char **frames = NULL;
	size_t depth = 0, cap = 0;
	int rc = E_OK;

	(void)a;
	memset(res, 0, sizeof(*res));
	if (lim->max_input && len > lim->max_input) {
		snprintf(err, errlen, "html: over the size limit");
		return E_TOOBIG;
	}
	p = memmem(text, len, mark, sizeof(mark) - 1);
	if (!p) {
		snprintf(err, errlen, "html: no flamegraph data in the page (no .datum(...))");
		return E_INVAL;
	}
	p += sizeof(mark) - 1;
	while (p < end && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t'))
		p++;
	rc = jsonx_parse_prefix(p, (size_t)(end - p),
		(int)(lim->max_frames ? 2 * lim->max_frames + 4 : JSONX_MAX_DEPTH_PREFIX),
		&root, NULL, err, errlen);
	if (rc != E_OK) {
		char why[128];

		snprintf(why, sizeof(why), "%s", err);
		snprintf(err, errlen, "html: flamegraph data: %s", why);
		goto out;
	}
	if (!json_is_object(root)) {
		snprintf(err, errlen, "html: flamegraph data is not an object");
		rc = E_INVAL;
		goto out;
	}
	cap = 64;
	stack = xmalloc(cap * sizeof(*stack));
	frames = xmalloc(cap * sizeof(*frames));
	stack[0].node = root;
	stack[0].next = 0;
	depth = 1;
	while (depth > 0) {
		struct walk *w = &stack[depth - 1];
		json_t *kids = json_object_get(w->node, "children");
		size_t nkids = json_is_array(kids) ? json_array_size(kids) : 0;

		if (w->next == 0) {
			/* first visit: the node's own samples */
			uint64_t v = node_value(w->node), sum = 0;
			size_t i;

			for (i = 0; i < nkids; i++)
				sum += node_value(json_array_get(kids, i));
			if (v > sum && depth > 1) {
				if (lim->max_stacks && res->stacks >= lim->max_stacks) {
					snprintf(err, errlen, "html: more stacks than the limit");
					rc = E_TOOBIG;
					goto out;
				}
				rc = fn(ctx, frames + 1, depth - 1, v - sum);
				if (rc != E_OK)
					goto out;
				res->stacks++;
				res->samples += v - sum;
			}
		}
		if (w->next >= nkids) {
			depth--;
			continue;
		}
		{
			json_t *child = json_array_get(kids, w->next++);
			const char *name = json_string_value(json_object_get(child, "name"));

			if (!json_is_object(child) || !name) {
				snprintf(err, errlen, "html: a node without a name");
				rc = E_INVAL;
				goto out;
			}
			if (lim->max_name && strlen(name) > lim->max_name) {
				snprintf(err, errlen, "html: a frame name is over the limit");
				rc = E_TOOBIG;
				goto out;
			}
			if (lim->max_frames && depth > lim->max_frames) {
				snprintf(err, errlen, "html: a stack is deeper than the frame limit");
				rc = E_TOOBIG;
				goto out;
			}
			if (depth == cap) {
				cap *= 2;
				stack = xrealloc(stack, cap * sizeof(*stack));
				frames = xrealloc(frames, cap * sizeof(*frames));
			}
			frames[depth] = name;
			stack[depth].node = child;
			stack[depth].next = 0;
			depth++;
		}
	}
	if (res->stacks == 0) {
		snprintf(err, errlen, "html: the flamegraph holds no samples");
		rc = E_INVAL;
		goto out;
	}
	snprintf(res->detail, sizeof(res->detail), "flamegraph page");
out:
	free(stack);
	free(frames);
	json_decref(root);
	return rc;
}
