#!/bin/bash
# t_api_adhoc.sh - the ad hoc flamegraph view through lighttpd +
# ember-fcgi + PostgreSQL + the fs store: tests/data/golden/30-36 (list,
# host filter, naive times, unknown service, missing parameter, content, missing
# content), both RQL spellings, paging, the raw HTML variant, and the
# security cases of the content endpoint (traversal in every spelling,
# absolute paths, NUL, another service's file: 404 and nothing read).
source "$(dirname "$0")/../harness/lib.sh"
source "$(dirname "$0")/../harness/lighttpd.sh"
source "$(dirname "$0")/../harness/api.sh"
h_init
h_api_db
ROOT=$H_RUN/objects
mkdir -p "$ROOT"
export EMBER_STORE_BACKEND=fs EMBER_STORE_FS_ROOT="$ROOT"
export EMBER_FCGI_LIST_LIMIT=3 EMBER_FCGI_LIST_MAX=4
# lighttpd sends the raw variant's file itself (fcgi.x_sendfile); Apache's
# mod_proxy_fcgi does not, so there ember-fcgi sends the bytes.
[ "$H_FRONT" = lighttpd ] && export EMBER_FCGI_X_SENDFILE=true
h_lighttpd_start 2

# The rows of golden/30-adhoc-setup.sql.txt (what the indexer writes).
FG=products/checkout/stacks/flamegraph
F1=2026-03-11T10:00:00_5f0c1a2b3c4d4e5f8a9b0c1d2e3f4a5b_ip-10-0-1-5_adhoc_flamegraph.html
F2=2026-03-11T11:30:00_0123456789abcdef0123456789abcdef_ip-10-0-1-6_adhoc_flamegraph.html
h_sql "INSERT INTO Services (name) VALUES ('checkout'), ('billing')" >/dev/null
SID=$(h_sql "SELECT id FROM Services WHERE name = 'checkout'")
BID=$(h_sql "SELECT id FROM Services WHERE name = 'billing'")
h_sql "INSERT INTO AdhocFlamegraphMetadata (service_id, hostname, s3_key, perf_events, start_time, end_time, file_size) VALUES
	($SID, 'ip-10-0-1-5', '$FG/$F1', '{cycles,cache-misses}', '2026-03-11 10:00:00', '2026-03-11 10:00:00', 138),
	($SID, 'ip-10-0-1-6', '$FG/$F2', NULL, '2026-03-11 11:30:00', '2026-03-11 11:30:00', 412345)" >/dev/null
mkdir -p "$ROOT/$FG"
sed -n '/### response/,$p' "$H_GOLDEN/35-adhoc-flamegraph-content.http" | tail -n 1 | jq -j .content >"$ROOT/$FG/$F1"
# Another service's flamegraph, and a file planted next to checkout's
# that has no metadata row.
BF=2026-03-11T10:00:00_ffffffffffffffffffffffffffffffff_b1_adhoc_flamegraph.html
mkdir -p "$ROOT/products/billing/stacks/flamegraph"
echo '<p>billing secret</p>' >"$ROOT/products/billing/stacks/flamegraph/$BF"
h_sql "INSERT INTO AdhocFlamegraphMetadata (service_id, hostname, s3_key, start_time, end_time, file_size) VALUES
	($BID, 'b1', 'products/billing/stacks/flamegraph/$BF', '2026-03-11 10:00:00', '2026-03-11 10:00:00', 21)" >/dev/null
echo '<p>planted</p>' >"$ROOT/$FG/planted_adhoc_flamegraph.html"
echo 'secret' >"$H_RUN/secret.txt"

# upstream_fields JSON: the list with only upstream's names, times naive.
upstream_fields() {
	jq -c '[.[] | {filename, timestamp: (.timestamp | sub("Z$"; "")), hostname, size, s3_path, perf_events, removed}]' <<<"$1"
}

