#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Scripts in the lsm tier (inside the VM): a script that lies in a denied tree is refused even
# though its interpreter is allowed. The kernel checks the script itself before it hands it to
# the interpreter; the tracepoint tier only sees the interpreter, so this is lsm-only.
set -u

here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/tap.sh"
. "$here/../lib/daemon.sh"

try_exec=${EMBARGO_TRY_EXEC:-try_exec}
T=$(mktemp -d "${TMPDIR:-/tmp}/embargo-script.XXXXXX")
trap 'daemon_stop; rm -rf "$T"' EXIT

mkdir -p "$T/banned" "$T/free"
for d in banned free; do
	# shellcheck disable=SC2016 # $1 is for the script, not for us
	printf '#!/bin/sh\ntouch "$1"\n' > "$T/$d/run.sh"
	chmod 755 "$T/$d/run.sh"
done

echo "deny exec dir=$T/banned key=test-script" > "$T/test.policy"
daemon_start "$T" --policy "$T/test.policy" --tier lsm
check "embargod is ready in the lsm tier" grep -q '^embargod: ready tier=lsm' "$T/daemon.out"

out=$("$try_exec" "$T/banned/run.sh" "$T/marker.banned")
case $out in
*" errno=EPERM") ok "a script in a denied tree is refused with EPERM" ;;
*) not_ok "a script in a denied tree is refused with EPERM" "got: $out" ;;
esac
check "the denied script did not run" [ ! -e "$T/marker.banned" ]
out=$("$try_exec" "$T/free/run.sh" "$T/marker.free")
check "the same script elsewhere runs" sh -c "[ '${out#* * }' = 'exit=0' ] && [ -e '$T/marker.free' ]"

log_wait_lines '"verdict":"deny"' 1
line=$(grep '"verdict":"deny"' "$T/events.jsonl")
case $line in
*"\"comm\":\"run.sh\""*"\"path\":\"$T/banned/run.sh\""*) ok "the log names the script" ;;
*) not_ok "the log names the script" "line: $line" ;;
esac

done_testing
