#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# embargo report on a synthetic audit log of two hours: the HTML it writes, rendered by headless
# Chromium (a screenshot and the DOM), its timeline, tables, escaping, and that it loads nothing.
# Chromium is required: without it the test fails (make deps installs it).
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/tap.sh"

T=$(mktemp -d "${TMPDIR:-/tmp}/embargo-report.XXXXXX")
trap 'rm -rf "$T"' EXIT
L=$T/events.jsonl
CHROMIUM=${CHROMIUM:-chromium}

# An executable path anyone could have chosen: markup, an ampersand, quotes (JSON-escaped).
EVIL='/tmp/x/<script>alert(1)</script>&\"q\".bin'

# emit OFFSET EVENT VERDICT KEY PATH [TIME]: one line as embargod writes it, OFFSET seconds after
# 10:00Z (TIME, when given, is how the line spells that moment). Notes each event's 2-minute
# bucket and verdict in $T/bars, each denial's path in $T/denied.
emit() {
	t=${6:-$(printf '2026-11-28T%02d:%02d:%02d.%03dZ' $((10 + $1 / 3600)) $(($1 % 3600 / 60)) \
		$(($1 % 60)) $(($1 % 1000)))}
	printf '{"time":"%s","event":"%s","verdict":"%s","tier":"lsm","key":"%s","rule":"/etc/embargo/p.policy:1","generation":1,"pid":%s,"ppid":1,"uid":1000,"gid":0,"comm":"x","path":"%s","filename":"x","dev":"8:1","ino":7}\n' \
		"$t" "$2" "$3" "$4" $((1000 + $1 % 30000)) "$5" >> "$L"
	echo "$(($1 / 120)) $3" >> "$T/bars"
	[ "$3" = deny ] && echo "$5" >> "$T/denied"
	return 0
}

# 300 events 24 s apart from 10:00 to 11:59:36, none from 10:40 to 10:50, a burst of denials
# at 11:30, one time with an offset, one line that is not JSON.
i=0
while [ $i -lt 300 ]; do
	off=$((i * 24))
	if [ $off -lt 2400 ] || [ $off -ge 3000 ]; then
		verdict=deny
		[ $((i % 5)) -eq 0 ] && verdict=audit
		event="exec"
		[ $((i % 11)) -eq 0 ] && event=mmap
		[ $((i % 13)) -eq 0 ] && event=open
		case $((i % 7)) in
		0 | 1 | 2 | 3) emit $off $event $verdict kaspersky /opt/kaspersky/bin/kav ;;
		4) emit $off $event $verdict drweb /opt/drweb/bin/drweb ;;
		5) emit $off $event $verdict 'evil<&>' "$EVIL" ;;
		6) emit $off $event $verdict tools '/usr/bin/ta\tb\u202e\u0001' ;;
		esac
	fi
	i=$((i + 1))
done
i=0
while [ $i -lt 40 ]; do
	emit $((5400 + i * 3)) exec deny kaspersky /opt/kaspersky/bin/kav
	i=$((i + 1))
done
emit 5430 kill deny drweb /opt/drweb/bin/drweb 2026-11-28T12:30:30+01:00
echo 'this line is not JSON' >> "$L"

n_events=$(wc -l < "$T/bars")
bad_line=$((n_events + 1))
n_bars=$(sort -u "$T/bars" | wc -l)
top_count=$(grep -c '^/opt/kaspersky/bin/kav$' "$T/denied")
evil_count=$(grep -c '^/tmp/x/<script>' "$T/denied")

if ! command -v "$CHROMIUM" > /dev/null; then
	not_ok "chromium is installed" "no '$CHROMIUM' on PATH: apt-get install chromium (make deps)"
	done_testing
	exit 1
fi

embargo report --html "$T/out.html" "$L" > "$T/out" 2> "$T/err"
rc=$?
check "report exits 0 (a malformed line is noted, not fatal)" [ "$rc" -eq 0 ]
check "it says what it wrote" grep -q "out.html: $n_events events, 60 bars of 2 minutes" "$T/out"
check "it reports the malformed line on stderr" grep -q "1 malformed line skipped.*line $bad_line\$" "$T/err"
check "the page notes it" \
	grep -q "<p class=\"note\" id=\"malformed\".*1 malformed line was skipped.*the first at line $bad_line\\." "$T/out.html"
