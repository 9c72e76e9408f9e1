#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# embargod --audit --journal, end to end in either tier (EMBARGO_TIER): a denied exec becomes a
# MAC_CHECK record that ausearch finds, and a syslog line (no journald here: the syslog(3)
# fallback). Every rule names only files this test creates under a fresh temporary directory.
#
# The audit records need an auditd. Without one running, the test starts its own: configured
# and logging in the temporary directory, no plugins, no rules; it is stopped by its pid and the
# kernel's audit enabled flag is put back as it was. With an auditd already running, the test
# uses it as it is and reads its log with ausearch. The syslog part runs only where /dev/log is
# missing: a busybox syslogd of the test's own binds it for the test and it is removed after.
# Needs root, busybox, auditd, auditctl and ausearch, embargod and embargo on PATH, and
# try_exec (EMBARGO_TRY_EXEC); exec_many beside it for the burst (EMBARGO_SINKS_BURST execs).
set -u

here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/tap.sh"
. "$here/../lib/daemon.sh"

tier=${EMBARGO_TIER:?set EMBARGO_TIER to lsm or tracepoint}
try_exec=${EMBARGO_TRY_EXEC:-try_exec}
bin=${EMBARGO_TEST_BIN:-$(dirname "$try_exec")}
burst=${EMBARGO_SINKS_BURST:-2000}
busybox=$(command -v busybox)
case $busybox in /*) ;; *) busybox=/bin/busybox ;; esac
PATH=$PATH:/sbin:/usr/sbin

for tool in auditd auditctl ausearch; do
	if ! command -v "$tool" > /dev/null; then
		echo "not ok 1 - $tool is installed (apt-get install auditd)"
		exit 1
	fi
done

T=$(mktemp -d "${TMPDIR:-/tmp}/embargo-sinks.XXXXXX")
T=$(cd "$T" && pwd -P)
auditd_pid=""
enabled_before=""
syslogd_pid=""
devlog_ino=""
journald_pid=""

audit_status() {
	auditctl -s 2> /dev/null | awk -v k="$1" '$1 == k { print $2 }'
}

cleanup() {
	daemon_stop
	if [ -n "$auditd_pid" ]; then
		# auditd leaves auditing enabled when it exits: put the flag back first, while
		# auditd still takes the record of that change (else the kernel prints it).
		[ -n "$enabled_before" ] && auditctl -e "$enabled_before" > /dev/null
		kill -TERM "$auditd_pid" 2> /dev/null
		wait "$auditd_pid" 2> /dev/null
	fi
	if [ -n "$journald_pid" ]; then
		kill -TERM "$journald_pid" 2> /dev/null
		wait "$journald_pid" 2> /dev/null
	fi
	if [ -n "$syslogd_pid" ]; then
		kill -TERM "$syslogd_pid" 2> /dev/null
		wait "$syslogd_pid" 2> /dev/null
		# Only the socket our syslogd made, not one that took its place since.
		[ "$(stat -c %i /dev/log 2> /dev/null)" = "$devlog_ino" ] && rm -f /dev/log
	fi
	rm -rf "$T"
}
trap cleanup EXIT

# ---- an auditd ----

enabled_before=$(audit_status enabled)
running=$(audit_status pid)
ausearch_log=""
if [ -z "$enabled_before" ]; then
	echo "not ok 1 - auditctl -s answers (the kernel needs CONFIG_AUDIT, we need CAP_AUDIT_CONTROL)"
	exit 1
elif [ "${running:-0}" != 0 ] && kill -0 "$running" 2> /dev/null; then
	# Its log: log_file in the auditd.conf of its -c directory, or of /etc/audit.
	conf_dir=$(tr '\0' '\n' < "/proc/$running/cmdline" | sed -n '/^-c$/{n;p;q}')
	ausearch_log=$(sed -n 's/^ *log_file *= *//p' "${conf_dir:-/etc/audit}/auditd.conf" 2> /dev/null)
	ausearch_log=${ausearch_log:-/var/log/audit/audit.log}
	echo "# an auditd runs already (pid $running): using it and its log $ausearch_log"
	enabled_before=""
	ok "auditd runs (not ours: pid $running)"
