#!/usr/bin/env bash
# bench/soak.sh - the whole stack under steady agent load while faults are
# injected, then an exact account of every upload.
#
#   EMBER_BUILD=/path/to/build bench/soak.sh [DURATION_SECONDS]   (default 600)
#
# Runs PostgreSQL, lighttpd + ember-fcgi (prefork master, 2 children) and
# ember-workers (2 workers, pg queue, fs store) on 127.0.0.1 while
# bench/load.mjs uploads 3 profiles a second (2 ad hoc, 1 continuous; one
# host name each, so every upload can be traced) and 4 hosts heartbeat
# every second.  The duration is cut into cycles of about 60 s; in each:
#
#    8%  SIGKILL a random worker             15%  SIGKILL a random fcgi child
#   20%  two poison messages enqueued (a body that is not JSON, and a file
#        that is not gzip)
#   25%  the store fails for min(10 s, cycle/6): its directories are made
#        immutable (chattr +i), so puts fail with EPERM even for root; first
#        only the flamegraph directory (uploads succeed, indexing retries),
#        for the second half also the raw one (uploads fail)
#   50%  PostgreSQL restarted (pg_ctl stop -m fast; start)
#   62%  SIGHUP to the supervisor (reload: every child replaced)
#   72%  SIGKILL a random worker and a random fcgi child
#   85%  SIGKILL a random child of the supervisor (worker, receiver or acker)
#
# Then the load stops, the queue drains, the supervisor gets SIGTERM and
# the checks run: every upload answered 200 has exactly one raw object, and
# an ad hoc one exactly one metadata row and its HTML object (continuous:
# none); the poison messages, and only they, are dead-lettered with a
# reason; no duplicates; the supervisor exits 0 and no process is left;
# the RSS of the supervisor and of the fcgi master stays within 16 MiB of
# its level after warm-up.  It prints the counts and the fault timeline.
#
# With SOAK_SUMMARY=FILE it also writes key=value lines there (the
# integration test tests/integration/t_soak.sh reads them).  Exit status 0
# when every check passes.
set -u

DUR=${1:-600}
case "$DUR" in '' | *[!0-9]*) echo "usage: bench/soak.sh [SECONDS]" >&2; exit 2 ;; esac
[ "$DUR" -ge 30 ] || { echo "bench/soak.sh: at least 30 seconds" >&2; exit 2; }
SRC=$(cd "$(dirname "$0")/.." && pwd)
: "${EMBER_BUILD:=$SRC}"
export EMBER_BUILD
# shellcheck source=lib.sh
source "$SRC/bench/lib.sh"

[ -x "$EMBER_FCGI" ] && [ -x "$B_WORKERS_BIN" ] || h_die "build first: make -C $EMBER_BUILD"
command -v node >/dev/null && command -v chattr >/dev/null || h_die "needs node and chattr"
h_init
SVC=soak
RATE=3
CYCLES=$((DUR / 60))
[ "$CYCLES" -ge 1 ] || CYCLES=1
CYC=$((DUR * 1000 / CYCLES))	# ms
OUTAGE=$((CYC / 6000))
[ "$OUTAGE" -le 10 ] || OUTAGE=10
[ "$OUTAGE" -ge 3 ] || OUTAGE=3

say() { printf '# %s\n' "$*"; }
T_START=$(date +%s%3N)
elapsed() { echo $(( $(date +%s%3N) - T_START )); }
event() {
	local ms
	ms=$(elapsed)
	printf '%7.1fs  %s\n' "$(b_calc "$ms / 1000")" "$*" >>"$H_RUN/timeline"
}

# The stack.  Retries outlast an outage: 10 receives, back-off 1..5 s.
b_stack
export EMBER_LOG_LEVEL=${EMBER_LOG_LEVEL:-warn}
export EMBER_QUEUE_WAIT=1 EMBER_QUEUE_VISIBILITY=15 EMBER_QUEUE_MAX_RECEIVES=10
export EMBER_WORKERS_RETRY_BASE=1 EMBER_WORKERS_RETRY_MAX=5 EMBER_WORKERS_RESPAWN_MIN=0
export EMBER_WORKERS_SHUTDOWN_TIMEOUT=20 EMBER_WORKERS_JOB_TIMEOUT=30
printf '# bench/soak.sh: everything else comes from EMBER_* variables\n[log]\nlevel = warn\n' \
	>"$H_RUN/ember.ini"
SID=$(h_sql "INSERT INTO Services (name) VALUES ('$SVC') RETURNING id")
RAW="$B_OBJ/products/$SVC/stacks"
mkdir -p "$RAW/flamegraph"
h_on_exit "chattr -R -i '$B_OBJ'"
b_web 2 -c "$H_RUN/ember.ini"
b_workers 2 -c "$H_RUN/ember.ini"
SUP=$B_WORKERS_PID
say "stack up under $H_RUN: http $H_HTTP, fcgi master $B_FCGI_PID, supervisor $SUP; $DUR s, $CYCLES cycle(s)"

