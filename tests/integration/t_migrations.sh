#!/bin/bash
# t_migrations.sh - migrations, schema.sql, constraints, locking, and the
# db.c reconnect rule, against a throwaway PostgreSQL.
#
#     EMBER_BUILD=/tmp/build bash tests/integration/t_migrations.sh
source "$(dirname "$0")/../harness/lib.sh"
source "$H_ROOT/scripts/schema-snapshot"

ADMIN=$EMBER_BUILD/workers/ember-admin
PROBE=$EMBER_BUILD/tests/integration/db_probe
SQL=$H_ROOT/sql
[ -x "$ADMIN" ] || h_die "no $ADMIN (build first, set EMBER_BUILD)"

h_init
h_pg_start

# Run ember-admin against database $DB (default ember).
adm() { EMBER_DB_DBNAME=${DB:-ember} "$ADMIN" --sql-dir "${SQLDIR:-$SQL}" "$@"; }
# Run one query against $DB and print the bare result.
q() { psql -X -q -At -v ON_ERROR_STOP=1 -d "${DB:-ember}" -c "$1"; }
dump() { PGDATABASE=${DB:-ember} schema_dump; }
newdb() { psql -X -q -d postgres -c "CREATE DATABASE $1" >/dev/null; }
# quiet [VAR=VALUE...] CMD...: run CMD with those variables, output dropped.
quiet() {
	local -a vars=()
	while [[ "$1" == *=* ]]; do vars+=("$1"); shift; done
	( for v in "${vars[@]}"; do export "${v?}"; done; "$@" >/dev/null 2>&1 )
}

NVER=$(ls "$SQL" | grep -cE '^[0-9]{4}_[a-z0-9_]+\.up\.sql$')
VERSIONS=$(ls "$SQL" | sed -nE 's/^([0-9]{4})_[a-z0-9_]+\.up\.sql$/\1/p' | sort)

# ---- every up, every down, every up again -----------------------------
h_ok "migrate up (fresh database)" quiet adm migrate up
D1=$(dump)
h_is "all versions recorded" "$(q 'SELECT count(*) FROM ember_schema_migrations')" "$NVER"
h_is "checksum is sha256 of the up file" \
	"$(q 'SELECT checksum FROM ember_schema_migrations WHERE version = 1')" \
	"$(sha256sum "$SQL/0001_base.up.sql" | cut -d' ' -f1)"
out=$(adm migrate up)
h_ok "re-running up is a no-op" grep -q "nothing to do" <<<"$out"
h_ok "migrate down all" quiet adm migrate down "$NVER"
h_is "only the version table is left" \
	"$(q "SELECT string_agg(c.relname, ',' ORDER BY c.relname) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND c.relkind IN ('r','v','m','S','f','p')")" \
	"ember_schema_migrations"
h_is "no types or functions are left" \
	"$(q "SELECT (SELECT count(*) FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace WHERE n.nspname = 'public' AND t.typtype = 'e') + (SELECT count(*) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'public')")" 0
h_is "version table empty after down" "$(q 'SELECT count(*) FROM ember_schema_migrations')" 0
h_ok "migrate up again" quiet adm migrate up
D2=$(dump)
h_ok "schema after the second up equals the first" [ "$D1" = "$D2" ]
[ "$D1" = "$D2" ] || diff <(echo "$D1") <(echo "$D2") | head -20 | sed 's/^/# /'

# ---- each down removes exactly what its up added ----------------------
newdb step
quiet DB=step adm migrate up 1 && quiet DB=step adm migrate down 1	# the version table
exact=0
for v in $VERSIONS; do
	before=$(DB=step dump)
	DB=step adm migrate up "$((10#$v))" >/dev/null || exact=1
	DB=step adm migrate down 1 >/dev/null || exact=1
	after=$(DB=step dump)
	if [ "$before" != "$after" ]; then
		h_log "down of $v does not undo its up:"
		diff <(echo "$before") <(echo "$after") | head -10 | sed 's/^/# /' >&2
		exact=1
	fi
	DB=step adm migrate up "$((10#$v))" >/dev/null || exact=1
