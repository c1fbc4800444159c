#!/bin/bash
# t_api_flamegraph.sh - the continuous flamegraph endpoints through
# lighttpd + ember-fcgi + PostgreSQL, with profiles written by the sample
# store's writer (tests/integration/flame_load): tests/data/flame/golden
# 50-55 (written from the old server's documented answers), exact sums,
# RQL filters with SQL metacharacters in every value, stacksCount /
# maxNodes pruning keeping the root total, 422/400/406 answers, the
# range cap, HTML/SVG/collapsed formats (SVG through xmllint), the SVG
# download's name, datetime_with_data, the functions table and sandwich,
# diffs (time ranges and ad hoc profiles), hostile frame names (invalid
# UTF-8 is covered by the unit tests: the sample store refuses it), and
# upstream's indexer fixture.
source "$(dirname "$0")/../harness/lib.sh"
source "$(dirname "$0")/../harness/lighttpd.sh"
source "$(dirname "$0")/../harness/api.sh"
h_init
command -v xmllint >/dev/null || h_die "xmllint missing (apt-get install libxml2-utils)"
LOAD=$EMBER_BUILD/tests/integration/flame_load
[ -x "$LOAD" ] || h_die "build $LOAD first (make check)"
D=$H_ROOT/tests/data/flame
h_api_db
h_lighttpd_start 2

h_sql "INSERT INTO Services (name) VALUES ('checkout'), ('billing'), ('fixture'), ('hostile')" >/dev/null
SID=$(h_sql "SELECT id FROM Services WHERE name = 'checkout'")
FID=$(h_sql "SELECT id FROM Services WHERE name = 'fixture'")
XID=$(h_sql "SELECT id FROM Services WHERE name = 'hostile'")
T0=1773223200 # 2026-03-11T10:00:00Z
EVIL_HOST="h2'; DROP TABLE Services;--"
EVIL_TYPE="x' OR '1'='1"
load() { "$LOAD" "$@" >"$H_RUN/load.out" 2>&1 || h_die "flame_load $*: $(cat "$H_RUN/load.out")"; }
load "$SID" p/a h1 "$T0" m5.large "$D/prof_a"
load "$SID" p/b "$EVIL_HOST" $((T0 + 60)) "$EVIL_TYPE" "$D/prof_b"
# a later profile of h1 for the diff (python's share doubles)
load "$SID" p/c h1 $((T0 + 7200)) m5.large "$D/prof_c"
load "$FID" p/fixture host-f $((T0)) "" "$D/upstream_indexer_stackfile"
load "$XID" p/hostile host-x $((T0)) "" "$D/prof_hostile"

Q="serviceName=checkout&startTime=2026-03-11T09:00:00.000Z&endTime=2026-03-11T11:00:00.000Z"
# urlenc TEXT: percent-encode for a query string
urlenc() { jq -rn --arg v "$1" '$v|@uri'; }
# count_frames JSON: frames in the tree (the envelope excluded)
count_frames() { jq '[.. | objects | select(has("children"))] | length - 1' <<<"$1"; }
tree_only() { jq -c 'del(.exec_time, .olap_time)' <<<"$1"; }

# --- golden replay (tests/data/flame/golden) -----------------------------
export H_GOLDEN=$D/golden
h_golden 50-flamegraph-tree.http
h_is "50 tree: status" "$H_STATUS" "$H_WANT_STATUS"
h_is "50 tree: the body, field for field and in order" "$(tree_only "$H_BODY")" "$(tree_only "$H_WANT_BODY")"
h_is "50 tree: exec_time and olap_time are numbers" \
	"$(jq -r '[.exec_time, .olap_time] | map(type) | join(",")' <<<"$H_BODY")" "number,number"
h_is "50 tree: percentile keys in Go's string order" \
	"$(jq -r '.percentiles | keys_unsorted | .[0:5] | join(",")' <<<"$H_BODY")" "1,10,100,11,12"
