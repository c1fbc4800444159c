#!/bin/bash
# t_quickstart.sh - scripts/run from a fresh copy of the source tree, as
# root from a clone under a 0700 directory (as /root/ember is): build,
# PostgreSQL, migrations, key, supervisord + lighttpd + workers, the sample
# data and agents; then the UI, the ad hoc list (24 flamegraphs: 3
# services x 2 hosts x 4), one flamegraph as JSON and as raw HTML, the
# local exposure (PostgreSQL not open to other local users, secrets 0600,
# operator endpoints fail closed), a second start that starts nothing,
# `scripts/run status`, and `scripts/run stop` leaving no process and no
# open port behind; then the same with --aws (its four servers stopped too).
#
# ember-test: no-sanitizer (it builds and installs its own copy)
# ember-test: timeout 600
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
# The clone's parent is 0700, as /root is: the postgres user cannot pass.
PARENT=$(mktemp -d /tmp/ember-qs.XXXXXX)
chmod 700 "$PARENT"
h_on_exit "rm -rf '$PARENT'"
SRC=$PARENT/ember
STATE=$SRC/.run
mkdir -p "$SRC"
(cd "$H_ROOT" && git ls-files -co --exclude-standard -z |
	xargs -0 -r sh -c 'for f; do [ -f "$f" ] && printf "%s\0" "$f"; done' sh |
	tar -cf - --null --no-recursion -T -) | (cd "$SRC" && tar -xf -) ||
	h_die "cannot copy the source tree"
h_ok "the copy has no build output" test ! -e "$SRC/configure" -a ! -e "$SRC/Makefile"

# the npm packages of tests/aws (--aws below), if this tree has them
[ -d "$H_ROOT/tests/aws/node_modules/s3rver" ] &&
	ln -s "$H_ROOT/tests/aws/node_modules" "$SRC/tests/aws/node_modules"
unset EMBER_STATE
export EMBER_SKIP_DEPS=1
# Whatever happens below, stop what the quick start started and remove its
# state (the cluster lives outside the clone).
h_on_exit "'$SRC/scripts/run' clean"
help=$("$SRC/scripts/run" --help)
h_ok "--help prints the usage" grep -q '^Usage: scripts/run' <<<"$help"
h_ok "--help says where the state lives" grep -qF "$STATE" <<<"$help"
h_ok "... and the cluster, outside the clone (root)" grep -q '/var/lib/ember-run/' <<<"$help"
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
PGSTATE=$(cat "$STATE/pg-dir")
h_ok "it prints the UI URL" grep -q "UI: *$URL/" "$H_RUN/run.out"
h_ok "it prints the API key" grep -qF "API key:       $KEY" "$H_RUN/run.out"
h_is "the clone's parent is still 0700" "$(stat -c %a "$PARENT")" 700
h_ok "the cluster lives outside the clone, under /var/lib/ember-run" \
	bash -c "case '$PGSTATE' in /var/lib/ember-run/*) test -f '$PGSTATE/data/PG_VERSION' ;; *) false ;; esac"
# ---- the README's API examples: the line it prints ---------------------
line=$(grep -E '^H=http://127\.0\.0\.1:[0-9]+ AUTH=[^ ]+ K=[^ ]+$' "$H_RUN/run.out")
h_ok "it prints a ready-to-paste H=... AUTH=... K=... line" test -n "$line"
(
	eval "$line"
	h_is "... with it, an operator example of README.md works" \
		"$(curl -s -o /dev/null -w '%{http_code}' -u "$AUTH" "$H/api/services")" 200
	h_is "... and an agent one" "$(curl -s -o /dev/null -w '%{http_code}' "$H/api/v1/health_check" \
		-H "GPROFILER-API-KEY: $K" -H 'GPROFILER-SERVICE-NAME: checkout')" 200
) >"$H_RUN/readme.tap"
cat "$H_RUN/readme.tap"
H_N=$((H_N + $(grep -c '^\(not \)\{0,1\}ok' "$H_RUN/readme.tap")))
H_FAILED=$((H_FAILED + $(grep -c '^not ok' "$H_RUN/readme.tap")))

