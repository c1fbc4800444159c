#!/bin/bash
# t_conf.sh - every example in conf/ started once, as an operator would:
#
#   ember.ini, ember-minimal.ini   load in ember-admin and ember-workers -t
#   lighttpd.conf                  its five variables rewritten (as scripts/run
#                                  does); static UI, auth split, the API
#   apache.conf                    Defines rewritten, Included from a small
#                                  server config; ember-fcgi -s SOCK -n 2 as
#                                  the FastCGI backend; same checks
#   supervisord.conf               lighttpd + workers RUNNING, the fcgi program
#                                  on demand, shutdown
#   systemd/*.service              systemd-analyze verify (paths rewritten to
#                                  this build), else skipped
#
#     EMBER_BUILD=/tmp/build bash tests/integration/t_conf.sh
source "$(dirname "$0")/../harness/lib.sh"

CONF=$H_ROOT/conf
ADMIN=$EMBER_BUILD/workers/ember-admin
FCGI=$EMBER_BUILD/fcgi/ember-fcgi
WORKERS=$EMBER_BUILD/workers/ember-workers
for b in "$ADMIN" "$FCGI" "$WORKERS"; do
	[ -x "$b" ] || h_die "no $b (build first, set EMBER_BUILD)"
done

h_init
h_pg_start
STATE=$H_RUN/state
mkdir -p "$STATE/objects" "$H_RUN/bin"
ln -s "$FCGI" "$H_RUN/bin/ember-fcgi"
ln -s "$WORKERS" "$H_RUN/bin/ember-workers"
export EMBER_STORE_FS_ROOT=$STATE/objects EMBER_WORKERS_STATUS_FILE=$STATE/workers.json
printf 'admin:%s\n' "$(openssl passwd -apr1 secret)" >"$STATE/htpasswd"
chmod 644 "$STATE/htpasswd"
rc() { "$@" >/dev/null 2>&1; echo $?; }
# h_gone PID [TENTHS]: wait up to TENTHS/10 s (default 10 s) for PID to exit.
h_gone() {
	for _ in $(seq "${2:-100}"); do kill -0 "$1" 2>/dev/null || return 0; sleep 0.1; done
	return 1
}
# h_none PATTERN: wait up to 10 s until no process matches PATTERN (pgrep -f).
h_none() {
	for _ in $(seq 100); do pgrep -f -- "$1" >/dev/null || return 0; sleep 0.1; done
	pgrep -af -- "$1" | sed 's/^/#   left: /'
	return 1
}
# check_csp NAME URL: the UI's pages carry the page policy, the API does not.
check_csp() {
	local csp
	csp=$(curl -s -D - -o /dev/null -u admin:secret "$2/" | tr -d '\r' |
		sed -n 's/^[Cc]ontent-[Ss]ecurity-[Pp]olicy: //p')
	h_ok "$1: the UI page has a Content-Security-Policy with frame-ancestors 'self'" \
		grep -q "frame-ancestors 'self'" <<<"$csp"
	h_ok "$1: ... scripts only from this origin (no unsafe-inline, no eval)" \
		bash -c "grep -q \"script-src 'self'\" <<<\"\$1\" && ! grep -q 'script-src[^;]*unsafe' <<<\"\$1\"" _ "$csp"
	h_is "$1: ... and so does adhoc.html" \
		"$(curl -s -D - -o /dev/null -u admin:secret "$2/adhoc.html" | tr -d '\r' | grep -ci '^content-security-policy:')" 1
	h_is "$1: the API gets no page policy (the raw flamegraph has its own)" \
		"$(curl -s -D - -o /dev/null "$2/api/health" | grep -ci '^content-security-policy:')" 0
}
# check_agents_isolated NAME URL PID...: with the operator FastCGI processes
# PID... stopped (SIGSTOP), an operator request hangs and the agent
# endpoints are still answered by their own processes.
check_agents_isolated() {
	local name=$1 url=$2
	shift 2
	h_ok "$name: the operator FastCGI processes are known" test "$#" -gt 0
	kill -STOP "$@"
	h_is "$name: operator processes stopped: an operator request hangs" \
		"$(code "$url/api/services" -u admin:secret -m 2)" 000
	h_ok "$name: ... the heartbeat is still answered (own processes)" \
		bash -c "curl -s -m 3 -X POST -d '{}' -H 'Content-Type: application/json' '$url/api/metrics/heartbeat' | jq -e 'type == \"object\"' >/dev/null"
	h_ok "$name: ... and so is /metrics/heartbeat" \
		bash -c "curl -s -m 3 -X POST -d '{}' -H 'Content-Type: application/json' '$url/metrics/heartbeat' | jq -e 'type == \"object\"' >/dev/null"
	h_is "$name: ... and the agents' health check" "$(code "$url/api/v1/health_check" -m 3)" 200
	h_is "$name: ... and an upload (its 422 for missing headers)" \
		"$(code "$url/api/v2/profiles" -m 3 -X POST --data-binary x)" 422
	kill -CONT "$@"
	h_is "$name: operator processes resumed: operator requests work again" \
		"$(code "$url/api/services" -u admin:secret -m 5 | sed 's/204/200/')" 200
}
# listening_fcgi SOCKET-PREFIX: ember-fcgi pids listening on SOCKET-PREFIX*.
listening_fcgi() {
	ss -Hxlp | grep -F "$1" | grep -oE '"ember-fcgi",pid=[0-9]+' | sed 's/.*pid=//' | sort -u
}
# code URL [CURL-ARGS...]: the HTTP status of a GET.
code() { local u=$1; shift; curl -s -o /dev/null -w '%{http_code}' "$@" "$u"; }

