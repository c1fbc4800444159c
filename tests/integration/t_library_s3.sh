#!/bin/bash
# t_library_s3.sh - the ad hoc library's delete and retention with the S3
# object store (s3rver behind the SigV4-checking proxy, tests/harness/aws.sh):
# an import's page and raw file are S3 objects; delete removes both with
# the row and the stack rows, twice is a 404; retention by ember-workers
# removes old unpinned profiles' objects and keeps the pinned one's.
source "$(dirname "$0")/../harness/lib.sh"
source "$(dirname "$0")/../harness/lighttpd.sh"
source "$(dirname "$0")/../harness/api.sh"
source "$(dirname "$0")/../harness/aws.sh"
source "$(dirname "$0")/ingest_lib.sh"

h_init
i_setup
h_aws_start indexer indexer-dlq
# objects in S3, the queue in PostgreSQL (as i_setup has it)
export EMBER_QUEUE_BACKEND=pg EMBER_QUEUE_NAME=indexer
S3="http://127.0.0.1:$H_S3_PORT/$H_AWS_BUCKET"
printf 'alice:wonderland\n' >"$H_RUN/users"
H_LIGHTTPD_USERS=$H_RUN/users h_lighttpd_start 2
A=(-u alice:wonderland)
J=(-H 'Content-Type: application/json')

# s3_status KEY: the HTTP status of a signed HEAD of KEY (200 or 404).
s3_status() {
	curl -s -o /dev/null -w '%{http_code}' -I --aws-sigv4 "aws:amz:us-east-1:s3" -u S3RVER:S3RVER \
		-H "x-amz-content-sha256: $(printf '' | sha256sum | cut -d' ' -f1)" "$S3/$1"
}
# imp HOST: import a small folded file as alice; prints the answer's filename.
imp() {
	printf 'python3;main;%s 7\npython3;main;idle 3\n' "$1" >"$H_RUN/$1.folded"
	h_req POST "/api/profiles/import?serviceName=checkout&hostname=$1" "${A[@]}" \
		-H 'X-Ember-Request: import' --data-binary "@$H_RUN/$1.folded"
	jq -r .filename <<<"$H_BODY"
}
key_of() { h_sql "SELECT s3_key FROM AdhocFlamegraphMetadata WHERE s3_key LIKE '%$1'"; }
raw_of() { h_sql "SELECT raw_key FROM AdhocFlamegraphMetadata WHERE s3_key LIKE '%$1'"; }

# --- delete ----------------------------------------------------------------------
F1=$(imp h1)
h_ok "import to S3: a flamegraph file name back" grep -q "_adhoc_flamegraph.html$" <<<"$F1"
K1=$(key_of "$F1")
R1=$(raw_of "$F1")
h_is "the page and the raw file are S3 objects" "$(s3_status "$K1") $(s3_status "$R1")" "200 200"
h_req POST /api/metrics/adhoc_flamegraph/delete "${A[@]}" "${J[@]}" -d "{\"serviceName\":\"checkout\",\"filename\":\"$F1\"}"
h_is "delete: 200" "$H_STATUS" 200
h_is "delete: both objects gone from S3" "$(s3_status "$K1") $(s3_status "$R1")" "404 404"
h_is "delete: row and stack rows gone" \
	"$(h_sql "SELECT count(*) FROM AdhocFlamegraphMetadata WHERE s3_key = '$K1'"):$(h_sql "SELECT count(*) FROM smp_profile WHERE adhoc_key = '$K1'")" "0:0"
h_req POST /api/metrics/adhoc_flamegraph/delete "${A[@]}" "${J[@]}" -d "{\"serviceName\":\"checkout\",\"filename\":\"$F1\"}"
h_is "delete twice: 404" "$H_STATUS" 404
h_is "the proxy denied no request (every one was signed right)" "$(h_aws_stats s3 | jq -r .denied)" 0

# --- retention ---------------------------------------------------------------------
F2=$(imp h2)
F3=$(imp h3)
F4=$(imp h4)
h_req POST /api/metrics/adhoc_flamegraph/pin "${A[@]}" "${J[@]}" -d "{\"serviceName\":\"checkout\",\"filename\":\"$F3\",\"pinned\":true}"
h_is "pin: 200" "$H_STATUS" 200
h_sql "UPDATE AdhocFlamegraphMetadata SET created_at = now() - interval '40 days' WHERE s3_key NOT LIKE '%$F4'" >/dev/null
K2=$(key_of "$F2")
K3=$(key_of "$F3")
K4=$(key_of "$F4")
EMBER_ADHOC_RETENTION_DAYS=30 EMBER_ADHOC_RETENTION_BATCH=2 EMBER_ADHOC_RETENTION_INTERVAL=1 i_start
i_wait_for 30 bash -c "[ \"\$(psql -X -At -c 'SELECT count(*) FROM AdhocFlamegraphMetadata')\" = 2 ]" || true
h_is "retention: the old unpinned profile's row goes, the pinned and the new stay" \
	"$(h_sql "SELECT count(*) FROM AdhocFlamegraphMetadata WHERE s3_key IN ('$K3', '$K4')"):$(h_sql "SELECT count(*) FROM AdhocFlamegraphMetadata WHERE s3_key = '$K2'")" "2:0"
h_is "retention: its S3 object is gone, the others' stay" \
	"$(s3_status "$K2") $(s3_status "$K3") $(s3_status "$K4")" "404 200 200"
i_stop
h_is "workers exit 0" "$I_RC" 0
h_done
