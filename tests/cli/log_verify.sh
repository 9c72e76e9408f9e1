#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# embargo log verify on sealed logs made here with sha256sum (an implementation of the chain
# apart from embargod's), and on doctored copies: each kind of damage is named, with its line.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/tap.sh"

T=$(mktemp -d "${TMPDIR:-/tmp}/embargo-log-verify.XXXXXX")
trap 'rm -rf "$T"' EXIT
L=$T/events.jsonl

zeros=0000000000000000000000000000000000000000000000000000000000000000
# seal FILE OBJECT: appends OBJECT to FILE with the chain's seq and prev before its last brace.
seal() {
	line="${2%?},\"seq\":$seq,\"prev\":\"$prev\"}"
	printf '%s\n' "$line" >> "$1"
	prev=$(printf '%s' "$line" | sha256sum | cut -c1-64)
	seq=$((seq + 1))
}
event() {
	printf '{"time":"2026-11-28T01:%02d:00Z","event":"exec","verdict":"deny","tier":"lsm","key":"vendor","generation":1,"pid":%s,"uid":0,"path":"/opt/vendor/bin/tool%s","dev":"8:1","ino":7}' \
		"$(($1 % 60))" "$((1000 + $1))" "$1"
}
chain() {
	printf '{"time":"2026-11-28T01:00:00Z","event":"chain","reason":"%s"%s}' "$1" "${2:+,\"previous_file\":\"$2\"}"
}
anchor() {
	printf '%s %s\n' "$((seq - 1))" "$prev" > "$1"
}

seq=0 prev=$zeros
seal "$L" "$(chain new)"
i=1
while [ $i -le 30 ]; do
	seal "$L" "$(event $i)"
	i=$((i + 1))
done
anchor "$L.anchor"

# verify DESC WANT_STATUS ARGS...: runs embargo log verify ARGS into $T/out and $T/err.
verify() {
	desc=$1 want=$2
	shift 2
	embargo log verify "$@" > "$T/out" 2> "$T/err"
	rc=$?
	if [ "$rc" -eq "$want" ]; then
		ok "$desc: exit $want"
	else
		not_ok "$desc: exit $want" "exit status $rc" "$(cat "$T/out" "$T/err")"
	fi
}
# says FILE TEXT: the line FILE holds is exactly TEXT.
says() {
	if grep -qxF "$2" "$1"; then
		ok "says: $2"
	else
		not_ok "says: $2" "got:" "$(cat "$1")"
	fi
}

verify "a clean log" 0 "$L"
says "$T/out" "OK: 31 records, seq 0..30, chain intact"
says "$T/out" "anchor: $L.anchor: seq 30 matches"
check "nothing on stderr" [ ! -s "$T/err" ]
verify "--json, clean" 0 --json "$L"
check "--json says ok, the records and no problem" grep -qF "{\"ok\":true,\"records\":31,\"first_seq\":0,\"last_seq\":30,\"files\":[\"$L\"],\"anchor\":\"$L.anchor\",\"anchor_checked\":true,\"continued\":false,\"torn_lines\":0,\"unsealed_lines\":0,\"problem\":null}" "$T/out"
verify "--no-anchor" 0 --no-anchor "$L"
says "$T/out" "note: no anchor: records cut from the end would go unnoticed"

# One byte of a path changed in line 12.
sed '12s|/opt/vendor/|/opt/vendoR/|' "$L" > "$T/edited.jsonl"
verify "an edited line" 1 "$T/edited.jsonl"
says "$T/err" "$T/edited.jsonl:12: line 12 was altered"
check "and nothing on stdout" [ ! -s "$T/out" ]
verify "an edited line, --json" 1 --json "$T/edited.jsonl"
check "--json names file, line, seq, kind and message" grep -qF "\"problem\":{\"file\":\"$T/edited.jsonl\",\"line\":12,\"seq\":11,\"kind\":\"altered\",\"message\":\"line 12 was altered\"}}" "$T/out"
check "--json says not ok, with the records verified" grep -qF '{"ok":false,"records":11,"first_seq":0,"last_seq":10,' "$T/out"
if command -v python3 > /dev/null; then
	check "--json parses as JSON" python3 -c "import json,sys; d = json.load(open(sys.argv[1])); assert d['problem']['kind'] == 'altered'" "$T/out"
fi

sed '12d' "$L" > "$T/deleted.jsonl"
verify "a deleted line" 1 "$T/deleted.jsonl"
says "$T/err" "$T/deleted.jsonl:11: record seq 11 is missing after line 11"
sed '12,14d' "$L" > "$T/deleted3.jsonl"
verify "three deleted lines" 1 "$T/deleted3.jsonl"
says "$T/err" "$T/deleted3.jsonl:11: records seq 11..13 are missing after line 11"

