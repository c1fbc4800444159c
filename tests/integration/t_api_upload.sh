#!/bin/bash
# t_api_upload.sh - POST /api/v2/profiles and POST /api/v1/logs through
# lighttpd + ember-fcgi (its own -s/-n prefork master) + PostgreSQL, with
# the fs object store and the pg queue: tests/data/golden/40-44, the stored object
# and queued job, every size cap (411/413, gzip bomb), truncated and
# non-gzip bodies, bad headers and keys, and the server still answering.
source "$(dirname "$0")/../harness/lib.sh"
source "$(dirname "$0")/../harness/lighttpd.sh"
source "$(dirname "$0")/../harness/api.sh"
h_init
h_api_db
mkdir -p "$H_RUN/objects"
export EMBER_STORE_BACKEND=fs EMBER_STORE_FS_ROOT="$H_RUN/objects" EMBER_QUEUE_BACKEND=pg
export EMBER_FCGI_MAX_BODY=300k EMBER_FCGI_MAX_GUNZIP=2M EMBER_FCGI_MAX_LOGS=64k EMBER_FCGI_MAX_HTML=100k
KEY=$(h_api_key checkout)
h_fcgi_prefork_start 2
SOCK=$H_RUN/ember-fcgi.sock

# make_upload OUT [gpid-json] [profile-text]: a gzip AgentData body.
make_upload() {
	local out=$1 gpid=${2:-'""'} profile=${3:-}
	if [ -z "$profile" ]; then
		profile="# $(jq -nc '{containers: [], container_names_enabled: false,
			metadata: {hostname: "ip-10-0-1-5", agent_version: "1.53.1",
				run_arguments: {continuous: false, perf_events: "cycles", perf_mode: "enabled_restricted"},
				cloud_info: {instance_type: "m5.large"}},
			metrics: {cpu_avg: 8.8, mem_avg: 39.8}, application_metadata: [null],
			application_metadata_enabled: true, profiling_mode: "cpu", hwmetrics: null, htmlblob: null,
			flamegraph_html: "<!DOCTYPE html>\n<html lang=\"en\"><body>é \u2603</body></html>"}')
0;;python3;main;foo 12
0;;python3;main;bar 3"
	fi
	jq -nc --arg p "$profile" --argjson g "$gpid" '{start_time: "2026-03-11T10:00:00",
		end_time: "2026-03-11T10:01:00", hostname: "ip-10-0-1-5", profile: $p,
		cpu_avg: 8.8, mem_avg: 39.8, spawn_time: "2026-03-11T09:00:00", gpid: $g}' >"$out.json"
	gzip -c "$out.json" >"$out"
}

AGENT=(-H 'Content-Encoding: gzip' -H 'Content-type: application/json')
up() { h_req POST "/api/v2/profiles?key=x&service=checkout&hostname=h&timestamp=t&version=1.53.1" "${AGENT[@]}" "$@"; }

# --- tests/data/golden/40: a real agent upload -----------------------------
make_upload "$H_RUN/up.gz"
up -H "GPROFILER-API-KEY: $KEY" -H 'GPROFILER-SERVICE-NAME: checkout' --data-binary "@$H_RUN/up.gz"
h_is "40 upload: status" "$H_STATUS" 200
h_is "40 upload: body (gpid a number, fix)" "$(jq -c '[.message, (.gpid | type)]' <<<"$H_BODY")" '["ok","number"]'
SID=$(h_sql "SELECT id FROM Services WHERE name = 'checkout'")
h_is "40 service created" "$(jq .gpid <<<"$H_BODY")" "$SID"
OBJ=$(cd "$H_RUN/objects" && ls products/checkout/stacks/*.gz 2>/dev/null)
h_is "40 one raw object" "$(wc -l <<<"$OBJ")" 1
FILE=${OBJ##*/}
h_ok "40 object name {iso}_{uuidhex}_{md5(host)}.gz" \
	grep -Eq "^2026-03-11T10:00:00_[0-9a-f]{32}_$(printf ip-10-0-1-5 | md5sum | cut -c1-32)\.gz$" <<<"$FILE"
h_is "40 object = gzip of the profile text" "$(gzip -dc "$H_RUN/objects/$OBJ" | md5sum)" \
	"$(jq -j .profile "$H_RUN/up.gz.json" | md5sum)"
h_is "40 job queued" "$(h_sql "SELECT body FROM ember_job_queue" | jq -c .)" \
	"$(jq -nc --arg f "$FILE" --argjson s "$SID" '{filename: $f, service: "checkout", service_id: $s}')"

