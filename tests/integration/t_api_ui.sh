#!/bin/bash
# t_api_ui.sh - the web UI's pages through lighttpd + ember-fcgi +
# PostgreSQL: filter options (objects with "name", 422 for another type),
# saved filters (CRUD, validation, SQL metacharacters), snapshots, the
# overview, the metrics panel and service graphs (parameters, 204/400/406/
# 422 answers, field names and JSON types against tests/data/ui), and the
# trusted-origins setting for operator writes (fcgi.allowed_origins).
#
# The answers that need samples (empty, then over loaded profiles with
# known values and SQL metacharacters: ui_data.sh, ui_loaded.sh) are
# checked only when the sample store is built into ember-fcgi; otherwise
# that part says SKIP.
source "$(dirname "$0")/../harness/lib.sh"
source "$(dirname "$0")/../harness/lighttpd.sh"
source "$(dirname "$0")/../harness/api.sh"
h_init
h_api_db
UI=$H_ROOT/tests/data/ui
# A dev front end on another origin (upstream's Vite server) is trusted.
export EMBER_FCGI_ALLOWED_ORIGINS="http://localhost:5173, https://ui.example"
h_lighttpd_start 2

h_sql "INSERT INTO Services (name, ts) VALUES ('checkout', '2024-04-02 08:11:03.12'), ('_under', now()), ('billing', now())" >/dev/null
h_sql "INSERT INTO Services (name, hidden) VALUES ('gone', true)" >/dev/null
H="Host: 127.0.0.1:$H_HTTP_PORT"
O="Origin: http://127.0.0.1:$H_HTTP_PORT"
J='Content-Type: application/json'
T='startTime=2024-05-01T10:00:00.000Z&endTime=2024-05-01T11:00:00.000Z'
Q="serviceName=checkout&$T"
uri() { jq -rn --arg v "$1" '$v | @uri'; }
# types JSON: field paths and JSON types (the shape, not the values).
types() { h_json_types "$1"; }

# --- shared parameters: 422 missing, 406 unknown, 400/422 bad filter --------
for ep in /api/v1/filters/tags/HostName /api/metrics/summary /api/metrics/nodes_cores/summary \
	/api/metrics/instance_type_count /api/metrics/cpu_trend /api/metrics/html_metadata \
	/api/metrics/function_cpu /api/metrics/samples /api/metrics/graph \
	/api/metrics/graph/nodes_and_cores; do
	h_req GET "$ep?$T"
	h_is "$ep: no serviceName 422 (FastAPI's shape)" "$H_STATUS $H_BODY" "422 $(jq -c . "$UI/422-missing-serviceName.json")"
	h_req GET "$ep?serviceName=nosuch&$T"
	h_is "$ep: unknown service 406, bare string" "$H_STATUS $H_BODY" "406 $(cat "$UI/406-unknown-service.json")"
	h_req GET "$ep?serviceName=gone&$T"
	h_is "$ep: hidden service 406" "$H_STATUS" 406
	h_req GET "$ep?serviceName=checkout&startTime=soon&endTime=2024-05-01T11:00:00Z"
	h_is "$ep: bad startTime 422" "$H_STATUS $(jq -r '.detail[0].loc | join(".")' <<<"$H_BODY")" "422 query.startTime"
	h_req GET "$ep?$Q&filter=%7Bbroken"
	h_is "$ep: filter not JSON 422" "$H_STATUS" 422
	h_req GET "$ep?$Q&filter=$(uri '{"filter":{"$nand":[]}}')"
	h_is "$ep: filter of the wrong shape 400 with an error list" "$H_STATUS $(jq -r type <<<"$H_BODY")" "400 array"
done
h_req GET "/api/metrics/samples?serviceName=checkout&startTime=2023-01-01T00:00:00Z&endTime=2024-05-01T00:00:00Z"
h_is "a range over 366 days 422 on endTime" "$H_STATUS $(jq -r '.detail[0].loc[1]' <<<"$H_BODY")" "422 endTime"
h_req GET "/api/v1/filters/tags/Bogus?$Q"
h_is "tags: another filter type 422 on the path" "$H_STATUS $(jq -c '.detail[0].loc' <<<"$H_BODY")" '422 ["path","filter_type"]'
h_req GET "/api/metrics/function_cpu?$Q"
h_is "function_cpu: no functionName 422" "$H_STATUS $(jq -r '.detail[0].loc[1]' <<<"$H_BODY")" "422 functionName"
h_req GET "/api/metrics/samples?$Q&requested_interval=$(uri "1 minute'; DROP TABLE Services; --")"
h_is "samples: requested_interval outside the list 422 (was pasted into SQL)" "$H_STATUS $(jq -r '.detail[0].loc[1]' <<<"$H_BODY")" "422 requested_interval"
h_req GET "/api/metrics/graph?$Q&requested_interval=1%20hour%20or%201=1"
h_is "graph: requested_interval outside the list 422" "$H_STATUS" 422
h_is "Services survived" "$(h_sql 'SELECT count(*) FROM Services')" 4
h_req GET "/api/metrics/html_metadata?$Q"
h_is "html_metadata: no HostName 400 (bare string)" "$H_STATUS $H_BODY" '400 "Must filter by hostname to get the html metadata"'
h_req GET "/api/metrics/html_metadata?$Q&filter=$(uri '{"filter":{"$and":[{"HostName":{"$eq":"h1"}},{"ContainerName":{"$eq":"c"}}]}}')"
h_is "html_metadata: host and container filter 204, not 502" "$H_STATUS [$H_BODY]" "204 []"
h_req GET "/api/metrics/summary?$Q&filter=$(uri '{"filter":{"$and":[{"ContainerEnvName":{"$eq":"k8s"}}]}}')"
h_is "summary: ContainerEnvName filter 204" "$H_STATUS" 204
h_req GET "/api/metrics/graph/nodes_and_cores?$Q&filter=$(uri '{"filter":{"$or":[{"ContainerName":{"$eq":"c"}}]}}')"
h_is "nodes_and_cores graph: container filter 204" "$H_STATUS" 204
h_req GET "/api/metrics/nodes_cores/summary?$Q&ignoreZeros=maybe"
h_is "nodes_cores: ignoreZeros not a bool 422" "$H_STATUS" 422

