# tests/integration/ingest_lib.sh - helpers for the t_ingest*.sh tests.
#
# Source after lib.sh and api.sh.  Sets up a database with the migrations,
# an fs object store under $H_RUN/objects and the pg queue, and gives:
#
#     i_setup                       # database, service "checkout" ($I_SID), env
#     i_put NAME [mkprofile args]   # gzip a generated profile to the raw key
#     i_send BODY                   # enqueue one message (pg queue)
#     i_msg NAME                    # the standard body for NAME
#     i_start                       # start ember-workers ($I_PID)
#     i_wait_idle [SECS]            # until the queue is empty and nothing runs
#     i_html NAME                   # the HTML bytes a stored profile carries
#     i_count_* / i_status KEY      # counts and status-file values

I_MK="$H_ROOT/tests/data/profiles/mkprofile.py"
I_BIN="$EMBER_BUILD/workers/ember-workers"

i_setup() {
	h_api_db
	I_SID=$(h_sql "INSERT INTO Services (name) VALUES ('checkout') RETURNING id")
	I_OBJ="$H_RUN/objects"
	I_RAW="$I_OBJ/products/checkout/stacks"
	mkdir -p "$I_RAW" "$H_RUN/src"
	export EMBER_STORE_BACKEND=fs EMBER_STORE_FS_ROOT="$I_OBJ"
	export EMBER_QUEUE_BACKEND=pg EMBER_QUEUE_NAME=indexer EMBER_QUEUE_WAIT=1
	export EMBER_QUEUE_MAX_RECEIVES=${EMBER_QUEUE_MAX_RECEIVES:-5}
	export EMBER_WORKERS_COUNT=${EMBER_WORKERS_COUNT:-2}
	export EMBER_WORKERS_STATUS_FILE="$H_RUN/status.json"
	export EMBER_WORKERS_STATUS_INTERVAL=1 EMBER_WORKERS_RESPAWN_MIN=0
	export EMBER_WORKERS_RETRY_BASE=1 EMBER_WORKERS_RETRY_MAX=2
	export EMBER_WORKERS_SHUTDOWN_TIMEOUT=${EMBER_WORKERS_SHUTDOWN_TIMEOUT:-10}
	export EMBER_WORKERS_JOB_TIMEOUT=${EMBER_WORKERS_JOB_TIMEOUT:-20}
	export EMBER_LOG_LEVEL=${EMBER_LOG_LEVEL:-info}
	I_LOG="$H_RUN/workers.log"
}

# i_name N [HOST]: a raw file name like the upload endpoint makes.
i_name() {
	local n=$1 host=${2:-ip-10-0-1-5}
	printf '2026-03-11T10:%02d:%02d_%032x_%s.gz' $((n / 60 % 60)) $((n % 60)) "$n" \
		"$(printf %s "$host" | md5sum | cut -c1-32)"
}

i_put() {
	local name=$1
	shift
	python3 "$I_MK" "$@" >"$H_RUN/src/${name%.gz}.txt" || h_die "mkprofile failed"
	gzip -c "$H_RUN/src/${name%.gz}.txt" >"$I_RAW/$name"
}

i_msg() { printf '{"filename": "%s", "service": "checkout", "service_id": %s}' "$1" "$I_SID"; }

i_send() {
	local body=${1//\'/\'\'}
	h_sql "INSERT INTO ember_job_queue (queue, body) VALUES ('indexer', '$body')" >/dev/null
}

# i_html NAME: the flamegraph bytes of a generated profile (base64 decoded).
i_html() {
	python3 - "$H_RUN/src/${1%.gz}.txt" <<'PY'
import base64, binascii, json, sys
h = json.loads(open(sys.argv[1], encoding="utf-8").readline()[2:])["flamegraph_html"]
try:
    data = base64.b64decode(h, validate=True)
except (binascii.Error, ValueError):
    data = h.encode()
sys.stdout.buffer.write(data)
PY
}

i_start() {
	h_bg "$I_BIN" "$@" 2>>"$I_LOG"
	I_PID=$H_LASTPID
}

i_count_queue() { h_sql "SELECT count(*) FROM ember_job_queue WHERE queue = 'indexer'"; }
i_count_dead() { h_sql "SELECT count(*) FROM ember_job_dead_letter WHERE queue = 'indexer'"; }
i_count_rows() { h_sql "SELECT count(*) FROM AdhocFlamegraphMetadata"; }
i_count_objects() {
	find "$I_OBJ/products/checkout/stacks/flamegraph" -type f -name "*_${1:-adhoc}_flamegraph.html" 2>/dev/null | wc -l
}

# i_status PATH: a value from the status file (python-style path, e.g. counters.done).
i_status() {
	python3 - "$H_RUN/status.json" "$1" <<'PY' 2>/dev/null
import json, sys
v = json.load(open(sys.argv[1]))
for k in sys.argv[2].split("."):
    v = v[int(k)] if isinstance(v, list) else v[k]
print(v)
PY
}

# i_wait_idle [SECS]: until the queue table is empty and no job runs.
i_wait_idle() {
	local i
	for i in $(seq $((${1:-30} * 10))); do
		if [ "$(i_count_queue)" = 0 ] && [ "$(i_status in_flight)" = 0 ]; then
			sleep 1.2	# let the acker's last deletes land and the status refresh
			[ "$(i_count_queue)" = 0 ] && return 0
		fi
		sleep 0.1
	done
	return 1
}

# i_wait_for SECS CMD...: poll CMD until it succeeds.
i_wait_for() {
	local secs=$1 i
	shift
	for i in $(seq $((secs * 10))); do
		"$@" && return 0
		sleep 0.1
	done
	return 1
}

# i_stop: SIGTERM the supervisor and wait; its exit status goes to $I_RC.
i_stop() {
	kill -TERM "$I_PID" 2>/dev/null
	wait "$I_PID"
	I_RC=$?
}

# i_batch FIRST COUNT: COUNT ad hoc profiles (copies of one template) named
# i_name FIRST.. and their messages.
i_batch() {
	local first=$1 count=$2 n
	[ -f "$H_RUN/template.gz" ] || {
		python3 "$I_MK" --html-kb 32 --stacks 200 | gzip -c >"$H_RUN/template.gz"
	}
	for ((n = first; n < first + count; n++)); do
		cp "$H_RUN/template.gz" "$I_RAW/$(i_name "$n")"
		i_send "$(i_msg "$(i_name "$n")")"
	done
}

# i_lock SECS: hold an exclusive lock on the metadata table (jobs block).
i_lock() {
	psql -X -q -c "BEGIN; LOCK TABLE AdhocFlamegraphMetadata IN ACCESS EXCLUSIVE MODE;
		SELECT pg_sleep($1); COMMIT;" >/dev/null 2>&1 &
	I_LOCKPID=$!
	i_wait_for 5 bash -c "[ \"\$(psql -X -At -c \"SELECT count(*) FROM pg_locks WHERE mode = 'AccessExclusiveLock' AND relation = 'adhocflamegraphmetadata'::regclass\")\" = 1 ]"
}

# i_busy N: true when N workers are BUSY.
i_busy() {
	[ "$(python3 -c 'import json,sys; print(sum(w["state"] == "BUSY" for w in json.load(open(sys.argv[1]))["workers"]))' "$H_RUN/status.json" 2>/dev/null)" = "$1" ]
}

# i_exact GOOD: exactly GOOD rows and GOOD ad hoc objects.
i_exact() {
	[ "$(i_count_rows)" = "$1" ] && [ "$(i_count_objects adhoc)" = "$1" ]
}
