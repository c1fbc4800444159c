#!/bin/bash
# t_admin_ops.sh - ember-admin queue status, dlq list|show|replay|purge,
# workers status and flamegraph delete against a throwaway PostgreSQL
# (pg queue) and the fs object store; the list endpoint (lighttpd +
# ember-fcgi) checks what a half-done delete looks like in the UI.
#
#     EMBER_BUILD=/tmp/build bash tests/integration/t_admin_ops.sh
source "$(dirname "$0")/../harness/lib.sh"
source "$(dirname "$0")/../harness/lighttpd.sh"
source "$(dirname "$0")/../harness/api.sh"

ADMIN=$EMBER_BUILD/workers/ember-admin
WORKERS=$EMBER_BUILD/workers/ember-workers
SQL=$H_ROOT/sql
[ -x "$ADMIN" ] || h_die "no $ADMIN (build first, set EMBER_BUILD)"

h_init
h_pg_start
ROOT=$H_RUN/objects
mkdir -p "$ROOT"
export EMBER_STORE_BACKEND=fs EMBER_STORE_FS_ROOT="$ROOT" EMBER_QUEUE_BACKEND=pg
export EMBER_WORKERS_STATUS_FILE=$H_RUN/workers.json

adm() { "$ADMIN" --sql-dir "$SQL" "$@"; }
q() { psql -X -q -At -v ON_ERROR_STOP=1 -d ember -c "$1"; }
rc() { "$@" >/dev/null 2>&1; echo $?; }

# ---- help and usage for every new command --------------------------------
for c in "queue status" "dlq list" "dlq show" "dlq replay" "dlq purge" \
	"workers status" "flamegraph delete"; do
	# shellcheck disable=SC2086
	out=$(adm $c --help 2>&1)
	h_ok "$c --help prints its usage and help" grep -q "^usage: ember-admin $c" <<<"$out"
done
h_is "queue status with an argument" "$(rc adm queue status extra)" 2
h_is "dlq list --limit 0" "$(rc adm dlq list --limit 0)" 2
h_is "dlq list --limit junk" "$(rc adm dlq list --limit x)" 2
h_is "dlq show without ID" "$(rc adm dlq show)" 2
h_is "dlq replay without ID or --all" "$(rc adm dlq replay)" 2
h_is "dlq replay with ID and --all" "$(rc adm dlq replay 1 --all)" 2
h_is "dlq purge with two IDs" "$(rc adm dlq purge a b)" 2
h_is "workers status with an unknown option" "$(rc adm workers status --bogus)" 2
h_is "flamegraph delete with one argument" "$(rc adm flamegraph delete svc)" 2
h_is "flamegraph delete with three" "$(rc adm flamegraph delete a b c)" 2

# ---- before migrating ----------------------------------------------------
out=$(adm queue status 2>&1)
h_is "queue status before migrating exits 1" "$?" 1
h_ok "... and says to migrate" grep -q "migrate up" <<<"$out"
h_is "an unreachable database" "$(EMBER_DB_PORT=1 rc adm queue status)" 1

h_is "migrate up" "$(rc adm migrate up)" 0

# ---- queue status ---------------------------------------------------------
out=$(adm queue status)
h_is "empty queue: exit 0" "$?" 0
h_ok "empty queue: 0 waiting" grep -qE '^waiting: +0$' <<<"$out"
h_ok "empty queue: nothing waiting" grep -q 'nothing waiting' <<<"$out"
q "INSERT INTO ember_job_queue (queue, body, sent_at) VALUES
	('indexer', '{\"n\":1}', now() - interval '125 seconds'),
	('indexer', '{\"n\":2}', now()),
	('other', '{\"n\":3}', now() - interval '1 day')"
q "INSERT INTO ember_job_queue (queue, body, visible_at, receive_count) VALUES
	('indexer', '{\"n\":4}', now() + interval '1 hour', 1)"
out=$(adm queue status)
h_ok "3 queued: 2 waiting" grep -qE '^waiting: +2$' <<<"$out"
h_ok "1 in flight" grep -qE '^in flight: +1$' <<<"$out"
h_ok "oldest is about 2 minutes" grep -qE '^oldest: +2m0[5-9]s' <<<"$out"
h_ok "another queue name is not counted" grep -qE '^queue: +pg indexer$' <<<"$out"
js=$(adm queue status --json)
h_is "--json" "$(jq -c '{backend, queue, visible, in_flight, dead}' <<<"$js")" \
	'{"backend":"pg","queue":"indexer","visible":2,"in_flight":1,"dead":0}'
