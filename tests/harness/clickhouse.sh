# tests/harness/clickhouse.sh - a throwaway ClickHouse server for the tests.
#
# Source it after lib.sh, then call h_init and:
#
#     h_ch_start             # clickhouse-server on free loopback ports
#     h_ch_ctl stop|start    # fault tests: take it down, bring it back
#     h_ch_query 'SQL'       # run one statement over HTTP, print the answer
#     h_ch_proxy_start       # a proxy in front of it that can answer 500
#     h_ch_fault N [before|after [TEXT]]  # the proxy answers the next N
#                            # requests (whose body holds TEXT) with a 500;
#                            # after: ClickHouse ran it (a lost answer)
#
# h_ch_start exports, for our binaries:
#     EMBER_SAMPLES_BACKEND=clickhouse EMBER_CLICKHOUSE_URL (the server, or
#     the proxy once h_ch_proxy_start ran) EMBER_CLICKHOUSE_DATABASE
#     EMBER_CLICKHOUSE_USER EMBER_CLICKHOUSE_PASSWORD
# and H_CH_PORT (HTTP), H_CH_TCP (native protocol, for clickhouse-client),
# H_CH_DIR.  H_CH_LOG_QUERIES=1 before h_ch_start logs every query in
# system.query_log (rows read, for the bench).  The server is Debian 12's clickhouse-server (18.16): it runs
# in the foreground as the calling user with its data under $H_RUN, and
# the package's own systemd service is never used.

# h_ch_write_config: the two XML files (root element <yandex>).
h_ch_write_config() {
	cat >"$H_CH_DIR/config.xml" <<EOF
<?xml version="1.0"?>
<yandex>
    <logger>
        <level>warning</level>
        <log>$H_CH_DIR/server.log</log>
        <errorlog>$H_CH_DIR/server.err.log</errorlog>
        <size>10M</size>
        <count>1</count>
    </logger>
    <http_port>$H_CH_PORT</http_port>
    <tcp_port>$H_CH_TCP</tcp_port>
    <listen_host>127.0.0.1</listen_host>
    <path>$H_CH_DIR/data/</path>
    <tmp_path>$H_CH_DIR/tmp/</tmp_path>
    <user_files_path>$H_CH_DIR/user_files/</user_files_path>
    <format_schema_path>$H_CH_DIR/format_schemas/</format_schema_path>
    <users_config>$H_CH_DIR/users.xml</users_config>
    <default_profile>default</default_profile>
    <default_database>default</default_database>
    <timezone>UTC</timezone>
    <mark_cache_size>5368709</mark_cache_size>
    <uncompressed_cache_size>8388608</uncompressed_cache_size>
    <max_concurrent_queries>50</max_concurrent_queries>
    <query_log>
        <database>system</database>
        <table>query_log</table>
        <flush_interval_milliseconds>1000</flush_interval_milliseconds>
    </query_log>
</yandex>
EOF
	cat >"$H_CH_DIR/users.xml" <<EOF
<?xml version="1.0"?>
<yandex>
    <profiles>
        <default>
            <max_memory_usage>2000000000</max_memory_usage>
            <log_queries>${H_CH_LOG_QUERIES:-0}</log_queries>
        </default>
    </profiles>
    <users>
        <default>
            <password>$H_CH_PASSWORD</password>
            <networks><ip>::/0</ip></networks>
            <profile>default</profile>
            <quota>default</quota>
        </default>
    </users>
    <quotas>
        <default>
            <interval>
                <duration>3600</duration>
                <queries>0</queries>
                <errors>0</errors>
                <result_rows>0</result_rows>
                <read_rows>0</read_rows>
                <execution_time>0</execution_time>
            </interval>
        </default>
    </quotas>
</yandex>
EOF
}

