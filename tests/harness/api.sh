# tests/harness/api.sh - helpers for the HTTP API integration tests.
#
# Source after lib.sh and lighttpd.sh.
#
#     h_api_db                      # h_pg_start + every sql/NNNN_*.up.sql
#     key=$(h_api_key SERVICE|'')   # a live key in ember_api_keys ('' = all)
#     h_req METHOD PATH [CURL-ARGS...]   # sets H_STATUS, H_BODY, H_HEADERS
#     h_golden FILE [CURL-ARGS...]  # replay a golden .http request (its
#                                   # headers too; a "<gzip body...>"
#                                   # placeholder is left to CURL-ARGS); sets
#                                   # H_STATUS/H_BODY and H_WANT_STATUS/H_WANT_BODY
#     h_norm JSON                   # UUIDs -> "UUID", timestamps -> "TS",
#                                   # keys sorted (for comparing with goldens)
#     h_sql SQL                     # psql -At on the test database

# The golden exchanges live in the repository (tests/data/golden/README.md);
# a test never reads outside it, and a missing file is a failure.
H_GOLDEN=${H_GOLDEN:-$H_ROOT/tests/data/golden}

# h_api_db: a throwaway PostgreSQL with the project's migrations applied.
h_api_db() {
	local f
	h_pg_start
	for f in $(ls "$H_ROOT"/sql/[0-9][0-9][0-9][0-9]_*.up.sql | sort); do
		psql -X -q -v ON_ERROR_STOP=1 -f "$f" >/dev/null 2>"$H_RUN/migrate.err" ||
			h_die "migration $f failed: $(cat "$H_RUN/migrate.err")"
	done
}

# h_sql SQL: run SQL on the test database, unaligned, tuples only.
h_sql() { psql -X -q -At -v ON_ERROR_STOP=1 -c "$1"; }

# h_api_key SERVICE: create a key (SERVICE '' = every service), print it.
h_api_key() {
	local key svc=$1
	key="k$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')"
	if [ -z "$svc" ]; then
		h_sql "INSERT INTO ember_api_keys (key_hash, key_prefix, service_name)
			VALUES (encode(sha256('$key'::bytea), 'hex'), '${key:0:8}', NULL)" >/dev/null
	else
		h_sql "INSERT INTO ember_api_keys (key_hash, key_prefix, service_name)
			VALUES (encode(sha256('$key'::bytea), 'hex'), '${key:0:8}', '$svc')" >/dev/null
	fi
	echo "$key"
}

# h_req METHOD PATH [CURL-ARGS...]: one request through lighttpd.
h_req() {
	local method=$1 path=$2 out
	shift 2
	out=$(curl -s -X "$method" -D "$H_RUN/h_req.headers" -o "$H_RUN/h_req.body" \
		-w '%{http_code}' "$@" "$H_HTTP$path")
	H_STATUS=$out
	H_BODY=$(cat "$H_RUN/h_req.body")
	H_HEADERS=$(tr -d '\r' <"$H_RUN/h_req.headers")
}

# h_header NAME: a header of the last h_req response (case-insensitive).
h_header() {
	grep -i "^$1:" <<<"$H_HEADERS" | head -n 1 | sed 's/^[^:]*: *//'
}

# h_golden FILE [CURL-ARGS...]: replay the request of a golden exchange.
h_golden() {
	local file=$H_GOLDEN/$1 line method path body
	shift
	[ -f "$file" ] || h_die "no golden file $file (tests/data/golden)"
	line=$(sed -n '/^### request/{n;p;q}' "$file")
	method=${line%% *}
	path=${line#* }
	path=${path%% HTTP/*}
	# The body: after the first blank line of the request, up to ### response.
	sed -n '/^### request/,/^### response/p' "$file" | sed '1d;$d' |
		awk 'body { print; next } /^$/ { body = 1 }' >"$H_RUN/golden.body"
	# Drop the one trailing newline the file format adds after the body.
	body=$(cat "$H_RUN/golden.body")
	printf '%s' "$body" >"$H_RUN/golden.body"
	H_WANT_STATUS=$(sed -n '/^### response/{n;p;q}' "$file" | awk '{print $2}')
	H_WANT_BODY=$(sed -n '/^### response/,$p' "$file" | awk 'body { print; next } /^$/ { body = 1 }')
	# The request's own headers, except those curl sets itself.
	local hdrs=() h
	while IFS= read -r h; do
		case "${h%%:*}" in
		Host | User-Agent | Accept | Content-Length | Content-Type | Content-Encoding) ;;
		*) hdrs+=(-H "$h") ;;
		esac
	done < <(sed -n '/^### request/,/^### response/p' "$file" | sed '1,2d' | awk '/^$/ { exit } { print }')
	if [ -s "$H_RUN/golden.body" ] && ! grep -q '^<gzip body' "$H_RUN/golden.body"; then
		h_req "$method" "$path" -H 'Content-Type: application/json' \
			--data-binary "@$H_RUN/golden.body" "${hdrs[@]}" "$@"
	else
		h_req "$method" "$path" "${hdrs[@]}" "$@"
	fi
}

# h_norm JSON: normalise volatile values for comparison.
h_norm() {
	jq -S -c 'walk(if type == "string" then
		(if test("^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$") then "UUID"
		 elif test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+(Z|[+-][0-9:]+)?$") then "TS"
		 else . end) else . end)' <<<"$1" 2>/dev/null || echo "NOT JSON: $1"
}

# h_json_types JSON: the paths and value types (for "same fields and types").
h_json_types() {
	jq -S -c '[paths(scalars) as $p | [($p | map(if type == "number" then 0 else . end) | join(".")), (getpath($p) | type)]] | unique' <<<"$1" 2>/dev/null || echo "NOT JSON: $1"
}
