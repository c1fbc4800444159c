#!/bin/bash
# shellcheck source-path=SCRIPTDIR
# tests/browser/run.sh - real-browser tests of the web UI against the whole
# stack: PostgreSQL + migrations, lighttpd serving static/ with ember-fcgi
# behind it, and ember-workers indexing uploads from the pg queue into an
# fs object store.  Test data goes in through the real agent endpoints
# (gzip POST /api/v2/profiles, POST /api/metrics/heartbeat); then
# ui.test.mjs drives Debian's /usr/bin/chromium with playwright-core.
#
#     EMBER_BUILD=/tmp/build-x bash tests/browser/run.sh
#
# First explorer.test.mjs runs the explorer and the pages' rough edges
# against mock-server.mjs (no backend needed), then ui.test.mjs the rest
# against the real stack, then explorer-real.test.mjs the explorer against
# the real stack with continuous profiles uploaded and indexed (and checks
# that the mock answers what the real API answers for the same data), then
# library.test.mjs (the ad hoc library, the agents' pages offline, a hostile
# page) against the same stack behind lighttpd restarted with HTTP basic
# auth (so REMOTE_USER is set).
# EMBER_BROWSER_ONLY=explorer|ui|library runs just that part (explorer: the
# mock tests only).
# EMBER_SCREENSHOT_DIR=docs/screenshots refreshes the README's explorer
# screenshots from the real stack.
#
# Prints TAP.  Screenshots go to $EMBER_ARTIFACTS (default
# tests/artifacts/browser, gitignored).  If a backend binary is missing,
# every test that needed it is reported "not ok ... # backend missing"
# (or skipped with EMBER_BROWSER_SKIP_MISSING=1).

HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../harness/lib.sh
source "$HERE/../harness/lib.sh"
# shellcheck source=../harness/lighttpd.sh
source "$HERE/../harness/lighttpd.sh"

: "${EMBER_ARTIFACTS:=$H_ROOT/tests/artifacts/browser}"
: "${EMBER_CHROMIUM:=/usr/bin/chromium}"
EMBER_WORKERS_BIN=${EMBER_WORKERS_BIN:-$EMBER_BUILD/workers/ember-workers}
EMBER_ADMIN_BIN=${EMBER_ADMIN_BIN:-$EMBER_BUILD/workers/ember-admin}
export EMBER_ARTIFACTS EMBER_CHROMIUM

# missing WHAT: report every browser test as not run, then stop.
missing() {
	local why=$1 t
	for t in $( (node "$HERE/ui.test.mjs" --list && node "$HERE/explorer-real.test.mjs" --list &&
		node "$HERE/library.test.mjs" --list) 2>/dev/null || echo "browser-tests"); do
		H_N=$((H_N + 1))
		if [ -n "${EMBER_BROWSER_SKIP_MISSING:-}" ]; then
			echo "ok $H_N - $t # SKIP $why"
		else
			echo "not ok $H_N - $t # $why"
			H_FAILED=$((H_FAILED + 1))
		fi
	done
	h_done
	exit
}

h_init
command -v node >/dev/null || h_die "node not found"
[ -x "$EMBER_CHROMIUM" ] || h_die "chromium not found at $EMBER_CHROMIUM (apt-get install chromium)"
if [ ! -d "$HERE/node_modules/playwright-core" ]; then
	h_log "installing playwright-core from package-lock.json (no browser download)"
	(cd "$HERE" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --silent) >&2 ||
		h_die "npm ci failed in $HERE"
fi

# run_tap CMD...: run a node program that prints TAP, renumber its lines
# into ours.  A run that dies before its plan line is a failure even if
# every line was ok.
run_tap() {
	local line planned=
	while IFS= read -r line; do
		case $line in
		"ok "*) H_N=$((H_N + 1)); echo "ok $H_N - ${line#ok * - }" ;;
		"not ok "*) H_N=$((H_N + 1)); H_FAILED=$((H_FAILED + 1)); echo "not ok $H_N - ${line#not ok * - }" ;;
		1..*) planned=1 ;;
		*) echo "$line" ;;
		esac
	done < <(timeout 300 "$@" 2>&1; echo "# $* exited $?")
	if [ -z "$planned" ]; then
		H_N=$((H_N + 1)); H_FAILED=$((H_FAILED + 1))
		echo "not ok $H_N - $* ran to its end"
	fi
}

