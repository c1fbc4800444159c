#!/bin/bash
# t_api_control.sh - the dynamic profiling control loop through lighttpd +
# ember-fcgi + PostgreSQL: the golden exchanges tests/data/golden/01-26 replayed in order
# (same status, fields and types; deliberate fixes checked as such), then
# agent auth, host_status filters, the pending-command merge, services and
# host tags, and hostile input.
source "$(dirname "$0")/../harness/lib.sh"
source "$(dirname "$0")/../harness/lighttpd.sh"
source "$(dirname "$0")/../harness/api.sh"
h_init
h_api_db
KEY=$(h_api_key checkout)
AUTH=(-H "Authorization: Bearer $KEY")
h_lighttpd_start 2

# same_as_golden NAME: compare status and normalised body with the golden.
same_as_golden() {
	h_is "$1: status" "$H_STATUS" "$H_WANT_STATUS"
	h_is "$1: body" "$(h_norm "$H_BODY")" "$(h_norm "$H_WANT_BODY")"
}

# --- golden replay -------------------------------------------------------
h_golden 01-heartbeat-first.http "${AUTH[@]}"
same_as_golden "01 first heartbeat"
h_is "01 stored" "$(h_sql "SELECT hostname, host(ip_address), service_name, status, heartbeat_timestamp, received_command_ids, executed_command_ids FROM HostHeartbeats")" \
	"ip-10-0-1-5|10.0.1.5|checkout|active|2026-03-11 10:00:00.123456|{}|{}"

h_golden 02-profile-request-start.http
same_as_golden "02 start request"
h_is "02 two pending commands" "$(h_sql "SELECT hostname, command_type, status, combined_config->>'duration', combined_config->'profiler_configs'->>'perf', combined_config ? 'pids', combined_config ? 'stop_level' FROM ProfilingCommands ORDER BY hostname")" \
	"ip-10-0-1-5|start|pending|120|enabled_restricted|f|f
ip-10-0-1-6|start|pending|120|enabled_restricted|f|f"
h_is "02 request row" "$(h_sql "SELECT request_type, service_name, continuous, duration, frequency, profiling_mode, target_hostnames, stop_level, status, additional_args->>'max_processes' FROM ProfilingRequests")" \
	"start|checkout|f|120|11|cpu|{ip-10-0-1-5,ip-10-0-1-6}|process|pending|10"
h_ok "02 estimated_completion_time is UTC with Z" grep -q '"estimated_completion_time":"[0-9T:.-]*Z"' <<<"$H_BODY"
CMD1=$(jq -r '.command_ids[0]' <<<"$H_BODY")
h_is "02 command_ids match rows" "$(h_sql "SELECT count(*) FROM ProfilingCommands WHERE command_id = '$CMD1'")" 1

h_golden 03-heartbeat-gets-command.http "${AUTH[@]}"
same_as_golden "03 heartbeat gets command"
h_is "03 command marked sent" "$(h_sql "SELECT status, sent_at IS NOT NULL FROM ProfilingCommands WHERE hostname = 'ip-10-0-1-5'")" "sent|t"
h_is "03 execution assigned" "$(h_sql "SELECT hostname, status, started_at IS NOT NULL FROM ProfilingExecutions")" "ip-10-0-1-5|assigned|t"
h_is "03 the command id is the one created" "$(jq -r .command_id <<<"$H_BODY")" "$CMD1"

# Later goldens carry upstream's command id; use ours.
for n in 04-heartbeat-repeat-command 05-command-completion 06-command-completion-again \
	07-heartbeat-after-completion 12-heartbeat-gets-stop; do
	sed "s/8fea6b46-a966-4075-a324-3aabdb7b06f8/$CMD1/g" "$H_GOLDEN/$n.http" >"$H_RUN/$n.http"
done

H_GOLDEN=$H_RUN h_golden 04-heartbeat-repeat-command.http "${AUTH[@]}"
same_as_golden "04 repeat command"
h_is "04 received ids stored" "$(h_sql "SELECT last_command_id, received_command_ids FROM HostHeartbeats WHERE hostname = 'ip-10-0-1-5'")" "$CMD1|{$CMD1}"

