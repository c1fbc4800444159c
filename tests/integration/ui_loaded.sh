# ui_loaded.sh - sourced by t_api_ui.sh when ember-fcgi has the sample
# store: the answers over profiles written by the sample store's writer
# (tests/integration/flame_load, the workers' path from a parsed profile),
# with values worked out by hand from tests/data/ui/loaded/p1..p4:
#
#   profile  start    host        instance type   cpu  mem  cores  container (samples)
#   p1       10:00    h1          m5.large         20   40   4      c1 (30)
#   p2       10:01    $EVIL_HOST  $EVIL_TYPE       60   80   8      web'--" (20)
#   p3       10:02    h1          m5.large         40   50   4      c1 (10)
#   p4       10:03    h3          m5.large         40   30   2      ecs-shopfam-3-api-0a1b (5):
#                                                                   name api_shopfam, env shopfam
#
# Uses t_api_ui.sh's variables and helpers (uri, types, UI).
LOAD=$EMBER_BUILD/tests/integration/flame_load
[ -x "$LOAD" ] || h_die "build $LOAD first (make check)"
LD=$H_ROOT/tests/data/ui/loaded
EVIL_HOST="h2'; DROP TABLE Services;--"
EVIL_TYPE="x' OR '1'='1"
h_sql "INSERT INTO Services (name) VALUES ('shop')" >/dev/null
SHOP=$(h_sql "SELECT id FROM Services WHERE name = 'shop'")
L0=1714644000 # 2024-05-02T10:00:00Z
load() { "$LOAD" "$@" >"$H_RUN/load.out" 2>&1 || h_die "flame_load $*: $(cat "$H_RUN/load.out")"; }
load "$SHOP" ui/p1 h1 "$L0" m5.large "$LD/p1"
load "$SHOP" ui/p2 "$EVIL_HOST" $((L0 + 60)) "$EVIL_TYPE" "$LD/p2"
load "$SHOP" ui/p3 h1 $((L0 + 120)) m5.large "$LD/p3"
load "$SHOP" ui/p4 h3 $((L0 + 180)) m5.large "$LD/p4"
LQ="serviceName=shop&startTime=2024-05-02T10:00:00.000Z&endTime=2024-05-02T11:00:00.000Z"
hf() { uri "$(jq -cn --arg k "$1" --arg v "$2" '{id: "", filter: {"$and": [{($k): {"$eq": $v}}]}}')"; }

# filter tags: objects with name; samples a string for containers, null for hosts
h_req GET "/api/v1/filters/tags/HostName?$LQ"
h_is "loaded tags HostName: shape" "$(types "$H_BODY")" "$(types "$(cat "$UI/tags-HostName.json")")"
h_is "loaded tags HostName: every host once, samples null" "$(jq -c 'sort_by(.name)' <<<"$H_BODY")" \
	"$(jq -cn --arg e "$EVIL_HOST" '[{name: "h1", samples: null}, {name: $e, samples: null}, {name: "h3", samples: null}] | sort_by(.name)')"
h_req GET "/api/v1/filters/tags/ContainerName?$LQ"
h_is "loaded tags ContainerName: shape (samples a string)" "$(types "$H_BODY")" "$(types "$(cat "$UI/tags-ContainerName.json")")"
h_is "loaded tags ContainerName: summed, most first" "$(jq -c . <<<"$H_BODY")" \
	'[{"name":"c1","samples":"40"},{"name":"web'"'"'--\"","samples":"20"},{"name":"api_shopfam","samples":"5"}]'
h_req GET "/api/v1/filters/tags/ContainerEnvName?$LQ"
h_is "loaded tags ContainerEnvName: the ECS family" "$(jq -c . <<<"$H_BODY")" '[{"name":"shopfam","samples":"5"}]'
h_req GET "/api/v1/filters/tags/InstanceType?$LQ"
h_is "loaded tags InstanceType" "$(jq -c 'sort_by(.name)' <<<"$H_BODY")" \
	"$(jq -cn --arg e "$EVIL_TYPE" '[{name: "m5.large", samples: null}, {name: $e, samples: null}] | sort_by(.name)')"
h_req GET "/api/v1/filters/tags/ContainerName?$LQ&filter=$(hf HostName "$EVIL_HOST")"
h_is "tags filtered by a host with SQL metacharacters" "$(jq -c . <<<"$H_BODY")" '[{"name":"web'"'"'--\"","samples":"20"}]'
h_req GET "/api/v1/filters/tags/HostName?$LQ&filter=$(hf InstanceType "$EVIL_TYPE")"
h_is "tags filtered by an instance type with a tautology" "$(jq -c '[.[].name]' <<<"$H_BODY")" "$(jq -cn --arg e "$EVIL_HOST" '[$e]')"
h_req GET "/api/v1/filters/tags/HostName?$LQ&filter=$(hf ContainerName "' OR 1=1 --")"
h_is "tags filtered by a container that matches nothing: 204" "$H_STATUS" 204

# metrics summary: avg_cpu over every profile, memory over each host's maximum
h_req GET "/api/metrics/summary?$LQ"
h_is "loaded summary: shape" "$(types "$H_BODY")" "$(types "$(cat "$UI/summary.json")")"
h_is "loaded summary: values" "$(jq -c '[.avg_cpu, .max_cpu, (.avg_memory * 1000 | round), .max_memory, .uniq_hostnames]' <<<"$H_BODY")" \
	'[40,60,53333,80,3]'
