#!/usr/bin/env bash
# t_ingest.sh - ingestion end to end on PostgreSQL + fs store + pg queue:
# ad hoc (plain and base64 HTML) -> object with identical bytes + row;
# continuous (run_arguments and metadata fallback) -> object, no row; no
# HTML -> acknowledged; perf_mode disabled -> NULL perf_events; poison
# messages mixed in -> one dead letter each with its reason; redelivery
# changes nothing; status file; SIGTERM -> exit 0.
source "$(dirname "$0")/../harness/lib.sh"
source "$(dirname "$0")/../harness/api.sh"
source "$(dirname "$0")/ingest_lib.sh"

h_init
export EMBER_QUEUE_MAX_RECEIVES=3
i_setup

A=$(i_name 1)
B=$(i_name 2)
C=$(i_name 3)
D=$(i_name 4)
E=$(i_name 5)
F=$(i_name 6 "host_with/odd chars")
i_put "$A" --html plain --html-kb 64
i_put "$B" --html base64 --host ip-10-0-1-6
i_put "$C" --continuous run
i_put "$D" --continuous meta
i_put "$E" --html none --htmlblob
i_put "$F" --perf-mode disabled --host "host_with/odd chars" --duration 0
# poison material
printf 'this is not gzip' >"$I_RAW/$(i_name 20)"
printf '# {"metadata": {"hostname": "h"' | gzip -c >"$I_RAW/$(i_name 21)"
python3 -c 'import sys; sys.stdout.write("# {\"a\": \"" + "x" * 3000000 + "\"}\n")' |
	gzip -c >"$I_RAW/$(i_name 22)"
head -c 300000 /dev/zero | gzip -c >"$I_RAW/$(i_name 23)"
# a directory where its flamegraph goes: every put fails, retryably
i_put "$(i_name 24)"
K24=$(i_name 24)
mkdir -p "$I_OBJ/products/checkout/stacks/flamegraph/${K24%_*}_ip-10-0-1-5_adhoc_flamegraph.html"

for n in "$A" "$B" "$C" "$D" "$E" "$F"; do i_send "$(i_msg "$n")"; done
i_send 'not json at all'
i_send '{"filename": "x.gz", "service": "checkout"}'
i_send "{\"filename\": \"../../etc/passwd\", \"service\": \"checkout\", \"service_id\": $I_SID}"
i_send "$(i_msg "$(i_name 20)")"
i_send "$(i_msg "$(i_name 21)")"
i_send "$(i_msg "$(i_name 22)")"
i_send "$(i_msg "$(i_name 99)")"
i_send "$(i_msg "$(i_name 24)")"
i_send "{\"filename\": \"x.gz\", \"pad\": \"$(head -c 70000 /dev/zero | tr '\0' x)\"}"
G=$(i_name 7)
i_put "$G"
i_send "{\"filename\": \"$G\", \"service\": \"checkout\", \"service_id\": 987654}"

# Leftovers of writes killed mid-way: an old one (swept at start-up) and
# one that may belong to a write in progress (kept).
mkdir -p "$I_OBJ/products/checkout/stacks"
touch -d '1 hour ago' "$I_OBJ/products/checkout/stacks/.ember-tmp.1.1.1"
touch "$I_OBJ/products/checkout/stacks/.ember-tmp.2.2.2"
export EMBER_WORKERS_MAX_HEADER=1M EMBER_WORKERS_MAX_GUNZIP=4M
i_start
h_ok "queue drained" i_wait_idle 40

KA="products/checkout/stacks/flamegraph/${A%_*}_ip-10-0-1-5_adhoc_flamegraph.html"
KB="products/checkout/stacks/flamegraph/${B%_*}_ip-10-0-1-6_adhoc_flamegraph.html"
KF="products/checkout/stacks/flamegraph/${F%_*}_host-with-odd-chars_adhoc_flamegraph.html"
h_ok "plain HTML stored byte for byte" cmp -s <(i_html "$A") "$I_OBJ/$KA"
h_ok "base64 HTML stored decoded" cmp -s <(i_html "$B") "$I_OBJ/$KB"
h_is "content type" "$(grep -h Content-Type "$I_OBJ/.ember-meta/$KA" 2>/dev/null)" \
	"Content-Type: text/html; charset=utf-8"