h_golden 51-flamegraph-empty.http
h_is "51 empty range: 200" "$H_STATUS" 200
h_is "51 empty range: value 0, no children, no percentiles" "$(tree_only "$H_BODY")" "$(tree_only "$H_WANT_BODY")"
h_golden 52-flamegraph-unknown-service.http
h_is "52 unknown service: 406" "$H_STATUS" 406
h_is "52 unknown service: bare string" "$H_BODY" "$H_WANT_BODY"
h_golden 53-flamegraph-missing-param.http
h_is "53 missing startTime: 422" "$H_STATUS" 422
h_is "53 missing startTime: FastAPI's shape" "$(jq -c . <<<"$H_BODY")" "$(jq -c . <<<"$H_WANT_BODY")"
h_golden 54-download-svg-empty.http
h_is "54 empty SVG download: 204" "$H_STATUS" 204
h_is "54 empty SVG download: no body" "$H_BODY" ""
h_golden 55-flamegraph-bad-filter-json.http
h_is "55 filter not JSON: 422" "$H_STATUS" 422
h_is "55 filter not JSON: body" "$(jq -c . <<<"$H_BODY")" "$(jq -c . <<<"$H_WANT_BODY")"
unset H_GOLDEN

# --- filters, with SQL metacharacters in every value -----------------------
rqlq() { # rqlq OP KEY CMP VALUE -> one-term filter JSON, encoded
	urlenc "$(jq -cn --arg op "$1" --arg k "$2" --arg c "$3" --arg v "$4" \
		'{id: "", filter: {($op): [{($k): {($c): $v}}]}}')"
}
fg_value() { h_req GET "/api/flamegraph?$Q&filter=$1"; jq -r .value <<<"$H_BODY"; }
h_is "filter HostName \$eq h1" "$(fg_value "$(rqlq '$and' HostName '$eq' h1)")" 120
h_is "filter HostName \$eq with quotes/semicolons/comment" "$(fg_value "$(rqlq '$and' HostName '$eq' "$EVIL_HOST")")" 20
h_is "filter HostName \$neq the evil host" "$(fg_value "$(rqlq '$and' HostName '$neq' "$EVIL_HOST")")" 120
h_is "filter InstanceType with a tautology in the value" "$(fg_value "$(rqlq '$and' InstanceType '$eq' "$EVIL_TYPE")")" 20
h_is "filter ContainerName with quotes" "$(fg_value "$(rqlq '$and' ContainerName '$eq' "web'--\"")")" 20
h_is "filter ContainerName that matches nothing" "$(fg_value "$(rqlq '$and' ContainerName '$eq' "' OR 1=1 --")")" 0
h_is "filter ContainerEnvName (empty for plain containers)" "$(fg_value "$(rqlq '$and' ContainerEnvName '$eq' "x\\'; --")")" 0
F=$(urlenc '{"id":"","filter":{"$or":[{"HostName":{"$eq":"h1"}},{"HostName":{"$eq":"h2'"'"'; DROP TABLE Services;--"}}]}}')
h_is "filter \$or of two hosts" "$(fg_value "$F")" 140
F=$(urlenc '{"id":"","filter":{"$and":[{"HostName":{"$eq":"h1"}},{"ContainerName":{"$eq":"c1"}}]}}')
h_is "filter \$and host + container" "$(fg_value "$F")" 120
h_is "filter compact spelling (hn,is,h1)" "$(fg_value "hn,is,h1")" 120
h_is "the services table survived" "$(h_sql "SELECT count(*) FROM Services")" 4
h_req GET "/api/flamegraph?$Q&filter=$(urlenc '{"id":"","filter":{"$and":[{"Nope":{"$eq":"x"}}]}}')"
h_is "filter of the wrong shape: 400" "$H_STATUS" 400

# --- pruning keeps the root total --------------------------------------------
h_req GET "/api/flamegraph?$Q&stacksCount=3"
h_is "stacksCount=3: root total kept" "$(jq .value <<<"$H_BODY")" 140
h_is "stacksCount=3: ties at the cut go (100,100 kept; 90 is the 3rd, <= 90 goes)" "$(count_frames "$H_BODY")" 2
h_req GET "/api/flamegraph?$Q&stacks_count=3"
h_is "stacks_count spelling too" "$(count_frames "$H_BODY")" 2
h_req GET "/api/flamegraph?$Q&maxNodes=3"
h_is "maxNodes=3: root total kept" "$(jq .value <<<"$H_BODY")" 140
h_ok "maxNodes=3: at most 3 frames" [ "$(count_frames "$H_BODY")" -le 3 ]
h_is "maxNodes=3: children still add up" \
	"$(jq '[.children[].value] | add' <<<"$H_BODY")" 140