h_req GET "/api/metrics/summary?$LQ&filter=$(hf HostName "$EVIL_HOST")"
h_is "loaded summary: one host with SQL metacharacters" "$(jq -c '[.avg_cpu, .max_cpu, .avg_memory, .max_memory, .uniq_hostnames]' <<<"$H_BODY")" \
	'[60,60,80,80,1]'
h_req GET "/api/metrics/summary?$LQ&filter=$(hf HostName "h1' OR '1'='1")"
h_is "loaded summary: a tautology as host matches nothing: 204" "$H_STATUS" 204
h_req GET "/api/metrics/cpu_trend?$LQ"
h_is "loaded cpu_trend: shape" "$(types "$H_BODY")" "$(types "$(cat "$UI/cpu-trend.json")")"
h_is "loaded cpu_trend: this window, and zeros the week before" \
	"$(jq -c '[.avg_cpu, .max_cpu, (.avg_memory * 1000 | round), .max_memory, .compared_avg_cpu, .compared_max_cpu, .compared_avg_memory, .compared_max_memory]' <<<"$H_BODY")" \
	'[40,60,53333,80,0,0,0,0]'
h_req GET "/api/metrics/instance_type_count?$LQ"
h_is "loaded instance_type_count: shape" "$(types "$H_BODY")" "$(types "$(cat "$UI/instance-type-count.json")")"
h_is "loaded instance_type_count: distinct hosts per type, most first" "$(jq -c . <<<"$H_BODY")" \
	"$(jq -cn --arg e "$EVIL_TYPE" '[{instance_count: 2, instance_type: "m5.large"}, {instance_count: 1, instance_type: $e}]')"
h_req GET "/api/metrics/nodes_cores/summary?$LQ"
h_is "loaded nodes_cores: shape" "$(types "$H_BODY")" "$(types "$(cat "$UI/nodes-cores-summary.json")")"
# 4 host-minutes and 18 core-minutes over the 60 minutes, rounded up
h_is "loaded nodes_cores: over the window" "$(jq -c '[.avg_cores, .avg_nodes]' <<<"$H_BODY")" '[1,1]'
# ... and over the 4 minutes with data: 18/4 = 4.5 -> 5 cores, 1 node
h_req GET "/api/metrics/nodes_cores/summary?$LQ&ignoreZeros=true"
h_is "loaded nodes_cores: ignoreZeros" "$(jq -c '[.avg_cores, .avg_nodes]' <<<"$H_BODY")" '[5,1]'

# buckets: samples per minute, newest first, times with +00:00
h_req GET "/api/metrics/samples?$LQ&requested_interval=1%20minute"
h_is "loaded samples: shape" "$(types "$H_BODY")" "$(types "$(cat "$UI/samples.json")")"
h_is "loaded samples: per minute, newest first" "$(jq -c . <<<"$H_BODY")" \
	'[{"samples":5,"time":"2024-05-02T10:03:00+00:00"},{"samples":10,"time":"2024-05-02T10:02:00+00:00"},{"samples":20,"time":"2024-05-02T10:01:00+00:00"},{"samples":30,"time":"2024-05-02T10:00:00+00:00"}]'
h_req GET "/api/metrics/samples?$LQ&requested_interval=1%20hour"
h_is "loaded samples: one hour bucket" "$(jq -c . <<<"$H_BODY")" '[{"samples":65,"time":"2024-05-02T10:00:00+00:00"}]'
h_req GET "/api/metrics/samples?$LQ&requested_interval=5%20minute&filter=$(hf ContainerName "web'--\"")"
h_is "loaded samples: a container with quotes" "$(jq -c . <<<"$H_BODY")" '[{"samples":20,"time":"2024-05-02T10:00:00+00:00"}]'
h_req GET "/api/metrics/graph?$LQ&requested_interval=1%20minute"
h_is "loaded graph: shape" "$(types "$(jq -c '[.[0]]' <<<"$H_BODY")")" "$(types "$(jq -c '[.[0]]' "$UI/graph.json")")"
h_is "loaded graph: per minute, newest first" "$(jq -c '[.[] | [.time, .avg_cpu, .max_memory]]' <<<"$H_BODY")" \
	'[["2024-05-02T10:03:00+00:00",40,30],["2024-05-02T10:02:00+00:00",40,50],["2024-05-02T10:01:00+00:00",60,80],["2024-05-02T10:00:00+00:00",20,40]]'
h_req GET "/api/metrics/function_cpu?$LQ&functionName=handle"
h_is "loaded function_cpu: shape" "$(types "$H_BODY")" "$(types "$(cat "$UI/function-cpu.json")")"
# 40 of the 65 samples hold handle (the automatic interval of an hour is 1 minute for function_cpu)
h_is "loaded function_cpu: handle's share" "$(jq -c '[.[] | select(.cpu_percentage > 0) | .cpu_percentage] | add' <<<"$H_BODY")" 2
h_req GET "/api/metrics/function_cpu?$LQ&functionName=$(uri "handle' OR '1'='1")"
h_is "loaded function_cpu: a name with SQL metacharacters matches nothing: 204" "$H_STATUS" 204
h_is "Services survived the loaded queries" "$(h_sql "SELECT count(*) FROM Services WHERE name = 'shop'")" 1
