#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Content (sha256=) exec rules and path= open rules end to end against the real kernel, in
# either tier:
#   EMBARGO_TIER=tracepoint  embargod answers fanotify permission events: a denied exec or open
#                            fails with EPERM; it hashes (and caches) what it is asked about
#   EMBARGO_TIER=lsm         the BPF LSM programs decide, hashing in the kernel (run inside the
#                            VM); the fanotify checks are the tracepoint tier's only
# The machine is shared: every rule names only content and files this test creates on a tmpfs
# it mounts under a fresh temporary directory, and embargod marks only that tmpfs and an overlay
# on it (--fanotify-scope; checked in its fdinfo). The banned content is busybox with a line of
# this test's own appended, so that no other program anywhere has it.
# Needs root, busybox, mount (tmpfs, overlay), embargod and embargo on PATH, and try_exec
# (EMBARGO_TRY_EXEC).
# Per-attempt variables (pid_NAME) are made with eval.
# shellcheck disable=SC2154
set -u

here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/tap.sh"
. "$here/../lib/daemon.sh"

tier=${EMBARGO_TIER:?set EMBARGO_TIER to lsm or tracepoint}
try_exec=${EMBARGO_TRY_EXEC:-try_exec}
case $try_exec in /*) ;; *) try_exec=$(command -v "$try_exec") ;; esac
busybox=$(command -v busybox)
case $busybox in /*) ;; *) busybox=/bin/busybox ;; esac

T=$(mktemp -d "${TMPDIR:-/tmp}/embargo-fanguard.XXXXXX")
T=$(cd "$T" && pwd -P)
FS=$T/fs
OVL=$T/ovl
mounted_fs=""
mounted_ovl=""
cleanup() {
	daemon_stop
	if [ -n "$mounted_ovl" ]; then umount "$OVL"; fi
	if [ -n "$mounted_fs" ]; then umount "$FS"; fi
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' HUP INT TERM

# Every exec and open below waits for embargod's answer: never wait for it forever.
limit() {
	if command -v timeout > /dev/null; then timeout 60 "$@"; else "$@"; fi
}

mkdir -p "$FS" "$OVL"
if ! mount -t tmpfs -o size=64m,mode=0755 embargo-test "$FS"; then
	not_ok "mount a tmpfs for the test's files" "nothing else is safe to mark: giving up"
	done_testing
	exit 1
fi
mounted_fs=1
if [ "$(stat -c %d "$FS")" = "$(stat -c %d "$T")" ]; then
	not_ok "the tmpfs is a filesystem of its own" "giving up"
	done_testing
	exit 1
fi

# The banned content, its original and copies. Busybox picks its applet by the name it is run
# under: "touch", or a name starting with "busybox" and the applet as first argument.
mkdir -p "$FS/orig" "$FS/elsewhere" "$FS/free" "$FS/secret" "$FS/scripts" "$FS/lower" \
	"$FS/upper" "$FS/work"
{
	cat "$busybox"
	echo "embargo fanguard test $T"
} > "$FS/orig/touch"
chmod 755 "$FS/orig/touch"
cp "$FS/orig/touch" "$FS/elsewhere/busybox-renamed"
cp "$FS/orig/touch" "$FS/lower/touch"
{
	cat "$busybox"
	echo "embargo fanguard test $T: allowed"
} > "$FS/free/touch"
chmod 755 "$FS/free/touch"
sha=$(sha256sum "$FS/orig/touch" | cut -c1-64)
echo "secret" > "$FS/secret/secret.txt"
echo "other" > "$FS/secret/other.txt"
printf 'touch "%s/marker.script"\n' "$T" > "$FS/scripts/banned.sh"
printf 'touch "%s/marker.free_script"\n' "$T" > "$FS/scripts/free.sh"

if mount -t overlay -o "lowerdir=$FS/lower,upperdir=$FS/upper,workdir=$FS/work" \
	embargo-test-overlay "$OVL"; then
	mounted_ovl=1
fi

write_policy() {
	{
		echo "mode enforce"
		[ "$1" = with-sha ] && echo "deny exec sha256=$sha key=fg-sha"
		if [ "$1" != none ]; then
			echo "deny open path=$FS/secret/secret.txt key=fg-open"
			echo "deny open path=$FS/scripts/banned.sh key=fg-script"
		fi
	} > "$T/test.policy"
}
write_policy with-sha

scope="--fanotify-scope $FS"
[ -n "$mounted_ovl" ] && scope="$scope --fanotify-scope $OVL"
# shellcheck disable=SC2086 # scope is words
if ! daemon_start "$T" --policy "$T/test.policy" --tier "$tier" $scope; then
	not_ok "embargod starts"
	done_testing
	exit 1
fi
check "embargod is ready in the $tier tier with 3 rules" \
	grep -q "^embargod: ready tier=$tier rules=3\$" "$T/daemon.out"

status_json() {
	embargo --control "$T/ctl.sock" status --json
}
# kernel_counter NAME: a counter of the "counters" object (the BPF programs').
kernel_counter() {
	status_json | sed -n "s/.*\"counters\":{[^}]*\"$1\":\([0-9]*\).*/\1/p"
}
# fan_counter NAME: a counter of the "fanotify" object of embargo status --json.
fan_counter() {
	status_json | sed -n "s/.*\"fanotify\":{[^}]*\"$1\":\([0-9]*\).*/\1/p"
}

