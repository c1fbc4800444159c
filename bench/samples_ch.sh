#!/usr/bin/env bash
# bench/samples_ch.sh - the sample store benchmarks against ClickHouse, by
# hand (not in CI): a throwaway clickhouse-server (tests/harness), then
#
#   index   a 5,000-line continuous profile (bench/gen_collapsed.py: 30-60
#           frames, Java/Python/native, Zipf-like counts) written N times
#           through smp_write_profile() (bench/smp-bench index), vs the
#           bare loop that parses the same file and posts the same rows
#           (bench/smp-bench bare); stack lines/s per core, the ratio, and
#           stored bytes per sample row
#           and ClickHouse requests per profile (system.query_log)
#   query   sum per stack of one service over 1 h, 24 h and 7 days, p50
#           and p99 through smp_stacks() (frame names included), vs
#           clickhouse-client running the raw SQL that computes the same
#           answer over the raw rows (sum per stack of smp_samples, each
#           stack's frame keys and the names of those frames; --time,
#           FORMAT Null) and, for reference, the bare aggregate without
#           names; rows read per query from system.query_log
#
#   EMBER_BUILD=build/normal bench/samples_ch.sh
#
# Scale (environment): BENCH_PROFILES (index, default 40), BENCH_HOSTS
# (query data, default 100), BENCH_EVERY (minutes between a host's
# profiles, default 10), BENCH_STACKS (distinct stacks of the service,
# default 20000), BENCH_PER_PROFILE (rows of one profile, default 300),
# BENCH_REPS (default 20).  The query data is generated inside ClickHouse
# (INSERT ... SELECT FROM numbers()), which feeds the rollup views too.
set -euo pipefail
[ -z "${BENCH_TRACE:-}" ] || set -x
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/../tests/harness/clickhouse.sh"
h_init
make -C "$EMBER_BUILD" -s bench/smp-bench >/dev/null
SB=$EMBER_BUILD/bench/smp-bench
P=${BENCH_PROFILES:-40} HOSTS=${BENCH_HOSTS:-100} EVERY=${BENCH_EVERY:-10}
NST=${BENCH_STACKS:-20000} PER=${BENCH_PER_PROFILE:-300} REPS=${BENCH_REPS:-20}

H_CH_LOG_QUERIES=1 h_ch_start
python3 "$H_ROOT/bench/gen_collapsed.py" 5000 >"$H_RUN/p.txt"
echo "## sample store: clickhouse $(h_ch_query 'SELECT version()')"

# ch_flush: make system.query_log current.
ch_flush() { h_ch_query "SYSTEM FLUSH LOGS" >/dev/null; }
# ch_requests SINCE: finished queries since the unix time SINCE (log queries excluded)
ch_requests() {
	ch_flush
	h_ch_query "SELECT count() FROM system.query_log WHERE type = 2 AND
		event_time >= toDateTime($1) AND query NOT LIKE '%system.%'"
}

# --- index
"$SB" query 1 0 1 1 >/dev/null	# the schema
sleep 1; t0=$(date +%s)
read -r n lines secs < <("$SB" index "$H_RUN/p.txt" "$P" 1)
req=$(ch_requests "$t0")
sleep 1; t0=$(date +%s)
read -r bn blines bsecs < <("$SB" bare "$H_RUN/p.txt" "$P" \
	"$EMBER_CLICKHOUSE_URL/?database=ember")
