#!/bin/bash
# t_flame_browser.sh - the renderer's HTML page in real Chromium with the
# network blocked (tests/browser/flame.test.mjs): tooltips, regex search
# and "matched: x %", click zoom, reset, keyboard, hostile names, and the
# diff page.  The pages come from tests/integration/flame_render.
source "$(dirname "$0")/../harness/lib.sh"
h_init
R=$EMBER_BUILD/tests/integration/flame_render
B=$H_ROOT/tests/browser
D=$H_ROOT/tests/data/flame
[ -x "$R" ] || h_die "build $R first (make check)"
command -v node >/dev/null || h_die "node not found"
: "${EMBER_CHROMIUM:=/usr/bin/chromium}"
[ -x "$EMBER_CHROMIUM" ] || h_die "chromium not found at $EMBER_CHROMIUM"
if [ ! -d "$B/node_modules/playwright-core" ]; then
	(cd "$B" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --silent) >&2 ||
		h_die "npm ci in tests/browser failed"
fi
"$R" html "$D/page_a.folded" >"$H_RUN/page.html" || h_die "flame_render html failed"
"$R" diff-html "$D/page_base.folded" "$D/page_compare.folded" >"$H_RUN/diff.html" ||
	h_die "flame_render diff-html failed"
export EMBER_CHROMIUM EMBER_ARTIFACTS=${EMBER_ARTIFACTS:-$H_RUN}
node "$B/flame.test.mjs" "$H_RUN/page.html" "$H_RUN/diff.html" >"$H_RUN/flame.tap" 2>&1
while IFS= read -r line; do
	case "$line" in
	"ok "*) h_ok "${line#ok * - }" true ;;
	"not ok "*) h_ok "${line#not ok * - }" false ;;
	"#"*) echo "$line" ;;
	esac
done <"$H_RUN/flame.tap"
grep -q '^1\.\.' "$H_RUN/flame.tap" || { cat "$H_RUN/flame.tap"; h_ok "the browser test ran to the end" false; }
h_done
