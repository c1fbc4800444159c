/*
 * fuzz_jsonx.c - the JSON reader must never crash on hostile input, and
 * whatever it accepts must dump and parse again.
 */
#include "compat.h"

#include <stdlib.h>
#include <jansson.h>

#include "buf.h"
#include "fuzz.h"
#include "jsonx.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct buf dump = BUF_INIT(0);
	json_t *root = NULL;
	json_t *again = NULL;
	char err[256];
	int64_t n;

	if (jsonx_parse((const char *)data, size, &root, err, sizeof(err)) != E_OK)
		goto out;
	/* the path helpers the handlers use, on whatever shape came in */
	(void)jsonx_str(root, "metadata.hostname");
	(void)jsonx_bool(root, "metadata.run_arguments.continuous", false);
	(void)jsonx_path(root, "filter.$and");
	if (jsonx_int(root, "service_id", &n) == E_OK)
		(void)n;
	if (jsonx_dump(root, &dump) != E_OK)
		abort();
	if (jsonx_parse(dump.data, dump.len, &again, err, sizeof(err)) != E_OK)
		abort();
out:
	json_decref(root);
	json_decref(again);
	buf_release(&dump);
	return 0;
}