done
h_is "every down is the exact inverse of its up" "$exact" 0

# ---- sql/schema.sql is current ----------------------------------------
newdb snap
psql -X -q -v ON_ERROR_STOP=1 -d snap -1 -f "$SQL/schema.sql" >/dev/null 2>&1
h_is "sql/schema.sql loads" "$?" 0
D3=$(DB=snap dump)
h_ok "schema from sql/schema.sql equals the migrated one (else run scripts/schema-snapshot)" \
	[ "$D1" = "$D3" ]
[ "$D1" = "$D3" ] || diff <(echo "$D1") <(echo "$D3") | head -20 | sed 's/^/# /'
out=$(DB=snap adm migrate up 2>&1)
h_ok "a database from schema.sql counts as fully migrated" grep -q "nothing to do" <<<"$out"

# ---- constraints --------------------------------------------------------
q "INSERT INTO Services (name) VALUES ('svc-a'), ('svc-b')"
SA=$(q "SELECT id FROM Services WHERE name = 'svc-a'")
SB=$(q "SELECT id FROM Services WHERE name = 'svc-b'")
q "INSERT INTO AdhocFlamegraphMetadata (service_id, hostname, s3_key, start_time, end_time)
   VALUES ($SA, 'h1', 'k/1', '2026-01-01', '2026-01-01 00:01'),
          ($SB, 'h2', 'k/2', '2026-01-01', '2026-01-01 00:01')"
h_ok "duplicate s3_key rejected" bash -c "! psql -X -q -d ember -c \"INSERT INTO AdhocFlamegraphMetadata (service_id, hostname, s3_key, start_time, end_time) VALUES ($SA, 'h9', 'k/1', now(), now())\" 2>/dev/null"
h_ok "unknown service_id rejected" bash -c "! psql -X -q -d ember -c \"INSERT INTO AdhocFlamegraphMetadata (service_id, hostname, s3_key, start_time, end_time) VALUES (999999, 'h9', 'k/9', now(), now())\" 2>/dev/null"
q "DELETE FROM Services WHERE id = $SA"
h_is "DELETE on Services hides the row (rule)" \
	"$(q "SELECT hidden FROM Services WHERE id = $SA")" t
h_is "hiding keeps the service's flamegraphs" \
	"$(q "SELECT count(*) FROM AdhocFlamegraphMetadata WHERE service_id = $SA")" 1
q "ALTER TABLE Services DISABLE RULE ServicesDeleteProtection;
   DELETE FROM Services WHERE id = $SA;
   ALTER TABLE Services ENABLE RULE ServicesDeleteProtection"
h_is "a real delete of a Service cascades to its flamegraphs" \
	"$(q "SELECT count(*) FROM AdhocFlamegraphMetadata WHERE service_id = $SA"),$(q "SELECT count(*) FROM Services WHERE id = $SA")" "0,0"
h_is "other services' flamegraphs stay" \
	"$(q "SELECT count(*) FROM AdhocFlamegraphMetadata WHERE service_id = $SB")" 1
h_is "the rule is active again" "$(q "SELECT ev_enabled FROM pg_rewrite WHERE rulename = 'servicesdeleteprotection'")" O
h_ok "ProfilingExecutions needs a real request" bash -c "! psql -X -q -d ember -c \"INSERT INTO ProfilingExecutions (command_id, hostname, profiling_request_id) VALUES (gen_random_uuid(), 'h', gen_random_uuid())\" 2>/dev/null"
h_ok "one command row per host and service" bash -c "! psql -X -q -v ON_ERROR_STOP=1 -d ember -c \"INSERT INTO ProfilingCommands (command_id, hostname, service_name, command_type, request_ids) VALUES (gen_random_uuid(), 'h', 's', 'start', '{}'), (gen_random_uuid(), 'h', 's', 'stop', '{}')\" 2>/dev/null"

