#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Enforcement outlives embargod, in either tier (EMBARGO_TIER): its programs and maps are pinned
# (in the test's own bpf file system), so after kill -9 and after SIGTERM a banned program stays
# denied; a new embargod takes the pins over, logs what was denied meanwhile, and at no moment
# of all this does a banned exec run (exec_race runs throughout). embargo unload ends it all;
# with trusted keys only a signed, unexpired unload token for this host does.
# Every rule names only files this test creates under a fresh temporary directory.
# Needs root, busybox, embargod and embargo on PATH, try_exec and exec_race
# (EMBARGO_TRY_EXEC, EMBARGO_TEST_BIN).
set -u

here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/tap.sh"
. "$here/../lib/daemon.sh"

tier=${EMBARGO_TIER:?set EMBARGO_TIER to lsm or tracepoint}
try_exec=${EMBARGO_TRY_EXEC:-try_exec}
bin=${EMBARGO_TEST_BIN:-$(dirname "$try_exec")}
busybox=$(command -v busybox)
case $busybox in /*) ;; *) busybox=/bin/busybox ;; esac

T=$(mktemp -d "${TMPDIR:-/tmp}/embargo-pin.XXXXXX")
T=$(cd "$T" && pwd -P)
race_pid=""
cleanup() {
	touch "$T/stop"
	[ -n "$race_pid" ] && wait "$race_pid"
	[ -n "$daemon_pid" ] && kill -KILL "$daemon_pid" 2>/dev/null
	daemon_stop
	rm -rf "$T"
}
trap cleanup EXIT

case $tier in
lsm) denied=errno=EPERM ;;
*) denied=signal=9 ;;
esac
pins=$T/bpffs/embargo

mkdir -p "$T/banned" "$T/free" "$T/markers"
cp "$busybox" "$T/banned/touch"
cp "$busybox" "$T/free/touch"
chmod 755 "$T/banned/touch" "$T/free/touch"
printf 'version 1\ndeny exec path=%s/banned/touch key=pinned\n' "$T" > "$T/p.policy"

# result_of NAME: how running the banned program ends now (errno=..., signal=..., exit=...).
n=0
result_of() {
	n=$((n + 1))
	# shellcheck disable=SC2046 # the words are the fields
	set -- $("$try_exec" "$T/banned/touch" "$T/marker.$1.$n")
	echo "${3:-none}"
}

expect_denied() {
	got=$(result_of "$1")
	if [ "$got" = "$denied" ] && [ ! -e "$T/marker.$1.$n" ]; then
		ok "$2 ($got)"
	else
		not_ok "$2" "got: $got, want $denied and no marker"
	fi
}

count_log() {
	grep -c "$1" "$T/events.jsonl" 2>/dev/null
}

daemon_start "$T" --policy "$T/p.policy" --tier "$tier" --state "$T/state"
check "embargod is ready in the $tier tier" grep -q "^embargod: ready tier=$tier" "$T/daemon.out"
check "its links and maps are pinned" sh -c "ls '$pins' | grep -q '^link_' && ls '$pins' | grep -q '^map_policy$'"
check "status says where" sh -c "embargo --control '$T/ctl.sock' status | grep -q '^pinned: *$pins'"
expect_denied start "the banned program is denied"

# From here on a banned exec and an allowed one are tried in a loop, to the end.
"$bin/exec_race" "$T/stop" "$T/banned/touch" "$T/free/touch" "$T/markers" > "$T/race.out" &
race_pid=$!
sleep 0.3

# kill -9: nothing of embargod runs, the pinned programs do.
kill -KILL "$daemon_pid"
wait "$daemon_pid" 2> /dev/null
daemon_pid=""
sleep 0.3
expect_denied killed "after kill -9 of embargod, the banned program is still denied"
expect_denied killed "...and again"
log_before=$(count_log '"verdict":"deny"')

# A new embargod takes over: no window.
daemon_start "$T" --policy "$T/p.policy" --tier "$tier" --state "$T/state"
check "a new embargod starts on the pins" grep -q "^embargod: ready tier=$tier" "$T/daemon.out"
check "...and says it took over" grep -q "took over from the earlier embargod" "$T/daemon.err"
check "status: taken over" sh -c "embargo --control '$T/ctl.sock' status | grep -q 'taken over'"
expect_denied adopted "the new embargod denies the banned program"
log_wait_lines '"event":"takeover"' 1
check "the log has a takeover record" grep -q '"event":"takeover"' "$T/events.jsonl"
# What the pinned programs denied while no embargod ran is logged by the new one.
sleep 0.5
log_after=$(count_log '"verdict":"deny"')
check "the denials without embargod were logged by the new one ($log_before -> $log_after)" \
	[ "$log_after" -ge $((log_before + 2)) ]
check "the log's chain verifies across the crash" \
	sh -c "embargo log verify --allow-continued --no-anchor '$T/events.jsonl' > /dev/null"

# SIGTERM: embargod stops, enforcement does not.
kill -TERM "$daemon_pid"
wait "$daemon_pid"
daemon_status=$?
daemon_pid=""
check "SIGTERM: embargod exits 0" [ "$daemon_status" -eq 0 ]
check "...saying the pinned programs go on" grep -q "go on enforcing" "$T/daemon.err"
expect_denied stopped "after SIGTERM the banned program is still denied"
daemon_start "$T" --policy "$T/p.policy" --tier "$tier" --state "$T/state"
check "embargod starts again and takes over" grep -q "took over" "$T/daemon.err"

touch "$T/stop"
wait "$race_pid"
race_pid=""
echo "# $(cat "$T/race.out")"
eval "$(tr ' ' '\n' < "$T/race.out" | grep '^[a-z_]*=[0-9]*$')"
check "banned execs were tried throughout (${banned_attempts:-0})" [ "${banned_attempts:-0}" -gt 0 ]
check "not one ran while embargod was killed, stopped and restarted (${banned_ran:-?} ran)" \
	[ "${banned_ran:-1}" -eq 0 ]
check "no marker of the banned program exists" sh -c "! ls '$T/markers' | grep -q '^banned'"
check "every allowed exec ran (${allowed_ran:-?} of ${allowed_attempts:-?})" \
	[ "${allowed_ran:-0}" -eq "${allowed_attempts:--1}" ]

# embargo unload: everything goes.
embargo --control "$T/ctl.sock" unload > "$T/unload.out" 2>&1
check "embargo unload succeeds" grep -q "^unloaded: $pins" "$T/unload.out"
wait "$daemon_pid"
daemon_status=$?
daemon_pid=""
check "embargod exits 0 after unload" [ "$daemon_status" -eq 0 ]
check "the pin directory is gone" [ ! -e "$pins" ]
got=$(result_of unloaded)
check "after unload the banned program runs ($got)" [ "$got" = "exit=0" ]
check "the log has an unload record by uid 0" grep -q '"event":"unload","uid":0' "$T/events.jsonl"

# With trusted keys: a signed, unexpired token for this host, and nothing else.
embargo keygen "$T/admin.key" > /dev/null && embargo keygen "$T/other.key" > /dev/null
embargo sign --key "$T/admin.key" "$T/p.policy" > /dev/null
rm -rf "$T/state"
daemon_start "$T" --policy "$T/p.policy" --tier "$tier" --state "$T/state" \
	--trusted-key "$T/admin.key.pub"
check "embargod starts with a trusted key" grep -q "^embargod: ready" "$T/daemon.out"
host=$(uname -n)

# refused_unload NAME MESSAGE [ARGS]: the unload is refused with MESSAGE; still enforced.
refused_unload() {
	name=$1
	msg=$2
	shift 2
	embargo --control "$T/ctl.sock" unload "$@" > "$T/u.$name" 2>&1
	rc=$?
	if [ $rc -eq 1 ] && grep -q "$msg" "$T/u.$name"; then
		ok "unload $name: refused ($msg)"
	else
		not_ok "unload $name: refused ($msg)" "exit $rc: $(cat "$T/u.$name")"
	fi
	expect_denied "$name" "...and the banned program is still denied"
}

refused_unload without_token "a signed unload token is needed"
embargo unload token --host "$host" "$T/unsigned.token" > /dev/null
printf 'not a signature\n' > "$T/unsigned.token.sig"
refused_unload unsigned "malformed signature" --token "$T/unsigned.token"
embargo unload token --host "$host" "$T/forged.token" > /dev/null
embargo sign --key "$T/other.key" "$T/forged.token" > /dev/null
refused_unload forged "bad signature" --token "$T/forged.token"
embargo unload token --host "not-$host" "$T/elsewhere.token" > /dev/null
embargo sign --key "$T/admin.key" "$T/elsewhere.token" > /dev/null
refused_unload other_host "it is for host not-$host" --token "$T/elsewhere.token"
printf 'embargo unload token\nhost: %s\nexpires: 2001-01-01T00:00:00Z\n' "$host" > "$T/old.token"
embargo sign --key "$T/admin.key" "$T/old.token" > /dev/null
refused_unload expired "expired at 2001-01-01" --token "$T/old.token"
cp "$T/old.token" "$T/edited.token"
cp "$T/old.token.sig" "$T/edited.token.sig"
printf 'embargo unload token\nhost: %s\nexpires: 2099-01-01T00:00:00Z\n' "$host" > "$T/edited.token"
refused_unload edited "bad signature" --token "$T/edited.token"

embargo unload token --host "$host" --valid 600 "$T/good.token" > /dev/null
embargo sign --key "$T/admin.key" "$T/good.token" > /dev/null
embargo --control "$T/ctl.sock" unload --token "$T/good.token" > "$T/u.good" 2>&1
check "a signed token for this host unloads" grep -q "^unloaded: " "$T/u.good"
wait "$daemon_pid"
daemon_pid=""
got=$(result_of signed_unload)
check "...and the banned program runs ($got)" [ "$got" = "exit=0" ]
check "the unload record names the signer" \
	grep -q '"event":"unload","uid":0,"signer":"' "$T/events.jsonl"

done_testing
