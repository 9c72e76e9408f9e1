#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Policy pushes end to end, in either tier (EMBARGO_TIER): a push of a malformed, guard-railed,
# empty, older, unsigned, forged, badly signed or replayed policy is refused with a message and
# leaves the policy in force exactly as it was (embargo policy show, and a banned exec still
# denied); a non-root user cannot push, root and the admin group can; --kill-running and the
# "running kill" directive kill a banned program started before the push, and log it; the
# pushed policy survives a restart. Every rule names only files this test created.
# Needs root, busybox, embargod and embargo on PATH, and the helpers (EMBARGO_TEST_BIN, or
# beside EMBARGO_TRY_EXEC).
set -u

here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/tap.sh"
. "$here/../lib/daemon.sh"

tier=${EMBARGO_TIER:?set EMBARGO_TIER to lsm or tracepoint}
try_exec=${EMBARGO_TRY_EXEC:-try_exec}
case $try_exec in /*) ;; *) try_exec=$(command -v "$try_exec") ;; esac
bin=${EMBARGO_TEST_BIN:-$(dirname "$try_exec")}
busybox=$(command -v busybox)
case $busybox in /*) ;; *) busybox=/bin/busybox ;; esac

T=$(mktemp -d "${TMPDIR:-/tmp}/embargo-push.XXXXXX")
T=$(cd "$T" && pwd -P)
sleeper_pid=""
cleanup() {
	[ -n "$sleeper_pid" ] && kill -9 "$sleeper_pid" 2>/dev/null
	daemon_stop
	rm -rf "$T"
}
trap cleanup EXIT
# The admin-group user must reach the socket in here.
chmod 711 "$T"

case $tier in
lsm) denied=errno=EPERM ;;
*) denied=signal=9 ;;
esac

mkdir -p "$T/banned" "$T/free" "$T/run"
cp "$busybox" "$T/banned/touch"
cp "$busybox" "$T/free/touch"
cp "$busybox" "$T/run/sleep"
chmod 755 "$T/banned/touch" "$T/free/touch" "$T/run/sleep"

ctl() { embargo --control "$T/ctl.sock" "$@"; }
show() { ctl policy show --json | sed 's/"loaded":"[^"]*",//'; }
exec_result() {
	# shellcheck disable=SC2046 # the words are the fields
	set -- $("$try_exec" "$1" "$T/marker.$2")
	echo "${3:-none}"
}
still_denied() {
	r=$(exec_result "$T/banned/touch" "$1")
	check "$1: the banned program is still denied ($r)" \
		sh -c "[ '$r' = '$denied' ] && [ ! -e '$T/marker.$1' ]"
}

cat > "$T/good.policy" <<POLICY
version 5
deny exec path=$T/banned/touch key=push-good
POLICY

daemon_start "$T" --policy "$T/good.policy" --tier "$tier" --state "$T/state" \
	--admin-group 4242
check "embargod is ready in the $tier tier" grep -q "^embargod: ready tier=$tier" "$T/daemon.out"
before=$(show)
case $before in
*'"version":5'*'"source":"files"'*) ok "policy show: version 5, from files" ;;
*) not_ok "policy show: version 5, from files" "got: $before" ;;
esac
still_denied start

# refused PUSH_FILE NAME PATTERN [OPTIONS]: the push fails (exit 1), says PATTERN, and nothing
# changed.
refused() {
	file=$1 name=$2 pattern=$3
	shift 3
	ctl push "$@" "$file" > "$T/out" 2>&1
	rc=$?
	if [ $rc -eq 1 ] && grep -q -- "$pattern" "$T/out"; then
		ok "$name: refused ($(grep -m1 -- "$pattern" "$T/out"))"
	else
		not_ok "$name: refused with '$pattern'" "exit $rc" "$(cat "$T/out")"
	fi
	check "$name: the policy in force is unchanged" sh -c "[ '$(show)' = '$before' ]"
	still_denied "$name"
}

printf 'version 6\ndeny exec path=%s/banned/touch key=x\ndeny exec paht=/x\n' "$T" > "$T/bad.policy"
refused "$T/bad.policy" malformed "bad.policy:3:11: unknown matcher 'paht'"
printf 'version 6\ndeny exec path=%s\n' "$(command -v embargod)" > "$T/guard.policy"
refused "$T/guard.policy" guardrail "embargod"
printf '# nothing\n' > "$T/empty.policy"
refused "$T/empty.policy" empty "empty"
printf 'version 4\ndeny exec path=%s/banned/touch\n' "$T" > "$T/older.policy"
refused "$T/older.policy" older "older"

# Who may push: not a user; the admin group (through the socket's group); root.
out=$("$bin/run_as" 65534 65534 "$(command -v embargo)" --control "$T/ctl.sock" push \
	"$T/good.policy" 2>&1)
rc=$?
check "a non-root user's push is refused (exit $rc: $out)" \
	sh -c "[ $rc -eq 1 ] && echo '$out' | grep -qi 'permission denied'"
check "it is unchanged after the user's attempt" sh -c "[ '$(show)' = '$before' ]"
printf 'version 6\ndeny exec path=%s/banned/touch key=push-admin\n' "$T" > "$T/admin.policy"
chmod 644 "$T/admin.policy"
out=$("$bin/run_as" 65534 4242 "$(command -v embargo)" --control "$T/ctl.sock" push \
	"$T/admin.policy" 2>&1)
check "a member of the admin group may push (exit $?)" \
	sh -c "echo '$out' | grep -q 'generation .* in force, version 6'"
printf 'version 7\ndeny exec path=%s/banned/touch key=push-root\n' "$T" > "$T/root.policy"
check "root's push succeeds" sh -c "embargo --control '$T/ctl.sock' push '$T/root.policy' | grep -q 'version 7'"
case $(show) in
*'"version":7'*'"source":"push"'*'key=push-root'*) ok "policy show: version 7, pushed, its rule" ;;
*) not_ok "policy show: version 7, pushed, its rule" "got: $(show)" ;;
esac
still_denied after_root_push
r=$(exec_result "$T/free/touch" free)
check "an allowed program runs ($r)" [ "$r" = exit=0 ]

# A large push: parsing it sorts more than 1 KiB, and glibc's qsort() then asks the memory size
# (sysinfo), which the parser's sandbox must allow.
{
	echo "version 7"
	echo "deny exec path=$T/banned/touch key=push-root"
	awk 'BEGIN { for (i = 0; i < 2000; i++) printf "deny exec sha256=%064x key=push-large\n", i + 1 }'
} > "$T/large.policy"
check "a push of 2001 rules goes in" \
	sh -c "embargo --control '$T/ctl.sock' push '$T/large.policy' | grep -q '2001 rules'"
check "embargod is still running after it" kill -0 "$daemon_pid"
still_denied after_large_push

# An empty policy with --allow-empty, then the rule again.
check "an empty policy goes in with --allow-empty" \
	sh -c "embargo --control '$T/ctl.sock' push --allow-empty '$T/empty.policy' > /dev/null"
r=$(exec_result "$T/banned/touch" empty_in_force)
check "with it, the program runs ($r)" [ "$r" = exit=0 ]
printf 'version 8\ndeny exec path=%s/banned/touch key=push-8\n' "$T" > "$T/v8.policy"
check "version 8 goes in" sh -c "embargo --control '$T/ctl.sock' push '$T/v8.policy' > /dev/null"

# --kill-running: a program started before the push is killed, and the kill is logged.
"$T/run/sleep" 600 &
sleeper_pid=$!
sleep 0.5
printf 'version 9\ndeny exec path=%s/banned/touch key=push-9\ndeny exec path=%s/run/sleep key=push-kill\n' \
	"$T" "$T" > "$T/v9.policy"
out=$(ctl push --kill-running "$T/v9.policy" 2>&1)
check "the push says it killed one process ($out)" sh -c "echo '$out' | grep -q 'killed 1 '"
sleep 0.5
check "the banned process started before the push is gone" \
	sh -c "! kill -0 $sleeper_pid 2>/dev/null"
wait "$sleeper_pid" 2>/dev/null
sleeper_pid=""
log_wait_lines '"event":"kill"' 1
check "the kill is logged with its pid and key" \
	sh -c "grep '\"event\":\"kill\"' '$T/events.jsonl' | grep '\"key\":\"push-kill\"' | grep -q '\"pid\":'"
r=$(exec_result "$T/run/sleep" sleep_after)
check "and it cannot be started again ($r)" [ "$r" = "$denied" ]
# The same through the policy: "running kill".
mkdir -p "$T/run2"
cp "$busybox" "$T/run2/sleep"
printf 'version 10\nrunning kill\ndeny exec path=%s/run2/sleep key=push-kill-directive\n' "$T" \
	> "$T/v10.policy"
"$T/run2/sleep" 600 &
sleeper_pid=$!
sleep 0.5
ctl push "$T/v10.policy" > "$T/out" 2>&1
sleep 0.5
check "'running kill' in the policy kills it too" sh -c "! kill -0 $sleeper_pid 2>/dev/null"
wait "$sleeper_pid" 2>/dev/null
sleeper_pid=""
check "events carry the policy's version and sha256" \
	sh -c "grep '\"key\":\"push-kill-directive\"' '$T/events.jsonl' | grep -q '\"policy_version\":10,\"policy_sha256\":\"[0-9a-f]\{64\}\"'"

# The pushed policy is the one in force after a restart.
daemon_stop
daemon_start "$T" --policy "$T/good.policy" --tier "$tier" --state "$T/state"
case $(show) in
*'"version":10'*'"source":"push"'*) ok "after a restart the pushed policy (version 10) is in force" ;;
*) not_ok "after a restart the pushed policy (version 10) is in force" "got: $(show)" ;;
esac
r=$(exec_result "$T/run2/sleep" after_restart)
check "and enforced ($r)" [ "$r" = "$denied" ]
daemon_stop

# Signed policies: with a trusted key, only signed, newer versions go in.
embargo keygen "$T/admin.key" > /dev/null && embargo keygen "$T/other.key" > /dev/null
check "two key pairs made" [ -s "$T/admin.key.pub" ]
rm -rf "$T/state"
printf 'version 1\ndeny exec path=%s/banned/touch key=signed-1\n' "$T" > "$T/s1.policy"
embargo sign --key "$T/admin.key" "$T/s1.policy" > /dev/null
daemon_start "$T" --policy "$T/s1.policy" --tier "$tier" --state "$T/state" \
	--trusted-key "$T/admin.key.pub"
check "embargod starts on a signed policy" grep -q "^embargod: ready" "$T/daemon.out"
before=$(show)
printf 'version 2\ndeny exec path=%s/banned/touch key=signed-2\n' "$T" > "$T/s2.policy"
refused "$T/s2.policy" unsigned "not signed"
embargo sign --key "$T/other.key" "$T/s2.policy" > /dev/null
refused "$T/s2.policy" forged "bad signature"
embargo sign --key "$T/admin.key" "$T/s2.policy" > /dev/null
cp "$T/s2.policy" "$T/s2-edited.policy"
cp "$T/s2.policy.sig" "$T/s2-edited.policy.sig"
printf 'allow exec path=%s/banned/touch\n' "$T" >> "$T/s2-edited.policy"
refused "$T/s2-edited.policy" edited_after_signing "bad signature"
check "the signed version 2 goes in" \
	sh -c "embargo --control '$T/ctl.sock' push '$T/s2.policy' | grep -q 'signed by'"
before=$(show)
refused "$T/s2.policy" replayed "the same as"
refused "$T/s1.policy" rolled_back "older than"

done_testing
