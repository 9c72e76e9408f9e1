#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# embargo check on careless input: a missing file is "FILE: cannot read: why", and nothing of a
# binary file, of a file's name or of a bad value reaches the terminal raw (ESC, C1 controls,
# bytes that are not UTF-8), in the errors and in --explain alike.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/tap.sh"

T=$(mktemp -d "${TMPDIR:-/tmp}/embargo-checkout.XXXXXX")
trap 'rm -rf "$T"' EXIT
T=$(cd "$T" && pwd -P)

# raw_free DESC FILE: FILE holds no control byte but newlines, and no byte 0x80-0xff.
raw_free() {
	if LC_ALL=C tr -d '\n' < "$2" | LC_ALL=C grep -q '[^ -~]'; then
		not_ok "$1" "$(od -c "$2" | head -n 12)"
	else
		ok "$1"
	fi
}

embargo check "$T/missing.policy" > "$T/out" 2> "$T/err"
check "a missing file: exit 1" [ "$?" -eq 1 ]
check "...said as FILE: cannot read: why" \
	grep -qx "$T/missing.policy: cannot read: No such file or directory" "$T/err"
check "...with no :0:0:" sh -c "! grep -q ':0:0:' '$T/err'"
embargo check --json "$T/missing.policy" > "$T/out" 2> "$T/err"
check "--json: the same message" grep -q '"message":"cannot read: No such file or directory"' "$T/out"

# A binary file given as a policy: junk of every byte value.
awk 'BEGIN { for (i = 0; i < 256; i++) printf "%c", i; printf "\n"; for (i = 255; i >= 0; i--) printf "%c", i }' > "$T/binary.policy"
embargo check "$T/binary.policy" > "$T/out" 2> "$T/err"
check "a binary file: exit 1" [ "$?" -eq 1 ]
raw_free "...and no raw junk on stdout" "$T/out"
raw_free "...nor on stderr" "$T/err"

# Junk where a message quotes it: a matcher, a mode.
printf 'version 1\ndeny exec \302\23331mx=y key=k\nmode \233\377\n' > "$T/quoted.policy"
embargo check "$T/quoted.policy" > "$T/out" 2> "$T/err"
check "bad values: exit 1" [ "$?" -eq 1 ]
raw_free "...quoted escaped" "$T/err"
check "...as \\xNN" grep -qF "unknown mode '\\x9b\\xff'" "$T/err"
check "...a C1 control too" grep -qF "'\\xc2\\x9b31mx'" "$T/err"

# A file whose name holds ESC: named escaped.
esc=$(printf '\033')
printf 'version 1\nbogus\n' > "$T/a${esc}[2Jb.policy"
embargo check "$T/a${esc}[2Jb.policy" > "$T/out" 2> "$T/err"
raw_free "a file name with ESC is escaped" "$T/err"
check "...as \\x1b" grep -qF "$T/a\\x1b[2Jb.policy:2:" "$T/err"

# --explain prints values a terminal must not get raw escaped, in quotes.
printf 'version 1\ndeny exec path=/opt/\302\233x\377 key=k\n' > "$T/explain.policy"
embargo check --explain "$T/explain.policy" > "$T/out" 2> "$T/err"
check "--explain of a path with a C1 control and a stray byte: exit 0" [ "$?" -eq 0 ]
raw_free "...printed escaped" "$T/out"
check "...quoted, as \\xNN" grep -qF 'path="/opt/\xc2\x9bx\xff" key=k' "$T/out"

done_testing
