#!/bin/bash
# t_quickstart.sh - scripts/run from a fresh copy of the source tree:
# build, PostgreSQL, migrations, key, supervisord + lighttpd + workers and
# the sample data; then the UI, the ad hoc list (24 flamegraphs: 3
# services x 2 hosts x 4), one flamegraph as JSON and as raw HTML, and
# `scripts/run stop` leaving no process and no open port behind.
#
# ember-test: no-sanitizer (it builds and installs its own copy)
#
# The tree is copied (tracked + untracked-but-not-ignored files, as
# `git clone` would give plus uncommitted work), so nothing built in the
# source tree helps; the build inside dominates the run time.
#
#     EMBER_BUILD=/tmp/build bash tests/integration/t_quickstart.sh
source "$(dirname "$0")/../harness/lib.sh"

for t in git node supervisord supervisorctl lighttpd openssl curl jq; do
	command -v "$t" >/dev/null || { echo "1..0 # SKIP no $t"; exit 0; }
done
h_init
SRC=$H_RUN/src
STATE=$H_RUN/state
mkdir -p "$SRC"
(cd "$H_ROOT" && git ls-files -co --exclude-standard -z |
	xargs -0 -r sh -c 'for f; do [ -f "$f" ] && printf "%s\0" "$f"; done' sh |
	tar -cf - --null --no-recursion -T -) | (cd "$SRC" && tar -xf -) ||
	h_die "cannot copy the source tree"
h_ok "the copy has no build output" test ! -e "$SRC/configure" -a ! -e "$SRC/Makefile"

export EMBER_STATE=$STATE EMBER_SKIP_DEPS=1 EMBER_AGENTS=0
# Whatever happens below, stop what the quick start started.
h_on_exit "EMBER_STATE='$STATE' '$SRC/scripts/run' stop"
t0=$(date +%s)
"$SRC/scripts/run" --detach >"$H_RUN/run.out" 2>&1
rc=$?
h_is "scripts/run --detach exits 0" "$rc" 0
if [ "$rc" != 0 ]; then
	sed 's/^/#   /' "$H_RUN/run.out" | tail -n 30
	h_done
fi
h_log "quick start took $(($(date +%s) - t0)) s"
# shellcheck source=/dev/null
. "$STATE/ports.env"
URL=http://127.0.0.1:$HTTP_PORT
KEY=$(cat "$STATE/api-key")
h_ok "it prints the UI URL" grep -q "UI: *$URL/" "$H_RUN/run.out"
h_ok "it prints the API key" grep -qF "API key:       $KEY" "$H_RUN/run.out"
h_ok "the binaries are installed in the state prefix" \
	test -x "$STATE/prefix/bin/ember-fcgi" -a -x "$STATE/prefix/bin/ember-workers" -a -x "$STATE/prefix/bin/ember-admin"

# ---- the UI through lighttpd (static files, basic auth) --------------------
code=$(curl -s -o "$H_RUN/index.html" -w '%{http_code}' -u admin:admin "$URL/")
h_is "GET / with admin:admin" "$code" 200
h_ok "... is static/index.html" cmp -s "$H_RUN/index.html" "$SRC/static/index.html"
h_is "GET / without login" "$(curl -s -o /dev/null -w '%{http_code}' "$URL/")" 401
h_is "GET / with a wrong password" "$(curl -s -o /dev/null -w '%{http_code}' -u admin:nope "$URL/")" 401
h_is "the agents' health check needs no login" \
	"$(curl -s -o /dev/null -w '%{http_code}' "$URL/api/v1/health_check")" 200
status=$(EMBER_STATE=$STATE "$SRC/scripts/run" status 2>&1)
h_ok "scripts/run status: lighttpd RUNNING" grep -qE '^lighttpd +RUNNING' <<<"$status"
h_ok "scripts/run status: workers RUNNING" grep -qE '^workers +RUNNING' <<<"$status"