for bad in "stacksCount=0" "stacksCount=abc" "stacksCount=-5" "maxNodes=0" "format=pdf"; do
	h_req GET "/api/flamegraph?$Q&$bad"
	h_is "$bad: 422" "$H_STATUS" 422
done
h_is "422 body names the parameter" "$(jq -c '.detail[0].loc' <<<"$H_BODY")" '["query","format"]'
h_req GET "/api/flamegraph?serviceName=checkout&startTime=2024-01-01T00:00:00Z&endTime=2026-03-11T11:00:00Z"
h_is "a range over 366 days: 422" "$H_STATUS" 422
h_ok "... that says why" grep -q '366 days' <<<"$H_BODY"
h_req GET "/api/flamegraph?serviceName=checkout&startTime=yesterday&endTime=2026-03-11T11:00:00Z"
h_is "a bad time: 422 datetime" "$(jq -r '.detail[0].type' <<<"$H_BODY")" "value_error.datetime"

# --- formats -----------------------------------------------------------------
h_req GET "/api/flamegraph?$Q&format=collapsed"
h_is "collapsed: 200" "$H_STATUS" 200
h_is "collapsed: the lines add up to the total" "$(awk '{s+=$NF} END {print s}' <<<"$H_BODY")" 140
h_ok "collapsed: full names with suffixes" grep -q '^java;appid: order-service;java/lang/Thread.run_\[j\] 30$' <<<"$H_BODY"
h_req GET "/api/flamegraph?$Q&format=html"
h_is "html: 200" "$H_STATUS" 200
h_is "html: content type" "$(h_header Content-Type)" "text/html; charset=utf-8"
h_is "html: sandboxed" "$(h_header Content-Security-Policy)" "sandbox allow-scripts"
h_ok "html: no other origin referenced" bash -c '! grep -Eq "(src|href)=\"(https?:)?//" <<<"$1"' _ "$H_BODY"
h_req GET "/api/flamegraph?$Q&format=svg"
h_is "svg: 200" "$H_STATUS" 200
printf '%s' "$H_BODY" >"$H_RUN/fg.svg"
h_ok "svg: valid XML (xmllint)" xmllint --noout "$H_RUN/fg.svg"
h_req GET "/api/flamegraph?serviceName=checkout&format=svg&startTime=2026-01-01T00:00:00Z&endTime=2026-01-01T01:00:00Z"
h_is "svg of nothing: 204" "$H_STATUS" 204

# --- the SVG download --------------------------------------------------------
h_req GET "/api/flamegraph/download_svg/?serviceName=checkout&startTime=2026-03-11T10:00:00.000Z&endTime=2026-03-11T11:00:00.000Z"
h_is "download_svg/: 200" "$H_STATUS" 200
h_is "download_svg/: octet-stream" "$(h_header Content-Type)" "application/octet-stream"
h_is "download_svg/: named like upstream ({service}_{range}.svg)" "$(h_header Content-Disposition)" 'attachment; filename="checkout_hourly.svg"'
printf '%s' "$H_BODY" >"$H_RUN/dl.svg"
h_ok "download_svg/: valid XML" xmllint --noout "$H_RUN/dl.svg"
h_ok "download_svg/: an icicle, as upstream's --inverted" grep -q '>Icicle Graph<' "$H_RUN/dl.svg"
h_req GET "/api/flamegraph/download_svg?serviceName=checkout&startTime=2026-03-11T09:00:00.000Z&endTime=2026-03-11T11:00:00.000Z"
h_is "download_svg without the slash: 200, custom range" "$(h_header Content-Disposition)" 'attachment; filename="checkout_custom.svg"'

# --- datetime_with_data --------------------------------------------------------
NOW=$(date -u +%s)
load "$(h_sql "SELECT id FROM Services WHERE name = 'billing'")" p/recent b1 $((NOW - 7200)) "" "$D/prof_b"
h_req GET "/api/flamegraph/datetime_with_data?serviceName=billing"
h_is "datetime_with_data: 200" "$H_STATUS" 200
WANT_FIRST=$(date -u -d "@$(( (NOW - 7200) / 60 * 60 ))" +%Y-%m-%dT%H:%M:%S+00:00)
WANT_LAST=$(date -u -d "@$(( (NOW - 7200) / 60 * 60 + 60 ))" +%Y-%m-%dT%H:%M:%S+00:00)
h_is "datetime_with_data: first minute, last minute + 1" "$(jq -c . <<<"$H_BODY")" \
	"{\"firstDateTime\":\"$WANT_FIRST\",\"lastDateTime\":\"$WANT_LAST\"}"