H_GOLDEN=$H_RUN h_golden 05-command-completion.http "${AUTH[@]}"
same_as_golden "05 completion"
h_is "05 command completed" "$(h_sql "SELECT status, completed_at IS NOT NULL, execution_time FROM ProfilingCommands WHERE hostname = 'ip-10-0-1-5'")" "completed|t|0"
h_is "05 execution completed" "$(h_sql "SELECT status, execution_time FROM ProfilingExecutions")" "completed|0"
h_is "05 request still pending (other host pending)" "$(h_sql "SELECT status FROM ProfilingRequests")" "pending"

H_GOLDEN=$H_RUN h_golden 06-command-completion-again.http "${AUTH[@]}"
same_as_golden "06 completion again"
H_GOLDEN=$H_RUN h_golden 07-heartbeat-after-completion.http "${AUTH[@]}"
same_as_golden "07 heartbeat after completion"
h_is "07 executed ids read back" "$(h_sql "SELECT last_command_id, received_command_ids, executed_command_ids FROM HostHeartbeats WHERE hostname = 'ip-10-0-1-5'")" \
	"$CMD1|{$CMD1}|{$CMD1}"

h_golden 08-host-status.http
h_is "08 host status: status" "$H_STATUS" 200
# upstream's fields and types exactly; ember adds the current command's run
# (continuous, duration, command_started_at) for the page's "running until"
EXTRA='del(.[].continuous, .[].duration, .[].command_started_at)'
h_is "08 host status: upstream's fields/types" "$(h_json_types "$(jq -c "$EXTRA" <<<"$H_BODY")")" "$(h_json_types "$H_WANT_BODY")"
h_is "08 host status: the run (continuous, duration, started when the agent took it)" \
	"$(jq -c '[.[] | [.continuous, .duration, (.command_started_at | test("^[0-9-]{10}T[0-9:.]{8,}Z$"))]]' <<<"$H_BODY")" \
	'[[false,120,true]]'
h_is "08 host status: command_started_at is the execution's started_at" \
	"$(jq -r '.[0].command_started_at' <<<"$H_BODY" | cut -c1-19)" \
	"$(h_sql "SELECT to_char(started_at, 'YYYY-MM-DD\"T\"HH24:MI:SS') FROM ProfilingExecutions WHERE hostname = 'ip-10-0-1-5' ORDER BY id DESC LIMIT 1")"
h_is "08 host status: values" "$(jq -c '[.[] | {service_name, hostname, ip_address, pids, command_type, profiling_status, heartbeat_timestamp}]' <<<"$H_BODY")" \
	'[{"service_name":"checkout","hostname":"ip-10-0-1-5","ip_address":"10.0.1.5","pids":[],"command_type":"start","profiling_status":"completed","heartbeat_timestamp":"2026-03-11T10:01:00.654321Z"}]'
h_golden 09-host-status-filtered.http
h_is "09 filtered" "$(jq -c '[.[].hostname]' <<<"$H_BODY")" '["ip-10-0-1-5"]'
h_golden 10-host-status-no-match.http
same_as_golden "10 no match"

h_golden 11-profile-request-stop-host.http
same_as_golden "11 stop host"
h_is "11 stop command" "$(h_sql "SELECT command_type, status, combined_config::text, cardinality(request_ids) FROM ProfilingCommands WHERE hostname = 'ip-10-0-1-5'")" \
	'stop|pending|{"stop_level": "host"}|2'
H_GOLDEN=$H_RUN h_golden 12-heartbeat-gets-stop.http "${AUTH[@]}"
same_as_golden "12 heartbeat gets stop"
h_golden 13-host-status-after-stop.http
h_is "13 after stop" "$(jq -c '[.[] | {command_type, profiling_status}]' <<<"$H_BODY")" '[{"command_type":"stop","profiling_status":"sent"}]'
h_is "13 after stop: a stop has no run length" "$(jq -c '[.[] | [.continuous, .duration]]' <<<"$H_BODY")" '[[false,null]]'

