# tests/harness/lighttpd.sh - lighttpd in front of ember-fcgi for tests.
#
# Source it after lib.sh and h_init, then either
#
#     h_lighttpd_start [MAX_PROCS]   # lighttpd spawns ember-fcgi itself
#                                    # ("bin-path" + "max-procs", fd 0 mode)
#     h_fcgi_prefork_start [N]       # ember-fcgi -s SOCK -n N runs its own
#                                    # prefork master; lighttpd uses "socket"
#
# Both export H_HTTP=http://127.0.0.1:PORT.  As conf/lighttpd.conf and
# conf/apache.conf do, the agent endpoints (heartbeat, command completion,
# uploads, logs, the agents' health check) get FastCGI processes of their
# own: H_AGENT_PROCS of them (default 1; 0 = one group for everything),
# spawned by lighttpd (bin-path) or run by a second prefork master
# (-s $H_RUN/ember-fcgi-agents.sock, pid H_FCGI_AGENT_PID).  The config
# also has conf/lighttpd.conf's slow-client limits and the UI pages' CSP.  With H_LIGHTTPD_USERS naming
# a "user:password" file, lighttpd asks for HTTP basic auth on every path
# but the agent ones (and so sets REMOTE_USER for ember-fcgi).  lighttpd serves the source
# tree's static/ folder itself and sends /api and /metrics to FastCGI,
# honouring X-Sendfile for files under $H_RUN (set EMBER_FCGI_X_SENDFILE=true
# to have ember-fcgi use it; Apache does not, so leave it unset there).
# ember-fcgi inherits the environment (EMBER_* overrides, e.g. the ones
# h_pg_start exports), and EMBER_FCGI_CONFIG, when set, is passed as -c.
# The binary is $EMBER_FCGI, default $EMBER_BUILD/fcgi/ember-fcgi.
# Everything lives under $H_RUN/lighttpd* and is stopped by the cleanup
# trap of lib.sh.  lighttpd's own error log is $H_RUN/lighttpd-error.log;
# the stderr of lighttpd, of the children it spawns and of the prefork master
# (our log lines) goes to $H_RUN/fcgi-stderr.log.
#
# EMBER_FRONT=apache puts Apache 2.4 (mod_proxy_fcgi) in front instead:
# both start functions then run ember-fcgi's prefork master on
# $H_RUN/ember-fcgi.sock behind Apache (see h_apache_start below).

: "${EMBER_FCGI:=$EMBER_BUILD/fcgi/ember-fcgi}"
# The tests call operator endpoints without a login; ember-fcgi's default
# (fcgi.require_remote_user = true) would answer 401.  A test that checks
# the login sets the variable itself.
: "${EMBER_FCGI_REQUIRE_REMOTE_USER:=false}"
export EMBER_FCGI_REQUIRE_REMOTE_USER
H_LIGHTTPD=${H_LIGHTTPD:-$(command -v lighttpd || echo /usr/sbin/lighttpd)}

# The agent endpoints' paths (conf/lighttpd.conf, conf/apache.conf).
H_AGENT_PATHS='^/(api/)?(metrics/heartbeat|metrics/command_completion|v2/profiles|v1/logs|v[12]/health_check)'
# The UI pages' Content-Security-Policy (conf/lighttpd.conf).
H_UI_CSP="default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-src 'self'; frame-ancestors 'self'; base-uri 'self'; form-action 'self'; object-src 'none'"
: "${H_AGENT_PROCS:=1}"

