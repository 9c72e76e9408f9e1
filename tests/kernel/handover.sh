#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# embargo fileinfo and scan on files that path= open rules deny, with embargod running, in
# either tier:
#   EMBARGO_TIER=tracepoint  they read the files through a read-only descriptor embargod hands
#                            over (its own opens pass its fanotify group), and report the
#                            content hash, the exec verdict it decides and the open verdict
#   EMBARGO_TIER=lsm         the kernel decides embargod's opens too: embargod refuses, and
#                            they say plainly that the file is open-denied
# Either way embargo's own open is never tried, so the log never gets a denied open by
# comm=embargo. A member of --admin-group gets a descriptor only of a file whose modes let it
# read it. Every rule names only files this test creates on a tmpfs it mounts under a fresh
# temporary directory, and embargod marks only that tmpfs (--fanotify-scope).
# Needs root, mount (tmpfs), embargod and embargo on PATH, and run_as (EMBARGO_TEST_BIN, or
# beside EMBARGO_TRY_EXEC).
set -u

here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/tap.sh"
. "$here/../lib/daemon.sh"

tier=${EMBARGO_TIER:?set EMBARGO_TIER to lsm or tracepoint}
try_exec=${EMBARGO_TRY_EXEC:-try_exec}
case $try_exec in /*) ;; *) try_exec=$(command -v "$try_exec") ;; esac
bin=${EMBARGO_TEST_BIN:-$(dirname "$try_exec")}

T=$(mktemp -d "${TMPDIR:-/tmp}/embargo-handover.XXXXXX")
T=$(cd "$T" && pwd -P)
FS=$T/fs
mounted_fs=""
cleanup() {
	daemon_stop
	if [ -n "$mounted_fs" ]; then umount "$FS"; fi
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' HUP INT TERM
# The admin-group user must reach the socket, the policy and the files in here.
chmod 711 "$T"

# Every open below waits for embargod's answer: never wait for it forever.
limit() {
	if command -v timeout > /dev/null; then timeout 60 "$@"; else "$@"; fi
}

mkdir -p "$FS"
if ! mount -t tmpfs -o size=16m,mode=0755 embargo-test "$FS"; then
	not_ok "mount a tmpfs for the test's files" "nothing else is safe to mark: giving up"
	done_testing
	exit 1
fi
mounted_fs=1

mkdir -p "$FS/secret" "$FS/shared"
printf 'embargo handover test %s: secret\n' "$T" > "$FS/secret/secret.bin"
chmod 600 "$FS/secret/secret.bin"
printf 'embargo handover test %s: shared\n' "$T" > "$FS/shared/shared.bin"
chmod 644 "$FS/shared/shared.bin"
sha=$(sha256sum "$FS/secret/secret.bin" | cut -c1-64)
shared_sha=$(sha256sum "$FS/shared/shared.bin" | cut -c1-64)
{
	echo "mode enforce"
	echo "deny open path=$FS/secret/secret.bin key=ho-secret"
	echo "deny open path=$FS/shared/shared.bin key=ho-shared"
	echo "deny exec sha256=$sha key=ho-sha"
} > "$T/test.policy"
chmod 644 "$T/test.policy"

if ! daemon_start "$T" --policy "$T/test.policy" --tier "$tier" --fanotify-scope "$FS" \
	--admin-group 4242; then
	not_ok "embargod starts"
	done_testing
	exit 1
fi
ok "embargod is ready in the $tier tier"

# The rule is in force: anyone's open fails.
out=$(limit cat "$FS/secret/secret.bin" 2>&1)
case $? in
0) not_ok "cat of the open-denied file fails" "read: $out" ;;
*)
	case $out in
	*'Operation not permitted'*) ok "cat of the open-denied file fails with EPERM" ;;
	*) not_ok "cat of the open-denied file fails with EPERM" "cat said: $out" ;;
	esac
	;;
esac

ctl="--control $T/ctl.sock"
# shellcheck disable=SC2086 # ctl is two words
limit embargo $ctl --json fileinfo "$FS/secret/secret.bin" > "$T/fi.json" 2> "$T/fi.err"
has() {
	check "fileinfo --json: $1" grep -qF "$2" "$T/fi.json"
}
has "the open verdict is deny" '"open_verdict":"deny","open_rule":"'"$T"'/test.policy:2","open_key":"ho-secret"'
if [ "$tier" = tracepoint ]; then
	has "the content hash, read through embargod" "\"sha256\":\"$sha\""
	has "...said so" '"read_via":"embargod"'
	has "the exec verdict: denied by its content" '"verdict":"deny","rule":"'"$T"'/test.policy:4","key":"ho-sha"'
else
	has "not read: open-denied, said so" '"open_denied":true'
	if grep -q '"sha256"' "$T/fi.json"; then
		not_ok "no content hash where nothing was read" "$(cat "$T/fi.json")"
	else
		ok "no content hash where nothing was read"
	fi
fi
# shellcheck disable=SC2086 # ctl is two words
limit embargo $ctl fileinfo "$FS/secret/secret.bin" > "$T/fi.txt" 2>&1
check "fileinfo shows the open verdict" grep -qx 'open:     deny' "$T/fi.txt"
check "...and the open rule" grep -q "^open by:  $T/test.policy:2 (deny open path=" "$T/fi.txt"
if [ "$tier" = tracepoint ]; then
	check "fileinfo shows the content hash" grep -qx "sha256:   $sha" "$T/fi.txt"
	check "...and the exec verdict" grep -qx 'verdict:  deny' "$T/fi.txt"
else
	check "fileinfo says the file is open-denied" \
		grep -q "^sha256:   unknown (not read: the policy's open rules deny opening it" "$T/fi.txt"
fi

# scan, with embargod's policy: the sha256= finding of the open-denied file.
# shellcheck disable=SC2086 # ctl is two words
limit embargo $ctl --json scan --no-cache --no-processes "$FS" > "$T/scan.json" 2> "$T/scan.err"
if [ "$tier" = tracepoint ]; then
	check "scan finds the open-denied file by its content" grep -qF \
		"{\"path\":\"$FS/secret/secret.bin\",\"op\":\"exec\",\"verdict\":\"deny\",\"key\":\"ho-sha\",\"by\":\"sha256\"" \
		"$T/scan.json"
	check "...with its hash" grep -qF "\"sha256\":\"$sha\"" "$T/scan.json"
	check "...and nothing it could not read" grep -qF '"errors":0,' "$T/scan.json"
else
	check "scan says the open-denied file was not read" grep -qF \
		"{\"path\":\"$FS/secret/secret.bin\",\"error\":\"Operation not permitted\",\"open_ruled\":true}" \
		"$T/scan.json"
fi
check "scan lists the open rules' findings" grep -qF \
	"{\"path\":\"$FS/secret/secret.bin\",\"op\":\"open\",\"verdict\":\"deny\",\"key\":\"ho-secret\"" \
	"$T/scan.json"

# A member of the admin group: a descriptor of a file its modes let it read, none of another.
embargo=$(command -v embargo)
# shellcheck disable=SC2086 # ctl is two words
limit "$bin/run_as" 65534 4242 "$embargo" $ctl --json fileinfo "$FS/shared/shared.bin" \
	> "$T/admin-shared.json" 2>&1
# shellcheck disable=SC2086 # ctl is two words
limit "$bin/run_as" 65534 4242 "$embargo" $ctl --json fileinfo "$FS/secret/secret.bin" \
	> "$T/admin-secret.json" 2>&1
if [ "$tier" = tracepoint ]; then
	check "the admin group reads a file its modes allow, through embargod" \
		grep -qF "\"sha256\":\"$shared_sha\"" "$T/admin-shared.json"
fi
check "the admin group gets no descriptor of a file its modes forbid" \
	sh -c "! grep -q '\"sha256\"' '$T/admin-secret.json' &&
		grep -q '\"open_verdict\":\"deny\"' '$T/admin-secret.json'"
# shellcheck disable=SC2086 # ctl is two words
limit "$bin/run_as" 65534 4242 "$embargo" $ctl --json scan --no-cache --no-processes \
	"$FS/secret" > "$T/admin-scan.json" 2>&1
check "the admin group's scan lists the file it may not read once, as open-ruled" \
	sh -c "[ \$(grep -o '\"open_ruled\":true' '$T/admin-scan.json' | wc -l) -eq 1 ] &&
		grep -qF '{\"path\":\"$FS/secret/secret.bin\",\"error\":' '$T/admin-scan.json'"

# A denial after all of them, logged after theirs would be: then none of theirs is there.
limit cat "$FS/secret/secret.bin" > /dev/null 2>&1
log_wait_lines '"comm":"cat"' 2
check "both cat opens are logged as denied" \
	sh -c "[ \$(grep '\"event\":\"open\"' '$T/events.jsonl' | grep -c '\"comm\":\"cat\"') -eq 2 ]"
n=$(grep -c '"comm":"embargo"' "$T/events.jsonl")
if [ "$n" -eq 0 ]; then
	ok "the log has no denied open by comm=embargo"
else
	not_ok "the log has no denied open by comm=embargo" \
		"$(grep '"comm":"embargo"' "$T/events.jsonl")"
fi
if [ "$tier" = tracepoint ]; then
	check "embargod's own opens are not logged either" \
		sh -c "! grep -q '\"comm\":\"embargod\"' '$T/events.jsonl'"
fi

daemon_stop
check "embargod exits 0 after unload" [ "$daemon_status" -eq 0 ]
done_testing