# gpid forms: "" (done), string, number.
make_upload "$H_RUN/g1.gz" '"17"'
up -H "GPROFILER-API-KEY: $KEY" -H 'GPROFILER-SERVICE-NAME: checkout' --data-binary "@$H_RUN/g1.gz"
h_is "gpid as a string echoed as a number" "$(jq -c .gpid <<<"$H_BODY")" 17
make_upload "$H_RUN/g2.gz" '42'
up -H "GPROFILER-API-KEY: $KEY" -H 'GPROFILER-SERVICE-NAME: checkout' --data-binary "@$H_RUN/g2.gz"
h_is "gpid as a number echoed" "$(jq -c .gpid <<<"$H_BODY")" 42
make_upload "$H_RUN/g3.gz" 'null'
up -H "GPROFILER-API-KEY: $KEY" -H 'GPROFILER-SERVICE-NAME: checkout' --data-binary "@$H_RUN/g3.gz"
h_is "gpid null: 422" "$H_STATUS" 422
h_is "three jobs queued" "$(h_sql "SELECT count(*) FROM ember_job_queue")" 3

# A plain (not gzip) JSON body is accepted too.
h_req POST /api/v2/profiles -H 'Content-Type: application/json' -H "GPROFILER-API-KEY: $KEY" \
	-H 'GPROFILER-SERVICE-NAME: checkout' --data-binary "@$H_RUN/up.gz.json"
h_is "plain JSON upload" "$H_STATUS" 200

# --- tests/data/golden/41-44: keys and headers -----------------------------
h_golden 41-v2-profiles-bad-key.http --data-binary "@$H_RUN/up.gz" "${AGENT[@]}"
h_is "41 bad key: status" "$H_STATUS" 400
h_is "41 bad key: body" "$H_BODY" '{"message":"Invalid GPROFILER-SERVICE-NAME header"}'
h_golden 42-v2-profiles-no-headers.http --data-binary "@$H_RUN/up.gz" "${AGENT[@]}"
h_is "42 no headers: status" "$H_STATUS" 422
h_is "42 no headers: body" "$(jq -S -c . <<<"$H_BODY")" "$(jq -S -c . <<<"$H_WANT_BODY")"
OTHER=$(h_api_key billing)
up -H "GPROFILER-API-KEY: $OTHER" -H 'GPROFILER-SERVICE-NAME: checkout' --data-binary "@$H_RUN/up.gz"
h_is "another service's key: 400" "$H_STATUS" 400
up -H "GPROFILER-API-KEY: $OTHER" -H 'GPROFILER-SERVICE-NAME: billing' --data-binary "@$H_RUN/up.gz"
h_is "that key for its own service: 200" "$H_STATUS" 200
h_sql "UPDATE ember_api_keys SET revoked_at = now() WHERE service_name = 'billing'" >/dev/null
up -H "GPROFILER-API-KEY: $OTHER" -H 'GPROFILER-SERVICE-NAME: billing' --data-binary "@$H_RUN/up.gz"
h_is "revoked key: 400 at once" "$H_STATUS" 400
h_sql "INSERT INTO ProfilerTokens (token) VALUES ('peer-test-api-key-0123456789abcdef')" >/dev/null
h_golden 43-health-check-with-key.http
h_is "43 health check, upstream token: status" "$H_STATUS" "$H_WANT_STATUS"
h_is "43 health check, upstream token: body" "$H_BODY" "$H_WANT_BODY"
h_golden 44-health-check-bad-key.http
h_is "44 health check, bad key: status" "$H_STATUS" "$H_WANT_STATUS"
h_is "44 health check, bad key: body" "$H_BODY" "$H_WANT_BODY"
up -H 'GPROFILER-API-KEY: peer-test-api-key-0123456789abcdef' -H 'GPROFILER-SERVICE-NAME: _new$svc!' --data-binary "@$H_RUN/up.gz"
h_is "service name sanitised like upstream" "$H_STATUS:$(h_sql "SELECT count(*) FROM Services WHERE name = 'newsvc'")" "200:1"
up -H 'GPROFILER-API-KEY: peer-test-api-key-0123456789abcdef' -H 'GPROFILER-SERVICE-NAME: ..' --data-binary "@$H_RUN/up.gz"
h_is "service name '..' refused" "$H_STATUS" 400
h_ok "nothing written outside products/" test -z "$(cd "$H_RUN/objects" && ls | grep -v '^products$' | grep -v '^\.ember')"