# --- saved filters ------------------------------------------------------------
F='/api/v1/filters'
h_req GET "$F/service/checkout"
h_is "saved filters: none yet is []" "$H_STATUS $H_BODY" "200 []"
h_req GET "$F/service/nosuch"
h_is "saved filters: unknown service is []" "$H_STATUS $H_BODY" "200 []"
h_req POST "$F/service/checkout" -H "$J" -H "$O" --data '{"id":"","filter":{"$and":[{"HostName":{"$eq":"h1"}}]}}'
h_is "save: 201 with the new id (an integer)" "$H_STATUS $(jq -r type <<<"$H_BODY")" "201 number"
ID=$H_BODY
h_req GET "$F/service/checkout"
h_is "list: upstream's shape" "$(types "$H_BODY")" "$(types "$(cat "$UI/saved-filters.json")")"
h_is "list: the saved filter" "$(jq -c '.[0].filter' <<<"$H_BODY")" '{"$and":[{"HostName":{"$eq":"h1"}}]}'
META="x' OR 1=1; DROP TABLE ProfilerFilters; --\"\\%_"
BODY=$(jq -cn --arg v "$META" '{filter:{"$or":[{ContainerName:{"$neq":$v}},{HostName:{"$eq":$v}}]}}')
h_req POST "$F/service/$(uri "$META")" -H "$J" -H "$O" --data "$BODY"
h_is "save: unknown service (SQL metacharacters) 406" "$H_STATUS" 406
h_sql "INSERT INTO Services (name) VALUES (\$m\$$META\$m\$)" >/dev/null
h_req POST "$F/service/$(uri "$META")" -H "$J" -H "$O" --data "$BODY"
h_is "save: SQL metacharacters in service and values" "$H_STATUS" 201
h_req GET "$F/service/$(uri "$META")"
h_is "list: metacharacters come back verbatim" "$(jq -c '.[0].filter' <<<"$H_BODY")" "$(jq -c .filter <<<"$BODY")"
h_is "ProfilerFilters survived" "$(h_sql 'SELECT count(*) FROM ProfilerFilters')" 2
h_req PUT "$F" -H "$J" -H "$O" --data "{\"id\":$ID,\"filter\":{\"\$or\":[{\"HostName\":{\"\$eq\":\"h2\"}}]}}"
h_is "update: 201 null" "$H_STATUS $H_BODY" "201 null"
h_req GET "$F/service/checkout"
h_is "update: stored" "$(jq -c '.[0].filter' <<<"$H_BODY")" '{"$or":[{"HostName":{"$eq":"h2"}}]}'
h_req PUT "$F" -H "$J" -H "$O" --data '{"id":999999,"filter":{"$and":[]}}'
h_is "update: unknown id 404" "$H_STATUS" 404
for bad in '{"filter":{"$xor":[]}}' '{"filter":{"$and":[{"Pod":{"$eq":"x"}}]}}' \
	'{"filter":{"$and":[{"HostName":{"$like":"x"}}]}}' '{"filter":{"$and":[{"HostName":{"$eq":5}}]}}' \
	'{"filter":"hn,is,x"}' '{"filter":null}' '{}'; do
	h_req POST "$F/service/checkout" -H "$J" -H "$O" --data "$bad"
	h_is "save: invalid filter $bad 422 on body.filter" "$H_STATUS $(jq -c '.detail[0].loc' <<<"$H_BODY")" '422 ["body","filter"]'
