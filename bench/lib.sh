# shellcheck shell=bash disable=SC2034
# bench/lib.sh - shared helpers of bench/run and bench/soak.sh.
#
# Source from bash; it sources the test harness (tests/harness/lib.sh,
# lighttpd.sh, api.sh), so h_init, h_pg_start, h_pg_ctl, h_sql ... are
# available, and adds:
#
#     b_stack                 # h_api_db + an all-services API key ($B_KEY),
#                             # fs store under $B_OBJ, pg queue; EMBER_* exported
#     b_web N [ARGS...]       # ember-fcgi ARGS -s SOCK -n N (its own prefork master,
#                             # $B_FCGI_PID) behind lighttpd ($H_HTTP), whose
#                             # document root is $B_DOCROOT (a copy of static/)
#     b_workers N [ARGS...]   # ember-workers ARGS with N workers ($B_WORKERS_PID)
#     b_workers_stop          # SIGTERM it and wait; exit status in $B_WORKERS_RC
#     b_status KEY            # a value from the workers' status file (a.b.0.c)
#     b_kib PID FIELD         # VmRSS / VmHWM of PID in KiB (0 if gone)
#     b_sql_of FILE NAME      # the SQL text of `static const struct db_stmt NAME`
#                             # (string macros from FILE and its folder's .h expanded)
#     b_wait_count SECS FROM N  # until SELECT count(*) FROM FROM reaches N
#     b_now                   # seconds since the epoch, with a fraction
#     b_calc EXPR             # awk arithmetic, printed with %.6g
#
# Everything listens on 127.0.0.1 only and lives under $H_RUN; the harness
# trap stops it all on exit.  Binaries come from $EMBER_BUILD.

B_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=../tests/harness/lib.sh
source "$B_DIR/../tests/harness/lib.sh"
# shellcheck source=../tests/harness/lighttpd.sh
source "$B_DIR/../tests/harness/lighttpd.sh"
# shellcheck source=../tests/harness/api.sh
source "$B_DIR/../tests/harness/api.sh"

B_WORKERS_BIN="$EMBER_BUILD/workers/ember-workers"
B_BARE="$EMBER_BUILD/bench/bare"

b_now() { date +%s.%N; }

b_calc() { awk "BEGIN { printf \"%.6g\", $1 }"; }

# b_build: make sure the binaries and the baseline program exist.
b_build() {
	[ -x "$EMBER_FCGI" ] && [ -x "$B_WORKERS_BIN" ] ||
		h_die "build first: make -C $EMBER_BUILD"
	if [ ! -x "$B_BARE" ] || [ "$B_DIR/bare.c" -nt "$B_BARE" ]; then
		make -s -C "$EMBER_BUILD" bench/bare >/dev/null 2>&1 ||
			h_die "cannot build bench/bare (make -C $EMBER_BUILD bench/bare)"
	fi
}

# b_stack: database, schema, key, store and queue settings.
b_stack() {
	h_api_db
	B_KEY=$(h_api_key '')
	B_OBJ="$H_RUN/objects"
	mkdir -p "$B_OBJ"
	export EMBER_STORE_BACKEND=fs EMBER_STORE_FS_ROOT="$B_OBJ"
	export EMBER_QUEUE_BACKEND=pg EMBER_QUEUE_NAME=indexer
	export EMBER_FCGI_AGENT_AUTH=required
	export EMBER_FCGI_REQUIRE_REMOTE_USER=false	# operator calls, no login
	# lighttpd sends the files of the content endpoint (b_web's front)
	export EMBER_FCGI_X_SENDFILE=true
	export EMBER_WORKERS_STATUS_FILE="$H_RUN/status.json"
	export EMBER_WORKERS_STATUS_INTERVAL=1
}

# b_web N [ARGS...]: the prefork FastCGI master with N children behind lighttpd.
b_web() {
	local n=${1:-4} sock="$H_RUN/ember-fcgi.sock"
	shift
	B_DOCROOT="$H_RUN/docroot"
	mkdir -p "$B_DOCROOT"
	cp -r "$H_ROOT/static/." "$B_DOCROOT/" 2>/dev/null
	h_bg "$EMBER_FCGI" "$@" -s "$sock" -n "$n" 2>>"$H_RUN/fcgi-stderr.log"
	B_FCGI_PID=$H_LASTPID
	for _ in $(seq 100); do [ -S "$sock" ] && break; sleep 0.05; done
	[ -S "$sock" ] || h_die "ember-fcgi -s did not create $sock"
	h_lighttpd_conf "\"socket\" => \"$sock\",
        \"check-local\" => \"disable\","
	sed -i "s|^server.document-root .*|server.document-root   = \"$B_DOCROOT\"|" \
		"$H_RUN/lighttpd.conf"
	h_lighttpd_run
}