# --- golden replay ----------------------------------------------------------
h_golden 30-adhoc-flamegraphs.http
h_is "30 list: status" "$H_STATUS" 200
h_is "30 list: upstream fields and values" "$(upstream_fields "$H_BODY")" "$(jq -c . <<<"$H_WANT_BODY")"
h_is "30 list: seed fields" "$(jq -c '[.[] | {s3_key, start_time, end_time, exists}]' <<<"$H_BODY")" \
	"[{\"s3_key\":\"$FG/$F2\",\"start_time\":\"2026-03-11T11:30:00Z\",\"end_time\":\"2026-03-11T11:30:00Z\",\"exists\":false},{\"s3_key\":\"$FG/$F1\",\"start_time\":\"2026-03-11T10:00:00Z\",\"end_time\":\"2026-03-11T10:00:00Z\",\"exists\":true}]"
h_is "30 list: timestamps in UTC with Z (fix)" "$(jq -r '.[0].timestamp' <<<"$H_BODY")" "2026-03-11T11:30:00Z"
h_golden 31-adhoc-flamegraphs-host-filter.http
h_is "31 host filter" "$(upstream_fields "$H_BODY")" "$(jq -c . <<<"$H_WANT_BODY")"
h_golden 32-adhoc-flamegraphs-naive-times.http
h_is "32 naive times" "$(upstream_fields "$H_BODY")" "$(jq -c . <<<"$H_WANT_BODY")"
h_golden 33-adhoc-flamegraphs-unknown-service.http
h_is "33 unknown service" "$H_STATUS $H_BODY" "200 []"
h_golden 34-adhoc-flamegraphs-missing-param.http
h_is "34 missing startTime" "$H_STATUS $H_BODY" "422 $H_WANT_BODY"
h_golden 35-adhoc-flamegraph-content.http
h_is "35 content: status" "$H_STATUS" 200
h_is "35 content: body" "$(jq -S -c . <<<"$H_BODY")" "$(jq -S -c . <<<"$H_WANT_BODY")"
h_golden 36-adhoc-flamegraph-content-missing.http
h_is "36 row but no object: 404" "$H_STATUS $H_BODY" "404 $H_WANT_BODY"

# --- list: filters, paging, validation -------------------------------------
L='/api/metrics/adhoc_flamegraphs?serviceName=checkout&startTime=2026-03-11T00:00:00Z&endTime=2026-03-12T00:00:00Z'
h_req GET "$L&filter=hn,is,ip-10-0-1-6"
h_is "compact filter" "$(jq -c '[.[].hostname]' <<<"$H_BODY")" '["ip-10-0-1-6"]'
h_req GET "$L&filter=hn,is,ip-10-0-1-6,o,hn,is,ip-10-0-1-5"
h_is "compact filter, two hosts" "$(jq -c '[.[].hostname]' <<<"$H_BODY")" '["ip-10-0-1-6","ip-10-0-1-5"]'
h_req GET "$L&filter=$(jq -rn '{"id":"","filter":{"$and":[{"ContainerName":{"$eq":""}}]}} | tostring | @uri')"
h_is "UI initial filter (ContainerName \"\") = no filter" "$(jq length <<<"$H_BODY")" 2
h_req GET "$L&filter=%7Bbroken"
h_is "filter: bad JSON 422" "$H_STATUS" 422
h_req GET "$L&filter=$(jq -rn '{"filter":{"$nand":[]}} | tostring | @uri')"
h_is "filter: wrong shape 400 with an error list" "$H_STATUS $(jq -c 'type' <<<"$H_BODY")" '400 "array"'
h_req GET "$L&filter=$(jq -rn '{"filter":{"$or":[{"HostName":{"$eq":"x'"'"' OR 1=1 --"}}]}} | tostring | @uri')"
h_is "filter: SQL metacharacters match nothing" "$H_STATUS $H_BODY" "200 []"
h_req GET "${L/serviceName=checkout/serviceName=_checkout}"
h_is "one leading _ stripped from serviceName" "$(jq length <<<"$H_BODY")" 2
h_req GET "${L/startTime=2026-03-11T00:00:00Z/startTime=1773187200000}"
h_is "startTime as unix milliseconds" "$(jq length <<<"$H_BODY")" 2
h_req GET "${L/startTime=2026-03-11T00:00:00Z/startTime=2026-03-11T12:00:00%2B01:00}"
h_is "startTime with an offset" "$(jq -c '[.[].hostname]' <<<"$H_BODY")" '["ip-10-0-1-6"]'
h_req GET "${L/startTime=2026-03-11T00:00:00Z/startTime=soon}"
h_is "bad startTime 422" "$H_STATUS" 422
for i in 1 2 3 4 5; do
	h_sql "INSERT INTO AdhocFlamegraphMetadata (service_id, hostname, s3_key, start_time, end_time) VALUES
		($SID, 'p$i', '$FG/p${i}_adhoc_flamegraph.html', '2026-03-11 0$i:00:00', '2026-03-11 0$i:00:00')" >/dev/null
