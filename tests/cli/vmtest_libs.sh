#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# scripts/vmtest.sh stops, before it boots anything, when a program it would copy into the guest
# needs a library this machine lacks: the guest would fail in ways that say nothing of the cause.
# The program here is built against a library that is then deleted. Needs cc and the built
# embargod and embargo (vmtest.sh copies them); no kernel, qemu or network is used.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
. "$here/../lib/tap.sh"

T=$(mktemp -d "${TMPDIR:-/tmp}/embargo-vmtest-libs.XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT

mkdir -p "$T/inc" "$T/lib"
echo 'int gone_answer(void) { return 42; }' > "$T/gone.c"
printf 'int gone_answer(void);\nint main(void) { return gone_answer() != 42; }\n' > "$T/prog.c"
cc -shared -fPIC "$T/gone.c" -o "$T/lib/libembargo_gone.so" &&
	cc "$T/prog.c" -L"$T/lib" -lembargo_gone -o "$T/inc/prog" &&
	rm "$T/lib/libembargo_gone.so"
check "a program whose library is gone is built" [ -x "$T/inc/prog" ]
echo 'echo never' > "$T/script.sh"

# A timeout that ends a boot at once, should one happen.
"$top/scripts/vmtest.sh" --kernel 6.1 --timeout 1 --include "$T/inc" "$T/script.sh" \
	> "$T/out" 2> "$T/err"
rc=$?
# says FILE...: its output and errors, as TAP comments.
says() { sed 's/^/# /' "$@"; }
if [ "$rc" -eq 2 ]; then
	ok "vmtest.sh exits with status 2"
else
	not_ok "vmtest.sh exits with status 2" "status $rc"
	says "$T/out" "$T/err"
fi
if grep -q "$T/inc/prog needs libraries missing on this machine" "$T/err" &&
	grep -q 'libembargo_gone.so => not found' "$T/err"; then
	ok "the error names the program and the missing library"
else
	not_ok "the error names the program and the missing library"
	says "$T/err"
fi
if grep -q 'booting' "$T/out"; then
	not_ok "no VM was booted"
	says "$T/out"
else
	ok "no VM was booted"
fi

done_testing
