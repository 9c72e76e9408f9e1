#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# embargo fileinfo on real files: sha256 against sha256sum, the ELF build-id against readelf
# (or file, or the raw note bytes), packages from a fake dpkg database and from the real one,
# verdicts and rules from a policy, --json, and per-file errors.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/tap.sh"

T=$(mktemp -d "${TMPDIR:-/tmp}/embargo-fileinfo.XXXXXX")
trap 'rm -rf "$T"' EXIT
# Rules and expectations name realpaths: the temporary directory may sit behind a symlink.
T=$(cd "$T" && pwd -P)

# field NAME FILE: the value of the human output's "NAME:" line (the first one).
field() {
	sed -n "s/^$1: *//p" "$2" | head -n 1
}

# is DESCRIPTION GOT WANT
is() {
	if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1" "got:      '$2'" "expected: '$3'"; fi
}

# A fake dpkg database, and a tree the policy names.
mkdir -p "$T/dpkg/var/lib/dpkg/info" "$T/real" "$T/tree/sub" "$T/other"
ln -s real "$T/alias"
printf 'embargo fileinfo test\n' > "$T/known"
printf 'tool\n' > "$T/real/tool"
printf '#!/bin/sh\n' > "$T/tree/sub/prog"
printf '#!/bin/sh\n' > "$T/tree/exception"
printf '#!/bin/sh\n' > "$T/other/free"
printf '/.\n%s\n%s/known\n' "$T" "$T" > "$T/dpkg/var/lib/dpkg/info/fakepkg.list"
printf '%s/alias/tool\n' "$T" > "$T/dpkg/var/lib/dpkg/info/toolpkg:amd64.list"
printf '%s/other/free\n' "$T" > "$T/dpkg/var/lib/dpkg/info/free.md5sums"
cat > "$T/p.policy" <<EOF
# fileinfo test policy
deny  exec dir=$T/tree                key=tree-key
allow exec path=$T/tree/exception     key=exception
EOF
cat > "$T/audit.policy" <<EOF
mode audit
deny  exec dir=$T/tree                key=tree-key
EOF

# --- a file of known content
embargo fileinfo --dpkg-root "$T/dpkg" --policy "$T/p.policy" "$T/known" > "$T/out" 2> "$T/err"
rc=$?
is "fileinfo on a file exits 0" "$rc" 0
want=$(sha256sum "$T/known" | cut -d' ' -f1)
is "sha256 of a known file matches sha256sum" "$(field sha256 "$T/out")" "$want"
is "path is the path as given" "$(field path "$T/out")" "$T/known"
is "resolved is the realpath" "$(field resolved "$T/out")" "$T/known"
is "type is file" "$(field type "$T/out")" "file"
is "size is the content's" "$(field size "$T/out")" "$(wc -c < "$T/known" | tr -d ' ')"
is "mode is octal" "$(field mode "$T/out")" "$(stat -c %04a "$T/known")"
is "uid and gid" "$(field uid "$T/out"):$(field gid "$T/out")" "$(stat -c %u:%g "$T/known")"
# st_dev split as glibc's major() and minor() do.
d=$(stat -c %d "$T/known")
is "dev is MAJOR:MINOR as stat sees it" "$(field dev "$T/out")" \
	"$(((d >> 8 & 0xfff) | (d >> 32 & ~0xfff))):$(((d & 0xff) | (d >> 12 & ~0xff)))"
is "ino" "$(field ino "$T/out")" "$(stat -c %i "$T/known")"
is "nlink" "$(field nlink "$T/out")" "$(stat -c %h "$T/known")"
is "a text file is not ELF" "$(field elf "$T/out")" "no"
check "a text file has no build_id" sh -c "! grep -q '^build_id:' '$T/out'"
is "the fake dpkg database names its package" "$(field package "$T/out")" "fakepkg"
is "no rule covers it: allow" "$(field verdict "$T/out")" "allow"
check "and no rule is shown" sh -c "! grep -q '^rule:' '$T/out'"

