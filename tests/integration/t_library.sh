#!/bin/bash
# t_library.sh - the ad hoc library through lighttpd (basic auth, so
# REMOTE_USER is set) + ember-fcgi + PostgreSQL + the fs store + the
# sample store: imports of every format (limits, CSRF header, no half
# entry), pin, note, q=, delete (twice: 404; objects, stack rows, row
# gone), the raw variant's CDN rewrite and CSP, the audit trail after each
# action, lineage both ways, and retention by ember-workers with a moved
# clock (old created_at), pinned rows kept, counts in the status.
source "$(dirname "$0")/../harness/lib.sh"
source "$(dirname "$0")/../harness/lighttpd.sh"
source "$(dirname "$0")/../harness/api.sh"
source "$(dirname "$0")/ingest_lib.sh"

h_init
i_setup
D=$H_ROOT/tests/data/library
export EMBER_ADHOC_IMPORT_MAX_BODY=200k EMBER_ADHOC_IMPORT_MAX_GUNZIP=1M
export EMBER_ADHOC_IMPORT_MAX_STACKS=1000 EMBER_FCGI_X_SENDFILE=true
printf 'alice:wonderland\nbob:builder\n' >"$H_RUN/users"
H_LIGHTTPD_USERS=$H_RUN/users h_lighttpd_start 2
A=(-u alice:wonderland)
IMP=(-H 'X-Ember-Request: import')
J=(-H 'Content-Type: application/json')

# imp QUERY FILE [curl args]: POST a file to the import endpoint as alice.
imp() {
	local q=$1 f=$2
	shift 2
	h_req POST "/api/profiles/import?$q" "${A[@]}" "$@" --data-binary "@$f"
}
audit() { curl -s "${A[@]}" "$H_HTTP/api/audit?serviceName=checkout" | jq -c "$1"; }
rows() { i_count_rows; }

# --- import: folded, with the CSRF header, through the renderer ------------
printf 'python3;main;work 7\npython3;main;idle 3\n' >"$H_RUN/f.folded"
imp 'serviceName=checkout&hostname=h1' "$H_RUN/f.folded"
h_is "no X-Ember-Request: 403" "$H_STATUS" 403
imp 'serviceName=checkout&hostname=h1' "$H_RUN/f.folded" "${IMP[@]}" -H 'Origin: http://evil.example'
h_is "other Origin: 403" "$H_STATUS" 403
h_is "nothing stored by refused imports" "$(rows)" 0
imp 'serviceName=checkout&hostname=h1&title=first%20import' "$H_RUN/f.folded" "${IMP[@]}"
h_is "folded import: 201" "$H_STATUS" 201
h_is "folded import: format, stacks, samples" "$(jq -c '[.format, .stacks, .samples]' <<<"$H_BODY")" '["folded",2,10]'
F1=$(jq -r .filename <<<"$H_BODY")
h_ok "page rendered by ember" grep -q '<script type="application/json"' "$I_OBJ/$(jq -r .s3_key <<<"$H_BODY")"
h_ok "raw file kept" test -f "$I_OBJ/$(jq -r .raw_key <<<"$H_BODY")"
h_is "row: source, importer, title" \
	"$(h_sql "SELECT source || '|' || importer || '|' || title FROM AdhocFlamegraphMetadata")" 'import|alice|first import'
h_is "stacks indexed for the profile" \
	"$(h_sql "SELECT count(*) FROM smp_profile WHERE adhoc_key LIKE '%$F1'")" 1

# --- the other formats ----------------------------------------------------
imp 'serviceName=checkout&hostname=h2' "$D/perf-kernel-inlined.txt" "${IMP[@]}"
h_is "perf import (kernel + inlined): 201, 2 stacks" "$(jq -c '[.format, .stacks]' <<<"$H_BODY")" '["perf",2]'
F2=$(jq -r .filename <<<"$H_BODY")
python3 "$D/mkpprof.py" >"$H_RUN/p.pb.gz"
imp 'serviceName=checkout&hostname=h3' "$H_RUN/p.pb.gz" "${IMP[@]}"
h_is "pprof: cpu chosen by default (45 ns)" "$(jq -c '[.format, .samples]' <<<"$H_BODY")" '["pprof",45]'
imp 'serviceName=checkout&hostname=h3&sample_type=samples' "$H_RUN/p.pb.gz" "${IMP[@]}"
h_is "pprof: sample_type=samples (11)" "$(jq -c '[.format, .samples]' <<<"$H_BODY")" '["pprof",11]'
imp 'serviceName=checkout&hostname=h4' "$D/agent_flamegraph.html" "${IMP[@]}"
h_is "html import: stacks from the page's tree" "$(jq -c '[.format, .stacks, .samples]' <<<"$H_BODY")" '["html",4,79]'
FH=$(jq -r .filename <<<"$H_BODY")
h_ok "html stored as is" cmp -s "$D/agent_flamegraph.html" "$I_OBJ/products/checkout/stacks/flamegraph/$FH"
h_is "html row refers to the CDNs" "$(h_sql "SELECT refers_cdn FROM AdhocFlamegraphMetadata WHERE s3_key LIKE '%$FH'")" t