# --- profile header --------------------------------------------------------
make_upload "$H_RUN/nohash.gz" '""' $'0;;python3;main 1'
up -H "GPROFILER-API-KEY: $KEY" -H 'GPROFILER-SERVICE-NAME: checkout' --data-binary "@$H_RUN/nohash.gz"
h_is "no '#' header line: 400" "$H_STATUS:$H_BODY" '400:{"message":"Failed to parse v2 metadata"}'
make_upload "$H_RUN/badhdr.gz" '""' $'# {not json\n0;;a 1'
up -H "GPROFILER-API-KEY: $KEY" -H 'GPROFILER-SERVICE-NAME: checkout' --data-binary "@$H_RUN/badhdr.gz"
h_is "header not JSON: 400" "$H_STATUS" 400
make_upload "$H_RUN/nometa.gz" '""' $'# {"containers": []}\n0;;a 1'
up -H "GPROFILER-API-KEY: $KEY" -H 'GPROFILER-SERVICE-NAME: checkout' --data-binary "@$H_RUN/nometa.gz"
h_is "header without metadata: 400" "$(jq -r .message <<<"$H_BODY")" "Agent metadata is missing, probably you are using and old agent"
printf '{"profile": "# {}", "gpid": ""' | gzip -c >"$H_RUN/badjson.gz"
up -H "GPROFILER-API-KEY: $KEY" -H 'GPROFILER-SERVICE-NAME: checkout' --data-binary "@$H_RUN/badjson.gz"
h_is "malformed body JSON: 422" "$H_STATUS" 422
printf '{"profile": 5}' | gzip -c >"$H_RUN/missing.gz"
up -H "GPROFILER-API-KEY: $KEY" -H 'GPROFILER-SERVICE-NAME: checkout' --data-binary "@$H_RUN/missing.gz"
h_is "AgentData fields missing/wrong: 422 listing all three" "$(jq -c '[.detail[].loc[1]]' <<<"$H_BODY")" '["start_time","profile","gpid"]'

# --- what the indexer would refuse is refused now (422), nothing stored -----
nobj() { find "$H_RUN/objects/products" -name '*.gz' | wc -l; }
njob() { h_sql "SELECT count(*) FROM ember_job_queue"; }
before="$(nobj):$(njob)"
# bad_upload NAME JQ-EDIT-OF-THE-HEADER [JQ-EDIT-OF-THE-BODY]
bad_upload() {
	local hdr
	hdr=$(jq -nc '{containers: [], metadata: {hostname: "ip-10-0-1-5",
		run_arguments: {continuous: false, duration: 60}},
		flamegraph_html: "<html></html>"}' | jq -c "$2")
	printf '# %s\n0;;a 1' "$hdr" >"$H_RUN/$1.txt"
	jq -nc --rawfile p "$H_RUN/$1.txt" '{start_time: "2026-03-11T10:00:00", hostname: "ip-10-0-1-5", profile: $p, gpid: ""}' |
		jq -c "${3:-.}" | gzip -c >"$H_RUN/$1.gz"
	up -H "GPROFILER-API-KEY: $KEY" -H 'GPROFILER-SERVICE-NAME: checkout' --data-binary "@$H_RUN/$1.gz"
}
bad_upload longhost '.metadata.hostname = ("h" * 5000)'
h_is "hostname of 5000 characters: 422 naming it" "$H_STATUS $(jq -c '.detail[0].loc' <<<"$H_BODY")" '422 ["body","hostname"]'
bad_upload ctlhost '.metadata.hostname = "evil\nhost"'
h_is "hostname with a control character: 422" "$H_STATUS" 422
bad_upload farstart . '.start_time = "9999-12-31T23:59:30"'
h_is "start_time whose end does not fit: 422" "$H_STATUS $(jq -c '.detail[0].loc' <<<"$H_BODY")" '422 ["body","start_time"]'
# 60 KiB of "A" is valid base64 for 45 KiB of NUL bytes: binary, refused.
bad_upload nulhtml '.flamegraph_html = ("A" * 61440)'
h_is "flamegraph_html decoding to NUL bytes: 422" "$H_STATUS $(jq -c '.detail[0].loc' <<<"$H_BODY")" '422 ["body","flamegraph_html"]'
bad_upload bightml '.flamegraph_html = ("<p>" + ("x" * 200000) + "</p>")'
h_is "flamegraph_html over fcgi.max_html: 422" "$H_STATUS $(jq -c '.detail[0].loc' <<<"$H_BODY")" '422 ["body","flamegraph_html"]'
h_is "refused uploads stored and queued nothing" "$(nobj):$(njob)" "$before"
# The all-services key cannot create junk services.
for name in .ember-meta -- ... "$(head -c 300 /dev/zero | tr '\0' s)"; do
	up -H 'GPROFILER-API-KEY: peer-test-api-key-0123456789abcdef' -H "GPROFILER-SERVICE-NAME: $name" --data-binary "@$H_RUN/up.gz"
	h_is "service name '${name:0:12}' refused" "$H_STATUS" 400
