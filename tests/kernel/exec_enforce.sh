#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Exec enforcement end to end against the real kernel, in either tier:
#   EMBARGO_TIER=lsm         execve() of a denied file fails with EPERM (run inside the VM)
#   EMBARGO_TIER=tracepoint  the denied program is killed by SIGKILL before it runs
# Every rule names only files this test creates under a fresh temporary directory.
# Needs root, busybox, embargod and embargo on PATH, and try_exec (EMBARGO_TRY_EXEC).
# Per-victim variables (pid_NAME, ppid_NAME, ino_NAME) are made with eval.
# shellcheck disable=SC2154
set -u

here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/tap.sh"
. "$here/../lib/daemon.sh"

tier=${EMBARGO_TIER:?set EMBARGO_TIER to lsm or tracepoint}
try_exec=${EMBARGO_TRY_EXEC:-try_exec}
# busybox ash answers "command -v busybox" with the bare name: ask for the file.
busybox=$(command -v busybox)
case $busybox in /*) ;; *) busybox=/bin/busybox ;; esac

T=$(mktemp -d "${TMPDIR:-/tmp}/embargo-exec.XXXXXX")
cleanup() {
	daemon_stop
	umount "$T/bind" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT

# A victim is a copy of busybox named "touch": when it runs, it creates the file named by its
# argument, so a marker that exists proves that code of it ran.
victim() {
	mkdir -p "$(dirname "$1")"
	cp "$busybox" "$1"
	chmod 755 "$1"
}

denied_result() {
	case $tier in
	lsm) echo "errno=EPERM" ;;
	*) echo "signal=9" ;;
	esac
}

attempts=0 # denied execs attempted: each must have exactly one log line

# run_victim NAME FILE: runs FILE through try_exec; records pid, ppid and inode as NAME's, and
# sets "result" to how it ended (errno=..., signal=..., exit=...). $by_fd may say --fd.
by_fd=""
run_victim() {
	eval "ino_$1=$(stat -c %i "$2")"
	# shellcheck disable=SC2046,SC2086 # the words are the fields; by_fd is empty or one word
	set -- "$1" "$2" $("$try_exec" $by_fd "$2" "$T/marker.$1")
	eval "pid_$1=${3#pid=} ppid_$1=${4#ppid=}"
	result=${5:-none}
}

# expect_denied NAME FILE: executing FILE is refused and nothing of it runs.
expect_denied() {
	run_victim "$1" "$2"
	attempts=$((attempts + 1))
	if [ "$result" = "$(denied_result)" ] && [ ! -e "$T/marker.$1" ]; then
		ok "$1: denied ($result), no trace of running"
	else
		not_ok "$1: denied" "file: $2" "result: $result (want $(denied_result))" \
			"marker exists: $([ -e "$T/marker.$1" ] && echo yes || echo no)"
	fi
}

# expect_runs NAME FILE: executing FILE works.
expect_runs() {
	run_victim "$1" "$2"
	if [ "$result" = "exit=0" ] && [ -e "$T/marker.$1" ]; then
		ok "$1: runs"
	else
		not_ok "$1: runs" "file: $2" "result: $result" \
			"marker exists: $([ -e "$T/marker.$1" ] && echo yes || echo no)"
	fi
}

# The trees. Hardlinks made before the policy loads are found by embargod's scan of dir trees.
victim "$T/banned/touch"
victim "$T/banned/a/b/c/d/touch"
mkdir -p "$T/banned/h" "$T/outside-pre" "$T/sym" "$T/banned/r1" "$T/banned/r2"
ln "$T/banned/touch" "$T/banned/h/touch"
ln "$T/banned/a/b/c/d/touch" "$T/outside-pre/touch"
ln -s "$T/banned/touch" "$T/sym/touch"
victim "$T/banned/r1/touch"
victim "$T/banned/allowed/touch"
victim "$T/free/touch"
victim "$T/single/touch"
victim "$T/watched/touch"
victim "$T/upgraded/touch"
victim "$T/reinstalled/touch"
mkdir -p "$T/bind"

cat > "$T/test.policy" <<POLICY
# exec enforcement test policy
mode enforce
deny  exec dir=$T/banned                 key=test-dir
allow exec path=$T/banned/allowed/touch  key=test-exception
deny  exec path=$T/single/touch          key=test-file
audit exec dir=$T/watched                key=test-watch
deny  exec dir=$T/future/vendor          key=test-pending
deny  exec path=$T/upgraded/touch        key=test-upgrade
deny  exec dir=$T/reinstalled            key=test-reinstall
POLICY

daemon_start "$T" --policy "$T/test.policy" --tier "$tier"
check "embargod is ready in the $tier tier with 7 rules" \
	grep -q "^embargod: ready tier=$tier rules=7\$" "$T/daemon.out"

status=$(embargo --control "$T/ctl.sock" status --json)
case $status in
*"\"tier\":\"$tier\""*"\"mode\":\"enforce\""*"\"rules\":7,"*"\"pending\":1,"*) ok "embargo status --json: tier, mode, rules, pending" ;;
*) not_ok "embargo status --json: tier, mode, rules" "got: $status" ;;
esac
check "embargo status prints the tier" sh -c "embargo --control '$T/ctl.sock' status | grep -q 'tier: *$tier'"

expect_denied dir "$T/banned/touch"
expect_denied nested "$T/banned/a/b/c/d/touch"
expect_denied hardlink_in_tree "$T/banned/h/touch"
expect_denied hardlink_outside "$T/outside-pre/touch"
expect_denied symlink "$T/sym/touch"
mv "$T/banned/r1/touch" "$T/banned/r2/touch"
expect_denied renamed_in_tree "$T/banned/r2/touch"
if mount --bind "$T/banned" "$T/bind"; then
	expect_denied bind_mount "$T/bind/touch"
else
	not_ok "bind_mount: mount --bind failed"
fi
victim "$T/banned/new/touch"
expect_denied created_after_load "$T/banned/new/touch"
victim "$T/staging/touch"
mkdir -p "$T/banned/moved"
mv "$T/staging/touch" "$T/banned/moved/touch"
expect_denied moved_in_after_load "$T/banned/moved/touch"
expect_denied path_rule "$T/single/touch"
mkdir -p "$T/elsewhere" "$T/renamed"
ln "$T/single/touch" "$T/elsewhere/touch"
expect_denied path_rule_hardlink "$T/elsewhere/touch"
mv "$T/single/touch" "$T/renamed/touch"
expect_denied path_rule_renamed "$T/renamed/touch"

# A rule whose directory does not exist yet takes effect when it appears (an installer).
mkdir -p "$T/future/vendor/bin"
i=0
while embargo --control "$T/ctl.sock" status --json | grep -q '"target":"[^"]*/future/vendor"' &&
	[ $i -lt 100 ]; do
	sleep 0.1
	i=$((i + 1))
