/* h_adhoc.c - not implemented yet. */
#include "compat.h"

#include "route.h"

/* Not implemented yet. */
int
h_adhoc_list(struct req *r, struct app *app)
{
	(void)app;
	return req_send_message(r, 501, "Not implemented");
}

/* Not implemented yet. */
int
h_adhoc_content(struct req *r, struct app *app)
{
	(void)app;
	return req_send_message(r, 501, "Not implemented");
}