done
h_req GET "$L"
h_is "paging: default limit fcgi.list_limit" "$(jq length <<<"$H_BODY")" 3
h_req GET "$L&limit=100"
h_is "paging: limit capped at fcgi.list_max" "$(jq length <<<"$H_BODY")" 4
h_req GET "$L&limit=2&offset=2"
h_is "paging: offset, newest first" "$(jq -c '[.[].hostname]' <<<"$H_BODY")" '["p5","p4"]'
h_req GET "$L&limit=-1"
h_is "paging: bad limit 422" "$H_STATUS" 422
h_req GET "${L/\/api\/metrics/\/metrics}"
h_is "seed /metrics/adhoc_flamegraphs spelling" "$H_STATUS" 200

# --- content: raw HTML variant -----------------------------------------------
C=/api/metrics/adhoc_flamegraph_content
h_req GET "$C?serviceName=checkout&filename=$F1&format=html"
h_is "html: status" "$H_STATUS" 200
h_is "html: body is the object" "$H_BODY" "$(cat "$ROOT/$FG/$F1")"
h_is "html: content type" "$(h_header Content-Type)" "text/html; charset=utf-8"
h_is "html: sandboxed, no form submission" \
	"$(h_header Content-Security-Policy | grep -o "form-action 'none'.*; sandbox .*")" \
	"form-action 'none'; base-uri 'none'; object-src 'none'; frame-src 'none'; worker-src 'none'; frame-ancestors 'self'; sandbox allow-scripts allow-forms"
h_is "html: nosniff" "$(h_header X-Content-Type-Options)" "nosniff"
h_is "html: nosniff sent once (the front server adds it)" \
	"$(grep -ci '^X-Content-Type-Options:' <<<"$H_HEADERS")" 1
h_is "html: download name" "$(h_header Content-Disposition)" "inline; filename=\"$F1\""
h_is "html: no X-Sendfile reaches the client" "$(h_header X-Sendfile)" ""
if [ "$H_FRONT" = lighttpd ]; then
	# lighttpd's static path adds validators; ember-fcgi's answers have none
	h_ok "html: the file was sent by lighttpd (X-Sendfile)" test -n "$(h_header Last-Modified)"
	h_is "html: length of the object" "$(h_header Content-Length)" "$(stat -c %s "$ROOT/$FG/$F1")"
else
	h_is "html: the bytes came from ember-fcgi" "$(h_header Last-Modified)" ""
	h_is "html: length of the object (Apache chunks it)" "$(wc -c <"$H_RUN/h_req.body")" "$(stat -c %s "$ROOT/$FG/$F1")"
fi
h_req GET "$C?serviceName=checkout&filename=$F2&format=html"
h_is "html: a row whose file is gone 404" "$H_STATUS $H_BODY" '404 "Flamegraph file not found"'
# An object that is a symbolic link (planted in the store) is never followed.
F3=2026-03-11T12:00:00_00000000000000000000000000000003_ip-10-0-1-7_adhoc_flamegraph.html
ln -s "$H_RUN/secret.txt" "$ROOT/$FG/$F3"
h_sql "INSERT INTO AdhocFlamegraphMetadata (service_id, hostname, s3_key, start_time, end_time, file_size)
	VALUES ($SID, 'ip-10-0-1-7', '$FG/$F3', '2026-03-11 12:00:00', '2026-03-11 12:00:00', 7)" >/dev/null
