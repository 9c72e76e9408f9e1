#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Executable mappings in the lsm tier (inside the VM): a denied program started through the
# dynamic loader ("ld.so ./banned") and a denied library loaded with dlopen() are refused
# before any of their code runs, and each refusal is logged as an "mmap" event.
# Needs root, embargod and embargo on PATH, and the test helpers (EMBARGO_TEST_BIN).
# shellcheck disable=SC2154 # pid_NAME and friends are made with eval
set -u

here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/tap.sh"
. "$here/../lib/daemon.sh"

bin=${EMBARGO_TEST_BIN:?set EMBARGO_TEST_BIN to the directory of the test helpers}
ldso=/lib64/ld-linux-x86-64.so.2

T=$(mktemp -d "${TMPDIR:-/tmp}/embargo-mmap.XXXXXX")
trap 'daemon_stop; rm -rf "$T"' EXIT

mkdir -p "$T/banned" "$T/free"
cp "$bin/dyn_touch" "$T/banned/dyn_touch"
cp "$bin/dyn_touch" "$T/free/dyn_touch"
cp "$bin/libvictim.so" "$T/banned/libvictim.so"
cp "$bin/libvictim.so" "$T/free/libvictim.so"

cat > "$T/test.policy" <<POLICY
deny exec dir=$T/banned key=test-mmap
POLICY
daemon_start "$T" --policy "$T/test.policy" --tier lsm
check "embargod is ready in the lsm tier" grep -q '^embargod: ready tier=lsm' "$T/daemon.out"

# Sanity: the helpers work where nothing is denied.
"$ldso" "$T/free/dyn_touch" "$T/marker.free"
check "ld.so runs an allowed program" [ -e "$T/marker.free" ]
out=$(EMBARGO_VICTIM_MARKER="$T/marker.free-lib" "$bin/try_dlopen" "$T/free/libvictim.so")
check "dlopen of an allowed library works and runs its constructor" \
	sh -c "[ '$out' = 'dlopen=ok' ] && [ -e '$T/marker.free-lib' ]"

# The loader refuses what it cannot map executable.
"$ldso" "$T/banned/dyn_touch" "$T/marker.ldso" > "$T/ldso.out" 2>&1
status=$?
if [ "$status" -ne 0 ] && [ ! -e "$T/marker.ldso" ]; then
	ok "ld.so ./banned: refused (loader exit $status), no trace of running"
else
	not_ok "ld.so ./banned: refused" "exit status $status" "$(cat "$T/ldso.out")"
fi
check "ld.so says it could not map the program" grep -q 'failed to map segment' "$T/ldso.out"

out=$(EMBARGO_VICTIM_MARKER="$T/marker.lib" "$bin/try_dlopen" "$T/banned/libvictim.so")
case $out in
"dlopen=failed"*"failed to map segment"*) ok "dlopen of a denied library fails: no executable mapping" ;;
*) not_ok "dlopen of a denied library fails: no executable mapping" "got: $out" ;;
esac
check "the denied library's constructor never ran" [ ! -e "$T/marker.lib" ]

# The errno itself, for both ways of getting an executable mapping.
out=$("$bin/try_mmap" "$T/banned/libvictim.so" | tr '\n' ' ')
check "mmap(PROT_EXEC) of a denied file fails with EPERM" sh -c "echo '$out' | grep -q 'mmap=EPERM'"
check "mprotect(PROT_EXEC) of a denied file's mapping fails with EPERM" \
	sh -c "echo '$out' | grep -q 'mprotect=EPERM'"
out=$("$bin/try_mmap" "$T/free/libvictim.so" | tr '\n' ' ')
check "both work on an allowed file" sh -c "[ '$out' = 'mmap=ok mprotect=ok ' ]"

log_wait_lines '"event":"mmap"' 4
for f in dyn_touch libvictim.so; do
	line=$(grep '"event":"mmap"' "$T/events.jsonl" | grep "\"path\":\"$T/banned/$f\"" | head -n 1)
	case $line in
	*'"verdict":"deny"'*'"tier":"lsm"'*'"key":"test-mmap"'*) ok "$f: an mmap deny event with tier and key" ;;
	*) not_ok "$f: an mmap deny event with tier and key" "line: $line" ;;
	esac
done
check "no exec event: nothing was executed by name" sh -c "! grep -q '\"event\":\"exec\"' '$T/events.jsonl'"

daemon_stop
"$ldso" "$T/banned/dyn_touch" "$T/marker.after"
check "after embargod is stopped (unload) ld.so runs it again" [ -e "$T/marker.after" ]

# Audit mode: the mappings run, and those enforce mode would refuse are logged as would-be
# denials; the kernel's own mapping of a program it executes is not (the exec is logged).
: > "$T/events.jsonl"
daemon_start "$T" --policy "$T/test.policy" --tier lsm --mode audit
"$ldso" "$T/banned/dyn_touch" "$T/marker.audit-ldso"
check "audit mode: ld.so ./banned runs" [ -e "$T/marker.audit-ldso" ]
out=$(EMBARGO_VICTIM_MARKER="$T/marker.audit-lib" "$bin/try_dlopen" "$T/banned/libvictim.so")
check "audit mode: dlopen of the library works" \
	sh -c "[ '$out' = 'dlopen=ok' ] && [ -e '$T/marker.audit-lib' ]"
# shellcheck disable=SC2046 # the words are the fields
set -- $("$bin/try_exec" "$T/banned/dyn_touch" "$T/marker.audit-exec")
exec_pid=${1#pid=}
check "audit mode: the program runs when executed ($*)" \
	sh -c "[ '${3:-}' = exit=0 ] && [ -e '$T/marker.audit-exec' ]"
log_wait_lines '"would_deny":true' 3
for f in dyn_touch libvictim.so; do
	n=$(grep '"event":"mmap"' "$T/events.jsonl" | grep "\"path\":\"$T/banned/$f\"" |
		grep -c '"verdict":"audit","would_deny":true')
	check "audit mode: the would-be denied mapping of $f is logged ($n)" [ "$n" -ge 1 ]
done
check "audit mode: the exec is logged as an exec, a would-be denial" sh -c \
	"grep '\"pid\":$exec_pid,' '$T/events.jsonl' | grep '\"event\":\"exec\"' |
	grep -q '\"would_deny\":true'"
check "and not again as the kernel's mapping of the program" sh -c \
	"! grep '\"pid\":$exec_pid,' '$T/events.jsonl' | grep -q '\"event\":\"mmap\"'"
daemon_stop

done_testing