# want NAME: true when the test file NAME is to run.
want() { [ -z "${EMBER_BROWSER_ONLY:-}" ] || [ "$EMBER_BROWSER_ONLY" = "$1" ]; }

mkdir -p "$EMBER_ARTIFACTS"
want explorer && run_tap node "$HERE/explorer.test.mjs"
if [ "${EMBER_BROWSER_ONLY:-}" = explorer ]; then
	h_done
	exit
fi

[ -x "$EMBER_FCGI" ] || missing "backend missing: $EMBER_FCGI not built"
[ -x "$EMBER_WORKERS_BIN" ] || missing "backend missing: $EMBER_WORKERS_BIN not built"

h_pg_start
export EMBER_STORE_BACKEND=fs EMBER_STORE_FS_ROOT="$H_RUN/objects"
export EMBER_QUEUE_BACKEND=pg EMBER_QUEUE_WAIT=1 EMBER_LOG_LEVEL=${EMBER_LOG_LEVEL:-warn}
export EMBER_WORKERS_STATUS_FILE="$H_RUN/workers.json"
mkdir -p "$EMBER_STORE_FS_ROOT"

# Schema: the harness helper, else ember-admin, else the raw files.
if declare -F h_migrate >/dev/null; then
	h_migrate >&2 || h_die "migrations failed"
elif [ -x "$EMBER_ADMIN_BIN" ]; then
	"$EMBER_ADMIN_BIN" --sql-dir "$H_ROOT/sql" migrate up >&2 || h_die "ember-admin migrate up failed"
else
	for f in "$H_ROOT"/sql/[0-9]*.up.sql; do
		psql -X -q -v ON_ERROR_STOP=1 -f "$f" >/dev/null || h_die "migration $f failed"
	done
fi

# An agent API key valid for every service.
EMBER_TEST_KEY=
if [ -x "$EMBER_ADMIN_BIN" ]; then
	EMBER_TEST_KEY=$("$EMBER_ADMIN_BIN" key create --all 2>/dev/null |
		grep -Eo '[A-Za-z0-9_-]{32,}' | head -n 1)
fi
if [ -z "$EMBER_TEST_KEY" ]; then
	EMBER_TEST_KEY="browser-test-key-$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')"
	psql -X -q -v ON_ERROR_STOP=1 -v key="$EMBER_TEST_KEY" >/dev/null <<'SQL' || h_die "cannot create the API key"
INSERT INTO ember_api_keys (key_hash, key_prefix, description)
VALUES (encode(sha256(convert_to(:'key', 'UTF8')), 'hex'), left(:'key', 8), 'browser tests');
SQL
fi
export EMBER_TEST_KEY

h_lighttpd_start 2
h_bg "$EMBER_WORKERS_BIN" 2>>"$H_RUN/workers-stderr.log"
sleep 0.3
kill -0 "$H_LASTPID" 2>/dev/null || missing "backend missing: ember-workers exited: $(tail -3 "$H_RUN/workers-stderr.log")"
export EMBER_BASE_URL=$H_HTTP EMBER_STORE_ROOT=$EMBER_STORE_FS_ROOT

want ui && run_tap node "$HERE/ui.test.mjs"
want explorer && run_tap node "$HERE/explorer-real.test.mjs"

# The library's tests as an operator who logs in: lighttpd again, now
# asking for HTTP basic auth (the agent paths stay open).
if want library; then
	h_lighttpd_stop
	# Under Apache the prefork masters outlive it: stop them too.
	for pid in ${H_FCGI_MASTER_PID:-} ${H_FCGI_AGENT_PID:-}; do
		kill "$pid" 2>/dev/null
		for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
	done
	rm -f "$H_RUN/ember-fcgi.sock" "$H_RUN/ember-fcgi-agents.sock"
	printf 'alice:wonderland\n' >"$H_RUN/users"
	H_LIGHTTPD_USERS=$H_RUN/users h_lighttpd_start 2
	export EMBER_BASE_URL=$H_HTTP EMBER_TEST_USER=alice:wonderland
	run_tap node "$HERE/library.test.mjs"
fi
if [ "$H_FAILED" -gt 0 ]; then
	h_log "server logs: $H_RUN (set H_KEEP=1 to keep them)"
	tail -n 20 "$H_RUN/fcgi-stderr.log" "$H_RUN/workers-stderr.log" 2>/dev/null | sed 's/^/# /'
fi
h_done