h_golden 20-heartbeat-missing-hostname.http "${AUTH[@]}"
same_as_golden "20 missing hostname"
h_golden 21-heartbeat-bad-uuid.http "${AUTH[@]}"
h_is "21 bad uuid: still 200" "$H_STATUS" 200
h_is "21 bad uuid: success" "$(jq -c '[.success, .profiling_command]' <<<"$H_BODY")" '[true,null]'
h_is "21 bad uuid: valid parts stored (fix)" "$(h_sql "SELECT host(ip_address), last_command_id IS NULL, received_command_ids, executed_command_ids FROM HostHeartbeats WHERE hostname = 'ip-10-0-1-7'")" \
	"10.0.1.7|t|{}|{}"
h_golden 22-heartbeat-malformed-json.http "${AUTH[@]}"
h_is "22 malformed JSON: 422" "$H_STATUS" 422
h_is "22 malformed JSON: detail" "$(jq -c '.detail[0] | [.loc[0], (.loc[1] | type), .type, (.msg | type)]' <<<"$H_BODY")" \
	'["body","number","value_error.jsondecode","string"]'
h_golden 23-profile-request-stop-no-pids.http
same_as_golden "23 stop without pids"
NREQ=$(h_sql "SELECT count(*) FROM ProfilingRequests")
h_golden 24-profile-request-start-no-hosts.http
h_is "24 start without hosts: 422, a start names its hosts (fix)" "$H_STATUS" 422
h_is "24 the 422 names target_hosts and all_hosts" \
	"$(jq -c '[.detail[0].loc, (.detail[0].msg | test("all_hosts")), .detail[0].type]' <<<"$H_BODY")" \
	'[["body","target_hosts"],true,"value_error.missing"]'
h_req POST /api/metrics/profile_request -H 'Content-Type: application/json' \
	--data '{"service_name": "checkout", "request_type": "start", "target_hostnames": ["ip-10-0-1-5"]}'
h_is "24 misspelled target list: 422 naming the field" \
	"$(jq -c '[.detail[] | [.loc[1], .type]]' <<<"$H_BODY")" '[["target_hostnames","value_error.extra"]]'
h_is "24 refused starts wrote nothing" "$(h_sql "SELECT count(*) FROM ProfilingRequests")" "$NREQ"
h_req POST /api/metrics/profile_request -H 'Content-Type: application/json' \
	--data '{"service_name": "checkout", "request_type": "start", "duration": 60, "all_hosts": true}'
h_is "24 all_hosts: active hosts started" "$H_STATUS" 200
h_is "24 commands for the active hosts" "$(jq -c '.command_ids | length' <<<"$H_BODY")" 2
h_is "24 target_hostnames recorded" "$(h_sql "SELECT target_hostnames FROM ProfilingRequests WHERE request_id = '$(jq -r .request_id <<<"$H_BODY")'")" \
	"{ip-10-0-1-5,ip-10-0-1-7}"
h_req POST /api/metrics/profile_request -H 'Content-Type: application/json' \
	--data '{"service_name": "nobody-here", "request_type": "start", "all_hosts": true}'
h_is "24b no active host: 400" "$H_STATUS" 400
h_is "24b no active host: message" "$(jq -r '.message | test("No active hosts")' <<<"$H_BODY")" true
h_golden 25-command-completion-bad-status.http "${AUTH[@]}"
same_as_golden "25 bad status"
h_golden 26-command-completion-unknown.http "${AUTH[@]}"
same_as_golden "26 unknown command"

# --- one host's command is never another's ----------------------------------
ANY=(-H "Authorization: Bearer $(h_api_key '')")
h_sql "INSERT INTO ProfilingCommands (command_id, hostname, service_name, command_type, request_ids, combined_config)
	VALUES ('00000000-0000-4000-8000-0000000000b1', 'only-b1', 'svc-two', 'start', '{}', '{\"duration\": 5}')" >/dev/null
