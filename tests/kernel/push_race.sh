#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Atomic policy replacement under load, in either tier (EMBARGO_TIER): while a loop executes a
# banned program and an allowed one as fast as it can, 1,000 consecutive pushes swap between
# two policies that both deny the banned program (by path=, then by dir=). Not one banned exec
# may run, and no allowed exec may be refused. Every file is the test's own.
# Needs root, busybox, embargod and embargo on PATH, and the helpers (EMBARGO_TEST_BIN, or
# beside EMBARGO_TRY_EXEC).
set -u

here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/tap.sh"
. "$here/../lib/daemon.sh"

tier=${EMBARGO_TIER:?set EMBARGO_TIER to lsm or tracepoint}
try_exec=${EMBARGO_TRY_EXEC:-try_exec}
bin=${EMBARGO_TEST_BIN:-$(dirname "$try_exec")}
pushes=${EMBARGO_PUSHES:-1000}
busybox=$(command -v busybox)
case $busybox in /*) ;; *) busybox=/bin/busybox ;; esac

T=$(mktemp -d "${TMPDIR:-/tmp}/embargo-race.XXXXXX")
T=$(cd "$T" && pwd -P)
race_pid=""
cleanup() {
	touch "$T/stop"
	[ -n "$race_pid" ] && wait "$race_pid"
	daemon_stop
	rm -rf "$T"
}
trap cleanup EXIT

mkdir -p "$T/banned" "$T/free" "$T/markers" "$T/other"
cp "$busybox" "$T/banned/touch"
cp "$busybox" "$T/free/touch"
: > "$T/other/x"
chmod 755 "$T/banned/touch" "$T/free/touch"

cat > "$T/a.policy" <<POLICY
deny exec path=$T/banned/touch key=race-a
POLICY
cat > "$T/b.policy" <<POLICY
deny exec dir=$T/banned key=race-b
deny exec path=$T/other/x key=race-b
POLICY

daemon_start "$T" --policy "$T/a.policy" --tier "$tier" --state "$T/state"
check "embargod is ready in the $tier tier" grep -q "^embargod: ready tier=$tier" "$T/daemon.out"
gen_before=$(embargo --control "$T/ctl.sock" status --json | sed -n 's/.*"generation":\([0-9]*\).*/\1/p')

"$bin/exec_race" "$T/stop" "$T/banned/touch" "$T/free/touch" "$T/markers" > "$T/race.out" &
race_pid=$!

i=0
failed=0
while [ $i -lt "$pushes" ]; do
	if [ $((i % 2)) -eq 0 ]; then p=b; else p=a; fi
	if ! embargo --control "$T/ctl.sock" push "$T/$p.policy" > "$T/push.out" 2>&1; then
		failed=$((failed + 1))
		[ $failed -le 3 ] && sed 's/^/# push failed: /' "$T/push.out"
	fi
	i=$((i + 1))
done
touch "$T/stop"
wait "$race_pid"
race_pid=""
gen_after=$(embargo --control "$T/ctl.sock" status --json | sed -n 's/.*"generation":\([0-9]*\).*/\1/p')

check "$pushes pushes succeeded ($failed failed)" [ "$failed" -eq 0 ]
check "each push made a generation ($gen_before -> $gen_after)" \
	[ "$((gen_after - gen_before))" -eq "$pushes" ]
echo "# $(cat "$T/race.out")"
eval "$(tr ' ' '\n' < "$T/race.out" | grep '^[a-z_]*=[0-9]*$')"
check "the banned program was tried throughout (${banned_attempts:-0} attempts)" \
	[ "${banned_attempts:-0}" -gt 0 ]
case $tier in
lsm) stopped=${banned_refused:-0} ;;
*) stopped=${banned_killed:-0} ;;
esac
check "every banned exec was stopped ($stopped of ${banned_attempts:-0})" \
	[ "$stopped" -eq "${banned_attempts:--1}" ]
check "not one banned exec ran (${banned_ran:-?} ran)" [ "${banned_ran:-1}" -eq 0 ]
check "no banned exec ended any other way (${banned_other:-?})" [ "${banned_other:-1}" -eq 0 ]
check "no marker of the banned program exists" \
	sh -c "! ls '$T/markers' | grep -q '^banned'"
check "no allowed exec was refused (${allowed_failed:-?} of ${allowed_attempts:-?})" \
	[ "${allowed_failed:-1}" -eq 0 ]
check "every allowed exec ran (${allowed_ran:-?} of ${allowed_attempts:-?})" \
	[ "${allowed_ran:-0}" -eq "${allowed_attempts:--1}" ]

done_testing