# --- limits and malformed files: 413/422, no half entry -----------------------
n0=$(rows); o0=$(find "$I_OBJ" -type f | wc -l); s0=$(h_sql "SELECT count(*) FROM smp_profile")
head -c 300000 /dev/zero | tr '\0' 'a' >"$H_RUN/big"
imp 'serviceName=checkout&hostname=h1&format=folded' "$H_RUN/big" "${IMP[@]}"
h_is "body over import_max_body: 413" "$H_STATUS" 413
head -c 3000000 /dev/zero | gzip -c >"$H_RUN/bomb.gz"
imp 'serviceName=checkout&hostname=h1&format=folded' "$H_RUN/bomb.gz" "${IMP[@]}"
h_is "gzip past import_max_gunzip: 413" "$H_STATUS" 413
seq 1 1500 | sed 's/^/a;b;f/; s/$/ 1/' >"$H_RUN/many"
imp 'serviceName=checkout&hostname=h1' "$H_RUN/many" "${IMP[@]}"
h_is "stacks over import_max_stacks: 413" "$H_STATUS" 413
printf 'not a profile at all\n' >"$H_RUN/junk"
imp 'serviceName=checkout&hostname=h1' "$H_RUN/junk" "${IMP[@]}"
h_is "unrecognised file: 422 FastAPI shape" "$H_STATUS:$(jq -r '.detail[0].loc[0]' <<<"$H_BODY")" 422:body
printf '\x0a\xff\xff\xff' >"$H_RUN/badpb"
imp 'serviceName=checkout&hostname=h1&format=pprof' "$H_RUN/badpb" "${IMP[@]}"
h_is "malformed pprof: 422" "$H_STATUS" 422
imp "serviceName=checkout&hostname=$(head -c 300 /dev/zero | tr '\0' a)" "$H_RUN/f.folded" "${IMP[@]}"
h_is "bad hostname: 422" "$H_STATUS" 422
h_is "no half entry: rows" "$(rows)" "$n0"
h_is "no half entry: objects" "$(find "$I_OBJ" -type f | wc -l)" "$o0"
h_is "no half entry: stack records" "$(h_sql "SELECT count(*) FROM smp_profile")" "$s0"

# --- pin, note, list fields, q= ------------------------------------------------
h_req POST /api/metrics/adhoc_flamegraph/pin "${A[@]}" "${J[@]}" \
	-d "{\"serviceName\":\"checkout\",\"filename\":\"$F2\",\"pinned\":true}"
h_is "pin: 200" "$H_STATUS" 200
h_req POST /api/metrics/adhoc_flamegraph/note -u bob:builder "${J[@]}" \
	-d "{\"serviceName\":\"checkout\",\"filename\":\"$F2\",\"title\":\"kernel run\",\"note\":\"write path looks hot\"}"
h_is "note: 200" "$H_STATUS" 200
long=$(head -c 4100 /dev/zero | tr '\0' 'x')
h_req POST /api/metrics/adhoc_flamegraph/note "${A[@]}" "${J[@]}" \
	-d "{\"serviceName\":\"checkout\",\"filename\":\"$F2\",\"note\":\"$long\"}"
h_is "note over 4000 characters: 422" "$H_STATUS" 422
h_req POST /api/metrics/adhoc_flamegraph/pin "${A[@]}" -H 'Content-Type: text/plain' \
	-d "{\"serviceName\":\"checkout\",\"filename\":\"$F2\",\"pinned\":true}"