h_req POST /api/metrics/heartbeat -H 'Content-Type: application/json' "${ANY[@]}" \
	--data '{"ip_address":"10.0.5.2","hostname":"b2","service_name":"svc-two"}'
h_is "second host of the service: no command" "$H_STATUS $(jq -c '[.profiling_command, .command_id]' <<<"$H_BODY")" "200 [null,null]"
h_req POST /api/metrics/heartbeat -H 'Content-Type: application/json' "${ANY[@]}" \
	--data '{"ip_address":"10.0.5.3","hostname":"only-b1","service_name":"svc-other"}'
h_is "same hostname, other service: no command" "$H_STATUS $(jq -c '.command_id' <<<"$H_BODY")" "200 null"
h_is "the first host's command still pending" "$(h_sql "SELECT status FROM ProfilingCommands WHERE hostname = 'only-b1'")" pending
h_req POST /api/metrics/heartbeat -H 'Content-Type: application/json' "${ANY[@]}" \
	--data '{"ip_address":"10.0.5.1","hostname":"only-b1","service_name":"svc-two"}'
h_is "the first host gets it" "$(jq -r '.command_id' <<<"$H_BODY")" 00000000-0000-4000-8000-0000000000b1
h_sql "DELETE FROM ProfilingCommands WHERE hostname = 'only-b1'; DELETE FROM ProfilingExecutions WHERE hostname = 'only-b1';
	DELETE FROM HostHeartbeats WHERE service_name IN ('svc-two', 'svc-other')" >/dev/null

# --- last_used_at: written on use, at most once a minute ---------------------
K3=$(h_api_key checkout)
K3HASH=$(printf %s "$K3" | sha256sum | cut -d' ' -f1)
h_is "new key: never used" "$(h_sql "SELECT last_used_at IS NULL FROM ember_api_keys WHERE key_hash = '$K3HASH'")" t
h_req POST /api/metrics/heartbeat -H 'Content-Type: application/json' -H "Authorization: Bearer $K3" \
	--data '{"ip_address":"10.0.6.1","hostname":"lu-1","service_name":"checkout"}'
h_is "heartbeat with the key: 200" "$H_STATUS" 200
h_is "last_used_at written" "$(h_sql "SELECT last_used_at > now() - interval '1 minute' FROM ember_api_keys WHERE key_hash = '$K3HASH'")" t
h_sql "UPDATE ember_api_keys SET last_used_at = now() - interval '30 seconds' WHERE key_hash = '$K3HASH'" >/dev/null
T30=$(h_sql "SELECT last_used_at FROM ember_api_keys WHERE key_hash = '$K3HASH'")
for _ in 1 2 3 4 5 6; do
	h_req POST /api/metrics/heartbeat -H 'Content-Type: application/json' -H "Authorization: Bearer $K3" \
		--data '{"ip_address":"10.0.6.1","hostname":"lu-1","service_name":"checkout"}'
done
h_is "within the minute: not written again" "$(h_sql "SELECT last_used_at FROM ember_api_keys WHERE key_hash = '$K3HASH'")" "$T30"
h_sql "DELETE FROM HostHeartbeats WHERE hostname = 'lu-1'" >/dev/null

# --- agent auth -----------------------------------------------------------
HB='{"ip_address":"10.0.2.1","hostname":"h-auth","service_name":"checkout"}'
h_req POST /api/metrics/heartbeat -H 'Content-Type: application/json' --data "$HB"
h_is "auth: missing key 401" "$H_STATUS" 401
h_req POST /api/metrics/heartbeat -H 'Content-Type: application/json' -H 'Authorization: Bearer nope' --data "$HB"
h_is "auth: unknown key 401" "$H_STATUS" 401
OTHER=$(h_api_key billing)
h_req POST /api/metrics/heartbeat -H 'Content-Type: application/json' -H "Authorization: Bearer $OTHER" --data "$HB"
h_is "auth: other service's key 403" "$H_STATUS" 403
h_is "auth: refused heartbeats wrote nothing" "$(h_sql "SELECT count(*) FROM HostHeartbeats WHERE hostname = 'h-auth'")" 0
h_sql "INSERT INTO ProfilingCommands (command_id, hostname, service_name, command_type, request_ids)
	VALUES ('00000000-0000-4000-8000-00000000a017', 'h-auth', 'checkout', 'start', '{}')" >/dev/null