n_deny=$(grep -c ' deny$' "$T/bars")
n_audit=$(grep -c ' audit$' "$T/bars")
check "the page counts events, by verdict and by kind" sh -c "grep -q '<b>$n_events</b>events' '$T/out.html' &&
	grep -q '<b>$n_deny</b>deny' '$T/out.html' && grep -q '<b>$n_audit</b>audit' '$T/out.html' &&
	grep -q '<b>1</b>kill' '$T/out.html'"
check "the event with an offset is counted at its UTC time" \
	grep -q "<td class=\"time\">2026-11-28T11:30:00Z</td>.*<td class=\"num\">$(grep -c '^45 ' "$T/bars")</td></tr>" "$T/out.html"

# Nothing on the page may load anything: no URL, no src= (images, scripts, frames), no CSS import.
check "the page references no network or file" sh -c "! grep -nE 'https?:|src=|url\\(|@import|<link|<script' '$T/out.html'"
check "the page forbids loading anything (CSP)" \
	grep -q "Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\"" "$T/out.html"
check "paths from the log are escaped in the HTML" \
	grep -qF '/tmp/x/&lt;script&gt;alert(1)&lt;/script&gt;&amp;&quot;q&quot;.bin' "$T/out.html"
check "control bytes and direction marks are shown, not written" \
	grep -qF '/usr/bin/ta<span class="esc">\x09</span>b<span class="esc">\u202e</span><span class="esc">\x01</span>' "$T/out.html"
check "keys are escaped too" grep -qF '<td class="key">evil&lt;&amp;&gt;</td>' "$T/out.html"

embargo --json report --html "$T/out.html" "$L" > "$T/json" 2> /dev/null
check "--json says what was written" \
	grep -qxF "{\"file\":\"$T/out.html\",\"events\":$n_events,\"buckets\":60,\"malformed\":1}" "$T/json"

# render RESULT ARGS...: headless Chromium on the page, stdout into $T/RESULT, its log into
# $T/RESULT.log. A profile of its own, so nothing of the machine's is read or changed.
render() {
	out=$1
	shift
	HOME=$T timeout 120 "$CHROMIUM" --headless --no-sandbox --disable-gpu \
		--user-data-dir="$T/profile" --enable-logging=stderr --v=0 --window-size=1200,900 \
		"$@" "file://$T/out.html" > "$T/$out" 2> "$T/$out.log"
}

# page_errors LOG: what Chromium said about the page. The page runs no script, so any console
# message (an exception, a CSP refusal) is a fault; so is any ERROR line that is not the known
# noise of a headless browser in a container: no D-Bus, no GPU, no sandbox, no devices.
page_errors() {
	grep -E 'CONSOLE|Uncaught|Refused to|ERROR:' "$1" |
		grep -vE ':ERROR:(dbus|device|gpu|media|sandbox|ui|components/viz)/'
}

render shot.stdout --screenshot="$T/shot.png"
rc=$?
check "chromium takes a screenshot (exit 0)" [ "$rc" -eq 0 ]
check "the screenshot is a PNG" sh -c "head -c 8 '$T/shot.png' | od -An -tx1 | tr -d ' \\n' | grep -qx 89504e470d0a1a0a"
size=$(wc -c < "$T/shot.png" 2> /dev/null || echo 0)
# A blank 1200x900 page compresses to a few KB; text, cards and the chart take far more.
if [ "$size" -gt 30000 ]; then ok "the screenshot is not blank ($size bytes)"; else not_ok "the screenshot is not blank" "$size bytes"; fi
if errors=$(page_errors "$T/shot.stdout.log"); then
	not_ok "the page renders without errors" "$errors"
else
	ok "the page renders without errors"
fi

render dom --dump-dom
rc=$?
check "chromium dumps the DOM (exit 0)" [ "$rc" -eq 0 ]
if errors=$(page_errors "$T/dom.log"); then
	not_ok "the DOM loads without errors" "$errors"
else
	ok "the DOM loads without errors"
fi
D=$T/dom
check "the DOM has the timeline chart" grep -q '<svg id="timeline"[^>]* role="img"' "$D"
check "the chart is titled and described (accessible)" \
	sh -c "grep -q '<title id=\"timeline-title\">Events per 2 minutes, by verdict</title>' '$D' && grep -q '<desc id=\"timeline-desc\">60 bars of 2 minutes' '$D'"