sed -n '12{h;d;};13{p;x;};p' "$L" > "$T/swapped.jsonl"
verify "two swapped lines" 1 "$T/swapped.jsonl"
says "$T/err" "$T/swapped.jsonl:12: line 12 is out of order (seq 12 after seq 10; seq 11 is at line 13)"

size=$(wc -c < "$L")
head -c $((size - 40)) "$L" > "$T/truncated.jsonl"
verify "a truncated tail" 1 "$T/truncated.jsonl"
says "$T/err" "$T/truncated.jsonl:31: the last line (line 31) is truncated"

head -n 28 "$L" > "$T/shortened.jsonl"
verify "whole lines cut from the end, no anchor" 0 "$T/shortened.jsonl"
cp "$L.anchor" "$T/shortened.jsonl.anchor"
verify "whole lines cut from the end, the anchor beside" 1 "$T/shortened.jsonl"
says "$T/err" "$T/shortened.jsonl:28: records after seq 27 are missing (the anchor says seq 30)"
rm "$T/shortened.jsonl.anchor"
verify "--anchor FILE" 1 --anchor "$L.anchor" "$T/shortened.jsonl"
says "$T/err" "$T/shortened.jsonl:28: records after seq 27 are missing (the anchor says seq 30)"
verify "--anchor and --no-anchor" 2 --anchor "$L.anchor" --no-anchor "$L"

awk 'NR == 12 { print "this line is not JSON" } { print }' "$L" > "$T/junk.jsonl"
verify "a line that is not JSON" 1 "$T/junk.jsonl"
says "$T/err" "$T/junk.jsonl:12: line 12 is not a record"

# A rotated log: the new file's first record continues the old file's chain.
mkdir "$T/rot"
R=$T/rot/events.jsonl
seq=0 prev=$zeros
seal "$R" "$(chain new)"
for i in 1 2 3 4 5 6 7 8 9; do seal "$R" "$(event $i)"; done
mv "$R" "$R.1"
seal "$R" "$(chain rotated events.jsonl.1)"
for i in 1 2 3 4 5 6 7 8 9; do seal "$R" "$(event $i)"; done
anchor "$R.anchor"
verify "--rotated: the file and its rotated files" 0 --rotated "$R"
says "$T/out" "OK: 20 records, seq 0..19, chain intact"
verify "the rotated files given oldest first" 0 "$R.1" "$R"
verify "the newer file alone" 1 "$R"
says "$T/err" "$R:1: line 1 continues a chain from a file not given (seq 10, prev not zero)"
check "with a hint" grep -q -- '--allow-continued accepts that' "$T/err"
verify "the newer file alone, --allow-continued" 0 --allow-continued "$R"
says "$T/out" "OK: 10 records, seq 10..19, chain intact"
says "$T/out" "note: seq 10 continues a chain from older files not given"
verify "the files newest first" 1 "$R" "$R.1"
check "is out of order" grep -q "^$R:1: line 1 is out of order" "$T/err"

verify "a missing log" 1 "$T/nowhere.jsonl"
check "says it cannot be read" grep -q "cannot read $T/nowhere.jsonl: No such file" "$T/err"

# The listing leaves chain records out unless asked, and takes seq and prev in its stride.
embargo log "$L" > "$T/out" 2> "$T/err"
rc=$?
check "embargo log on a sealed log exits 0" [ "$rc" -eq 0 ]
check "and lists its 30 events, not the chain record" [ "$(grep -c '^2026-' "$T/out")" -eq 30 ]
embargo log --event chain "$L" > "$T/out" 2> /dev/null
check "--event chain lists the chain record" grep -qE '^2026-11-28T01:00:00Z +chain  new +seq=0$' "$T/out"
embargo log --summary "$L" > "$T/out" 2> /dev/null
check "--summary counts events only" grep -qx 'events: 30' "$T/out"
embargo log --since 2026-11-28T00:00:00Z verify > /dev/null 2> "$T/err"
check "'verify' after options is refused (exit 2)" [ "$?" -eq 2 ]
check "pointing at ./verify" grep -q './verify' "$T/err"
cp "$L" "$T/verify"
(cd "$T" && embargo log ./verify > "$T/out" 2> /dev/null)
check "a log named verify is ./verify" [ "$(grep -c '^2026-' "$T/out")" -eq 30 ]

done_testing