h_req POST /api/metrics/heartbeat -H 'Content-Type: application/json' -H "Authorization: Bearer $OTHER" --data "$HB"
h_is "auth: refused heartbeat gets no command" "$H_STATUS $(jq -r '.command_id // "none"' <<<"$H_BODY")" "403 none"
h_is "auth: refused heartbeat leaves the command pending" \
	"$(h_sql "SELECT status FROM ProfilingCommands WHERE hostname = 'h-auth'")" pending
h_sql "DELETE FROM ProfilingCommands WHERE hostname = 'h-auth'" >/dev/null
h_req POST /api/metrics/heartbeat -H 'Content-Type: application/json' -H 'Authorization: Bearer nope' \
	--data '{"ip_address":"not-an-ip","hostname":"h-auth","service_name":"checkout"}'
h_is "auth: unknown key with a bad ip_address still 401" "$H_STATUS" 401
h_req POST /api/metrics/heartbeat -H 'Content-Type: application/json' -H "Authorization: Bearer $OTHER" \
	--data '{"ip_address":"not-an-ip","hostname":"h-auth","service_name":"checkout"}'
h_is "auth: other service's key with a bad ip_address still 403" "$H_STATUS" 403
ALL=$(h_api_key '')
h_req POST /api/metrics/heartbeat -H 'Content-Type: application/json' -H "authorization: bearer $ALL" --data "$HB"
h_is "auth: all-services key, lower-case header 200" "$H_STATUS" 200
h_sql "UPDATE ember_api_keys SET revoked_at = now() WHERE service_name IS NULL" >/dev/null
h_req POST /api/metrics/heartbeat -H 'Content-Type: application/json' -H "Authorization: Bearer $ALL" --data "$HB"
h_is "auth: revoked key 401 at once" "$H_STATUS" 401
h_sql "INSERT INTO ProfilerTokens (token) VALUES ('upstream-token-1')" >/dev/null
h_req POST /api/metrics/heartbeat -H 'Content-Type: application/json' -H "Authorization: Bearer upstream-token-1" --data "$HB"
h_is "auth: upstream ProfilerTokens accepted" "$H_STATUS" 200
h_sql "UPDATE ProfilerTokens SET disabled = now()" >/dev/null
h_req POST /api/metrics/heartbeat -H 'Content-Type: application/json' -H "Authorization: Bearer upstream-token-1" --data "$HB"
h_is "auth: disabled ProfilerToken 401" "$H_STATUS" 401
h_req POST /api/metrics/command_completion -H 'Content-Type: application/json' -H "Authorization: Bearer $OTHER" \
	--data "{\"command_id\":\"$CMD1\",\"hostname\":\"ip-10-0-1-5\",\"status\":\"completed\"}"
h_is "auth: completion with another service's key 403" "$H_STATUS" 403

# --- pending merge --------------------------------------------------------
h_req POST /api/metrics/profile_request -H 'Content-Type: application/json' \
	--data '{"service_name":"svc-m","request_type":"start","duration":30,"frequency":50,"target_hosts":{"m1":[10,11]}}'
h_is "merge: first start" "$H_STATUS" 200
h_req POST /api/metrics/profile_request -H 'Content-Type: application/json' \
	--data '{"service_name":"svc-m","request_type":"start","duration":90,"frequency":7,"continuous":true,"profiling_mode":"allocation","target_hosts":{"m1":[11,12]}}'
h_is "merge: second start" "$H_STATUS" 200
h_is "merge: merged config" "$(h_sql "SELECT combined_config->>'duration', combined_config->>'frequency', combined_config->>'continuous', combined_config->>'profiling_mode', combined_config->'pids', cardinality(request_ids) FROM ProfilingCommands WHERE hostname = 'm1'")" \
	"90|50|true|allocation|[10, 11, 12]|2"
