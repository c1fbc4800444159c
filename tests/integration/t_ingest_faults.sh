#!/usr/bin/env bash
# t_ingest_faults.sh - faults, each ending with an exact count check
# (every message gives exactly one row and one object, or one dead letter
# with its reason): SIGKILL of a worker mid-job and a job past its
# deadline; SIGKILL of the supervisor, then a restart; poison mixed into
# good messages; SIGTERM under load; a PostgreSQL restart during a run;
# corrupt and impossible frames from every kind of child.
source "$(dirname "$0")/../harness/lib.sh"
source "$(dirname "$0")/../harness/api.sh"
source "$(dirname "$0")/ingest_lib.sh"

h_init
export EMBER_WORKERS_JOB_TIMEOUT=2 EMBER_QUEUE_VISIBILITY=5
export EMBER_WORKERS_SHUTDOWN_TIMEOUT=8
i_setup
good=0

# 1. A worker SIGKILLed mid-job, another killed at its deadline.
i_batch 100 12
good=$((good + 12))
printf 'garbage' >"$I_RAW/$(i_name 900)"
i_send "$(i_msg "$(i_name 900)")"
i_send '{"filename": 1}'
i_lock 4
i_start
h_ok "both workers blocked mid-job" i_wait_for 5 i_busy 2
victim=$(i_status workers.0.pid)
kill -KILL "$victim"
h_ok "killed worker replaced" i_wait_for 5 bash -c "[ \"\$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[\"workers\"][0][\"pid\"])' $H_RUN/status.json)\" != $victim ]"
wait "$I_LOCKPID"
h_ok "queue drained after the faults" i_wait_idle 40
h_ok "exactly one row and one object per good message ($good)" i_exact "$good"
h_is "dead letters: the 2 poison messages" "$(i_count_dead)" 2
h_ok "a crash was counted" test "$(i_status counters.crashed)" -ge 1
h_ok "a deadline kill was counted" test "$(i_status counters.timeouts)" -ge 1
h_ok "log names the deadline kill" grep -q 'job deadline passed, killing it' "$I_LOG"
h_ok "log names the crash" grep -q 'killed by signal 9 (KILL)' "$I_LOG"

# 2. SIGKILL of the supervisor with jobs in flight, then a restart.
i_lock 3
i_batch 200 8
good=$((good + 8))
h_ok "jobs in flight" i_wait_for 5 i_busy 2
children=$(pgrep -P "$I_PID" | tr '\n' ' ')
{ kill -KILL "$I_PID"; wait "$I_PID"; } 2>/dev/null
h_ok "children exit when the supervisor dies" i_wait_for 5 bash -c "! kill -0 $children 2>/dev/null"
wait "$I_LOCKPID"
i_start
h_ok "queue drained after the restart (messages came back)" i_wait_idle 40
h_ok "exactly one row and one object per good message ($good)" i_exact "$good"
h_is "no new dead letters" "$(i_count_dead)" 2

# 3. Poison mixed into good messages.
for n in $(seq 300 309); do
	cp "$H_RUN/template.gz" "$I_RAW/$(i_name "$n")"
	i_send "$(i_msg "$(i_name "$n")")"
	i_send "{\"filename\": \"$(i_name $((n + 500)))\", \"service\": \"checkout\", \"service_id\": $I_SID}"
done
good=$((good + 10))
h_ok "queue drained (poison mixed in)" i_wait_idle 30
h_ok "exactly one row and one object per good message ($good)" i_exact "$good"
h_is "one dead letter per poison message" "$(i_count_dead)" 12
h_is "each with its reason" \
	"$(h_sql "SELECT count(*) FROM ember_job_dead_letter WHERE reason LIKE 'get products/checkout/stacks/%No such file%'")" 10

# 4. SIGTERM under load, then a restart finishes the rest.
i_stop
i_batch 400 40
good=$((good + 40))
i_start
i_wait_for 10 bash -c "[ \"\$(psql -X -At -c 'SELECT count(*) FROM AdhocFlamegraphMetadata')\" -gt $((good - 35)) ]"
t0=$(date +%s)
i_stop
h_is "SIGTERM under load exits 0" "$I_RC" 0
h_ok "drained within the shutdown timeout" test $(($(date +%s) - t0)) -le 10
h_is "status says stopped" "$(i_status state)" stopped
h_is "nothing in flight at exit" "$(i_status in_flight)" 0
i_start
h_ok "queue drained after the restart" i_wait_idle 40
h_ok "exactly one row and one object per good message ($good)" i_exact "$good"
h_is "no new dead letters" "$(i_count_dead)" 12

