#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# policies/kaspersky.policy against a fake dpkg database (--dpkg-root) holding Kaspersky's
# packages: embargo check --explain derives path= and sha256= rules from the files of the
# installed ones (kesl, kesl-gui, klnagent64:amd64, each only from its own list), says "not
# installed" for the rest, and every rule of the policy carries a kaspersky key.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/tap.sh"
root=$(cd "$here/../.." && pwd)
policy=$root/policies/kaspersky.policy

T=$(mktemp -d "${TMPDIR:-/tmp}/embargo-kaspersky.XXXXXX")
trap 'rm -rf "$T"' EXIT
# Derived paths are the listed ones: the temporary directory may sit behind a symlink.
T=$(cd "$T" && pwd -P)

# is DESCRIPTION GOT WANT
is() {
	if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1" "got:      '$2'" "expected: '$3'"; fi
}

sha() {
	sha256sum "$1" | cut -d' ' -f1
}

# section RULE: the lines explained under the rule whose text (after FILE:LINE: ) is RULE.
section() {
	awk -v rule="$1" '
		found && /^    / { print; next }
		found { exit }
		{ i = index($0, ": "); if (i && substr($0, i + 2) == rule) found = 1 }
	' "$T/out"
}

# The packages' files, each with its own content, and the dpkg database listing them.
admin=$T/root/var/lib/dpkg
mkdir -p "$admin/info" "$T/kesl/bin" "$T/kesl/lib" "$T/kesl/share" "$T/gui/bin" "$T/nagt/bin"
printf '#!/bin/sh\necho kesl-control\n' > "$T/kesl/bin/kesl-control"
chmod 755 "$T/kesl/bin/kesl-control"
printf '\177ELF\002\001\001libkesl\n' > "$T/kesl/lib/libkesl.so"
printf 'not a program\n' > "$T/kesl/share/README"
printf '#!/bin/sh\necho kesl-gui\n' > "$T/gui/bin/kesl-gui"
chmod 755 "$T/gui/bin/kesl-gui"
printf '\177ELF\002\001\001klnagchk\n' > "$T/nagt/bin/klnagchk"
chmod 755 "$T/nagt/bin/klnagchk"
printf '/.\n%s\n%s\n%s\n%s\n%s\n%s\n%s\n' "$T/kesl" "$T/kesl/bin" "$T/kesl/bin/kesl-control" \
	"$T/kesl/lib" "$T/kesl/lib/libkesl.so" "$T/kesl/share" "$T/kesl/share/README" \
	> "$admin/info/kesl.list"
printf '/.\n%s\n%s\n' "$T/gui/bin" "$T/gui/bin/kesl-gui" > "$admin/info/kesl-gui.list"
# A Multi-Arch package's list is named NAME:ARCH.list.
printf '/.\n%s\n%s\n' "$T/nagt/bin" "$T/nagt/bin/klnagchk" > "$admin/info/klnagent64:amd64.list"
# Not a Kaspersky package: nothing in the policy may derive from it.
printf '/.\n%s\n' "$T/kesl/share/README" > "$admin/info/keslx.list"

# --- the policy as it stands
embargo check "$policy" > "$T/plain" 2> "$T/err"
rc=$?
is "check policies/kaspersky.policy exits 0" "$rc" 0
is "and says nothing on stderr" "$(cat "$T/err")" ""
summary=$(cat "$T/plain")
check "it has package rules ($summary)" \
	grep -qE '^policy OK: [0-9]+ rules \([1-9][0-9]* package\), mode enforce$' "$T/plain"

# --- explained against the fake database
embargo check --explain --dpkg-root "$T/root" "$policy" > "$T/out" 2> "$T/err"
rc=$?
is "check --explain --dpkg-root exits 0" "$rc" 0
is "and says nothing on stderr" "$(cat "$T/err")" ""

is "kesl: its program and library, by path and content, not its data file" \
	"$(section "deny exec package=kesl key=kaspersky-kesl")" \
	"    path=$T/kesl/bin/kesl-control sha256=$(sha "$T/kesl/bin/kesl-control")
    path=$T/kesl/lib/libkesl.so sha256=$(sha "$T/kesl/lib/libkesl.so")"
is "kesl-gui: the files of kesl-gui.list alone" \
	"$(section "deny exec package=kesl-gui key=kaspersky-kesl")" \
	"    path=$T/gui/bin/kesl-gui sha256=$(sha "$T/gui/bin/kesl-gui")"
is "klnagent64: found through klnagent64:amd64.list" \
	"$(section "deny exec package=klnagent64 key=kaspersky-klnagent")" \
	"    path=$T/nagt/bin/klnagchk sha256=$(sha "$T/nagt/bin/klnagchk")"
for p in kesl-astra:kesl klnagent:klnagent kfl:kfl kess:kess kess-gui:kess kics:kics \
	kics-gui:kics kwts:kwts ksmg:ksmg; do
	is "${p%%:*}: not installed" "$(section "deny exec package=${p%%:*} key=kaspersky-${p#*:}")" \
		"    not installed"
done
# Only the three installed packages derive rules: 4 files, a path= and a sha256= each.
is "the summary counts the derived rules" "$(tail -n 1 "$T/out")" \
	"$(printf '%s\n' "$summary" | sed 's/ package)/ package, 8 derived)/')"
check "no rule derives from a package the policy does not name (keslx)" \
	sh -c "! grep -qF 'path=$T/kesl/share/README' '$T/out'"

# --- every rule carries a key naming Kaspersky, so the log says whose program was denied
# The rule lines, without the summary and without their "FILE:LINE: ".
grep -v '^    ' "$T/out" | sed '$d' > "$T/lines"
sed 's/^.*:[0-9][0-9]*: //' "$T/lines" > "$T/rules"
n=$(wc -l < "$T/rules" | tr -d ' ')
check "every rule is listed ($n)" grep -q "^policy OK: $n rules " "$T/plain"
check "each is named by the policy file and its line" \
	sh -c "[ \"\$(grep -cF '$policy:' '$T/lines')\" -eq $n ]"
check "every rule is a deny exec rule with a kaspersky key" \
	sh -c "! grep -vE '^deny exec (dir|path|package)=[^ ]+ key=kaspersky(-[a-z0-9]+)?\$' '$T/rules'"
check "the whole vendor tree is denied" grep -qxF 'deny exec dir=/opt/kaspersky key=kaspersky' \
	"$T/rules"

done_testing
