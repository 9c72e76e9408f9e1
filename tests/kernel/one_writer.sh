#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# One embargod per log, state directory and pin directory, and none of them replaces what is
# not its own. A second embargod given the first one's --log, --state or --pin-dir (and its
# own of the rest) is refused at start, naming the first one's pid, and the first one's log
# still verifies after both saw the same denials. --log, --control, --state and --pin-dir
# pointed at something else (a stand-in for a system file, a directory that holds other
# files) are refused and left as they were; missing parent directories are made 0750 (the
# state directory 0700), or the one in the way is named.
# Every rule names only files this test creates under a fresh temporary directory.
# Needs root, busybox, embargod and embargo on PATH, try_exec (EMBARGO_TRY_EXEC).
set -u

here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/tap.sh"
. "$here/../lib/daemon.sh"

tier=${EMBARGO_TIER:?set EMBARGO_TIER to lsm or tracepoint}
try_exec=${EMBARGO_TRY_EXEC:-try_exec}
busybox=$(command -v busybox)
case $busybox in /*) ;; *) busybox=/bin/busybox ;; esac

T=$(mktemp -d "${TMPDIR:-/tmp}/embargo-writer.XXXXXX")
T=$(cd "$T" && pwd -P)
other_pid=""
cleanup() {
	[ -n "$other_pid" ] && kill -KILL "$other_pid" 2>/dev/null && wait "$other_pid"
	daemon_stop
	grep -q " $T/b/bpffs bpf " /proc/mounts && umount "$T/b/bpffs"
	rm -rf "$T"
}
trap cleanup EXIT

# is DESCRIPTION GOT WANT
is() {
	if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1" "got:      '$2'" "expected: '$3'"; fi
}

mkdir -p "$T/a" "$T/b/bpffs" "$T/banned"
mount -t bpf bpf "$T/b/bpffs"
cp "$busybox" "$T/banned/touch"
chmod 755 "$T/banned/touch"
printf 'deny exec path=%s/banned/touch key=one-writer\n' "$T" > "$T/p.policy"

# other DESC ARGS...: a second embargod with ARGS (its own of what they leave out) must exit
# non-zero within a minute, without becoming ready; its stderr in $T/other.err.
other() {
	desc=$1
	shift
	embargod --policy "$T/p.policy" --tier "$tier" "$@" > "$T/other.out" 2> "$T/other.err" &
	other_pid=$!
	i=0
	while [ $i -lt 600 ] && kill -0 "$other_pid" 2>/dev/null &&
		! grep -q '^embargod: ready' "$T/other.out" 2> /dev/null; do
		sleep 0.1
		i=$((i + 1))
	done
	if kill -0 "$other_pid" 2>/dev/null; then
		# It started: what it does to the shared files is the defect. Stopped at once.
		kill -TERM "$other_pid"
		wait "$other_pid"
		other_pid=""
		not_ok "$desc" "the second embargod started: $(head -n 1 "$T/other.out")"
		return 1
	fi
	wait "$other_pid"
	rc=$?
	other_pid=""
	if [ "$rc" -ne 0 ]; then
		ok "$desc (exit $rc)"
	else
		not_ok "$desc" "exit 0" "$(cat "$T/other.err")"
	fi
}

denials() {
	grep -c '"verdict":"deny"' "$T/a/events.jsonl" 2>/dev/null
}

# system NAME: a stand-in for a system file (arbitrary bytes), its checksum in NAME.sum.
system() {
	{
		printf 'root:x:0:0:root:/root:/bin/bash\n'
		head -c 200 /dev/urandom
	} > "$1"
	sha256sum < "$1" > "$1.sum"
}

unchanged() {
	if [ -f "$2" ] && sha256sum < "$2" | cmp -s - "$2.sum"; then
		ok "$1"
	else
		not_ok "$1" "$2 changed or is gone"
	fi
}

daemon_start "$T/a" --policy "$T/p.policy" --tier "$tier" || exit 1
first=$daemon_pid
"$try_exec" "$T/banned/touch" "$T/marker.1" > /dev/null
log_wait_lines '"verdict":"deny"' 1

# The same log, another socket, state and pin directory.
other "a second embargod on the same --log is refused" --log "$T/a/events.jsonl" \
	--control "$T/b/ctl.sock" --state "$T/b/state" --pin-dir "$T/b/bpffs/embargo"
check "...naming the first one's pid ($first)" grep -q "pid $first)" "$T/other.err"
check "...and the log" grep -qF "$T/a/events.jsonl" "$T/other.err"
before=$(denials)
"$try_exec" "$T/banned/touch" "$T/marker.2" > /dev/null
"$try_exec" "$T/banned/touch" "$T/marker.3" > /dev/null
log_wait_lines '"verdict":"deny"' $((before + 2))
sleep 0.5
is "the two denials after it are logged once each" "$(denials)" $((before + 2))
check "the first one's log verifies" \
	sh -c "embargo log verify '$T/a/events.jsonl' > '$T/verify.out' 2>&1"

# The same state directory; the same pin directory.
other "a second embargod on the same --state is refused" --log "$T/b/events.jsonl" \
	--control "$T/b/ctl.sock" --state "$T/a/state" --pin-dir "$T/b/bpffs/embargo"
check "...naming the first one's pid ($first)" grep -q "pid $first)" "$T/other.err"
other "a second embargod on the same --pin-dir is refused" --log "$T/b/events.jsonl" \
	--control "$T/b/ctl.sock" --state "$T/b/state" --pin-dir "$T/a/bpffs/embargo"
check "...naming the first one's pid ($first)" grep -q "pid $first)" "$T/other.err"
check "the first one still answers" \
	sh -c "embargo --control '$T/a/ctl.sock' status > /dev/null"
daemon_stop
check "the first one's log verifies after all of it" \
	sh -c "embargo log verify '$T/a/events.jsonl' > '$T/verify.out' 2>&1"
rm -rf "$T/b/state" "$T/b/events.jsonl"*

# Options that write, pointed at files that are not embargod's.
mkdir -p "$T/c"
system "$T/c/passwd"
other "--log at another file is refused" --log "$T/c/passwd" \
	--control "$T/b/ctl.sock" --state "$T/b/state" --pin-dir "$T/b/bpffs/embargo"
check "...saying it is no log" grep -q "passwd: refusing to write the log there: it is no log" \
	"$T/other.err"
unchanged "...left as it was" "$T/c/passwd"
system "$T/c/ctl"
other "--control at a file is refused" --log "$T/b/events.jsonl" \
	--control "$T/c/ctl" --state "$T/b/state" --pin-dir "$T/b/bpffs/embargo"
check "...saying it is no socket" grep -q "ctl: refusing to replace it" "$T/other.err"
unchanged "...left as it was" "$T/c/ctl"
rm -rf "$T/b/state" "$T/b/events.jsonl"*
mkdir -p "$T/c/etc"
system "$T/c/etc/hosts"
other "--state at a directory of other files is refused" --log "$T/b/events.jsonl" \
	--control "$T/b/ctl.sock" --state "$T/c/etc" --pin-dir "$T/b/bpffs/embargo"
check "...naming a file it holds" grep -q "it holds hosts" "$T/other.err"
is "...and nothing is added to it" \
	"$(cd "$T/c/etc" && find . ! -name . | sort | tr '\n' ' ')" "./hosts ./hosts.sum "
rm -rf "$T/b/state" "$T/b/events.jsonl"*
mkdir -p "$T/b/bpffs/shared/tool"
other "--pin-dir at a bpf directory of other pins is refused" --log "$T/b/events.jsonl" \
	--control "$T/b/ctl.sock" --state "$T/b/state" --pin-dir "$T/b/bpffs/shared"
check "...naming what it holds" grep -q "it holds tool" "$T/other.err"
is "...and nothing is added to it" \
	"$(cd "$T/b/bpffs/shared" && find . ! -name . | tr '\n' ' ')" "./tool "
rm -rf "$T/b/state" "$T/b/events.jsonl"*
system "$T/b/events.jsonl.2"
other "a rotated log's name taken by another file is refused" --log "$T/b/events.jsonl" \
	--control "$T/b/ctl.sock" --state "$T/b/state" --pin-dir "$T/b/bpffs/embargo"
unchanged "...left as it was" "$T/b/events.jsonl.2"
rm -rf "$T/b/state" "$T/b/events.jsonl"*

# Missing parents: made, and safely; or the one in the way named.
daemon_start "$T/d" --policy "$T/p.policy" --tier "$tier" --log "$T/d/new/log/events.jsonl" \
	--control "$T/d/run/sock/ctl.sock" --state "$T/d/lib/state" || exit 1
is "the log's missing parents are made 0750" \
	"$(stat -c %a "$T/d/new" "$T/d/new/log" | tr '\n' ' ')" "750 750 "
is "the socket's too" "$(stat -c %a "$T/d/run" "$T/d/run/sock" | tr '\n' ' ')" "750 750 "
is "the state directory is made 0700 at start, its parent 0750" \
	"$(stat -c %a "$T/d/lib/state" "$T/d/lib" | tr '\n' ' ')" "700 750 "
is "all of them root's" "$(stat -c %u "$T/d/new" "$T/d/run/sock" "$T/d/lib/state" | sort -u)" 0
check "and embargod answers there" \
	sh -c "embargo --control '$T/d/run/sock/ctl.sock' status > /dev/null"
daemon_stop
: > "$T/c/file"
other "a parent that is a file: refused" --log "$T/c/file/log/events.jsonl" \
	--control "$T/b/ctl.sock" --state "$T/b/state" --pin-dir "$T/b/bpffs/embargo"
check "...naming it" grep -qF "$T/c/file (above the log $T/c/file/log/events.jsonl) is no directory" \
	"$T/other.err"

done_testing
