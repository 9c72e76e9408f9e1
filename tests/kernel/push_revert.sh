#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Which policy is in force after a push, and the way back to the files, in either tier
# (EMBARGO_TIER): while a pushed policy is in force, SIGHUP reloads it and not the edited
# --policy file, and status, policy show, embargod's stderr and the log's "policy" record say so;
# embargo push --revert puts the files back in force (checked by running the programs), logs a
# "revert" record and forgets the push, so that a restart loads the files too. With trusted keys
# a revert needs a signed revert token. Every rule names only files this test created.
# Needs root, busybox, embargod and embargo on PATH, and try_exec (EMBARGO_TRY_EXEC).
set -u

here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/tap.sh"
. "$here/../lib/daemon.sh"

tier=${EMBARGO_TIER:?set EMBARGO_TIER to lsm or tracepoint}
try_exec=${EMBARGO_TRY_EXEC:-try_exec}
case $try_exec in /*) ;; *) try_exec=$(command -v "$try_exec") ;; esac
busybox=$(command -v busybox)
case $busybox in /*) ;; *) busybox=/bin/busybox ;; esac

T=$(mktemp -d "${TMPDIR:-/tmp}/embargo-revert.XXXXXX")
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

# Three programs (busybox as touch): a is denied by the files at first, b by the push, c by
# the edited files.
for p in a b c; do
	mkdir -p "$T/$p"
	cp "$busybox" "$T/$p/touch"
	chmod 755 "$T/$p/touch"
done

ctl() { embargo --control "$T/ctl.sock" "$@"; }
run_n=0
# runs NAME WANT: runs T/NAME/touch (of a fresh marker) and checks the result.
runs() {
	run_n=$((run_n + 1))
	# shellcheck disable=SC2046 # the words are the fields
	set -- "$1" "$2" $("$try_exec" "$T/$1/touch" "$T/marker.$run_n")
	r=${5:-none}
	if [ "$2" = denied ]; then
		check "  $1 is denied ($r)" sh -c "[ '$r' = '$denied' ] && [ ! -e '$T/marker.$run_n' ]"
	else
		check "  $1 runs ($r)" sh -c "[ '$r' = exit=0 ] && [ -e '$T/marker.$run_n' ]"
	fi
}

printf 'version 1\ndeny exec path=%s/a/touch key=files-a\n' "$T" > "$T/files.policy"
daemon_start "$T" --policy "$T/files.policy" --tier "$tier" --state "$T/state"
check "embargod is ready in the $tier tier" grep -q "^embargod: ready tier=$tier" "$T/daemon.out"
ctl status > "$T/status"
check "status: the source is the files, named" \
	grep -qxF "source:     files: $T/files.policy" "$T/status"
check "status --json: source kind files, with the path" \
	sh -c "ctl() { embargo --control '$T/ctl.sock' \"\$@\"; }; ctl status --json | grep -qF '\"source\":{\"kind\":\"files\",\"files\":[\"$T/files.policy\"]}'"

printf 'version 2\ndeny exec path=%s/b/touch key=push-b\n' "$T" > "$T/push.policy"
check "a push goes in" sh -c "embargo --control '$T/ctl.sock' push '$T/push.policy' > /dev/null"
log_wait_lines '"event":"policy","action":"push"' 1
check "the push is logged as a policy record" \
	grep -q '"event":"policy","action":"push","ok":true,.*"kind":"push","name":"push.policy"' \
	"$T/events.jsonl"

# The admin edits the file (its version older than the push's) and sends SIGHUP, as before any
# push.
printf 'version 1\ndeny exec path=%s/c/touch key=files-c\n' "$T" > "$T/files.policy"
daemon_reload
check "SIGHUP: stderr says the files were NOT reloaded, and how to go back" \
	grep -q "reload: reloading the pushed policy $T/state/pushed.policy; a pushed policy is in force: the --policy files ($T/files.policy) were NOT reloaded; 'embargo push --revert' goes back to them" \
	"$T/daemon.err"
log_wait_lines '"event":"policy","action":"reload"' 1
check "the log's reload record names the push in force and the files not reloaded" \
	sh -c "grep '\"event\":\"policy\",\"action\":\"reload\"' '$T/events.jsonl' | grep '\"kind\":\"push\"' | grep -q 'were NOT reloaded'"
ctl status > "$T/status"
check "status: a push is in force, with its version" \
	grep -q "^source:     push of push.policy (version 2, not signed), kept in $T/state/pushed.policy" \
	"$T/status"
check "status: the files are not in force, and the way back" \
	sh -c "grep -qF '($T/files.policy) are NOT in force' '$T/status' && grep -qF \"'embargo push --revert' goes back to them\" '$T/status'"
check "status --json: source kind push, version 2, the --policy paths" \
	sh -c "embargo --control '$T/ctl.sock' status --json | grep -qF '\"source\":{\"kind\":\"push\",\"name\":\"push.policy\",\"version\":2,\"signed_by\":\"\",\"pushed_by\":0,\"kept\":\"$T/state/pushed.policy\",\"policy_paths\":[\"$T/files.policy\"],\"revert\":\"embargo push --revert\"}'"
check "policy show: push in force" sh -c "embargo --control '$T/ctl.sock' policy show | grep -q '^source:     push of push.policy'"
echo "# the edit is not applied: the pushed policy is"
runs a allowed
runs b denied
runs c allowed

ctl push --revert > "$T/out" 2>&1
check "push --revert succeeds ($(head -n 1 "$T/out"))" \
	grep -q "^reverted: the --policy files are in force again: generation .*, version 1, 1 rules" "$T/out"
echo "# the edited files are in force"
runs a allowed
runs b allowed
runs c denied
log_wait_lines '"event":"policy","action":"revert"' 1
check "the log has the revert record, with the uid and the files now in force" \
	sh -c "grep '\"event\":\"policy\",\"action\":\"revert\",\"ok\":true' '$T/events.jsonl' | grep '\"uid\":0' | grep -qF '\"source\":{\"kind\":\"files\",\"files\":[\"$T/files.policy\"]}'"
check "embargod's stderr says it" grep -q "revert by uid 0: the --policy files are in force again" "$T/daemon.err"
embargo log --event policy "$T/events.jsonl" > "$T/log.out"
check "embargo log --event policy lists the push, the reload and the revert" \
	sh -c "grep -q ' policy push     ok      generation=.* source=push uid=0' '$T/log.out' && grep -q ' policy reload   ok      generation=.* source=push .*were NOT reloaded' '$T/log.out' && grep -q ' policy revert   ok      generation=.* source=files uid=0' '$T/log.out'"
check "and plain embargo log leaves them out" sh -c "! embargo log '$T/events.jsonl' | grep -q ' policy '"
check "status: files again" grep -qxF "source:     files: $T/files.policy" "$(ctl status > "$T/status"; echo "$T/status")"
check "the push is forgotten in --state" sh -c "[ ! -e '$T/state/pushed.policy' ] && [ ! -e '$T/state/pushed.policy.name' ]"
ctl push --revert > "$T/out" 2>&1
rc=$?
check "a second revert: exit 1, nothing pushed ($(cat "$T/out"))" \
	sh -c "[ $rc -eq 1 ] && grep -q 'no pushed policy is in force' '$T/out'"
daemon_reload
check "SIGHUP now reloads the files, and says so" \
	grep -q "reload: reloading the --policy files ($T/files.policy)" "$T/daemon.err"

daemon_stop
daemon_start "$T" --policy "$T/files.policy" --tier "$tier" --state "$T/state"
check "after a restart the files are in force" \
	sh -c "embargo --control '$T/ctl.sock' policy show --json | grep -q '\"source\":\"files\"'"
runs c denied
runs b allowed
daemon_stop

# Signed mode: a revert needs a revert token signed by a trusted key.
rm -rf "$T/state"
embargo keygen "$T/admin.key" > /dev/null && embargo keygen "$T/other.key" > /dev/null
printf 'version 1\ndeny exec path=%s/a/touch key=signed-files-a\n' "$T" > "$T/files.policy"
embargo sign --key "$T/admin.key" "$T/files.policy" > /dev/null
daemon_start "$T" --policy "$T/files.policy" --tier "$tier" --state "$T/state" \
	--trusted-key "$T/admin.key.pub"
printf 'version 2\ndeny exec path=%s/b/touch key=signed-push-b\n' "$T" > "$T/push.policy"
embargo sign --key "$T/admin.key" "$T/push.policy" > /dev/null
check "a signed push goes in" sh -c "embargo --control '$T/ctl.sock' push '$T/push.policy' > /dev/null"
printf 'version 3\ndeny exec path=%s/c/touch key=signed-files-c\n' "$T" > "$T/files.policy"
embargo sign --key "$T/admin.key" "$T/files.policy" > /dev/null
host=$(uname -n)
# refused NAME PATTERN ARGS...: the revert fails (exit 1), says PATTERN; the push stays.
refused() {
	name=$1 pattern=$2
	shift 2
	ctl push --revert "$@" > "$T/out" 2>&1
	rc=$?
	if [ $rc -eq 1 ] && grep -q -- "$pattern" "$T/out"; then
		ok "$name: refused ($(head -n 1 "$T/out"))"
	else
		not_ok "$name: refused with '$pattern'" "exit $rc" "$(cat "$T/out")"
	fi
	check "  the push stays in force" \
		sh -c "embargo --control '$T/ctl.sock' policy show --json | grep -q '\"source\":\"push\"'"
	runs b denied
}
refused "a revert without a token" "a signed revert token is needed"
ctl push revert-token --host "$host" "$T/token" > /dev/null
refused "an unsigned token" "not signed" --token "$T/token"
embargo sign --key "$T/other.key" "$T/token" > /dev/null
refused "a token signed by an untrusted key" "bad signature" --token "$T/token"
embargo unload token --host "$host" "$T/unload-token" > /dev/null
embargo sign --key "$T/admin.key" "$T/unload-token" > /dev/null
refused "an unload token" "expected the lines" --token "$T/unload-token"
rm -f "$T/token" "$T/token.sig"
ctl push revert-token --host other-host "$T/token" > /dev/null
embargo sign --key "$T/admin.key" "$T/token" > /dev/null
refused "a token for another host" "it is for host other-host" --token "$T/token"
rm -f "$T/token" "$T/token.sig"
ctl push revert-token --host "$host" "$T/token" > /dev/null
embargo sign --key "$T/admin.key" "$T/token" > /dev/null
ctl push --revert --token "$T/token" > "$T/out" 2>&1
check "a signed revert token: the files are in force ($(head -n 1 "$T/out"))" \
	grep -q "^reverted: .* version 3" "$T/out"
runs c denied
runs b allowed
log_wait_lines '"action":"revert","ok":true' 1
check "the revert record names the token's signer" \
	sh -c "grep '\"action\":\"revert\",\"ok\":true' '$T/events.jsonl' | grep -q '\"signer\":\"[^\"]'"

done_testing
