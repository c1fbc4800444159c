/*
 * main.c - ember-workers: options and configuration, then the supervisor
 * (supervise.h) until it is told to stop.
 *
 * The process tree, the flow of a message, signals, shutdown and reload
 * are described in supervise.c; the ACK queue in outbox.h; the periodic
 * log line and the status file in report.h and wstatus.h.
 */
#include "compat.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "report.h"
#include "supervise.h"
#include "utc.h"

/* Print usage. */
static void
usage(FILE *f)
{
	fprintf(f,
		"usage: ember-workers [-c FILE] [-t]\n"
		"  -c FILE     configuration file (default: none; environment "
		"EMBER_* overrides)\n"
		"  -t          check the configuration and exit\n"
		"  -h, --help  this text\n");
}

/* Entry point: options, configuration, signals, pools, loop. */
int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static struct sup s;
	char err[512];
	bool check = false;
	int c, code;

	memset(&s, 0, sizeof(s));
	log_set_role("supervisor");
	while ((c = getopt_long(argc, argv, "c:th", longopts, NULL)) != -1) {
		switch (c) {
		case 'c':
			s.cfg_path = optarg;
			break;
		case 't':
			check = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	if (cfg_load(&s.cfg, s.cfg_path, err, sizeof(err)) != E_OK) {
		log_error("configuration: %s", err);
		return 2;
	}
	if (check) {
		printf("configuration ok\n");
		cfg_release(&s.cfg);
		return 0;
	}
	if (sup_init(&s) != E_OK) {
		log_errno("cannot install signal handlers");
		cfg_release(&s.cfg);
		return 1;
	}
	log_info("starting %u workers (queue %s, store %s)",
		s.cfg.workers.count,
		s.cfg.queue.backend == CFG_QUEUE_SQS ? "sqs" : "pg",
		s.cfg.store.backend == CFG_STORE_S3 ? "s3" : "fs");
	report_status_file(&s, s.started_ms, "starting");
	code = sup_run(&s);
	report(&s, utc_mono_ms(), "stopped");
	log_info("stopped: done=%llu retried=%llu dead=%llu returned=%llu",
		(unsigned long long)s.d.c.done,
		(unsigned long long)s.d.c.retried,
		(unsigned long long)s.d.c.dead,
		(unsigned long long)s.d.c.returned);
	sup_release(&s);
	return code;
}
