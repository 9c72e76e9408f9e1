#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# embargo report on a synthetic, sealed audit log of two hours from three hosts and three users:
# the HTML it writes, rendered by headless Chromium (a screenshot and the DOM): its timeline,
# the chain's verification (intact, and broken on a tampered copy), the policies, blocked
# binaries, denied opens and would-be denials apart, counts by host and user, escaping, and
# that it loads nothing; the same figures in --json.
# Chromium is required: without it the test fails (make test-deps installs it).
# shellcheck disable=SC2016 # the awk conditions are single-quoted: $1 is a field, not a parameter
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/tap.sh"

T=$(mktemp -d "${TMPDIR:-/tmp}/embargo-report.XXXXXX")
trap 'rm -rf "$T"' EXIT
L=$T/events.jsonl
CHROMIUM=${CHROMIUM:-chromium}

# An executable path anyone could have chosen: markup, an ampersand, quotes (JSON-escaped).
EVIL='/tmp/x/<script>alert(1)</script>&\"q\".bin'
# Two policies, one after the other; a host name with markup.
SHA3=3333333333333333333333333333333333333333333333333333333333333333
SHA4=4444444444444444444444444444444444444444444444444444444444444444
EVIL_HOST='edge<&>\"x'

# seal OBJECT: appends OBJECT to the log with the chain's seq and prev before its last brace,
# as embargod does (computed here with sha256sum, apart from the library).
seq=0 prev=0000000000000000000000000000000000000000000000000000000000000000
seal() {
	line="${1%?},\"seq\":$seq,\"prev\":\"$prev\"}"
	printf '%s\n' "$line" >> "$L"
	prev=$(printf '%s' "$line" | sha256sum | cut -c1-64)
	seq=$((seq + 1))
}

