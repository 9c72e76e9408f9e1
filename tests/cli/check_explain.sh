#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# embargo check --explain: package= rules expanded from a fake dpkg database (--dpkg-root) into
# the files they derive path= and sha256= rules from, in text and in --json; sha256 against
# sha256sum.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/tap.sh"

T=$(mktemp -d "${TMPDIR:-/tmp}/embargo-explain.XXXXXX")
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

# A root directory with a dpkg database below it, and the fake package's files.
admin=$T/root/var/lib/dpkg
mkdir -p "$admin/info" "$T/pkg/bin" "$T/pkg/lib" "$T/pkg/share"
printf '#!/bin/sh\necho fake\n' > "$T/pkg/bin/fake-tool"
chmod 755 "$T/pkg/bin/fake-tool"
printf '\177ELF\002\001\001not really\n' > "$T/pkg/lib/libfake.so"
printf 'just data\n' > "$T/pkg/share/README"
ln -s "$T/pkg/bin/fake-tool" "$T/pkg/bin/fake-alias"
printf '/.\n%s\n%s\n%s\n%s\n%s\n%s\n%s\n%s\n' "$T/pkg" "$T/pkg/bin" "$T/pkg/bin/fake-tool" \
	"$T/pkg/bin/fake-alias" "$T/pkg/lib" "$T/pkg/lib/libfake.so" "$T/pkg/share/README" \
	"$T/pkg/bin/gone" > "$admin/info/embargo-fake.list"
cat > "$T/p.policy" <<EOF
mode enforce
deny  exec package=embargo-fake              key=fake
audit open package=embargo-fake
deny  exec package=embargo-absent            key=absent
deny  exec path="$T/opt/with space/tool"     key=spaced
EOF
tool_sha=$(sha "$T/pkg/bin/fake-tool")
lib_sha=$(sha "$T/pkg/lib/libfake.so")
readme_sha=$(sha "$T/pkg/share/README")

# --- text
embargo check --explain --dpkg-root "$T/root" "$T/p.policy" > "$T/out" 2> "$T/err"
rc=$?
is "check --explain exits 0" "$rc" 0
is "and says nothing on stderr" "$(cat "$T/err")" ""
check "the exec package rule is printed as FILE:LINE: rule" \
	grep -qxF "$T/p.policy:2: deny exec package=embargo-fake key=fake" "$T/out"
check "a rule without a key shows its default key" \
	grep -qxF "$T/p.policy:3: audit open package=embargo-fake key=$T/p.policy:3" "$T/out"
check "a value with a blank is quoted" \
	grep -qxF "$T/p.policy:5: deny exec path=\"$T/opt/with space/tool\" key=spaced" "$T/out"
# What follows each package rule, up to the next rule.
sed -n "/^[^ ].*:2: /,/^[^ ].*:3: /p" "$T/out" | sed '1d;$d' > "$T/exec"
sed -n "/^[^ ].*:3: /,/^[^ ].*:4: /p" "$T/out" | sed '1d;$d' > "$T/open"
sed -n "/^[^ ].*:4: /,/^[^ ].*:5: /p" "$T/out" | sed '1d;$d' > "$T/absent"
is "exec: one line a file, sorted by path (script, its symlink, ELF library)" "$(cat "$T/exec")" \
	"    path=$T/pkg/bin/fake-alias sha256=$tool_sha
    path=$T/pkg/bin/fake-tool sha256=$tool_sha
    path=$T/pkg/lib/libfake.so sha256=$lib_sha"
check "open: the data file too, with sha256sum's hash" \
	grep -qxF "    path=$T/pkg/share/README sha256=$readme_sha" "$T/open"
is "open: four files" "$(wc -l < "$T/open" | tr -d ' ')" 4
is "a package that is not installed says so" "$(cat "$T/absent")" "    not installed"
check "directories and missing files are not listed" \
	sh -c "! grep -qE 'path=$T/pkg(/bin)?( |\$)|/gone' '$T/out'"
