#!/bin/bash
# t_samples_contract.sh - the sample store contract (exact sums, filters,
# rollup against minute rows, redelivery, ad hoc rows, reindex, retention,
# malformed input, the hourly and daily rollups against the written sums) against the backend named by EMBER_SMP_BACKEND (pg,
# the default, or clickhouse: t_samples_clickhouse.sh), plus the backend
# going down: a clear error, and nothing half-counted.  On pg also: every
# rollup equals the raw rows summed, and a writer of a new day does not
# wait for a long read transaction on the tables.  ClickHouse runs
# behind tests/harness/ch_proxy.py, which also makes it answer 500.
source "$(dirname "$0")/../harness/lib.sh"
source "$(dirname "$0")/../harness/clickhouse.sh"
h_init

CS=$EMBER_BUILD/tests/integration/contract_samples
[ -x "$CS" ] || h_die "build $CS first (make check or make tests/integration/contract_samples)"
BACKEND=${EMBER_SMP_BACKEND:-pg}

# run_suite NAME ARGS...: run the C program, re-number its TAP lines into ours.
run_suite() {
	local name=$1 line
	shift
	"$CS" "$@" >"$H_RUN/suite-$name.tap" 2>&1
	while IFS= read -r line; do
		case "$line" in
		"ok "*) h_ok "$name: ${line#ok * - }" true ;;
		"not ok "*) h_ok "$name: ${line#not ok * - }" false ;;
		"#"*) echo "$line" ;;
		esac
	done <"$H_RUN/suite-$name.tap"
	grep -q '^1\.\.' "$H_RUN/suite-$name.tap" || h_ok "$name: ran to the end" false
}

# backend_start / backend_stop / backend_up: one set per backend.
case "$BACKEND" in
pg)
	h_pg_start
	for f in "$H_ROOT"/sql/[0-9]*.up.sql; do
		psql -X -q -v ON_ERROR_STOP=1 -f "$f" >/dev/null 2>"$H_RUN/migrate.err" ||
			h_die "migration $(basename "$f") failed: $(head -3 "$H_RUN/migrate.err")"
	done
	backend_stop() { h_pg_ctl stop; }
	backend_start() { h_pg_ctl start; }
	;;
clickhouse)
	h_ch_start
	h_ch_proxy_start
	export EMBER_CLICKHOUSE_RETRIES=2 EMBER_CLICKHOUSE_TIMEOUT_MS=5000
	backend_stop() { h_ch_ctl stop; }
	backend_start() { h_ch_ctl start; }
	;;
*)
	h_die "unknown EMBER_SMP_BACKEND '$BACKEND'"
	;;
esac
export EMBER_SAMPLES_BACKEND=$BACKEND

run_suite "$BACKEND" suite
EMBER_SAMPLES_RETENTION_DAYS=2 EMBER_SAMPLES_ROLLUP_RETENTION_DAYS=2 \
	run_suite "$BACKEND-retention" retention 2

if [ "$BACKEND" = pg ]; then
	h_is "pg: retention dropped whole partitions (no partition before day -2)" \
		"$(psql -X -At -c "select count(*) from smp_partitions where day < current_date - 2")" 0
fi
if [ "$BACKEND" = clickhouse ]; then
	# (checked here: the rollups suite below writes days further back)
	h_is "clickhouse: retention dropped whole partitions (none before day -2)" \
		"$(h_ch_query "SELECT count() FROM system.parts WHERE database = 'ember' AND active
			AND table = 'smp_samples' AND toUInt32(partition) < toYYYYMMDD(today() - 2)")" 0
fi
RSVC=$((6000 + $(date +%s) % 1000))
run_suite "$BACKEND-rollups" rollups "$RSVC"

