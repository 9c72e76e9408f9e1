#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# bash completion (dist/bash-completion/embargo): sourced into a plain bash, the function that
# "complete -p" names for embargo and for embargod is called as bash would call it, and its
# words are checked against the programs: every command of embargo --help, every option of
# each --help, every event name the sources write to the log, policy files and directories
# (not other files), and option values. A missing word is named. Needs bash; no root.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
. "$here/../lib/tap.sh"

T=$(mktemp -d "${TMPDIR:-/tmp}/embargo-completion.XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT
script=$top/dist/bash-completion/embargo

# completions WORD...: the completions bash offers for the command line WORD... (the last WORD is
# the one being completed), one a line, sorted. Run in $T/cwd.
completions() {
	(cd "$T/cwd" && bash --norc --noprofile -c '
		script=$1
		shift
		. "$script" || exit 1
		spec=$(complete -p "$1") || exit 1
		fn=${spec#*-F }
		fn=${fn%% *}
		COMP_WORDS=("$@")
		COMP_CWORD=$(($# - 1))
		COMP_LINE="$*"
		COMP_POINT=${#COMP_LINE}
		"$fn" "$1" "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
		[ ${#COMPREPLY[@]} -gt 0 ] && printf "%s\n" "${COMPREPLY[@]}"
		exit 0
	' bash "$script" "$@") | LC_ALL=C sort -u
}

# offers DESCRIPTION WANT COMMAND-LINE...: every word of WANT (one a line) is among the
# completions of COMMAND-LINE; names the missing ones.
offers() {
	desc=$1
	printf '%s\n' "$2" | sed '/^$/d' | LC_ALL=C sort -u > "$T/want"
	shift 2
	completions "$@" > "$T/got"
	missing=$(LC_ALL=C comm -23 "$T/want" "$T/got" | tr '\n' ' ')
	if [ ! -s "$T/want" ]; then
		not_ok "$desc" "nothing to compare with (the words expected are empty)"
	elif [ -z "$missing" ]; then
		ok "$desc"
	else
		not_ok "$desc" "missing: $missing" "offered: $(tr '\n' ' ' < "$T/got")"
	fi
}

# is DESCRIPTION GOT WANT
is() {
	if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1" "got:      '$2'" "expected: '$3'"; fi
}

# help_options WORDS...: the long options the synopsis of "WORDS --help" gives for WORDS itself
# (its "usage: WORDS ..." line, continuation lines, and further "WORDS ..." lines; not the
# lines of its subcommands, nor options the prose mentions), and the common ones.
help_options() {
	{
		"$@" --help 2>&1 | awk -v prog="$*" '
			/^usage: / || /^ +[a-z]/ {
				line = $0
				sub(/^(usage:)? +/, "", line)
				if (substr(line, 1, length(prog)) != prog) { in_it = 0; next }
				rest = substr(line, length(prog) + 1)
				in_it = (rest == "" || rest ~ /^ +([^a-z]|$)/)
				if (in_it) print rest
				next
			}
			/^ +[[-]/ { if (in_it) print; next }
			{ in_it = 0 }' | grep -o -e '--[a-z][a-z0-9-]*'
		[ "$1" = embargo ] && printf '%s\n' --json --control --help
	} | LC_ALL=C sort -u
}

mkdir -p "$T/cwd/rules.d" "$T/cwd/other"
: > "$T/cwd/a.policy"
: > "$T/cwd/b.txt"

if command -v bash > /dev/null; then
	ok "bash is installed"
else
	not_ok "bash is installed"
	done_testing
	exit
fi
check "the script sources cleanly and registers embargo and embargod" bash --norc --noprofile -c \
	". '$script' && complete -p embargo > /dev/null && complete -p embargod > /dev/null"

# --- commands and the options common to all
commands=$({
	embargo --help 2>&1
	embargo help 2>&1
} | sed -n '/^commands:/,/^$/s/^  \([a-z][a-z-]*\)  *.*/\1/p' | LC_ALL=C sort -u)
offers "embargo <TAB>: every command embargo --help lists" "$commands" embargo ""
offers "embargo --<TAB>: the common options" "$(help_options embargo)" embargo --
is "embargo st<TAB>: status only" "$(completions embargo st)" "status"

# --- each command's options, and its subcommands' (log verify, unload token, policy show)
for cmd in $commands; do
	offers "embargo $cmd --<TAB>: every option of 'embargo $cmd --help'" \
		"$(help_options embargo "$cmd")" embargo "$cmd" --
	embargo "$cmd" --help 2>&1 |
		sed -n "s/^ *\(usage: \)\{0,1\}embargo $cmd \([a-z][a-z-]*\)\( .*\)\{0,1\}\$/\2/p" |
		LC_ALL=C sort -u > "$T/subs"
	while read -r sub; do
		offers "embargo $cmd <TAB>: its subcommand $sub" "$sub" embargo "$cmd" ""
		offers "embargo $cmd $sub --<TAB>: every option of 'embargo $cmd $sub --help'" \
			"$(help_options embargo "$cmd" "$sub")" embargo "$cmd" "$sub" --
	done < "$T/subs"
done
offers "embargod --<TAB>: every option of embargod --help" "$(help_options embargod)" embargod --
offers "options before the command are skipped: embargo --control S push --<TAB>" \
	"$(help_options embargo push)" embargo --control /run/x.sock push --

# --- event names: every one the sources write ("event":NAME), and every one log --help names
events=$({
	sed -n '/^const char \*emb_event_type_name/,/^}/s/.*return "\([a-z]*\)";/\1/p' \
		"$top/userspace/lib/event_log.c"
	grep -rhoE '"event", "[a-z]+"' "$top/userspace" | sed 's/.*, "//; s/"$//'
	embargo log --help 2>&1 | tr '\n' ' ' | grep -oE -e '--event [a-z]+(\|[a-z]+)+' |
		sed 's/^--event //' | tr '|' '\n'
} | LC_ALL=C sort -u)
offers "embargo log --event <TAB>: every event name in the sources and in log --help" \
	"$events" embargo log --event ""
offers "embargo report --event <TAB>: the same names" "$events" embargo report --event ""
is "embargo log --event tam<TAB>: tamper" "$(completions embargo log --event tam)" "tamper"
is "embargo log --verdict <TAB>: deny, audit, allow" \
	"$(completions embargo log --verdict "" | tr '\n' ' ')" "allow audit deny "
is "embargod --mode <TAB>: enforce, audit" "$(completions embargod --mode "" | tr '\n' ' ')" \
	"audit enforce "
is "embargod --tier <TAB>: auto, lsm, tracepoint" \
	"$(completions embargod --tier "" | tr '\n' ' ')" "auto lsm tracepoint "

# --- policy files: *.policy and directories, not other files
is "embargo check <TAB>: policy files and directories, not b.txt" \
	"$(completions embargo check "" | tr '\n' ' ')" "a.policy other rules.d "
is "embargo push <TAB>: the same, and its subcommand" \
	"$(completions embargo push "" | tr '\n' ' ')" "a.policy other revert-token rules.d "
is "embargod --policy <TAB>: the same" "$(completions embargod --policy "" | tr '\n' ' ')" \
	"a.policy other rules.d "
is "embargo scan --policy r<TAB>: rules.d" "$(completions embargo scan --policy r)" "rules.d"
is "embargo fileinfo <TAB>: any file" "$(completions embargo fileinfo "" | tr '\n' ' ')" \
	"a.policy b.txt other rules.d "
is "embargo log --key <TAB>: nothing (a rule key, not a file)" \
	"$(completions embargo log --key "")" ""

done_testing