done
victim "$T/future/vendor/bin/touch"
expect_denied pending_rule_enforced_on_creation "$T/future/vendor/bin/touch"

# execveat(fd, "", AT_EMPTY_PATH), as fexecve() does: the file is the fd's, not a path.
by_fd=--fd
expect_denied execveat_empty_path "$T/banned/touch"
expect_runs execveat_allowed "$T/free/touch"
by_fd=""

# A script whose interpreter is denied: the kernel execs the interpreter for it.
printf '#!%s\n' "$T/banned/touch" > "$T/free/by-banned-interpreter"
chmod 755 "$T/free/by-banned-interpreter"
expect_denied script_with_denied_interpreter "$T/free/by-banned-interpreter"

# Targets replaced after load: an upgrade that renames a new file over a path= target, and a
# dir= tree removed and made anew. embargod resolves the names again when they reappear.
wait_reresolved() {
	i=0
	while [ "$(grep -c 're-resolved' "$T/daemon.err")" -le "$1" ] && [ $i -lt 100 ]; do
		sleep 0.1
		i=$((i + 1))
	done
}
n=$(grep -c 're-resolved' "$T/daemon.err")
cp "$busybox" "$T/upgraded/.touch.new"
mv -f "$T/upgraded/.touch.new" "$T/upgraded/touch"
wait_reresolved "$n"
expect_denied path_target_replaced "$T/upgraded/touch"
n=$(grep -c 're-resolved' "$T/daemon.err")
rm -rf "$T/reinstalled"
victim "$T/reinstalled/touch"
wait_reresolved "$n"
expect_denied dir_target_recreated "$T/reinstalled/touch"

expect_runs allow_exception "$T/banned/allowed/touch"
expect_runs unlisted "$T/free/touch"
expect_runs audit_rule "$T/watched/touch"
check "other programs run (/bin/true)" sh -c "'$try_exec' /bin/true | grep -q 'exit=0\$'"

log_wait_lines '"verdict":"deny"' "$attempts"
n=$(grep -c '"verdict":"deny"' "$T/events.jsonl")
if [ "$n" -eq "$attempts" ]; then
	ok "one deny line per denied exec ($n)"
else
	not_ok "one deny line per denied exec" "attempts: $attempts, deny lines: $n"
fi

