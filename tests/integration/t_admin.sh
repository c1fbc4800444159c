#!/bin/bash
# t_admin.sh - ember-admin: usage, configuration, service and key commands
# against a throwaway PostgreSQL.
#
#     EMBER_BUILD=/tmp/build bash tests/integration/t_admin.sh
source "$(dirname "$0")/../harness/lib.sh"

ADMIN=$EMBER_BUILD/workers/ember-admin
SQL=$H_ROOT/sql
[ -x "$ADMIN" ] || h_die "no $ADMIN (build first, set EMBER_BUILD)"

h_init
h_pg_start

adm() { "$ADMIN" --sql-dir "$SQL" "$@"; }
q() { psql -X -q -At -v ON_ERROR_STOP=1 -d ember -c "$1"; }
# rc CMD...: print CMD's exit status (output dropped).
rc() { "$@" >/dev/null 2>&1; echo $?; }

# ---- usage and help ------------------------------------------------------
h_is "no arguments is a usage error" "$(rc adm)" 2
h_is "--help" "$(rc adm --help)" 0
h_ok "--help lists every group" bash -c "'$ADMIN' --help | grep -q 'key revoke ID' && '$ADMIN' --help | grep -q 'migrate status'"
h_is "unknown group" "$(rc adm frobnicate)" 2
h_is "unknown command" "$(rc adm key frobnicate)" 2
h_is "group without command" "$(rc adm key)" 2
h_is "group --help" "$(rc adm migrate --help)" 0
h_is "bad global option" "$(rc adm --bogus migrate status)" 2
helps=0
while read -r group cmd; do
	out=$(adm "$group" "$cmd" --help 2>&1) || helps=1
	grep -q "^usage: ember-admin $group $cmd" <<<"$out" || helps=1
done < <("$ADMIN" --help | sed -nE 's/^  ([a-z]+) ([a-z]+).*/\1 \2/p')
h_is "every command answers --help with its usage (exit 0)" "$helps" 0
h_is "--help wins over bad arguments" "$(rc adm key revoke nope --help)" 0
h_is "migrate down without N" "$(rc adm migrate down)" 2
h_is "migrate down with junk" "$(rc adm migrate down 2x)" 2
h_is "migrate up with a bad --lock-timeout" "$(rc adm migrate up --lock-timeout -1)" 2
h_is "service create without a name" "$(rc adm service create)" 2
h_is "service list with an argument" "$(rc adm service list extra)" 2

# ---- configuration --------------------------------------------------------
h_is "a missing -c file fails" "$(rc adm -c "$H_RUN/nope.ini" service list)" 1
out=$(EMBER_DB_PORT=1 adm service list 2>&1)
h_ok "an unreachable database fails with a clear message" grep -q "^ember-admin: database .*cannot connect" <<<"$out"
h_ok "before migrating, key list says to migrate" bash -c "'$ADMIN' key list 2>&1 | grep -q 'run: ember-admin migrate up'"
h_is "... and exits 1" "$(rc adm key list)" 1
cat >"$H_RUN/ember.ini" <<EOF
[db]
host = 127.0.0.1
port = $H_PGPORT
user = postgres
dbname = ember
sslmode = disable
EOF
h_is "settings from -c FILE" "$(env -u EMBER_DB_HOST -u EMBER_DB_PORT -u EMBER_DB_USER -u EMBER_DB_DBNAME -u EMBER_DB_SSLMODE -u EMBER_DB_PASSWORD "$ADMIN" -c "$H_RUN/ember.ini" --sql-dir "$SQL" migrate status >/dev/null 2>&1; echo $?)" 0
h_is "settings from \$EMBER_CONFIG" "$(env -u EMBER_DB_HOST -u EMBER_DB_PORT -u EMBER_DB_USER -u EMBER_DB_DBNAME -u EMBER_DB_SSLMODE -u EMBER_DB_PASSWORD EMBER_CONFIG="$H_RUN/ember.ini" "$ADMIN" --sql-dir "$SQL" migrate status >/dev/null 2>&1; echo $?)" 0
h_is "the environment overrides the file" "$(EMBER_DB_PORT=1 "$ADMIN" -c "$H_RUN/ember.ini" --sql-dir "$SQL" migrate status >/dev/null 2>&1; echo $?)" 1
h_is "upstream's GPROFILER_POSTGRES_* variables work" "$(env -u EMBER_DB_HOST -u EMBER_DB_PORT -u EMBER_DB_USER -u EMBER_DB_DBNAME -u EMBER_DB_SSLMODE -u EMBER_DB_PASSWORD GPROFILER_POSTGRES_HOST=127.0.0.1 GPROFILER_POSTGRES_PORT="$H_PGPORT" GPROFILER_POSTGRES_USERNAME=postgres GPROFILER_POSTGRES_DB_NAME=ember "$ADMIN" --sql-dir "$SQL" migrate status >/dev/null 2>&1; echo $?)" 0
h_is "a missing --sql-dir fails" "$(rc "$ADMIN" --sql-dir "$H_RUN/none" migrate status)" 1

