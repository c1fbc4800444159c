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
#   query   sum per stack of one service over 1 h, 24 h and 7 days, p50
#           and p99 through smp_stacks(), vs clickhouse-client running the
#           raw aggregate over smp_samples (server time, --time); rows read
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
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/../tests/harness/clickhouse.sh"
h_init
make -C "$EMBER_BUILD" -s bench/smp-bench >/dev/null
SB=$EMBER_BUILD/bench/smp-bench
P=${BENCH_PROFILES:-40} HOSTS=${BENCH_HOSTS:-100} EVERY=${BENCH_EVERY:-10}
NST=${BENCH_STACKS:-20000} PER=${BENCH_PER_PROFILE:-300} REPS=${BENCH_REPS:-20}

h_ch_start
python3 "$H_ROOT/bench/gen_collapsed.py" 5000 >"$H_RUN/p.txt"
echo "## sample store: clickhouse $(h_ch_query 'SELECT version()')"

# --- index
read -r n lines secs < <("$SB" index "$H_RUN/p.txt" "$P" 1)
read -r bn blines bsecs < <("$SB" bare "$H_RUN/p.txt" "$P" \
	"$EMBER_CLICKHOUSE_URL/?database=ember")
ours=$(b_calc "$lines / $secs") bare=$(b_calc "$blines / $bsecs")
bytes=$(h_ch_query "SELECT sum(bytes_on_disk) FROM system.parts WHERE database = 'ember'
	AND active AND table = 'smp_samples'")
rows=$(h_ch_query "SELECT sum(rows) FROM system.parts WHERE database = 'ember'
	AND active AND table = 'smp_samples'")
echo "| index ($P profiles x 5,000 lines) | $ours lines/s | bare $bare lines/s | ratio $(b_calc "$ours / $bare") | $(b_calc "$bytes / $rows") bytes/row (ours + bare rows) |"

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
raw() {
	echo "SELECT StackHash, sum(NumSamples) FROM ember.smp_samples WHERE ServiceId = 2 AND Timestamp >= toDateTime($1) AND Timestamp < toDateTime($2) GROUP BY StackHash FORMAT Null"
}
for span in 3600 86400 604800; do
	from=$(( T1 - span - 1800 )) to=$(( T1 - 1800 ))	# ragged: both edges raw
	read -r p50 p99 nst rr total < <("$SB" query 2 "$from" "$to" "$REPS")
	: >"$H_RUN/raw.t"
	for _ in $(seq "$REPS"); do
		h_ch_client --time --query "$(raw "$from" "$to")" 2>>"$H_RUN/raw.t"
	done
	rp50=$(sort -n "$H_RUN/raw.t" | awk '{a[NR]=$1} END {printf "%.2f", a[int((NR+1)/2)]*1000}')
	rp99=$(sort -n "$H_RUN/raw.t" | awk '{a[NR]=$1} END {printf "%.2f", a[NR]*1000}')
	rawrows=$(h_ch_query "SELECT count() FROM ember.smp_samples WHERE ServiceId = 2 AND Timestamp >= toDateTime($from) AND Timestamp < toDateTime($to)")
	echo "| query $((span / 3600)) h | p50 $p50 ms p99 $p99 ms ($nst stacks, $rr rows read) | raw p50 $rp50 ms p99 $rp99 ms ($rawrows rows) | ratio $(b_calc "$p50 / $rp50") |"
done
