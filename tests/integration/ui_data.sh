# ui_data.sh - sourced by t_api_ui.sh when ember-fcgi has the sample
# store: the answers for a service that has no samples yet (the "no data"
# forms of every endpoint).  Uses t_api_ui.sh's variables.
for t in HostName ContainerName ContainerEnvName InstanceType; do
	h_req GET "/api/v1/filters/tags/$t?$Q"
	h_is "tags $t: no samples 204, empty body" "$H_STATUS [$H_BODY]" "204 []"
done
for ep in summary nodes_cores/summary instance_type_count samples graph html_metadata; do
	h_req GET "/api/metrics/$ep?$Q&filter=$(uri '{"filter":{"$and":[{"HostName":{"$eq":"h1"}}]}}')"
	h_is "$ep: no samples 204" "$H_STATUS [$H_BODY]" "204 []"
done
h_req GET "/api/metrics/function_cpu?$Q&functionName=$(uri "main'--")"
h_is "function_cpu: no samples 204 (name with SQL metacharacters)" "$H_STATUS" 204
h_req GET "/api/metrics/nodes_cores/summary?$Q&ignoreZeros=true"
h_is "nodes_cores ignoreZeros with no data: 204, not 500" "$H_STATUS" 204
h_req GET "/api/metrics/cpu_trend?$Q&filter=$(uri '{"filter":{"$and":[{"ContainerName":{"$eq":"c"}}]}}')"
h_is "cpu_trend: container filter 200, not 502" "$H_STATUS" 200
h_is "cpu_trend: shape" "$(types "$H_BODY")" "$(types "$(cat "$UI/cpu-trend.json")")"
h_is "cpu_trend: zeros" "$(jq -c '[.[]] | unique' <<<"$H_BODY")" "[0]"
h_req GET "/api/metrics/graph/nodes_and_cores?$Q&requested_interval=5%20minutes"
h_is "nodes_and_cores graph: no data 200 []" "$H_STATUS $H_BODY" "200 []"
h_req GET "/api/metrics/samples?serviceName=checkout&startTime=2024-05-01T11:00:00Z&endTime=2024-05-01T10:00:00Z"
h_is "samples: empty (reversed) range 204" "$H_STATUS" 204
h_req GET "/api/v1/filters/tags/HostName?serviceName=checkout&startTime=2024-05-01T11:00:00Z&endTime=2024-05-01T10:00:00Z"
h_is "tags: reversed range 204" "$H_STATUS" 204
h_req GET "/api/metrics/summary?serviceName=checkout&startTime=2024-05-01T10:00:00Z&endTime=2024-05-01T10:00:00Z"
h_is "summary: empty range 204" "$H_STATUS" 204
h_req GET /api/overview
h_is "overview: shape" "$(types "$H_BODY")" "$(types "$(cat "$UI/overview.json")")"
h_is "overview: services counted (visible ones)" "$(jq .services <<<"$H_BODY")" 4
h_req GET /api/overview/services
h_is "overview/services: shape (no data: lastUpdated null)" \
	"$(types "$(jq -c '[.[] | select(.serviceName == "checkout")]' <<<"$H_BODY")")" \
	"$(types "$(jq -c '.[0].lastUpdated = null' "$UI/overview-services.json")")"
h_is "overview/services: naive createDate" "$(jq -r '.[] | select(.serviceName == "checkout") | .createDate' <<<"$H_BODY")" "2024-04-02T08:11:03.120000"