# h_lighttpd_conf FASTCGI-BACKEND-LINES [AGENT-BACKEND-LINES]: write
# $H_RUN/lighttpd.conf; with the second argument the agent endpoints go to
# that backend instead.
h_lighttpd_conf() {
	local backend=$1 agents=${2:-} port mods='"mod_setenv", "mod_fastcgi"'
	# X-Sendfile as conf/lighttpd.conf has it; test stores live under $H_RUN.
	backend="$backend
        \"x-sendfile\" => \"enable\",
        \"x-sendfile-docroot\" => ( \"$H_RUN\" ),"
	# mod_auth must come before mod_fastcgi.
	[ -n "${H_LIGHTTPD_USERS:-}" ] && mods='"mod_auth", "mod_authn_file", '"$mods"
	port=$(h_free_port) || h_die "no free port"
	H_HTTP_PORT=$port
	mkdir -p "$H_RUN/lighttpd-up"
	cat >"$H_RUN/lighttpd.conf" <<EOF
server.modules         = ( $mods )
server.document-root   = "$H_ROOT/static"
server.bind            = "127.0.0.1"
server.port            = $port
server.pid-file        = "$H_RUN/lighttpd.pid"
server.errorlog        = "$H_RUN/lighttpd-error.log"
server.upload-dirs     = ( "$H_RUN/lighttpd-up" )
server.max-request-size = 65536
server.stream-response-body = 1
server.max-fds         = 16384
server.max-connections = 8192
server.max-read-idle   = 15
server.max-keep-alive-idle = 5
index-file.names       = ( "index.html" )
mimetype.assign        = ( ".html" => "text/html; charset=utf-8",
                           ".js" => "text/javascript; charset=utf-8",
                           ".mjs" => "text/javascript; charset=utf-8",
                           ".css" => "text/css; charset=utf-8",
                           ".json" => "application/json",
                           ".svg" => "image/svg+xml",
                           ".png" => "image/png",
                           ".ico" => "image/x-icon",
                           ".txt" => "text/plain; charset=utf-8" )
# The global response headers of conf/lighttpd.conf.
setenv.add-response-header = (
  "X-Content-Type-Options" => "nosniff",
  "X-Frame-Options"        => "SAMEORIGIN",
  "Referrer-Policy"        => "same-origin",
)
fastcgi.server = (
    "/api" => (( $backend )),
    "/metrics" => (( $backend )),
)
\$HTTP["url"] !~ "^/(api|metrics)/" {
    setenv.add-response-header += ( "Content-Security-Policy" => "$H_UI_CSP" )
}
EOF
	if [ -n "$agents" ]; then
		cat >>"$H_RUN/lighttpd.conf" <<EOF
\$HTTP["url"] =~ "$H_AGENT_PATHS" {
    fastcgi.server = (
        "/api" => (( $agents )),
        "/metrics" => (( $agents )),
    )
}
EOF
	fi
	if [ -n "${H_LIGHTTPD_USERS:-}" ]; then
		cat >>"$H_RUN/lighttpd.conf" <<EOF
# Operators log in (HTTP basic); agent paths stay open, as upstream's nginx,
# and so do the agents' libraries (the sandboxed frame sends no credentials).
auth.backend = "plain"
auth.backend.plain.userfile = "$H_LIGHTTPD_USERS"
\$HTTP["url"] !~ "^/((api/)?(v2/profiles|v1/health_check|v2/health_check|v1/logs|health|metrics/heartbeat|metrics/command_completion)|vendor/agent/)" {
    auth.require = ( "" => ( "method" => "basic", "realm" => "ember", "require" => "valid-user" ) )
}
EOF
	fi
}

# h_lighttpd_run: check the config and start lighttpd in the foreground.
h_lighttpd_run() {
	"$H_LIGHTTPD" -tt -f "$H_RUN/lighttpd.conf" >"$H_RUN/lighttpd-check.log" 2>&1 ||
		h_die "lighttpd config rejected: $(cat "$H_RUN/lighttpd-check.log")"
	h_bg "$H_LIGHTTPD" -D -f "$H_RUN/lighttpd.conf" 2>>"$H_RUN/fcgi-stderr.log"
	H_LIGHTTPD_PID=$H_LASTPID
	for _ in $(seq 300); do
		(exec 3<>"/dev/tcp/127.0.0.1/$H_HTTP_PORT") 2>/dev/null && break
		kill -0 "$H_LIGHTTPD_PID" 2>/dev/null || break
		sleep 0.1
	done
	(exec 3<>"/dev/tcp/127.0.0.1/$H_HTTP_PORT") 2>/dev/null ||
		h_die "lighttpd did not start: $(tail -5 "$H_RUN/lighttpd-error.log" "$H_RUN/fcgi-stderr.log" 2>/dev/null)"
	export H_HTTP="http://127.0.0.1:$H_HTTP_PORT"
}

# h_fcgi_args: the ember-fcgi arguments as one string.
h_fcgi_args() {
	if [ -n "${EMBER_FCGI_CONFIG:-}" ]; then
		printf ' -c %s' "$EMBER_FCGI_CONFIG"
	fi
}

# ---- EMBER_FRONT=apache ------------------------------------------------------
# With EMBER_FRONT=apache, h_lighttpd_start N and h_fcgi_prefork_start N both
# start ember-fcgi -s $H_RUN/ember-fcgi.sock -n N (its own prefork master) and
# Apache 2.4 (mpm_event, mod_proxy_fcgi) in front of it, as conf/apache.conf
# does: /api/ and /metrics/ are proxied to the socket, static/ is the
# DocumentRoot.  Apache's files are under $H_RUN/apache (error log:
# $H_RUN/apache/error.log); H_FRONT is "apache" (else "lighttpd").
H_FRONT=lighttpd
[ "${EMBER_FRONT:-}" = apache ] && H_FRONT=apache
H_APACHE=${H_APACHE:-$(command -v apache2 || echo /usr/sbin/apache2)}
H_APACHE_MODS=${H_APACHE_MODS:-/usr/lib/apache2/modules}

