#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# The README's first run, as a new user follows it: the trial policy on a copy of true, checked,
# enforced in audit mode without pinning (nothing is denied, nothing outlives embargod), the
# exec logged as a would-be denial, embargo log and its summary, and embargo unload turning it
# off; then the bundled policy in audit mode. Each ready line embargod prints is the one the
# README shows (but for the tier, which is this kernel's). Only the control socket, the state
# and the log are moved to a scratch directory. Needs root (embargod loads BPF programs).
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
. "$here/../lib/tap.sh"

T=$(mktemp -d "${TMPDIR:-/tmp}/embargo-readme.XXXXXX") || exit 1
pid=""
cleanup() {
	[ -n "$pid" ] && kill "$pid" 2> /dev/null
	rm -rf "$T"
}
trap cleanup EXIT

# is DESCRIPTION GOT WANT
is() {
	if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1" "got:      '$2'" "expected: '$3'"; fi
}

# contains DESCRIPTION FILE TEXT: FILE has a line holding TEXT.
contains() {
	if grep -qF -e "$3" "$2"; then ok "$1"; else not_ok "$1" "no '$3' in:" "$(cat "$2")"; fi
}

if [ "$(id -u)" -ne 0 ]; then
	not_ok "runs as root" "embargod loads BPF programs"
	done_testing
	exit
fi

# readme_ready RULES: the ready line the README shows for a policy of RULES rules.
readme_ready() {
	grep -E "^embargod: ready tier=[a-z]+ rules=$1\$" "$top/README.md" | head -n 1
}

# start_embargod ARGS...: starts embargod with ARGS (as the README gives them) in the current
# directory, its socket and state in $T, and waits for its ready line; sets pid and ready.
start_embargod() {
	rm -f "$T/out"
	embargod "$@" --control "$T/ctl.sock" --state "$T/state" > "$T/out" 2> "$T/err" &
	pid=$!
	i=0
	while [ $i -lt 300 ]; do
		ready=$(grep '^embargod: ready' "$T/out" 2> /dev/null)
		[ -n "$ready" ] && return 0
		kill -0 "$pid" 2> /dev/null || break
		sleep 0.1
		i=$((i + 1))
	done
	not_ok "embargod becomes ready" "$(cat "$T/err")"
	return 1
}

# stop_embargod: embargo unload, as the README turns it off; embargod must exit 0.
stop_embargod() {
	if embargo --control "$T/ctl.sock" unload > "$T/unload" 2>&1; then
		ok "embargo unload exits 0"
	else
		not_ok "embargo unload exits 0" "$(cat "$T/unload")"
	fi
	wait "$pid"
	is "  and embargod exits 0" "$?" 0
	pid=""
}

# --- the trial
mkdir "$T/trial"
cd "$T/trial" || exit 1
cp /bin/true banned
echo "deny exec path=$PWD/banned key=trial" > trial.policy
embargo check trial.policy > "$T/check" 2>&1
is "embargo check trial.policy exits 0" "$?" 0
contains "  and says what the README says" "$T/check" "policy OK: 1 rules"

if start_embargod --mode audit --no-pin --policy trial.policy --log trial.jsonl; then
	tier=$(printf '%s\n' "$ready" | sed -n 's/.*tier=\([a-z]*\).*/\1/p')
	want=$(readme_ready 1 | sed "s/tier=[a-z]*/tier=$tier/")
	is "the trial's ready line is the README's" "$ready" "$want"
	./banned
	is "./banned runs in audit mode (exit 0)" "$?" 0
	embargo --control "$T/ctl.sock" status > "$T/status" 2>&1
	contains "embargo status: mode audit" "$T/status" "mode:       audit"
	contains "embargo status: not pinned" "$T/status" "pinned:     no"
	# The decision reaches the log in the next batch.
	i=0
	while [ $i -lt 100 ] && ! grep -q '"key":"trial"' trial.jsonl 2> /dev/null; do
		sleep 0.1
		i=$((i + 1))
	done
	embargo log trial.jsonl > "$T/log" 2>&1
	contains "embargo log trial.jsonl: the exec of banned, a would-be denial" "$T/log" \
		"$PWD/banned"
	contains "  marked would-deny" "$T/log" "would-deny"
	embargo log --summary trial.jsonl > "$T/summary" 2>&1
	contains "embargo log --summary: would be denied under enforce: 1 event" "$T/summary" \
		"would be denied under enforce: 1 event"
	stop_embargod
	./banned
	is "./banned runs after unload" "$?" 0
fi

# --- the bundled policy, in audit mode
embargo check "$top/policies/kaspersky.policy" > "$T/check" 2>&1
contains "embargo check on the bundled policy: what the README says" "$T/check" \
	"policy OK: 48 rules"
cd "$T" || exit 1
if start_embargod --mode audit --no-pin --policy "$top/policies/kaspersky.policy" \
	--log "$T/events.jsonl"; then
	tier=$(printf '%s\n' "$ready" | sed -n 's/.*tier=\([a-z]*\).*/\1/p')
	want=$(readme_ready 48 | sed "s/tier=[a-z]*/tier=$tier/")
	is "the bundled policy's ready line is the README's" "$ready" "$want"
	stop_embargod
fi

done_testing