# --- an ELF file with a build-id
elf=/bin/busybox
[ -f "$elf" ] || elf=$(command -v embargo)
if command -v readelf > /dev/null; then
	how=readelf
	want=$(readelf -n "$elf" | sed -n 's/^ *Build ID: *//p' | head -n 1)
elif command -v file > /dev/null; then
	how="file"
	want=$(file -L "$elf" | sed -n 's/.*BuildID\[[^]]*\]=\([0-9a-f]*\).*/\1/p')
else
	# The note's bytes: namesz 4, descsz 20, type 3 (NT_GNU_BUILD_ID), "GNU\0", the id.
	how="the note's bytes"
	want=$(od -An -v -tx1 "$elf" | tr -d ' \n' |
		grep -o '040000001400000003000000474e5500[0-9a-f]\{40\}' | head -n 1 | cut -c33-)
fi
embargo fileinfo --dpkg-root "$T/dpkg" --policy "$T/p.policy" "$elf" > "$T/out" 2> "$T/err"
is "$elf is ELF" "$(field elf "$T/out")" "yes"
check "$elf has a build-id to compare ($how)" [ -n "$want" ]
is "build_id of $elf matches $how" "$(field build_id "$T/out")" "$want"
is "sha256 of $elf matches sha256sum" "$(field sha256 "$T/out")" \
	"$(sha256sum "$elf" | cut -d' ' -f1)"

# --- packages through a symlinked directory (merged /usr)
embargo fileinfo --dpkg-root "$T/dpkg" --policy "$T/p.policy" "$T/real/tool" > "$T/out"
is "a file its list names through a symlinked directory is found" \
	"$(field package "$T/out")" "toolpkg:amd64"
embargo fileinfo --dpkg-root "$T/dpkg" --policy "$T/p.policy" "$T/other/free" > "$T/out"
check "a file only a non-.list file names has no package" \
	sh -c "! grep -q '^package:' '$T/out'"

# --- verdicts
embargo fileinfo --dpkg-root "$T/dpkg" --policy "$T/p.policy" "$T/tree/sub/prog" > "$T/out"
is "a file below a dir= rule: deny" "$(field verdict "$T/out")" "deny"
is "with that rule's FILE:LINE" "$(field rule "$T/out" | cut -d' ' -f1)" "$T/p.policy:2"
is "and its key" "$(field key "$T/out")" "tree-key"
is "matched at the tree, two directories up" "$(field matched "$T/out")" \
	"$T/tree (2 directories up)"
embargo fileinfo --dpkg-root "$T/dpkg" --policy "$T/p.policy" "$T/tree/exception" > "$T/out"
is "the allow exception: allow" "$(field verdict "$T/out")" "allow"
is "by its own rule" "$(field key "$T/out")" "exception"
ln -s "$T/tree/sub/prog" "$T/other/link"
embargo fileinfo --dpkg-root "$T/dpkg" --policy "$T/p.policy" "$T/other/link" > "$T/out"
is "a symlink into the tree is judged by its target: deny" "$(field verdict "$T/out")" "deny"
is "its resolved path is the target" "$(field resolved "$T/out")" "$T/tree/sub/prog"
embargo fileinfo --dpkg-root "$T/dpkg" --policy "$T/audit.policy" "$T/tree/sub/prog" > "$T/out"
is "in audit mode the deny rule audits" "$(field verdict "$T/out")" "audit"
embargo fileinfo --dpkg-root "$T/dpkg" --policy "$T/p.policy" --policy "$T/audit.policy" \
	"$T/known" > "$T/out" 2> "$T/err"
rc=$?
is "a contradictory pair of policies is refused: exit 1" "$rc" 1
check "with the policy's diagnostics" grep -q "audit.policy:2:" "$T/err"

# --- JSON
embargo fileinfo --json --dpkg-root "$T/dpkg" --policy "$T/p.policy" "$T/known" \
	"$T/tree/sub/prog" "$elf" > "$T/json"
