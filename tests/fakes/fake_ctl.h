/*
 * fake_ctl.h - an in-memory data layer for the control-loop handlers'
 * unit tests (tests/unit/test_ctl.c).
 *
 * tests/fakes/fake_ctl.c defines the functions of shared/db/heartbeats.h,
 * commands.h, hosts.h and keys.h, plus db_tx() and db_errmsg() of db.h,
 * over the fields below, and app_db() hands out a NULL connection, so the
 * handlers run their logic after validation without PostgreSQL.  A test
 * sets what the "database" answers, runs a request, and reads what the
 * handler asked for.
 */
#ifndef EMBER_FAKE_CTL_H
#define EMBER_FAKE_CTL_H

#include "compat.h"

#include "commands.h"
#include "heartbeats.h"
#include "hosts.h"
#include "keys.h"

#define FAKE_CTL_MAX 16

/* One commands_put() call. */
struct fake_ctl_put {
	char host[64];
	char type[16];
	char config[512];	/* the config, dumped with sorted keys */
	bool append;
};

struct fake_ctl {
	int fail;		/* when not E_OK, every call returns it */
	int fail_mark_sent;	/* commands_mark_sent() returns it */
	/* heartbeats_put() */
	bool refused;		/* the key is refused (nothing stored) */
	bool has_cmd;
	char cmd_id[37];
	bool cmd_pending;
	const char *cmd_type;
	const char *cmd_config;	/* JSON text */
	struct heartbeat last_hb;	/* strings valid until the request ends */
	unsigned puts;
	/* commands_mark_sent() */
	unsigned sent;
	char sent_id[37];
	/* keys_check() */
	enum keys_verdict verdict;
	/* commands_state() / commands_complete() */
	struct commands_state state;
	struct commands_completion completion;
	unsigned completes;
	/* commands_active_hosts(), commands_lock(), commands_put() */
	const char *active[FAKE_CTL_MAX];
	size_t nactive;
	bool lock_found;	/* every host has this current command */
	const char *lock_type;
	const char *lock_status;
	const char *lock_config;	/* JSON text */
	struct fake_ctl_put put[FAKE_CTL_MAX];
	size_t nput;
	bool request_inserted;
	/* hosts_status() */
	struct hosts_row hosts[FAKE_CTL_MAX];
	size_t nhosts;
};

extern struct fake_ctl fake_ctl;
/* Forget everything. */
void fake_ctl_reset(void);

#endif