# ---- local exposure -----------------------------------------------------------
for f in api-key htpasswd ember.ini pgpass; do
	h_is "$f is mode 0600" "$(stat -c %a "$STATE/$f")" 600
done
h_ok "pg_hba.conf trusts no one" bash -c "! grep -E '^[^#]*[[:space:]]trust([[:space:]]|\$)' '$PGSTATE/data/pg_hba.conf'"
h_ok "another local user cannot reach PostgreSQL over TCP" \
	bash -c "! runuser -u nobody -- env -u PGPASSFILE -u PGPASSWORD psql -X -w -h 127.0.0.1 -p $PG_PORT -U postgres -d postgres -c 'select 1' >/dev/null 2>&1"
h_ok "... nor through its socket directory" \
	bash -c "! runuser -u nobody -- env -u PGPASSFILE psql -X -w -h '$PGSTATE/sock' -p $PG_PORT -U postgres -d postgres -c 'select 1' >/dev/null 2>&1"
h_is "... which is 0700" "$(stat -c %a "$PGSTATE/sock")" 700
h_is "the owner of the password file can" \
	"$(PGPASSFILE=$STATE/pgpass psql -X -w -At -h 127.0.0.1 -p "$PG_PORT" -U postgres -d ember -c 'select 1')" 1
h_ok "the quick start's ember-fcgi requires REMOTE_USER (fail closed)" \
	grep -qx 'require_remote_user = true' "$STATE/ember.ini"
if command -v cgi-fcgi >/dev/null; then
	sock=$(ls "$STATE"/fcgi.sock-* 2>/dev/null | head -n 1)
	out=$(env -i REQUEST_METHOD=GET REQUEST_URI=/api/services SCRIPT_NAME=/api PATH_INFO=/services \
		QUERY_STRING= SERVER_PROTOCOL=HTTP/1.1 cgi-fcgi -bind -connect "$sock" 2>/dev/null | tr -d '\r')
	h_ok "... an operator request that skipped lighttpd's login gets 401" grep -q '^Status: 401' <<<"$out"
fi
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
status=$("$SRC/scripts/run" status 2>&1)
h_is "scripts/run status exits 0" "$?" 0
for p in lighttpd workers ember-fcgi PostgreSQL agents; do
	h_ok "scripts/run status: $p RUNNING" grep -qE "^ +$p +RUNNING" <<<"$status"
done
h_ok "scripts/run status: 6 of 6 agents" grep -qE '^ +agents +RUNNING +6 of 6' <<<"$status"
h_ok "scripts/run status: no STOPPED line on a healthy system" bash -c "! grep -q STOPPED <<<\"\$1\"" _ "$status"
h_ok "scripts/run status: the agents' own FastCGI processes" grep -qE 'ember-fcgi +RUNNING .*\(3 for the agent endpoints\)' <<<"$status"

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
	[ "$total" -ge 25 ] && break
	sleep 0.2
done
h_is "25 sample flamegraphs are listed (3 services x 2 hosts x 4, and an import)" "$total" 25
body=$(list checkout)
h_is "checkout: 9, on its 2 hosts and the imported one's" "$(jq -c '[length, ([.[].hostname] | unique)]' <<<"$body")" \
	'[9,["checkout-node-1","checkout-node-2","laptop"]]'
h_is "... every object exists" "$(jq '[.[] | select(.removed or (.exists | not))] | length' <<<"$body")" 0
h_is "the library shows the imported profile, pinned and noted" \
	"$(jq -c '[.[] | select(.hostname == "laptop") | [.source, .pinned, .title, (.note | test("pinned"))]]' <<<"$body")" \
	'[["import",true,"perf script from a laptop",true]]'
