#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# The CLI beside a running embargod, in either tier (EMBARGO_TIER): log, log verify and report
# read the log embargod writes (its status names it) before the default path; status --json
# says "pinned" as a boolean; a user who is not root is told that root (or --admin-group) is
# needed. The policy denies only a file this test created.
# Needs root, busybox, embargod and embargo on PATH, and run_as (EMBARGO_TEST_BIN, or beside
# EMBARGO_TRY_EXEC).
set -u

here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/tap.sh"
. "$here/../lib/daemon.sh"

tier=${EMBARGO_TIER:?set EMBARGO_TIER to lsm or tracepoint}
try_exec=${EMBARGO_TRY_EXEC:-try_exec}
bin=${EMBARGO_TEST_BIN:-$(dirname "$try_exec")}
embargo=$(command -v embargo)

T=$(mktemp -d "${TMPDIR:-/tmp}/embargo-clid.XXXXXX")
T=$(cd "$T" && pwd -P)
cleanup() {
	daemon_stop
	rm -rf "$T"
}
trap cleanup EXIT

busybox=$(command -v busybox)
case $busybox in /*) ;; *) busybox=/bin/busybox ;; esac
mkdir -p "$T/banned"
cp "$busybox" "$T/banned/touch"
chmod 755 "$T/banned/touch"
printf 'version 1\ndeny exec path=%s/banned/touch key=clid\n' "$T" > "$T/test.policy"

if ! daemon_start "$T" --policy "$T/test.policy" --tier "$tier"; then
	not_ok "embargod starts"
	done_testing
	exit 1
fi
ok "embargod starts"
S=$T/ctl.sock

embargo --control "$S" status --json > "$T/status.json" 2> "$T/err"
check "status --json" [ "$?" -eq 0 ]
check "...\"pinned\" is a boolean" grep -q '"pinned":true' "$T/status.json"
check "...and the pin directory beside it" grep -q "\"pin_dir\":\"$T/bpffs/embargo\"" "$T/status.json"
embargo --control "$S" status > "$T/status.txt" 2> "$T/err"
check "status says where the programs are pinned" grep -q "^pinned: *$T/bpffs/embargo " "$T/status.txt"

# Something in the log: an exec the rule denies.
sh -c '"$1" "$2"' sh "$T/banned/touch" "$T/marker" > /dev/null 2>&1
log_wait_lines '"key":"clid"' 1 || echo "# no event logged"

# No FILE: the log embargod writes, not the default path.
embargo --control "$S" log --key clid > "$T/out" 2> "$T/err"
rc=$?
check "log with no FILE reads embargod's log" sh -c "[ $rc -eq 0 ] && grep -q '$T/banned/touch' '$T/out'"
embargo --control "$S" log verify > "$T/out" 2> "$T/err"
check "log verify with no FILE verifies it" grep -q '^OK: ' "$T/out"
embargo --control "$S" report --html "$T/r.html" --key clid --json > "$T/out" 2> "$T/err"
check "report with no LOG reports on it" grep -q '"events":[1-9]' "$T/out"

# A user who is not root.
chmod 755 "$T"
"$bin/run_as" 65534 65534 "$embargo" --control "$S" status > "$T/out" 2> "$T/err"
rc=$?
check "status as uid 65534: exit 1" [ "$rc" -eq 1 ]
check "...told that root or the admin group is needed" \
	grep -q "permission denied on $S: .*serves root, and the members of the group its --admin-group names" "$T/err"
"$bin/run_as" 65534 65534 "$embargo" --json --control "$S" status > "$T/out" 2>&1
check "...in JSON too" grep -q '^{"error":"permission denied on ' "$T/out"

daemon_stop
check "embargod stops" [ "$daemon_status" -eq 0 ]

done_testing