h_is "pin as text/plain (CSRF rule): 415" "$H_STATUS" 415
LIST="/api/metrics/adhoc_flamegraphs?serviceName=checkout&startTime=2000-01-01T00:00:00&endTime=2100-01-01T00:00:00"
h_req GET "$LIST&q=HOT" "${A[@]}"
h_is "q= finds the note (case-insensitive)" "$(jq -c "[.[] | [.filename == \"$F2\", .pinned, .title, .note, .source, .importer]]" <<<"$H_BODY")" \
	'[[true,true,"kernel run","write path looks hot","import","alice"]]'
h_req GET "$LIST" "${A[@]}"
h_is "list: five imports" "$(jq length <<<"$H_BODY")" 5

# --- raw variant: CDN URLs rewritten, strict CSP, no X-Sendfile -------------------
h_req GET "/api/metrics/adhoc_flamegraph_content?serviceName=checkout&filename=$FH&format=html" "${A[@]}"
h_is "raw variant: 200" "$H_STATUS" 200
h_is "raw variant: no CDN URL left" "$(grep -c 'cdn.jsdelivr\|d3js.org\|maxcdn\|cdnjs' <<<"$H_BODY")" 0
h_ok "raw variant: local copies" grep -q 'src="/vendor/agent/d3-4.13.0.min.js"' <<<"$H_BODY"
csp=$(h_header Content-Security-Policy)
h_ok "CSP: default-src 'none', local vendor path, sandbox" \
	grep -q "default-src 'none'; script-src 'unsafe-inline' http://127.0.0.1:$H_HTTP_PORT/vendor/agent/;.*form-action 'none'.*sandbox allow-scripts" <<<"$csp"
h_req GET "/api/metrics/adhoc_flamegraph_content?serviceName=checkout&filename=$FH&format=html" "${A[@]}" -H 'Host: evil"; script-src *'
h_ok "CSP: a bad Host names no origin" bash -c "! grep -q evil <<<'$(h_header Content-Security-Policy)'"

# --- delete: everything goes; twice is a 404 ------------------------------------
K1=$(h_sql "SELECT s3_key FROM AdhocFlamegraphMetadata WHERE s3_key LIKE '%$F1'")
R1=$(h_sql "SELECT raw_key FROM AdhocFlamegraphMetadata WHERE s3_key LIKE '%$F1'")
h_req POST /api/metrics/adhoc_flamegraph/delete "${A[@]}" "${J[@]}" -d "{\"serviceName\":\"checkout\",\"filename\":\"$F1\"}"
h_is "delete: 200" "$H_STATUS" 200
h_is "delete: row gone" "$(h_sql "SELECT count(*) FROM AdhocFlamegraphMetadata WHERE s3_key = '$K1'")" 0
h_ok "delete: page gone" test ! -e "$I_OBJ/$K1"
h_ok "delete: raw file gone" test ! -e "$I_OBJ/$R1"
h_is "delete: stack rows gone" "$(h_sql "SELECT count(*) FROM smp_profile WHERE adhoc_key = '$K1'")" 0
h_req POST /api/metrics/adhoc_flamegraph/delete "${A[@]}" "${J[@]}" -d "{\"serviceName\":\"checkout\",\"filename\":\"$F1\"}"
h_is "delete twice: 404" "$H_STATUS" 404

# --- ember-admin flamegraph delete: the same path --------------------------------
KH=$(h_sql "SELECT s3_key FROM AdhocFlamegraphMetadata WHERE s3_key LIKE '%$FH'")
USER=carol "$EMBER_BUILD/workers/ember-admin" flamegraph delete checkout "$FH" >"$H_RUN/admin.out" 2>&1
h_is "admin delete: rows, objects, stacks" \
	"$(h_sql "SELECT count(*) FROM AdhocFlamegraphMetadata WHERE s3_key = '$KH'"):$(test -e "$I_OBJ/$KH" && echo obj):$(h_sql "SELECT count(*) FROM smp_profile WHERE adhoc_key = '$KH'")" '0::0'

# --- profile_request, lineage ------------------------------------------------------
h_sql "INSERT INTO HostHeartbeats (hostname, ip_address, service_name, status, heartbeat_timestamp)
	VALUES ('agent-1', '10.0.0.1', 'checkout', 'active', now())" >/dev/null
h_req POST /api/metrics/profile_request -u bob:builder "${J[@]}" \
	-d '{"service_name":"checkout","request_type":"start","duration":60,"target_hosts":{"agent-1":null}}'
h_is "profile_request: 200" "$H_STATUS" 200
REQ=$(jq -r .request_id <<<"$H_BODY")
CMD=$(h_sql "SELECT command_id FROM ProfilingCommands WHERE hostname = 'agent-1'")
h_sql "UPDATE ProfilingCommands SET sent_at = now() AT TIME ZONE 'UTC' - interval '1 minute'" >/dev/null
# an agent's upload (by host and window) and another naming its command
h_sql "INSERT INTO AdhocFlamegraphMetadata (service_id, hostname, s3_key, start_time, end_time)
	VALUES ($I_SID, 'agent-1', 'products/checkout/stacks/flamegraph/w_adhoc_flamegraph.html',
	        now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC'),
	       ($I_SID, 'elsewhere', 'products/checkout/stacks/flamegraph/c_adhoc_flamegraph.html',
	        '2001-01-01', '2001-01-01'),
	       ($I_SID, 'agent-1', 'products/checkout/stacks/flamegraph/old_adhoc_flamegraph.html',
	        '2001-01-01', '2001-01-01')" >/dev/null
h_sql "UPDATE AdhocFlamegraphMetadata SET command_id = '$CMD' WHERE s3_key LIKE '%/c_adhoc%'" >/dev/null
h_req GET "$LIST" "${A[@]}"
h_is "lineage: by window" "$(jq -c '.[] | select(.filename == "w_adhoc_flamegraph.html") | [.command_id, .request_id, .requester, .lineage]' <<<"$H_BODY")" \
	"[\"$CMD\",\"$REQ\",\"bob\",\"window\"]"
h_is "lineage: by command id" "$(jq -c '.[] | select(.filename == "c_adhoc_flamegraph.html") | [.command_id, .lineage]' <<<"$H_BODY")" \
	"[\"$CMD\",\"command_id\"]"
h_is "lineage: outside the window, none" "$(jq -c '.[] | select(.filename == "old_adhoc_flamegraph.html") | .command_id' <<<"$H_BODY")" null
h_req GET "/api/metrics/profile_request/$REQ/flamegraphs" "${A[@]}"
h_is "request -> flamegraphs" "$(jq -c '[.flamegraphs[].filename] | sort' <<<"$H_BODY")" '["c_adhoc_flamegraph.html","w_adhoc_flamegraph.html"]'
h_req GET "/api/metrics/profile_request/nope/flamegraphs" "${A[@]}"
h_is "request id not a UUID: 422" "$H_STATUS" 422

# --- the audit trail ------------------------------------------------------------------
h_is "audit: who did what, newest first" "$(audit '[.[] | [.actor, .action]]')" \
	'[["bob","profile_request"],["carol","delete"],["alice","delete"],["bob","note"],["alice","pin"],["alice","import"],["alice","import"],["alice","import"],["alice","import"],["alice","import"]]'
h_is "audit: targets name the file / request" "$(audit "[.[] | select(.action == \"pin\" or .action == \"profile_request\") | .target]")" "[\"$REQ\",\"$F2\"]"

# --- retention by the workers (moved clock), pinned kept --------------------------------
h_sql "UPDATE AdhocFlamegraphMetadata SET created_at = now() - interval '40 days'" >/dev/null
h_sql "UPDATE AdhocFlamegraphMetadata SET created_at = now() WHERE s3_key LIKE '%/w_adhoc%'" >/dev/null
before=$(rows)
EMBER_ADHOC_RETENTION_DAYS=30 EMBER_ADHOC_RETENTION_BATCH=2 EMBER_ADHOC_RETENTION_INTERVAL=1 i_start
i_wait_for 20 bash -c "[ \"\$(psql -X -At -c 'SELECT count(*) FROM AdhocFlamegraphMetadata')\" = 2 ]" || true
h_is "retention: old unpinned rows removed, pinned and new kept" \
	"$(h_sql "SELECT string_agg(CASE WHEN pinned THEN 'pinned' ELSE split_part(s3_key, '/', 5) END, ',' ORDER BY pinned) FROM AdhocFlamegraphMetadata")" \
	'w_adhoc_flamegraph.html,pinned'
h_ok "retention: log line per pass" grep -q 'retention: pass done, [0-9]* removed' "$I_LOG"
i_wait_for 10 bash -c "jq -e '.retention.removed >= 4' '$H_RUN/status.json' >/dev/null"
h_is "retention: counts in the workers' status" "$(jq -c '[.retention.removed, .retention.retention_days]' "$H_RUN/status.json")" \
	"[$((before - 2)),30]"
h_is "retention: objects of removed imports gone" "$(find "$I_OBJ/products/checkout/stacks/import" -type f | wc -l)" 1
h_done
