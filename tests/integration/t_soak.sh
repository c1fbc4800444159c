#!/usr/bin/env bash
# t_soak.sh - the 1-minute soak: bench/soak.sh 60 (the whole stack under
# agent load while workers and fcgi children are SIGKILLed, PostgreSQL
# restarts, the store fails, poison messages arrive and the supervisor is
# reloaded), then its account as TAP checks.  Takes about 70 seconds.
source "$(dirname "$0")/../harness/lib.sh"
h_init

SOAK_SECONDS=${SOAK_SECONDS:-60}
SOAK_SUMMARY="$H_RUN/summary" bash "$H_ROOT/bench/soak.sh" "$SOAK_SECONDS" >"$H_RUN/soak.out" 2>&1
rc=$?
sed 's/^/# /' "$H_RUN/soak.out"
[ -s "$H_RUN/summary" ] || h_die "bench/soak.sh wrote no summary (exit $rc)"

get() { sed -n "s/^$1=//p" "$H_RUN/summary"; }

h_ok "some uploads were accepted" [ "$(get accepted)" -gt 0 ]
h_ok "some uploads were refused while the store failed" [ "$(get rejected)" -gt 0 ]
h_is "every accepted ad hoc upload has exactly one row" "$(get indexed)" "$(get accepted_adhoc)"
h_is "no accepted upload lost" "$(get lost)" 0
h_is "no duplicate object or row" "$(get duplicated)" 0
h_is "every row has its flamegraph object" "$(get missing_html)" 0
h_is "each poison message dead-lettered with a reason" "$(get dead_poison_with_reason)" "$(get poison_injected)"
h_is "nothing else dead-lettered" "$(get dead_other)" 0
h_is "the queue drained" "$(get drained)/$(get queue_left)" "yes/0"
h_ok "jobs were retried while the store failed" [ "$(get jobs_retried)" -gt 0 ]
h_is "the supervisor exits 0 on SIGTERM" "$(get supervisor_exit)" 0
h_is "no process left behind" "$(get processes_left)" 0
h_is "supervisor and fcgi master RSS stay within 16 MiB of warm-up" "$(get rss_growth_ok)" yes
# a heartbeat in flight on a SIGKILLed fcgi child may fail; the rest answer
h_ok "at least 95% of heartbeats answered 200" \
	[ $(($(get heartbeats_ok) * 100)) -ge $(($(get heartbeats) * 95)) ]
h_is "bench/soak.sh passed" "$rc" 0
h_done
