#!/bin/bash
# t_slow_clients.sh - conf/lighttpd.conf against a flood of slow clients.
#
# One client (127.0.0.2) opens 1,500 connections and sends a request
# header one byte a second on each, as an attacker holding connections
# would.  With lighttpd's defaults (1,365 connections at most) every slot is
# taken and no agent is answered; conf/lighttpd.conf raises the descriptor
# and connection limits, so heartbeats from another address (127.0.0.1)
# are still answered in time while the flood is open.
#
#     EMBER_BUILD=/tmp/build bash tests/integration/t_slow_clients.sh
source "$(dirname "$0")/../harness/lib.sh"
source "$(dirname "$0")/../harness/api.sh"

CONF=$H_ROOT/conf
FCGI=$EMBER_BUILD/fcgi/ember-fcgi
N=${EMBER_SLOW_CLIENTS:-1500}
[ -x "$FCGI" ] || h_die "no $FCGI (build first, set EMBER_BUILD)"
command -v node >/dev/null || { echo "1..0 # SKIP no node"; exit 0; }
# the flood needs a descriptor per connection in this shell's children too
ulimit -n 8192 2>/dev/null || { echo "1..0 # SKIP cannot raise the descriptor limit"; exit 0; }

h_init
h_api_db
STATE=$H_RUN/state
mkdir -p "$STATE/objects"
export EMBER_STORE_FS_ROOT=$STATE/objects
printf 'admin:%s\n' "$(openssl passwd -apr1 secret)" >"$STATE/htpasswd"
PORT=$(h_free_port)
sed -e "s|^var.ember_bin .*|var.ember_bin    = \"$FCGI\"|" \
	-e "s|^var.ember_conf .*|var.ember_conf   = \"$CONF/ember-minimal.ini\"|" \
	-e "s|^var.ember_static .*|var.ember_static = \"$H_ROOT/static\"|" \
	-e "s|^var.ember_state .*|var.ember_state  = \"$STATE\"|" \
	-e "s|^var.ember_port .*|var.ember_port   = $PORT|" \
	"$CONF/lighttpd.conf" >"$STATE/lighttpd.conf"
h_bg lighttpd -D -f "$STATE/lighttpd.conf" 2>"$STATE/lighttpd.stderr"
h_wait_port "$PORT" || h_die "lighttpd did not start: $(tail -5 "$STATE/lighttpd-error.log")"
URL=http://127.0.0.1:$PORT
KEY=$(h_api_key "")

# heartbeat: one agent heartbeat from 127.0.0.1; prints the HTTP status
# (000 when not answered within 3 s).
heartbeat() {
	curl -s -o /dev/null -w '%{http_code}' -m 3 --interface 127.0.0.1 \
		-H "Authorization: Bearer $KEY" -H 'Content-Type: application/json' \
		-d '{"ip_address":"10.0.0.1","hostname":"slow-test","service_name":"svc","status":"active","received_command_ids":[],"executed_command_ids":[]}' \
		"$URL/api/metrics/heartbeat"
}
for _ in $(seq 50); do [ "$(heartbeat)" = 200 ] && break; sleep 0.2; done
h_is "a heartbeat before the flood" "$(heartbeat)" 200

h_bg node "$H_ROOT/tests/harness/slow-clients.mjs" "$PORT" "$N" 127.0.0.2 >"$H_RUN/slow.log" 2>&1
SLOW=$H_LASTPID
for _ in $(seq 100); do
	[ "$(tail -n 1 "$H_RUN/slow.log" 2>/dev/null)" = "open $N" ] && break
	sleep 0.2
done
h_is "$N slow connections are open" "$(tail -n 1 "$H_RUN/slow.log")" "open $N"
sleep 2
fails=0
for i in $(seq 10); do
	c=$(heartbeat)
	[ "$c" = 200 ] || { fails=$((fails + 1)); h_log "heartbeat $i: $c"; }
done
h_is "10 heartbeats during the flood: all answered within 3 s" "$fails" 0
h_is "... the UI page too (operator, logged in)" \
	"$(curl -s -o /dev/null -w '%{http_code}' -m 3 -u admin:secret "$URL/")" 200
h_ok "... and the slow connections are still open (so they were not simply refused)" \
	bash -c "[ \"\$(tail -n 1 '$H_RUN/slow.log' | awk '{print \$2}')\" -ge $((N * 9 / 10)) ]"
kill "$SLOW"
h_done