status=$(status_json)
case $status in
*"\"tier\":\"$tier\""*'"limits":["cannot '*) ok "embargo status --json: tier $tier, limits listed" ;;
*) not_ok "embargo status --json: tier $tier, limits listed" "got: $status" ;;
esac
check "embargo status prints the limits" \
	sh -c "embargo --control '$T/ctl.sock' status | grep -q '^limits: *cannot '"
check "embargod printed the limits at start" grep -q "^embargod: $tier tier: cannot " \
	"$T/daemon.err"

# The marks: only the test's filesystems, never the machine's own.
kdev_of() {
	awk -v p="$1" '$5 == p { split($3, d, ":"); printf "%x\n", d[1] * 1048576 + d[2]; exit }' \
		/proc/self/mountinfo
}
if [ "$tier" = tracepoint ]; then
	fdinfo=""
	for fd in /proc/"$daemon_pid"/fd/*; do
		case $(readlink "$fd") in
		*fanotify*) fdinfo="$fdinfo$(cat "/proc/$daemon_pid/fdinfo/${fd##*/}")" ;;
		esac
	done
	want_devs=" $(kdev_of "$FS") $(kdev_of "$OVL") "
	stray=""
	for d in $(printf '%s\n' "$fdinfo" | sed -n 's/^fanotify sdev:\([0-9a-f]*\) .*/\1/p'); do
		case $want_devs in
		*" $d "*) ;;
		*) stray="$stray $d" ;;
		esac
	done
	n_sb=$(printf '%s\n' "$fdinfo" | grep -c '^fanotify sdev:')
	n_ino=$(printf '%s\n' "$fdinfo" | grep -c '^fanotify ino:')
	if [ -z "$stray" ] && [ "$n_sb" -ge 1 ] && [ "$n_ino" -eq 2 ]; then
		ok "marks: $n_sb filesystem marks, all on the test's own ($want_devs), 2 inode marks"
	else
		not_ok "marks only on the test's filesystems" "stray filesystem marks:$stray" \
			"filesystem marks: $n_sb, inode marks: $n_ino (want 2)" "fdinfo: $fdinfo"
	fi
	marks=$(fan_counter marks)
	check "embargo status counts the marks ($marks)" [ "${marks:-0}" -ge 3 ]
else
	# The lsm tier decides in the kernel: no fanotify group at all.
	check "no fanotify counters in the $tier tier" sh -c "! embargo --control '$T/ctl.sock' status --json | grep -q '\"fanotify\"'"
	check "embargod holds no fanotify group" sh -c "! ls -l /proc/$daemon_pid/fd | grep -q fanotify"
fi

# attempt NAME RUNNER FILE [ARG...]: runs FILE through RUNNER (try_exec [--memfd]), asking
# it to create $T/marker.NAME; sets result (errno=..., signal=..., exit=...) and pid_NAME.
attempt() {
	name=$1
	shift
	# shellcheck disable=SC2046 # the words are the fields
	set -- $(limit "$@" "$T/marker.$name")
	eval "pid_$name=\${1#pid=}"
	result=${3:-none}
}

sha_denials=0 # each must have exactly one log line

