/*
 * fuzz_cfg.c - the config parser must never crash, leak or accept a
 * value it then cannot hold.
 */
#include "compat.h"

#include <stdlib.h>

#include "cfg.h"
#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cfg cfg;
	char err[512];

	if (cfg_load_string(&cfg, (const char *)data, size, err, sizeof(err)) == E_OK) {
		if (cfg.workers.count == 0 || cfg.fcgi.max_body == 0)
			abort();
		cfg_release(&cfg);
	}
	return 0;
}
