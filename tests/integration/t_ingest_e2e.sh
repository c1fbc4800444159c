#!/usr/bin/env bash
# t_ingest_e2e.sh - the whole ad hoc path with real processes: an agent's
# gzip upload through lighttpd + ember-fcgi (POST /api/v2/profiles), the
# queue, ember-workers, then the UI's list and content endpoints; the HTML
# that comes back is byte for byte the one the agent sent.
source "$(dirname "$0")/../harness/lib.sh"
source "$(dirname "$0")/../harness/lighttpd.sh"
source "$(dirname "$0")/../harness/api.sh"
source "$(dirname "$0")/ingest_lib.sh"

h_init
i_setup
KEY=$(h_api_key checkout)
h_lighttpd_start 2
i_start

# upload N HOST [mkprofile args]: one agent upload; keeps the profile text
upload() {
	local n=$1 host=$2
	shift 2
	python3 "$I_MK" --host "$host" "$@" >"$H_RUN/src/up$n.txt"
	python3 - "$H_RUN/src/up$n.txt" "$host" "$n" <<'PY' | gzip -c >"$H_RUN/src/up$n.json.gz"
import json, sys
text = open(sys.argv[1], encoding="utf-8").read()
n = int(sys.argv[3])
json.dump({"start_time": "2026-03-11T10:00:%02d" % n, "end_time": "2026-03-11T10:01:%02d" % n,
           "hostname": sys.argv[2], "profile": text, "cpu_avg": 8.8, "mem_avg": 39.8,
           "spawn_time": "2026-03-11T09:00:00", "gpid": ""}, sys.stdout, ensure_ascii=False)
PY
	h_req POST "/api/v2/profiles?key=x&service=checkout&hostname=$host" \
		-H "GPROFILER-API-KEY: $KEY" -H "GPROFILER-SERVICE-NAME: checkout" \
		-H "Content-Encoding: gzip" -H "Content-Type: application/json" \
		--data-binary "@$H_RUN/src/up$n.json.gz"
}

# html_of N: the flamegraph bytes in upload N's profile
html_of() {
	python3 - "$H_RUN/src/up$1.txt" <<'PY'
import base64, binascii, json, sys
h = json.loads(open(sys.argv[1], encoding="utf-8").readline()[2:])["flamegraph_html"]
try:
    sys.stdout.buffer.write(base64.b64decode(h, validate=True))
except (binascii.Error, ValueError):
    sys.stdout.buffer.write(h.encode())
PY
}

upload 1 ip-10-0-1-5 --html plain --html-kb 200
h_is "upload 1 accepted" "$H_STATUS" 200
upload 2 ip-10-0-1-6 --html base64
h_is "upload 2 accepted" "$H_STATUS" 200
upload 3 ip-10-0-1-7 --continuous run
h_is "upload 3 (continuous) accepted" "$H_STATUS" 200
upload 4 ip-10-0-1-8 --html none
h_is "upload 4 (no HTML) accepted" "$H_STATUS" 200
h_ok "workers drained the queue" i_wait_idle 30

h_req GET '/api/metrics/adhoc_flamegraphs?serviceName=checkout&startTime=2026-03-11T00:00:00Z&endTime=2026-03-12T00:00:00Z'
h_is "list: status" "$H_STATUS" 200
h_is "list: the ad hoc hosts, newest first (the one without HTML rendered by ember)" \
	"$(jq -c '[.[].hostname]' <<<"$H_BODY")" '["ip-10-0-1-8","ip-10-0-1-6","ip-10-0-1-5"]'
h_is "list: perf_events and not removed" "$(jq -c '[.[1].perf_events, .[1].removed]' <<<"$H_BODY")" '[["cycles","cache-misses"],false]'
F1=$(jq -r '.[2].filename' <<<"$H_BODY")
F2=$(jq -r '.[1].filename' <<<"$H_BODY")
F4=$(jq -r '.[0].filename' <<<"$H_BODY")
h_ok "list: file name from the raw upload name" grep -q '^2026-03-11T10:00:01_[0-9a-f]\{32\}_ip-10-0-1-5_adhoc_flamegraph.html$' <<<"$F1"
for n in 1 2; do
	f=F$n
	h_req GET "/api/metrics/adhoc_flamegraph_content?serviceName=checkout&filename=${!f}"
	h_is "content $n: status" "$H_STATUS" 200
	h_ok "content $n: the agent's HTML, byte for byte" cmp -s <(jq -j .content <<<"$H_BODY") <(html_of "$n")
done
h_req GET "/api/metrics/adhoc_flamegraph_content?serviceName=checkout&filename=$F4&format=html"
h_is "content 4: ember's own page for the profile without HTML" "$H_STATUS" 200
h_ok "content 4: self-contained (no script or style from elsewhere)" \
	bash -c '! grep -Eq "(src|href)=\"?https?:" <<<"$1" && grep -q "<canvas" <<<"$1"' _ "$H_BODY"
h_is "continuous: object, no row" \
	"$(find "$I_OBJ/products" -name '*_ip-10-0-1-7_continuous_flamegraph.html' | wc -l)/$(h_sql "SELECT count(*) FROM AdhocFlamegraphMetadata WHERE hostname = 'ip-10-0-1-7'")" "1/0"
h_is "status: 4 done (3 adhoc, one of them rendered, 1 continuous)" \
	"$(i_status counters.done) $(i_status counters.adhoc) $(i_status counters.continuous) $(i_status counters.no_html)" "4 3 1 0"
h_is "no dead letters" "$(i_count_dead)" 0
i_stop
h_is "SIGTERM exits 0" "$I_RC" 0
h_done