for fmt in html json; do
	h_req GET "$C?serviceName=checkout&filename=$F3&format=$fmt"
	h_ok "$fmt: a symlinked object is refused" bash -c '[ "$1" -ge 400 ]' _ "$H_STATUS"
	h_ok "$fmt: nothing of its target is sent" bash -c '! grep -q secret <<<"$1"' _ "$H_BODY"
done
h_sql "DELETE FROM AdhocFlamegraphMetadata WHERE hostname = 'ip-10-0-1-7'" >/dev/null
rm "$ROOT/$FG/$F3"
# Percent signs in a key are bytes of the file name: lighttpd decodes the
# X-Sendfile value, so an unencoded "x%2F..%2Fbilling" would reach billing's file.
PS='x%2F..%2Fbilling'
mkdir -p "$ROOT/products/$PS/stacks/flamegraph" "$ROOT/products/x"
echo '<p>the literal file</p>' >"$ROOT/products/$PS/stacks/flamegraph/$BF"
h_sql "INSERT INTO Services (name) VALUES ('$PS')" >/dev/null
h_sql "INSERT INTO AdhocFlamegraphMetadata (service_id, hostname, s3_key, start_time, end_time, file_size)
	SELECT id, 'p1', 'products/$PS/stacks/flamegraph/$BF', '2026-03-11 10:00:00', '2026-03-11 10:00:00', 24
	  FROM Services WHERE name = '$PS'" >/dev/null
h_req GET "$C?serviceName=x%252F..%252Fbilling&filename=$BF&format=html"
h_is "html: a key with percent signs is sent as named" "$H_STATUS $H_BODY" "200 <p>the literal file</p>"

# --- content: security ----------------------------------------------------------
for bad in "../../../secret.txt" "%2e%2e%2f%2e%2e%2fsecret.txt" "..%2F..%2Fbilling%2Fstacks%2Fflamegraph%2F$BF" \
	"$H_RUN/secret.txt" "%2Fetc%2Fpasswd" "planted_adhoc_flamegraph.html" "$BF" \
	"$F1%00.txt" "..%5C..%5Csecret.txt" "" "%2e%2e"; do
	h_req GET "$C?serviceName=checkout&filename=$bad"
	h_ok "content '$bad': 404 or 422, nothing read" \
		bash -c '[ "$1" = 404 -a "$2" = "\"Flamegraph file not found\"" ] || [ "$1" = 422 ] || [ "$1" = 400 ]' _ "$H_STATUS" "$H_BODY"
	h_ok "content '$bad': no secret in the answer" bash -c '! grep -q "secret\|planted" <<<"$1"' _ "$H_BODY"
done
h_req GET "$C?serviceName=billing/../checkout&filename=$F1"
h_is "content: service with a slash 404" "$H_STATUS" 404
h_req GET "$C?serviceName=checkout%00&filename=$F1"
h_ok "content: NUL in service refused (lighttpd 400 or our 422)" bash -c '[ "$1" = 400 ] || [ "$1" = 422 ]' _ "$H_STATUS"
h_req GET "$C?serviceName=checkout"
h_is "content: missing filename 422" "$H_STATUS" 422
h_req GET "$C?serviceName=billing&filename=$BF"
h_is "content: billing's own file through billing" "$(jq -r .content <<<"$H_BODY")" "<p>billing secret</p>"
h_req GET "$C?serviceName=x'%20OR%20'1'='1&filename=x'%20OR%20'1'='1"
h_is "content: SQL metacharacters 404" "$H_STATUS" 404

# --- the time range bounds start_time (upstream: end_time = start_time) -----
# A run that started inside the range but "ends" after it (its agent asked
# for 60 s; or the agent's clock runs ahead) is in "the last hour" view.
h_sql "INSERT INTO AdhocFlamegraphMetadata (service_id, hostname, s3_key, start_time, end_time, file_size) VALUES
	($BID, 'late', 'products/billing/stacks/flamegraph/late_adhoc_flamegraph.html', '2026-03-11 23:59:50', '2026-03-12 00:00:50', 1)" >/dev/null