got=$(grep -c '<rect class="bar' "$D")
if [ "$got" -eq "$n_bars" ]; then
	ok "one bar per bucket and verdict with events ($n_bars)"
else
	not_ok "one bar per bucket and verdict with events ($n_bars)" "found $got"
fi
check "time labels on the axis" sh -c "grep -q '>10:00<tspan[^>]*>2026-11-28</tspan></text>' '$D' && grep -q '>11:40</text>' '$D'"
check "count labels on the axis" grep -q 'text-anchor="end">50</text>' "$D"
sed -n '/<table id="top-binaries"/,/<\/table>/p' "$D" > "$T/top"
check "the most denied path is first, with its count ($top_count)" \
	grep -q "^<tr><td class=\"num\">1</td><td class=\"path\">/opt/kaspersky/bin/kav</td><td class=\"num\">$top_count</td><td class=\"key\">kaspersky</td><td class=\"time\">2026-11-28T10:00:24Z</td><td class=\"time\">2026-11-28T11:58:48Z</td></tr>" "$T/top"
check "the '<script>' path is text, with its count ($evil_count)" \
	grep -qF "/tmp/x/&lt;script&gt;alert(1)&lt;/script&gt;&amp;\"q\".bin</td><td class=\"num\">$evil_count</td>" "$T/top"
check "and no element was injected" sh -c "! grep -q '<script' '$D'"
check "the top keys table" grep -q '<tr><td class="num">1</td><td class="key">kaspersky</td>' "$D"

# Filters are those of embargo log.
embargo --json report --verdict audit --html "$T/audit.html" "$L" > "$T/json" 2> /dev/null
check "--verdict audit: only audits" sh -c "grep -q '\"events\":$n_audit,' '$T/json' &&
	! grep -q 'class=\"bar deny' '$T/audit.html' && grep -q 'class=\"bar audit' '$T/audit.html'"
embargo --json report --key drweb --since 2026-11-28T11:00:00Z --html "$T/drweb.html" "$L" > "$T/json" 2> /dev/null
check "--key, --since: listed in the page" grep -q '<code>--since 2026-11-28T11:00:00Z</code> <code>--key drweb</code>' "$T/drweb.html"
check "--since bounds the chart" grep -q '<desc id="timeline-desc">[0-9]* bars of [0-9a-z ]* each, from 2026-11-28T11:00:00Z' "$T/drweb.html"
embargo --json report --key nobody --html "$T/none.html" "$L" > "$T/json" 2> /dev/null
rc=$?
check "no matching event: exit 0, an empty chart" sh -c "[ $rc -eq 0 ] && grep -q '\"events\":0,\"buckets\":0' '$T/json' && grep -q 'No events match' '$T/none.html'"

grep -v 'not JSON' "$L" > "$T/good.jsonl"
embargo report --html "$T/good.html" "$T/good.jsonl" > /dev/null 2> "$T/err"
check "a clean log: nothing on stderr, no note" sh -c "[ ! -s '$T/err' ] && ! grep -q 'id=\"malformed\"' '$T/good.html'"

embargo report --html "$T/missing.html" "$T/missing.jsonl" > /dev/null 2> "$T/err"
rc=$?
check "a missing log exits 1" [ "$rc" -eq 1 ]
check "and says so, writing nothing" sh -c "grep -q 'cannot open $T/missing.jsonl' '$T/err' && [ ! -e '$T/missing.html' ]"
embargo report --html "$T/no/such/dir/out.html" "$L" > /dev/null 2> "$T/err"
check "an unwritable FILE exits 1" [ "$?" -eq 1 ]
embargo report "$L" > /dev/null 2> "$T/err"
rc=$?
check "without --html: exit 2" sh -c "[ $rc -eq 2 ] && grep -q -- '--html FILE is required' '$T/err'"
embargo report --html "$T/x.html" --since soon "$L" > /dev/null 2> "$T/err"
rc=$?
check "a malformed --since exits 2, saying why" sh -c "[ $rc -eq 2 ] && grep -q -- '--since takes a time: RFC 3339' '$T/err'"
embargo report --html "$T/x.html" --event fork "$L" > /dev/null 2>&1
check "an unknown --event exits 2" [ "$?" -eq 2 ]

done_testing