h_req POST /api/metrics/profile_request -H 'Content-Type: application/json' \
	--data '{"service_name":"svc-m","request_type":"stop","target_hosts":{"m1":[10,12]}}'
h_is "stop process: remaining pid kept" "$(h_sql "SELECT command_type, combined_config->'pids' FROM ProfilingCommands WHERE hostname = 'm1'")" "start|[11]"
h_req POST /api/metrics/profile_request -H 'Content-Type: application/json' \
	--data '{"service_name":"svc-m","request_type":"stop","target_hosts":{"m1":[11]}}'
h_is "stop process: last pid -> host stop" "$(h_sql "SELECT command_type, combined_config::text FROM ProfilingCommands WHERE hostname = 'm1'")" 'stop|{"stop_level": "host"}'
h_req POST /api/metrics/profile_request -H 'Content-Type: application/json' \
	--data '{"service_name":"svc-m","request_type":"stop","stop_level":"host","target_hosts":{"m1":[1]}}'
h_is "stop host with pids: 422" "$H_STATUS" 422
h_req POST /api/metrics/profile_request -H 'Content-Type: application/json' \
	--data '{"service_name":"svc-m","request_type":"stop"}'
h_is "stop without hosts or pids: 422 (upstream order)" "$H_STATUS" 422
h_req POST /api/metrics/profile_request -H 'Content-Type: application/json' \
	--data '{"service_name":"svc-m","request_type":"stop","stop_level":"host"}'
h_is "stop without hosts: 400" "$H_STATUS" 400
h_is "stop without hosts: message" "$H_BODY" '{"message":"Stop commands require specific target hosts"}'
for bad in '{"service_name":"s","request_type":"pause"}' '{"service_name":"s","request_type":"start","duration":0}' \
	'{"service_name":"s","request_type":"start","duration":"x"}' '{"service_name":"s","request_type":"start","profiling_mode":"gpu"}' \
	'{"service_name":"s","request_type":"start","target_hosts":{"h":[-1]}}' '{"service_name":"s","request_type":"start","target_hosts":[1]}' \
	'{"request_type":"start"}' '[1,2]' '"x"'; do
	h_req POST /api/metrics/profile_request -H 'Content-Type: application/json' --data "$bad"
	h_is "profile_request invalid $bad: 422" "$H_STATUS" 422
done

# --- host_status filters and object form ----------------------------------
h_req GET '/api/metrics/profiling/host_status?format=object'
h_is "host_status object: counts" "$(jq -c '[(.hosts | length), .active_count, .total_count]' <<<"$H_BODY")" "[3,3,3]"
h_req GET '/api/metrics/profiling/host_status?hostname=10-0-1'
h_is "host_status: substring hostname" "$(jq -c '[.[].hostname] | sort' <<<"$H_BODY")" '["ip-10-0-1-5","ip-10-0-1-7"]'
h_req GET '/api/metrics/profiling/host_status?hostname=ip-10-0-1-5&hostname=h-auth'
h_is "host_status: repeated hostname = OR" "$(jq -c '[.[].hostname] | sort' <<<"$H_BODY")" '["h-auth","ip-10-0-1-5"]'
h_req GET '/api/metrics/profiling/host_status?hostname=%25'
h_is "host_status: % is literal" "$H_BODY" "[]"
h_req GET '/api/metrics/profiling/host_status?service_name=check&exact_match=true'
h_is "host_status: exact match" "$H_BODY" "[]"
h_req GET '/api/metrics/profiling/host_status?service_name=CHECK'
h_is "host_status: partial, case-insensitive" "$(jq length <<<"$H_BODY")" 3
h_req GET '/api/metrics/profiling/host_status?profiling_status=stopped'
h_is "host_status: stopped = no command" "$(jq -c '[.[].hostname]' <<<"$H_BODY")" '["h-auth"]'
h_req GET '/api/metrics/profiling/host_status?command_type=N/A'
h_is "host_status: N/A = no command" "$(jq -c '[.[].command_type]' <<<"$H_BODY")" '["N/A"]'
h_req GET '/api/metrics/profiling/host_status?ip_address=10.0.2'
h_is "host_status: ip substring" "$(jq -c '[.[].ip_address]' <<<"$H_BODY")" '["10.0.2.1"]'
h_req GET '/api/metrics/profiling/host_status?pids=abc'
h_is "host_status: bad pid 422" "$H_STATUS" 422
h_req GET '/api/metrics/profiling/host_status?exact_match=maybe'
h_is "host_status: bad bool 422" "$H_STATUS" 422
h_req GET '/metrics/profiling/host_status'
h_is "host_status: seed /metrics spelling" "$H_STATUS" 200