h_is "row for plain" "$(h_sql "SELECT service_id, hostname, perf_events, start_time, end_time, file_size
	FROM AdhocFlamegraphMetadata WHERE s3_key = '$KA'")" \
	"$I_SID|ip-10-0-1-5|{cycles,cache-misses}|2026-03-11 10:00:01|2026-03-11 10:01:01|$(stat -c %s "$I_OBJ/$KA")"
h_is "row for base64" "$(h_sql "SELECT hostname, file_size FROM AdhocFlamegraphMetadata WHERE s3_key = '$KB'")" \
	"ip-10-0-1-6|$(i_html "$B" | wc -c)"
h_is "perf_mode disabled: NULL perf_events, sanitised key" \
	"$(h_sql "SELECT hostname, coalesce(perf_events::text, 'NULL'), start_time = end_time FROM AdhocFlamegraphMetadata WHERE s3_key = '$KF'")" \
	"host_with/odd chars|NULL|t"
h_is "ad hoc rows (one rendered by ember)" "$(i_count_rows)" 4
# The unknown service's row is refused after its object was written: the
# dead letter removes the object again (no object without a row).
h_is "ad hoc objects (none left for the unknown service)" "$(i_count_objects adhoc)" 4
h_ok "stale .ember-tmp file swept at start-up" test ! -e "$I_OBJ/products/checkout/stacks/.ember-tmp.1.1.1"
h_ok "recent .ember-tmp file kept" test -e "$I_OBJ/products/checkout/stacks/.ember-tmp.2.2.2"
h_is "continuous objects (run_arguments and metadata fallback)" "$(i_count_objects continuous)" 2
h_ok "continuous HTML stored" cmp -s <(i_html "$C") \
	"$I_OBJ/products/checkout/stacks/flamegraph/${C%_*}_ip-10-0-1-5_continuous_flamegraph.html"
h_is "sample store: the continuous profile is indexed (one record)" \
	"$(h_sql "SELECT count(*) FROM smp_profile WHERE key = 'products/checkout/stacks/$C'")" 1
h_is "sample store: ... with every sample of its 20 stack lines" \
	"$(h_sql "SELECT sum(n) FROM smp_sample s JOIN smp_profile p ON p.id = s.prof WHERE p.key = 'products/checkout/stacks/$C'")" 210
h_is "sample store: ... and in the hourly rollup" \
	"$(h_sql "SELECT sum(n) FROM smp_sample_1h h JOIN smp_src s ON s.id = h.src WHERE s.host = 'ip-10-0-1-5' AND h.service_id = (SELECT service_id FROM smp_profile WHERE key = 'products/checkout/stacks/$C')")" \
	"$(h_sql "SELECT sum(n) FROM smp_sample s JOIN smp_src c ON c.id = s.src WHERE c.host = 'ip-10-0-1-5' AND s.service_id = (SELECT service_id FROM smp_profile WHERE key = 'products/checkout/stacks/$C')")"
h_is "sample store: ad hoc profiles are tied to their metadata row" \
	"$(h_sql "SELECT count(*) FROM smp_profile p JOIN AdhocFlamegraphMetadata m ON m.s3_key = p.adhoc_key")" 4
KE=$(find "$I_OBJ/products" -path "*${E%_*}*" -name '*_adhoc_flamegraph.html')
h_is "an ad hoc profile without the agent's page gets one rendered by ember" \
	"$(wc -l <<<"$KE")" 1
h_ok "... a self-contained page of its stacks" \
	bash -c 'grep -q "<!DOCTYPE html>" "$1" && ! grep -q "src=\"http" "$1" && grep -q "$2" "$1"' _ "$KE" \
	"$(sed -n 2p "$H_RUN/src/${E%.gz}.txt" | awk '{print $1}' | awk -F';' '{print $NF}')"