h_req GET "/api/flamegraph/datetime_with_data?serviceName=fixture&filter=$(rqlq '$and' HostName '$eq' nobody)"
h_is "datetime_with_data, nothing: upstream's 1970 defaults" "$(jq -c . <<<"$H_BODY")" \
	'{"firstDateTime":"1970-01-01T00:00:00+00:00","lastDateTime":"1970-01-01T00:01:00+00:00"}'
h_req GET "/api/flamegraph/datetime_with_data"
h_is "datetime_with_data without a service: 406" "$H_STATUS" 406

# --- functions and sandwich --------------------------------------------------
h_req GET "/api/flamegraph/functions?$Q"
h_is "functions: 200" "$H_STATUS" 200
h_is "functions: count and total" "$(jq -c '[.count, .total]' <<<"$H_BODY")" "[6,140]"
h_is "functions: by self, first" "$(jq -c '.functions[0] | [.name, .self, .total]' <<<"$H_BODY")" \
	'["com/acme/Worker.process_[i]",60,60]'
h_req GET "/api/flamegraph/functions?$Q&sort=total&limit=2&offset=1"
# appid and java both 100: the one with more self samples first
h_is "functions: sort=total, paged" "$(jq -c '[.functions[].name]' <<<"$H_BODY")" '["java","java/lang/Thread.run_[j]"]'
h_req GET "/api/flamegraph/functions?$Q&sort=name&limit=1"
h_is "functions: sort=name" "$(jq -r '.functions[0].name' <<<"$H_BODY")" "appid: order-service"
h_req GET "/api/flamegraph/functions?$Q&sort=bogus"
h_is "functions: bad sort 422" "$H_STATUS" 422
h_req GET "/api/flamegraph/functions?$Q&functionName=$(urlenc 'java/lang/Thread.run_[j]')"
h_is "sandwich: total of the function" "$(jq .total <<<"$H_BODY")" 90
h_is "sandwich: callers up to the process" \
	"$(jq -c '.callers.children[0] | [.name, .children[0].name, .children[0].children[0].name]' <<<"$H_BODY")" \
	'["java/lang/Thread.run","appid: order-service","java"]'
h_is "sandwich: callees" "$(jq -c '.callees.children[0].children | map([.name, .value])' <<<"$H_BODY")" \
	'[["com/acme/Worker.process",60]]'
h_req GET "/api/flamegraph/functions?$Q&functionName=nope"
h_is "sandwich of an unknown function: 404" "$H_STATUS" 404
h_req GET "/api/flamegraph?$Q&functionName=$(urlenc 'python3')"
h_is "flamegraph focused on a function" "$(jq -c '[.value, .children[0].name]' <<<"$H_BODY")" '[40,"python3"]'

# --- diff ----------------------------------------------------------------------
DQ="serviceName=checkout&baseStartTime=2026-03-11T09:00:00Z&baseEndTime=2026-03-11T11:00:00Z&compareStartTime=2026-03-11T11:30:00Z&compareEndTime=2026-03-11T12:30:00Z"
H1=$(rqlq '$and' HostName '$eq' h1)
h_req GET "/api/flamegraph/diff?$DQ&baseFilter=$H1&compareFilter=$H1"
h_is "diff: 200" "$H_STATUS" 200
h_is "diff: totals" "$(jq -c '[.baseTotal, .compareTotal]' <<<"$H_BODY")" "[120,150]"
h_is "diff: python3's share doubled: +100 %" \
	"$(jq '.children[] | select(.name == "python3") | .change' <<<"$H_BODY")" 100
h_is "diff: a frame only in compare is new" \
	"$(jq -r '.. | objects | select(.name? == "new_func (app/new.py)") | .status' <<<"$H_BODY")" new
REV="serviceName=checkout&compareStartTime=2026-03-11T09:00:00Z&compareEndTime=2026-03-11T11:00:00Z&baseStartTime=2026-03-11T11:30:00Z&baseEndTime=2026-03-11T12:30:00Z"
h_req GET "/api/flamegraph/diff?$REV&baseFilter=$H1&compareFilter=$H1"
h_is "diff reversed: the frame is gone" \
	"$(jq -r '.. | objects | select(.name? == "new_func (app/new.py)") | .status' <<<"$H_BODY")" gone