# Faults.
kill_worker() {
	local pids p
	pids=$(jq -r '.workers[] | select(.pid > 0) | .pid' "$EMBER_WORKERS_STATUS_FILE" 2>/dev/null)
	p=$(shuf -n 1 <<<"$pids")
	[ -n "$p" ] && kill -KILL "$p" 2>/dev/null && event "SIGKILL worker $p" && return
	event "SIGKILL worker: none found"
}
kill_child() {
	local p
	p=$(b_children "$SUP" | shuf -n 1)
	[ -n "$p" ] && kill -KILL "$p" 2>/dev/null && event "SIGKILL supervisor child $p" && return
	event "SIGKILL supervisor child: none found"
}
kill_fcgi() {
	local p
	p=$(b_children "$B_FCGI_PID" | shuf -n 1)
	[ -n "$p" ] && kill -KILL "$p" 2>/dev/null && event "SIGKILL fcgi child $p" && return
	event "SIGKILL fcgi child: none found"
}
POISON=0
poison() {
	local n=$1 bad
	bad="2026-01-01T00:00:00_$(printf '%032x' $((900000 + n)))_$(printf poison | md5sum | cut -c1-32).gz"
	printf 'this is not gzip\n' >"$RAW/$bad"
	h_sql "INSERT INTO ember_job_queue (queue, body) VALUES
		('indexer', 'not json {{ poison $n'),
		('indexer', '{\"filename\": \"$bad\", \"service\": \"$SVC\", \"service_id\": $SID}')" >/dev/null &&
		POISON=$((POISON + 2))
	event "poison: 2 messages (not JSON; $bad is not gzip)"
}
store_down_html() {
	chattr +i "$RAW/flamegraph" 2>/dev/null
	event "store failing for workers: chattr +i on the flamegraph directory"
}
store_down() {
	chattr +i "$RAW" 2>/dev/null
	event "store failing for uploads too: chattr +i on the raw directory"
}
store_up() {
	chattr -i "$RAW" "$RAW/flamegraph" 2>/dev/null
	event "store back"
}
pg_restart() {
	event "PostgreSQL restart begins"
	h_pg_ctl restart || h_pg_ctl start
	event "PostgreSQL restart done"
}
hup() { kill -HUP "$SUP" && event "SIGHUP supervisor $SUP"; }

# Schedule: "ms action" lines, sorted.
: >"$H_RUN/schedule"
for ((c = 0; c < CYCLES; c++)); do
	b=$((c * CYC))
	{
		echo "$((b + CYC * 8 / 100)) kill_worker"
		echo "$((b + CYC * 15 / 100)) kill_fcgi"
		echo "$((b + CYC * 20 / 100)) poison $c"
		echo "$((b + CYC * 25 / 100)) store_down_html"
		echo "$((b + CYC * 25 / 100 + OUTAGE * 500)) store_down"
		echo "$((b + CYC * 25 / 100 + OUTAGE * 1000)) store_up"
		echo "$((b + CYC * 50 / 100)) pg_restart"
		echo "$((b + CYC * 62 / 100)) hup"
		echo "$((b + CYC * 72 / 100)) kill_worker"
		echo "$((b + CYC * 72 / 100 + 1)) kill_fcgi"
		echo "$((b + CYC * 85 / 100)) kill_child"
	} >>"$H_RUN/schedule"
done
sort -n -o "$H_RUN/schedule" "$H_RUN/schedule"

# RSS samples: "ms supervisor_kib fcgi_master_kib fcgi_children_max_kib".
sample() {
	local m=0 k p
	for p in $(b_children "$B_FCGI_PID"); do
		k=$(b_kib "$p" VmRSS)
		[ "$k" -gt "$m" ] && m=$k
	done
	echo "$(elapsed) $(b_kib "$SUP" VmRSS) $(b_kib "$B_FCGI_PID" VmRSS) $m" >>"$H_RUN/rss"
}

# Load, faults and samples.
T_START=$(date +%s%3N)
event "load starts: $RATE uploads/s, 4 hosts heartbeating every second"
node "$SRC/bench/load.mjs" soak --server "$H_HTTP" --key "$B_KEY" --service "$SVC" \
	--rate "$RATE" --duration "$DUR" --hb-hosts 4 --hb-interval 1 --html-kib 8 \
	--out "$H_RUN/load.log" >"$H_RUN/load.summary" 2>>"$H_RUN/load.err" &
LOADPID=$!
H_PIDS+=("$LOADPID")
next_sample=0
while read -r at action; do
	while [ "$(elapsed)" -lt "$at" ]; do
		if [ "$(elapsed)" -ge "$next_sample" ]; then
			sample
			next_sample=$((next_sample + 2000))
		fi
		sleep 0.2
	done
	$action