done
h_is "no junk service rows" "$(h_sql "SELECT count(*) FROM Services WHERE name !~ '^[A-Za-z0-9]'  OR length(name) > 255")" 0

# --- sizes and encodings ---------------------------------------------------
head -c 400000 /dev/urandom >"$H_RUN/big.bin"
up -H "GPROFILER-API-KEY: $KEY" -H 'GPROFILER-SERVICE-NAME: checkout' --data-binary "@$H_RUN/big.bin"
h_is "compressed body over fcgi.max_body: 413" "$H_STATUS" 413
head -c 5000000 /dev/zero | gzip -c >"$H_RUN/bomb.gz"
up -H "GPROFILER-API-KEY: $KEY" -H 'GPROFILER-SERVICE-NAME: checkout' --data-binary "@$H_RUN/bomb.gz"
h_is "gzip bomb over fcgi.max_gunzip: 413" "$H_STATUS" 413
head -c 300 "$H_RUN/up.gz" >"$H_RUN/trunc.gz"
up -H "GPROFILER-API-KEY: $KEY" -H 'GPROFILER-SERVICE-NAME: checkout' --data-binary "@$H_RUN/trunc.gz"
h_is "truncated gzip: 400" "$H_STATUS" 400
up -H "GPROFILER-API-KEY: $KEY" -H 'GPROFILER-SERVICE-NAME: checkout' --data-binary 'this is not gzip'
h_is "Content-Encoding gzip, body not gzip: 400" "$H_STATUS" 400
# Straight to FastCGI without a web server: no Content-Length at all.
out=$(env -i REQUEST_METHOD=POST REQUEST_URI=/api/v2/profiles HTTP_GPROFILER_API_KEY="$KEY" \
	HTTP_GPROFILER_SERVICE_NAME=checkout cgi-fcgi -bind -connect "$SOCK" </dev/null | tr -d '\r')
h_is "no Content-Length: 411" "$(head -n 1 <<<"$out")" "Status: 411 Length Required"
out=$(env -i REQUEST_METHOD=POST REQUEST_URI=/api/v2/profiles CONTENT_LENGTH=1000 HTTP_GPROFILER_API_KEY="$KEY" \
	HTTP_GPROFILER_SERVICE_NAME=checkout cgi-fcgi -bind -connect "$SOCK" < <(printf 'short') | tr -d '\r')
h_is "body shorter than Content-Length: 400" "$(head -n 1 <<<"$out")" "Status: 400 Bad Request"

# --- /api/v1/logs --------------------------------------------------------------
printf '{"service_name":"checkout","logs":[{"message":"hello"}]}' | gzip -c >"$H_RUN/logs.gz"
h_req POST /api/v1/logs "${AGENT[@]}" -H "X-Token: $KEY" --data-binary "@$H_RUN/logs.gz"
h_is "logs: 200" "$H_STATUS:$H_BODY" '200:{"message":"ok"}'
h_req POST /api/v1/logs "${AGENT[@]}" -H "X-Token: wrong" --data-binary "@$H_RUN/logs.gz"
h_is "logs: bad token 401" "$H_STATUS" 401
head -c 1000000 /dev/zero | gzip -c >"$H_RUN/logbomb.gz"
h_req POST /api/v1/logs "${AGENT[@]}" -H "X-Token: $KEY" --data-binary "@$H_RUN/logbomb.gz"
h_is "logs: over fcgi.max_logs 413" "$H_STATUS" 413
h_req POST /api/v1/logs "${AGENT[@]}" -H "X-Token: $KEY" --data-binary 'nope'
h_is "logs: not gzip 400" "$H_STATUS" 400
# The compressed size is capped by fcgi.max_body (300k here), before any
# inflating: a body between max_logs and max_body is read (and refused as
# not gzip), one over max_body is refused unread.
head -c 200000 /dev/urandom >"$H_RUN/logs-mid.bin"
h_req POST /api/v1/logs "${AGENT[@]}" -H "X-Token: $KEY" --data-binary "@$H_RUN/logs-mid.bin"
h_is "logs: 200k body under fcgi.max_body is read: not gzip 400" "$H_STATUS" 400
h_req POST /api/v1/logs "${AGENT[@]}" -H "X-Token: $KEY" --data-binary "@$H_RUN/big.bin"
h_is "logs: compressed body over fcgi.max_body: 413" "$H_STATUS" 413

# --- still serving ------------------------------------------------------------
h_req GET /api/health
h_is "still serving after all of it" "$H_STATUS" 200
up -H "GPROFILER-API-KEY: $KEY" -H 'GPROFILER-SERVICE-NAME: checkout' --data-binary "@$H_RUN/up.gz"
h_is "and still uploading" "$H_STATUS" 200

h_done
