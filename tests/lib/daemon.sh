# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=sh
# daemon_status is read by the tests that source this.
# shellcheck disable=SC2034
# Starting and stopping embargod for a test. Sets daemon_pid, and daemon_status after a stop.

daemon_pid=""
daemon_status=""
daemon_dir=""

# daemon_start DIR ARGS...: starts embargod logging to DIR/events.jsonl with its control socket
# at DIR/ctl.sock, and waits until it says it is ready (it may take a while under emulation).
daemon_start() {
	daemon_dir=$1
	shift
	# A ready line left by an earlier daemon must not be mistaken for this one's.
	rm -f "$daemon_dir/daemon.out" "$daemon_dir/daemon.err"
	embargod --log "$daemon_dir/events.jsonl" --control "$daemon_dir/ctl.sock" "$@" \
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

daemon_stop() {
	[ -n "$daemon_pid" ] || return 0
	kill -TERM "$daemon_pid" 2>/dev/null
	wait "$daemon_pid"
	daemon_status=$?
	daemon_pid=""
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
