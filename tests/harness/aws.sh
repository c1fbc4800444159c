# tests/harness/aws.sh - local S3 and SQS behind SigV4-checking proxies.
#
# Source it after lib.sh, then call h_init and:
#
#     h_aws_start            # s3rver + local-aws-sqs + two sigv4 proxies
#     h_aws_fault s3 500 3   # the next 3 S3 requests get a 500
#     h_aws_fault sqs drop 1 # the next SQS request has its connection reset
#     h_aws_stats s3         # JSON counters of the S3 proxy
#
# h_aws_start exports, for our binaries:
#     EMBER_STORE_BACKEND=s3 EMBER_S3_ENDPOINT EMBER_S3_REGION EMBER_S3_BUCKET
#     EMBER_S3_PATH_STYLE EMBER_S3_ACCESS_KEY EMBER_S3_SECRET_KEY
#     EMBER_QUEUE_BACKEND=sqs EMBER_SQS_ENDPOINT EMBER_SQS_REGION
#     EMBER_SQS_QUEUE_URL EMBER_SQS_DLQ_URL EMBER_SQS_ACCESS_KEY EMBER_SQS_SECRET_KEY
# and H_S3_PORT / H_SQS_PORT (the proxies), H_S3_RAW_PORT / H_SQS_RAW_PORT
# (the emulators), H_AWS_DIR (the tests/aws folder).  The emulators' npm
# packages are installed from tests/aws/package-lock.json on first use
# (npm ci) unless scripts/install-deps already did.

H_AWS_DIR="$H_ROOT/tests/aws"

# h_aws_deps: make sure node_modules exists (npm ci from the lock file).
h_aws_deps() {
	command -v node >/dev/null && command -v npm >/dev/null ||
		h_die "node/npm not found (scripts/install-deps installs them)"
	if [ ! -d "$H_AWS_DIR/node_modules/s3rver" ] ||
		[ ! -d "$H_AWS_DIR/node_modules/local-aws-sqs" ] ||
		[ ! -d "$H_AWS_DIR/node_modules/@smithy/signature-v4" ]; then
		(cd "$H_AWS_DIR" && npm ci --no-audit --no-fund >"$H_RUN/npm.log" 2>&1) ||
			h_die "npm ci in tests/aws failed: $(tail -3 "$H_RUN/npm.log")"
	fi
}

# h_aws_start [QUEUE] [DLQ]: start everything; queue names default jobs, jobs-dlq.
h_aws_start() {
	local q=${1:-jobs} dlq=${2:-jobs-dlq} p
	h_aws_deps
	mkdir -p "$H_RUN/s3"
	H_S3_RAW_PORT=$(h_free_port)
	H_SQS_RAW_PORT=$(h_free_port)
	H_S3_PORT=$(h_free_port)
	H_SQS_PORT=$(h_free_port)
	H_AWS_BUCKET=ember-test
	(cd "$H_AWS_DIR" && NODE_OPTIONS=--openssl-legacy-provider exec node node_modules/s3rver/bin/s3rver.js \
		-d "$H_RUN/s3" -a 127.0.0.1 -p "$H_S3_RAW_PORT" --silent \
		--configure-bucket "$H_AWS_BUCKET" >"$H_RUN/s3rver.log" 2>&1) &
	H_PIDS+=($!)
	H_S3RVER_PID=$!
	(cd "$H_AWS_DIR" && exec node sqs-server.mjs "$H_SQS_RAW_PORT" "$q" "$dlq" \
		>"$H_RUN/sqs.log" 2>&1) &
	H_PIDS+=($!)
	(cd "$H_AWS_DIR" && exec node sigv4-proxy.mjs "$H_S3_PORT" "$H_S3_RAW_PORT" S3RVER:S3RVER \
		>"$H_RUN/proxy-s3.log" 2>&1) &
	H_PIDS+=($!)
	(cd "$H_AWS_DIR" && exec node sigv4-proxy.mjs "$H_SQS_PORT" "$H_SQS_RAW_PORT" AKIDEMBER:SECRETEMBER \
		>"$H_RUN/proxy-sqs.log" 2>&1) &
	H_PIDS+=($!)
	for p in "$H_S3_RAW_PORT" "$H_SQS_RAW_PORT" "$H_S3_PORT" "$H_SQS_PORT"; do
		h_wait_port "$p" 300 || h_die "AWS emulator on port $p did not start (see $H_RUN/*.log)"
	done
	export H_S3_PORT H_SQS_PORT H_S3_RAW_PORT H_SQS_RAW_PORT H_AWS_BUCKET
	export EMBER_STORE_BACKEND=s3 EMBER_S3_ENDPOINT="http://127.0.0.1:$H_S3_PORT" \
		EMBER_S3_REGION=us-east-1 EMBER_S3_BUCKET="$H_AWS_BUCKET" EMBER_S3_PATH_STYLE=true \
		EMBER_S3_ACCESS_KEY=S3RVER EMBER_S3_SECRET_KEY=S3RVER
	export EMBER_QUEUE_BACKEND=sqs EMBER_SQS_ENDPOINT="http://127.0.0.1:$H_SQS_PORT" \
		EMBER_SQS_REGION=us-east-1 \
		EMBER_SQS_QUEUE_URL="http://127.0.0.1:$H_SQS_PORT/123456789012/$q" \
		EMBER_SQS_DLQ_URL="http://127.0.0.1:$H_SQS_PORT/123456789012/$dlq" \
		EMBER_SQS_ACCESS_KEY=AKIDEMBER EMBER_SQS_SECRET_KEY=SECRETEMBER
}

# h_aws_port s3|sqs: the proxy port of a service.
h_aws_port() { if [ "$1" = s3 ]; then echo "$H_S3_PORT"; else echo "$H_SQS_PORT"; fi; }

# h_aws_fault s3|sqs MODE [COUNT] [MS]: arm a fault in that proxy.
# MODE: 500 503 slowdown throttle drop delay off; COUNT -1 = until "off".
h_aws_fault() {
	curl -fsS -X POST -d "{\"mode\":\"$2\",\"count\":${3:-1},\"ms\":${4:-0}}" \
		"http://127.0.0.1:$(h_aws_port "$1")/__fault" >/dev/null
}

# h_aws_stats s3|sqs: print the proxy's counters as JSON.
h_aws_stats() { curl -fsS "http://127.0.0.1:$(h_aws_port "$1")/__stats"; }

# h_aws_reset s3|sqs: clear the proxy's fault and counters.
h_aws_reset() { curl -fsS -X POST "http://127.0.0.1:$(h_aws_port "$1")/__reset" >/dev/null; }
