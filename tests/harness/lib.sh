# tests/harness/lib.sh - start and stop real servers for integration tests.
#
# Source it from a bash test script, then:
#
#     h_init                  # temp dir $H_RUN, cleanup trap (always runs)
#     h_pg_start              # throwaway PostgreSQL 15 on a free loopback port
#     h_migrate               # apply sql/ migrations to it
#     h_ok "name" cmd...      # run a check, print "ok N - name" / "not ok N - name"
#     h_done                  # print the plan and exit non-zero on any failure
#
# Every server gets a free port on 127.0.0.1 and lives under $H_RUN, so two
# suites can run at once on one machine.  Everything started is killed and
# removed on exit, even when the test fails (set H_KEEP=1 to keep $H_RUN).
# Binaries are looked up in $EMBER_BUILD (default: the source root).

H_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
: "${EMBER_BUILD:=$H_ROOT}"
H_PGBIN=${H_PGBIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)}
H_PIDS=()
H_CLEANUPS=()
H_N=0
H_FAILED=0

h_log() { printf '# %s\n' "$*" >&2; }

h_die() { printf 'Bail out! %s\n' "$*"; exit 1; }

# h_init: make the run directory and install the cleanup trap.
h_init() {
	H_RUN=$(mktemp -d /tmp/ember-test.XXXXXX)
	chmod 755 "$H_RUN"
	export H_RUN
	trap h_cleanup EXIT
	trap 'exit 130' INT TERM
}

# h_on_exit CMD: run CMD (a string) at cleanup, last registered first.
h_on_exit() { H_CLEANUPS+=("$1"); }

# h_bg PIDFILE-LESS COMMAND...: start a background server and track it.
h_bg() {
	"$@" &
	H_PIDS+=($!)
	H_LASTPID=$!
}

h_cleanup() {
	local rc=$? i
	set +e
	for ((i = ${#H_CLEANUPS[@]} - 1; i >= 0; i--)); do
		eval "${H_CLEANUPS[$i]}" >/dev/null 2>&1
	done
	for ((i = ${#H_PIDS[@]} - 1; i >= 0; i--)); do
		kill "${H_PIDS[$i]}" 2>/dev/null
	done
	for pid in "${H_PIDS[@]}"; do
		for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
		kill -9 "$pid" 2>/dev/null
	done
	wait 2>/dev/null
	if [ -n "${H_KEEP:-}" ]; then
		h_log "kept $H_RUN"
	elif [ -n "${H_RUN:-}" ]; then
		rm -rf "$H_RUN"
	fi
	exit "$rc"
}

# h_free_port: print a TCP port on 127.0.0.1 that nothing listens on.
h_free_port() {
	local port
	for _ in $(seq 200); do
		port=$((20000 + RANDOM % 40000))
		if ! ss -Htan "sport = :$port" 2>/dev/null | grep -q .; then
			echo "$port"
			return 0
		fi
	done
	return 1
}

# h_wait_port PORT [TRIES]: wait until something accepts on 127.0.0.1:PORT.
h_wait_port() {
	local tries=${2:-100}
	for _ in $(seq "$tries"); do
		(exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

h_as_pg() {
	if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

# h_pg_start: initdb + start a cluster; exports PG* and EMBER_DB_* for it.
h_pg_start() {
	local port
	[ -x "$H_PGBIN/initdb" ] || h_die "PostgreSQL server binaries not found (apt-get install postgresql)"
	H_PGDIR="$H_RUN/pg"
	mkdir -p "$H_PGDIR"
	[ "$(id -u)" = 0 ] && chown postgres:postgres "$H_PGDIR"
	h_as_pg "$H_PGBIN/initdb" -D "$H_PGDIR/data" -U postgres -A trust -E UTF8 \
		--locale=C.UTF-8 --no-sync >"$H_PGDIR/initdb.log" 2>&1 ||
		h_die "initdb failed: $(tail -5 "$H_PGDIR/initdb.log")"
	for _ in 1 2 3 4 5; do
		port=$(h_free_port)
		H_PGPORT=$port
		if h_pg_ctl start; then
			break
		fi
		H_PGPORT=
	done
	[ -n "$H_PGPORT" ] || h_die "PostgreSQL did not start: $(tail -5 "$H_PGDIR/server.log")"
	h_on_exit "h_pg_ctl stop"
	export PGHOST=127.0.0.1 PGPORT=$H_PGPORT PGUSER=postgres PGDATABASE=ember
	export EMBER_DB_HOST=127.0.0.1 EMBER_DB_PORT=$H_PGPORT EMBER_DB_USER=postgres \
		EMBER_DB_PASSWORD= EMBER_DB_DBNAME=ember EMBER_DB_SSLMODE=disable
	psql -X -q -v ON_ERROR_STOP=1 -d postgres -c 'create database ember' >/dev/null ||
		h_die "create database failed"
}

# h_pg_ctl start|stop|restart: control the test cluster (fault tests use it).
# The cluster trades durability for speed (fsync, synchronous_commit and
# full_page_writes off); H_PG_OPTS, when set, is appended to its options
# (later -c settings win), e.g. "-c fsync=on -c synchronous_commit=on".
h_pg_ctl() {
	case "$1" in
	start)
		h_as_pg "$H_PGBIN/pg_ctl" -D "$H_PGDIR/data" -l "$H_PGDIR/server.log" -w -t 60 \
			-o "-c listen_addresses=127.0.0.1 -p $H_PGPORT -k $H_PGDIR -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200 ${H_PG_OPTS:-}" \
			start >/dev/null 2>&1
		;;
	stop)
		h_as_pg "$H_PGBIN/pg_ctl" -D "$H_PGDIR/data" -m fast -w stop >/dev/null 2>&1
		;;
	restart)
		h_pg_ctl stop && h_pg_ctl start
		;;
	esac
}

# h_ok NAME CMD...: run CMD; print a TAP line; remember failures.
h_ok() {
	local name=$1
	shift
	H_N=$((H_N + 1))
	if "$@"; then
		echo "ok $H_N - $name"
	else
		echo "not ok $H_N - $name"
		H_FAILED=$((H_FAILED + 1))
	fi
}

# h_is NAME GOT WANT: compare two strings as a TAP check.
h_is() {
	local name=$1 got=$2 want=$3
	H_N=$((H_N + 1))
	if [ "$got" = "$want" ]; then
		echo "ok $H_N - $name"
	else
		echo "not ok $H_N - $name"
		printf '#   got:  %s\n#   want: %s\n' "$got" "$want"
		H_FAILED=$((H_FAILED + 1))
	fi
}

# h_done: print the TAP plan; exit 1 if any check failed.
h_done() {
	echo "1..$H_N"
	[ "$H_FAILED" -eq 0 ]
}