breq=$(ch_requests "$t0")
ours=$(b_calc "$lines / $secs") bare=$(b_calc "$blines / $bsecs")
bytes=$(h_ch_query "SELECT sum(bytes_on_disk) FROM system.parts WHERE database = 'ember'
	AND active AND table = 'smp_samples'")
rows=$(h_ch_query "SELECT sum(rows) FROM system.parts WHERE database = 'ember'
	AND active AND table = 'smp_samples'")
echo "| measurement | ours | baseline | ours / baseline | goal |"
echo "| --- | ---: | ---: | ---: | --- |"
echo "| index ($P profiles x 5,000 lines, lines/s) | $ours ($(b_calc "$req / $P") requests/profile) | $bare ($(b_calc "$breq / $P") requests/profile) | $(b_calc "$ours / $bare") | >= 0.7 |"
echo "| stored bytes per sample row | $(b_calc "$bytes / $rows") | | | |"

# --- query data: service 2, HOSTS hosts, one profile each EVERY minutes, 7 days
T1=$(( $(date +%s) / 3600 * 3600 ))
T0=$(( T1 - 7 * 86400 ))
SLOTS=$(( 7 * 1440 / EVERY ))
TOTAL=$(( SLOTS * HOSTS * PER ))
echo "# generating $TOTAL rows ($HOSTS hosts, every $EVERY min, $PER stacks each)" >&2
h_ch_query "INSERT INTO ember.smp_stacks SELECT intHash64(number), arrayMap(k -> intHash64(1000000 + (number * 7 + k * 13) % 5000), range(toUInt64(30 + number % 30))) FROM numbers($NST)"
h_ch_query "INSERT INTO ember.smp_frames SELECT intHash64(1000000 + number), concat('Lcom/acme/Frame', toString(number), '.run_[j]') FROM numbers(5000)"
h_ch_query "INSERT INTO ember.smp_samples SELECT toDateTime($T0 + intDiv(number, $(( HOSTS * PER ))) * $(( EVERY * 60 ))), 2, intDiv(number, $PER), intHash64(toUInt64(pow(((number * 2654435761) % 1000003) / 1000003, 3) * $NST)), concat('host-', toString(intDiv(number, $PER) % $HOSTS)), 'm5.large', 'app', 'prod', 1 + number % 7 FROM numbers($TOTAL)"
# the rollups as they are once ClickHouse has merged their parts
h_ch_query "OPTIMIZE TABLE ember.smp_samples_1h_all FINAL"
h_ch_query "OPTIMIZE TABLE ember.smp_samples_1h FINAL"
# raw_same FROM TO: the same answer as smp_stacks() (sums, frame keys,
# names) from the raw rows alone; raw_agg: the sums alone
raw_same() {
	local w="ServiceId = 2 AND Timestamp >= toDateTime($1) AND Timestamp < toDateTime($2)"
	local set="SELECT StackHash FROM ember.smp_samples WHERE $w"
	echo "SELECT toUInt8(0), h, s, rr, Frames, '' FROM (SELECT StackHash AS h, sum(NumSamples) AS s, count() AS rr FROM ember.smp_samples WHERE $w GROUP BY StackHash HAVING s > 0) ANY LEFT JOIN (SELECT Hash AS h, Frames FROM ember.smp_stacks WHERE Hash IN ($set)) USING h UNION ALL SELECT toUInt8(1), Hash, toInt64(0), toUInt64(0), emptyArrayUInt64(), any(Name) FROM ember.smp_frames WHERE Hash IN (SELECT arrayJoin(Frames) FROM ember.smp_stacks WHERE Hash IN ($set)) GROUP BY Hash FORMAT Null"
}
raw_agg() {
	echo "SELECT StackHash, sum(NumSamples) FROM ember.smp_samples WHERE ServiceId = 2 AND Timestamp >= toDateTime($1) AND Timestamp < toDateTime($2) GROUP BY StackHash FORMAT Null"
}
# client_times NAME SQL: run SQL REPS times with clickhouse-client; "p50 p99" ms
client_times() {
	local i
	: >"$H_RUN/t"
	for i in $(seq "$REPS"); do
		h_ch_client --query_id "bench-$1-$i-$RANDOM" --time --query "$2" 2>>"$H_RUN/t"
	done
	sort -n "$H_RUN/t" | awk '{a[NR]=$1} END {printf "%.1f %.1f\n", a[int((NR+1)/2)]*1000, a[NR]*1000}'
}
# read_rows LIKE: read_rows of the last finished query whose text or id matches
read_rows() {
	ch_flush
	h_ch_query "SELECT read_rows FROM system.query_log WHERE type = 2 AND
		(query_id LIKE '$1' OR query LIKE '$1') ORDER BY event_time DESC LIMIT 1"
}
declare -A P50
for span in 3600 86400 604800; do
	from=$(( T1 - span - 1800 )) to=$(( T1 - 1800 ))	# ragged: both edges raw
	read -r p50 p99 nst rr total < <("$SB" query 2 "$from" "$to" "$REPS")
	P50[$span]=$p50
	ours_rows=$(read_rows "%sum(n) AS s, sum(c) AS rr%")
	read -r rp50 rp99 < <(client_times "same-$span" "$(raw_same "$from" "$to")")
	same_rows=$(read_rows "bench-same-$span-%")
	read -r ap50 ap99 < <(client_times "agg-$span" "$(raw_agg "$from" "$to")")
	agg_rows=$(read_rows "bench-agg-$span-%")
	echo "| query $((span / 3600)) h p50 (ms; $nst stacks) | $p50 | $rp50 | $(b_calc "$p50 / $rp50") | <= 1.5 |"
	echo "| query $((span / 3600)) h p99 (ms) | $p99 | $rp99 | $(b_calc "$p99 / $rp99") | <= 1.5 |"
	echo "| query $((span / 3600)) h rows read (query_log) | $ours_rows | $same_rows | $(b_calc "$ours_rows / $same_rows") | |"
	echo "| query $((span / 3600)) h vs the bare aggregate, no names (ms p50; $agg_rows rows read) | $p50 | $ap50 | $(b_calc "$p50 / $ap50") | |"
done
echo "| query 7 days p50 / 24 h p50 | $(b_calc "${P50[604800]} / ${P50[86400]}") | | | <= 2 |"