# emit OFFSET EVENT VERDICT KEY PATH [TIME]: one line as embargod writes it, OFFSET seconds after
# 10:00Z (TIME, when given, is how the line spells that moment), from $host and $uid, a would-be
# denial when $would is set, under policy 3 before 11:00 and policy 4 after. Notes each event's
# 2-minute bucket and verdict in $T/bars, and what it amounts to in $T/facts: class, host, uid,
# policy version, path.
emit() {
	t=${6:-$(printf '2026-11-28T%02d:%02d:%02d.%03dZ' $((10 + $1 / 3600)) $(($1 % 3600 / 60)) \
		$(($1 % 60)) $(($1 % 1000)))}
	pol=3 sha=$SHA3
	[ "$1" -ge 3600 ] && pol=4 sha=$SHA4
	seal "$(printf '{"time":"%s","event":"%s","verdict":"%s",%s"tier":"lsm","key":"%s","rule":"/etc/embargo/p.policy:1","generation":%s,"policy_version":%s,"policy_sha256":"%s","pid":%s,"ppid":1,"uid":%s,"gid":0,"host":"%s","comm":"x","path":"%s","filename":"x","dev":"8:1","ino":7}' \
		"$t" "$2" "$3" "${would:+\"would_deny\":true,}" "$4" "$pol" "$pol" "$sha" $((1000 + $1 % 30000)) "$uid" "$host" "$5")"
	echo "$(($1 / 120)) $3" >> "$T/bars"
	case $3/$2/${would:-} in
	deny/open/) class=denied_opens ;;
	deny/*) class=blocked ;;
	audit/*/1) class=would_deny ;;
	audit/*) class=audit ;;
	*) class=other ;;
	esac
	echo "$class $host $uid $pol $5" >> "$T/facts"
	return 0
}

# The chain's first record, as embargod writes it: no decision, not counted.
seal '{"time":"2026-11-28T09:59:59Z","event":"chain","reason":"new","host":"web1"}'
# 300 events 24 s apart from 10:00 to 11:59:36, none from 10:40 to 10:50, a burst of denials
# at 11:30, one time with an offset, an allowed open; from three hosts and three uids.
i=0
while [ $i -lt 300 ]; do
	off=$((i * 24))
	if [ $off -lt 2400 ] || [ $off -ge 3000 ]; then
		verdict=deny would=
		[ $((i % 5)) -eq 0 ] && verdict=audit
		[ $((i % 10)) -eq 0 ] && would=1
		event="exec"
		[ $((i % 11)) -eq 0 ] && event=mmap
		[ $((i % 13)) -eq 0 ] && event=open
		case $((i % 3)) in
		0) host=web1 ;;
		1) host=db2 ;;
		2) host=$EVIL_HOST ;;
		esac
		case $((i % 4)) in
		0) uid=0 ;;
		3) uid=65534 ;;
		*) uid=1000 ;;
		esac
		case $((i % 7)) in
		0 | 1 | 2 | 3) emit $off $event $verdict kaspersky /opt/kaspersky/bin/kav ;;
		4) emit $off $event $verdict drweb /opt/drweb/bin/drweb ;;
		5) emit $off $event $verdict 'evil<&>' "$EVIL" ;;
		6) emit $off $event $verdict tools '/usr/bin/ta\tb\u202e\u0001' ;;
		esac
	fi
	i=$((i + 1))
done
host=web1 uid=1000 would=
i=0
while [ $i -lt 40 ]; do
	emit $((5400 + i * 3)) exec deny kaspersky /opt/kaspersky/bin/kav
	i=$((i + 1))
done
emit 5430 kill deny drweb /opt/drweb/bin/drweb 2026-11-28T12:30:30+01:00
emit 5440 open allow '' /etc/hostname

n_events=$(wc -l < "$T/bars")
n_bars=$(sort -u "$T/bars" | wc -l)
# count AWK-CONDITION: the events of $T/facts that match ($1 class, $2 host, $3 uid, $4 policy).
count() {
	awk "$1 { n++ } END { print n + 0 }" "$T/facts"
}
top_count=$(count '$1 == "blocked" && $5 == "/opt/kaspersky/bin/kav"')
evil_count=$(count '$1 == "blocked" && $5 ~ /^\/tmp\/x\/<script>/')

if ! command -v "$CHROMIUM" > /dev/null; then
	not_ok "chromium is installed" "no '$CHROMIUM' on PATH: apt-get install chromium (make test-deps)"
	done_testing
	exit 1
fi

# The anchor embargod keeps beside the log: the last record's seq and hash.
printf '%s %s\n' $((seq - 1)) "$prev" > "$L.anchor"
n_records=$seq
# A copy with one byte of line 12 (seq 11) changed; a copy with a line that is not JSON.
sed '12s|/opt/|/oPt/|' "$L" > "$T/tampered.jsonl"
cp "$L" "$T/junk.jsonl"
echo 'this line is not JSON' >> "$T/junk.jsonl"
bad_line=$((n_records + 1))

# figures AWK-CONDITION: the cells of a by-host or by-user row for the events that match:
# events, blocked binaries, denied opens, would-be denials, audits, other.
figures() {
	awk "$1"' { n++; c[$1]++ }
	END { printf "<td class=\"num events\">%d</td><td class=\"num blocked\">%d</td><td class=\"num denied_opens\">%d</td><td class=\"num would_deny\">%d</td><td class=\"num audit\">%d</td><td class=\"num other\">%d</td>", n, c["blocked"], c["denied_opens"], c["would_deny"], c["audit"], c["other"] }' "$T/facts"
}
# user_cell UID: the name this machine gives UID, as the page shows it.
user_cell() {
	name=$(getent passwd "$1" | cut -d: -f1)
	echo "${name:-<span class=\"none\">unknown here</span>}"
}
n_blocked=$(count '$1 == "blocked"')
n_opens=$(count '$1 == "denied_opens"')
n_would=$(count '$1 == "would_deny"')
n_audits=$(count '$1 == "audit"')
n_other=$(count '$1 == "other"')

embargo report --html "$T/out.html" "$L" > "$T/out" 2> "$T/err"
rc=$?
check "report exits 0" [ "$rc" -eq 0 ]
check "it says what it wrote" grep -q "out.html: $n_events events, 60 bars of 2 minutes" "$T/out"
check "and that the chain is intact" grep -qx "hash chain intact, $n_records records" "$T/out"
check "a clean log: nothing on stderr, no note" sh -c "[ ! -s '$T/err' ] && ! grep -q 'id=\"malformed\"' '$T/out.html'"
n_deny=$(grep -c ' deny$' "$T/bars")
n_audit=$(grep -c ' audit$' "$T/bars")
check "the page counts events, by verdict and by kind" sh -c "grep -q '<b>$n_events</b>events' '$T/out.html' &&
	grep -q '<b>$n_deny</b>deny' '$T/out.html' && grep -q '<b>$n_audit</b>audit' '$T/out.html' &&
	grep -q '<b>1</b>kill' '$T/out.html'"
check "the event with an offset is counted at its UTC time" \
	grep -q "<td class=\"time\">2026-11-28T11:30:00Z</td>.*<td class=\"num\">$(grep -c '^45 ' "$T/bars")</td></tr>" "$T/out.html"

embargo report --html "$T/junk.html" "$T/junk.jsonl" > /dev/null 2> "$T/err"
rc=$?
check "a malformed line: exit 0, noted, not fatal" [ "$rc" -eq 0 ]
check "it reports the malformed line on stderr" grep -q "1 malformed line skipped.*line $bad_line\$" "$T/err"
check "the page notes it" \
	grep -q "<p class=\"note\" id=\"malformed\".*1 malformed line was skipped.*the first at line $bad_line\\." "$T/junk.html"

# Nothing on the page may load anything: no URL, no src= (images, scripts, frames), no CSS import.
check "the page references no network or file" sh -c "! grep -nE 'https?:|src=|url\\(|@import|<link|<script' '$T/out.html'"
check "the page forbids loading anything (CSP)" \
	grep -q "Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\"" "$T/out.html"
check "paths from the log are escaped in the HTML" \
	grep -qF '/tmp/x/&lt;script&gt;alert(1)&lt;/script&gt;&amp;&quot;q&quot;.bin' "$T/out.html"
check "control bytes and direction marks are shown, not written" \
	grep -qF '/usr/bin/ta<span class="esc">\x09</span>b<span class="esc">\u202e</span><span class="esc">\x01</span>' "$T/out.html"
check "keys are escaped too" grep -qF '<td class="key">evil&lt;&amp;&gt;</td>' "$T/out.html"
check "and host names" grep -qF '<td class="host">edge&lt;&amp;&gt;&quot;x</td>' "$T/out.html"

embargo --json report --html "$T/out.html" "$L" > "$T/json" 2> /dev/null
check "--json says what was written" \
	grep -qF "{\"file\":\"$T/out.html\",\"events\":$n_events,\"buckets\":60,\"malformed\":0,\"log\":\"$L\"," "$T/json"
check "--json: blocked binaries, denied opens, would-be denials apart" \
	grep -qF "\"blocked\":$n_blocked,\"denied_opens\":$n_opens,\"would_deny\":$n_would,\"audit\":$n_audits,\"other\":$n_other," "$T/json"
check "--json: the chain, as log verify says it" \
	grep -qF "\"chain\":{\"state\":\"intact\",\"records\":$n_records,\"first_seq\":0,\"last_seq\":$((n_records - 1)),\"anchor\":\"$L.anchor\",\"anchor_checked\":true," "$T/json"
check "--json: the policies, in the order first seen" \
	grep -qF "\"policies\":[{\"version\":3,\"sha256\":\"$SHA3\",\"records\":$(count '$4 == 3'),\"first\":\"2026-11-28T10:00:00Z\",\"last\":\"2026-11-28T10:59:36.576Z\"},{\"version\":4,\"sha256\":\"$SHA4\",\"records\":$(count '$4 == 4')," "$T/json"
check "--json: by host" grep -qF "{\"host\":\"web1\",\"events\":$(count '$2 == "web1"'),\"blocked\":$(count '$2 == "web1" && $1 == "blocked"'),\"denied_opens\":$(count '$2 == "web1" && $1 == "denied_opens"'),\"would_deny\":$(count '$2 == "web1" && $1 == "would_deny"')," "$T/json"
check "--json: by user" grep -qF "{\"uid\":0,\"user\":\"root\",\"events\":$(count '$3 == 0'),\"blocked\":$(count '$3 == 0 && $1 == "blocked"')," "$T/json"
embargo --json report "$L" > "$T/json2" 2> /dev/null
rc=$?
check "--json without --html: the same figures, no file" \
	sh -c "[ $rc -eq 0 ] && grep -qF '{\"file\":null,\"events\":$n_events,' '$T/json2' && [ \"\$(cut -c20- '$T/json2')\" = \"\$(sed 's|^{\"file\":\"[^\"]*\"|{\"file\":null|' '$T/json' | cut -c20-)\" ]"

embargo report --html "$T/tampered.html" "$T/tampered.jsonl" > "$T/out" 2> "$T/err"
rc=$?
check "a tampered log: the report is written (exit 0)" [ "$rc" -eq 0 ]
check "it says on stderr where the chain breaks" \
	grep -qxF "embargo: report: $T/tampered.jsonl: hash chain broken at $T/tampered.jsonl, line 12, seq 11: line 12 was altered" "$T/err"
embargo --json report "$T/tampered.jsonl" > "$T/json" 2> /dev/null
check "--json: broken, with file, line and seq" \
	grep -qF "\"chain\":{\"state\":\"broken\",\"records\":11,\"first_seq\":0,\"last_seq\":10,\"anchor\":null,\"continued\":false,\"torn_lines\":0,\"unsealed_lines\":0,\"problem\":{\"file\":\"$T/tampered.jsonl\",\"line\":12,\"seq\":11,\"kind\":\"altered\"," "$T/json"

# A rotated file continues the chain of the one before it: no break. A file whose head was cut
# continues a chain too, but says nothing of a rotation: a break.
log=$L L=$T/rotated.jsonl
seal '{"time":"2026-11-28T12:00:00Z","event":"chain","reason":"rotated","previous_file":"events.jsonl.1"}'
seal '{"time":"2026-11-28T12:00:01Z","event":"exec","verdict":"deny","key":"kaspersky","uid":0,"path":"/opt/kaspersky/bin/kav"}'
embargo --json report "$L" > "$T/json" 2> "$T/err"
check "a rotated file: intact, continuing an older chain" \
	sh -c "grep -qF '\"chain\":{\"state\":\"intact\",\"records\":2,\"first_seq\":$n_records,\"last_seq\":$((n_records + 1)),\"anchor\":null,\"continued\":true,' '$T/json' && [ ! -s '$T/err' ]"
L=$log
tail -n +5 "$L" > "$T/cut.jsonl"
embargo --json report "$T/cut.jsonl" > "$T/json" 2> /dev/null
check "a log cut at its head: broken" \
	grep -qF '"state":"broken","records":0,"anchor":null,"continued":false,"torn_lines":0,"unsealed_lines":0,"problem":{"file":"'"$T/cut.jsonl"'","line":1,"seq":4,"kind":"continued"' "$T/json"

# render PAGE RESULT ARGS...: headless Chromium on PAGE, stdout into $T/RESULT, its log into
# $T/RESULT.log. A profile of its own, so nothing of the machine's is read or changed. One run
# takes about 2 s here: the page is rendered once, the tampered one once.
render() {
	page=$1 out=$2
	shift 2
	HOME=$T timeout 120 "$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-quic \
		--no-first-run --disable-background-networking --disable-component-update \
		--disable-sync --user-data-dir="$T/profile" --enable-logging=stderr --v=0 \
		--window-size=1200,900 "$@" "file://$T/$page" > "$T/$out" 2> "$T/$out.log"
}

# page_errors LOG: what Chromium said about the page. The page runs no script, so any console
# message (an exception, a CSP refusal) is a fault; so is any ERROR line that is not the known
# noise of a headless browser in a container: no D-Bus, no GPU, no sandbox, no devices.
page_errors() {
	grep -E 'CONSOLE|Uncaught|Refused to|ERROR:' "$1" |
		grep -vE ':ERROR:(dbus|device|gpu|media|sandbox|ui|components/viz)/'
}

render out.html dom --screenshot="$T/shot.png" --dump-dom
rc=$?
check "chromium renders the page (exit 0)" [ "$rc" -eq 0 ]
check "the screenshot is a PNG" sh -c "head -c 8 '$T/shot.png' | od -An -tx1 | tr -d ' \\n' | grep -qx 89504e470d0a1a0a"
size=$(wc -c < "$T/shot.png" 2> /dev/null || echo 0)
# A blank 1200x900 page compresses to a few KB; text, cards and the chart take far more.
if [ "$size" -gt 30000 ]; then ok "the screenshot is not blank ($size bytes)"; else not_ok "the screenshot is not blank" "$size bytes"; fi
if errors=$(page_errors "$T/dom.log"); then
	not_ok "the page renders without errors" "$errors"
else
	ok "the page renders without errors"
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
check "the chain is intact, with its records and the anchor" \
	grep -qF "Hash chain <b id=\"chain-state\">intact</b>: <span id=\"chain-records\">$n_records</span> records, seq 0..$((n_records - 1)); the anchor $L.anchor matches seq $((n_records - 1))." "$D"
check "the policy of the latest record" \
	grep -qF "<dd id=\"policy-latest\">version 4, sha256 <code>$SHA4</code> (of the latest record naming one; 2 policies in all)</dd>" "$D"
for c in blocked denied_opens would_deny audit other; do
	want=$(count "\$1 == \"$c\"")
	check "$c: $want" grep -qF "id=\"n-$c\"><b>$want</b>" "$D"
done
check "the would-be denials are not denials ($n_deny = $n_blocked + $n_opens)" [ "$n_deny" -eq $((n_blocked + n_opens)) ]
sed -n '/<table id="by-host"/,/<\/table>/p' "$D" > "$T/hosts"
check "by host: web1" grep -qF "<tr><td class=\"host\">web1</td>$(figures '$2 == "web1"')" "$T/hosts"
check "by host: db2" grep -qF "<tr><td class=\"host\">db2</td>$(figures '$2 == "db2"')" "$T/hosts"
check "by host: the one with markup in its name" \
	grep -qF "<tr><td class=\"host\">edge&lt;&amp;&gt;\"x</td>$(figures 'index($2, "edge") == 1')" "$T/hosts"
check "by host: three rows" [ "$(grep -c '^<tr><td class="host">' "$T/hosts")" -eq 3 ]
sed -n '/<table id="by-user"/,/<\/table>/p' "$D" > "$T/users"
for u in 0 1000 65534; do
	check "by user: $u" grep -qF "<tr><td class=\"num uid\">$u</td><td class=\"user\">$(user_cell $u)</td>$(figures "\$3 == $u")" "$T/users"
done
sed -n '/<table id="policies"/,/<\/table>/p' "$D" > "$T/policies"
check "the policies, by version and sha256" sh -c "grep -qF '<tr><td class=\"num version\">3</td><td class=\"sha256\">$SHA3</td><td class=\"num\">$(count '$4 == 3')</td>' '$T/policies' &&
	grep -qF '<tr><td class=\"num version\">4</td><td class=\"sha256\">$SHA4</td><td class=\"num\">$(count '$4 == 4')</td>' '$T/policies'"
sed -n '/<table id="top-binaries"/,/<\/table>/p' "$D" > "$T/top"
check "the most blocked binary is first, with its count ($top_count)" \
	grep -q "^<tr><td class=\"num\">1</td><td class=\"path\">/opt/kaspersky/bin/kav</td><td class=\"num\">$top_count</td><td class=\"key\">kaspersky</td><td class=\"time\">2026-11-28T10:00:24Z</td><td class=\"time\">2026-11-28T11:58:48Z</td></tr>" "$T/top"
check "the '<script>' path is text, with its count ($evil_count)" \
	grep -qF "/tmp/x/&lt;script&gt;alert(1)&lt;/script&gt;&amp;\"q\".bin</td><td class=\"num\">$evil_count</td>" "$T/top"
sed -n '/<table id="top-opens"/,/<\/table>/p' "$D" > "$T/opens"
check "denied opens apart" grep -qF "<tr><td class=\"num\">1</td><td class=\"path\">/opt/kaspersky/bin/kav</td><td class=\"num\">$(count '$1 == "denied_opens" && $5 == "/opt/kaspersky/bin/kav"')</td>" "$T/opens"
sed -n '/<table id="top-would-deny"/,/<\/table>/p' "$D" > "$T/would"
check "would-be denials apart" grep -qF "<tr><td class=\"num\">1</td><td class=\"path\">/opt/kaspersky/bin/kav</td><td class=\"num\">$(count '$1 == "would_deny" && $5 == "/opt/kaspersky/bin/kav"')</td>" "$T/would"
check "and no element was injected" sh -c "! grep -q '<script' '$D'"
check "the top keys table" grep -q '<tr><td class="num">1</td><td class="key">kaspersky</td>' "$D"

render tampered.html tdom --dump-dom
rc=$?
check "chromium renders the tampered log's page (exit 0)" [ "$rc" -eq 0 ]
check "the chain is broken at seq 11, line 12" \
	grep -qF "Hash chain <b id=\"chain-state\">broken</b> at <span id=\"chain-where\">$T/tampered.jsonl, line 12, seq <b id=\"chain-seq\">11</b></span>: line 12 was altered." "$T/tdom"

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

embargo report --html "$T/missing.html" "$T/missing.jsonl" > /dev/null 2> "$T/err"
rc=$?
check "a missing log exits 1" [ "$rc" -eq 1 ]
check "and says so, writing nothing" sh -c "grep -q 'cannot open $T/missing.jsonl' '$T/err' && [ ! -e '$T/missing.html' ]"
embargo report --html "$T/no/such/dir/out.html" "$L" > /dev/null 2> "$T/err"
check "an unwritable FILE exits 1" [ "$?" -eq 1 ]
embargo report "$L" > /dev/null 2> "$T/err"
rc=$?
check "without --html or --json: exit 2" sh -c "[ $rc -eq 2 ] && grep -q -- '--html FILE is required' '$T/err'"
embargo report --html "$T/x.html" --since soon "$L" > /dev/null 2> "$T/err"
rc=$?
check "a malformed --since exits 2, saying why" sh -c "[ $rc -eq 2 ] && grep -q -- '--since takes a time: RFC 3339' '$T/err'"
embargo report --html "$T/x.html" --event fork "$L" > /dev/null 2>&1
check "an unknown --event exits 2" [ "$?" -eq 2 ]

done_testing
