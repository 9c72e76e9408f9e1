#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# embargod's least privilege, in either tier (EMBARGO_TIER): once running it holds only the
# capabilities it needs (also in its bounding set), has no_new_privs and a seccomp filter; a
# system call outside the allowlist kills it with SIGSYS (test hooks, served only with
# EMBARGOD_TEST_HOOKS=1), on the main thread and on the thread that parses pushed policies,
# which may not even open a file. The pinned programs go on enforcing after such a death.
# Every rule names only files this test creates under a fresh temporary directory.
# Needs root, busybox, embargod and embargo on PATH, try_exec and ctl_request
# (EMBARGO_TRY_EXEC, EMBARGO_TEST_BIN).
set -u

here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/tap.sh"
. "$here/../lib/daemon.sh"

tier=${EMBARGO_TIER:?set EMBARGO_TIER to lsm or tracepoint}
try_exec=${EMBARGO_TRY_EXEC:-try_exec}
bin=${EMBARGO_TEST_BIN:-$(dirname "$try_exec")}
busybox=$(command -v busybox)
case $busybox in /*) ;; *) busybox=/bin/busybox ;; esac

T=$(mktemp -d "${TMPDIR:-/tmp}/embargo-sandbox.XXXXXX")
T=$(cd "$T" && pwd -P)
cleanup() {
	daemon_stop
	rm -rf "$T"
}
trap cleanup EXIT

case $tier in
lsm) denied=errno=EPERM ;;
*) denied=signal=9 ;;
esac
mkdir -p "$T/banned"
cp "$busybox" "$T/banned/touch"
chmod 755 "$T/banned/touch"
printf 'deny exec path=%s/banned/touch key=sandbox\n' "$T" > "$T/p.policy"

n=0
expect_denied() {
	n=$((n + 1))
	# shellcheck disable=SC2046 # the words are the fields
	set -- "$1" $("$try_exec" "$T/banned/touch" "$T/marker.$n")
	if [ "${4:-none}" = "$denied" ] && [ ! -e "$T/marker.$n" ]; then
		ok "$1 (${4:-none})"
	else
		not_ok "$1" "got: ${4:-none}, want $denied and no marker"
	fi
}

# status_field NAME: the field of /proc/PID/status for embargod.
status_field() {
	sed -n "s/^$1:[[:space:]]*//p" "/proc/$daemon_pid/status"
}

# The capabilities embargod keeps: DAC_READ_SEARCH 2, KILL 5, SYS_PTRACE 19, SYS_ADMIN 21,
# AUDIT_WRITE 29, PERFMON 38, BPF 39.
kept=$(((1 << 2) | (1 << 5) | (1 << 19) | (1 << 21) | (1 << 29) | (1 << 38) | (1 << 39)))

export EMBARGOD_TEST_HOOKS=1
daemon_start "$T" --policy "$T/p.policy" --tier "$tier" --state "$T/state"
check "embargod is ready in the $tier tier" grep -q "^embargod: ready tier=$tier" "$T/daemon.out"
eff=$((0x$(status_field CapEff)))
bnd=$((0x$(status_field CapBnd)))
prm=$((0x$(status_field CapPrm)))
check "its effective capabilities are among the kept ones ($(status_field CapEff))" \
	[ $((eff & ~kept)) -eq 0 ]
check "...and so are its permitted ones" [ $((prm & ~kept)) -eq 0 ]
check "...and its bounding set ($(status_field CapBnd))" [ $((bnd & ~kept)) -eq 0 ]
check "it keeps CAP_BPF and CAP_SYS_ADMIN" [ $((eff & ((1 << 39) | (1 << 21)))) -eq $(((1 << 39) | (1 << 21))) ]
check "no_new_privs is set" [ "$(status_field NoNewPrivs)" = 1 ]
check "a seccomp filter is on (Seccomp: 2)" [ "$(status_field Seccomp)" = 2 ]
check "every thread has it (Seccomp_filters >= 1)" [ "$(status_field Seccomp_filters)" -ge 1 ]
expect_denied "the banned program is denied"

# A push is parsed on the confined thread, and works.
printf 'deny exec dir=%s/banned key=sandbox-pushed\n' "$T" > "$T/q.policy"
check "a push goes through the confined parser" \
	sh -c "embargo --control '$T/ctl.sock' push '$T/q.policy' > '$T/push.out' 2>&1"
check "a push of a malformed policy is refused, embargod lives on" \
	sh -c "printf 'deny exec dri=/x\n' > '$T/bad.policy'; ! embargo --control '$T/ctl.sock' push '$T/bad.policy' > /dev/null 2>&1 && kill -0 $daemon_pid"

# killed_by_sigsys REQUEST WHAT: the test hook REQUEST kills embargod with SIGSYS.
killed_by_sigsys() {
	reply=$("$bin/ctl_request" "$T/ctl.sock" "$1")
	wait "$daemon_pid"
	status=$?
	daemon_pid=""
	if [ "$status" -eq $((128 + 31)) ]; then
		ok "$2: embargod is killed by SIGSYS (status $status)"
	else
		not_ok "$2: embargod is killed by SIGSYS" "status $status, reply: $reply"
	fi
}

killed_by_sigsys test-forbidden-confined "the parser's thread opens a file"
expect_denied "the pinned programs still deny the banned program"

daemon_start "$T" --policy "$T/p.policy" --tier "$tier" --state "$T/state"
check "a new embargod takes over" grep -q "took over" "$T/daemon.err"
killed_by_sigsys test-forbidden-call "the main thread makes a call outside the allowlist (mknodat)"
expect_denied "the pinned programs still deny the banned program"

# Without EMBARGOD_TEST_HOOKS=1 the hooks are not served.
unset EMBARGOD_TEST_HOOKS
daemon_start "$T" --policy "$T/p.policy" --tier "$tier" --state "$T/state"
reply=$("$bin/ctl_request" "$T/ctl.sock" test-forbidden-call)
case $reply in
*'"error":"unknown request"'*) ok "without EMBARGOD_TEST_HOOKS=1 the hook is an unknown request" ;;
*) not_ok "without EMBARGOD_TEST_HOOKS=1 the hook is an unknown request" "reply: $reply" ;;
esac
check "...and embargod lives on" kill -0 "$daemon_pid"
daemon_stop
check "stopped (unload): embargod exits 0" [ "$daemon_status" -eq 0 ]

done_testing
