#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# What embargod says about itself: a "start" record in the log (version, tier, mode, policy),
# a "stop" record on SIGTERM and after an unload, and the chain still verifies; "embargo
# reload" answers with the generation now in force, or with the refusal and every error; the
# reason the lsm tier is not used reads the kernel's list of LSMs, not libbpf. Every rule names
# only files this test creates under a fresh temporary directory. Needs root, busybox, embargod
# and embargo on PATH, and try_exec (EMBARGO_TRY_EXEC).
set -u

here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/tap.sh"
. "$here/../lib/daemon.sh"

tier=${EMBARGO_TIER:?set EMBARGO_TIER to lsm or tracepoint}
try_exec=${EMBARGO_TRY_EXEC:-try_exec}
busybox=$(command -v busybox)
case $busybox in /*) ;; *) busybox=/bin/busybox ;; esac
version=$(sed -n 's/^#define EMB_VERSION "\(.*\)"$/\1/p' "$here/../../userspace/lib/version.h" \
	2> /dev/null)
# In the VM the sources are not there: the version embargod itself says.
[ -n "$version" ] || version=$(embargod --version | sed 's/^embargod //')

T=$(mktemp -d "${TMPDIR:-/tmp}/embargo-lifecycle.XXXXXX")
cleanup() {
	daemon_stop
	rm -rf "$T"
}
trap cleanup EXIT

# is DESCRIPTION GOT WANT
is() {
	if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1" "got:      '$2'" "expected: '$3'"; fi
}
# field JSON NAME: a string or number field of a flat JSON object.
field() {
	printf '%s\n' "$1" | sed -n "s/.*\"$2\":\"\{0,1\}\([^\",}]*\).*/\1/p"
}
# record EVENT: the last log record of EVENT.
record() {
	grep "\"event\":\"$1\"" "$T/events.jsonl" | tail -n 1
}
denied_result() {
	case $tier in
	lsm) echo "errno=EPERM" ;;
	*) echo "signal=9" ;;
	esac
}
exec_result() {
	rm -f "$T/marker"
	# shellcheck disable=SC2046 # the words are the fields
	set -- $("$try_exec" "$T/bin/touch" "$T/marker")
	echo "${3:-none}"
}
ctl() {
	embargo --control "$T/ctl.sock" "$@"
}
verify() {
	embargo log verify "$T/events.jsonl" > /dev/null
}

mkdir -p "$T/bin"
cp "$busybox" "$T/bin/touch"
chmod 755 "$T/bin/touch"
printf 'deny exec path=%s key=lifecycle-test\n' "$T/bin/touch" > "$T/test.policy"

# --- start: no --tier, so that the reason for the tier is embargod's own
daemon_start "$T" --policy "$T/test.policy" || exit 1
status=$(ctl --json status)
in_tier=$(field "$status" tier)
start=$(record start)
if [ -n "$start" ]; then ok "the log has a start record"; else not_ok "the log has a start record" "$(cat "$T/events.jsonl")"; fi
is "  with embargod's version" "$(field "$start" version)" "$version"
is "  its pid" "$(field "$start" pid)" "$daemon_pid"
is "  the tier in force" "$(field "$start" tier)" "$in_tier"
is "  the mode" "$(field "$start" mode)" enforce
is "  the policy's sha256, as status says it" "$(field "$start" policy_sha256)" \
	"$(field "$status" policy_sha256)"
is "  its source" "$(field "$start" policy_source)" files
is "  and the host" "$(field "$start" host)" "$(uname -n)"
is "  after the chain record that opens the log" \
	"$(sed -n 1p "$T/events.jsonl" | sed -n 's/.*"event":"\([a-z]*\)".*/\1/p')" chain

# --- the tier's reason: the kernel's list of LSMs, never libbpf's words
reason=$(field "$status" lsm_unavailable)
if [ "$in_tier" = lsm ]; then
	is "the lsm tier is in force: status gives no reason against it" "$reason" ""
else
	case $reason in
	*libbpf* | "") not_ok "the reason against the lsm tier reads the kernel's list" "got: '$reason'" ;;
	"bpf is not in /sys/kernel/security/lsm ("* | "bpf is in /sys/kernel/security/lsm ("*)
		ok "the reason against the lsm tier reads the kernel's list: $reason" ;;
	*) not_ok "the reason against the lsm tier reads the kernel's list" "got: '$reason'" ;;
	esac
	case $(grep 'lsm tier unavailable' "$T/daemon.err") in
	*/sys/kernel/security/lsm*) ok "  and so does embargod's message at start" ;;
	*) not_ok "  and so does embargod's message at start" "$(cat "$T/daemon.err")" ;;
	esac