# ---- upgrade from upstream's older HostHeartbeats -----------------------
newdb old
DB=old q "
CREATE TYPE ServiceType AS ENUM ('instances', 'pods', 'containers');
CREATE TYPE EnvType AS ENUM ('instances', 'k8s', 'containers', 'ecs');
CREATE TABLE ProfilerTokens (ID bigserial PRIMARY KEY, \"token\" text NOT NULL, disabled timestamp NULL,
  ts timestamp NULL DEFAULT CURRENT_TIMESTAMP, CONSTRAINT profilertokens_token_key UNIQUE (token));
CREATE TABLE Services (ID bigserial PRIMARY KEY, \"name\" text NOT NULL, hidden bool NOT NULL DEFAULT false,
  ts timestamp NULL DEFAULT CURRENT_TIMESTAMP, service_type servicetype NOT NULL DEFAULT 'instances'::servicetype,
  cluster_id bigint REFERENCES Services, is_cluster bool NOT NULL DEFAULT false, env_type envtype NULL,
  profiler_sample_threshold float8 NULL, CONSTRAINT \"unique service\" UNIQUE (name));
CREATE TABLE ProfilerFilters (ID bigserial PRIMARY KEY, service bigint NOT NULL REFERENCES Services,
  filter_content jsonb NOT NULL);
CREATE TABLE TokenAssociations (ID bigserial PRIMARY KEY, token bigint NOT NULL REFERENCES ProfilerTokens,
  service_name text NOT NULL, service bigint NOT NULL REFERENCES Services,
  last_seen timestamp NULL DEFAULT CURRENT_TIMESTAMP, ts timestamp NULL DEFAULT CURRENT_TIMESTAMP,
  CONSTRAINT tokenassociations_service_key UNIQUE (service), CONSTRAINT \"unique token_association\" UNIQUE (token, service_name));
CREATE RULE ServicesDeleteProtection AS ON DELETE TO Services DO INSTEAD
  UPDATE Services SET hidden = true WHERE Services.ID = OLD.ID;
CREATE TYPE HostStatus AS ENUM ('active', 'idle', 'error', 'offline');
CREATE TABLE HostHeartbeats (ID bigserial PRIMARY KEY, hostname text NOT NULL, ip_address inet NOT NULL,
  service_name text NOT NULL, last_command_id uuid NULL, status HostStatus NOT NULL DEFAULT 'active',
  heartbeat_timestamp timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP,
  created_at timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP, updated_at timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP,
  CONSTRAINT unique_host_heartbeat UNIQUE (hostname, service_name));
INSERT INTO Services (name) VALUES ('legacy');
INSERT INTO HostHeartbeats (hostname, ip_address, service_name) VALUES ('old-1', '10.0.0.1', 'legacy'), ('old-2', '10.0.0.2', 'legacy');
" >/dev/null
h_ok "migrate up over upstream's older schema" quiet DB=old adm migrate up
h_is "old heartbeat rows are kept" "$(DB=old q "SELECT string_agg(hostname, ',' ORDER BY hostname) FROM HostHeartbeats")" "old-1,old-2"
DB=old q "INSERT INTO HostHeartbeats (hostname, ip_address, service_name, status, heartbeat_timestamp,
            received_command_ids, executed_command_ids)
          VALUES ('old-1', '10.0.0.9', 'legacy', 'active', now(),
            ARRAY['7d8f3c1e-0000-4000-8000-000000000001']::uuid[],
            ARRAY['7d8f3c1e-0000-4000-8000-000000000002']::uuid[])
          ON CONFLICT (hostname, service_name) DO UPDATE SET
            ip_address = EXCLUDED.ip_address, heartbeat_timestamp = EXCLUDED.heartbeat_timestamp,
            received_command_ids = EXCLUDED.received_command_ids,
            executed_command_ids = EXCLUDED.executed_command_ids, updated_at = now()" >/dev/null
h_is "heartbeat upsert with both uuid[] columns works" \
	"$(DB=old q "SELECT host(ip_address) || ' ' || array_length(received_command_ids, 1) || ' ' || executed_command_ids[1] FROM HostHeartbeats WHERE hostname = 'old-1'")" \
	"10.0.0.9 1 7d8f3c1e-0000-4000-8000-000000000002"
h_is "0001 left upstream's tables alone (no ember marker)" \
	"$(DB=old q "SELECT count(*) FROM pg_description WHERE description = 'ember:0001_base'")" 0
h_ok "rolling everything back on the upstream database" quiet DB=old adm migrate down "$NVER"
h_is "upstream's Services and its data survive a full rollback" \
	"$(DB=old q "SELECT name FROM Services"),$(DB=old q "SELECT to_regclass('profilerfilters') IS NOT NULL")" "legacy,t"

# ---- refusals: modified file, failing migration, BEGIN in a file --------
T=$H_RUN/sql-mod
cp -r "$SQL" "$T"
rm -f "$T/schema.sql"
printf '\n-- edited after it was applied\n' >>"$T/0002_add_dynamic_profiling.up.sql"
out=$(SQLDIR=$T adm migrate up 2>&1)
h_is "a modified applied file is refused (exit 1)" "$?" 1
h_ok "the refusal names the file" grep -q "0002_add_dynamic_profiling.up.sql was changed after it was applied" <<<"$out"
out=$(SQLDIR=$T adm migrate status 2>/dev/null)
h_ok "status shows MODIFIED" grep -qE '^0002 .*MODIFIED' <<<"$out"
out=$(SQLDIR=$T adm migrate down 1 2>&1)
h_ok "down also refuses while a file is modified" [ $? -eq 1 ]

T=$H_RUN/sql-bad
cp -r "$SQL" "$T"
printf 'CREATE TABLE half_done (x int);\nSELEC 1;\n' >"$T/0099_bad.up.sql"
printf 'DROP TABLE half_done;\n' >"$T/0099_bad.down.sql"
out=$(SQLDIR=$T adm migrate up 2>&1)
h_is "a failing migration exits 1" "$?" 1
h_ok "the error points at file and line" grep -q "0099_bad.up.sql:2: syntax error" <<<"$out"
h_is "nothing of the failed migration is kept" \
	"$(q "SELECT (to_regclass('half_done') IS NULL)::text || ',' || count(*) FROM ember_schema_migrations WHERE version = 99")" "true,0"
printf 'BEGIN;\nCREATE TABLE half_done (x int);\nCOMMIT;\n' >"$T/0099_bad.up.sql"
out=$(SQLDIR=$T adm migrate up 2>&1)
h_ok "BEGIN/COMMIT in a migration file is refused" grep -q "0099_bad.up.sql:1: transaction control" <<<"$out"

# ---- two runs at once ----------------------------------------------------
T=$H_RUN/sql-slow
cp -r "$SQL" "$T"
printf 'SELECT pg_sleep(2);\nCREATE TABLE slow_one (x int);\n' >"$T/0099_slow.up.sql"
printf 'DROP TABLE slow_one;\n' >"$T/0099_slow.down.sql"
SQLDIR=$T adm migrate up >"$H_RUN/run1.out" 2>&1 &
p1=$!
sleep 0.5
SQLDIR=$T adm migrate up >"$H_RUN/run2.out" 2>&1 &
p2=$!
wait $p1; r1=$?
wait $p2; r2=$?
h_is "two concurrent runs both succeed" "$r1,$r2" "0,0"
h_ok "the second waited for the first" grep -q "another migration run is in progress" "$H_RUN/run2.out"
h_ok "the second found nothing left to do" grep -q "nothing to do" "$H_RUN/run2.out"
h_is "the slow migration ran once" "$(q "SELECT count(*) FROM ember_schema_migrations WHERE version = 99")" 1
psql -X -q -d ember -c "SELECT pg_advisory_lock(7308605958138981735); SELECT pg_sleep(4)" >/dev/null &
p3=$!
sleep 1
start=$(date +%s)
out=$(SQLDIR=$T adm migrate down 1 --lock-timeout 1 2>&1)
rc=$?
h_is "a run gives up when the lock stays taken" "$rc" 1
h_ok "it names the holder" grep -q "another migration run holds the lock (server pid [0-9]*)" <<<"$out"
h_ok "it gave up after about the timeout" [ $(($(date +%s) - start)) -le 3 ]
out=$(SQLDIR=$T adm migrate down 1 --lock-timeout 0 2>&1)
h_ok "--lock-timeout 0 fails at once" grep -q "gave up after 0 ms" <<<"$out"
wait $p3
h_ok "after the holder is gone the run works" quiet SQLDIR="$T" adm migrate down 1

# ---- db.c: reconnect after a server restart -----------------------------
if [ -x "$PROBE" ]; then
	coproc PROBE_P { "$PROBE" 2>&1; }
	# ask CMD: send one command, leave the answer in $ANS (no subshell:
	# coproc descriptors are not inherited by $(...)).
	ask() { ANS=; echo "$1" >&"${PROBE_P[1]}" && read -r -t 20 ANS <&"${PROBE_P[0]}"; }
	ask q; pid1=$ANS
	h_ok "probe connected" grep -q '^ok [0-9]' <<<"$pid1"
	ask "s SELECT current_setting('TimeZone') || ' ' || current_setting('application_name')"
	h_is "sessions run in UTC and name the program" "$ANS" "ok UTC db_probe"
	ask "s INSERT INTO Services (name) VALUES ('svc-b')"
	h_is "unique violation maps to conflict" "${ANS%%:*}" "err conflict"
	ask "s SELECT 'x'::int"
	h_is "bad input maps to invalid input" "${ANS%%:*}" "err invalid input"
	ask "p SELECT count(*) FROM Services"
	h_ok "prepared statement before restart" grep -q '^ok' <<<"$ANS"
	h_pg_ctl restart
	ask q; pid2=$ANS
	h_ok "statement after a restart reconnects and succeeds" grep -q '^ok [0-9]' <<<"$pid2"
	h_ok "on a new backend" [ "$pid1" != "$pid2" ]
	ask "p SELECT count(*) FROM Services"
	h_ok "statements prepared before are prepared again" grep -q '^ok' <<<"$ANS"
	ask "s BEGIN"
	ask "s INSERT INTO Services (name) VALUES ('in-tx')"
	h_pg_ctl restart
	ask "p SELECT count(*) FROM Services"
	h_ok "a statement inside a lost transaction fails (no silent replay)" \
		grep -q '^err database error' <<<"$ANS"
	ask "s SELECT count(*) FROM Services WHERE name = 'in-tx'"
	h_is "the next statement works on a fresh connection" "$ANS" "ok 0"
	h_pg_ctl stop
	ask q
	h_ok "server down: a clean database error" grep -q '^err database error: cannot connect' <<<"$ANS"
	h_pg_ctl start
	ask q
	h_ok "server back: the next statement works" grep -q '^ok [0-9]' <<<"$ANS"
	ask "s SHOW TimeZone"
	h_is "a reconnected session is in UTC too" "$ANS" "ok UTC"
	probe_pid=$PROBE_P_PID
	eval "exec ${PROBE_P[1]}>&-"
	wait "$probe_pid" 2>/dev/null
else
	H_N=$((H_N + 1))
	echo "ok $H_N - # SKIP db.c reconnect checks: build $PROBE first (make check)"
fi

h_done
