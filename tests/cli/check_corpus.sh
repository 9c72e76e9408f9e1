#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# The malformed-policy corpus: embargo check names FILE:LINE:COL and exits 1 for each file,
# and embargod given that policy refuses to start. The good policies pass.
# Each file in tests/policies/bad starts with "# expect: LINE:COL: message".
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/tap.sh"
root=$(cd "$here/../.." && pwd)

T=$(mktemp -d "${TMPDIR:-/tmp}/embargo-cli.XXXXXX")
trap 'rm -rf "$T"' EXIT

n_bad=0
for f in "$root"/tests/policies/bad/*.policy; do
	n_bad=$((n_bad + 1))
	name=$(basename "$f")
	expect=$(sed -n '1s/^# expect: //p' "$f")
	embargo check "$f" > "$T/out" 2> "$T/err"
	rc=$?
	if [ "$rc" -eq 1 ] && grep -qxF "$f:$expect" "$T/err"; then
		ok "check $name: exit 1, $expect"
	else
		not_ok "check $name: exit 1, $expect" "exit status $rc" "stderr: $(cat "$T/err")"
	fi
	embargod --policy "$f" --log "$T/events.jsonl" --control "$T/ctl.sock" --tier tracepoint \
		> "$T/dout" 2> "$T/derr"
	rc=$?
	if [ "$rc" -ne 0 ] && ! grep -q ready "$T/dout" && [ ! -e "$T/ctl.sock" ] &&
		grep -qxF "$f:$expect" "$T/derr" && grep -q "nothing of it was applied" "$T/derr"; then
		ok "embargod refuses to start on $name"
	else
		not_ok "embargod refuses to start on $name" "exit status $rc" "stdout: $(cat "$T/dout")" \
			"stderr: $(cat "$T/derr")"
	fi
done
check "the corpus has at least 15 malformed policies ($n_bad)" [ "$n_bad" -ge 15 ]

set -- "$root"/tests/policies/bad/*.policy
embargo check --json "$1" > "$T/json"
check "check --json reports errors with file, line and col" \
	grep -q '"ok":false.*"errors":\[{"file":".*","line":[0-9]*,"col":[0-9]*,"message":"' "$T/json"

for f in "$root"/tests/policies/good/*.policy "$root"/policies/*.policy; do
	check "check $(basename "$f"): valid" sh -c "embargo check '$f' >/dev/null"
done
check "check of a directory loads its *.policy files" sh -c "embargo check '$root/tests/policies/good' | grep -q 'policy OK'"
check "check of a missing file exits 1" sh -c "! embargo check '$T/missing.policy' 2>/dev/null"

embargo --control "$T/none.sock" status > "$T/out" 2> "$T/err"
rc=$?
check "status without embargod exits 1" [ "$rc" -eq 1 ]
check "status without embargod says so" grep -q "embargod is not running" "$T/err"
embargo --json --control "$T/none.sock" status > "$T/out"
check "status --json without embargod prints an error object" grep -q '^{"error":"embargod is not running' "$T/out"

done_testing