# log_line_ok NAME FILE KEY VERDICT: the line of that exec (found by pid) has the right fields.
log_line_ok() {
	name=$1
	eval "pid=\$pid_$name ppid=\$ppid_$name ino=\$ino_$name"
	line=$(grep "\"pid\":$pid," "$T/events.jsonl")
	count=$(printf '%s\n' "$line" | grep -c .)
	missing=""
	for want in "\"verdict\":\"$4\"" "\"tier\":\"$tier\"" "\"key\":\"$3\"" "\"event\":\"exec\"" \
		"\"path\":\"$2\"" "\"ino\":$ino" "\"uid\":0," "\"ppid\":$ppid," "\"comm\":\"touch\""; do
		case $line in
		*"$want"*) ;;
		*) missing="$missing $want" ;;
		esac
	done
	case $line in
	*'"time":"'[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9]Z'"'*) ;;
	*) missing="$missing time" ;;
	esac
	case $line in
	*'"dev":"'[0-9]*:[0-9]*'"'*) ;;
	*) missing="$missing dev" ;;
	esac
	if [ "$count" -eq 1 ] && [ -z "$missing" ]; then
		ok "$name: its log line has the right fields"
	else
		not_ok "$name: its log line has the right fields" "lines for pid $pid: $count" \
			"missing:$missing" "line: $line"
	fi
}

log_line_ok dir "$T/banned/touch" test-dir deny
log_line_ok nested "$T/banned/a/b/c/d/touch" test-dir deny
log_line_ok bind_mount "$T/bind/touch" test-dir deny
log_line_ok path_rule "$T/single/touch" test-file deny
log_line_ok path_rule_renamed "$T/renamed/touch" test-file deny
log_wait_lines '"verdict":"audit"' 1
log_line_ok audit_rule "$T/watched/touch" test-watch audit
check "an allowed exec is not logged" sh -c "! grep -q '\"pid\":$pid_allow_exception,' '$T/events.jsonl'"
check "enforce mode marks no would-be denial" sh -c "! grep -q would_deny '$T/events.jsonl'"

# A reload that adds a rule takes effect; a broken one is refused and changes nothing.
victim "$T/later/touch"
echo "deny exec dir=$T/later key=test-later" >> "$T/test.policy"
daemon_reload
expect_denied reload_adds_rule "$T/later/touch"
echo "deny exec dri=$T/oops" >> "$T/test.policy"
daemon_reload
check "a broken policy on SIGHUP is refused" grep -q "reload refused" "$T/daemon.err"
expect_denied broken_reload_keeps_policy "$T/banned/touch"
check "embargod still runs after a refused reload" kill -0 "$daemon_pid"

daemon_stop
check "stopped (unload): embargod exits 0" [ "$daemon_status" -eq 0 ]
expect_runs after_stop "$T/banned/touch"

# Audit mode: nothing is denied, every would-be denial is logged as audit and marked so; an
# audit rule's events are not. The summary answers "what would break if we enforce?".
sed -i '$d' "$T/test.policy"
mv "$T/renamed/touch" "$T/single/touch"
: > "$T/events.jsonl"
daemon_start "$T" --policy "$T/test.policy" --tier "$tier" --mode audit
expect_runs audit_mode_dir "$T/banned/touch"
expect_runs audit_mode_file "$T/single/touch"
expect_runs audit_mode_file_again "$T/single/touch"
expect_runs audit_mode_audit_rule "$T/watched/touch"
log_wait_lines '"verdict":"audit"' 4
log_line_ok audit_mode_dir "$T/banned/touch" test-dir audit
log_line_ok audit_mode_file "$T/single/touch" test-file audit
log_line_ok audit_mode_audit_rule "$T/watched/touch" test-watch audit
check "audit mode logs no deny" sh -c "! grep -q '\"verdict\":\"deny\"' '$T/events.jsonl'"
check "the deny rules' execs are marked \"would_deny\":true" sh -c \
	"grep '\"pid\":$pid_audit_mode_dir,' '$T/events.jsonl' | grep -q '\"would_deny\":true' &&
	grep '\"pid\":$pid_audit_mode_file,' '$T/events.jsonl' | grep -q '\"would_deny\":true'"
check "the audit rule's exec is not" sh -c \
	"! grep '\"pid\":$pid_audit_mode_audit_rule,' '$T/events.jsonl' | grep -q would_deny"
embargo log --summary "$T/events.jsonl" > "$T/summary" 2>&1
check "embargo log --summary: 3 would-be denials of 2 paths by 1 uid" \
	grep -qx 'would be denied under enforce: 3 events, 2 paths, 1 uid' "$T/summary"
check "the most denied path first, with its key and users" sh -c \
	"grep -A2 '^would be denied' '$T/summary' | sed -n 2p |
	grep -qE '^ +2  users=1 +test-file +$T/single/touch\$' &&
	grep -A2 '^would be denied' '$T/summary' | sed -n 3p |
	grep -qE '^ +1  users=1 +test-dir +$T/banned/touch\$'"
embargo --json log --summary "$T/events.jsonl" > "$T/summary.json" 2>&1
check "embargo --json log --summary: the would_deny object" grep -qF \
	"\"would_deny\":{\"events\":3,\"paths\":2,\"uids\":1,\"top\":[{\"path\":\"$T/single/touch\",\"key\":\"test-file\",\"count\":2,\"users\":1},{\"path\":\"$T/banned/touch\",\"key\":\"test-dir\",\"count\":1,\"users\":1}]" \
	"$T/summary.json"
daemon_stop

done_testing
