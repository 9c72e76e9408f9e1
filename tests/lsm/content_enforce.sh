#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Identity by content and open rules in the lsm tier (inside the VM). A sha256= rule denies
# every copy of the banned content, whatever its name, directory or file system, however it
# is started: execve, execveat(AT_EMPTY_PATH), memfd_create + fexecve, the dynamic loader,
# dlopen(). The kernel hashes each file once and caches the hash per inode until the file
# changes. An open rule refuses every open of its file, so "sh banned-script" fails too.
# Needs root, embargod and embargo on PATH, and the test helpers (EMBARGO_TEST_BIN).
# shellcheck disable=SC2154 # pid_NAME and friends are made with eval
set -u

here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/tap.sh"
. "$here/../lib/daemon.sh"

bin=${EMBARGO_TEST_BIN:?set EMBARGO_TEST_BIN to the directory of the test helpers}
ldso=/lib64/ld-linux-x86-64.so.2

T=$(mktemp -d "${TMPDIR:-/tmp}/embargo-content.XXXXXX")
cleanup() {
	daemon_stop
	umount "$T/ovl/merged" 2>/dev/null
	umount "$T/tmpfs" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT

sha() { sha256sum "$1" | cut -d' ' -f1; }

# The banned content: a dynamically linked program that creates the file named by its
# argument (so a marker proves it ran, whatever it is called) and a shared library.
mkdir -p "$T/orig" "$T/a/b" "$T/s" "$T/free"
cp "$bin/dyn_touch" "$T/orig/touch"
cp "$bin/libvictim.so" "$T/orig/libvictim.so"
# An unrelated program that must keep running.
cp "$bin/dyn_touch" "$T/free/dyn_touch"
printf '\n' >> "$T/free/dyn_touch" # different content, same code

cat > "$T/s/script.sh" <<SCRIPT
#!/bin/sh
echo ran > "$T/marker.script"
SCRIPT
chmod 755 "$T/s/script.sh"
echo "not banned" > "$T/s/readme"

cat > "$T/test.policy" <<POLICY
deny exec sha256=$(sha "$T/orig/touch")        key=test-sha-prog
deny exec sha256=$(sha "$T/orig/libvictim.so") key=test-sha-lib
deny open path=$T/s/script.sh                  key=test-open
POLICY

# Copies made before the daemon starts and after it, under other names and places.
cp "$T/orig/touch" "$T/a/b/renamed-before"
daemon_start "$T" --policy "$T/test.policy" --tier lsm
check "embargod is ready in the lsm tier" grep -q '^embargod: ready tier=lsm' "$T/daemon.out"
cp "$T/orig/touch" "$T/a/renamed-after"

attempts=0
# expect_denied NAME RESULT-OF-try_exec: the exec failed with EPERM and left no marker.
expect_denied() {
	case $2 in
	*errno=EPERM*)
		if [ -e "$T/marker.$1" ]; then
			not_ok "$1: denied with EPERM, nothing ran" "marker exists"
		else
			ok "$1: denied with EPERM, nothing ran"
		fi
		;;
	*) not_ok "$1: denied with EPERM, nothing ran" "got: $2" ;;
	esac
	attempts=$((attempts + 1))
}
expect_runs() {
	case $2 in
	*exit=0*) check "$1: runs" [ -e "$T/marker.$1" ] ;;
	*) not_ok "$1: runs" "got: $2" ;;
	esac
}

expect_denied copy_before_load "$("$bin/try_exec" "$T/a/b/renamed-before" "$T/marker.copy_before_load")"
expect_denied copy_after_load "$("$bin/try_exec" "$T/a/renamed-after" "$T/marker.copy_after_load")"
expect_denied original "$("$bin/try_exec" "$T/orig/touch" "$T/marker.original")"
expect_denied execveat_empty_path \
	"$("$bin/try_exec" --fd "$T/a/renamed-after" "$T/marker.execveat_empty_path")"
expect_denied memfd_fexecve \
	"$("$bin/try_exec" --memfd "$T/orig/touch" "$T/marker.memfd_fexecve")"

# The second exec of an unchanged file takes the hash from the inode's cache.
cached_before=$(embargo status --json --control "$T/ctl.sock" | sed -n 's/.*"hash_cached":\([0-9]*\).*/\1/p')
hashed_before=$(embargo status --json --control "$T/ctl.sock" | sed -n 's/.*"hashed":\([0-9]*\).*/\1/p')
expect_denied copy_again "$("$bin/try_exec" "$T/a/renamed-after" "$T/marker.copy_again")"
cached_after=$(embargo status --json --control "$T/ctl.sock" | sed -n 's/.*"hash_cached":\([0-9]*\).*/\1/p')
hashed_after=$(embargo status --json --control "$T/ctl.sock" | sed -n 's/.*"hashed":\([0-9]*\).*/\1/p')
check "a second exec of an unchanged file hashes nothing ($hashed_before -> $hashed_after hashed)" \
	[ "${hashed_before:-x}" = "${hashed_after:-y}" ]
check "it is served from the cache ($cached_before -> $cached_after)" \
	[ "${cached_after:-0}" -gt "${cached_before:-0}" ]