# ---- ember.ini, ember-minimal.ini -----------------------------------------------
# The files name /var/lib/ember/objects and /run/ember; the EMBER_* variables
# exported above (and h_pg_start's EMBER_DB_*) point them at this test.
for f in ember.ini ember-minimal.ini; do
	h_is "$f: ember-admin migrate status" \
		"$(rc "$ADMIN" -c "$CONF/$f" --sql-dir "$H_ROOT/sql" migrate status)" 0
	h_is "$f: ember-workers -t" "$(rc "$WORKERS" -c "$CONF/$f" -t)" 0
done
h_is "ember.ini: migrate up" "$(rc "$ADMIN" -c "$CONF/ember.ini" --sql-dir "$H_ROOT/sql" migrate up)" 0
h_is "ember.ini: queue status" "$(rc "$ADMIN" -c "$CONF/ember.ini" queue status)" 0
h_ok "ember.ini: a typo is refused" bash -c "sed 's/^;count = 2/cuont = 2/' '$CONF/ember.ini' >'$H_RUN/typo.ini' && ! '$ADMIN' -c '$H_RUN/typo.ini' migrate status 2>/dev/null"

# ---- lighttpd.conf --------------------------------------------------------------
# lighttpd_conf PORT: conf/lighttpd.conf with its variables set, as scripts/run does.
lighttpd_conf() {
	sed -e "s|^var.ember_bin .*|var.ember_bin    = \"$FCGI\"|" \
		-e "s|^var.ember_conf .*|var.ember_conf   = \"$CONF/ember-minimal.ini\"|" \
		-e "s|^var.ember_static .*|var.ember_static = \"$H_ROOT/static\"|" \
		-e "s|^var.ember_state .*|var.ember_state  = \"$STATE\"|" \
		-e "s|^var.ember_port .*|var.ember_port   = $1|" \
		"$CONF/lighttpd.conf" >"$STATE/lighttpd.conf"
}
# check_front NAME URL: the auth split and the API through a front server.
check_front() {
	local name=$1 url=$2
	h_is "$name: / without login is 401" "$(code "$url/")" 401
	h_is "$name: / with login is 200" "$(code "$url/" -u admin:secret)" 200
	h_ok "$name: / is the UI's index.html" cmp -s <(curl -s -u admin:secret "$url/") "$H_ROOT/static/index.html"
	h_is "$name: an operator endpoint without login is 401" \
		"$(code "$url/api/services")" 401
	h_is "$name: ... with a wrong password is 401" \
		"$(code "$url/api/services" -u admin:nope)" 401
	h_ok "$name: ... with login it reaches ember-fcgi" \
		bash -c "c=\$(curl -s -o /dev/null -w '%{http_code}' -u admin:secret '$url/api/services'); [ \"\$c\" = 200 ] || [ \"\$c\" = 204 ]"
	h_is "$name: /api/health needs no login (load balancer checks)" \
		"$(curl -s "$url/api/health" | jq -r .status)" ok
	h_is "$name: ... but only that exact path" "$(code "$url/api/healthz")" 401
	h_is "$name: the agents' /api/v1/health_check needs no login" \
		"$(code "$url/api/v1/health_check")" 200
	h_is "$name: ... and answers upstream's body" "$(curl -s "$url/api/v1/health_check" | jq -c .)" '{"message":"ok"}'
	h_is "$name: an agent path without login reaches ember-fcgi (a bad key is its 400)" \
		"$(code "$url/api/v1/health_check" -H 'GPROFILER-API-KEY: nope' -H 'GPROFILER-SERVICE-NAME: svc')" 400
	h_ok "$name: the heartbeat without login gets ember-fcgi's JSON answer" \
		bash -c "curl -s -X POST -d '{}' -H 'Content-Type: application/json' '$url/api/metrics/heartbeat' | jq -e 'type == \"object\"' >/dev/null"
}

