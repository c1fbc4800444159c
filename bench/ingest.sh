#!/usr/bin/env bash
# bench/ingest.sh - ingestion throughput of ember-workers with 1, 2 and 4
# workers, as a ratio to a baseline measured in the same run.
#
#   EMBER_BUILD=/path/to/build bench/ingest.sh [MESSAGES] [HTML_KIB]
#
# Each message is one ad hoc profile (default 600 messages, 32 KiB of HTML,
# 200 stack lines, gzipped) on a throwaway PostgreSQL, the fs store and the
# pg queue.
#   baseline  bench/ingest-bare: the same get + gunzip + parse + put +
#             upsert (job_run) for every message, in one process, no queue
#   workers   the messages are enqueued with the supervisor already running;
#             timed until the queue table is empty (every message deleted)
#   ratio     workers jobs/s / baseline jobs/s (1.0 = as fast as the bare
#             loop; above 1 when workers run in parallel on several cores)
source "$(dirname "$0")/../tests/harness/lib.sh"
source "$(dirname "$0")/../tests/harness/api.sh"
source "$(dirname "$0")/../tests/integration/ingest_lib.sh"

M=${1:-600}
KIB=${2:-32}
BARE=$EMBER_BUILD/bench/ingest-bare
[ -x "$BARE" ] || make -C "$EMBER_BUILD" bench/ingest-bare >/dev/null ||
	h_die "cannot build bench/ingest-bare"
[ -x "$I_BIN" ] || h_die "build ember-workers first"

h_init
i_setup
export EMBER_LOG_LEVEL=warn
python3 "$I_MK" --html-kb "$KIB" --stacks 200 | gzip -c >"$H_RUN/template.gz"
for ((n = 0; n < M; n++)); do
	cp "$H_RUN/template.gz" "$I_RAW/$(i_name "$n")"
	i_msg "$(i_name "$n")" >>"$H_RUN/bodies"
	echo >>"$H_RUN/bodies"
done

now() { date +%s.%N; }
reset_out() {
	h_sql "TRUNCATE AdhocFlamegraphMetadata" >/dev/null
	rm -rf "$I_OBJ/products/checkout/stacks/flamegraph"
}
# enqueue every message in one statement, then wait server-side until gone
enqueue_and_wait() {
	psql -X -q -v ON_ERROR_STOP=1 >/dev/null <<SQL
INSERT INTO ember_job_queue (queue, body)
SELECT 'indexer', format('{"filename": "2026-03-11T10:%s:%s_%s_%s.gz", "service": "checkout", "service_id": %s}',
	lpad(((n / 60) % 60)::text, 2, '0'), lpad((n % 60)::text, 2, '0'),
	lpad(to_hex(n), 32, '0'), md5('ip-10-0-1-5'), $I_SID)
FROM generate_series(0, $M - 1) AS n;
DO \$\$ BEGIN
	LOOP
		EXIT WHEN NOT EXISTS (SELECT 1 FROM ember_job_queue WHERE queue = 'indexer');
		PERFORM pg_sleep(0.01);
	END LOOP;
END \$\$;
SQL
}

# bare_run: the baseline once; sets bsecs
bare_run() {
	local bn bbad
	reset_out
	read -r bn bsecs bbad < <("$BARE" <"$H_RUN/bodies")
	[ "$bn" = "$M" ] && [ "$bbad" = 0 ] || h_die "baseline failed ($bn $bsecs $bbad)"
	[ "$(i_count_rows)" = "$M" ] || h_die "baseline wrote $(i_count_rows) rows"
}
# warm-up (caches, the table's first pages), not measured
reset_out
head -n 100 "$H_RUN/bodies" | "$BARE" >/dev/null || h_die "warm-up failed"
# the baseline runs first and last; the ratio uses the mean of the two
bare_run
b1=$bsecs
declare -A secs
for N in 1 2 4; do
	reset_out
	EMBER_WORKERS_COUNT=$N i_start
	i_wait_for 20 bash -c "[ \"\$(python3 -c 'import json,sys; w=json.load(open(sys.argv[1]))[\"workers\"]; print(sum(x[\"state\"] == \"IDLE\" for x in w))' $H_RUN/status.json 2>/dev/null)\" = $N ]" ||
		h_die "workers did not start"
	sleep 1.5	# the receiver is READY and long-polling
	t0=$(now)
	enqueue_and_wait
	t1=$(now)
	i_stop
	[ "$(i_count_rows)" = "$M" ] || h_die "$N workers wrote $(i_count_rows) rows"
	secs[$N]=$(echo "$t1 - $t0" | bc -l)
done
bare_run
b2=$bsecs
brate=$(echo "2 * $M / ($b1 + $b2)" | bc -l)
echo "# $M messages, ${KIB} KiB HTML each, $(nproc) cores; baseline = mean of two bare runs"
printf '%-10s %8s %10s %8s\n' run seconds "jobs/s" ratio
printf '%-10s %8.3f %10.1f %8.2f\n' bare-first "$b1" "$(echo "$M / $b1" | bc -l)" \
	"$(echo "$M / $b1 / $brate" | bc -l)"
printf '%-10s %8.3f %10.1f %8.2f\n' bare-last "$b2" "$(echo "$M / $b2" | bc -l)" \
	"$(echo "$M / $b2 / $brate" | bc -l)"
for N in 1 2 4; do
	rate=$(echo "$M / ${secs[$N]}" | bc -l)
	printf '%-10s %8.3f %10.1f %8.2f\n' "workers=$N" "${secs[$N]}" "$rate" \
		"$(echo "$rate / $brate" | bc -l)"
done