fi

# --- embargo reload
out=$(ctl reload 2>&1)
is "embargo reload exits 0" "$?" 0
case $out in
"reloaded: policy generation 2 in force, 1 rules, version 0, mode enforce, from files"*)
	ok "  and names the generation now in force" ;;
*) not_ok "  and names the generation now in force" "got: $out" ;;
esac
json=$(ctl --json reload)
is "embargo reload --json: ok" "$(field "$json" ok)" true
is "  generation 3" "$(field "$json" generation)" 3
is "  the policy's sha256" "$(field "$json" policy_sha256)" "$(field "$status" policy_sha256)"
is "status agrees" "$(field "$(ctl --json status)" generation)" 3

printf 'deny exec nonsense=1 key=x\n' >> "$T/test.policy"
ctl reload > "$T/reload.out" 2> "$T/reload.err"
is "a broken policy: embargo reload exits 1" "$?" 1
check "  the error names the file and line" grep -q "^$T/test.policy:2:" "$T/reload.err"
is "  and says the generation in force stays" "$(tail -n 1 "$T/reload.err")" \
	"embargo: reload refused; generation 3 stays in force"
is "  nothing on stdout" "$(cat "$T/reload.out")" ""
json=$(ctl --json reload)
is "embargo reload --json: the refusal in \"error\"" "$(field "$json" error)" \
	"reload refused; generation 3 stays in force"
case $json in
*"\"errors\":[\"$T/test.policy:2:"*) ok "  each error in \"errors\"" ;;
*) not_ok "  each error in \"errors\"" "got: $json" ;;
esac
is "status: generation 3 still in force" "$(field "$(ctl --json status)" generation)" 3
is "  and the banned file is still denied" "$(exec_result)" "$(denied_result)"

# --- SIGTERM: a stop record; the pinned programs go on
kill -TERM "$daemon_pid"
wait "$daemon_pid"
daemon_pid=""
stop=$(record stop)
if [ -n "$stop" ]; then ok "SIGTERM: the log has a stop record"; else not_ok "SIGTERM: the log has a stop record" "$(tail -n 3 "$T/events.jsonl")"; fi
is "  as its last record" "$(tail -n 1 "$T/events.jsonl")" "$stop"
is "  reason SIGTERM" "$(field "$stop" reason)" SIGTERM
is "  enforcement continues (pinned)" "$(field "$stop" enforcement)" continues
is "  in the pin directory" "$(field "$stop" pin_dir)" "$T/bpffs/embargo"
is "  and the banned file is still denied" "$(exec_result)" "$(denied_result)"
check "embargo log verify accepts the chain" verify

# --- a second embargod takes over, then unload: a stop record saying enforcement is off
sed -i '$d' "$T/test.policy"
daemon_start "$T" --policy "$T/test.policy" || exit 1
is "a second start record" "$(grep -c '"event":"start"' "$T/events.jsonl")" 2
is "  saying it took over" "$(field "$(record start)" took_over)" true
ctl unload > /dev/null
wait "$daemon_pid"
daemon_pid=""
stop=$(record stop)
is "unload: the last record is a stop record" "$(tail -n 1 "$T/events.jsonl")" "$stop"
is "  reason unload" "$(field "$stop" reason)" unload
is "  enforcement off" "$(field "$stop" enforcement)" off
is "  and the file runs again" "$(exec_result)" exit=0
check "embargo log verify accepts the whole chain, both runs" verify

# --- embargo log: start and stop records are listed when asked for, not among decisions
log() {
	embargo log "$@" "$T/events.jsonl"
}
is "embargo log lists no start or stop record unasked" \
	"$(log | grep -cE '^[^ ]*  st(art|op) ')" 0
is "  --event start lists both starts" \
	"$(log --event start | grep -c "^[^ ]*  start  pid=[0-9]*  version=$version  tier=")" 2
is "  --event stop both stops" "$(log --event stop | grep -c "^[^ ]*  stop   pid=[0-9]*  version=$version  ")" 2

done_testing
