# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=sh
# daemon_status is read by the tests that source this.
# shellcheck disable=SC2034
# Starting and stopping embargod for a test. Sets daemon_pid, and daemon_status after a stop.
# embargod pins its programs in a bpf file system of the test's own (DIR/bpffs).

daemon_pid=""
daemon_status=""
daemon_dir=""

# daemon_start DIR ARGS...: starts embargod logging to DIR/events.jsonl with its control socket
# at DIR/ctl.sock and its state in DIR/state (unless ARGS say otherwise), and waits until it
# says it is ready (it may take a while under emulation).
daemon_start() {
	daemon_dir=$1
	shift
	# A ready line left by an earlier daemon must not be mistaken for this one's.
	rm -f "$daemon_dir/daemon.out" "$daemon_dir/daemon.err"
	# The test's own bpf file system: what embargod pins there (so that enforcement outlives
	# it) never mixes with the machine's, and daemon_stop ends it by unmounting.
	mkdir -p "$daemon_dir/bpffs"
	if ! grep -q " $daemon_dir/bpffs bpf " /proc/mounts; then
		mount -t bpf bpf "$daemon_dir/bpffs" || return 1
	fi
	embargod --log "$daemon_dir/events.jsonl" --control "$daemon_dir/ctl.sock" \
		--pin-dir "$daemon_dir/bpffs/embargo" --state "$daemon_dir/state" "$@" \
		> "$daemon_dir/daemon.out" 2> "$daemon_dir/daemon.err" &
	daemon_pid=$!
	i=0
	while [ $i -lt 1200 ]; do
		grep -q '^embargod: ready' "$daemon_dir/daemon.out" 2>/dev/null && return 0
		kill -0 "$daemon_pid" 2>/dev/null || break
		sleep 0.1
		i=$((i + 1))
	done
	echo "# embargod did not become ready:"
	sed 's/^/#   /' "$daemon_dir/daemon.err"
	return 1
}

# Sends SIGHUP and waits until embargod has dealt with it.
daemon_reload() {
	before=$(grep -c 'installed policy\|reload refused' "$daemon_dir/daemon.err")
	kill -HUP "$daemon_pid"
	i=0
	while [ $i -lt 600 ]; do
		now=$(grep -c 'installed policy\|reload refused' "$daemon_dir/daemon.err")
		[ "$now" -gt "$before" ] && return 0
		sleep 0.1
		i=$((i + 1))
	done
	echo "# embargod did not finish reloading"
	return 1
}

# Stops embargod and ends enforcement: "embargo unload" (embargod unpins, exits 0 and closes its
# links, which detaches them at once). Where unload is refused (trusted keys want a token), or
# embargod is gone already, SIGTERM, and the pins go with the test's bpf file system; links
# freed that way are detached a moment later, from a kernel work queue.
daemon_stop() {
	if [ -n "$daemon_pid" ]; then
		if ! kill -0 "$daemon_pid" 2>/dev/null ||
			! embargo --control "$daemon_dir/ctl.sock" unload > /dev/null 2>&1; then
			kill -TERM "$daemon_pid" 2>/dev/null
		fi
		wait "$daemon_pid"
		daemon_status=$?
		daemon_pid=""
	fi
	if [ -n "$daemon_dir" ] && grep -q " $daemon_dir/bpffs bpf " /proc/mounts; then
		umount "$daemon_dir/bpffs"
	fi
}

# log_wait_lines PATTERN N: waits until the log has at least N lines matching PATTERN.
log_wait_lines() {
	i=0
	while [ $i -lt 300 ]; do
		n=$(grep -c "$1" "$daemon_dir/events.jsonl" 2>/dev/null)
		[ "${n:-0}" -ge "$2" ] && return 0
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}
