#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# The man pages (man/): each renders with man -l without a single groff warning, and each agrees
# with the programs: every option that embargod --help, embargo --help, embargo COMMAND --help
# and embargo COMMAND SUBCOMMAND --help name is in the binary's page, every option a page names
# is in some --help, and every command embargo lists has its section in embargo(8) and the
# reverse. A mismatch names the option, the page and the --help it came from. No root.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
. "$here/../lib/tap.sh"

T=$(mktemp -d "${TMPDIR:-/tmp}/embargo-man.XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT
man=$top/man
pages="embargo.8 embargod.8 embargo-policy.5"

# options_of: the long options named in standard input, one a line, sorted, no repeats.
options_of() {
	grep -o -e '--[a-z][a-z0-9-]*' | LC_ALL=C sort -u
}

# page_options PAGE: the long options a roff page names (\- is a dash there; comments skipped).
page_options() {
	grep -v '^\.\\"' "$1" | sed 's/\\-/-/g' | options_of
}

# --- each page renders, and says nothing on stderr (groff's warnings come there as
# "troff: <standard input>:LINE: warning: ...", man's own errors as "man: ...")
for p in $pages; do
	if [ ! -f "$man/$p" ]; then
		not_ok "man/$p exists"
		continue
	fi
	MANWIDTH=80 LC_ALL=C.UTF-8 man --warnings -l -E UTF-8 "$man/$p" > "$T/out" 2> "$T/err"
	rc=$?
	if [ "$rc" -eq 0 ] && [ ! -s "$T/err" ]; then
		ok "man -l man/$p: renders without warnings"
	else
		not_ok "man -l man/$p: renders without warnings" "exit status $rc" "$(cat "$T/err")"
	fi
	# groff itself with every warning category on (-ww), which man --warnings leaves off.
	groff -man -Tutf8 -ww -z "$man/$p" > "$T/err" 2>&1
	if [ ! -s "$T/err" ]; then
		ok "groff -ww man/$p: no warning in any category"
	else
		not_ok "groff -ww man/$p: no warning in any category" "$(cat "$T/err")"
	fi
	name=${p%.*}
	section=${p##*.}
	upper=$(printf '%s' "$name" | tr '[:lower:]' '[:upper:]')
	if head -n 1 "$T/out" | grep -q "^$upper($section) "; then
		ok "man/$p: its title is $upper($section)"
	else
		not_ok "man/$p: its title is $upper($section)" "first line: $(head -n 1 "$T/out")"
	fi
done

# --- every --help, each option with where it came from ("OPTION<tab>COMMAND")
: > "$T/embargod.src"
: > "$T/embargo.src"
# collect BINARY WORDS...: runs "WORDS --help" and records its options for BINARY's page. The
# exit status is not this test's business (tests of the commands check it): the text is.
collect() {
	bin=$1
	shift
	"$@" --help > "$T/help" 2>&1
	if ! grep -q -e '--' "$T/help"; then
		not_ok "'$* --help' prints a usage" "$(cat "$T/help")"
		return
	fi
	options_of < "$T/help" | while read -r o; do
		printf '%s\t%s\n' "$o" "$*" >> "$T/$bin.src"
	done
}

collect embargod embargod
collect embargo embargo
# The commands: those "embargo --help" lists, and "embargo help" (the same list, asked for).
{
	embargo --help 2>&1
	embargo help 2>&1
} | sed -n '/^commands:/,/^$/s/^  \([a-z][a-z-]*\)  *.*/\1/p' | LC_ALL=C sort -u > "$T/commands"
if [ -s "$T/commands" ]; then
	ok "embargo --help lists the commands ($(tr '\n' ' ' < "$T/commands"))"
else
	not_ok "embargo --help lists the commands" "$(embargo --help 2>&1)"
fi
while read -r cmd; do
	collect embargo embargo "$cmd"
	# Subcommands: the usage lines "embargo CMD SUB ..." (log verify, unload token, policy show).
	sed -n "s/^ *\(usage: \)\{0,1\}embargo $cmd \([a-z][a-z-]*\)\( .*\)\{0,1\}\$/\2/p" "$T/help" |
		LC_ALL=C sort -u > "$T/subs"
	while read -r sub; do
		collect embargo embargo "$cmd" "$sub"
	done < "$T/subs"
done < "$T/commands"
cut -f 1 "$T/embargod.src" "$T/embargo.src" | LC_ALL=C sort -u > "$T/all-help"

# in_help BINARY PAGE: every option of BINARY's --help texts is in PAGE.
in_help() {
	bin=$1
	page=$2
	page_options "$man/$page" > "$T/page"
	missing=$(cut -f 1 "$T/$bin.src" | LC_ALL=C sort -u | LC_ALL=C comm -23 - "$T/page")
	if [ -z "$missing" ]; then
		ok "every option of $bin's --help is in man/$page"
		return
	fi
	set --
	for o in $missing; do
		from=$(awk -F '\t' -v o="$o" '$1 == o { print "\047" $2 " --help\047" }' "$T/$bin.src" |
			LC_ALL=C sort -u | paste -sd, - | sed 's/,/, /g')
		set -- "$@" "$o (in $from) is missing from man/$page"
	done
	not_ok "every option of $bin's --help is in man/$page" "$@"
}

# in_page PAGE: every option PAGE names is in some --help.
in_page() {
	page=$1
	extra=$(page_options "$man/$page" | LC_ALL=C comm -23 - "$T/all-help")
	if [ -z "$extra" ]; then
		ok "every option in man/$page is in some --help"
		return
	fi
	set --
	for o in $extra; do
		set -- "$@" "$o is in man/$page but in no --help (embargod, embargo, embargo COMMAND)"
	done
	not_ok "every option in man/$page is in some --help" "$@"
}

in_help embargod embargod.8
in_help embargo embargo.8
for p in $pages; do
	in_page "$p"
done

# --- the commands of embargo(8): one section (.SS) each, named as embargo --help names them
sed -n 's/^\.SS "\{0,1\}\([a-z][a-z-]*\).*/\1/p' "$man/embargo.8" | LC_ALL=C sort -u > "$T/sections"
missing=$(LC_ALL=C comm -23 "$T/commands" "$T/sections")
extra=$(LC_ALL=C comm -13 "$T/commands" "$T/sections")
if [ -z "$missing$extra" ]; then
	ok "man/embargo.8 has a section for each command of embargo --help, and no other"
else
	set --
	for c in $missing; do
		set -- "$@" "command '$c' (in embargo --help) has no section in man/embargo.8"
	done
	for c in $extra; do
		set -- "$@" "man/embargo.8 has a section for '$c', which embargo --help does not list"
	done
	not_ok "man/embargo.8 has a section for each command of embargo --help, and no other" "$@"
fi

done_testing