# h_ch_start: configure and start the server, wait until it answers.
h_ch_start() {
	command -v clickhouse-server >/dev/null ||
		h_die "clickhouse-server not found (scripts/install-deps installs it)"
	H_CH_DIR="$H_RUN/clickhouse"
	H_CH_PASSWORD=${H_CH_PASSWORD:-ember-test-pw}
	mkdir -p "$H_CH_DIR"/{data,tmp,user_files,format_schemas}
	local try
	for try in 1 2 3; do
		H_CH_PORT=$(h_free_port)
		H_CH_TCP=$(h_free_port)
		[ "$H_CH_PORT" != "$H_CH_TCP" ] || continue
		h_ch_write_config
		if h_ch_ctl start; then
			break
		fi
		H_CH_PORT=
	done
	[ -n "$H_CH_PORT" ] || h_die "clickhouse-server did not start: $(tail -5 "$H_CH_DIR/server.err.log" 2>/dev/null)"
	h_on_exit "h_ch_ctl stop"
	export H_CH_PORT H_CH_TCP H_CH_DIR
	export EMBER_SAMPLES_BACKEND=clickhouse
	export EMBER_CLICKHOUSE_URL="http://127.0.0.1:$H_CH_PORT"
	export EMBER_CLICKHOUSE_DATABASE=ember
	export EMBER_CLICKHOUSE_USER=default
	export EMBER_CLICKHOUSE_PASSWORD=$H_CH_PASSWORD
}

# h_ch_ctl start|stop: run or stop the server (its data stays).
h_ch_ctl() {
	case "$1" in
	start)
		clickhouse-server --config-file="$H_CH_DIR/config.xml" \
			>>"$H_CH_DIR/stdout.log" 2>&1 &
		H_CH_PID=$!
		echo "$H_CH_PID" >"$H_CH_DIR/pid"
		local _
		for _ in $(seq 150); do
			if curl -fsS "http://127.0.0.1:$H_CH_PORT/ping" >/dev/null 2>&1; then
				return 0
			fi
			kill -0 "$H_CH_PID" 2>/dev/null || return 1
			sleep 0.1
		done
		return 1
		;;
	stop)
		local pid
		pid=$(cat "$H_CH_DIR/pid" 2>/dev/null) || return 0
		kill "$pid" 2>/dev/null || return 0
		for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
		kill -9 "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
		rm -f "$H_CH_DIR/pid"
		return 0
		;;
	esac
}

# h_ch_query SQL: run SQL on the server (not through the proxy); print the answer.
h_ch_query() {
	curl -fsS -u "default:$H_CH_PASSWORD" --data-binary "$1" \
		"http://127.0.0.1:$H_CH_PORT/"
}

# h_ch_client ARGS...: clickhouse-client against the server (native port).
h_ch_client() {
	clickhouse-client --host 127.0.0.1 --port "$H_CH_TCP" --user default \
		--password "$H_CH_PASSWORD" "$@"
}

# h_ch_proxy_start: put tests/harness/ch_proxy.py in front of the server
# and point EMBER_CLICKHOUSE_URL at it.
h_ch_proxy_start() {
	H_CH_PROXY_PORT=$(h_free_port)
	h_bg python3 "$H_ROOT/tests/harness/ch_proxy.py" "$H_CH_PROXY_PORT" "$H_CH_PORT" \
		2>>"$H_CH_DIR/proxy.log"
	h_wait_port "$H_CH_PROXY_PORT" || h_die "ClickHouse fault proxy did not start"
	export H_CH_PROXY_PORT
	export EMBER_CLICKHOUSE_URL="http://127.0.0.1:$H_CH_PROXY_PORT"
}

# h_ch_fault N [MODE [TEXT]]: arm the proxy (see tests/harness/ch_proxy.py).
h_ch_fault() {
	curl -fsS -G "http://127.0.0.1:$H_CH_PROXY_PORT/__fault" --data-urlencode "n=$1" \
		--data-urlencode "mode=${2:-before}" --data-urlencode "match=${3:-}" >/dev/null
}

# h_ch_faults_left: how many armed 500s the proxy has not sent yet.
h_ch_faults_left() {
	curl -fsS "http://127.0.0.1:$H_CH_PROXY_PORT/__fault"
}
