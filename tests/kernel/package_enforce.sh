#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# package= rules end to end, in either tier (EMBARGO_TIER=lsm in the VM, tracepoint here): a
# fake package registered in a dpkg database of the test's own (--dpkg-root) is banned by
# name; its program is denied where it is installed, and a copy of it elsewhere by content.
# Its data file runs nothing and is left alone. Every file is the test's own, on a tmpfs it
# mounts (the tracepoint tier's content checks mark only that: --fanotify-scope).
# Needs root, busybox, embargod and embargo on PATH, and try_exec (EMBARGO_TRY_EXEC).
set -u

here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/tap.sh"
. "$here/../lib/daemon.sh"

tier=${EMBARGO_TIER:?set EMBARGO_TIER to lsm or tracepoint}
try_exec=${EMBARGO_TRY_EXEC:-try_exec}
busybox=$(command -v busybox)
case $busybox in /*) ;; *) busybox=/bin/busybox ;; esac

T=$(mktemp -d "${TMPDIR:-/tmp}/embargo-package.XXXXXX")
T=$(cd "$T" && pwd -P)
FS=$T/fs
mounted=""
cleanup() {
	daemon_stop
	if [ -n "$mounted" ]; then umount "$FS"; fi
	rm -rf "$T"
}
trap cleanup EXIT

mkdir -p "$FS"
if ! mount -t tmpfs -o size=32m embargo-test "$FS"; then
	not_ok "mount a tmpfs for the test's files"
	done_testing
	exit 1
fi
mounted=1

# The package: a program (busybox with a line of its own, so its content is unique), and a
# data file; its file list names a directory too, as real lists do.
mkdir -p "$FS/opt/fakevendor/bin" "$FS/opt/fakevendor/share" "$FS/elsewhere" \
	"$T/root/var/lib/dpkg/info"
{
	cat "$busybox"
	echo "embargo package test $T"
} > "$FS/opt/fakevendor/bin/touch"
chmod 755 "$FS/opt/fakevendor/bin/touch"
echo "data" > "$FS/opt/fakevendor/share/readme"
printf '%s\n' "/." "$FS/opt/fakevendor" "$FS/opt/fakevendor/bin" \
	"$FS/opt/fakevendor/bin/touch" "$FS/opt/fakevendor/share/readme" \
	> "$T/root/var/lib/dpkg/info/fakevendor-agent:amd64.list"
cp "$FS/opt/fakevendor/bin/touch" "$FS/elsewhere/touch"

cat > "$T/test.policy" <<POLICY
deny exec package=fakevendor-agent key=test-package
deny exec package=not-installed-anywhere key=test-package
POLICY

out=$(embargo check --explain --dpkg-root "$T/root" "$T/test.policy")
check "embargo check --explain lists the package's program" \
	sh -c "printf '%s\n' '$out' | grep -q 'path=$FS/opt/fakevendor/bin/touch'"
check "and reports the package that is not installed" \
	sh -c "printf '%s\n' '$out' | grep -q 'not installed'"

daemon_start "$T" --policy "$T/test.policy" --tier "$tier" --dpkg-root "$T/root" \
	--fanotify-scope "$FS"
check "embargod is ready in the $tier tier" grep -q "^embargod: ready tier=$tier" "$T/daemon.out"

case $tier in
lsm) installed=errno=EPERM ;;
*) installed=signal=9 ;; # a path= rule: killed by the tracepoint
esac
# shellcheck disable=SC2046 # the words are the fields
set -- $("$try_exec" "$FS/opt/fakevendor/bin/touch" "$T/marker.installed")
check "the package's program is denied where it is installed ($3)" \
	sh -c "[ '$3' = '$installed' ] && [ ! -e '$T/marker.installed' ]"
# shellcheck disable=SC2046
set -- $("$try_exec" "$FS/elsewhere/touch" "$T/marker.copy")
check "a copy of it elsewhere is denied by its content ($3)" \
	sh -c "[ '$3' = errno=EPERM ] && [ ! -e '$T/marker.copy' ]"
check "the package's data file still reads" grep -q data "$FS/opt/fakevendor/share/readme"

log_wait_lines '"key":"test-package"' 2
check "both denials are logged under the package rule's key" \
	sh -c "[ \$(grep -c '\"key\":\"test-package\"' '$T/events.jsonl') -eq 2 ]"
check "the copy's line says the content matched" \
	sh -c "grep '\"path\":\"$FS/elsewhere/touch\"' '$T/events.jsonl' | grep -q '\"matched_by\":\"sha256\"'"

info=$(embargo fileinfo --dpkg-root "$T/root" --policy "$T/test.policy" "$FS/elsewhere/touch")
check "embargo fileinfo names the package rule for the copy" \
	sh -c "printf '%s\n' '$info' | grep -q 'fakevendor-agent'"

done_testing
