#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# embargod --journal where neither journald nor a syslog daemon listens: a warning at start,
# and the same in "embargo status" (text and --json), while enforcement goes on. embargod runs
# in a mount namespace of its own where journald's directory is an empty tmpfs and /dev/log,
# when there is one, is a plain file: nothing of the machine's is changed. Every rule names only
# files this test creates under a fresh temporary directory. Needs root, busybox (unshare,
# mount), embargod and embargo on PATH, and try_exec (EMBARGO_TRY_EXEC).
set -u

here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/tap.sh"

tier=${EMBARGO_TIER:?set EMBARGO_TIER to lsm or tracepoint}
try_exec=${EMBARGO_TRY_EXEC:-try_exec}
busybox=$(command -v busybox)
case $busybox in /*) ;; *) busybox=/bin/busybox ;; esac

T=$(mktemp -d "${TMPDIR:-/tmp}/embargo-sinkwarn.XXXXXX")
daemon_pid=""
cleanup() {
	if [ -n "$daemon_pid" ]; then
		kill -TERM "$daemon_pid" 2> /dev/null
		wait "$daemon_pid" 2> /dev/null
	fi
	rm -rf "$T"
}
trap cleanup EXIT

# is DESCRIPTION GOT WANT
is() {
	if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1" "got:      '$2'" "expected: '$3'"; fi
}
# has DESCRIPTION TEXT PATTERN: TEXT holds the fixed string PATTERN.
has() {
	if printf '%s\n' "$2" | grep -qF -- "$3"; then ok "$1"; else not_ok "$1" "got: $2" "wanted: $3"; fi
}

mkdir -p "$T/bin"
cp "$busybox" "$T/bin/touch"
chmod 755 "$T/bin/touch"
printf 'deny exec path=%s key=sinkwarn-test\n' "$T/bin/touch" > "$T/test.policy"
: > "$T/not-a-socket"

# Inside the namespace: hide journald's socket and any syslog daemon's, then become embargod.
cat > "$T/start.sh" << START
[ -d /run/systemd/journal ] && mount -t tmpfs tmpfs /run/systemd/journal
[ -S /dev/log ] && mount --bind "$T/not-a-socket" /dev/log
exec embargod --no-pin --tier "$tier" --journal --policy "$T/test.policy" \
	--log "$T/events.jsonl" --control "$T/ctl.sock" --state "$T/state"
START
unshare -m --propagation private sh "$T/start.sh" > "$T/daemon.out" 2> "$T/daemon.err" &
daemon_pid=$!
i=0
while ! grep -q '^embargod: ready' "$T/daemon.out" && kill -0 "$daemon_pid" 2> /dev/null &&
	[ $i -lt 600 ]; do
	sleep 0.1
	i=$((i + 1))
done
check "embargod --journal starts all the same" grep -q '^embargod: ready' "$T/daemon.out"

warning="--journal: neither journald (/run/systemd/journal/socket) nor a syslog daemon (/dev/log:"
has "a warning at start, on stderr" "$(grep 'warning' "$T/daemon.err")" "embargod: warning: $warning"
has "  saying that decisions are not sent" "$(grep 'warning' "$T/daemon.err")" \
	"listens: decisions are not sent"

status=$(embargo --control "$T/ctl.sock" status)
has "embargo status shows the journal sink" "$status" "journal:    on via syslog: 0 sent"
has "  and its warning" "$status" "            warning: $warning"
json=$(embargo --control "$T/ctl.sock" --json status)
has "embargo status --json: the warning in sinks.journal" "$json" \
	"\"journal\":{\"on\":true,\"via\":\"syslog\","
has "  as \"warning\"" "$json" "\"warning\":\"$warning"

# shellcheck disable=SC2046 # the words are the fields
set -- $("$try_exec" "$T/bin/touch" "$T/marker")
case $tier in lsm) want=errno=EPERM ;; *) want=signal=9 ;; esac
is "enforcement is on: the banned file is denied" "${3:-none}" "$want"

done_testing
