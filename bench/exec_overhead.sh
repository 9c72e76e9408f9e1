#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Exec overhead: fork + exec + wait of a static no-op, without embargod and with embargod
# enforcing 10, 10,000 and 100,000 rules (half path=, half dir=; none matches the no-op, so
# every exec walks its whole path), and with sha256= rules (none matching the no-op's
# content, so every exec needs its hash: after the first, from the cache). Configurations
# alternate within each round and the order flips every round, so drift of a noisy machine
# falls on all of them alike; the table gives the median over rounds of each run's median,
# and its ratio to no embargod.
#   BENCH_TIER=lsm|tracepoint  BENCH_RULES="10 10000 100000"  BENCH_SHA_RULES="10000"
#   BENCH_N=2000  BENCH_ROUNDS=5  BENCH_BIN=dir of exec_loop, noop, mkrules (embargod on PATH)
set -u

tier=${BENCH_TIER:?set BENCH_TIER}
rules=${BENCH_RULES:-10 10000 100000}
sha_rules=${BENCH_SHA_RULES-10000}
n=${BENCH_N:-2000}
rounds=${BENCH_ROUNDS:-5}
bin=${BENCH_BIN:?set BENCH_BIN}

T=$(mktemp -d "${TMPDIR:-/tmp}/embargo-bench.XXXXXX")
pid=""
mounted=""
cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid"
	[ -n "$mounted" ] && umount "$T/bin"
	rm -rf "$T"
}
trap cleanup EXIT
mkdir -p "$T/bin"
# The tracepoint tier checks content with fanotify on the file systems it is told to: the
# no-op gets a tmpfs of its own, so the bench never marks the machine's own file systems.
scope=""
if [ "$tier" = tracepoint ] && [ -n "$sha_rules" ]; then
	mount -t tmpfs bench "$T/bin" && mounted=1 || exit 1
	scope="--fanotify-scope $T/bin"
fi
cp "$bin/noop" "$T/bin/noop"

for k in $rules; do
	mkdir -p "$T/rules$k"
	"$bin/mkrules" "$T/rules$k" "$k" > "$T/rules$k.policy" || exit 1
done
# sha256= rules: digests of no file here (a counter), so nothing matches.
for k in $sha_rules; do
	awk -v n="$k" 'BEGIN { for (i = 0; i < n; i++) printf "deny exec sha256=5eed%052d%08x key=bench\n", 0, i }' \
		> "$T/rulessha$k.policy"
done

# Milliseconds since boot: busybox date has no %N.
now_ms() {
	awk '{ printf "%d\n", $1 * 1000 }' /proc/uptime
}

# run_config K ROUND: one measurement; K=0 is without embargod. Exits the bench on failure.
run_config() {
	load=""
	if [ "$1" != 0 ]; then
		# The previous run's ready line must not be taken for this one's.
		rm -f "$T/daemon.out" "$T/daemon.err"
		start=$(now_ms)
		# shellcheck disable=SC2086 # scope is empty or an option and its argument
		# --no-pin: "no embargod" must mean no programs, and pinning costs no exec anything.
		embargod --tier "$tier" --policy "$T/rules$1.policy" --log "$T/events.jsonl" \
			--control "$T/ctl.sock" --no-pin $scope > "$T/daemon.out" 2> "$T/daemon.err" &
		pid=$!
		i=0
		until grep -q '^embargod: ready' "$T/daemon.out" 2>/dev/null; do
			if ! kill -0 "$pid" 2>/dev/null || [ $i -ge 6000 ]; then
				echo "bench: embargod did not start:" >&2
				cat "$T/daemon.err" >&2
				exit 1
			fi
			sleep 0.05
			i=$((i + 1))
		done
		load=$(($(now_ms) - start))
	fi
	if ! result=$("$bin/exec_loop" "$n" "$T/bin/noop"); then
		echo "bench: exec_loop failed" >&2
		exit 1
	fi
	hashes="-"
	if [ -n "$pid" ]; then
		# How the no-op's hash was had: computed, or taken from a cache (sha256= rows).
		st=$(embargo --control "$T/ctl.sock" status --json)
		if [ "$tier" = lsm ]; then
			obj=$(echo "$st" | sed -n 's/.*"counters":{\([^}]*\)}.*/\1/p')
			h=$(echo "$obj" | sed -n 's/.*"hashed":\([0-9]*\).*/\1/p')
			c=$(echo "$obj" | sed -n 's/.*"hash_cached":\([0-9]*\).*/\1/p')
		else
			obj=$(echo "$st" | sed -n 's/.*"fanotify":{\([^}]*\)}.*/\1/p')
			h=$(echo "$obj" | sed -n 's/.*"hashed":\([0-9]*\).*/\1/p')
			c=$(echo "$obj" | sed -n 's/.*"cache_hits":\([0-9]*\).*/\1/p')
		fi
		hashes="${h:-0}/${c:-0}"
		kill "$pid"
		wait "$pid"
		pid=""
	fi
	echo "bench: tier=$tier rules=$1 round=$2 $result load_ms=${load:-0} hashes=$hashes" >> "$T/results"
	tail -n 1 "$T/results"
}

configs="0 $rules"
for k in $sha_rules; do configs="$configs sha$k"; done
reversed=$(echo "$configs" | tr ' ' '\n' | sed '1!G;h;$!d' | tr '\n' ' ')
r=1
while [ $r -le "$rounds" ]; do
	if [ $((r % 2)) -eq 1 ]; then order=$configs; else order=$reversed; fi
	for k in $order; do
		run_config "$k" "$r"
	done
	r=$((r + 1))
done

# The table: median of the rounds' medians per configuration, and its ratio to no embargod.
echo
echo "exec overhead, $tier tier: fork+exec+wait of a static no-op, $n per run, median of $rounds rounds"
awk '
/^bench:/ {
	for (i = 2; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = kv[2] }
	k = f["rules"]; c[k]++; m[k, c[k]] = f["median_ns"]; l[k] = f["load_ms"]; hs[k] = f["hashes"]
	if (!(k in seen)) { seen[k] = 1; order[++no] = k }
}
function median(k,    i, j, t, v) {
	for (i = 1; i <= c[k]; i++) v[i] = m[k, i]
	for (i = 1; i <= c[k]; i++) for (j = i + 1; j <= c[k]; j++) if (v[j] < v[i]) { t = v[i]; v[i] = v[j]; v[j] = t }
	return v[int((c[k] + 1) / 2)]
}
END {
	base = median("0")
	printf "| rules loaded | median exec (us) | ratio to no embargod | policy load (ms) | hashed / from cache |\n"
	printf "|---:|---:|---:|---:|---:|\n"
	for (o = 1; o <= no; o++) {
		k = order[o]; v = median(k)
		name = k == "0" ? "no embargod" : k ~ /^sha/ ? substr(k, 4) " sha256=" : k " path=/dir="
		printf "| %s | %.1f | %.3f | %s | %s |\n", name, v / 1000, v / base, (k == "0" ? "-" : l[k]), (k ~ /^sha/ ? hs[k] : "-")
	}
}' "$T/results"