PORT=$(h_free_port)
lighttpd_conf "$PORT"
h_is "lighttpd.conf: lighttpd -tt accepts it" "$(rc lighttpd -tt -f "$STATE/lighttpd.conf")" 0
h_bg lighttpd -D -f "$STATE/lighttpd.conf" 2>"$STATE/lighttpd.stderr"
LPID=$H_LASTPID
h_wait_port "$PORT" || h_die "lighttpd did not start: $(tail -5 "$STATE/lighttpd-error.log")"
check_front lighttpd "http://127.0.0.1:$PORT"
h_ok "lighttpd: X-Content-Type-Options on static files" \
	bash -c "curl -s -D - -o /dev/null -u admin:secret 'http://127.0.0.1:$PORT/' | grep -qi '^x-content-type-options: nosniff'"
h_ok "lighttpd: the seed's /metrics spelling reaches ember-fcgi" \
	bash -c "curl -s -X POST -d '{}' -H 'Content-Type: application/json' 'http://127.0.0.1:$PORT/metrics/heartbeat' | jq -e 'type == \"object\"' >/dev/null"
check_csp lighttpd "http://127.0.0.1:$PORT"
for _ in $(seq 50); do
	[ "$(listening_fcgi "$STATE/fcgi-agents" | wc -l)" -ge 3 ] &&
		[ "$(listening_fcgi "$STATE/fcgi" | wc -l)" -ge 8 ] && break
	sleep 0.1
done
h_is "lighttpd: 3 ember-fcgi for the agent endpoints" "$(listening_fcgi "$STATE/fcgi-agents" | wc -l)" 3
# shellcheck disable=SC2046
check_agents_isolated lighttpd "http://127.0.0.1:$PORT" \
	$(listening_fcgi "$STATE/fcgi.sock"; listening_fcgi "$STATE/fcgi-metrics.sock")
kill "$LPID"
h_ok "lighttpd: stops on SIGTERM" h_gone "$LPID"
h_ok "lighttpd: ... and so do its FastCGI children" h_none "$FCGI -c $CONF/ember-minimal.ini"

