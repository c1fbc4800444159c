#!/bin/bash
# bench/store_queue.sh - object-store and queue throughput of every backend,
# against a baseline measured in the same run.
#
#   EMBER_BUILD=/path/to/build bench/store_queue.sh [N] [SIZE_KIB]
#
# Store: N objects of SIZE_KIB KiB (default 200 x 256 KiB) put and got
#   fs  ours: contract_store bench-put/bench-get (store_put_stream, store_get)
#       baseline: one `cp` of the same files into a directory, one `cat` of them
#   s3  ours: the same, through the SigV4-checking proxy to s3rver
#       baseline: one `curl` process (keep-alive, -K config with --next per
#       object, --aws-sigv4, x-amz-content-sha256) through the same proxy
#   ratio = ours / baseline time (1.0 = as fast as the baseline; lower is better)
# Queue: N messages sent one by one, then received in batches of 10 and
#   batch-deleted; rates in messages per second (pg: throwaway cluster,
#   sqs: local-aws-sqs behind the proxy, whose receive has a ~10 ms floor).
source "$(dirname "$0")/../tests/harness/lib.sh"
source "$(dirname "$0")/../tests/harness/aws.sh"
h_init

N=${1:-200}
KIB=${2:-256}
CS=$EMBER_BUILD/tests/integration/contract_store
CQ=$EMBER_BUILD/tests/integration/contract_queue
[ -x "$CS" ] && [ -x "$CQ" ] || h_die "build the contract programs first (make check)"

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.4f", b - a }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
rate() { awk -v n="$1" -v t="$2" 'BEGIN { printf "%.0f", n / t }'; }
row() { printf '%-6s %-22s %6s %12s %12s %8s\n' "$@"; }

mkdir -p "$H_RUN/src"
for ((i = 0; i < N; i++)); do
	head -c $((KIB * 1024)) /dev/urandom >"$H_RUN/src/f$i"
done

echo "# $N objects of $KIB KiB; queue: $N messages"
row backend operation n "ours (s)" "base (s)" ratio

# ---- fs
export EMBER_STORE_BACKEND=fs EMBER_STORE_FS_ROOT="$H_RUN/fs"
sync
ours=$("$CS" bench-put "$H_RUN/src" "$N") || h_die "fs bench-put failed"
t0=$(now); cp -r "$H_RUN/src" "$H_RUN/cp-copy"; sync; t1=$(now)
base=$(elapsed "$t0" "$t1")
row fs "put (+fsync)" "$N" "$ours" "$base" "$(ratio "$ours" "$base")"
ours=$("$CS" bench-get "$N") || h_die "fs bench-get failed"
t0=$(now); cat "$H_RUN"/fs/bench/f* >/dev/null; t1=$(now)
base=$(elapsed "$t0" "$t1")
row fs get "$N" "$ours" "$base" "$(ratio "$ours" "$base")"

# ---- s3
h_aws_start
ours=$("$CS" bench-put "$H_RUN/src" "$N") || h_die "s3 bench-put failed"
url="http://127.0.0.1:$H_S3_PORT/$H_AWS_BUCKET/base"
E=e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855
: >"$H_RUN/put.cfg"
: >"$H_RUN/get.cfg"
for ((i = 0; i < N; i++)); do
	sha=$(sha256sum "$H_RUN/src/f$i" | cut -d' ' -f1)
	[ "$i" -gt 0 ] && echo next >>"$H_RUN/put.cfg" && echo next >>"$H_RUN/get.cfg"
	printf 'url = "%s/f%d"\nupload-file = "%s"\nheader = "x-amz-content-sha256: %s"\naws-sigv4 = "aws:amz:us-east-1:s3"\nuser = "S3RVER:S3RVER"\nsilent\nfail\noutput = "/dev/null"\n' \
		"$url" "$i" "$H_RUN/src/f$i" "$sha" >>"$H_RUN/put.cfg"
	printf 'url = "%s/f%d"\nheader = "x-amz-content-sha256: %s"\naws-sigv4 = "aws:amz:us-east-1:s3"\nuser = "S3RVER:S3RVER"\nsilent\nfail\noutput = "/dev/null"\n' \
		"$url" "$i" "$E" >>"$H_RUN/get.cfg"
done
t0=$(now); curl -K "$H_RUN/put.cfg" || h_die "baseline curl put failed"; t1=$(now)
base=$(elapsed "$t0" "$t1")
row s3 put "$N" "$ours" "$base" "$(ratio "$ours" "$base")"
ours=$("$CS" bench-get "$N") || h_die "s3 bench-get failed"
t0=$(now); curl -K "$H_RUN/get.cfg" || h_die "baseline curl get failed"; t1=$(now)
base=$(elapsed "$t0" "$t1")
row s3 get "$N" "$ours" "$base" "$(ratio "$ours" "$base")"
denied=$(h_aws_stats s3 | jq -r .denied)
[ "$denied" = 0 ] || h_die "the proxy denied $denied requests"

# ---- queues
echo
printf '%-6s %6s %14s %20s\n' queue n "send (msg/s)" "recv+delete (msg/s)"
h_pg_start
for f in "$H_ROOT"/sql/[0-9]*.up.sql; do
	psql -X -q -v ON_ERROR_STOP=1 -f "$f" >/dev/null 2>&1 || h_die "migration $f failed"
done
read -r s r < <(EMBER_QUEUE_BACKEND=pg EMBER_QUEUE_NAME=bench "$CQ" bench "$N") ||
	h_die "pg queue bench failed"
printf '%-6s %6s %14s %20s\n' pg "$N" "$(rate "$N" "$s")" "$(rate "$N" "$r")"
read -r s r < <(EMBER_QUEUE_BACKEND=sqs "$CQ" bench "$N") || h_die "sqs queue bench failed"
printf '%-6s %6s %14s %20s\n' sqs "$N" "$(rate "$N" "$s")" "$(rate "$N" "$r")"