# 5. PostgreSQL restarts during a run.
i_batch 500 30
good=$((good + 30))
sleep 0.3
h_pg_ctl restart
h_ok "queue drained across the PostgreSQL restart" i_wait_idle 45
h_ok "exactly one row and one object per good message ($good)" i_exact "$good"
h_is "no new dead letters" "$(i_count_dead)" 12

# 5b. The metadata upsert itself fails (a retryable SQLSTATE, 40001) on its
#     first two tries: the job is retried, never acknowledged without its
#     row and never dead-lettered.
h_sql "CREATE SEQUENCE ember_test_fail_seq;
	CREATE FUNCTION ember_test_fail() RETURNS trigger LANGUAGE plpgsql AS \$\$
	BEGIN
		IF nextval('ember_test_fail_seq') <= 2 THEN
			RAISE EXCEPTION 'injected failure' USING ERRCODE = '40001';
		END IF;
		RETURN NEW;
	END \$\$;
	CREATE TRIGGER ember_test_fail BEFORE INSERT OR UPDATE ON AdhocFlamegraphMetadata
		FOR EACH ROW EXECUTE FUNCTION ember_test_fail();" >/dev/null
i_batch 550 1
good=$((good + 1))
h_ok "queue drained after the failing upserts" i_wait_idle 45
h_ok "the upsert was tried three times (two failures, then the row)" \
	test "$(h_sql "SELECT last_value FROM ember_test_fail_seq")" -ge 3
h_ok "exactly one row and one object per good message ($good)" i_exact "$good"
h_is "the failed upserts left no dead letter" "$(i_count_dead)" 12
h_sql "DROP TRIGGER ember_test_fail ON AdhocFlamegraphMetadata; DROP FUNCTION ember_test_fail();
	DROP SEQUENCE ember_test_fail_seq" >/dev/null

# 6. Corrupt and impossible frames from children: errors, not crashes.
#    inject_frame.py sends raw bytes on a child's channel end (pidfd_getfd).
INJ="$(dirname "$0")/inject_frame.py"
i_lock 3
i_batch 600 6
good=$((good + 6))
h_ok "jobs in flight" i_wait_for 5 i_busy 2
w0=$(i_status workers.0.pid)
w1=$(i_status workers.1.pid)
if python3 "$INJ" "$w0" 937f0080; then
	# [DONE, 999, {err: 0, verdict: 0, ms: 0}]: a job worker 1 does not hold
	python3 "$INJ" "$w1" "$(printf '\x93\x03\xcd\x03\xe7\x83\xa3err\x00\xa7verdict\x00\xa2ms\x00' | od -An -tx1 | tr -d ' \n')"
	python3 "$INJ" "$(i_status receiver.pid)" c1
	python3 "$INJ" "$(i_status acker.pid)" 93010081a3706964ff
	h_ok "corrupt frame: worker killed" i_wait_for 5 grep -q "worker\[$w0\] slot 0: corrupt message, killing it" "$I_LOG"
	h_ok "impossible DONE: worker killed" i_wait_for 5 grep -q "worker\[$w1\] slot 1: DONE for a job it does not hold, killing it" "$I_LOG"
	h_ok "corrupt frame: receiver killed" i_wait_for 5 grep -q 'receiver\[[0-9]*\] slot 0: corrupt message, killing it' "$I_LOG"
	h_ok "corrupt frame: acker killed" i_wait_for 5 grep -q 'acker\[[0-9]*\] slot 0: corrupt message, killing it' "$I_LOG"
	h_ok "supervisor still running" kill -0 "$I_PID"
	h_ok "proto errors counted" i_wait_for 5 bash -c "[ \"\$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[\"counters\"][\"proto_errors\"])' $H_RUN/status.json)\" = 3 ]"
else
	echo "ok $((H_N + 1)) # SKIP pidfd_getfd not available"
	H_N=$((H_N + 1))
fi
wait "$I_LOCKPID"
h_ok "queue drained after the bad frames" i_wait_idle 40
h_ok "exactly one row and one object per good message ($good)" i_exact "$good"
h_is "no new dead letters" "$(i_count_dead)" 12
i_stop
h_is "SIGTERM exits 0" "$I_RC" 0
h_done