# h_apache_conf SOCK [AGENT-SOCK]: write $H_RUN/apache/httpd.conf proxying
# to SOCK (the agent endpoints to AGENT-SOCK when given).
h_apache_conf() {
	local sock=$1 asock=${2:-} ap=$H_RUN/apache port m
	port=$(h_free_port) || h_die "no free port"
	H_HTTP_PORT=$port
	mkdir -p "$ap"
	{
		for m in mpm_event authz_core authz_user authn_core authn_file auth_basic \
			proxy proxy_fcgi headers mime dir reqtimeout; do
			echo "LoadModule ${m}_module $H_APACHE_MODS/mod_$m.so"
		done
		if [ -n "$asock" ]; then
			# as conf/apache.conf: "(api/|)" always matches, so \$1 is set
			echo "ProxyPassMatch \"^/(api/|)${H_AGENT_PATHS#^/(api/)?}(.*)\$\" \"unix:$asock|fcgi://ember-agents/\$1\$2\$3\""
		fi
		cat <<EOF
ServerRoot "$ap"
ServerName 127.0.0.1
Listen 127.0.0.1:$port
PidFile "$ap/httpd.pid"
ErrorLog "$ap/error.log"
LogLevel warn
DefaultRuntimeDir "$ap"
Mutex file:$ap default
User www-data
Group www-data
TypesConfig /etc/mime.types
AddType "text/javascript; charset=utf-8" .js .mjs
AddType "text/html; charset=utf-8" .html
DocumentRoot "$H_ROOT/static"
<Directory "$H_ROOT/static">
    Require all granted
    Options -Indexes
</Directory>
DirectoryIndex index.html
Header always set X-Content-Type-Options "nosniff"
Header always set Content-Security-Policy "$H_UI_CSP" "expr=%{REQUEST_URI} !~ m#^/(api|metrics)/#"
RequestReadTimeout handshake=5 header=10-20,MinRate=500 body=10,MinRate=500
LimitRequestBody 67108864
ProxyPass "/api/"     "unix:$sock|fcgi://localhost/api/"
ProxyPass "/metrics/" "unix:$sock|fcgi://localhost/metrics/"
# Without it Apache hides the Authorization header (agents' Bearer key).
<Location "/">
    CGIPassAuth On
</Location>
EOF
		if [ -n "${H_LIGHTTPD_USERS:-}" ]; then
			# lighttpd's plain "user:password" file, hashed for Apache.
			while IFS=: read -r u p; do
				[ -n "$u" ] && printf '%s:%s\n' "$u" "$(openssl passwd -apr1 "$p")"
			done <"$H_LIGHTTPD_USERS" >"$ap/htpasswd"
			chmod 644 "$ap/htpasswd"
			cat <<EOF
<Location "/">
    AuthType Basic
    AuthName "ember"
    AuthUserFile "$ap/htpasswd"
    Require valid-user
</Location>
<LocationMatch "^/((api/)?(health$|v2/profiles|v[12]/health_check|metrics/heartbeat|metrics/command_completion|v1/logs)|vendor/agent/)">
    Require all granted
</LocationMatch>
EOF
		fi
	} >"$ap/httpd.conf"
}

# h_apache_start [N]: ember-fcgi -s SOCK -n N (2) behind Apache mod_proxy_fcgi.
h_apache_start() {
	local n=${1:-2} sock="$H_RUN/ember-fcgi.sock" ap=$H_RUN/apache
	[ -x "$EMBER_FCGI" ] || h_die "ember-fcgi not built: $EMBER_FCGI"
	[ -x "$H_APACHE" ] || h_die "EMBER_FRONT=apache but no apache2"
	getent passwd www-data >/dev/null || h_die "EMBER_FRONT=apache needs user www-data"
	# shellcheck disable=SC2046
	h_bg "$EMBER_FCGI" $(h_fcgi_args) -s "$sock" -n "$n" 2>>"$H_RUN/fcgi-stderr.log"
	H_FCGI_MASTER_PID=$H_LASTPID
	for _ in $(seq 100); do [ -S "$sock" ] && break; sleep 0.05; done
	[ -S "$sock" ] || h_die "ember-fcgi -s did not create $sock"
	# Apache's children run as www-data (as with the systemd unit's Group=).
	chgrp www-data "$sock"
	local asock=
	if h_fcgi_agents_start; then
		asock=$H_RUN/ember-fcgi-agents.sock
		chgrp www-data "$asock"
	fi
	h_apache_conf "$sock" "$asock"
	"$H_APACHE" -f "$ap/httpd.conf" -t >"$ap/check.log" 2>&1 ||
		h_die "apache config rejected: $(cat "$ap/check.log")"
	h_bg "$H_APACHE" -f "$ap/httpd.conf" -DFOREGROUND 2>>"$H_RUN/fcgi-stderr.log"
	H_APACHE_PID=$H_LASTPID
	for _ in $(seq 300); do
		(exec 3<>"/dev/tcp/127.0.0.1/$H_HTTP_PORT") 2>/dev/null && break
		kill -0 "$H_APACHE_PID" 2>/dev/null || break
		sleep 0.1
	done
	(exec 3<>"/dev/tcp/127.0.0.1/$H_HTTP_PORT") 2>/dev/null ||
		h_die "apache did not start: $(tail -5 "$ap/error.log" "$H_RUN/fcgi-stderr.log" 2>/dev/null)"
	export H_HTTP="http://127.0.0.1:$H_HTTP_PORT"
}

