#!/bin/bash
# t_install_deps.sh - scripts/install-deps: the quick start installs only
# what running needs, and no service a package enabled is left enabled.
# Nothing is installed here: the sets are listed, and the unit handling
# runs against a scratch copy of /etc/systemd/system.
source "$(dirname "$0")/../harness/lib.sh"
h_init
DEPS=$H_ROOT/scripts/install-deps

run=$("$DEPS" --list run | sort)
all=$("$DEPS" --list | sort)
for p in postgresql lighttpd supervisor libpq-dev libfcgi-dev build-essential; do
	h_ok "run set has $p" grep -qx "$p" <<<"$run"
done
for p in apache2 chromium afl++ valgrind wrk hyperfine clang; do
	h_ok "run set leaves $p to the tests" bash -c "! grep -qx '$p' <<<\"\$1\"" _ "$run"
	h_ok "test set has $p" grep -qx "$p" <<<"$all"
done
h_is "test set contains the run set" "$(comm -23 <(echo "$run") <(echo "$all"))" ""
h_ok "scripts/run installs the run set" grep -q 'install-deps" run' "$H_ROOT/scripts/run"
h_ok "scripts/test installs the test set" grep -q 'scripts/install-deps" >' "$H_ROOT/scripts/test"

# The unit handling: apache2 and lighttpd appear enabled after the install,
# postgresql was enabled before it: only the new ones are disabled.
SD=$H_RUN/systemd
mkdir -p "$SD/multi-user.target.wants"
ln -s /lib/systemd/system/postgresql.service "$SD/multi-user.target.wants/postgresql.service"
out=$(
	export EMBER_INSTALL_DEPS_LIB=1 EMBER_SYSTEMD_ROOT=$SD
	# shellcheck source=/dev/null
	. "$DEPS"
	mapfile -t before < <(enabled_units)
	ln -s /lib/systemd/system/apache2.service "$SD/multi-user.target.wants/apache2.service"
	ln -s /lib/systemd/system/lighttpd.service "$SD/multi-user.target.wants/lighttpd.service"
	disable_new_units "${before[@]}" >/dev/null
	enabled_units | tr '\n' ' '
)
h_is "after an install only the unit enabled before stays enabled" "$out" "postgresql "
h_done