# ---- the sample flamegraphs -------------------------------------------------
from=$(date -u -d '3 hours ago' +%Y-%m-%dT%H:%M:%S)
to=$(date -u -d '1 hour' +%Y-%m-%dT%H:%M:%S)
list() {
	curl -s -u admin:admin "$URL/api/metrics/adhoc_flamegraphs?serviceName=$1&startTime=$from&endTime=$to"
}
total=0
for _ in $(seq 150); do
	total=0
	for svc in checkout search payments; do
		n=$(list "$svc" | jq 'length' 2>/dev/null || echo 0)
		total=$((total + ${n:-0}))
	done
	[ "$total" -ge 24 ] && break
	sleep 0.2
done
h_is "24 sample flamegraphs are listed (3 services x 2 hosts x 4)" "$total" 24
body=$(list checkout)
h_is "checkout: 8, on its 2 hosts" "$(jq -c '[length, ([.[].hostname] | unique)]' <<<"$body")" \
	'[8,["checkout-node-1","checkout-node-2"]]'
h_is "... every object exists" "$(jq '[.[] | select(.removed or (.exists | not))] | length' <<<"$body")" 0
FILE=$(jq -r '.[0].filename' <<<"$body")
h_ok "a file name to open" test -n "$FILE" -a "$FILE" != null

code=$(curl -s -o "$H_RUN/content.json" -w '%{http_code}' -u admin:admin \
	"$URL/api/metrics/adhoc_flamegraph_content?serviceName=checkout&filename=$FILE")
h_is "content (JSON): 200" "$code" 200
h_is "... names the file" "$(jq -r .filename "$H_RUN/content.json")" "$FILE"
h_ok "... carries the HTML" bash -c "jq -r .content '$H_RUN/content.json' | grep -qi '<html'"
code=$(curl -s -D "$H_RUN/raw.h" -o "$H_RUN/raw.html" -w '%{http_code}' -u admin:admin \
	"$URL/api/metrics/adhoc_flamegraph_content?serviceName=checkout&filename=$FILE&format=html")
h_is "content (raw HTML): 200" "$code" 200
h_ok "... text/html" grep -qi '^content-type: text/html' "$H_RUN/raw.h"
h_ok "... with a Content-Security-Policy" grep -qi '^content-security-policy: .*sandbox' "$H_RUN/raw.h"
h_ok "... the same HTML as the JSON" cmp -s <(jq -j .content "$H_RUN/content.json") "$H_RUN/raw.html"
# conf/lighttpd.conf + x_sendfile: lighttpd sent the file (its validators)
h_ok "... sent by lighttpd from the store (X-Sendfile)" grep -qi '^last-modified: ' "$H_RUN/raw.h"

# ---- the admin tool against the running system -----------------------------
ADM="$STATE/prefix/bin/ember-admin -c $STATE/ember.ini"
h_ok "ember-admin workers status: running" bash -c "$ADM workers status | grep -qE '^supervisor: .*, running,'"
h_is "ember-admin queue status: no dead letters" "$($ADM queue status --json | jq .dead)" 0
h_ok "the man page is installed" test -f "$STATE/prefix/share/man/man1/ember-admin.1"
h_ok "the UI is installed" cmp -s "$STATE/prefix/share/ember/static/index.html" "$SRC/static/index.html"

# ---- stop ---------------------------------------------------------------------
out=$(EMBER_STATE=$STATE "$SRC/scripts/run" stop 2>&1)
h_is "scripts/run stop exits 0" "$?" 0
left=
for _ in $(seq 50); do
	left=$(pgrep -af -- "$H_RUN/" || true)
	[ -z "$left" ] && break
	sleep 0.2
done
h_is "no process of the quick start is left" "$left" ""
h_ok "the HTTP port is closed" bash -c "! (exec 3<>/dev/tcp/127.0.0.1/$HTTP_PORT) 2>/dev/null"
h_ok "the PostgreSQL port is closed" bash -c "! (exec 3<>/dev/tcp/127.0.0.1/$PG_PORT) 2>/dev/null"
h_ok "the supervisor socket is gone" test ! -S "$STATE/supervisor.sock"
h_is "scripts/run stop again is harmless" "$(EMBER_STATE=$STATE "$SRC/scripts/run" stop >/dev/null 2>&1; echo $?)" 0

h_done