# --- services and tags ------------------------------------------------------
h_req GET /api/services
h_is "services: none -> 204" "$H_STATUS" 204
h_sql "INSERT INTO Services (name) VALUES ('checkout')" >/dev/null
SID=$(h_sql "SELECT id FROM Services WHERE name = 'checkout'")
h_sql "INSERT INTO AdhocFlamegraphMetadata (service_id, hostname, s3_key, start_time, end_time) VALUES
	($SID, 'hb', 'products/checkout/stacks/flamegraph/b.html', '2026-03-11 10:00:00', '2026-03-11 10:00:00'),
	($SID, 'ha', 'products/checkout/stacks/flamegraph/a.html', '2026-03-11 11:00:00', '2026-03-11 11:00:00'),
	($SID, 'ha', 'products/checkout/stacks/flamegraph/c.html', '2026-03-11 12:00:00', '2026-03-11 12:00:00')" >/dev/null
h_req GET /api/services
h_is "services: list" "$(jq -c '[.[] | {name, hasData, serviceId: (.serviceId | type), envType: (.envType | type), createDate: (.createDate | test("Z$"))}]' <<<"$H_BODY")" \
	'[{"name":"checkout","hasData":true,"serviceId":"number","envType":"string","createDate":true}]'
# Filter tags come from the sample store (t_api_ui checks their values);
# ad hoc metadata rows alone give none.
h_req GET '/api/v1/filters/tags/HostName?serviceName=checkout'
h_is "tags: startTime required, as upstream" "$H_STATUS" 422
h_req GET '/api/v1/filters/tags/HostName?serviceName=checkout&startTime=2026-03-11T10:30:00.000Z&endTime=2026-03-11T11:30:00Z'
h_is "tags: no samples in the range: 204" "$H_STATUS" 204
h_req GET '/api/v1/filters/tags/HostName?serviceName=checkout&startTime=yesterday'
h_is "tags: bad time 422" "$H_STATUS" 422
h_req GET '/api/v1/filters/tags/HostName'
h_is "tags: missing service 422" "$H_STATUS" 422

# --- hostile input; the server keeps serving -------------------------------
EVIL="x'); DROP TABLE HostHeartbeats; --"
h_req POST /api/metrics/heartbeat -H 'Content-Type: application/json' -H "Authorization: Bearer $KEY" \
	--data "$(jq -nc --arg h "$EVIL" '{ip_address:"10.0.3.1", hostname:$h, service_name:"checkout"}')"
h_is "sql metacharacters: 200" "$H_STATUS" 200
h_is "sql metacharacters: stored literally" "$(h_sql "SELECT count(*) FROM HostHeartbeats WHERE hostname = \$\$$EVIL\$\$")" 1
head -c 2000000 /dev/zero | tr '\0' ' ' >"$H_RUN/big.json"
h_req POST /api/metrics/heartbeat -H 'Content-Type: application/json' -H "Authorization: Bearer $KEY" --data-binary "@$H_RUN/big.json"
h_is "oversized JSON body 413" "$H_STATUS" 413
printf '{"a":%s1%s}' "$(printf '[%.0s' $(seq 5000))" "$(printf ']%.0s' $(seq 5000))" >"$H_RUN/deep.json"
h_req POST /api/metrics/profile_request -H 'Content-Type: application/json' --data-binary "@$H_RUN/deep.json"
h_is "deeply nested JSON 422" "$H_STATUS" 422
printf '{"hostname":"a\\u0000b","ip_address":"1.2.3.4","service_name":"checkout"}' >"$H_RUN/nul.json"
h_req POST /api/metrics/heartbeat -H 'Content-Type: application/json' -H "Authorization: Bearer $KEY" --data-binary "@$H_RUN/nul.json"
h_is "NUL inside a JSON string 422" "$H_STATUS" 422
h_req POST /api/metrics/heartbeat -H 'Content-Type: application/json' -H "Authorization: Bearer $KEY" \
	--data '{"ip_address":"not-an-ip","hostname":"h-ip","service_name":"checkout"}'