elif [ "$enabled_before" = 2 ]; then
	echo "not ok 1 - the kernel's audit configuration is locked (enabled 2) and no auditd runs"
	exit 1
else
	mkdir -p "$T/audit/plugins.d"
	chmod 700 "$T/audit"
	# Small space thresholds, no actions: the test must not suspend or stop anything.
	cat > "$T/audit/auditd.conf" <<CONF
local_events = yes
write_logs = yes
log_file = $T/audit/audit.log
log_format = ENRICHED
flush = DATA
freq = 0
max_log_file = 0
max_log_file_action = IGNORE
num_logs = 0
space_left = 2
space_left_action = IGNORE
admin_space_left = 1
admin_space_left_action = IGNORE
disk_full_action = IGNORE
disk_error_action = IGNORE
name_format = NONE
use_libwrap = no
q_depth = 2000
overflow_action = IGNORE
plugin_dir = $T/audit/plugins.d
CONF
	chmod 600 "$T/audit/auditd.conf"
	auditd -n -c "$T/audit" > "$T/auditd.out" 2>&1 &
	auditd_pid=$!
	i=0
	while [ "$(audit_status pid)" != "$auditd_pid" ] && [ $i -lt 300 ]; do
		kill -0 "$auditd_pid" 2> /dev/null || break
		sleep 0.1
		i=$((i + 1))
	done
	if [ "$(audit_status pid)" = "$auditd_pid" ]; then
		ok "auditd runs (the test's own, pid $auditd_pid, log in $T/audit)"
		ausearch_log=$T/audit/audit.log
	else
		not_ok "auditd runs" "auditctl -s: $(auditctl -s 2>&1 | tr '\n' ' ')" \
			"auditd said: $(cat "$T/auditd.out")"
		auditd_pid=""
		done_testing
		exit 1
	fi
fi

# ausearch ARGS...: searches the log of the auditd in use.
search() {
	if [ -n "$ausearch_log" ]; then
		ausearch -if "$ausearch_log" "$@"
	else
		ausearch "$@"
	fi
}

# search_has PATTERN ARGS...: ausearch ARGS prints a line with PATTERN in it.
search_has() {
	pattern=$1
	shift
	search "$@" 2> /dev/null | grep -q -F -- "$pattern"
}

# ---- a syslog daemon, where the machine has none ----

syslog_test=no
if [ -e /dev/log ] || [ -L /dev/log ]; then
	echo "# /dev/log exists: not ours to touch, so the syslog lines are not checked"
elif [ -e /run/systemd/journal/socket ]; then
	echo "# journald runs: embargod sends to it, not to syslog; not checked here"
else
	syslog_test=yes
fi

# ---- the policy and embargod ----

victim() {
	mkdir -p "$(dirname "$1")"
	cp "$busybox" "$1"
	chmod 755 "$1"
}
victim "$T/banned/touch"
victim "$T/with space/touch"
victim "$T/watched/touch"
victim "$T/burst/touch"
cat > "$T/test.policy" <<POLICY
version 7
mode enforce
deny  exec path=$T/banned/touch     key=test-sink-deny
deny  exec path="$T/with space/touch" key=test-sink-space
audit exec path=$T/watched/touch    key=test-sink-audit
deny  exec path=$T/burst/touch      key=test-sink-burst
POLICY

daemon_start "$T" --policy "$T/test.policy" --tier "$tier" --audit --journal
if ! grep -q "^embargod: ready tier=$tier rules=4\$" "$T/daemon.out"; then
	not_ok "embargod is ready in the $tier tier with --audit --journal"
	done_testing
	exit 1
fi
ok "embargod is ready in the $tier tier with --audit --journal"
check "embargod does not warn about the audit sink" sh -c "! grep -q -- '--audit' '$T/daemon.err'"

status() {
	embargo --control "$T/ctl.sock" status --json
}