h_is "htmlblob decoded, gunzipped and stored next to the profile" \
	"$(cat "$I_RAW/${E%.gz}.html")" "<html>perfspect</html>"
h_is "dead letters" "$(i_count_dead)" 10
reasons=$(h_sql "SELECT reason FROM ember_job_dead_letter ORDER BY reason")
h_ok "reason: body not JSON" grep -q '^malformed message body' <<<"$reasons"
h_ok "reason: missing service_id" grep -q 'service_id' <<<"$reasons"
h_ok "reason: unsafe filename" grep -q 'unsafe "filename"' <<<"$reasons"
h_ok "reason: bad gzip" grep -q '^bad gzip data' <<<"$reasons"
h_ok "reason: bad header JSON" grep -q '^bad header JSON' <<<"$reasons"
h_ok "reason: header over the cap" grep -q '^header line over 1048576 bytes' <<<"$reasons"
h_ok "reason: missing object" grep -q '^get products/checkout/stacks/.*' <<<"$reasons"
h_ok "reason: unknown service (foreign key)" grep -q '^metadata row refused' <<<"$reasons"
h_ok "reason: retried up to queue.max_receives, then the last error" \
	grep -q '^gave up after 3 receives: put products/checkout/stacks/flamegraph/.*' <<<"$reasons"
h_is "retried twice before that" "$(i_status counters.retried)" 2
h_ok "reason: body too big for a job frame (receiver)" \
	grep -q '^message body too big for a job$' <<<"$reasons"
h_is "status: done" "$(i_status counters.done)" 6
h_is "status: dead-lettered" "$(i_status counters.dead_lettered)" 9
h_is "status: adhoc/continuous/no_html" \
	"$(i_status counters.adhoc)/$(i_status counters.continuous)/$(i_status counters.no_html)" "4/2/0"
h_is "status: workers" "$(i_status workers.1.state)" IDLE

# zip bomb: 300 kB of zeros gunzip past a 200 kB cap -> poison
before=$(i_count_dead)
kill "$I_PID"; wait "$I_PID"
EMBER_WORKERS_MAX_GUNZIP=200K EMBER_WORKERS_MAX_HEADER=100K i_start
i_send "$(i_msg "$(i_name 23)")"
# redelivery of a done message changes nothing
sum=$(md5sum <"$I_OBJ/$KA")
i_send "$(i_msg "$A")"
h_ok "queue drained again" i_wait_idle 20
h_is "zip bomb dead-lettered" "$(h_sql "SELECT count(*) FROM ember_job_dead_letter WHERE reason LIKE 'gunzipped profile over 204800 bytes%'")" 1
h_is "redelivery: still 4 rows" "$(i_count_rows)" 4
h_is "redelivery: the sample store counted nothing twice" \
	"$(h_sql "SELECT sum(n) FROM smp_sample s JOIN smp_profile p ON p.id = s.prof WHERE p.key = 'products/checkout/stacks/$C'")" 210
ADM="$EMBER_BUILD/workers/ember-admin"
h_ok "ember-admin samples status" bash -c "EMBER_CONFIG=/dev/null '$ADM' samples status | grep -q '^backend *pg'"
h_ok "ember-admin samples reindex --since --service" \
	bash -c "EMBER_CONFIG=/dev/null '$ADM' samples reindex --since 2000-01-01T00:00:00 --service checkout >'$H_RUN/reindex.out'"
h_is "reindex: same samples afterwards (rows rewritten, not added)" \
	"$(h_sql "SELECT sum(n) FROM smp_sample s JOIN smp_profile p ON p.id = s.prof WHERE p.key = 'products/checkout/stacks/$C'")" 210
h_is "reindex: the rollup holds each sample once" \
	"$(h_sql "SELECT sum(n) FROM smp_sample_1h")" "$(h_sql "SELECT sum(n) FROM smp_sample")"