if [ "$BACKEND" = pg ]; then
	# every rollup holds exactly the raw rows summed (zero rows are what a
	# forgotten profile leaves), both ways
	for r in "smp_sample_1h|3600|src, stack" "smp_sample_1d|86400|src, stack" \
		"smp_sample_1h_all|3600|stack" "smp_sample_1d_all|86400|stack"; do
		IFS='|' read -r tbl step cols <<<"$r"
		diff=$(psql -X -At -v ON_ERROR_STOP=1 -c "
			WITH raw AS (SELECT to_timestamp(floor(extract(epoch FROM ts) / $step) * $step) AS ts,
				$cols, sum(n) AS n FROM smp_sample WHERE service_id = $RSVC
				GROUP BY 1, $cols),
			roll AS (SELECT ts, $cols, n FROM $tbl WHERE service_id = $RSVC AND n <> 0)
			SELECT (SELECT count(*) FROM (TABLE raw EXCEPT TABLE roll) a)
				+ (SELECT count(*) FROM (TABLE roll EXCEPT TABLE raw) b),
				(SELECT count(*) FROM roll)" 2>&1)
		h_ok "pg: $tbl equals the raw rows summed, row for row ($diff: differing|rows)" \
			test "${diff%%|*}" = 0 -a "${diff#*|}" -gt 0
	done

	# no DDL waits for readers: a session holds a read transaction on every
	# sample table while a writer writes a day that has no partition yet
	FUT=$(($(date +%s) / 86400 * 86400 + 9 * 86400 + 600))
	h_is "pg: the day 9 days ahead has no partition yet" \
		"$(psql -X -At -c "select count(*) from smp_partitions where day = current_date + 9")" 0
	psql -X -q -At -c "BEGIN; SELECT count(*) FROM smp_sample, smp_sample_1h_all, smp_profile
		WHERE false; SELECT count(*) FROM smp_sample_1h, smp_sample_1d, smp_sample_1d_all;
		SELECT pg_sleep(60); COMMIT" >/dev/null 2>&1 &
	READER=$!
	for _ in $(seq 100); do
		[ "$(psql -X -At -c "select count(*) from pg_locks l join pg_class c on c.oid = l.relation
			where c.relname = 'smp_sample' and l.pid <> pg_backend_pid()")" -gt 0 ] && break
		sleep 0.1
	done
	t0=$(date +%s%N)
	timeout 20 "$CS" write-at stall/1 "$FUT" 2>"$H_RUN/err"
	rc=$?
	ms=$((($(date +%s%N) - t0) / 1000000))
	h_is "pg: a long reader holds the tables, a write of a new day succeeds" "$rc" 0
	h_ok "pg: ... without waiting for the reader (${ms} ms)" test "$ms" -lt 10000
	h_is "pg: ... the reader is still there" "$(kill -0 "$READER" 2>/dev/null && echo yes)" yes
	h_is "pg: ... and the next two days were created ahead" \
		"$(psql -X -At -c "select count(distinct day) from smp_partitions where day in (current_date + 10, current_date + 11)")" 2
	timeout 20 "$CS" write-at stall/2 $((FUT + 86400)) 2>"$H_RUN/err"
	h_is "pg: ... a write of the next day succeeds too" "$?" 0
	kill "$READER" 2>/dev/null
	wait "$READER" 2>/dev/null
	psql -X -q -c "SELECT pg_terminate_backend(pid) FROM pg_stat_activity
		WHERE query LIKE '%pg_sleep(60)%' AND pid <> pg_backend_pid()" >/dev/null
fi
if [ "$BACKEND" = clickhouse ]; then
	h_is "clickhouse: the schema uses no LowCardinality, CODEC, TTL or Nullable" \
		"$(h_ch_query "SELECT count() FROM system.columns WHERE database = 'ember'
			AND match(type, 'LowCardinality|Nullable')")" 0

	# 500s: retried (reads by http.c, writes as a whole), counted once
	h_ch_fault 2
	h_ok "clickhouse 500 x2: a write still succeeds (retried)" "$CS" write-one ch500/1
	h_is "clickhouse 500 x2: ... all armed faults were hit" "$(h_ch_faults_left)" 0
	h_is "clickhouse 500 x2: ... counted once" "$("$CS" sum 7777)" 10
	# a lost answer: the insert happened, the client saw a 500
	h_ch_fault 1 after "INSERT INTO smp_samples ("
	h_ok "clickhouse lost answer to the samples insert: the write succeeds" \
		"$CS" write-one ch500/2
	h_is "clickhouse lost answer: ... the fault was hit" "$(h_ch_faults_left)" 0
	h_is "clickhouse lost answer: ... counted once (20 in all)" "$("$CS" sum 7777)" 20
	h_ch_fault 1 after "INSERT INTO smp_profiles ("
	h_ok "clickhouse lost answer to the profile record: the write succeeds" \
		"$CS" write-one ch500/3
	h_is "clickhouse lost answer to the record: ... counted once (30)" "$("$CS" sum 7777)" 30
	# more 500s than retries: a clear error, nothing counted, then recovery
	h_ch_fault 50 before "INSERT INTO smp_profiles ("
	"$CS" write-one ch500/4 2>"$H_RUN/err"
	h_is "clickhouse 500 on every record insert: the write fails (exit 1)" "$?" 1
	h_ok "clickhouse 500 on every record insert: ... with a clear error" \
		grep -Eq 'error: remote service failed: .*clickhouse.*HTTP 500' "$H_RUN/err"
	h_ch_fault 0
	h_is "clickhouse 500 on every record insert: ... nothing counted (30)" \
		"$("$CS" sum 7777)" 30
	h_ok "clickhouse recovered: the job's retry succeeds" "$CS" write-one ch500/4
	h_is "clickhouse recovered: ... counted once (40)" "$("$CS" sum 7777)" 40
	h_ok "clickhouse: the same write again is a no-op" "$CS" write-one ch500/4
	h_is "clickhouse: ... still 40" "$("$CS" sum 7777)" 40
	SUM0=40
fi

# the backend down: a clear error, and afterwards nothing half-written
backend_stop
"$CS" write-one down/1 2>"$H_RUN/err"
rc=$?
h_is "$BACKEND down: the write fails (exit 1, no crash)" "$rc" 1
h_ok "$BACKEND down: ... with a clear, retryable error" \
	grep -Eq 'error: (database|http|timeout|remote service failed|timed out)' "$H_RUN/err"
backend_start
h_is "$BACKEND back: nothing of the failed write was counted" "$("$CS" sum 7777)" "${SUM0:-0}"
h_ok "$BACKEND back: the same write now succeeds" "$CS" write-one down/1
h_is "$BACKEND back: ... counted once" "$("$CS" sum 7777)" $((${SUM0:-0} + 10))

h_done
