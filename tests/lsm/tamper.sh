#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Tamper protection (lsm tier, embargod --protect): root in a shell tries to switch embargo off
# with kill -9, kill -STOP, a ptrace attach, bpftool map update on the policy map, bpftool link
# detach, rm of the pins, of the policy file and of the log, and truncating the policy: each
# fails, each is logged as a tamper event, and a banned program stays denied throughout.
# embargo unload still ends it. Only in the lsm tier (the tracepoint tier has no such hooks).
# Every rule names only files this test creates under a fresh temporary directory.
# Needs root, busybox, bpftool, embargod and embargo on PATH, try_exec, try_ptrace and try_truncate
# (EMBARGO_TRY_EXEC, EMBARGO_TEST_BIN).
set -u

here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/tap.sh"
. "$here/../lib/daemon.sh"

try_exec=${EMBARGO_TRY_EXEC:-try_exec}
bin=${EMBARGO_TEST_BIN:-$(dirname "$try_exec")}
busybox=$(command -v busybox)
case $busybox in /*) ;; *) busybox=/bin/busybox ;; esac

T=$(mktemp -d "${TMPDIR:-/tmp}/embargo-tamper.XXXXXX")
T=$(cd "$T" && pwd -P)
cleanup() {
	daemon_stop
	rm -rf "$T"
}
trap cleanup EXIT

mkdir -p "$T/banned"
cp "$busybox" "$T/banned/touch"
chmod 755 "$T/banned/touch"
printf 'deny exec path=%s/banned/touch key=tamper-test\n' "$T" > "$T/p.policy"
pins=$T/bpffs/embargo

n=0
still_denied() {
	n=$((n + 1))
	# shellcheck disable=SC2046 # the words are the fields
	set -- "$1" $("$try_exec" "$T/banned/touch" "$T/marker.$n")
	if [ "${4:-none}" = errno=EPERM ] && [ ! -e "$T/marker.$n" ]; then
		ok "...and the banned program is still denied"
	else
		not_ok "...and the banned program is still denied ($1)" "got: ${4:-none}"
	fi
}

# refused WHAT OP COMMAND...: COMMAND fails, a tamper event with "op":OP is logged, embargod
# lives, the banned program is denied.
refused() {
	what=$1
	op=$2
	shift 2
	before=$(grep -c "\"event\":\"tamper\",.*\"op\":\"$op\"" "$T/events.jsonl")
	if "$@" > "$T/out" 2>&1; then
		not_ok "$what fails" "it succeeded: $(head -c 300 "$T/out")"
	else
		ok "$what fails ($(head -n 1 "$T/out" | cut -c 1-80))"
	fi
	i=0
	while [ $i -lt 50 ]; do
		now=$(grep -c "\"event\":\"tamper\",.*\"op\":\"$op\"" "$T/events.jsonl")
		[ "$now" -gt "$before" ] && break
		sleep 0.1
		i=$((i + 1))
	done
	check "...it is logged as a tamper event (op $op)" [ "$now" -gt "$before" ]
	check "...embargod still runs" kill -0 "$daemon_pid"
	still_denied "$what"
}

daemon_start "$T" --policy "$T/p.policy" --tier lsm --state "$T/state" --protect
check "embargod is ready with --protect" grep -q "^embargod: ready tier=lsm" "$T/daemon.out"
check "tamper protection is on" grep -q "tamper protection is on" "$T/daemon.err"
check "status says so" sh -c "embargo --control '$T/ctl.sock' status --json | grep -q '\"protected\":true'"
still_denied start

refused "kill -9 of embargod" signal kill -9 "$daemon_pid"
refused "kill -STOP of embargod" signal kill -STOP "$daemon_pid"
refused "kill -TERM of embargod" signal kill -TERM "$daemon_pid"
refused "ptrace attach to embargod" ptrace "$bin/try_ptrace" "$daemon_pid"
refused "bpftool map update on the policy map" map_write \
	bpftool map update pinned "$pins/map_policy" key 0 0 0 0 value pinned "$pins/map_counters"
refused "bpftool map update on the hash configuration" map_write \
	bpftool map update pinned "$pins/map_hash_config" key 0 0 0 0 value 0 0 0 0
refused "bpftool map update on the rules map by id" map_write sh -c \
	"id=\$(bpftool map show | sed -n 's/^\\([0-9]*\\): hash  name emb_rules .*/\\1/p' | tail -n 1); bpftool map delete id \"\$id\" key hex \$(printf '00 %.0s' \$(seq 48))"
link_id=$(bpftool link show | sed -n 's/^\([0-9]*\): tracing .*/\1/p' | head -n 1)
refused "bpftool link detach id $link_id" link_detach bpftool link detach id "$link_id"
refused "rm of a pinned link" unlink sh -c "rm $pins/link_*"
refused "rm -r of the pin directory" unlink rm -r "$pins"
refused "rm of the policy file" unlink rm "$T/p.policy"
refused "truncating the policy file" write sh -c ": > '$T/p.policy'"
refused "truncate(1) of the policy file (an open for writing)" write "$busybox" truncate -s 0 "$T/p.policy"
refused "truncate(2) of the policy file, by path" truncate "$bin/try_truncate" "$T/p.policy"
refused "rm of the audit log" unlink rm "$T/events.jsonl"
refused "mv of the policy file" rename mv "$T/p.policy" "$T/p.moved"
check "the pins are all there" sh -c "ls '$pins' | grep -q '^link_' && [ -e '$pins/map_policy' ]"
check "the policy file is intact" grep -q "key=tamper-test" "$T/p.policy"

# A tamper line carries who did it.
line=$(grep '"event":"tamper"' "$T/events.jsonl" | grep '"op":"signal"' | head -n 1)
case $line in
*'"verdict":"deny"'*'"signal":9'*'"uid":0'*) ok "a tamper record names the signal and the uid" ;;
*) not_ok "a tamper record names the signal and the uid" "line: $line" ;;
esac

# embargod's own way out still works.
embargo --control "$T/ctl.sock" unload > "$T/unload.out" 2>&1
check "embargo unload still ends it" grep -q "^unloaded:" "$T/unload.out"
wait "$daemon_pid"
daemon_pid=""
check "the pins are gone" [ ! -e "$pins" ]

done_testing