# sink_field SINK FIELD: a number or word from status' "sinks" object.
sink_field() {
	status | sed -n "s/.*\"sinks\":{.*\"$1\":{\([^}]*\)}.*/\1/p" |
		tr ',' '\n' | sed -n "s/^\"$2\":\"*\([^\"]*\)\"*\$/\1/p"
}

case $(status) in
*'"sinks":{"audit":{"on":true,"kernel_enabled":true,'*'"journal":{"on":true,"via":"syslog"'*)
	ok "embargo status: audit on (kernel audit enabled), journal on via syslog" ;;
*'"sinks":{"audit":{"on":true,"kernel_enabled":true,'*'"journal":{"on":true,"via":"journald"'*)
	ok "embargo status: audit on (kernel audit enabled), journal on via journald" ;;
*) not_ok "embargo status: audit and journal on" "got: $(status)" ;;
esac

denied_result() {
	case $tier in
	lsm) echo "errno=EPERM" ;;
	*) echo "signal=9" ;;
	esac
}

# run NAME FILE: runs FILE through try_exec; sets pid_NAME and result.
run() {
	# shellcheck disable=SC2046 # the words are the fields
	set -- "$1" "$2" $("$try_exec" "$2" "$T/marker.$1")
	eval "pid_$1=${3#pid=}"
	result=${5:-none}
}

# Before syslogd is there: syslog(3) fails, and that is counted.
if [ "$syslog_test" = yes ]; then
	run no_syslog "$T/banned/touch"
	i=0
	while [ "$(sink_field journal failed)" != 1 ] && [ $i -lt 100 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	check "no /dev/log: the journal sink counts a failure (failed=1, $(sink_field journal last_error))" \
		[ "$(sink_field journal failed)" = 1 ]
	busybox syslogd -n -O "$T/syslog.log" &
	syslogd_pid=$!
	i=0
	while [ ! -S /dev/log ] && [ $i -lt 100 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	devlog_ino=$(stat -c %i /dev/log 2> /dev/null)
	check "busybox syslogd listens on /dev/log" [ -S /dev/log ]
fi

run deny "$T/banned/touch"
check "the banned exec is denied ($result)" [ "$result" = "$(denied_result)" ]
run space "$T/with space/touch"
check "the banned exec with a space in its path is denied ($result)" \
	[ "$result" = "$(denied_result)" ]
run audit "$T/watched/touch"
check "the watched exec runs ($result)" [ "$result" = "exit=0" ]
# shellcheck disable=SC2154 # made by run
{
	want_deny=$pid_deny
	want_space=$pid_space
	want_audit=$pid_audit
}

# ---- what ausearch finds ----

# record PATTERN: waits until one interpreted MAC_CHECK record matches PATTERN; prints it.
record() {
	i=0
	while [ $i -lt 100 ]; do
		out=$(search -m MAC_CHECK -i 2> /dev/null | grep -F -- "$1")
		[ -n "$out" ] && break
		sleep 0.1
		i=$((i + 1))
	done
	printf '%s\n' "$out"
}

rec=$(record "opid=$want_deny ")
echo "# $rec"
missing=""
for want in "type=MAC_CHECK" "op=embargo-exec" "verdict=deny" "key=test-sink-deny" \
	"rule=\"$T/test.policy:3\"" "path=$T/banned/touch " "ocomm=touch" "tier=$tier" \
	"policy_version=7" "res=failed" "exe=" "ouid=root"; do
	case $rec in
	*"$want"*) ;;
	*) missing="$missing $want" ;;
	esac
done
if [ -n "$rec" ] && [ -z "$missing" ]; then
	ok "ausearch -m MAC_CHECK -i finds the denied exec, with its key, rule, path and res=failed"
else
	not_ok "ausearch finds the denied exec" "missing:$missing" "record: $rec"
fi
check "exactly one record for it" [ "$(printf '%s\n' "$rec" | grep -c .)" = 1 ]

