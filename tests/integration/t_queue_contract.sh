#!/bin/bash
# t_queue_contract.sh - the job-queue contract against PostgreSQL (the pg
# backend, sql/ applied to a throwaway cluster) and SQS (local-aws-sqs
# behind the SigV4-checking proxy), plus faults: PostgreSQL restarted under
# a live queue, SQS answering 500 or dropping connections, a wrong secret,
# and SQS down.
source "$(dirname "$0")/../harness/lib.sh"
source "$(dirname "$0")/../harness/aws.sh"
h_init

CQ=$EMBER_BUILD/tests/integration/contract_queue
[ -x "$CQ" ] || h_die "build $CQ first (make check or make tests/integration/contract_queue)"

# run_suite NAME [ARGS...]: run the C program, re-number its TAP lines into ours.
run_suite() {
	local name=$1 line
	shift
	"$CQ" "$@" >"$H_RUN/suite-$name.tap" 2>&1
	while IFS= read -r line; do
		case "$line" in
		"ok "*) h_ok "$name: ${line#ok * - }" true ;;
		"not ok "*) h_ok "$name: ${line#not ok * - }" false ;;
		"#"*) echo "$line" ;;
		esac
	done <"$H_RUN/suite-$name.tap"
	grep -q '^1\.\.' "$H_RUN/suite-$name.tap" || h_ok "$name: ran to the end" false
}

# ---- pg
h_pg_start
for f in "$H_ROOT"/sql/[0-9]*.up.sql; do
	psql -X -q -v ON_ERROR_STOP=1 -f "$f" >/dev/null 2>"$H_RUN/migrate.err" ||
		h_die "migration $(basename "$f") failed: $(head -3 "$H_RUN/migrate.err")"
done
export EMBER_QUEUE_BACKEND=pg EMBER_QUEUE_NAME=contract
run_suite pg suite

pgctl="H_PGBIN='$H_PGBIN' H_PGDIR='$H_PGDIR' H_PGPORT='$H_PGPORT'; source '$H_ROOT/tests/harness/lib.sh'; h_pg_ctl"
run_suite pg-restart restart "bash -c \"$pgctl stop\"" "bash -c \"$pgctl start\""

# A second queue name in the same tables is independent.
EMBER_QUEUE_NAME=other "$CQ" send "for other" || true
h_is "pg: queues with different names do not mix" \
	"$("$CQ" recv 2>&1)" ""
h_is "pg: ... the other queue has its message" \
	"$(EMBER_QUEUE_NAME=other "$CQ" recv 2>&1)" "for other"

# A message locked by another consumer is skipped, not waited for: receive
# returns the next one at once (FOR UPDATE SKIP LOCKED).
EMBER_QUEUE_NAME=locks "$CQ" send "first" && EMBER_QUEUE_NAME=locks "$CQ" send "second" || true
psql -X -q -At -c "BEGIN; SELECT 1 FROM ember_job_queue WHERE queue = 'locks' AND body = 'first' FOR UPDATE;
	SELECT pg_sleep(4); COMMIT;" >/dev/null 2>&1 &
locker=$!
for _ in $(seq 50); do
	[ "$(psql -X -At -c "SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a USING (pid)
		WHERE a.query LIKE '%pg_sleep(4)%' AND l.locktype = 'transactionid' AND a.pid <> pg_backend_pid()")" -gt 0 ] && break
	sleep 0.1
done
t0=$(date +%s%N)
got=$(EMBER_QUEUE_NAME=locks "$CQ" recv 2>&1)
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
h_is "pg: a locked message is skipped: the next one is received" "$got" "second"
h_ok "pg: ... within a second, not after the lock holder ends (${ms} ms)" test "$ms" -lt 1000
wait "$locker"
h_is "pg: ... and the locked one is received once it is free" \
	"$(EMBER_QUEUE_NAME=locks "$CQ" recv 2>&1)" "first"

# ---- sqs
h_aws_start
export EMBER_QUEUE_BACKEND=sqs EMBER_SQS_RETRIES=3
run_suite sqs suite
h_is "sqs: the proxy denied nothing during the suite" \
	"$(h_aws_stats sqs | jq -r .denied)" 0
h_aws_stats sqs | jq -c '{requests, connections}' | sed 's/^/# sqs proxy: /'

# Without sqs.dlq_url, dead letters go to the pg table (the cluster above).
dl_ins() {
	psql -X -At -c "select pg_stat_force_next_flush()" >/dev/null 2>&1
	psql -X -At -c "select n_tup_ins from pg_stat_user_tables
		where relname = 'ember_job_dead_letter'"
}
before=$(dl_ins)
EMBER_SQS_DLQ_URL= run_suite sqs-dlq-in-pg dead
sleep 0.6
h_is "sqs-dlq-in-pg: three rows went through the pg dead-letter table" \
	"$(($(dl_ins) - before))" 3

h_aws_reset sqs
h_aws_fault sqs 500 2
h_ok "sqs: 500 twice: send succeeds on retry" "$CQ" send fault-500
h_is "sqs: ... the proxy injected 2 faults" "$(h_aws_stats sqs | jq -r .faults)" 2
h_aws_fault sqs drop 1
h_is "sqs: connection reset once: receive succeeds on retry" "$("$CQ" recv 2>&1)" fault-500
h_aws_fault sqs throttle 1
h_ok "sqs: 429 ThrottlingException once: send succeeds on retry" "$CQ" send fault-429
h_is "sqs: ... and it arrives once" "$("$CQ" recv 2>&1)" fault-429

h_ok "sqs: wrong secret key fails" \
	bash -c "! EMBER_SQS_SECRET_KEY=wrong '$CQ' send x 2>'$H_RUN/err'"
h_ok "sqs: ... with a clear 403 SignatureDoesNotMatch error (unauthorized)" \
	grep -q 'unauthorized.*HTTP 403 SignatureDoesNotMatch' "$H_RUN/err"

dead=$(h_free_port)
EMBER_SQS_ENDPOINT="http://127.0.0.1:$dead" EMBER_SQS_RETRIES=1 "$CQ" send x 2>"$H_RUN/err"
h_is "sqs: SQS down: send exits 1 (no crash)" "$?" 1
h_ok "sqs: ... with a clear connection error" grep -q "Couldn't connect" "$H_RUN/err"

fault="curl -fsS -o /dev/null -X POST http://127.0.0.1:$H_SQS_PORT/__fault -d"
EMBER_SQS_RETRIES=1 run_suite sqs-outage restart \
	"$fault '{\"mode\":\"503\",\"count\":-1}'" "$fault '{\"mode\":\"off\",\"count\":0}'"

h_done
