#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# embargo log on a synthetic audit log: each filter, --json, --summary, malformed lines and a
# missing file.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/tap.sh"

T=$(mktemp -d "${TMPDIR:-/tmp}/embargo-log.XXXXXX")
trap 'rm -rf "$T"' EXIT
L=$T/events.jsonl

# event TIME EVENT VERDICT KEY UID PID PATH: one line as embargod writes it.
event() {
	printf '{"time":"%s","event":"%s","verdict":"%s","tier":"lsm","key":"%s","rule":"/etc/embargo/p.policy:1","generation":1,"pid":%s,"ppid":1,"uid":%s,"gid":0,"comm":"x","path":"%s","filename":"x","dev":"8:1","ino":7}\n' \
		"$1" "$2" "$3" "$4" "$6" "$5" "$7"
}
{
	event 2026-11-28T01:02:03.123456789Z exec deny kaspersky 0 123 /opt/kaspersky/bin/kav
	event 2026-11-28T01:05:00Z exec deny kaspersky 1000 124 /opt/kaspersky/bin/kav
	event 2026-11-28T02:00:00.5Z mmap deny kaspersky 0 125 /opt/kaspersky/lib/libkav.so
	event 2026-11-28T03:00:00Z exec audit drweb 1000 200 /opt/drweb/bin/drweb
	event 2026-11-28T03:30:00Z exec audit drweb 1000 201 /opt/drweb/bin/drweb
	event 2026-11-28T04:00:00Z exec audit drweb 1001 202 /opt/drweb/bin/update
	event 2026-11-28T05:00:00Z exec allow tools 0 300 /usr/local/bin/tool
	echo 'this line is not JSON'
	event 2026-11-28T06:00:00.000000001Z exec deny avast 1002 400 /opt/avast/avast
	event 2026-11-29T00:00:00+02:00 exec audit avast 1002 401 /opt/avast/avast
	event 2026-11-29T10:00:00Z exec deny kaspersky 0 500 /opt/kaspersky/bin/kav
} > "$L"

# count DESC WANT ARGS...: embargo log ARGS lists WANT events, exits 1 for the malformed line.
count() {
	desc=$1 want=$2
	shift 2
	embargo log "$@" "$L" > "$T/out" 2> "$T/err"
	rc=$?
	got=$(grep -c '^2026-' "$T/out")
	if [ "$rc" -eq 1 ] && [ "$got" -eq "$want" ]; then
		ok "$desc: $want events"
	else
		not_ok "$desc: $want events" "exit status $rc, $got events" "$(cat "$T/out" "$T/err")"
	fi
}

count "no filter" 10
check "the malformed line is reported once, with its line number" \
	sh -c "[ \$(grep -c 'malformed' '$T/err') -eq 1 ] && grep -q '1 malformed line.*line 8' '$T/err'"
check "columns: time, event, verdict, key, uid, pid, path" \
	grep -q '^2026-11-28T01:02:03.123456789Z  exec   deny   kaspersky  *uid=0  *pid=123  *\/opt\/kaspersky\/bin\/kav$' "$T/out"
check "the event column tells mmap from exec" \
	grep -q '^2026-11-28T02:00:00.5Z  *mmap   deny   kaspersky ' "$T/out"
count "--verdict deny" 5 --verdict deny
count "--verdict audit" 4 --verdict audit
count "--verdict allow" 1 --verdict allow
count "--key kaspersky" 4 --key kaspersky
count "--key kasper (exact only)" 0 --key kasper
count "--uid 1000" 3 --uid 1000
count "--uid 0" 4 --uid 0
count "--event mmap" 1 --event mmap
count "--event exec" 9 --event exec
count "--path glob" 3 --path '/opt/drweb/*'
count "--path glob across directories" 4 --path '/opt/kaspersky/*'
count "--since (fractions compared)" 8 --since 2026-11-28T02:00:00.4Z
count "--since (inclusive, nanoseconds)" 3 --since 2026-11-28T06:00:00.000000001Z
count "--until" 2 --until 2026-11-28T01:05:00Z
count "--since with an offset in the log" 1 --since 2026-11-28T22:00:00Z --until 2026-11-28T22:00:00Z
count "filters combined" 1 --key kaspersky --verdict deny --uid 0 --since 2026-11-29T00:00:00Z

embargo log --json "$L" > "$T/json" 2> /dev/null
check "--json starts an array" sh -c "head -c 1 '$T/json' | grep -q '^\\[\$'"
check "--json ends it" sh -c "tail -n 1 '$T/json' | grep -q '^\\]\$'"
check "--json lists 10 objects" [ "$(grep -o '{"time"' "$T/json" | wc -l)" -eq 10 ]
check "--json separates them with commas" [ "$(grep -c '^{"time".*},$' "$T/json")" -eq 9 ]
embargo log --json --key nobody "$L" > "$T/json" 2> /dev/null
check "--json with no match is []" [ "$(cat "$T/json")" = "[]" ]
if command -v python3 > /dev/null; then
	embargo log --json --verdict audit "$L" > "$T/json" 2> /dev/null
	check "--json parses as JSON" python3 -c "import json,sys; assert len(json.load(open(sys.argv[1]))) == 4" "$T/json"
fi

embargo log --summary "$L" > "$T/out" 2> /dev/null
check "--summary counts events" grep -qx 'events: 10' "$T/out"
check "--summary by verdict" sh -c "grep -qE '^ +5  deny\$' '$T/out' && grep -qE '^ +4  audit\$' '$T/out' && grep -qE '^ +1  allow\$' '$T/out'"
check "--summary by key, most first" sh -c "grep -E '^ +[0-9]+  [a-z]+ +[a-z]+\$' '$T/out' | head -n 1 | grep -qE '^ +4  deny +kaspersky\$'"
check "--summary top paths" grep -qE '^ +3  deny +kaspersky +/opt/kaspersky/bin/kav$' "$T/out"
embargo log --summary --json --verdict audit "$L" > "$T/out" 2> /dev/null
check "--summary --json" grep -qF '{"events":4,"by_verdict":{"audit":4},"by_key":[{"key":"drweb","verdict":"audit","count":3},{"key":"avast","verdict":"audit","count":1}],"top_paths":[{"path":"/opt/drweb/bin/drweb","key":"drweb","verdict":"audit","count":2},' "$T/out"

grep -v 'not JSON' "$L" > "$T/good.jsonl"
embargo log "$T/good.jsonl" > /dev/null 2> "$T/err"
rc=$?
check "a clean log exits 0" [ "$rc" -eq 0 ]
check "and says nothing on stderr" [ ! -s "$T/err" ]

embargo log "$T/missing.jsonl" > "$T/out" 2> "$T/err"
rc=$?
check "a missing log exits 1" [ "$rc" -eq 1 ]
check "and says so" grep -q "cannot open $T/missing.jsonl: No such file" "$T/err"
embargo log --since soon "$L" > /dev/null 2> "$T/err"
rc=$?
check "a malformed --since exits 2" [ "$rc" -eq 2 ]
check "and says why" grep -q -- "--since takes a time: RFC 3339" "$T/err"
embargo log --verdict maybe "$L" > /dev/null 2>&1
check "an unknown --verdict exits 2" [ "$?" -eq 2 ]

done_testing
