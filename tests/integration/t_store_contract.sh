#!/bin/bash
# t_store_contract.sh - the object-store contract against fs and S3
# (s3rver behind the SigV4-checking proxy), plus S3 faults: a wrong secret,
# 500s then recovery, throttling, dropped connections, timeouts, the store
# down, and failures that must leave nothing half-written.
source "$(dirname "$0")/../harness/lib.sh"
source "$(dirname "$0")/../harness/aws.sh"
h_init

CS=$EMBER_BUILD/tests/integration/contract_store
[ -x "$CS" ] || h_die "build $CS first (make check or make tests/integration/contract_store)"

# run_suite NAME: run the C suite, re-number its TAP lines into ours.
run_suite() {
	local name=$1 line
	"$CS" suite >"$H_RUN/suite-$name.tap" 2>&1
	while IFS= read -r line; do
		case "$line" in
		"ok "*) h_ok "$name: ${line#ok * - }" true ;;
		"not ok "*) h_ok "$name: ${line#not ok * - }" false ;;
		"#"*) echo "$line" ;;
		esac
	done <"$H_RUN/suite-$name.tap"
	grep -q '^1\.\.' "$H_RUN/suite-$name.tap" || h_ok "$name: suite ran to the end" false
}

# ---- fs
export EMBER_STORE_BACKEND=fs EMBER_STORE_FS_ROOT="$H_RUN/fs-root"
run_suite fs
head -c 3000 /dev/urandom >"$H_RUN/blob"
h_ok "fs: stream put whose input ends early fails" \
	bash -c "! '$CS' put-short short/x 5000 2>'$H_RUN/err'"
h_ok "fs: ... leaving no object and no temporary file" \
	bash -c "[ ! -e '$H_RUN/fs-root/short/x' ] && [ -z \"\$(ls -A '$H_RUN/fs-root/short')\" ]"

# ---- s3 through the checking proxy
h_aws_start
run_suite s3
h_is "s3: the proxy denied nothing during the suite" \
	"$(h_aws_stats s3 | jq -r .denied)" 0
h_ok "s3: connections are kept alive (requests per connection > 20)" \
	test "$(h_aws_stats s3 | jq -r '(.requests / .connections) > 20')" = true

h_ok "s3: wrong secret key fails" \
	bash -c "! EMBER_S3_SECRET_KEY=wrong '$CS' put auth/x '$H_RUN/blob' 2>'$H_RUN/err'"
h_ok "s3: ... with a clear 403 SignatureDoesNotMatch error (unauthorized)" \
	grep -q 'unauthorized.*HTTP 403 SignatureDoesNotMatch' "$H_RUN/err"
h_is "s3: ... after one attempt (4xx is not retried)" \
	"$(grep -o '([0-9]* attempt' "$H_RUN/err")" "(1 attempt"
h_ok "s3: ... and nothing was stored" \
	bash -c "[ \"\$('$CS' exists auth/x)\" = 0 ]"

h_aws_reset s3
h_aws_fault s3 500 3
h_ok "s3: store answering 500 three times: put succeeds on retry" \
	"$CS" put fault/500 "$H_RUN/blob"
h_is "s3: ... the proxy injected 3 faults" "$(h_aws_stats s3 | jq -r .faults)" 3
"$CS" get fault/500 >"$H_RUN/back" 2>"$H_RUN/err"
h_ok "s3: ... and the object is intact" cmp -s "$H_RUN/blob" "$H_RUN/back"

h_aws_fault s3 slowdown 2
h_ok "s3: 503 SlowDown twice: get succeeds on retry" \
	bash -c "'$CS' get fault/500 >/dev/null"
h_aws_fault s3 throttle 1
h_ok "s3: 429 once: head succeeds on retry" bash -c "'$CS' head fault/500 >/dev/null"
h_aws_fault s3 drop 2
h_ok "s3: connection reset twice: put succeeds on retry" \
	"$CS" put fault/drop "$H_RUN/blob"
h_aws_fault s3 delay 1 1500
h_ok "s3: one answer slower than the 500 ms timeout: retried" \
	bash -c "EMBER_S3_TIMEOUT_MS=500 '$CS' head fault/500 >/dev/null"

h_aws_fault s3 500 -1
h_ok "s3: store failing for good: put fails" \
	bash -c "! EMBER_S3_RETRIES=2 '$CS' put fault/never '$H_RUN/blob' 2>'$H_RUN/err'"
h_ok "s3: ... with an HTTP 500 error after 3 attempts" \
	grep -q 'HTTP 500 InternalError.*(3 attempts)' "$H_RUN/err"
h_aws_fault s3 off 0
h_is "s3: ... and nothing was stored" "$("$CS" exists fault/never)" 0

dead=$(h_free_port)
EMBER_S3_ENDPOINT="http://127.0.0.1:$dead" EMBER_S3_RETRIES=1 \
	"$CS" put down/x "$H_RUN/blob" 2>"$H_RUN/err"
rc=$?
h_is "s3: store down: put exits 1 (no crash)" "$rc" 1
h_ok "s3: ... with a clear connection error" grep -q "Couldn't connect" "$H_RUN/err"
h_is "s3: ... and nothing was stored" "$("$CS" exists down/x)" 0

h_aws_fault s3 drop -1
h_ok "s3: connection dropped on every attempt of a 3000-byte put fails" \
	bash -c "! EMBER_S3_RETRIES=1 '$CS' put half/x '$H_RUN/blob' 2>/dev/null"
h_aws_fault s3 off 0
h_is "s3: ... and no partial object exists" "$("$CS" exists half/x)" 0

h_done