# expect_denied NAME RUNNER FILE [ARG...]: the exec fails with EPERM and nothing of it runs.
expect_denied() {
	attempt "$@"
	sha_denials=$((sha_denials + 1))
	if [ "$result" = "errno=EPERM" ] && [ ! -e "$T/marker.$1" ]; then
		ok "$1: denied ($result), no trace of running"
	else
		not_ok "$1: denied" "command: $*" "result: $result (want errno=EPERM)" \
			"marker exists: $([ -e "$T/marker.$1" ] && echo yes || echo no)"
	fi
}

# expect_runs NAME RUNNER FILE [ARG...]: the exec works.
expect_runs() {
	attempt "$@"
	if [ "$result" = "exit=0" ] && [ -e "$T/marker.$1" ]; then
		ok "$1: runs"
	else
		not_ok "$1: runs" "command: $*" "result: $result" \
			"marker exists: $([ -e "$T/marker.$1" ] && echo yes || echo no)"
	fi
}

expect_denied sha_original "$try_exec" "$FS/orig/touch"
expect_denied sha_copy "$try_exec" "$FS/elsewhere/busybox-renamed" touch
h1=$(fan_counter hashed)
c1=$(fan_counter cache_hits)
expect_denied sha_copy_again "$try_exec" "$FS/elsewhere/busybox-renamed" touch
if [ "$tier" = tracepoint ]; then
	h2=$(fan_counter hashed)
	c2=$(fan_counter cache_hits)
	if [ "$h2" = "$h1" ] && [ "$c2" -eq $((c1 + 1)) ]; then
		ok "the second exec of an unchanged file hashes nothing: a cache hit ($c2 hits, $h2 hashed)"
	else
		not_ok "the second exec of an unchanged file is a cache hit" \
			"hashed: $h1 -> $h2, cache hits: $c1 -> $c2"
	fi
else
	# The kernel's own per-inode cache.
	h2=$(kernel_counter hashed)
	expect_denied sha_copy_cached "$try_exec" "$FS/elsewhere/busybox-renamed" touch
	h3=$(kernel_counter hashed)
	c3=$(kernel_counter hash_cached)
	check "the next exec of an unchanged file hashes nothing in the kernel ($h2 -> $h3 hashed, $c3 from the cache)" \
		sh -c "[ '$h2' = '$h3' ] && [ '${c3:-0}' -gt 0 ]"
fi
expect_runs other_content "$try_exec" "$FS/free/touch"

# Changed content is hashed again: one byte more runs, the banned content written back does not.
printf 'x' >> "$FS/elsewhere/busybox-renamed"
expect_runs edited_copy "$try_exec" "$FS/elsewhere/busybox-renamed" touch
cat "$FS/orig/touch" > "$FS/elsewhere/busybox-renamed"
expect_denied restored_copy "$try_exec" "$FS/elsewhere/busybox-renamed" touch

if [ -n "$mounted_ovl" ]; then
	expect_denied overlay "$try_exec" "$OVL/touch"
else
	not_ok "overlay: mount -t overlay failed"
fi

# memfd_create() + fexecve(): content with no name anywhere. The lsm tier refuses the exec; the
# tracepoint tier stops the program before its first instruction (fanotify cannot mark the
# memfd filesystem), embargod hashes it and kills it.
attempt memfd "$try_exec" --memfd "$FS/orig/touch"
case $tier in
lsm) want=errno=EPERM ;;
*) want=signal=9 ;;
esac
sha_denials=$((sha_denials + 1))
if [ "$result" = "$want" ] && [ ! -e "$T/marker.memfd" ]; then
	ok "memfd_create + fexecve: denied ($result), no trace of running"
else
	not_ok "memfd_create + fexecve: denied" "result: $result (want $want)" \
		"marker exists: $([ -e "$T/marker.memfd" ] && echo yes || echo no)"
fi
attempt memfd_free "$try_exec" --memfd "$FS/free/touch"
check "memfd_create + fexecve of other content runs ($result)" \
	sh -c "[ '$result' = exit=0 ] && [ -e '$T/marker.memfd_free' ]"

