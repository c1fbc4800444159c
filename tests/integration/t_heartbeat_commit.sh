#!/bin/bash
# t_heartbeat_commit.sh - the heartbeat commit policy against a cluster that
# commits durably (synchronous_commit on, as users run it):
#  - with fcgi.heartbeat_synchronous_commit off (the default) a heartbeat
#    still returns its command, and heartbeats stop costing a WAL write
#    each (pg_stat_wal), while with it on they cost one each;
#  - kill -9 of PostgreSQL right after answers loses no profile request, no
#    command hand-out and no completion (they stay durable).
source "$(dirname "$0")/../harness/lib.sh"
source "$(dirname "$0")/../harness/lighttpd.sh"
source "$(dirname "$0")/../harness/api.sh"
h_init
export H_PG_OPTS="-c synchronous_commit=on -c wal_writer_delay=200ms"
h_api_db
h_is "the cluster commits synchronously" "$(h_sql "SHOW synchronous_commit")" on
KEY=$(h_api_key checkout)
AUTH=(-H "Authorization: Bearer $KEY")
JSON=(-H 'Content-Type: application/json')
h_lighttpd_start 1

hb() { h_req POST /api/metrics/heartbeat "${JSON[@]}" "${AUTH[@]}" --data "{\"ip_address\":\"10.0.0.1\",\"hostname\":\"$1\",\"service_name\":\"checkout\"}"; }

# pg_crash: kill -9 every process of the cluster, then start it again.
pg_crash() {
	local pm
	pm=$(head -1 "$H_PGDIR/data/postmaster.pid")
	kill -9 $(pgrep -P "$pm") "$pm" 2>/dev/null
	for _ in $(seq 100); do
		kill -0 "$pm" 2>/dev/null || [ -n "$(pgrep -P "$pm")" ] || break
		sleep 0.1
	done
	h_pg_ctl start
}

# wal_writes N: pg_stat_wal's wal_write count after N heartbeats (the
# backend's pending statistics are flushed on its next transaction once a
# second has passed, so one more heartbeat follows a pause).
wal_writes() {
	local before after i
	before=$(h_sql "SELECT wal_write FROM pg_stat_wal")
	for i in $(seq "$1"); do hb "w-$i" >/dev/null; done
	sleep 1.2
	hb w-flush
	sleep 0.3
	after=$(h_sql "SELECT wal_write FROM pg_stat_wal")
	echo $((after - before))
}

# --- the hand-out with the default policy -------------------------------------
hb h1
h_is "first heartbeat stored" "$H_STATUS $(jq -r .success <<<"$H_BODY")" "200 true"
h_req POST /api/metrics/profile_request "${JSON[@]}" \
	--data '{"service_name":"checkout","request_type":"start","duration":30,"target_hosts":{"h1":null}}'
h_is "start request: 200" "$H_STATUS" 200
CMD=$(jq -r '.command_ids[0]' <<<"$H_BODY")
REQ=$(jq -r '.request_id' <<<"$H_BODY")
pg_crash
h_is "crash after the request: the command survives" \
	"$(h_sql "SELECT status FROM ProfilingCommands WHERE command_id = '$CMD'")" pending
h_is "crash after the request: the request row survives" \
	"$(h_sql "SELECT count(*) FROM ProfilingRequests WHERE request_id = '$REQ'")" 1
hb h1
h_is "heartbeat (asynchronous commit) returns its command" "$(jq -r .command_id <<<"$H_BODY")" "$CMD"
pg_crash
h_is "crash after the hand-out: the command stays sent" \
	"$(h_sql "SELECT status FROM ProfilingCommands WHERE command_id = '$CMD'")" sent
h_is "crash after the hand-out: the execution stays assigned" \
	"$(h_sql "SELECT status FROM ProfilingExecutions WHERE command_id = '$CMD'")" assigned
h_req POST /api/metrics/command_completion "${JSON[@]}" "${AUTH[@]}" \
	--data "{\"command_id\":\"$CMD\",\"hostname\":\"h1\",\"status\":\"completed\",\"execution_time\":30}"
h_is "completion acknowledged" "$H_STATUS $(jq -r .success <<<"$H_BODY")" "200 true"
pg_crash
h_is "crash after the acknowledgement: the completion survives" \
	"$(h_sql "SELECT c.status, e.status, r.status FROM ProfilingCommands c JOIN ProfilingExecutions e USING (command_id)
		JOIN ProfilingRequests r ON r.request_id = e.profiling_request_id WHERE command_id = '$CMD'")" \
	"completed|completed|completed"
hb h1
h_is "after the crashes: heartbeats served" "$H_STATUS $(jq -r .command_id <<<"$H_BODY")" "200 $CMD"

# --- what the policy changes: a WAL write per heartbeat, or not ------------------
hb warm >/dev/null
ASYNC=$(wal_writes 100)
h_lighttpd_stop
EMBER_FCGI_HEARTBEAT_SYNCHRONOUS_COMMIT=on h_lighttpd_start 1
hb warm >/dev/null
SYNC=$(wal_writes 100)
h_log "WAL writes for 100 heartbeats: $ASYNC with synchronous_commit off, $SYNC with it on"
h_ok "synchronous heartbeats: a WAL write each ($SYNC >= 100)" test "$SYNC" -ge 100
h_ok "asynchronous heartbeats: far fewer ($ASYNC < $SYNC / 2)" test "$ASYNC" -lt $((SYNC / 2))
hb h1
h_is "synchronous policy: heartbeats served" "$H_STATUS" 200

h_done