h_is "invalid ip: 422 before the database (fix)" "$H_STATUS $(jq -c '.detail[0].loc' <<<"$H_BODY")" '422 ["body","ip_address"]'
h_req POST /api/metrics/heartbeat -H 'Content-Type: application/json' -H "Authorization: Bearer $KEY" \
	--data '{"ip_address":"10.0.9.1","hostname":"h-ip","service_name":"checkout","status":"sleepy"}'
h_is "invalid status: 422" "$H_STATUS $(jq -c '.detail[0].loc' <<<"$H_BODY")" '422 ["body","status"]'
h_req POST /api/metrics/heartbeat -H 'Content-Type: application/json' -H "Authorization: Bearer $KEY" \
	--data '{"ip_address":"10.0.9.1","hostname":"","service_name":"checkout"}'
h_is "empty hostname: 422" "$H_STATUS $(jq -c '.detail[0].loc' <<<"$H_BODY")" '422 ["body","hostname"]'
h_is "invalid heartbeats stored nothing" "$(h_sql "SELECT count(*) FROM HostHeartbeats WHERE hostname IN ('h-ip', '')")" 0
for cid in '' 'not-a-uuid' '12345678-1234-1234-1234-12345678901'; do
	h_req POST /api/metrics/command_completion -H 'Content-Type: application/json' -H "Authorization: Bearer $KEY" \
		--data "{\"command_id\":\"$cid\",\"hostname\":\"ip-10-0-1-5\",\"status\":\"completed\"}"
	h_is "completion with command_id '$cid': 422" "$H_STATUS $(jq -c '.detail[0].loc' <<<"$H_BODY")" '422 ["body","command_id"]'
done
h_req POST /api/metrics/heartbeat -H 'Content-Type: application/json' -H "Authorization: Bearer $KEY" \
	--data '{"ip_address":"1.2.3.4","hostname":"h-ts","service_name":"checkout","timestamp":"2026-13-45T99:00:00"}'
h_is "invalid timestamp 422" "$H_STATUS" 422
h_req GET /api/health
h_is "still serving after hostile input" "$H_STATUS" 200

# --- PostgreSQL restarts and outages ------------------------------------------
HB5='{"ip_address":"10.0.1.5","hostname":"ip-10-0-1-5","service_name":"checkout"}'
h_pg_ctl restart
h_req POST /api/metrics/heartbeat -H 'Content-Type: application/json' -H "Authorization: Bearer $KEY" --data "$HB5"
h_is "after a PostgreSQL restart: reconnected" "$H_STATUS $(jq -r .success <<<"$H_BODY")" "200 true"
h_pg_ctl stop
h_req POST /api/metrics/heartbeat -H 'Content-Type: application/json' -H "Authorization: Bearer $KEY" --data "$HB5"
h_is "PostgreSQL down: the key cannot be checked, 503 (fail closed)" "$H_STATUS" 503
h_req GET /api/metrics/profiling/host_status
h_is "PostgreSQL down: operator endpoint 503" "$H_STATUS" 503
h_req GET /api/health
h_is "PostgreSQL down: /api/health still 200" "$H_STATUS" 200
h_pg_ctl start
h_req POST /api/metrics/heartbeat -H 'Content-Type: application/json' -H "Authorization: Bearer $KEY" --data "$HB5"
h_is "PostgreSQL back: heartbeat served" "$H_STATUS $(jq -r .success <<<"$H_BODY")" "200 true"

h_done