# Other file systems: tmpfs, and overlayfs (the copy on the lower layer).
mkdir -p "$T/tmpfs" "$T/ovl/lower" "$T/ovl/upper" "$T/ovl/work" "$T/ovl/merged"
mount -t tmpfs tmpfs "$T/tmpfs"
cp "$T/orig/touch" "$T/tmpfs/tool"
expect_denied tmpfs_copy "$("$bin/try_exec" "$T/tmpfs/tool" "$T/marker.tmpfs_copy")"
cp "$T/orig/touch" "$T/ovl/lower/tool"
if mount -t overlay overlay -o "lowerdir=$T/ovl/lower,upperdir=$T/ovl/upper,workdir=$T/ovl/work" \
	"$T/ovl/merged"; then
	expect_denied overlayfs_copy "$("$bin/try_exec" "$T/ovl/merged/tool" "$T/marker.overlayfs_copy")"
else
	not_ok "overlayfs_copy: could not mount overlayfs"
fi

# The dynamic loader and dlopen() get no executable mapping of banned content.
cp "$T/orig/touch" "$T/a/dyn-copy"
"$ldso" "$T/a/dyn-copy" "$T/marker.ldso" > "$T/ldso.out" 2>&1
status=$?
if [ "$status" -ne 0 ] && [ ! -e "$T/marker.ldso" ]; then
	ok "ld.so ./copy-of-banned: refused (loader exit $status), nothing ran"
else
	not_ok "ld.so ./copy-of-banned: refused" "exit $status" "$(cat "$T/ldso.out")"
fi
"$ldso" "$T/free/dyn_touch" "$T/marker.free"
check "ld.so runs a program whose content is not banned" [ -e "$T/marker.free" ]
cp "$T/orig/libvictim.so" "$T/a/libcopy.so"
out=$(EMBARGO_VICTIM_MARKER="$T/marker.lib" "$bin/try_dlopen" "$T/a/libcopy.so")
case $out in
"dlopen=failed"*) ok "dlopen of a copy of a banned library fails" ;;
*) not_ok "dlopen of a copy of a banned library fails" "got: $out" ;;
esac
check "its constructor never ran" [ ! -e "$T/marker.lib" ]
out=$("$bin/try_mmap" "$T/a/libcopy.so" | tr '\n' ' ')
check "mmap(PROT_EXEC) of banned content fails with EPERM ($out)" \
	sh -c "echo '$out' | grep -q 'mmap=EPERM'"

# A modified copy is a different program: it runs. The banned content back: denied again.
cp "$T/orig/touch" "$T/a/edited"
expect_denied before_edit "$("$bin/try_exec" "$T/a/edited" "$T/marker.before_edit")"
printf 'x' >> "$T/a/edited"
expect_runs after_edit "$("$bin/try_exec" "$T/a/edited" "$T/marker.after_edit")"
expect_runs after_edit_again "$("$bin/try_exec" "$T/a/edited" "$T/marker.after_edit_again")"
cat "$T/orig/touch" > "$T/a/edited"
expect_denied content_restored "$("$bin/try_exec" "$T/a/edited" "$T/marker.content_restored")"
truncate -s 1000 "$T/a/edited"
cat "$T/orig/touch" > "$T/a/edited"
expect_denied truncated_and_restored \
	"$("$bin/try_exec" "$T/a/edited" "$T/marker.truncated_and_restored")"

# Open rules: the script cannot be read, so no interpreter can run it; other files open.
sh "$T/s/script.sh" > "$T/sh.out" 2>&1
status=$?
check "sh banned-script fails (exit $status)" [ "$status" -ne 0 ]
check "the banned script never ran" [ ! -e "$T/marker.script" ]
check "sh says why: $(head -n 1 "$T/sh.out")" grep -qi 'permission denied\|not permitted' "$T/sh.out"
out=$("$bin/try_exec" "$T/s/script.sh" "$T/marker.script")
case $out in
*errno=EPERM*) ok "executing the banned script fails with EPERM" ;;
*) not_ok "executing the banned script fails with EPERM" "got: $out" ;;
esac
check "cat of the banned script fails" sh -c "! cat '$T/s/script.sh' > /dev/null 2>&1"
check "a file beside it opens" grep -q 'not banned' "$T/s/readme"

# The log: one exec deny line per denied exec, naming the content.
log_wait_lines '"event":"exec"' "$attempts"
n=$(grep '"event":"exec"' "$T/events.jsonl" | grep -c '"verdict":"deny"')
check "one exec deny line per denied exec ($n of $attempts)" [ "$n" -eq "$attempts" ]
line=$(grep '"event":"exec"' "$T/events.jsonl" | grep "\"path\":\"$T/a/renamed-after\"" | head -n 1)
case $line in
*'"key":"test-sha-prog"'*"\"sha256\":\"$(sha "$T/orig/touch")\""*'"matched_by":"sha256"'*)
	ok "the exec line names the key, the content's sha256 and how it matched" ;;
*) not_ok "the exec line names the key, the content's sha256 and how it matched" "line: $line" ;;
esac
check "mmap lines name the library's key" grep -q '"event":"mmap".*"key":"test-sha-lib"' "$T/events.jsonl"
check "open lines name the open rule's key" grep -q '"event":"open".*"key":"test-open"' "$T/events.jsonl"

daemon_stop
out=$("$bin/try_exec" "$T/a/renamed-after" "$T/marker.after_stop")
expect_runs after_stop "$out"

done_testing
