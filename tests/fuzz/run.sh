#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Runs the libFuzzer harnesses built by make (build/fuzz/fuzz_NAME), each for a bounded time, on a
# copy of its seed corpus (tests/fuzz/corpus/NAME, never written) in build/fuzz/corpus/NAME, where
# what it finds accumulates from run to run.
#   tests/fuzz/run.sh [--seconds N] [--tap] [NAME...]   (default: 60 s, every harness built)
# Prints one line per harness, "fuzz/NAME: N executions in S s, no crash", or what went wrong and
# the input that did it (kept in build/fuzz/artifacts/NAME/); exits non-zero when any failed.
# --tap prefixes each line with "ok - " or "not ok - ", for tests/run.
set -uo pipefail

cd "$(dirname "$0")/../.." || exit 2
build=${OUTPUT:-build}
seconds=60
tap=
while [ $# -gt 0 ]; do
	case $1 in
	--seconds)
		seconds=${2:?--seconds takes a number}
		shift 2
		;;
	--tap)
		tap=1
		shift
		;;
	-*)
		echo "usage: $0 [--seconds N] [--tap] [NAME...]" >&2
		exit 2
		;;
	*) break ;;
	esac
done

names=("$@")
if [ ${#names[@]} -eq 0 ]; then
	for src in tests/fuzz/fuzz_*.c; do
		src=${src##*/fuzz_}
		names+=("${src%.c}")
	done
fi

# say OK|FAIL TEXT: one result line.
say() {
	local prefix=
	if [ -n "$tap" ]; then
		prefix="ok - "
		[ "$1" = FAIL ] && prefix="not ok - "
	fi
	echo "$prefix$2"
}

failed=0
for name in "${names[@]}"; do
	bin=$build/fuzz/fuzz_$name
	work=$build/fuzz/corpus/$name
	artifacts=$build/fuzz/artifacts/$name
	log=$build/fuzz/$name.log
	if [ ! -x "$bin" ]; then
		say FAIL "fuzz/$name: $bin is not built (make fuzz builds it)"
		failed=$((failed + 1))
		continue
	fi
	mkdir -p "$work" "$artifacts"
	if [ -d "tests/fuzz/corpus/$name" ]; then
		cp -- "tests/fuzz/corpus/$name"/* "$work"/
	fi
	opts=(-max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1
		-artifact_prefix="$artifacts/")
	[ -f "tests/fuzz/$name.dict" ] && opts+=(-dict="tests/fuzz/$name.dict")
	# Policy lines and log lines have limits past libFuzzer's default 4 KiB: room to cross them.
	case $name in
	policy | logchain | logquery) opts+=(-max_len=9000) ;;
	esac

	"$bin" "${opts[@]}" "$work" > "$log" 2>&1 < /dev/null
	rc=$?
	done_line=$(grep -E '^Done [0-9]+ runs in [0-9]+ second' "$log" | tail -n 1)
	if [ "$rc" -eq 0 ] && [ -n "$done_line" ]; then
		runs=$(echo "$done_line" | awk '{ print $2 }')
		secs=$(echo "$done_line" | awk '{ print $5 }')
		say OK "fuzz/$name: $runs executions in $secs s, no crash"
		continue
	fi
	failed=$((failed + 1))
	runs=$(grep -E '^stat::number_of_executed_units:' "$log" | awk '{ print $2 }' | tail -n 1)
	what=$(grep -E '^(==[0-9]+==ERROR: |SUMMARY: |.*invariant broken)' "$log" | head -n 1)
	input=$(grep -oE 'Test unit written to [^ ]+' "$log" | tail -n 1 | sed 's/^Test unit written to //')
	say FAIL "fuzz/$name: failed (exit $rc) after ${runs:-?} executions: ${what:-see $log}"
	echo "# input: ${input:-none written}; reproduce: $bin ${input:-}"
	echo "# log: $log; its end:"
	tail -n 40 "$log" | sed 's/^/#   /'
done
[ "$failed" -eq 0 ]