# A program allowed by its content is not asked about again (tracepoint tier: an ignore mark,
# which the kernel clears on write(2)). Changed through a shared writable mapping instead, no
# write(2) happens: the banned content written that way into an allowed program of the same
# size must still not run. The lsm tier refuses it (its cache is dropped when the program is
# opened for writing); the tracepoint tier sees the program's ctime moved, stops it before its
# first instruction, and embargod hashes it and kills it.
head -c "$(($(wc -c < "$FS/orig/touch") - 1))" "$FS/orig/touch" > "$FS/free/busybox-mapped"
printf 'X' >> "$FS/free/busybox-mapped"
chmod 755 "$FS/free/busybox-mapped"
sleep 0.1 # older than the clock's tick: its hash may be kept
v1=$(fan_counter vouched)
expect_runs mapped_allowed "$try_exec" "$FS/free/busybox-mapped" touch
if [ "$tier" = tracepoint ]; then
	v2=$(fan_counter vouched)
	check "an allowed program is vouched for: not asked about at its next exec ($v1 -> $v2)" \
		[ "$v2" -eq $((v1 + 1)) ]
	e1=$(fan_counter events)
	expect_runs mapped_again "$try_exec" "$FS/free/busybox-mapped" touch
	check "its next exec raises no fanotify event ($e1 -> $(fan_counter events))" \
		[ "$(fan_counter events)" = "$e1" ]
fi
out=$("$(dirname "$try_exec")/mmap_write" "$FS/orig/touch" "$FS/free/busybox-mapped")
check "the banned content is written into it through a shared mapping ($out)" \
	cmp -s "$FS/orig/touch" "$FS/free/busybox-mapped"
attempt mapped_changed "$try_exec" "$FS/free/busybox-mapped" touch
sha_denials=$((sha_denials + 1))
case $tier in
lsm) want=errno=EPERM ;;
*) want=signal=9 ;;
esac
if [ "$result" = "$want" ] && [ ! -e "$T/marker.mapped_changed" ]; then
	ok "changed through a shared mapping, it is denied ($result), no trace of running"
else
	not_ok "changed through a shared mapping, it is denied" "result: $result (want $want)" \
		"marker exists: $([ -e "$T/marker.mapped_changed" ] && echo yes || echo no)"
fi

# Open rules: the file cannot be opened at all, by anyone; other files can.
out=$(limit cat "$FS/secret/secret.txt" 2>&1)
rc=$?
case $rc:$out in
0:*) not_ok "open rule: cat of the file fails with EPERM" "exit 0, read: $out" ;;
*"Operation not permitted"*) ok "open rule: cat of the file fails with EPERM" ;;
*) not_ok "open rule: cat of the file fails with EPERM" "exit $rc: $out" ;;
esac
check "open rule: another file of the directory opens" \
	sh -c "[ \"\$(cat '$FS/secret/other.txt')\" = other ]"

# An interpreter reading a script is an open of the script.
limit sh "$FS/scripts/banned.sh" > "$T/script.out" 2>&1
rc=$?
if [ "$rc" -ne 0 ] && [ ! -e "$T/marker.script" ]; then
	ok "open rule: 'sh SCRIPT' fails (exit $rc), the script did not run"
else
	not_ok "open rule: 'sh SCRIPT' fails" "exit $rc" "$(cat "$T/script.out")" \
		"marker exists: $([ -e "$T/marker.script" ] && echo yes || echo no)"
fi
limit sh "$FS/scripts/free.sh"
check "another script runs" [ -e "$T/marker.free_script" ]

# The log: one line per denial, with the content hash and the rule that matched it.
log_wait_lines '"matched_by":"sha256"' "$sha_denials"
n=$(grep '"verdict":"deny"' "$T/events.jsonl" | grep -c '"matched_by":"sha256"')
if [ "$n" -eq "$sha_denials" ]; then
	ok "one sha256 deny line per denied exec ($n)"
else
	not_ok "one sha256 deny line per denied exec" "denials: $sha_denials, lines: $n"
fi
line=$(grep "\"pid\":$pid_sha_copy," "$T/events.jsonl")
missing=""
for want in '"event":"exec"' '"verdict":"deny"' "\"tier\":\"$tier\"" '"key":"fg-sha"' \
	"\"sha256\":\"$sha\"" '"matched_by":"sha256"' "\"path\":\"$FS/elsewhere/busybox-renamed\"" \
	"\"ino\":$(stat -c %i "$FS/elsewhere/busybox-renamed")," '"uid":0,' '"comm":"busybox-renamed"'; do
	case $line in
	*"$want"*) ;;
	*) missing="$missing $want" ;;
	esac
done
if [ "$(printf '%s\n' "$line" | grep -c .)" -eq 1 ] && [ -z "$missing" ]; then
	ok "sha_copy: its log line has the content hash and the rule"
else
	not_ok "sha_copy: its log line has the content hash and the rule" "missing:$missing" \
		"line: $line"