# h_fcgi_agents_start: the agent endpoints' prefork master on
# $H_RUN/ember-fcgi-agents.sock with H_AGENT_PROCS children (none when 0:
# returns 1).
h_fcgi_agents_start() {
	local sock="$H_RUN/ember-fcgi-agents.sock"
	[ "$H_AGENT_PROCS" -gt 0 ] || return 1
	# shellcheck disable=SC2046
	h_bg "$EMBER_FCGI" $(h_fcgi_args) -s "$sock" -n "$H_AGENT_PROCS" 2>>"$H_RUN/fcgi-stderr.log"
	H_FCGI_AGENT_PID=$H_LASTPID
	for _ in $(seq 100); do [ -S "$sock" ] && break; sleep 0.05; done
	[ -S "$sock" ] || h_die "ember-fcgi -s did not create $sock"
}

# h_lighttpd_start [MAX_PROCS]: lighttpd spawns MAX_PROCS (2) ember-fcgi
# (EMBER_FRONT=apache: h_apache_start MAX_PROCS instead).
h_lighttpd_start() {
	local procs=${1:-2}
	if [ "$H_FRONT" = apache ]; then
		h_apache_start "$procs"
		return
	fi
	[ -x "$EMBER_FCGI" ] || h_die "ember-fcgi not built: $EMBER_FCGI"
	local agents=
	[ "$H_AGENT_PROCS" -gt 0 ] && agents="\"bin-path\" => \"$EMBER_FCGI$(h_fcgi_args)\",
        \"socket\" => \"$H_RUN/lighttpd-fcgi-agents.sock\",
        \"max-procs\" => $H_AGENT_PROCS,
        \"check-local\" => \"disable\","
	h_lighttpd_conf "\"bin-path\" => \"$EMBER_FCGI$(h_fcgi_args)\",
        \"socket\" => \"$H_RUN/lighttpd-fcgi.sock\",
        \"max-procs\" => $procs,
        \"check-local\" => \"disable\"," "$agents"
	h_lighttpd_run
}

# h_fcgi_prefork_start [N]: ember-fcgi -s SOCK -n N (2) behind lighttpd
# (EMBER_FRONT=apache: behind Apache).
h_fcgi_prefork_start() {
	local n=${1:-2} sock="$H_RUN/ember-fcgi.sock"
	if [ "$H_FRONT" = apache ]; then
		h_apache_start "$n"
		return
	fi
	[ -x "$EMBER_FCGI" ] || h_die "ember-fcgi not built: $EMBER_FCGI"
	# shellcheck disable=SC2046
	h_bg "$EMBER_FCGI" $(h_fcgi_args) -s "$sock" -n "$n" 2>>"$H_RUN/fcgi-stderr.log"
	H_FCGI_MASTER_PID=$H_LASTPID
	for _ in $(seq 100); do [ -S "$sock" ] && break; sleep 0.05; done
	[ -S "$sock" ] || h_die "ember-fcgi -s did not create $sock"
	local agents=
	h_fcgi_agents_start && agents="\"socket\" => \"$H_RUN/ember-fcgi-agents.sock\",
        \"check-local\" => \"disable\","
	h_lighttpd_conf "\"socket\" => \"$sock\",
        \"check-local\" => \"disable\"," "$agents"
	h_lighttpd_run
}

# h_lighttpd_stop: stop lighttpd (and the children it spawned), or Apache
# under EMBER_FRONT=apache (ember-fcgi's prefork master keeps running).
h_lighttpd_stop() {
	if [ -n "${H_APACHE_PID:-}" ]; then
		kill "$H_APACHE_PID" 2>/dev/null
		for _ in $(seq 50); do kill -0 "$H_APACHE_PID" 2>/dev/null || break; sleep 0.1; done
		H_APACHE_PID=
	fi
	[ -n "${H_LIGHTTPD_PID:-}" ] || return 0
	kill "$H_LIGHTTPD_PID" 2>/dev/null
	for _ in $(seq 50); do kill -0 "$H_LIGHTTPD_PID" 2>/dev/null || break; sleep 0.1; done
	H_LIGHTTPD_PID=
}
