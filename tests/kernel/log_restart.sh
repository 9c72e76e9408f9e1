#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# The audit log across a crash, in either tier (EMBARGO_TIER): embargod is killed with SIGKILL
# while execs are being denied, and started again on the same log. The log must say what
# happened in between (a "chain" record with reason "restart" after the last record the first
# embargod wrote), and its hash chain must verify, also with the anchor. The log is rotated
# on the way, and the rotated files verify as one chain. Every rule names only files this
# test created.
# Needs root, busybox, embargod and embargo on PATH, and exec_many (EMBARGO_TEST_BIN, or
# beside EMBARGO_TRY_EXEC).
set -u

here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/tap.sh"
. "$here/../lib/daemon.sh"

tier=${EMBARGO_TIER:?set EMBARGO_TIER to lsm or tracepoint}
try_exec=${EMBARGO_TRY_EXEC:-try_exec}
bin=${EMBARGO_TEST_BIN:-$(dirname "$try_exec")}
# How many denied execs the loop makes across the crash (enough to rotate the log).
execs=${EMBARGO_RESTART_EXECS:-20000}
busybox=$(command -v busybox)
case $busybox in /*) ;; *) busybox=/bin/busybox ;; esac

T=$(mktemp -d "${TMPDIR:-/tmp}/embargo-restart.XXXXXX")
T=$(cd "$T" && pwd -P)
loop_pid=""
cleanup() {
	[ -n "$loop_pid" ] && kill "$loop_pid" 2>/dev/null && wait "$loop_pid"
	[ -n "$daemon_pid" ] && kill -9 "$daemon_pid" 2>/dev/null
	daemon_stop
	rm -rf "$T"
}
trap cleanup EXIT

mkdir -p "$T/banned"
cp "$busybox" "$T/banned/touch"
chmod 755 "$T/banned/touch"
echo "deny exec path=$T/banned/touch key=restart" > "$T/test.policy"

# Small files, so that the run rotates a few times.
daemon_start "$T" --policy "$T/test.policy" --tier "$tier" --log-max-size 1M --log-keep 1000
check "embargod is ready in the $tier tier" grep -q "^embargod: ready tier=$tier" "$T/daemon.out"
"$bin/exec_many" "$execs" "$T/banned/touch" "$T/marker" > "$T/loop.out" &
loop_pid=$!
log_wait_lines '"key":"restart"' 200
first_pid=$daemon_pid
kill -9 "$daemon_pid"
wait "$daemon_pid" 2>/dev/null
daemon_pid=""
before=$(cat "$T/events.jsonl" "$T"/events.jsonl.[0-9]* 2>/dev/null | grep -c '"key":"restart"')
daemon_start "$T" --policy "$T/test.policy" --tier "$tier" --log-max-size 1M --log-keep 1000
check "a new embargod starts on the same log" grep -q "^embargod: ready" "$T/daemon.out"
wait "$loop_pid"
loop_pid=""
echo "# $(cat "$T/loop.out"); the first embargod (pid $first_pid) logged $before denials"
check "the first embargod was killed while the loop ran ($before of $execs logged)" \
	[ "$before" -lt "$execs" ]
log_wait_lines '"key":"restart"' 1
daemon_stop

# The rotated files oldest first, then the log.
files=$(find "$T" -maxdepth 1 -name 'events.jsonl.[0-9]*' | sed 's/.*\.\([0-9]*\)$/\1 &/' |
	sort -rn | cut -d' ' -f2)
n_rot=$(echo "$files" | grep -c .)
check "the log was rotated on the way ($n_rot files)" [ "$n_rot" -ge 1 ]
# shellcheck disable=SC2086 # the file names are words
out=$(embargo log verify $files "$T/events.jsonl" 2>&1)
rc=$?
check "the hash chain verifies across the crash and the rotations ($out)" [ $rc -eq 0 ]
check "the anchor was checked and matches" sh -c "echo '$out' | grep -q 'anchor: .* matches'"
# shellcheck disable=SC2086
cat $files "$T/events.jsonl" > "$T/all.jsonl"
check "the log says embargod restarted" grep -q '"event":"chain","reason":"restart"' "$T/all.jsonl"
check "and where the chain began" grep -q '"event":"chain","reason":"new"' "$T/all.jsonl"
check "and where files were rotated" grep -q '"event":"chain","reason":"rotated"' "$T/all.jsonl"
# The restart record follows the last record the first embargod wrote.
restart_line=$(grep -n '"reason":"restart"' "$T/all.jsonl" | head -n 1 | cut -d: -f1)
first_denials=$(head -n "$restart_line" "$T/all.jsonl" | grep -c '"key":"restart"')
check "the restart record follows the first embargod's $before denials (line $restart_line)" \
	[ "$first_denials" -eq "$before" ]
# Doctor a copy: the verification must notice.
sed '5s/"deny"/"audit"/' "$T/events.jsonl" > "$T/doctored.jsonl"
# shellcheck disable=SC2086
out=$(embargo log verify --no-anchor $files "$T/doctored.jsonl" 2>&1)
rc=$?
check "an edited line is caught ($out)" sh -c "[ $rc -eq 1 ] && echo '$out' | grep -q 'altered'"

done_testing