h_is "redelivery: same object" "$(md5sum <"$I_OBJ/$KA")" "$sum"
h_is "dead letters" "$(i_count_dead)" $((before + 1))
i_stop

# SIGHUP under load: every child is replaced, no job is dropped.
printf '[workers]\nretry_base = 1\n' >"$H_RUN/ember.ini"
i_start -c "$H_RUN/ember.ini"
rows=$(i_count_rows)
i_batch 1000 30
sleep 0.2
kill -HUP "$I_PID"
h_ok "queue drained across a reload" i_wait_idle 30
h_is "reload: one row per message" "$(i_count_rows)" $((rows + 30))
h_is "reload: no new dead letters" "$(i_count_dead)" $((before + 1))
h_is "reload: new generation" "$(i_status generation)" 1
h_ok "reload: workers replaced" test "$(i_status counters.spawns)" -ge 4
h_ok "reload: logged" grep -q 'SIGHUP from pid [0-9]*: reloading configuration' "$I_LOG"
printf '[workers]\nno_such_key = 1\n' >"$H_RUN/ember.ini"
kill -HUP "$I_PID"
h_ok "bad reload: refused and logged" i_wait_for 5 grep -q 'reload failed, keeping the old configuration' "$I_LOG"
h_ok "bad reload: still running" kill -0 "$I_PID"
children=$(pgrep -P "$I_PID" | tr '\n' ' ')
h_is "children: workers + receiver + acker" "$(wc -w <<<"$children")" 4
i_stop
h_is "SIGTERM exits 0" "$I_RC" 0
h_is "status: stopped" "$(i_status state)" stopped
h_ok "no child left" bash -c "! kill -0 $children 2>/dev/null"

# A second SIGTERM does not wait for running jobs: everything is killed.
export EMBER_WORKERS_JOB_TIMEOUT=3 EMBER_QUEUE_VISIBILITY=1
i_start
rows=$(i_count_rows)
i_lock 3
i_batch 2000 2
h_ok "two jobs blocked" i_wait_for 5 i_busy 2
children=$(pgrep -P "$I_PID" | tr '\n' ' ')
t0=$(date +%s%N)
kill -TERM "$I_PID"
sleep 0.3
kill -TERM "$I_PID"
wait "$I_PID"
I_RC=$?
h_is "second SIGTERM: exit 1" "$I_RC" 1
h_ok "second SIGTERM: at once" test $((($(date +%s%N) - t0) / 1000000)) -lt 1500
h_ok "second SIGTERM: children killed" bash -c "! kill -0 $children 2>/dev/null"
wait "$I_LOCKPID"
# queue.wait 10 s: the stop of the idle pool below must not wait it out.
EMBER_QUEUE_WAIT=10 i_start
h_ok "the killed jobs come back and finish" i_wait_idle 20
h_is "one row per message" "$(i_count_rows)" $((rows + 2))
# An empty queue has no lag (not "unknown"), in the file and in the log.
lag_zero() { [ "$(i_status queue.lag_s)" = 0 ]; }
h_ok "empty queue: lag_s 0 in the status file" i_wait_for 15 lag_zero
# An idle pool stops at once: the receiver's long poll (queue.wait, 10 s)
# is cut short instead of being waited out.
sleep 1.5
t0=$(date +%s%N)
i_stop
h_is "SIGTERM exits 0" "$I_RC" 0
h_ok "idle pool: SIGTERM stops it within 2 s" test $((($(date +%s%N) - t0) / 1000000)) -lt 2000
h_ok "log has a periodic status line" grep -q 'running: done=' "$I_LOG"
h_ok "empty queue: lag=0s in the log" grep -q 'running: .* queue=0 lag=0s ' "$I_LOG"
h_ok "no lag=-1s in the log" bash -c "! grep -q 'lag=-1s' '$I_LOG'"
h_is "--help: usage on stdout, exit 0" "$("$I_BIN" --help 2>&1 >/dev/null; echo "rc=$?")" "rc=0"
h_ok "--help: usage" bash -c "'$I_BIN' --help | grep -q '^usage: ember-workers'"
h_done