# ---- migrate (the details are in t_migrations.sh) ---------------------
out=$(adm migrate up --dry-run)
h_ok "--dry-run lists the plan" grep -q "would apply 0001_base" <<<"$out"
h_is "--dry-run changes nothing" "$(q "SELECT to_regclass('services') IS NULL")" t
h_is "up to an unknown version fails" "$(rc adm migrate up 4242)" 1
h_is "migrate up 2" "$(rc adm migrate up 2)" 0
h_is "... stops at 2" "$(q 'SELECT max(version) FROM ember_schema_migrations')" 2
h_ok "status shows pending ones" bash -c "'$ADMIN' --sql-dir '$SQL' migrate status | grep -qE '^0003 .*pending'"
h_is "migrate up" "$(rc adm migrate up)" 0
T=$H_RUN/sql-odd
mkdir -p "$T"
cp "$SQL"/0001_* "$T"/
echo 'SELECT 1;' >"$T/0002_lonely.up.sql"
out=$("$ADMIN" --sql-dir "$T" migrate status 2>&1)
h_is "an up file without its down is an error" "$?" 1
h_ok "... naming the file" grep -q "0002_lonely.up.sql has no matching .down.sql file" <<<"$out"
rm "$T/0002_lonely.up.sql"
out=$("$ADMIN" --sql-dir "$T" migrate status 2>&1)
h_ok "status shows applied migrations whose files are missing" grep -qE '^0003 .*applied .*\(files missing\)' <<<"$out"
out=$("$ADMIN" --sql-dir "$T" migrate down 1 2>&1)
h_ok "down refuses a migration whose files are missing" grep -q "is applied but its files are missing" <<<"$out"

# ---- services ------------------------------------------------------------
out=$(adm service create web-1.prod_x)
h_is "service create" "$?" 0
h_ok "... says so with its id" grep -qE '^created service web-1.prod_x \(id [0-9]+\)$' <<<"$out"
h_is "... the row exists, visible" "$(q "SELECT hidden FROM Services WHERE name = 'web-1.prod_x'")" f
h_is "creating it twice fails" "$(rc adm service create web-1.prod_x)" 1
for bad in '_lead' 'a b' 'a/b' "x'y" '' "$(printf 'a%.0s' $(seq 256))" .ember-meta - ...; do
	h_is "bad name '${bad:0:12}' is a usage error" "$(rc adm service create "$bad")" 2
done
h_is "no row for a bad name" "$(q "SELECT count(*) FROM Services WHERE name LIKE '%/%' OR name LIKE '% %'")" 0
adm service create other >/dev/null
out=$(adm service list)
h_ok "service list shows both" bash -c "grep -qE '^[0-9]+ +web-1.prod_x +no ' <<<\"\$1\" && grep -qE '^[0-9]+ +other +no ' <<<\"\$1\"" _ "$out"
h_is "service hide" "$(rc adm service hide other)" 0
h_is "... hides, does not delete" "$(q "SELECT hidden FROM Services WHERE name = 'other'")" t
h_ok "... and list shows it hidden" bash -c "'$ADMIN' service list | grep -qE '^[0-9]+ +other +yes '"
out=$(adm service hide other)
h_is "hiding again is fine" "$?" 0
h_ok "... and says it was hidden already" grep -q "already hidden" <<<"$out"
h_is "hiding an unknown service fails" "$(rc adm service hide nosuch)" 1
out=$(adm service create other 2>&1)
h_ok "creating a hidden service's name says it is hidden" grep -q "already exists (id [0-9]*) and is hidden" <<<"$out"