done <"$H_RUN/schedule"
while kill -0 "$LOADPID" 2>/dev/null; do
	if [ "$(elapsed)" -ge "$next_sample" ]; then
		sample
		next_sample=$((next_sample + 2000))
	fi
	sleep 0.2
done
wait "$LOADPID"
event "load stopped: $(cat "$H_RUN/load.summary")"

# Drain: nothing left in the queue and nothing in flight.
drained=no
for _ in $(seq 240); do
	if [ "$(h_sql "SELECT count(*) FROM ember_job_queue WHERE queue = 'indexer'")" = 0 ] &&
		[ "$(b_status in_flight)" = 0 ]; then
		drained=yes
		break
	fi
	sleep 0.5
done
event "queue drained: $drained"
sample
sleep 1.2	# one more status refresh
RETRIED=$(b_status counters.retried)
DEATHS=$(b_status counters.deaths)

# SIGTERM the supervisor; it must exit 0 and leave no child behind.
children=$(b_children "$SUP" | tr '\n' ' ')
kill -TERM "$SUP"
t0=$(elapsed)
wait "$SUP"
SUP_RC=$?
event "SIGTERM supervisor: exit $SUP_RC after $(( $(elapsed) - t0 )) ms"
sleep 0.5
left=0
for p in $children; do
	kill -0 "$p" 2>/dev/null && left=$((left + 1))
done
kill -TERM "$B_FCGI_PID"
fcgi_children=$(b_children "$B_FCGI_PID" | tr '\n' ' ')
for _ in $(seq 50); do kill -0 "$B_FCGI_PID" 2>/dev/null || break; sleep 0.1; done
sleep 0.3
for p in $fcgi_children; do
	kill -0 "$p" 2>/dev/null && left=$((left + 1))
done
kill -0 "$B_FCGI_PID" 2>/dev/null && left=$((left + 1))
# any process still running our config (workers and fcgi both got -c)
stray=$(pgrep -f -- "$H_RUN/ember.ini" | grep -vx "$$" | wc -l)
left=$((left + stray))
event "processes left after SIGTERM: $left"

# The account.
python3 - "$H_RUN/load.log" "$RAW" "$SVC" >"$H_RUN/account" <<'PY' || h_die "account failed"
import hashlib, os, subprocess, sys
log, raw, svc = sys.argv[1:4]
def sql(q):
    out = subprocess.run(["psql", "-X", "-q", "-At", "-F", "\t", "-c", q],
                         capture_output=True, text=True, check=True).stdout
    return [l.split("\t") for l in out.splitlines() if l]
ups = {}
hb = hb_ok = 0
for line in open(log):
    f = line.split()
    if f[0] == "up":
        ups[f[3]] = (f[2], int(f[4]))
    elif f[0] == "hb":
        hb += 1
        hb_ok += f[2] == "200"
raw_by_md5 = {}
for name in os.listdir(raw):
    if name.endswith(".gz"):
        m = name[:-3].rsplit("_", 1)[-1]
        raw_by_md5[m] = raw_by_md5.get(m, 0) + 1
html = set(os.listdir(os.path.join(raw, "flamegraph")))
rows = {}
for host, key in sql("SELECT hostname, s3_key FROM AdhocFlamegraphMetadata a "
                     "JOIN Services s ON s.id = a.service_id WHERE s.name = '%s'" % svc):
    rows.setdefault(host, []).append(key)
dead = sql("SELECT body, reason FROM ember_job_dead_letter WHERE queue = 'indexer'")
queue_left = int(sql("SELECT count(*) FROM ember_job_queue")[0][0])
acc = {h: k for h, (k, st) in ups.items() if st == 200}
acc_adhoc = [h for h, k in acc.items() if k == "adhoc"]
lost = dup = no_html = 0
for h, kind in acc.items():
    n = raw_by_md5.get(hashlib.md5(h.encode()).hexdigest(), 0)
    r = rows.get(h, [])
    if n == 0:
        lost += 1
    elif n > 1:
        dup += 1
    if kind == "adhoc":
        if len(r) == 0:
            lost += 1
        elif len(r) > 1:
            dup += 1
        elif r[0].rsplit("/", 1)[-1] not in html:
            no_html += 1
    elif r:
        dup += 1  # a continuous profile must not get a row
indexed = sum(1 for h in acc_adhoc if len(rows.get(h, [])) == 1)
unacked_rows = sum(1 for h in rows if h not in acc)
poison_md5 = hashlib.md5(b"poison").hexdigest()
dead_poison = sum(1 for b, r in dead if ("poison" in b or poison_md5 in b) and r.strip())
dead_other = len(dead) - dead_poison
dead_accepted = sum(1 for b, r in dead for h in acc
                    if hashlib.md5(h.encode()).hexdigest() in b)