h_req GET "/api/flamegraph/diff?$DQ&format=svg&palette=cb"
printf '%s' "$H_BODY" >"$H_RUN/diff.svg"
h_ok "diff as SVG (colour-blind palette): valid XML" xmllint --noout "$H_RUN/diff.svg"
h_req GET "/api/flamegraph/diff?$DQ&format=html"
h_ok "diff as HTML" grep -q '"diff":true' <<<"$H_BODY"
# two ad hoc profiles: the same one on both sides is all zeros
AK=products/checkout/stacks/flamegraph/2026-03-11T10:00:00_ab_h1_adhoc_flamegraph.html
h_sql "INSERT INTO AdhocFlamegraphMetadata (service_id, hostname, s3_key, start_time, end_time, file_size)
	VALUES ($SID, 'h1', '$AK', '2026-03-11 10:00:00', '2026-03-11 10:01:00', 1)" >/dev/null
load "$SID" p/adhoc h1 "$T0" m5.large "$D/prof_c" "$AK"
h_req GET "/api/flamegraph/diff?serviceName=checkout&baseProfile=$(basename "$AK")&compareProfile=$(basename "$AK")"
h_is "diff of an ad hoc profile with itself: 200" "$H_STATUS" 200
h_is "... totals" "$(jq -c '[.baseTotal, .compareTotal]' <<<"$H_BODY")" "[150,150]"
h_is "... every change is 0, nothing new or gone" \
	"$(jq '[.. | objects | select(has("change")) | .change] | map(select(. != 0)) | length' <<<"$H_BODY")" 0
h_is "... and no status" "$(jq '[.. | objects | select(has("status"))] | length' <<<"$H_BODY")" 0
h_req GET "/api/flamegraph/diff?serviceName=checkout&baseProfile=nope.html&compareProfile=$(basename "$AK")"
h_is "diff with an unknown profile: 404" "$H_STATUS" 404
h_req GET "/api/flamegraph/diff?serviceName=checkout&baseProfile=$(basename "$AK")"
h_is "diff without a compare side: 422" "$H_STATUS" 422

# --- hostile frame names -------------------------------------------------------
HQ="serviceName=hostile&startTime=2026-03-11T09:00:00Z&endTime=2026-03-11T11:00:00Z"
h_req GET "/api/flamegraph?$HQ"
h_is "hostile: the JSON parses and sums" "$(jq .value <<<"$H_BODY")" 6
h_ok "hostile: the </script> name comes back intact" \
	bash -c 'jq -e "[.. | objects | .name?] | index(\"</script><script>alert(1)</script>\")" <<<"$1" >/dev/null' _ "$H_BODY"
h_req GET "/api/flamegraph?$HQ&format=svg"
printf '%s' "$H_BODY" >"$H_RUN/hostile.svg"
h_ok "hostile: SVG valid XML" xmllint --noout "$H_RUN/hostile.svg"
h_ok "hostile: SVG holds no raw <script> from a name" bash -c '[ "$(grep -c "<script" "$1")" = 1 ]' _ "$H_RUN/hostile.svg"
h_req GET "/api/flamegraph?$HQ&format=html"
h_is "hostile: HTML has only our two </script>" "$(grep -o '</script>' <<<"$H_BODY" | wc -l)" 2
h_ok "hostile: no <!-- in the HTML" bash -c '! grep -q "<!--" <<<"$1"' _ "$H_BODY"

# --- upstream's indexer fixture --------------------------------------------
h_req GET "/api/flamegraph?serviceName=fixture&startTime=2026-03-11T09:00:00Z&endTime=2026-03-11T11:00:00Z&enrichment=lang"
h_is "fixture: root value 79 (swapper dropped)" "$(jq .value <<<"$H_BODY")" 79
h_is "fixture: 25 root frames" "$(jq '.children | length' <<<"$H_BODY")" 25
h_is "fixture: perf = 23" "$(jq '.children[] | select(.name == "perf") | .value' <<<"$H_BODY")" 23
h_is "fixture: p50, p75, p95, p99" "$(jq -c '.percentiles | [."50", ."75", ."95", ."99"]' <<<"$H_BODY")" '["1","1","4","15"]'

h_done
