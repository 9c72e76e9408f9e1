#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Monitor mode's question, "what would break if we enforce?", asked of a synthetic audit-mode
# log: embargo log --summary (text and JSON), --would-deny, and embargo report's count.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/tap.sh"

T=$(mktemp -d "${TMPDIR:-/tmp}/embargo-monitor.XXXXXX")
trap 'rm -rf "$T"' EXIT
L=$T/events.jsonl

# event TIME KEY UID PATH [WOULD_DENY]: an audit line as embargod writes it in audit mode; with
# WOULD_DENY "yes", a deny rule's decision that audit mode let through.
event() {
	wd=""
	[ "${5:-}" = yes ] && wd='"would_deny":true,'
	printf '{"time":"%s","event":"exec","verdict":"audit",%s"tier":"lsm","key":"%s","rule":"/etc/embargo/p.policy:1","generation":1,"pid":7,"ppid":1,"uid":%s,"gid":0,"comm":"x","path":"%s","filename":"x","dev":"8:1","ino":7}\n' \
		"$1" "$wd" "$2" "$3" "$4"
}
{
	event 2026-11-28T01:00:00Z no-tmp 1000 /tmp/build/a.out yes
	event 2026-11-28T01:01:00Z no-tmp 1000 /tmp/build/a.out yes
	event 2026-11-28T01:02:00Z no-tmp 1001 /tmp/build/a.out yes
	event 2026-11-28T01:03:00Z no-home 1001 /home/u/bin/tool yes
	event 2026-11-28T01:04:00Z no-tmp 0 /tmp/x yes
	event 2026-11-28T01:05:00Z watch 1002 /opt/watched/w
	event 2026-11-28T01:06:00Z watch 1002 /opt/watched/w
} > "$L"

embargo log --summary "$L" > "$T/out" 2> "$T/err"
check "--summary exits 0" [ "$?" -eq 0 ]
check "it counts every event" grep -qx 'events: 7' "$T/out"
check "would be denied under enforce: events, distinct paths and uids" \
	grep -qx 'would be denied under enforce: 5 events, 3 paths, 3 uids' "$T/out"
check "the top path first, with its key, count and users" sh -c \
	"grep -A1 '^would be denied' '$T/out' | tail -n 1 | grep -qE '^ +3  users=2 +no-tmp +/tmp/build/a.out\$'"
check "every would-be denied path is listed" sh -c \
	"grep -qE '^ +1  users=1 +no-home +/home/u/bin/tool\$' '$T/out' &&
	grep -qE '^ +1  users=1 +no-tmp +/tmp/x\$' '$T/out'"
check "an audit rule's events are not among them" sh -c \
	"! sed -n '/^would be denied/,\$p' '$T/out' | grep -q watched"

embargo --json log --summary "$L" > "$T/json" 2> /dev/null
check "--json --summary: a would_deny object" grep -qF \
	'"would_deny":{"events":5,"paths":3,"uids":3,"top":[{"path":"/tmp/build/a.out","key":"no-tmp","count":3,"users":2},{"path":"/home/u/bin/tool","key":"no-home","count":1,"users":1},{"path":"/tmp/x","key":"no-tmp","count":1,"users":1}],"other_paths":0}}' \
	"$T/json"
if command -v python3 > /dev/null; then
	check "--json --summary parses as JSON" python3 -c \
		"import json,sys; w = json.load(open(sys.argv[1]))['would_deny']; assert w['events'] == 5 and len(w['top']) == 3" \
		"$T/json"
fi

# The filters narrow the question: one key's would-be denials, or none at all.
embargo log --summary --key no-home "$L" > "$T/out" 2> /dev/null
check "--summary --key: that key's would-be denials only" \
	grep -qx 'would be denied under enforce: 1 event, 1 path, 1 uid' "$T/out"
embargo log --summary --key watch "$L" > "$T/out" 2> /dev/null
check "no would-be denials: said plainly" \
	grep -qx 'would be denied under enforce: nothing would be denied' "$T/out"
embargo --json log --summary --key watch "$L" > "$T/json" 2> /dev/null
check "and in JSON, zero counts and an empty top" \
	grep -qF '"would_deny":{"events":0,"paths":0,"uids":0,"top":[],"other_paths":0}}' "$T/json"

# --would-deny lists just them, marked; other listings mark them too.
embargo log --would-deny "$L" > "$T/out" 2> /dev/null
check "--would-deny lists the 5 would-be denials" [ "$(grep -c '^2026-' "$T/out")" -eq 5 ]
check "each marked before its path" [ "$(grep -c '  would-deny  /' "$T/out")" -eq 5 ]
embargo log --key watch "$L" > "$T/out" 2> /dev/null
check "an audit rule's event is not marked" sh -c \
	"[ \"\$(grep -c '^2026-' '$T/out')\" -eq 2 ] && ! grep -q would-deny '$T/out'"
embargo --json log --would-deny --uid 1001 "$L" > "$T/json" 2> /dev/null
check "--json --would-deny with another filter" \
	[ "$(grep -c '"would_deny":true' "$T/json")" -eq 2 ]

# The HTML report counts them apart from denials and audits.
embargo report --html "$T/out.html" "$L" > /dev/null 2>&1
check "report: a would-be denials card" grep -q 'id="n-would_deny"><b>5</b>would-be denials' "$T/out.html"
embargo report --html "$T/out.html" --would-deny "$L" > /dev/null 2>&1
check "report --would-deny: only them, and says so" sh -c \
	"grep -q '<b>5</b>events' '$T/out.html' && grep -q '<code>--would-deny</code>' '$T/out.html'"
embargo report --html "$T/out.html" --key watch "$L" > /dev/null 2>&1
check "report: none when there are none, the audit rule's events as audits" sh -c \
	"grep -q 'id=\"n-would_deny\"><b>0</b>' '$T/out.html' && grep -q 'id=\"n-audit\"><b>2</b>audits' '$T/out.html'"

done_testing