# exec: 3 path= + 2 sha256=; open: 4 path= (content is checked on exec only).
is "the summary counts written, package and derived rules" "$(tail -n 1 "$T/out")" \
	"policy OK: 4 rules (3 package, 9 derived), mode enforce"

# --- JSON
embargo check --json --explain --dpkg-root "$T/root" "$T/p.policy" > "$T/json"
rc=$?
is "--json --explain exits 0" "$rc" 0
check "--json keeps ok, rules, mode and errors" \
	grep -qF '{"ok":true,"rules":4,"mode":"enforce","errors":[],' "$T/json"
check "--json counts packages and derived rules" \
	grep -qF '"packages":3,"derived":9,"explain":[' "$T/json"
check "--json: the package rule with its lists and files" grep -qF \
	"\"matcher\":\"package\",\"value\":\"embargo-fake\",\"key\":\"fake\",\"installed\":true,\"lists\":[\"embargo-fake\"],\"files\":[{\"path\":\"$T/pkg/bin/fake-alias\",\"sha256\":\"$tool_sha\"}," \
	"$T/json"
check "--json: the library's sha256 is sha256sum's" \
	grep -qF "{\"path\":\"$T/pkg/lib/libfake.so\",\"sha256\":\"$lib_sha\"}" "$T/json"
check "--json: the data file's sha256 is sha256sum's" \
	grep -qF "{\"path\":\"$T/pkg/share/README\",\"sha256\":\"$readme_sha\"}" "$T/json"
check "--json: the package that is not installed" grep -qF \
	'"value":"embargo-absent","key":"absent","installed":false,"lists":[],"files":[],"skipped":0}' \
	"$T/json"
check "--json: a path rule has no package fields" grep -qF \
	"\"value\":\"$T/opt/with space/tool\",\"key\":\"spaced\"}" "$T/json"
if command -v jq > /dev/null; then
	check "--json output parses (jq): 4 rules explained, 4 files for open" sh -c \
		"jq -e '(.explain | length) == 4 and (.explain[1].files | length) == 4' '$T/json' > /dev/null"
fi

# --- without --explain: nothing is listed
embargo check "$T/p.policy" > "$T/out" 2> "$T/err"
rc=$?
is "check without --explain exits 0" "$rc" 0
is "and prints the summary alone, counting package rules" "$(cat "$T/out")" \
	"policy OK: 4 rules (3 package), mode enforce"
embargo check --json "$T/p.policy" > "$T/json"
check "--json without --explain has no explain array" sh -c "! grep -q '\"explain\"' '$T/json'"

# --- usage errors
embargo check --explain --dpkg-root "$T/nowhere" "$T/p.policy" > /dev/null 2> "$T/err"
is "--dpkg-root without a database: exit 2" "$?" 2
check "and the error names the directory looked at" \
	grep -qF "$T/nowhere/var/lib/dpkg/info" "$T/err"
embargo check --dpkg-root "$T/root" "$T/p.policy" > /dev/null 2>&1
is "--dpkg-root without --explain: used for the check as by embargod, exit 0" "$?" 0

# --- a bad policy is still reported as before
printf 'deny exec package=Bad\n' > "$T/bad.policy"
embargo check --explain --dpkg-root "$T/root" "$T/bad.policy" > "$T/out" 2> "$T/err"
is "a bad policy: exit 1" "$?" 1
check "with its diagnostic" grep -q "^$T/bad.policy:1:19: " "$T/err"
is "and nothing explained" "$(cat "$T/out")" ""

# --- the real dpkg database
if [ -r /var/lib/dpkg/info/coreutils.list ]; then
	# An audit rule: a deny of coreutils (Essential) is refused by the guardrails.
	printf 'audit exec package=coreutils\n' > "$T/real.policy"
	embargo check --explain "$T/real.policy" > "$T/out"
	is "audit exec package=coreutils on this system: exit 0" "$?" 0
	env=$(grep -E '^    path=(/usr)?/bin/env ' "$T/out" | head -n 1)
	is "its env with sha256sum's hash" "${env##* sha256=}" "$(sha /usr/bin/env)"
fi

done_testing