rc=$?
is "--json exits 0" "$rc" 0
check "--json prints one array" sh -c "head -c 2 '$T/json' | grep -q '^\[{' && tail -c 3 '$T/json' | grep -q '}\]'"
for f in path resolved type size mode uid gid dev ino nlink sha256 elf verdict; do
	n=$(grep -o "\"$f\":" "$T/json" | wc -l)
	is "--json: every object has \"$f\"" "$n" 3
done
check "--json: the known file's sha256" grep -qF "\"sha256\":\"$(sha256sum "$T/known" | cut -d' ' -f1)\"" "$T/json"
check "--json: package is an array" grep -qF '"package":["fakepkg"]' "$T/json"
check "--json: the denied file's verdict, rule and key" \
	grep -qF "\"verdict\":\"deny\",\"rule\":\"$T/p.policy:2\",\"key\":\"tree-key\"" "$T/json"
check "--json: the ELF's build_id" grep -qF "\"build_id\":\"$want\"" "$T/json"
if command -v jq > /dev/null; then
	check "--json output parses (jq)" sh -c "jq -e 'length == 3' '$T/json' > /dev/null"
else
	check "--json output has three objects" [ "$(grep -o '"path":' "$T/json" | wc -l)" -eq 3 ]
fi

# --- errors
embargo fileinfo --dpkg-root "$T/dpkg" --policy "$T/p.policy" "$T/missing" > "$T/out" 2> "$T/err"
rc=$?
is "a missing file: exit 1" "$rc" 1
check "and the error names it" grep -qF "$T/missing: No such file or directory" "$T/err"
embargo fileinfo --dpkg-root "$T/dpkg" --policy "$T/p.policy" "$T/missing" "$T/known" \
	> "$T/out" 2> "$T/err"
rc=$?
is "a missing file among others: exit 1" "$rc" 1
is "the others are still reported" "$(field path "$T/out")" "$T/known"
embargo fileinfo --json --dpkg-root "$T/dpkg" --policy "$T/p.policy" "$T/missing" "$T/known" \
	> "$T/json"
rc=$?
is "--json with a missing file: exit 1" "$rc" 1
check "--json: the missing file's object has an error" \
	grep -qF "{\"path\":\"$T/missing\",\"error\":\"No such file or directory\"}" "$T/json"
embargo fileinfo > /dev/null 2>&1
is "no PATH: usage, exit 2" "$?" 2
embargo fileinfo --no-such-option "$T/known" > /dev/null 2>&1
is "an unknown option: exit 2" "$?" 2
embargo fileinfo --dpkg-root "$T/nowhere" --policy "$T/p.policy" "$T/known" > /dev/null 2>&1
is "--dpkg-root without a database: exit 2" "$?" 2

# --- no policy given, no embargod: the verdict is unknown, the rest is reported
embargo --control "$T/none.sock" fileinfo --dpkg-root "$T/dpkg" "$T/known" > "$T/out" 2> "$T/err"
rc=$?
is "without --policy or embargod: exit 0" "$rc" 0
is "the verdict is unknown" "$(field verdict "$T/out")" "unknown"
check "with a note saying why" grep -q '^note: *embargod is not running' "$T/out"
is "and the file is still described" "$(field sha256 "$T/out")" \
	"$(sha256sum "$T/known" | cut -d' ' -f1)"

# --- the real dpkg database
embargo fileinfo --policy "$T/p.policy" /usr/bin/env > "$T/out"
is "/usr/bin/env belongs to coreutils (/var/lib/dpkg)" "$(field package "$T/out")" coreutils
embargo fileinfo --policy "$T/p.policy" /bin/env > "$T/out"
is "/bin/env too" "$(field package "$T/out")" coreutils
is "/bin/env resolves to /usr/bin/env" "$(field resolved "$T/out")" "$(readlink -f /bin/env)"

done_testing