# ---- apache.conf ----------------------------------------------------------------
if command -v apache2 >/dev/null && [ -f /usr/lib/apache2/modules/mod_proxy_fcgi.so ] &&
	getent passwd www-data >/dev/null; then
	AP=$H_RUN/apache
	mkdir -p "$AP"
	cp -r "$H_ROOT/static" "$AP/static"
	SOCK=$AP/fcgi.sock
	h_bg "$FCGI" -c "$CONF/ember-minimal.ini" -s "$SOCK" -n 2 2>"$AP/fcgi.log"
	FPID=$H_LASTPID
	for _ in $(seq 50); do [ -S "$SOCK" ] && break; sleep 0.1; done
	h_ok "ember-fcgi -s SOCK -n 2: the socket is there" test -S "$SOCK"
	# The systemd unit runs it with Group=www-data; do the same for the socket.
	chgrp www-data "$SOCK"
	h_is "ember-fcgi: 2 children" "$(pgrep -P "$FPID" | wc -l)" 2
	ASOCK=$AP/fcgi-agents.sock
	h_bg "$FCGI" -c "$CONF/ember-minimal.ini" -s "$ASOCK" -n 2 2>"$AP/fcgi-agents.log"
	APID=$H_LASTPID
	for _ in $(seq 50); do [ -S "$ASOCK" ] && break; sleep 0.1; done
	h_ok "ember-fcgi -s AGENT-SOCK -n 2: the socket is there" test -S "$ASOCK"
	chgrp www-data "$ASOCK"
	sed -e "s|^Define EMBER_STATIC .*|Define EMBER_STATIC $AP/static|" \
		-e "s|^Define EMBER_SOCK .*|Define EMBER_SOCK $SOCK|" \
		-e "s|^Define EMBER_AGENT_SOCK .*|Define EMBER_AGENT_SOCK $ASOCK|" \
		-e "s|^Define EMBER_STATE .*|Define EMBER_STATE $STATE|" \
		"$CONF/apache.conf" >"$AP/ember.conf"
	APORT=$(h_free_port)
	M=/usr/lib/apache2/modules
	{
		for m in mpm_event authz_core authz_user authn_core authn_file auth_basic \
			proxy proxy_fcgi headers mime dir reqtimeout; do
			echo "LoadModule ${m}_module $M/mod_$m.so"
		done
		cat <<EOF
ServerRoot "$AP"
ServerName 127.0.0.1
Listen 127.0.0.1:$APORT
PidFile "$AP/httpd.pid"
ErrorLog "$AP/error.log"
LogLevel warn
DefaultRuntimeDir "$AP"
Mutex file:$AP default
User www-data
Group www-data
TypesConfig /etc/mime.types
Include "$AP/ember.conf"
EOF
	} >"$AP/httpd.conf"
	h_is "apache.conf: apache2 -t accepts it" "$(rc apache2 -f "$AP/httpd.conf" -t)" 0
	apache2 -f "$AP/httpd.conf" -k start >"$AP/start.log" 2>&1
	h_on_exit "apache2 -f '$AP/httpd.conf' -k stop"
	h_wait_port "$APORT" || h_log "apache did not start: $(cat "$AP/start.log" "$AP/error.log" 2>/dev/null | tail -5)"
	check_front apache "http://127.0.0.1:$APORT"
	h_ok "apache: the seed's /metrics spelling reaches ember-fcgi" \
		bash -c "curl -s -X POST -d '{}' -H 'Content-Type: application/json' 'http://127.0.0.1:$APORT/metrics/heartbeat' | jq -e 'type == \"object\"' >/dev/null"
	# The agent's bearer key reaches ember-fcgi (CGIPassAuth): a wrong key is
	# "Invalid", not "Missing" as it is when Apache withholds the header.
	h_is "apache: the agent's Authorization header reaches ember-fcgi" \
		"$(curl -s -X POST -H 'Authorization: Bearer wrong-key' -H 'Content-Type: application/json' \
			-d '{"ip_address":"10.0.0.1","hostname":"h","service_name":"s"}' \
			"http://127.0.0.1:$APORT/api/metrics/heartbeat")" '{"message":"Invalid API key"}'
	h_ok "apache: X-Content-Type-Options" \
		bash -c "curl -s -D - -o /dev/null -u admin:secret 'http://127.0.0.1:$APORT/' | grep -qi '^x-content-type-options: nosniff'"
	check_csp apache "http://127.0.0.1:$APORT"
	# shellcheck disable=SC2046
	check_agents_isolated apache "http://127.0.0.1:$APORT" $(pgrep -P "$FPID")
	apache2 -f "$AP/httpd.conf" -k stop >/dev/null 2>&1
	for _ in $(seq 50); do [ -f "$AP/httpd.pid" ] || break; sleep 0.1; done
	h_ok "apache: -k stop" test ! -f "$AP/httpd.pid"
	kill "$FPID" "$APID"
	h_ok "ember-fcgi prefork master: stops on SIGTERM" h_gone "$FPID"
	h_ok "ember-fcgi prefork master: ... and so do its children" h_none "-s $SOCK"
	h_ok "ember-fcgi agents' prefork master: stops on SIGTERM" h_gone "$APID"
else
	echo "ok $((H_N += 1)) - apache.conf # SKIP apache2 with mod_proxy_fcgi and user www-data needed"
fi

