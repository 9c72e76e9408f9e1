#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# embargo log and report on what a new admin types: every field escaped for the terminal (a key
# holding ESC bytes), the event shown, the one list of event names (tamper, drop, start...),
# --since as a date or a time ago, --uid as a user name, and --follow across a rotation.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/tap.sh"

T=$(mktemp -d "${TMPDIR:-/tmp}/embargo-logq.XXXXXX")
follower=""
cleanup() {
	[ -n "$follower" ] && kill "$follower" 2>/dev/null && wait "$follower" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
# The real path: the follower's open file is compared with it.
T=$(cd "$T" && pwd -P)
L=$T/events.jsonl
# Local times (a date alone, a date and time without zone) are UTC here.
TZ=UTC
export TZ

# event TIME EVENT VERDICT KEY UID PATH: one line as embargod writes it (JSON escapes kept).
event() {
	printf '{"time":"%s","event":"%s","verdict":"%s","tier":"tracepoint","key":"%s","rule":"p:1","generation":1,"pid":42,"ppid":1,"uid":%s,"gid":0,"comm":"x","path":"%s","dev":"8:1","ino":7}\n' \
		"$1" "$2" "$3" "$4" "$5" "$6"
}
now=$(date -u +%s)
# ago SECONDS: an RFC 3339 time that long before now.
ago() {
	date -u -d "@$((now - $1))" +%Y-%m-%dT%H:%M:%SZ
}
{
	event 2026-11-28T01:00:00Z exec deny 'evil\u001b]0;pwned\u0007key' 0 '/opt/a\u001b[2Jb'
	event 2026-11-28T02:00:00Z mmap deny kaspersky 0 /opt/kaspersky/lib.so
	event "$(ago 86400)" tamper deny embargo-self 1000 /sys/fs/bpf/embargo/map_policy
	printf '{"time":"2026-12-02T00:00:01Z","event":"drop","count":3,"total":3}\n'
	printf '{"time":"2026-12-02T00:00:02Z","event":"start","pid":9,"version":"0.9.0"}\n'
	event "$(ago 7200)" exec audit drweb 0 /opt/drweb/two-hours
	event "$(ago 600)" exec deny drweb 0 /opt/drweb/ten-minutes
	event 2026-11-28T03:00:00Z open deny '\u00e9t\u00e9 \u009b31m \u202egnp.exe' 0 /opt/utf8
} > "$L"

embargo log "$L" > "$T/out" 2> "$T/err"
check "log lists the log" [ "$?" -eq 0 ]
if LC_ALL=C grep -q "$(printf '\033')" "$T/out"; then
	not_ok "no ESC byte reaches the terminal" "$(od -c "$T/out" | head -n 20)"
else
	ok "no ESC byte reaches the terminal"
fi
check "...the key's ESC and BEL bytes are shown as \\x1b, \\x07" \
	grep -qF 'evil\x1b]0;pwned\x07key' "$T/out"
check "...and the path's" grep -qF '/opt/a\x1b[2Jb' "$T/out"
check "UTF-8 letters print as they are, a C1 control and a bidi override escaped" \
	grep -qF 'été \xc2\x9b31m \xe2\x80\xaegnp.exe' "$T/out"
check "each line shows its event: exec" grep -q '^2026-11-28T01:00:00Z  *exec  *deny ' "$T/out"
check "...mmap" grep -q '^2026-11-28T02:00:00Z  *mmap  *deny  *kaspersky ' "$T/out"
check "...tamper" grep -q "^$(ago 86400)  *tamper  *deny  *embargo-self " "$T/out"
check "...open" grep -q '^2026-11-28T03:00:00Z  *open  *deny ' "$T/out"
check "records (drop, start) are not listed unasked" sh -c "! grep -q ' drop \| start ' '$T/out'"

# The one list of event names, for log and report alike.
for e in exec mmap open kill tamper chain drop start stop; do
	embargo log --event "$e" "$L" > /dev/null 2> "$T/err"
	rc=$?
	if [ "$rc" -eq 0 ]; then ok "log --event $e is accepted"; else not_ok "log --event $e is accepted" "exit status $rc" "$(cat "$T/err")"; fi
	embargo report --html "$T/r.html" --event "$e" "$L" > /dev/null 2> "$T/err"
	rc=$?
	if [ "$rc" -eq 0 ]; then ok "report --event $e is accepted"; else not_ok "report --event $e is accepted" "exit status $rc" "$(cat "$T/err")"; fi
done
embargo log --event tamper "$L" > "$T/out"
check "log --event tamper lists the tamper event" sh -c "[ \$(wc -l < '$T/out') -eq 1 ] && grep -q map_policy '$T/out'"
embargo log --event drop "$L" > "$T/out"
check "log --event drop lists the drop record" grep -q '^2026-12-02T00:00:01Z  *drop   3 events' "$T/out"
embargo log --event start "$L" > "$T/out"
check "log --event start lists embargod's start" grep -q '^2026-12-02T00:00:02Z  *start  *pid=9  version=0.9.0' "$T/out"
embargo report --html "$T/r.html" --event drop --json "$L" > "$T/out"
check "report --event drop counts the drop record" grep -q '"events":1' "$T/out"
embargo log --event fork "$L" > /dev/null 2> "$T/err"
check "an unknown --event exits 2" [ "$?" -eq 2 ]
check "...naming every event" grep -q 'exec, mmap, open, kill, tamper, chain, drop, start, stop, policy, takeover or unload' "$T/err"

# --since and --until: dates and times ago (the log's first events are before 2026-12-02, the
# others from a day ago on).
# lines OPTIONS...: how many events embargo log lists.
lines() {
	embargo log "$@" "$L" 2> "$T/err" | wc -l
}
is() {
	if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1" "got:      '$2'" "expected: '$3'" "$(cat "$T/err")"; fi
}
is "--since 1h: the event of ten minutes ago" "$(lines --since 1h)" 1
is "--since 30m: the same" "$(lines --since 30m)" 1
is "--since 3h: both recent events" "$(lines --since 3h)" 2
is "--since 5m: none" "$(lines --since 5m)" 0
is "--since 7205s: both recent events" "$(lines --since 7205s)" 2
is "--since 2026-12-02: the tamper and the recent ones" "$(lines --since 2026-12-02)" 3
is "--until 2026-11-28T02:30: the first two" "$(lines --until 2026-11-28T02:30)" 2
is "--since '2026-11-28 01:30:00' --until 2026-11-29" "$(lines --since '2026-11-28 01:30:00' --until 2026-11-29)" 2
is "--since 2d: the tamper and the recent ones" "$(lines --since 2d)" 3
is "--until 2d: the old ones" "$(lines --until 2d)" 3
midnight=$(date -u -d 'today 00:00' +%s)
is "--since today: the events of today" "$(lines --since today)" \
	$(((now - 86400 >= midnight) + (now - 7200 >= midnight) + (now - 600 >= midnight)))
embargo log --since 2026-02-30 "$L" > /dev/null 2> "$T/err"
check "--since 2026-02-30 is no date: exit 2" [ "$?" -eq 2 ]
embargo log --since 1y "$L" > /dev/null 2> "$T/err"
check "--since 1y: an unknown unit, exit 2" [ "$?" -eq 2 ]
check "...saying what it takes" grep -q '30m, 1h, 2d' "$T/err"

# --uid: a number or a user name.
is "--uid root" "$(lines --uid root)" 5
is "--uid 1000" "$(lines --uid 1000)" 1
embargo log --uid no-such-user-here "$L" > /dev/null 2> "$T/err"
check "--uid of an unknown user: exit 2" [ "$?" -eq 2 ]
check "...saying so" grep -q "uid or the name of a user.*no-such-user-here" "$T/err"
embargo report --html "$T/r.html" --uid root --json "$L" > "$T/out" 2> "$T/err"
check "report --uid root" grep -q '"events":5' "$T/out"

# --follow: what is logged from now on, across a rotation.
F=$T/follow.jsonl
event 2026-12-01T00:00:00Z exec deny old 0 /opt/before-follow > "$F"
embargo log --follow "$F" > "$T/follow.out" 2> "$T/follow.err" &
follower=$!
# wait_for PATTERN: until the follower printed it (10 s at most).
wait_for() {
	i=0
	while [ $i -lt 100 ]; do
		grep -q "$1" "$T/follow.out" && return 0
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}
# Until the follower has the log open (and a moment more to reach its end), however loaded the
# machine is.
has_open() {
	for fd in "/proc/$follower/fd"/*; do
		[ "$(readlink "$fd")" = "$F" ] && return 0
	done
	return 1
}
i=0
while [ $i -lt 100 ] && ! has_open; do
	sleep 0.1
	i=$((i + 1))
done
sleep 0.5
event 2026-12-03T00:00:01Z exec deny new 0 /opt/after-1 >> "$F"
check "--follow lists an event appended" wait_for /opt/after-1
check "...but not what was there before" sh -c "! grep -q before-follow '$T/follow.out'"
# A line written in two parts is listed once, whole.
printf '{"time":"2026-12-03T00:00:02Z","event":"exec","verdict":"deny","key":"split",' >> "$F"
sleep 0.5
printf '"uid":0,"pid":1,"path":"/opt/after-split"}\n' >> "$F"
check "...a line written in two writes, once whole" wait_for /opt/after-split
mv "$F" "$F.1"
event 2026-12-03T00:00:03Z exec deny old-file 0 /opt/after-rename >> "$F.1"
sleep 0.5
event 2026-12-03T00:00:04Z exec deny rotated 0 /opt/after-rotation > "$F"
check "...the rest of the rotated file" wait_for /opt/after-rename
check "...and the new file" wait_for /opt/after-rotation
check "...in order" sh -c "grep -n . '$T/follow.out' | grep after- | cut -d/ -f3 | tr '\n' ' ' | grep -qx 'after-1 after-split after-rename after-rotation '"
check "...without a malformed line" sh -c "! grep -q . '$T/follow.err'"
check "...still running" kill -0 "$follower"
kill "$follower"
wait "$follower" 2>/dev/null
follower=""
embargo log --follow --since 2026-12-03T00:00:04Z --json "$F" > "$T/follow.out" 2>&1 &
follower=$!
check "--follow --since starts there, one JSON object a line" wait_for '^{"time":"2026-12-03T00:00:04Z".*after-rotation".*}$'
kill "$follower"
wait "$follower" 2>/dev/null
follower=""
embargo log --follow --summary "$F" > /dev/null 2>&1
check "--follow --summary: exit 2" [ "$?" -eq 2 ]

done_testing
