#!/usr/bin/env bash
# t_ingest_aws.sh - ingestion with the S3 store and the SQS queue (local
# emulators behind the SigV4-checking proxies, tests/harness/aws.sh) and
# PostgreSQL for the rows: ad hoc -> object with identical bytes + row;
# continuous -> object, no row; poison -> the dead-letter queue; S3 500s
# and SQS connection drops on the way are retried; a SIGKILLed worker's
# message comes back; exact counts at the end.
source "$(dirname "$0")/../harness/lib.sh"
source "$(dirname "$0")/../harness/api.sh"
source "$(dirname "$0")/../harness/aws.sh"
source "$(dirname "$0")/ingest_lib.sh"

h_init
export EMBER_WORKERS_JOB_TIMEOUT=3 EMBER_QUEUE_VISIBILITY=5
i_setup
h_aws_start indexer indexer-dlq
S3="http://127.0.0.1:$H_S3_PORT/$H_AWS_BUCKET"

# s3_put KEY FILE / s3_get KEY: signed requests through the proxy
s3_put() {
	curl -fsS -X PUT --upload-file "$2" --aws-sigv4 "aws:amz:us-east-1:s3" -u S3RVER:S3RVER \
		-H "x-amz-content-sha256: $(sha256sum <"$2" | cut -d' ' -f1)" "$S3/$1" >/dev/null
}
s3_get() {
	curl -fsS --aws-sigv4 "aws:amz:us-east-1:s3" -u S3RVER:S3RVER \
		-H "x-amz-content-sha256: $(printf '' | sha256sum | cut -d' ' -f1)" "$S3/$1"
}
s3_head_type() {
	curl -fsS -I --aws-sigv4 "aws:amz:us-east-1:s3" -u S3RVER:S3RVER \
		-H "x-amz-content-sha256: $(printf '' | sha256sum | cut -d' ' -f1)" "$S3/$1" |
		tr -d '\r' | sed -n 's/^[Cc]ontent-[Tt]ype: //p'
}
s3_count() {
	curl -fsS --aws-sigv4 "aws:amz:us-east-1:s3" -u S3RVER:S3RVER \
		-H "x-amz-content-sha256: $(printf '' | sha256sum | cut -d' ' -f1)" \
		"$S3?list-type=2&prefix=products%2Fcheckout%2Fstacks%2Fflamegraph%2F" |
		grep -o "_${1}_flamegraph.html</Key>" | wc -l
}
sqs() {
	curl -fsS --aws-sigv4 "aws:amz:us-east-1:sqs" -u AKIDEMBER:SECRETEMBER \
		-H "X-Amz-Target: AmazonSQS.$1" -H "Content-Type: application/x-amz-json-1.0" \
		-d "$2" "http://127.0.0.1:$H_SQS_PORT/"
}
sqs_send() {
	sqs SendMessage "$(python3 -c 'import json,sys; print(json.dumps({"QueueUrl": sys.argv[1], "MessageBody": sys.argv[2]}))' \
		"$EMBER_SQS_QUEUE_URL" "$1")" >/dev/null
}
sqs_depth() {
	sqs GetQueueAttributes "{\"QueueUrl\": \"$1\", \"AttributeNames\": [\"All\"]}" |
		python3 -c 'import json,sys; a=json.load(sys.stdin)["Attributes"]; print(int(a["ApproximateNumberOfMessages"]) + int(a["ApproximateNumberOfMessagesNotVisible"]))'
}
put_profile() {	# NAME [mkprofile args]
	local name=$1
	shift
	python3 "$I_MK" "$@" >"$H_RUN/src/${name%.gz}.txt"
	gzip -c "$H_RUN/src/${name%.gz}.txt" >"$H_RUN/src/$name"
	s3_put "products/checkout/stacks/$name" "$H_RUN/src/$name"
}
drained() { [ "$(sqs_depth "$EMBER_SQS_QUEUE_URL")" = 0 ] && [ "$(i_status in_flight)" = 0 ]; }

A=$(i_name 1)
C=$(i_name 2)
put_profile "$A" --html plain
put_profile "$C" --continuous run
for n in $(seq 10 29); do put_profile "$(i_name "$n")" --html base64 --html-kb 8; done
printf 'not gzip' >"$H_RUN/src/bad.gz"
s3_put "products/checkout/stacks/$(i_name 90)" "$H_RUN/src/bad.gz"

sqs_send "$(i_msg "$A")"
sqs_send "$(i_msg "$C")"
sqs_send "$(i_msg "$(i_name 90)")"
sqs_send 'not json'
# queue.wait 10 s: the stop of the idle pool at the end must not wait it out.
EMBER_QUEUE_WAIT=10 i_start
h_ok "first messages done" i_wait_for 30 drained
KA="products/checkout/stacks/flamegraph/${A%_*}_ip-10-0-1-5_adhoc_flamegraph.html"
h_ok "ad hoc HTML in S3, identical bytes" cmp -s <(i_html "$A") <(s3_get "$KA")
h_is "content type in S3" "$(s3_head_type "$KA")" "text/html; charset=utf-8"
h_is "row for it" "$(h_sql "SELECT hostname, perf_events FROM AdhocFlamegraphMetadata WHERE s3_key = '$KA'")" \
	"ip-10-0-1-5|{cycles,cache-misses}"
h_is "continuous object" "$(s3_count continuous)" 1
h_is "dead-letter queue has the 2 poison messages" "$(sqs_depth "$EMBER_SQS_DLQ_URL")" 2

# faults on the way: S3 500s, dropped SQS connections, a killed worker
h_aws_fault s3 500 3
for n in $(seq 10 29); do sqs_send "$(i_msg "$(i_name "$n")")"; done
h_aws_fault sqs drop 2
sleep 0.3
pid=$(i_status workers.1.pid)
[ -n "$pid" ] && kill -KILL "$pid"
h_ok "queue drained despite the faults" i_wait_for 40 drained
h_is "exactly one row per ad hoc message" "$(i_count_rows)" 21
h_is "exactly one ad hoc object per ad hoc message" "$(s3_count adhoc)" 21
h_is "no new dead letters" "$(sqs_depth "$EMBER_SQS_DLQ_URL")" 2
h_ok "every base64 flamegraph decoded" cmp -s <(i_html "$(i_name 29)") \
	<(s3_get "products/checkout/stacks/flamegraph/$(i_name 29 | sed 's/_[0-9a-f]*\.gz$//')_ip-10-0-1-5_adhoc_flamegraph.html")
# An idle pool stops at once: the SQS long poll is cut short.
sleep 1.5
t0=$(date +%s%N)
i_stop
h_is "SIGTERM exits 0" "$I_RC" 0
h_ok "idle pool: SIGTERM stops it within 2 s" test $((($(date +%s%N) - t0) / 1000000)) -lt 2000
h_done