# ---- keys ----------------------------------------------------------------
KEY=$(adm key create --service web-1.prod_x --description "ci key" 2>"$H_RUN/err")
h_is "key create --service" "$?" 0
h_ok "the key is one 43-character URL-safe token" grep -qE '^[A-Za-z0-9_][A-Za-z0-9_-]{42}$' <<<"$KEY"
h_is "stdout holds only the key" "$(printf '%s\n' "$KEY" | wc -l)" 1
h_ok "stderr says it is shown once" grep -q "shown only now" "$H_RUN/err"
HASH=$(printf '%s' "$KEY" | sha256sum | cut -d' ' -f1)
h_is "only the sha256 hex is stored" \
	"$(q "SELECT key_prefix || ' ' || service_name || ' ' || description FROM ember_api_keys WHERE key_hash = '$HASH'")" \
	"${KEY:0:8} web-1.prod_x ci key"
h_is "the plain key is stored nowhere" \
	"$(q "SELECT count(*) FROM ember_api_keys k WHERE row_to_json(k)::text LIKE '%' || '$KEY' || '%'")" 0
KEY2=$(adm key create --all 2>/dev/null)
h_is "key create --all" "$?" 0
h_ok "keys differ" [ "$KEY" != "$KEY2" ]
h_is "an --all key has no service" \
	"$(q "SELECT service_name IS NULL FROM ember_api_keys WHERE key_prefix = '${KEY2:0:8}'")" t
h_is "--service and --all together" "$(rc adm key create --all --service x)" 2
h_is "neither --service nor --all" "$(rc adm key create)" 2
h_is "--service without a value" "$(rc adm key create --service)" 2
h_is "--service with a bad name" "$(rc adm key create --service 'a b')" 2
h_is "unknown option" "$(rc adm key create --all --colour)" 2
out=$(adm key create --service not-yet 2>&1 >/dev/null)
h_ok "a key for a service not seen yet works, with a note" grep -q "note: no service not-yet" <<<"$out"
out=$(adm key list)
h_ok "key list shows the service key" grep -qE "^[0-9]+ +${KEY:0:8} +web-1.prod_x +[0-9T:-]+Z +- +- +ci key$" <<<"$out"
h_ok "key list shows * for an all-services key" grep -qE "^[0-9]+ +${KEY2:0:8} +\\* " <<<"$out"
h_ok "key list never shows a full key" bash -c "! grep -qF -- '$KEY' <<<\"\$1\"" _ "$out"
ID=$(q "SELECT id FROM ember_api_keys WHERE key_hash = '$HASH'")
h_is "key revoke" "$(rc adm key revoke "$ID")" 0
h_is "... sets revoked_at" "$(q "SELECT revoked_at IS NOT NULL FROM ember_api_keys WHERE id = $ID")" t
h_ok "... and key list shows it" bash -c "'$ADMIN' key list | grep -qE '^$ID +[^ ]+ +web-1.prod_x +[0-9T:-]+Z +[0-9T:-]+Z '"
out=$(adm key revoke "$ID")
h_is "revoking twice is fine" "$?" 0
h_ok "... and says when it was revoked" grep -q "already revoked at" <<<"$out"
h_is "revoking an unknown id fails" "$(rc adm key revoke 999999)" 1
h_is "revoking a non-number is a usage error" "$(rc adm key revoke abc)" 2
h_is "revoke without an id" "$(rc adm key revoke)" 2
h_is "other keys stay live" "$(q "SELECT count(*) FROM ember_api_keys WHERE revoked_at IS NULL")" 2

h_done