done
h_req POST "$F/service/checkout" -H "$J" -H "$O" --data '{broken'
h_is "save: body not JSON 422" "$H_STATUS" 422
h_req PUT "$F" -H "$J" -H "$O" --data '{"id":"x","filter":{"$and":[]}}'
h_is "update: id not an integer 422" "$H_STATUS" 422
h_req DELETE "$F/abc" -H "$O"
h_is "delete: id not an integer 422" "$H_STATUS" 422
h_req DELETE "$F/$ID" -H "$O"
h_is "delete: 204, empty body" "$H_STATUS [$H_BODY]" "204 []"
h_req GET "$F/service/checkout"
h_is "delete: gone" "$H_BODY" "[]"
h_req DELETE "$F/$ID" -H "$O"
h_is "delete again: still 204" "$H_STATUS" 204
h_req GET "$F?serviceName=checkout"
h_is "GET /api/v1/filters: []" "$H_STATUS $H_BODY" "200 []"

# --- operator writes: our origin, trusted origins, others refused -------------
h_req POST "$F/service/checkout" -H "$J" -H "Origin: http://evil.example" --data '{"filter":{"$and":[]}}'
h_is "write from a foreign origin 403" "$H_STATUS" 403
h_req POST "$F/service/checkout" -H "$J" -H "Origin: null" --data '{"filter":{"$and":[]}}'
h_is "write from an opaque origin 403" "$H_STATUS" 403
h_req POST "$F/service/checkout" -H 'Content-Type: text/plain' -H "$O" --data '{"filter":{"$and":[]}}'
h_is "write as text/plain 415" "$H_STATUS" 415
# A dev server's proxy rewrites Host to ember's, keeps the browser's Origin.
h_req POST "$F/service/checkout" -H "$J" -H "Origin: http://localhost:5173" -H 'Sec-Fetch-Site: same-origin' --data '{"filter":{"$and":[]}}'
h_is "write from fcgi.allowed_origins: accepted" "$H_STATUS" 201
h_req DELETE "$F/$H_BODY" -H "Origin: https://ui.example" -H 'Sec-Fetch-Site: cross-site'
h_is "delete from the second listed origin" "$H_STATUS" 204
h_req DELETE "$F/1" -H "Origin: http://localhost:5174"
h_is "delete from an unlisted port 403" "$H_STATUS" 403
h_req POST /api/metrics/profile_request -H "$J" -H "Origin: http://localhost:5173" \
	--data '{"service_name":"checkout","request_type":"stop","target_hosts":{"h1":null}}'
h_is "Start/Stop from the dev server's origin passes the origin check" "$([ "$H_STATUS" != 403 ] && echo yes)" yes
h_req PUT "$F" -H "$J" -H "Origin: http://evil.example" --data '{"id":1,"filter":{"$and":[]}}'
h_is "PUT from a foreign origin 403" "$H_STATUS" 403
h_req GET "$F/service/checkout" -H "Origin: http://evil.example"
h_is "reads are not origin-checked" "$H_STATUS" 200

# --- snapshots ----------------------------------------------------------------
S='{"serviceName":"checkout","startTime":"2024-05-01T10:00:00.000Z","endTime":"2024-05-01T11:00:00Z","filter":{"id":"","filter":{"$and":[{"HostName":{"$eq":"h1"}}]}},"frames":[{"level":0,"start":0,"duration":5}]}'
h_req POST /api/snapshots -H "$J" -H "$O" --data "$S"
h_is "snapshot: 201 id" "$H_STATUS $(jq -r type <<<"$H_BODY")" "201 number"
h_req GET "/api/snapshots/$H_BODY"
h_is "snapshot: read back (shape)" "$(types "$H_BODY")" "$(types "$(cat "$UI/snapshot.json")")"
h_is "snapshot: read back (values; the UI's filter id dropped)" "$(jq -S -c . <<<"$H_BODY")" "$(jq -S -c . "$UI/snapshot.json")"
h_req GET /api/snapshots/999999
h_is "snapshot: unknown 404" "$H_STATUS" 404
h_req GET /api/snapshots/x1
h_is "snapshot: bad id 422" "$H_STATUS" 422
h_req POST /api/snapshots -H "$J" -H "$O" --data "$(jq -c '.serviceName = "nosuch"' <<<"$S")"
h_is "snapshot: unknown service 406" "$H_STATUS" 406
h_req POST /api/snapshots -H "$J" -H "$O" --data "$(jq -c '.frames = [{"level":"x"}]' <<<"$S")"
h_is "snapshot: bad frames 422" "$H_STATUS $(jq -c '.detail[0].loc' <<<"$H_BODY")" '422 ["body","frames"]'
h_req POST /api/snapshots -H "$J" -H "$O" --data "$(jq -c '.filter = {"filter":{"$and":[{"X":{"$eq":"y"}}]}}' <<<"$S")"
h_is "snapshot: bad filter 422" "$H_STATUS" 422

# --- answers from the sample store ----------------------------------------------
h_req GET "/api/v1/filters/tags/HostName?$Q"
if [ "$H_STATUS" = 502 ]; then
	h_log "SKIP sample-store answers: ember-fcgi was built without the sample store"
	h_is "without the sample store: 502 as the old server without its data service" "$H_BODY" '"Failed connect to flamedb api"'
else
	source "$(dirname "$0")/ui_data.sh"
	source "$(dirname "$0")/ui_loaded.sh"
fi

h_req GET /api/health
h_is "still serving" "$H_STATUS" 200
h_done