h_req GET '/api/metrics/adhoc_flamegraphs?serviceName=billing&startTime=2026-03-11T23:00:00Z&endTime=2026-03-12T00:00:00Z'
h_is "list: a run ending after endTime is listed" "$(jq -r '[.[].hostname] | join(",")' <<<"$H_BODY")" "late"
h_req GET '/api/metrics/adhoc_flamegraphs?serviceName=billing&startTime=2026-03-11T23:59:51Z&endTime=2026-03-12T01:00:00Z'
h_is "list: a run that started before startTime is not" "$(jq -r 'length' <<<"$H_BODY")" 0

# A run that starts after endTime is outside the range, whatever its end.
h_sql "INSERT INTO AdhocFlamegraphMetadata (service_id, hostname, s3_key, start_time, end_time, file_size) VALUES
	($BID, 'after', 'products/billing/stacks/flamegraph/after_adhoc_flamegraph.html', '2026-03-12 00:00:01', '2026-03-12 00:01:01', 1)" >/dev/null
h_req GET '/api/metrics/adhoc_flamegraphs?serviceName=billing&startTime=2026-03-11T23:00:00Z&endTime=2026-03-12T00:00:00Z'
h_is "list: a run that starts after endTime is not listed" "$(jq -r '[.[].hostname] | sort | join(",")' <<<"$H_BODY")" "late"
h_req GET '/api/metrics/adhoc_flamegraphs?serviceName=billing&startTime=2026-03-11T23:00:00Z&endTime=2026-03-12T00:00:01Z'
h_is "list: endTime is inclusive" "$(jq -r '[.[].hostname] | sort | join(",")' <<<"$H_BODY")" "after,late"

# --- $neq in the list filter: ignored, as the list only narrows by $eq hosts --
B='/api/metrics/adhoc_flamegraphs?serviceName=billing&startTime=2026-03-11T00:00:00Z&endTime=2026-03-13T00:00:00Z'
h_req GET "$B&filter=$(jq -rn '{"filter":{"$and":[{"HostName":{"$neq":"late"}}]}} | tostring | @uri')"
h_is "list: \$neq alone filters nothing" "$H_STATUS $(jq -r '[.[].hostname] | sort | join(",")' <<<"$H_BODY")" "200 after,b1,late"
h_req GET "$B&filter=hn,not,late"
h_is "list: compact 'not' alone filters nothing" "$(jq -r '[.[].hostname] | sort | join(",")' <<<"$H_BODY")" "after,b1,late"
h_req GET "$B&filter=$(jq -rn '{"filter":{"$and":[{"HostName":{"$eq":"late"}},{"HostName":{"$neq":"late"}}]}} | tostring | @uri')"
h_is "list: \$eq keeps its host beside a \$neq of the same host" "$(jq -r '[.[].hostname] | join(",")' <<<"$H_BODY")" "late"

# --- the raw variant when ember-fcgi sends the bytes itself (x_sendfile off) --
if [ "$H_FRONT" = lighttpd ]; then
	h_lighttpd_stop
	export EMBER_FCGI_X_SENDFILE=false
	h_lighttpd_start 2
	h_req GET "$C?serviceName=checkout&filename=$F1&format=html"
	h_is "no x-sendfile: status" "$H_STATUS" 200
	h_is "no x-sendfile: body is the object" "$H_BODY" "$(cat "$ROOT/$FG/$F1")"
	h_is "no x-sendfile: the bytes came from ember-fcgi" "$(h_header Last-Modified)" ""
	h_is "no x-sendfile: content type" "$(h_header Content-Type)" "text/html; charset=utf-8"
	h_is "no x-sendfile: sandboxed" "$(h_header Content-Security-Policy | grep -o '; sandbox .*')" \
		"; sandbox allow-scripts allow-forms"
	h_is "no x-sendfile: nosniff" "$(h_header X-Content-Type-Options)" "nosniff"
	h_is "no x-sendfile: download name" "$(h_header Content-Disposition)" "inline; filename=\"$F1\""
fi

h_req GET /api/health
h_is "still serving" "$H_STATUS" 200
h_done
