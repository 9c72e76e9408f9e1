#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Nothing lost, counted exactly: a burst of 100,000 denied execs (EMBARGO_BURST) of a program
# the test created, in either tier (EMBARGO_TIER). Every attempt must be accounted for in the
# log: deny lines for it plus the drops the log records (ring buffer full) equal the attempts.
# Needs root, busybox, embargod and embargo on PATH, and exec_many (EMBARGO_TEST_BIN, or
# beside EMBARGO_TRY_EXEC).
set -u

here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/tap.sh"
. "$here/../lib/daemon.sh"

tier=${EMBARGO_TIER:?set EMBARGO_TIER to lsm or tracepoint}
try_exec=${EMBARGO_TRY_EXEC:-try_exec}
bin=${EMBARGO_TEST_BIN:-$(dirname "$try_exec")}
n=${EMBARGO_BURST:-100000}
busybox=$(command -v busybox)
case $busybox in /*) ;; *) busybox=/bin/busybox ;; esac

T=$(mktemp -d "${TMPDIR:-/tmp}/embargo-burst.XXXXXX")
T=$(cd "$T" && pwd -P)
trap 'daemon_stop; rm -rf "$T"' EXIT

mkdir -p "$T/banned"
cp "$busybox" "$T/banned/touch"
chmod 755 "$T/banned/touch"
cat > "$T/test.policy" <<POLICY
deny exec path=$T/banned/touch key=burst
POLICY
daemon_start "$T" --policy "$T/test.policy" --tier "$tier"
check "embargod is ready in the $tier tier" grep -q "^embargod: ready tier=$tier" "$T/daemon.out"

out=$("$bin/exec_many" "$n" "$T/banned/touch" "$T/marker")
echo "# $out"
eval "$(echo "$out" | tr ' ' '\n' | grep '^[a-z]*=[0-9]*$')"
case $tier in
lsm) stopped=${refused:-0} ;;
*) stopped=${killed:-0} ;;
esac
check "all $n execs were denied ($stopped)" [ "$stopped" -eq "$n" ]
check "none ran" [ ! -e "$T/marker" ]

# Let embargod catch up, then have it write what it dropped (a status request does).
i=0
last=-1
while [ $i -lt 600 ]; do
	embargo --control "$T/ctl.sock" status --json > "$T/status.json"
	now=$(grep -c '"key":"burst"' "$T/events.jsonl")
	[ "$now" = "$last" ] && break
	last=$now
	sleep 0.5
	i=$((i + 1))
done
embargo --control "$T/ctl.sock" status --json > "$T/status.json"
sleep 0.5
logged=$(grep '"key":"burst"' "$T/events.jsonl" | grep -c '"verdict":"deny"')
dropped=$(grep '"event":"drop"' "$T/events.jsonl" |
	sed -n 's/.*"count":\([0-9]*\).*/\1/p' | awk '{ s += $1 } END { print s + 0 }')
kernel_dropped=$(sed -n 's/.*"events_dropped":\([0-9]*\).*/\1/p' "$T/status.json")
echo "# attempts=$n logged=$logged drop_records=$dropped status_events_dropped=$kernel_dropped"
check "events logged + drops recorded = execs attempted ($logged + $dropped = $n)" \
	[ $((logged + dropped)) -eq "$n" ]
check "the drop records agree with embargo status ($dropped, $kernel_dropped)" \
	[ "$dropped" -eq "${kernel_dropped:--1}" ]

done_testing
