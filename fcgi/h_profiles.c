/* h_profiles.c - not implemented yet. */
#include "compat.h"

#include "route.h"

/* Not implemented yet. */
int
h_profiles_v2(struct req *r, struct app *app)
{
	(void)app;
	return req_send_message(r, 501, "Not implemented");
}

/* Not implemented yet. */
int
h_logs(struct req *r, struct app *app)
{
	(void)app;
	return req_send_message(r, 501, "Not implemented");
}