# b_workers N [ARGS...]: start the supervisor with N workers; wait until all are idle.
b_workers() {
	local n=$1
	shift
	rm -f "$EMBER_WORKERS_STATUS_FILE"
	EMBER_WORKERS_COUNT=$n h_bg "$B_WORKERS_BIN" "$@" 2>>"$H_RUN/workers.log"
	B_WORKERS_PID=$H_LASTPID
	for _ in $(seq 200); do
		[ "$(b_idle)" = "$n" ] && return 0
		kill -0 "$B_WORKERS_PID" 2>/dev/null || break
		sleep 0.1
	done
	h_die "ember-workers did not start: $(tail -3 "$H_RUN/workers.log")"
}

# b_idle: how many workers the status file shows IDLE.
b_idle() {
	jq -r '[.workers[] | select(.state == "IDLE")] | length' \
		"$EMBER_WORKERS_STATUS_FILE" 2>/dev/null
}

# b_workers_stop: SIGTERM the supervisor and wait for it.
b_workers_stop() {
	kill -TERM "$B_WORKERS_PID" 2>/dev/null
	wait "$B_WORKERS_PID" 2>/dev/null
	B_WORKERS_RC=$?
}

# b_status PATH: a value from the status file ("counters.done", "workers.0.pid").
b_status() {
	local path
	path=$(awk -F. '{ for (i = 1; i <= NF; i++) printf "%s", ($i ~ /^[0-9]+$/ ? "[" $i "]" : "." $i) }' <<<"$1")
	jq -r "$path" "$EMBER_WORKERS_STATUS_FILE" 2>/dev/null
}

# b_kib PID FIELD: a /proc/PID/status size field (VmRSS, VmHWM) in KiB.
b_kib() {
	awk -v f="$2:" '$1 == f { print $2; found = 1 } END { if (!found) print 0 }' \
		"/proc/$1/status" 2>/dev/null || echo 0
}

# b_children PID: the child pids of PID, one a line.
b_children() { pgrep -P "$1" 2>/dev/null || true; }

# b_pin CPUS PID...: move each process, its threads and its children to
# CPUS (a taskset list); children forked later inherit it.
b_pin() {
	local cpus=$1 p c
	shift
	for p in "$@"; do
		for c in "$p" $(b_children "$p"); do
			taskset -a -p -c "$cpus" "$c" >/dev/null 2>&1 || true
		done
	done
}

# b_sql_of FILE NAME: concatenate the string literals of a db_stmt, with the
# string macros it names (#define NAME "..." in FILE or in the .h files
# beside it, e.g. AUTH_ALLOWED_SQL) expanded.
b_sql_of() {
	python3 - "$1" "$2" <<'PY'
import glob, os, re, sys
LIT = r'"((?:[^"\\]|\\.)*)"'
def nocomment(text):
    return re.sub(r"/\*.*?\*/", "", text, flags=re.S)  # quotes in comments are not SQL
macros = {}
for f in [sys.argv[1]] + glob.glob(os.path.join(os.path.dirname(sys.argv[1]), "*.h")):
    text = nocomment(open(f, encoding="utf-8").read())
    for m in re.finditer(r'#define\s+(\w+)[\s\\]+((?:"(?:[^"\\]|\\.)*"[\s\\]*)+)', text):
        macros[m.group(1)] = "".join(re.findall(LIT, m.group(2)))
src = open(sys.argv[1], encoding="utf-8").read()
m = re.search(r"static const struct db_stmt %s = \{(.*?)\n\};" % re.escape(sys.argv[2]), src, re.S)
if not m:
    sys.exit("no statement %s in %s" % (sys.argv[2], sys.argv[1]))
parts = []
for lit, ident in re.findall(LIT + r"|\b([A-Z][A-Z0-9_]+)\b", nocomment(m.group(1))):
    if ident and ident not in macros:
        sys.exit("%s: unknown macro %s" % (sys.argv[2], ident))
    parts.append(macros[ident] if ident else lit)
print("".join(parts[1:]).replace('\\"', '"'))
PY
}

# b_wait_count SECS TABLE-EXPR WANT: wait inside one PostgreSQL backend (no
# client polling, which would steal CPU from what is measured) until
# "SELECT count(*) FROM TABLE-EXPR" reaches WANT; false on timeout.
b_wait_count() {
	local secs=$1 from=$2 want=$3
	psql -X -q -v ON_ERROR_STOP=1 >/dev/null 2>&1 <<SQL
DO \$\$
DECLARE t0 timestamptz := clock_timestamp();
BEGIN
	LOOP
		EXIT WHEN (SELECT count(*) FROM $from) >= $want
			OR clock_timestamp() > t0 + interval '$secs seconds';
		PERFORM pg_sleep(0.01);
	END LOOP;
END \$\$;
SQL
	[ "$(h_sql "SELECT count(*) FROM $from")" -ge "$want" ]
}