# ---- supervisord.conf -------------------------------------------------------------
if command -v supervisord >/dev/null; then
	PORT=$(h_free_port)
	lighttpd_conf "$PORT"
	# A short long-poll keeps the drain on shutdown short.
	export EMBER_QUEUE_WAIT=2
	export EMBER_BIN=$H_RUN/bin EMBER_CONF=$CONF/ember-minimal.ini EMBER_STATE=$STATE \
		EMBER_LIGHTTPD_CONF=$STATE/lighttpd.conf
	SV="supervisorctl -c $CONF/supervisord.conf"
	h_is "supervisord.conf: supervisord starts" "$(rc supervisord -c "$CONF/supervisord.conf")" 0
	h_on_exit "$SV shutdown"
	st=
	for _ in $(seq 50); do
		st=$($SV status 2>&1)
		grep -qE '^lighttpd +RUNNING' <<<"$st" && grep -qE '^workers +RUNNING' <<<"$st" && break
		sleep 0.2
	done
	h_ok "supervisord: lighttpd RUNNING" grep -qE '^lighttpd +RUNNING' <<<"$st"
	h_ok "supervisord: workers RUNNING" grep -qE '^workers +RUNNING' <<<"$st"
	h_ok "supervisord: fcgi (for Apache) not started by default" grep -qE '^fcgi +STOPPED' <<<"$st"
	h_wait_port "$PORT" 50
	h_is "supervisord: the UI answers" "$(code "http://127.0.0.1:$PORT/" -u admin:secret)" 200
	for _ in $(seq 50); do [ -f "$STATE/workers.json" ] && break; sleep 0.2; done
	h_is "supervisord: ember-admin workers status" \
		"$(EMBER_WORKERS_STATUS_INTERVAL=10 rc "$ADMIN" -c "$CONF/ember-minimal.ini" workers status)" 0
	h_ok "supervisord: workers.log has the supervisor's lines" grep -q 'supervisor\[' "$STATE/workers.log"
	h_ok "supervisord: start fcgi" bash -c "$SV start fcgi >/dev/null"
	for _ in $(seq 50); do [ -S "$STATE/fcgi.sock" ] && break; sleep 0.1; done
	h_ok "supervisord: fcgi listens on \$EMBER_STATE/fcgi.sock" test -S "$STATE/fcgi.sock"
	SPID=$(cat "$STATE/supervisord.pid")
	t0=$(date +%s%N)
	h_ok "supervisord: shutdown" bash -c "$SV shutdown >/dev/null"
	# supervisord waits for the workers to drain (stopwaitsecs = 40).
	h_ok "supervisord: gone after shutdown" h_gone "$SPID" 450
	h_log "supervisord shutdown took $(( ($(date +%s%N) - t0) / 1000000 )) ms"
	h_ok "supervisord: no ember process left" h_none "$CONF/ember-minimal.ini"
	h_ok "supervisord: port closed" bash -c "! (exec 3<>/dev/tcp/127.0.0.1/$PORT) 2>/dev/null"
else
	echo "ok $((H_N += 1)) - supervisord.conf # SKIP no supervisord"
fi

# ---- systemd units --------------------------------------------------------------
if command -v systemd-analyze >/dev/null; then
	SD=$H_RUN/systemd
	mkdir -p "$SD"
	for u in ember-fcgi.service ember-fcgi-agents.service ember-workers.service; do
		sed -e "s|/usr/local/bin/ember-fcgi|$FCGI|g" \
			-e "s|/usr/local/bin/ember-workers|$WORKERS|g" \
			"$CONF/systemd/$u" >"$SD/$u"
		out=$(SYSTEMD_LOG_LEVEL=warning systemd-analyze verify --man=no "$SD/$u" 2>&1)
		# Outside a booted systemd, verify also reports that it cannot reach the
		# manager or the units named in After=; only lines about our file count.
		bad=$(grep -F "$u" <<<"$out" | grep -v 'Unit .* not found\|Failed to .*bus\|not loaded' || true)
		h_is "systemd-analyze verify $u" "$bad" ""
	done
	h_ok "ember-workers.service: reload is SIGHUP" grep -q '^ExecReload=/bin/kill -HUP \$MAINPID' "$CONF/systemd/ember-workers.service"
	h_ok "ember-fcgi.service: the prefork master on a socket" grep -qE '^ExecStart=.*ember-fcgi .* -s /run/ember/fcgi.sock' "$CONF/systemd/ember-fcgi.service"
	h_ok "ember-fcgi-agents.service: the agents' prefork master on the socket apache.conf names" \
		bash -c "grep -qE '^ExecStart=.*ember-fcgi .* -s /run/ember/fcgi-agents.sock' '$CONF/systemd/ember-fcgi-agents.service' && grep -q '^Define EMBER_AGENT_SOCK  */run/ember/fcgi-agents.sock' '$CONF/apache.conf'"
else
	echo "ok $((H_N += 1)) - systemd units # SKIP no systemd-analyze"
fi

h_done