rec=$(record "opid=$want_space ")
case $rec in
*"path=$T/with space/touch "*) ok "a path with a space: hex-encoded in the record, decoded by ausearch -i" ;;
*) not_ok "a path with a space is readable through ausearch -i" "record: $rec" ;;
esac
hex=$(printf '%s' "$T/with space/touch" | od -An -tx1 | tr -d ' \n' | tr 'a-f' 'A-F')
check "the raw record carries that path hex-encoded" search_has "path=$hex " -m MAC_CHECK

rec=$(record "opid=$want_audit ")
case $rec in
*"verdict=audit"*"key=test-sink-audit"*"res=success"*) ok "an audit verdict: a record with res=success" ;;
*) not_ok "an audit verdict: a record with res=success" "record: $rec" ;;
esac

check "ausearch --success no finds the denial" \
	search_has "opid=$want_deny " -m MAC_CHECK --success no -i

# ---- the syslog lines ----

if [ "$syslog_test" = yes ]; then
	i=0
	while ! grep -q "pid $want_audit, uid" "$T/syslog.log" 2> /dev/null && [ $i -lt 100 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	check "syslog: a warning (authpriv) for the denied exec" grep -q \
		"authpriv.warn embargod\[$daemon_pid\]: embargo: deny exec $T/banned/touch (key test-sink-deny, rule $T/test.policy:3, pid $want_deny, uid 0)" \
		"$T/syslog.log"
	check "syslog: a notice for the audit verdict" grep -q \
		"authpriv.notice embargod\[$daemon_pid\]: embargo: audit exec $T/watched/touch (key test-sink-audit, rule $T/test.policy:5, pid $want_audit, uid 0)" \
		"$T/syslog.log"
fi

# ---- a burst: the sinks keep up, or count what they drop; the JSON log loses nothing ----

if [ -x "$bin/exec_many" ] && [ "$burst" -gt 0 ]; then
	lost_before=$(audit_status lost)
	sent_before=$(sink_field audit sent)
	dropped_before=$(sink_field audit dropped)
	failed_before=$(sink_field audit failed)
	start=$(cut -d ' ' -f 1 /proc/uptime)
	out=$("$bin/exec_many" "$burst" "$T/burst/touch" "$T/marker.burst")
	execs_done=$(cut -d ' ' -f 1 /proc/uptime)
	echo "# exec_many: $out"
	# Wait until the sinks are done: queue empty and the counters still.
	i=0
	last=""
	while [ $i -lt 600 ] && kill -0 "$daemon_pid" 2> /dev/null; do
		now="$(sink_field audit sent) $(sink_field audit dropped) $(sink_field journal sent) $(sink_field journal dropped)"
		[ "$(status | sed -n 's/.*"queued":\([0-9]*\).*/\1/p')" = 0 ] && [ "$now" = "$last" ] && break
		last=$now
		sinks_done=$(cut -d ' ' -f 1 /proc/uptime)
		sleep 0.5
		i=$((i + 1))
	done
	echo "# the execs took $(echo "$start $execs_done" | awk '{ print $2 - $1 }') s; the sinks were done $(echo "$start $sinks_done" | awk '{ print $2 - $1 }') s after the start (+/- 0.5 s)"
	embargo --control "$T/ctl.sock" status --json > "$T/status.json"
	sleep 0.5
	logged=$(grep -c '"key":"test-sink-burst"' "$T/events.jsonl")
	drops=$(grep '"event":"drop"' "$T/events.jsonl" |
		sed -n 's/.*"count":\([0-9]*\).*/\1/p' | awk '{ s += $1 } END { print s + 0 }')
	sent=$(($(sink_field audit sent) - sent_before))
	dropped=$(($(sink_field audit dropped) - dropped_before))
	failed=$(($(sink_field audit failed) - failed_before))
	found=$(search -m MAC_CHECK 2> /dev/null | grep -c 'key="test-sink-burst"')
	lost=$(($(audit_status lost) - lost_before))
	echo "# burst of $burst: JSON lines $logged (+ $drops kernel drops), audit sent $sent dropped $dropped failed $failed, ausearch found $found, the kernel lost $lost"
	check "burst: the JSON log has every denial ($logged + $drops = $burst)" \
		[ $((logged + drops)) -eq "$burst" ]
	check "burst: each logged denial was sent to audit, failed or dropped ($sent + $failed + $dropped = $logged)" \
		[ $((sent + failed + dropped)) -eq "$logged" ]
	# Records the kernel accepted can still be lost there (auditctl -s: lost), not by us.
	check "burst: ausearch finds every record sent, but what the kernel lost ($found + $lost >= $sent)" \
		[ "$found" -le "$sent" ] && [ $((found + lost)) -ge "$sent" ]
fi

daemon_stop
check "stopped (unload): embargod exits 0" [ "$daemon_status" -eq 0 ]

# ---- journald: only where the harness says the machine is ours to change (the VM) ----

journald=/lib/systemd/systemd-journald
if [ "${EMBARGO_SINKS_JOURNALD:-}" != start ]; then
	echo "# journald sink not checked: EMBARGO_SINKS_JOURNALD=start (set in the VM) lets the test start one"
elif [ -e /run/systemd/journal ] || [ ! -x "$journald" ] || ! command -v journalctl > /dev/null; then
	not_ok "journald can be started (no /run/systemd/journal yet, $journald and journalctl there)"
else
	had_journal_dir=no
	[ -d /run/log/journal ] && had_journal_dir=yes
	# journald wants a machine id; a fresh VM has none.
	[ -s /etc/machine-id ] || tr -d '-' < /proc/sys/kernel/random/uuid > /etc/machine-id
	"$journald" > "$T/journald.out" 2>&1 &
	journald_pid=$!
	i=0
	while [ ! -S /run/systemd/journal/socket ] && [ $i -lt 100 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	check "journald listens on /run/systemd/journal/socket" [ -S /run/systemd/journal/socket ]
	daemon_start "$T" --policy "$T/test.policy" --tier "$tier" --journal
	case $(status) in
	*'"journal":{"on":true,"via":"journald"'*) ok "embargo status: journal on via journald" ;;
	*) not_ok "embargo status: journal on via journald" "got: $(status)" ;;
	esac
	run journald "$T/banned/touch"
	# shellcheck disable=SC2154 # made by run
	want_pid=$pid_journald
	i=0
	while ! journalctl -D /run/log/journal --no-pager -o verbose EMBARGO_PID="$want_pid" 2> /dev/null |
		grep -q EMBARGO_JSON && [ $i -lt 100 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	entry=$(journalctl -D /run/log/journal --no-pager -o verbose EMBARGO_PID="$want_pid" 2> /dev/null)
	missing=""
	for want in "MESSAGE=embargo: deny exec $T/banned/touch (key test-sink-deny, rule $T/test.policy:3, pid $want_pid, uid 0)" \
		"PRIORITY=4" "SYSLOG_IDENTIFIER=embargod" "EMBARGO_EVENT=exec" "EMBARGO_VERDICT=deny" \
		"EMBARGO_KEY=test-sink-deny" "EMBARGO_RULE=$T/test.policy:3" "EMBARGO_PATH=$T/banned/touch" \
		"EMBARGO_UID=0" "EMBARGO_TIER=$tier" "EMBARGO_POLICY_VERSION=7" "EMBARGO_JSON={"; do
		case $entry in
		*"$want"*) ;;
		*) missing="$missing [$want]" ;;
		esac
	done
	if [ -n "$entry" ] && [ -z "$missing" ]; then
		ok "journalctl EMBARGO_PID=... finds the denied exec with its structured fields"
	else
		not_ok "journalctl finds the denied exec with its fields" "missing:$missing" "entry: $entry"
	fi
	daemon_stop
	kill -TERM "$journald_pid" 2> /dev/null
	wait "$journald_pid" 2> /dev/null
	journald_pid=""
	# Its sockets would outlive it: later tests must not find a journald that is gone.
	rm -rf /run/systemd/journal
	[ "$had_journal_dir" = yes ] || rm -rf /run/log/journal
fi

done_testing
