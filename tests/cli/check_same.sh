#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# embargo check and embargod --check are one checker: on the same policy and dpkg database they
# give the same verdict (exit status) and the same messages, guardrails included: a rule denying
# the C library, a package=coreutils rule (coreutils Essential in a fake dpkg database), a rule
# denying the shell, a syntax error; and the mode they report is the one embargod enforces.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/tap.sh"

T=$(mktemp -d "${TMPDIR:-/tmp}/embargo-same.XXXXXX")
trap 'rm -rf "$T"' EXIT
T=$(cd "$T" && pwd -P)

# A dpkg database where coreutils is Essential and installed, owning a program of the test's.
admin=$T/root/var/lib/dpkg
mkdir -p "$admin/info" "$T/bin"
printf '#!/bin/sh\necho fake ls\n' > "$T/bin/ls"
printf '#!/bin/sh\necho fake tool\n' > "$T/bin/tool"
chmod 755 "$T/bin/ls" "$T/bin/tool"
printf 'Package: coreutils\nEssential: yes\nStatus: install ok installed\n\n' > "$admin/status"
printf 'Package: faketool\nStatus: install ok installed\n' >> "$admin/status"
printf '/.\n%s\n%s\n' "$T/bin" "$T/bin/ls" > "$admin/info/coreutils.list"
printf '/.\n%s\n' "$T/bin/tool" > "$admin/info/faketool.list"

# same NAME POLICY WANT_EXIT: both check POLICY; the exits, the messages (FILE:LINE lines of
# stderr) and the summary after "OK: " must agree, and the exit be WANT_EXIT.
same() {
	name=$1 policy=$2 want=$3
	embargo check --dpkg-root "$T/root" "$policy" > "$T/c.out" 2> "$T/c.err"
	c_rc=$?
	embargod --check --dpkg-root "$T/root" --policy "$policy" > "$T/d.out" 2> "$T/d.err"
	d_rc=$?
	check "$name: embargo check exits $want ($c_rc)" [ "$c_rc" -eq "$want" ]
	check "$name: embargod --check exits the same ($d_rc)" [ "$d_rc" -eq "$c_rc" ]
	grep -v '^embargod\{0,1\}: ' "$T/c.err" > "$T/c.msg"
	grep -v '^embargod\{0,1\}: ' "$T/d.err" > "$T/d.msg"
	if cmp -s "$T/c.msg" "$T/d.msg"; then
		ok "$name: the same messages ($(wc -l < "$T/c.msg" | tr -d ' ') lines)"
	else
		not_ok "$name: the same messages" "check:    $(cat "$T/c.msg")" \
			"embargod: $(cat "$T/d.msg")"
	fi
	c_sum=$(sed -n 's/^policy OK: //p' "$T/c.out")
	d_sum=$(sed -n 's/^configuration OK: //p' "$T/d.out")
	check "$name: the same summary ('$c_sum')" [ "$c_sum" = "$d_sum" ]
}

printf 'deny exec path=%s/bin/tool key=tool\n' "$T" > "$T/ok.policy"
same "a plain policy" "$T/ok.policy" 0
check "the mode is the one embargod enforces, not 'unset'" \
	grep -qx "policy OK: 1 rules, mode enforce" "$T/c.out"

libc=$(ldd "$(command -v embargod)" | awk '$1 ~ /^libc\.so/ { print $3 }')
printf '# the C library\n\ndeny exec path=%s key=libc\n' "$libc" > "$T/libc.policy"
same "a rule denying libc" "$T/libc.policy" 1
check "the message names the policy file, line and libc" \
	grep -q "^$T/libc.policy:3: 'deny exec path=$libc' would deny the C library " "$T/c.msg"

printf 'deny exec package=faketool\ndeny exec package=coreutils key=cu\n' > "$T/cu.policy"
same "deny exec package=coreutils" "$T/cu.policy" 1
check "refused as an Essential package, with file and line" \
	grep -qx "$T/cu.policy:2: 'deny exec package=coreutils' would deny the Essential package coreutils (refused; --force overrides)" \
	"$T/c.msg"
check "and only that rule" [ "$(wc -l < "$T/c.msg")" -eq 1 ]

printf 'deny exec path=%s/bin/ls\n' "$T" > "$T/ls.policy"
same "a path= rule on a program of coreutils" "$T/ls.policy" 1
check "names the package and the program" \
	grep -q "would deny a program of the Essential package coreutils $T/bin/ls " "$T/c.msg"

printf 'deny exec path=/bin/sh\n' > "$T/sh.policy"
same "a rule denying /bin/sh" "$T/sh.policy" 1
check "names the shell" grep -q "^$T/sh.policy:1: 'deny exec path=/bin/sh' would deny the shell " \
	"$T/c.msg"

printf 'mode audit\ndeny exec package=coreutils\n' > "$T/audit.policy"
same "the same in audit mode (nothing is denied)" "$T/audit.policy" 0
check "the audit mode is reported" grep -q "mode audit$" "$T/c.out"

printf 'deny exec paht=/x\n' > "$T/bad.policy"
same "a syntax error" "$T/bad.policy" 1

done_testing
