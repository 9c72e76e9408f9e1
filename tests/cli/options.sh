#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# The command line itself: --help and -h list every command, 'policy --help' exits 0,
# --version prints the one version of the source (before a command and after one), and every
# command takes its options after its operands as well as before ('--' ends them).
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/tap.sh"

T=$(mktemp -d "${TMPDIR:-/tmp}/embargo-options.XXXXXX")
trap 'rm -rf "$T"' EXIT
T=$(cd "$T" && pwd -P)

# runs DESC WANT_STATUS CMD...: CMD exits WANT_STATUS; its output is kept in $T/out, $T/err.
runs() {
	desc=$1 want=$2
	shift 2
	"$@" > "$T/out" 2> "$T/err"
	rc=$?
	if [ "$rc" -eq "$want" ]; then
		ok "$desc"
	else
		not_ok "$desc" "exit status $rc, not $want" "$(cat "$T/out" "$T/err")"
	fi
}

commands="status check fileinfo log report push policy scan unload keygen sign verify"
for opt in --help -h; do
	runs "embargo $opt exits 0" 0 embargo "$opt"
	missing=""
	for c in $commands; do
		grep -q "^  $c  " "$T/out" || missing="$missing $c"
	done
	if [ -z "$missing" ]; then
		ok "embargo $opt lists every command on stdout"
	else
		not_ok "embargo $opt lists every command on stdout" "missing:$missing" "$(cat "$T/out")"
	fi
done
runs "embargo help exits 0" 0 embargo help
check "...and lists the commands" grep -q '^  scan  ' "$T/out"
runs "embargo without a command is a usage error" 2 embargo
check "...that lists the commands on stderr" grep -q '^  status  ' "$T/err"

for c in $commands; do
	runs "embargo $c --help exits 0" 0 embargo "$c" --help
	check "...with a usage line on stdout" grep -q "^usage: embargo $c" "$T/out"
done
runs "embargo policy show --help exits 0" 0 embargo policy show --help

version=$(sed -n 's/^#define EMB_VERSION "\(.*\)"$/\1/p' "$here/../../userspace/lib/version.h")
runs "embargo --version exits 0" 0 embargo --version
check "...and prints version.h's version" grep -qx "embargo $version" "$T/out"
runs "embargo log --version exits 0" 0 embargo log --version
check "...and prints it too" grep -qx "embargo $version" "$T/out"

# Options after operands.
printf 'version 1\ndeny exec path=%s/tree/banned key=opts\n' "$T" > "$T/p.policy"
mkdir -p "$T/tree"
printf 'x\n' > "$T/tree/banned"
printf 'y\n' > "$T/tree/other"
runs "check FILE --json" 0 embargo check "$T/p.policy" --json
check "...prints JSON" grep -q '^{"ok":true,"rules":1' "$T/out"
runs "scan PATH --policy P --json --no-cache --no-processes" 1 \
	embargo scan "$T/tree" --policy "$T/p.policy" --json --no-cache --no-processes
check "...finds the banned file" grep -q "\"$T/tree/banned\"" "$T/out"
runs "scan --policy P PATH (before) agrees" 1 \
	embargo scan --policy "$T/p.policy" --json --no-cache --no-processes "$T/tree"
check "...finds the banned file" grep -q "\"$T/tree/banned\"" "$T/out"

printf '{"time":"2026-11-28T01:00:00Z","event":"exec","verdict":"deny","key":"a","uid":0,"pid":1,"path":"/a"}\n{"time":"2026-11-28T02:00:00Z","event":"exec","verdict":"allow","key":"b","uid":0,"pid":2,"path":"/b"}\n' > "$T/events.jsonl"
runs "log FILE --verdict deny" 0 embargo log "$T/events.jsonl" --verdict deny
check "...lists the one denial" sh -c "[ \$(wc -l < '$T/out') -eq 1 ] && grep -q ' /a$' '$T/out'"
runs "log FILE --json --key b" 0 embargo log "$T/events.jsonl" --json --key b
check "...prints it as JSON" grep -q '"key":"b"' "$T/out"
runs "keygen KEYFILE --json" 0 embargo keygen "$T/k" --json
check "...makes the key pair" test -s "$T/k.pub"
runs "verify FILE --json --key PUB (no signature)" 1 embargo verify "$T/p.policy" --json --key "$T/k.pub"
check "...answers in JSON" grep -q '^\[' "$T/out"

# '--' ends the options: what follows is an operand, even when it looks like one.
runs "check -- --json reads a file named --json" 1 embargo check -- --json
check "...and says it cannot" grep -q '^--json' "$T/err"
runs "an unknown option after an operand is refused" 2 embargo check "$T/p.policy" --bogus
check "...with the command's usage" grep -q '^usage: embargo check' "$T/err"

done_testing
