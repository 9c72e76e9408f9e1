#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Prints, one a line, the absolute host paths a guest of scripts/vmtest.sh needs to run
# `make -j2` on PROJECT_DIR with gcc; the bench passes each as `--include PATH`. The guest
# has the host's layout, so each path is the one the tools will open there.
#
# Nothing is hard-coded that the toolchain can tell us: the project is built once in a
# scratch copy with `gcc -H` (every header each compile opens), `-v` (the collect2 command
# line: LTO plugin, dynamic linker) and `ld -t` (every file each link opens), so the list
# follows the project and the compiler when either changes. The busybox /bin/sh of the
# guest runs make's recipes, so no shell is listed.

set -euo pipefail

usage() {
	echo "usage: bench/toolchain.sh PROJECT_DIR" >&2
	exit 2
}
die() {
	echo "toolchain: error: $*" >&2
	exit 1
}

[ $# -eq 1 ] || usage
[ -f "$1/Makefile" ] || die "$1: no Makefile"
project=$(cd "$1" && pwd)
# The names the guest's `make -j2` runs: make itself and the project Makefile's defaults.
cc="gcc"
make_prog="make"
ar_prog="ar"

# Absolute path of a program on PATH, keeping the name PATH gave (not its symlink target).
program() {
	local p
	p=$(command -v -- "$1") || die "$1: not found on PATH"
	case "$p" in
	/*) printf '%s\n' "$p" ;;
	*) die "$1: not a program but a shell $(type -t -- "$1")" ;;
	esac
}

# What the guest resolves: "..", "." and "//" removed textually (every directory vmtest.sh
# creates in the guest is a real one). Dies if the host resolves the path elsewhere, which
# happens only when a directory symlink precedes a "..".
guest_path() {
	local p=$1 norm
	norm=$(realpath -m -s -- "$p")
	[ "$(realpath -e -- "$p" 2>/dev/null)" = "$(realpath -e -- "$norm" 2>/dev/null)" ] ||
		die "$p: the host resolves it differently from ${norm}"
	printf '%s\n' "$norm"
}

# The path and, if it is a symlink, every link after it down to the file itself: the guest
# gets the names as the tools use them and the file they lead to.
with_links() {
	local p=$1 t n=0
	while :; do
		printf '%s\n' "$p"
		[ -L "$p" ] || break
		n=$((n + 1))
		[ "$n" -le 40 ] || die "$1: too many levels of symbolic links"
		t=$(readlink -- "$p")
		case "$t" in
		/*) p=$(guest_path "$t") ;;
		*) p=$(guest_path "$(dirname -- "$p")/$t") ;;
		esac
	done
}

scratch=$(mktemp -d "${TMPDIR:-/tmp}/embargo-toolchain.XXXXXX")
trap 'rm -rf "$scratch"' EXIT
mkdir "$scratch/src"
cp -a -- "$project/." "$scratch/src/"

# The guest runs with none of these set: they would make the host's gcc and ld look in
# other places than the guest's will, or (from a calling make) change the flags, and with
# them the headers (-O pulls in bits/stdio.h, for one).
unset GCC_EXEC_PREFIX COMPILER_PATH LIBRARY_PATH CPATH C_INCLUDE_PATH LD_RUN_PATH
unset MAKEFLAGS GNUMAKEFLAGS MFLAGS MAKELEVEL CFLAGS CPPFLAGS LDFLAGS LDLIBS

# -j1 keeps the output of one command together. -H names every header as it is opened
# (lines of dots and a path, on stderr); -v prints the link's collect2 command line;
# ld -t prints each file the link opens (linker scripts, archives, what they name) on
# stdout. CC and LDFLAGS on the command line replace the Makefile's, nothing else does.
"$make_prog" -s -C "$scratch/src" -j1 clean >/dev/null
"$make_prog" -C "$scratch/src" -j1 CC="$cc -H" LDFLAGS="-v -Wl,-t" \
	>"$scratch/stdout" 2>"$scratch/stderr" ||
	die "the project does not build on this host: $(tail -n 20 "$scratch/stderr")"

needed=()
add() {
	needed+=("$(guest_path "$1")")
}

# The programs: make, the driver, what the driver runs (cc1 compiles, as assembles,
# collect2 links through ld) and the archiver. -print-prog-name gives a full path when gcc
# has the program in its own directories and the bare name when it runs it from PATH.
add "$(program "$make_prog")"
add "$(program "$cc")"
add "$(program "$ar_prog")"
for prog in cc1 as collect2 ld; do
	p=$("$cc" -print-prog-name="$prog")
	case "$p" in
	/*) [ -x "$p" ] || die "$cc names $p for $prog, and it is missing" ;;
	*) p=$(program "$p") ;;
	esac
	add "$p"
done

# Headers: gcc's own (stddef.h, stdarg.h...) and the libc ones, exactly those opened.
# stdc-predef.h is included implicitly and -H does not show it; -print-file-name does not
# search include directories, so ask the preprocessor's dependency output for it.
while IFS= read -r h; do
	add "$h"
done < <(sed -n 's/^\.\{1,\} \(\/.*\)$/\1/p' "$scratch/stderr" | sort -u)
while IFS= read -r h; do
	add "$h"
done < <(echo | "$cc" -M -x c - | tr ' ' '\n' | grep '^/' | sort -u)

# Link inputs: crt*.o, libgcc.a, libgcc_s.so and libgcc_s.so.1, libc.so and the files it
# names (libc.so.6, libc_nonshared.a, the dynamic loader). Old ld prints archive members
# as "(archive)member"; the archive is what the guest needs.
while IFS= read -r f; do
	add "$f"
done < <(sed -n -e 's/^(\(\/[^)]*\)).*$/\1/p' -e 's/^\(\/[^ ]*\)$/\1/p' "$scratch/stdout" | sort -u)

# From the collect2 command line: the LTO plugin, which the driver refuses to link
# without once it was built with one (Debian's is), even when nothing uses LTO; and the
# dynamic loader the programs will be run with.
collect2_line=$(grep -m 1 '/collect2 ' "$scratch/stderr") || die "no collect2 command in gcc -v"
read -ra words <<<"$collect2_line"
for i in "${!words[@]}"; do
	case "${words[$i]}" in
	-plugin | -dynamic-linker) add "${words[$((i + 1))]}" ;;
	esac
done

# Every name with the links it leads through.
all=()
while IFS= read -r p; do
	all+=("$p")
done < <(for p in "${needed[@]}"; do with_links "$p"; done | sort -u)

# vmtest.sh itself installs, as real files, the shared libraries that ldd names for the
# ELF files it copies (the dynamic loader for every one of them). It copies them with
# cp -L over whatever an --include put there first: over a symlink it would fail ("same
# file") or write through it onto this host. So such a name is left to vmtest.sh when it is
# a symlink here, e.g. /lib64/ld-linux-x86-64.so.2 -> /lib/x86_64-linux-gnu/...
declare -A from_ldd=()
for p in "${all[@]}"; do
	if [ ! -f "$p" ] || [ -L "$p" ]; then
		continue
	fi
	[ "$(head -c 4 -- "$p" | tr -d '\0')" = $'\x7fELF' ] || continue
	while IFS= read -r lib; do
		from_ldd[$lib]=1
	done < <(ldd -- "$p" 2>/dev/null |
		awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }')
done
for p in "${needed[@]}"; do
	if [ -L "$p" ] && [ -n "${from_ldd[$p]:-}" ]; then
		continue
	fi
	with_links "$p"
done | sort -u