h_is "queue.name from the environment" \
	"$(EMBER_QUEUE_NAME=other adm queue status --json | jq -c '[.queue, .visible]')" '["other",1]'

# ---- dead letters ---------------------------------------------------------
D1=11111111-1111-4111-8111-111111111111
D2=22222222-2222-4222-8222-222222222222
D3=33333333-3333-4333-8333-333333333333
q "INSERT INTO ember_job_dead_letter (id, queue, msg_id, body, reason, receive_count, sent_at, failed_at) VALUES
	('$D1', 'indexer', gen_random_uuid(), '{\"filename\":\"a.gz\",\"service\":\"checkout\"}', 'E_INVAL: not gzip', 5, now(), '2026-03-11 10:00:00+00'),
	('$D2', 'indexer', gen_random_uuid(), '$(printf 'x%.0s' $(seq 200))', 'line one
line two', 3, now(), '2026-03-11 11:00:00+00'),
	('$D3', 'indexer', gen_random_uuid(), '{\"n\":3}', 'E_TIMEOUT', 5, now(), '2026-03-11 12:00:00+00')"
out=$(adm dlq list)
h_is "dlq list: exit 0" "$?" 0
h_is "dlq list: a header and 3 rows, oldest first" \
	"$(awk 'NR>1{print $1}' <<<"$out" | tr '\n' ' ')" "$D1 $D2 $D3 "
h_ok "dlq list: failed_at in UTC" grep -q "$D1  2026-03-11T10:00:00Z  5" <<<"$out"
h_ok "dlq list: long bodies are cut" grep -qE "$D2 .* x{60}\.\.\.$" <<<"$out"
h_ok "dlq list: newlines in the reason do not break the row" grep -q 'line one?line two' <<<"$out"
h_is "dlq list --limit 2" "$(adm dlq list --limit 2 2>/dev/null | tail -n +2 | wc -l)" 2
h_ok "dlq list --limit 2 says there may be more" bash -c "'$ADMIN' dlq list --limit 2 2>&1 >/dev/null | grep -q -- --limit"
h_is "dlq list --json" "$(adm dlq list --json | jq -c '[.[] | [.id, .receive_count, .failed_at]] | .[0]')" \
	"[\"$D1\",5,\"2026-03-11T10:00:00Z\"]"
h_is "queue status counts them" "$(adm queue status --json | jq .dead)" 3
out=$(adm dlq show "$D2")
h_ok "dlq show: the whole body" grep -qE "^x{200}$" <<<"$out"
h_ok "dlq show: the reason" grep -qE "^reason: +line one" <<<"$out"
h_is "dlq show --json" "$(adm dlq show "$D1" --json | jq -r .body | jq -r .filename)" a.gz
h_is "dlq show (upper-case id)" "$(rc adm dlq show "${D1^^}")" 0
out=$(adm dlq show 99999999-9999-4999-8999-999999999999 2>&1)
h_is "dlq show of an unknown id exits 1" "$?" 1
h_ok "... naming it" grep -q "no dead letter 99999999" <<<"$out"
h_is "dlq show of junk exits 1" "$(rc adm dlq show ../../etc)" 1

before=$(q "SELECT count(*) FROM ember_job_queue WHERE queue = 'indexer'")
out=$(adm dlq replay "$D1")
h_is "dlq replay ID: exit 0" "$?" 0
h_is "... the message is queued again" \
	"$(q "SELECT count(*) FROM ember_job_queue WHERE queue = 'indexer' AND body LIKE '%a.gz%' AND receive_count = 0")" 1
h_is "... and no longer a dead letter" "$(q "SELECT count(*) FROM ember_job_dead_letter WHERE id = '$D1'")" 0
h_is "dlq replay of the same id again exits 1" "$(rc adm dlq replay "$D1")" 1
h_is "dlq replay of junk exits 1" "$(rc adm dlq replay nope)" 1
h_is "dlq purge ID" "$(adm dlq purge "$D2")" "purged $D2"
h_is "... gone" "$(q "SELECT count(*) FROM ember_job_dead_letter")" 1
h_is "dlq purge of an unknown id exits 1" "$(rc adm dlq purge "$D2")" 1
q "INSERT INTO ember_job_dead_letter (queue, msg_id, body, reason, sent_at) VALUES
	('indexer', gen_random_uuid(), 'b1', 'r', now()), ('indexer', gen_random_uuid(), 'b2', 'r', now()),
	('other', gen_random_uuid(), 'b3', 'r', now())"
h_is "dlq replay --all" "$(adm dlq replay --all)" "replayed 3 dead letters"
h_is "... all of this queue's are queued" \
	"$(q "SELECT count(*) FROM ember_job_queue WHERE queue = 'indexer'")" "$((before + 4))"
h_is "... another queue's dead letter stays" "$(q "SELECT body FROM ember_job_dead_letter")" b3
q "INSERT INTO ember_job_dead_letter (queue, msg_id, body, reason, sent_at) VALUES
	('indexer', gen_random_uuid(), 'c1', 'r', now()), ('indexer', gen_random_uuid(), 'c2', 'r', now())"
h_is "dlq purge (all)" "$(adm dlq purge)" "purged 2 dead letters"
h_is "... only this queue's" "$(q "SELECT string_agg(body, ',') FROM ember_job_dead_letter")" b3
h_is "dlq list when empty: just the header" "$(adm dlq list | wc -l)" 1

# ---- workers status ---------------------------------------------------------
out=$(adm workers status 2>&1)
h_is "no status file: exit 1" "$?" 1
h_ok "... naming the file" grep -q "cannot read the status file $H_RUN/workers.json" <<<"$out"
h_is "status_file empty" "$(EMBER_WORKERS_STATUS_FILE= rc adm workers status)" 1
now=$(date -u +%Y-%m-%dT%H:%M:%SZ)
cat >"$H_RUN/fixture.json" <<EOF
{"pid": $$, "state": "running", "updated_at": "$now", "uptime_s": 3725, "generation": 2,
 "rate_per_s": 2.5, "in_flight": 1, "pending": 0,
 "workers": [{"slot": 0, "pid": 4242, "state": "BUSY", "job": 17, "job_ms": 1530, "quick_deaths": 0},
             {"slot": 1, "pid": 4243, "state": "IDLE", "job": 0, "job_ms": 0, "quick_deaths": 2}],
 "queue": {"visible": 7, "in_flight": 1, "dead": 3, "lag_s": 42},
 "counters": {"received": 30, "done": 28, "retried": 1, "dead_lettered": 1}}
EOF
out=$(adm workers status --file "$H_RUN/fixture.json")
h_is "fixture: exit 0" "$?" 0
h_ok "fixture: supervisor line" grep -qE "^supervisor: +pid $$, running, updated $now" <<<"$out"
h_ok "fixture: uptime" grep -qE "^uptime: +1h02m, generation 2" <<<"$out"
h_ok "fixture: jobs" grep -qE "^jobs: +1 in flight, 0 pending, 2.5/s" <<<"$out"
h_ok "fixture: queue" grep -qE "^queue: +7 waiting, 1 in flight, 3 dead, lag 42s" <<<"$out"
h_ok "fixture: counters" grep -q "received=30  done=28  retried=1  dead_lettered=1" <<<"$out"
h_ok "fixture: busy worker row" grep -qE "^0 +4242 +BUSY +17 +1.5s +0$" <<<"$out"
h_ok "fixture: idle worker row" grep -qE "^1 +4243 +IDLE +0 +- +2$" <<<"$out"
h_is "--json prints the file as is" "$(adm workers status --file "$H_RUN/fixture.json" --json | jq -c .queue)" \
	'{"visible":7,"in_flight":1,"dead":3,"lag_s":42}'
sed 's/"running"/"stopped"/' "$H_RUN/fixture.json" >"$H_RUN/stopped.json"
out=$(adm workers status --file "$H_RUN/stopped.json" 2>&1)
h_is "state stopped: exit 1" "$?" 1
h_ok "... says so after the table" grep -q "workers are stopped" <<<"$out"
sed "s/\"pid\": $$,/\"pid\": 999999,/" "$H_RUN/fixture.json" >"$H_RUN/gone.json"
out=$(adm workers status --file "$H_RUN/gone.json" 2>&1)
h_is "supervisor gone: exit 1" "$?" 1
h_ok "... says so" grep -q "pid 999999) is not running" <<<"$out"
sed "s/\"$now\"/\"2020-01-01T00:00:00Z\"/" "$H_RUN/fixture.json" >"$H_RUN/old.json"
out=$(adm workers status --file "$H_RUN/old.json" 2>&1)
h_is "stale file: exit 1" "$?" 1
h_ok "... says so" grep -q "status file is stale" <<<"$out"
echo '{"pid": 1,' >"$H_RUN/bad.json"
out=$(adm workers status --file "$H_RUN/bad.json" 2>&1)
h_is "bad JSON: exit 1" "$?" 1
h_ok "... says so" grep -q "not a JSON object" <<<"$out"

# The real thing: ember-workers writes the file this command reads.
if [ -x "$WORKERS" ]; then
	EMBER_WORKERS_COUNT=2 EMBER_WORKERS_STATUS_INTERVAL=1 EMBER_QUEUE_WAIT=1 \
		h_bg "$WORKERS" 2>"$H_RUN/workers.log"
	wpid=$H_LASTPID
	for _ in $(seq 100); do
		[ -f "$H_RUN/workers.json" ] && [ "$(jq -r .state "$H_RUN/workers.json" 2>/dev/null)" = running ] && break
		sleep 0.1
	done
	out=$(EMBER_WORKERS_STATUS_INTERVAL=1 adm workers status 2>&1)
	h_is "live ember-workers: exit 0" "$?" 0
	h_ok "live ember-workers: its pid, running" grep -qE "^supervisor: +pid $wpid, running" <<<"$out"
	h_is "live ember-workers: one row per worker" "$(grep -ciE '^[0-9]+ +[0-9]+ +(idle|busy|spawning)' <<<"$out")" 2
	kill "$wpid"
	for _ in $(seq 100); do kill -0 "$wpid" 2>/dev/null || break; sleep 0.1; done
	out=$(adm workers status 2>&1)
	h_is "after SIGTERM: exit 1" "$?" 1
	h_ok "after SIGTERM: stopped" grep -q "workers are stopped" <<<"$out"
else
	echo "ok $((H_N += 1)) - # SKIP no $WORKERS"
fi

# ---- flamegraph delete ------------------------------------------------------
FG=products/checkout/stacks/flamegraph
F1=2026-03-11T10:00:00_5f0c1a2b3c4d4e5f8a9b0c1d2e3f4a5b_h1_adhoc_flamegraph.html
F2=2026-03-11T11:00:00_0123456789abcdef0123456789abcdef_h2_adhoc_flamegraph.html
F3=2026-03-11T12:00:00_00000000000000000000000000000003_h3_adhoc_flamegraph.html
q "INSERT INTO Services (name) VALUES ('checkout'), ('billing')"
SID=$(q "SELECT id FROM Services WHERE name = 'checkout'")
BID=$(q "SELECT id FROM Services WHERE name = 'billing'")
q "INSERT INTO AdhocFlamegraphMetadata (service_id, hostname, s3_key, start_time, end_time, file_size) VALUES
	($SID, 'h1', '$FG/$F1', '2026-03-11 10:00:00', '2026-03-11 10:00:00', 5),
	($SID, 'h2', '$FG/$F2', '2026-03-11 11:00:00', '2026-03-11 11:00:00', 5),
	($SID, 'h3', '$FG/$F3', '2026-03-11 12:00:00', '2026-03-11 12:00:00', 5),
	($BID, 'b1', 'products/billing/stacks/flamegraph/$F1', '2026-03-11 10:00:00', '2026-03-11 10:00:00', 5)"
mkdir -p "$ROOT/$FG" "$ROOT/products/billing/stacks/flamegraph"
for f in $F1 $F2 $F3; do echo "<p>$f</p>" >"$ROOT/$FG/$f"; done
echo '<p>billing</p>' >"$ROOT/products/billing/stacks/flamegraph/$F1"
nrows() { q "SELECT count(*) FROM AdhocFlamegraphMetadata"; }

out=$(adm flamegraph delete checkout "$F1" --dry-run)
h_is "--dry-run: exit 0" "$?" 0
h_ok "--dry-run names the object" grep -q "^would delete $FG/$F1 (host h1, started 2026-03-11T10:00:00Z)" <<<"$out"
h_ok "--dry-run keeps the object" test -f "$ROOT/$FG/$F1"
h_is "--dry-run keeps the row" "$(nrows)" 4
out=$(adm flamegraph delete checkout "$F1")
h_is "delete: exit 0" "$?" 0
h_ok "delete: says what it did" grep -q "deleted the objects, stack rows and metadata row" <<<"$out"
h_ok "delete: the object is gone" test ! -e "$ROOT/$FG/$F1"
h_is "delete: the row is gone" "$(q "SELECT count(*) FROM AdhocFlamegraphMetadata WHERE s3_key = '$FG/$F1'")" 0
h_ok "delete: billing's file of the same name stays" test -f "$ROOT/products/billing/stacks/flamegraph/$F1"
h_is "delete: billing's row stays" "$(nrows)" 3
out=$(adm flamegraph delete checkout "$F1" 2>&1)
h_is "delete again: exit 1" "$?" 1
h_ok "... no such flamegraph" grep -q "service checkout has no flamegraph $F1" <<<"$out"
out=$(adm flamegraph delete nosuch "$F1" 2>&1)
h_is "unknown service: exit 1" "$?" 1
h_ok "... says so" grep -q "no service named nosuch" <<<"$out"
h_is "another service's key is not reachable" \
	"$(rc adm flamegraph delete checkout "products/billing/stacks/flamegraph/$F1")" 1
h_is "a traversal name matches nothing" "$(rc adm flamegraph delete checkout "../../billing/stacks/flamegraph/$F1")" 1
h_is "... and billing's object stays" "$(ls "$ROOT/products/billing/stacks/flamegraph" | wc -l)" 1
rm "$ROOT/$FG/$F2"
h_is "delete with the object already missing: exit 0" "$(rc adm flamegraph delete checkout "$F2")" 0
h_is "... the row is gone too" "$(nrows)" 2
h_is "delete by full key" "$(rc adm flamegraph delete billing "products/billing/stacks/flamegraph/$F1")" 0
h_ok "... object gone" test ! -e "$ROOT/products/billing/stacks/flamegraph/$F1"

# A store that fails: the object path is a non-empty directory.
mv "$ROOT/$FG/$F3" "$H_RUN/f3"
mkdir -p "$ROOT/$FG/$F3/x"
out=$(adm flamegraph delete checkout "$F3" 2>&1)
h_is "object delete fails: exit 1" "$?" 1
h_ok "... says the row stays and to run it again" grep -q "the row stays (run the command again)" <<<"$out"
h_is "... the row stays" "$(nrows)" 1
rm -rf "${ROOT:?}/$FG/$F3"
mv "$H_RUN/f3" "$ROOT/$FG/$F3"

# A row delete that fails after the object is gone: the UI lists it as
# removed, and running the command again finishes.
q "CREATE FUNCTION t_no_delete() RETURNS trigger LANGUAGE plpgsql AS
	\$\$ BEGIN RAISE EXCEPTION 'refused by the test'; END \$\$;
	CREATE TRIGGER t_no_delete BEFORE DELETE ON AdhocFlamegraphMetadata
	FOR EACH ROW EXECUTE FUNCTION t_no_delete()"
out=$(adm flamegraph delete checkout "$F3" 2>&1)
h_is "row delete fails: exit 1" "$?" 1
h_ok "... says to run it again" grep -q "run the command again" <<<"$out"
h_ok "... the object is gone" test ! -e "$ROOT/$FG/$F3"
h_is "... the row stays" "$(nrows)" 1
if [ -x "$EMBER_FCGI" ]; then
	h_lighttpd_start 1
	h_req GET "/api/metrics/adhoc_flamegraphs?serviceName=checkout&startTime=2026-03-11T00:00:00&endTime=2026-03-12T00:00:00"
	h_is "... the list shows it as removed" "$(jq -c '[.[] | [.filename, .removed, .exists]]' <<<"$H_BODY")" \
		"[[\"$F3\",true,false]]"
else
	echo "ok $((H_N += 1)) - # SKIP no $EMBER_FCGI"
fi
q "DROP TRIGGER t_no_delete ON AdhocFlamegraphMetadata"
h_is "run again: exit 0" "$(rc adm flamegraph delete checkout "$F3")" 0
h_is "... the row is gone" "$(nrows)" 0

h_done