fi
log_wait_lines '"event":"open"' 2
line=$(grep '"event":"open"' "$T/events.jsonl" | grep '"key":"fg-open"' | head -n 1)
missing=""
for want in '"verdict":"deny"' "\"tier\":\"$tier\"" "\"path\":\"$FS/secret/secret.txt\"" \
	'"comm":"cat"' '"uid":0,'; do
	case $line in
	*"$want"*) ;;
	*) missing="$missing $want" ;;
	esac
done
if [ -n "$line" ] && [ -z "$missing" ]; then
	ok "open rule: the denied open is logged as \"event\":\"open\""
else
	not_ok "open rule: the denied open is logged" "missing:$missing" "line: $line"
fi
check "the denied script is logged as an open" \
	sh -c "grep '\"event\":\"open\"' '$T/events.jsonl' | grep -q '\"key\":\"fg-script\"'"
check "what was allowed is not logged" \
	sh -c "! grep -q '\"pid\":$pid_other_content,' '$T/events.jsonl' &&
		! grep -q '\"pid\":$pid_edited_copy,' '$T/events.jsonl' &&
		! grep -q 'other.txt' '$T/events.jsonl'"

if [ "$tier" = tracepoint ]; then
	denied=$(fan_counter denied)
	errors=$(fan_counter errors)
	if [ "${denied:-0}" -ge $((sha_denials + 2)) ] && [ "${errors:-1}" -eq 0 ]; then
		ok "fanotify counters: $denied denied, $errors errors"
	else
		not_ok "fanotify counters" "denied: $denied (want >= $((sha_denials + 2)))" \
			"errors: $errors (want 0)"
	fi
fi

# A policy without sha256= rules keeps no filesystem marks; without any, no group.
write_policy open-only
daemon_reload
expect_runs no_sha_rule "$try_exec" "$FS/orig/touch"
if [ "$tier" = tracepoint ]; then
	check "without sha256= rules: only the 2 inode marks ($(fan_counter marks))" \
		[ "$(fan_counter marks)" = 2 ]
	write_policy none
	daemon_reload
	check "without open rules either: no marks ($(fan_counter marks))" \
		[ "$(fan_counter marks)" = 0 ]
	check "and the file opens again" sh -c "[ \"\$(cat '$FS/secret/secret.txt')\" = secret ]"
fi

daemon_stop
check "stopped (unload): embargod exits 0" [ "$daemon_status" -eq 0 ]
expect_runs after_sigterm "$try_exec" "$FS/orig/touch"

# Audit mode: content and open rules deny nothing, and each decision of theirs is logged as a
# would-be denial. The second exec takes the lsm tier's cached verdict, the memfd the
# tracepoint tier's hold.
write_policy with-sha
: > "$T/events.jsonl"
# shellcheck disable=SC2086 # scope is words
if daemon_start "$T" --policy "$T/test.policy" --tier "$tier" $scope --mode audit; then
	expect_runs audit_mode_sha "$try_exec" "$FS/orig/touch"
	expect_runs audit_mode_sha_again "$try_exec" "$FS/orig/touch"
	expect_runs audit_mode_memfd "$try_exec" --memfd "$FS/orig/touch"
	check "audit mode: the open rule's file opens" \
		sh -c "[ \"\$(cat '$FS/secret/secret.txt')\" = secret ]"
	log_wait_lines '"would_deny":true' 4
	missing=""
	for name in audit_mode_sha audit_mode_sha_again audit_mode_memfd; do
		eval "pid=\$pid_$name"
		grep "\"pid\":$pid," "$T/events.jsonl" | grep '"verdict":"audit","would_deny":true' |
			grep -q '"key":"fg-sha"' || missing="$missing $name"
	done
	grep '"event":"open"' "$T/events.jsonl" | grep '"key":"fg-open"' |
		grep -q '"would_deny":true' || missing="$missing open"
	if [ -z "$missing" ]; then
		ok "audit mode: each would-be denial is logged as audit, \"would_deny\":true"
	else
		not_ok "audit mode: each would-be denial is logged with would_deny" \
			"missing:$missing" "$(cat "$T/events.jsonl")"
	fi
	check "audit mode logs no deny" sh -c "! grep -q '\"verdict\":\"deny\"' '$T/events.jsonl'"
	daemon_stop
else
	not_ok "embargod starts in audit mode"
fi

done_testing
