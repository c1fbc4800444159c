#!/bin/bash
# t_samples_contract.sh - the sample store contract (exact sums, filters,
# rollup against minute rows, redelivery, ad hoc rows, reindex, retention,
# malformed input) against the backend named by EMBER_SMP_BACKEND (pg,
# the default; clickhouse plugs in here), plus the backend going down:
# a clear error, and nothing half-counted.
source "$(dirname "$0")/../harness/lib.sh"
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

# the backend down: a clear error, and afterwards nothing half-written
backend_stop
"$CS" write-one down/1 2>"$H_RUN/err"
rc=$?
h_is "$BACKEND down: the write fails (exit 1, no crash)" "$rc" 1
h_ok "$BACKEND down: ... with a clear, retryable error" \
	grep -Eq 'error: (database|http|timeout)' "$H_RUN/err"
backend_start
h_is "$BACKEND back: nothing of the failed write was counted" "$("$CS" sum 7777)" 0
h_ok "$BACKEND back: the same write now succeeds" "$CS" write-one down/1
h_is "$BACKEND back: ... counted once" "$("$CS" sum 7777)" 10

h_done