print(f"uploads={len(ups)}")
print(f"accepted={len(acc)}")
print(f"accepted_adhoc={len(acc_adhoc)}")
print(f"accepted_continuous={len(acc) - len(acc_adhoc)}")
print(f"rejected={len(ups) - len(acc)}")
print(f"indexed={indexed}")
print(f"lost={lost}")
print(f"duplicated={dup}")
print(f"missing_html={no_html}")
print(f"rows_of_unacknowledged_uploads={unacked_rows}")
print(f"dead_lettered={len(dead)}")
print(f"dead_poison_with_reason={dead_poison}")
print(f"dead_other={dead_other + dead_accepted}")
print(f"queue_left={queue_left}")
print(f"heartbeats={hb}")
print(f"heartbeats_ok={hb_ok}")
for b, r in dead:
    print(f"# dead letter: {b[:70]!r}: {r[:120]}")
PY

# Memory: warm-up level = max over the first quarter, end level = max over
# the last quarter (including the sample after the drain).
read -r sup0 sup1 fm0 fm1 fc < <(awk '{ t[NR] = $1; s[NR] = $2; m[NR] = $3; c = ($4 > c ? $4 : c) }
	END {
		q = int(NR / 4); if (q < 1) q = 1
		for (i = 1; i <= q; i++) { if (s[i] > s0) s0 = s[i]; if (m[i] > m0) m0 = m[i] }
		for (i = NR - q + 1; i <= NR; i++) { if (s[i] > s1) s1 = s[i]; if (m[i] > m1) m1 = m[i] }
		print s0 + 0, s1 + 0, m0 + 0, m1 + 0, c + 0
	}' "$H_RUN/rss")

{
	cat "$H_RUN/account"
	echo "poison_injected=$POISON"
	echo "jobs_retried=${RETRIED:-?}"
	echo "worker_deaths=${DEATHS:-?}"
	echo "drained=$drained"
	echo "supervisor_exit=$SUP_RC"
	echo "processes_left=$left"
	echo "supervisor_rss_kib_start=$sup0"
	echo "supervisor_rss_kib_end=$sup1"
	echo "fcgi_master_rss_kib_start=$fm0"
	echo "fcgi_master_rss_kib_end=$fm1"
	echo "fcgi_child_rss_kib_max=$fc"
	echo "rss_growth_ok=$([ "$sup1" -le $((sup0 + 16384)) ] && [ "$fm1" -le $((fm0 + 16384)) ] && echo yes || echo no)"
} | grep -v '^#' >"$H_RUN/summary"
[ -n "${SOAK_SUMMARY:-}" ] && cp "$H_RUN/summary" "$SOAK_SUMMARY"

get() { sed -n "s/^$1=//p" "$H_RUN/summary"; }
echo "== soak: $DUR s, $CYCLES cycle(s) =="
echo "fault timeline:"
cat "$H_RUN/timeline"
grep '^# dead letter' "$H_RUN/account"
printf 'counts: uploads %s, accepted %s (ad hoc %s, continuous %s), indexed %s, dead-lettered %s (poison %s of %s injected), lost %s, duplicated %s\n' \
	"$(get uploads)" "$(get accepted)" "$(get accepted_adhoc)" "$(get accepted_continuous)" \
	"$(get indexed)" "$(get dead_lettered)" "$(get dead_poison_with_reason)" "$POISON" \
	"$(get lost)" "$(get duplicated)"
printf 'heartbeats %s (%s ok); rows of uploads answered non-200: %s; jobs retried %s; child deaths %s\n' \
	"$(get heartbeats)" "$(get heartbeats_ok)" "$(get rows_of_unacknowledged_uploads)" \
	"$(get jobs_retried)" "$(get worker_deaths)"
printf 'RSS KiB: supervisor %s -> %s, fcgi master %s -> %s, fcgi child max %s\n' \
	"$sup0" "$sup1" "$fm0" "$fm1" "$fc"
ok=yes
[ "$(get lost)" = 0 ] && [ "$(get duplicated)" = 0 ] && [ "$(get missing_html)" = 0 ] &&
	[ "$(get indexed)" = "$(get accepted_adhoc)" ] && [ "$(get accepted)" -gt 0 ] &&
	[ "$(get dead_poison_with_reason)" = "$POISON" ] && [ "$(get dead_other)" = 0 ] &&
	[ "$(get queue_left)" = 0 ] && [ "$drained" = yes ] && [ "$SUP_RC" = 0 ] &&
	[ "$left" = 0 ] && [ "$(get rss_growth_ok)" = yes ] || ok=no
echo "result: $([ $ok = yes ] && echo PASS || echo FAIL)"
[ $ok = yes ]
