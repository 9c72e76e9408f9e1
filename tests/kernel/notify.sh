#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# embargod under systemd's Type=notify, with a stand-in for systemd: notify_listen binds a
# datagram socket given to embargod as NOTIFY_SOCKET and prints what it receives. READY=1 comes
# from embargod's own pid once its programs are attached (a denied exec fails at once), with a
# STATUS= line; each reload (embargo reload, SIGHUP, a refused one) is RELOADING=1 then
# READY=1; SIGTERM says STOPPING=1. Every rule names only files this test creates under a fresh
# temporary directory. Needs root, busybox, embargod and embargo on PATH, try_exec
# (EMBARGO_TRY_EXEC) and notify_listen beside it.
set -u

here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/tap.sh"
. "$here/../lib/daemon.sh"

tier=${EMBARGO_TIER:?set EMBARGO_TIER to lsm or tracepoint}
try_exec=${EMBARGO_TRY_EXEC:-try_exec}
bin=${EMBARGO_TEST_BIN:-$(dirname "$try_exec")}
busybox=$(command -v busybox)
case $busybox in /*) ;; *) busybox=/bin/busybox ;; esac

T=$(mktemp -d "${TMPDIR:-/tmp}/embargo-notify.XXXXXX")
listen_pid=""
cleanup() {
	daemon_stop
	if [ -n "$listen_pid" ]; then
		kill "$listen_pid" 2> /dev/null
		wait "$listen_pid" 2> /dev/null
	fi
	rm -rf "$T"
}
trap cleanup EXIT

# is DESCRIPTION GOT WANT
is() {
	if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1" "got:      '$2'" "expected: '$3'"; fi
}

# last FIELD: the number of the last message holding FIELD exactly (0: none).
last() {
	awk -v f="$1" '$3 == f { n = $1 } END { print n + 0 }' "$T/notify.out"
}
# count FIELD: how many messages hold FIELD exactly.
count() {
	awk -v f="$1" '$3 == f { n++ } END { print n + 0 }' "$T/notify.out"
}
# wait_count FIELD N: waits until N messages hold FIELD.
wait_count() {
	i=0
	while [ "$(count "$1")" -lt "$2" ] && [ $i -lt 100 ]; do
		sleep 0.1
		i=$((i + 1))
	done
}
# status_of N: the STATUS= field of message N.
status_of() {
	awk -v n="$1" '$1 == n && $3 ~ /^STATUS=/ { sub(/^[0-9]+ [0-9]+ /, ""); print }' \
		"$T/notify.out"
}

denied_result() {
	case $tier in
	lsm) echo "errno=EPERM" ;;
	*) echo "signal=9" ;;
	esac
}
# exec_result: how an exec of the banned file ends (errno=..., signal=..., exit=...).
exec_result() {
	rm -f "$T/marker"
	# shellcheck disable=SC2046 # the words are the fields
	set -- $("$try_exec" "$T/bin/touch" "$T/marker")
	echo "${3:-none}"
}

mkdir -p "$T/bin"
# A copy of busybox named touch: were it to run, the marker would exist.
cp "$busybox" "$T/bin/touch"
chmod 755 "$T/bin/touch"
printf 'deny exec path=%s key=notify-test\n' "$T/bin/touch" > "$T/test.policy"

"$bin/notify_listen" "$T/notify.sock" > "$T/notify.out" &
listen_pid=$!
i=0
while [ ! -S "$T/notify.sock" ] && [ $i -lt 50 ]; do
	sleep 0.1
	i=$((i + 1))
done

NOTIFY_SOCKET=$T/notify.sock
export NOTIFY_SOCKET
daemon_start "$T" --policy "$T/test.policy" --tier "$tier" || exit 1
unset NOTIFY_SOCKET
wait_count READY=1 1

ready=$(last READY=1)
if [ "$ready" -gt 0 ]; then ok "READY=1 is sent"; else not_ok "READY=1 is sent" "$(cat "$T/notify.out")"; fi
is "  by embargod's own pid (NotifyAccess=main)" \
	"$(awk -v n="$ready" '$1 == n { print $2; exit }' "$T/notify.out")" "$daemon_pid"
is "  once" "$(count READY=1)" 1
loading=$(awk '/ STATUS=Loading the programs$/ { print $1 }' "$T/notify.out")
if [ "${loading:-$ready}" -lt "$ready" ]; then
	ok "  after 'Loading the programs'"
else
	not_ok "  after 'Loading the programs'" "$(cat "$T/notify.out")"
fi
is "  with a STATUS= line naming the policy in force" "$(status_of "$ready")" \
	"STATUS=Policy generation 1 in force: 1 rules, mode enforce, tier $tier"
is "  and enforcement is on by then: the banned file is denied" "$(exec_result)" "$(denied_result)"

# --- embargo reload
embargo --control "$T/ctl.sock" reload > "$T/reload.out" 2>&1
is "embargo reload exits 0" "$?" 0
wait_count READY=1 2
reloading=$(last RELOADING=1)
if [ "$reloading" -gt "$ready" ] && [ "$(last READY=1)" -gt "$reloading" ]; then
	ok "  RELOADING=1, then READY=1"
else
	not_ok "  RELOADING=1, then READY=1" "$(cat "$T/notify.out")"
fi
if awk -v n="$reloading" '$1 == n && $3 ~ /^MONOTONIC_USEC=[0-9]+$/ { f = 1 } END { exit !f }' \
	"$T/notify.out"; then
	ok "  RELOADING=1 with MONOTONIC_USEC="
else
	not_ok "  RELOADING=1 with MONOTONIC_USEC=" "$(cat "$T/notify.out")"
fi
is "  READY=1 names the new generation" "$(status_of "$(last READY=1)")" \
	"STATUS=Policy generation 2 in force: 1 rules, mode enforce, tier $tier"

# --- SIGHUP
daemon_reload
wait_count READY=1 3
is "SIGHUP: RELOADING=1 again" "$(count RELOADING=1)" 2
if [ "$(last READY=1)" -gt "$(last RELOADING=1)" ]; then
	ok "  then READY=1"
else
	not_ok "  then READY=1" "$(cat "$T/notify.out")"
fi

# --- a refused reload: READY=1 all the same (the generation before stays), said in STATUS=
echo "deny exec nonsense" >> "$T/test.policy"
daemon_reload
wait_count READY=1 4
is "a refused reload: RELOADING=1" "$(count RELOADING=1)" 3
is "  then READY=1, saying the reload was refused" "$(status_of "$(last READY=1)")" \
	"STATUS=Policy generation 3 in force: 1 rules, mode enforce, tier $tier; the last reload was refused"
is "  and the banned file is still denied" "$(exec_result)" "$(denied_result)"

# --- stop
kill -TERM "$daemon_pid"
wait "$daemon_pid"
daemon_status=$?
daemon_pid=""
wait_count STOPPING=1 1
is "SIGTERM: STOPPING=1" "$(count STOPPING=1)" 1
is "  and embargod exits 0" "$daemon_status" 0

done_testing