fg=$(curl -s -u admin:admin "$URL/api/flamegraph?serviceName=checkout&startTime=$from&endTime=$to")
h_ok "the sample agents' continuous profiles are indexed: the explorer's tree has samples" \
	test "$(jq '.value' <<<"$fg" 2>/dev/null || echo 0)" -gt 0
FILE=$(jq -r '[.[] | select(.hostname != "laptop")][0].filename' <<<"$body")
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

# ---- a second start ------------------------------------------------------------
# everything of this quick start: its processes name the clone or the cluster
procs() { pgrep -af -- "$PARENT/|$PGSTATE/" | grep -v "pgrep" || true; }
sup=$(cat "$STATE/supervisord.pid")
n0=$(procs | wc -l)
"$SRC/scripts/run" --detach >"$H_RUN/run2.out" 2>&1
h_is "a second scripts/run --detach exits 0" "$?" 0
h_ok "... says the system already runs" grep -q 'already running' "$H_RUN/run2.out"
h_is "... the same supervisord" "$(cat "$STATE/supervisord.pid")" "$sup"
h_is "... no process more" "$(procs | wc -l)" "$n0"
h_is "... still 6 agents recorded" "$(grep -c . "$STATE/agents.pids")" 6

# ---- stop ---------------------------------------------------------------------
# stopped: nothing of the quick start runs (and nothing of AWS_PIDS)
stopped() {
	local left p
	for _ in $(seq 50); do
		left=$(procs)
		for p in ${AWS_PIDS:-}; do kill -0 "$p" 2>/dev/null && left="$left aws:$p"; done
		[ -z "$left" ] && return 0
		sleep 0.2
	done
	printf '#   left: %s\n' "$left"
	return 1
}
out=$("$SRC/scripts/run" stop 2>&1)
h_is "scripts/run stop exits 0" "$?" 0
h_ok "one stop leaves no process of the quick start (agents, supervisord, lighttpd, ember-*, PostgreSQL)" stopped
h_ok "the HTTP port is closed" bash -c "! (exec 3<>/dev/tcp/127.0.0.1/$HTTP_PORT) 2>/dev/null"
h_ok "the PostgreSQL port is closed" bash -c "! (exec 3<>/dev/tcp/127.0.0.1/$PG_PORT) 2>/dev/null"
h_ok "the supervisor socket is gone" test ! -S "$STATE/supervisor.sock"
h_is "scripts/run status after stop exits non-zero" "$("$SRC/scripts/run" status >/dev/null 2>&1; echo $?)" 1
h_is "scripts/run stop again is harmless" "$("$SRC/scripts/run" stop >/dev/null 2>&1; echo $?)" 0

# ---- --aws: S3 and SQS servers, and stop stops them too ------------------------
if [ -d "$SRC/tests/aws/node_modules/s3rver" ]; then
	EMBER_AGENTS=0 "$SRC/scripts/run" --detach --aws >"$H_RUN/run-aws.out" 2>&1
	h_is "scripts/run --detach --aws exits 0" "$?" 0
	AWS_PIDS=$(cat "$STATE/aws.pid" 2>/dev/null | tr '\n' ' ')
	h_is "... four AWS stand-ins recorded (s3rver, SQS, two proxies)" "$(wc -w <<<"$AWS_PIDS")" 4
	h_ok "... status shows them" bash -c "'$SRC/scripts/run' status | grep -qE 'S3/SQS +RUNNING +4 of 4'"
	h_is "... the UI still lists the sample data (8 and the import)" \
		"$(curl -s -u admin:admin "$URL/api/metrics/adhoc_flamegraphs?serviceName=checkout&startTime=$from&endTime=$to" | jq length)" 9
	"$SRC/scripts/run" stop >/dev/null 2>&1
	h_ok "scripts/run stop after --aws leaves no process (the AWS stand-ins too)" stopped
else
	echo "ok $((H_N += 1)) - --aws # SKIP no tests/aws/node_modules in this tree"
fi

h_done
