#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# One tier's benchmarks, every configuration measured in the same run: without any blocker,
# with embargod enforcing 10, 10,000 and 100,000 rules (bench/mkrules: path=, dir= and
# sha256= mixed, open rules among them, none matching what the bench runs or opens), and with
# fapolicyd enforcing the 10-rule set (BENCH_FAPOLICYD; this machine only). Each measurement
# runs every workload once:
#   exec   fork + exec + wait of a static no-op, BENCH_N times (median)
#   mmap   mmap(PROT_EXEC) + munmap of an allowed file, BENCH_M times (median)
#   open   open + close of an allowed file, BENCH_M times (median)
#   make   make -j2 of bench/project from clean (BENCH_PROJECT; the toolchain on PATH)
#   spawn  bench/spawn.sh: a shell loop starting 4 short processes a turn, BENCH_SPAWN turns
# Configurations alternate within a round and the order flips every round, so a noisy
# machine's drift falls on all of them alike; the tables give the median over rounds and its
# ratio to no blocker. Then, with embargod only: a push of 100,000 rules over 10 and the
# longest exec while it is applied, denied execs per second with every one logged, and
# embargod's memory.
#   BENCH_TIER=lsm|tracepoint  BENCH_BIN=dir of loop, noop, mkrules, timeit, exec_many
#   BENCH_RULES="10 10000 100000" BENCH_N=10000 BENCH_M=100000 BENCH_ROUNDS=5 BENCH_SPAWN=250
#   BENCH_PROJECT=dir  BENCH_BURST=20000  BENCH_FAPOLICYD=cache dir (bench/fapolicyd.sh)
#   BENCH_EMULATED=1: under software emulation, where absolute times are not judged
# embargod and embargo on PATH; bpftool too, for the maps' memory.
set -u

tier=${BENCH_TIER:?set BENCH_TIER}
bin=${BENCH_BIN:?set BENCH_BIN}
rules=${BENCH_RULES:-10 10000 100000}
n=${BENCH_N:-10000}
m=${BENCH_M:-100000}
rounds=${BENCH_ROUNDS:-5}
spawn=${BENCH_SPAWN:-250}
project=${BENCH_PROJECT:-}
burst=${BENCH_BURST:-20000}
fapolicyd=${BENCH_FAPOLICYD:-}
here=$(cd "$(dirname "$0")" && pwd)

# The tables. Each configuration's value is the median over the rounds; its ratio is the
# median over the rounds of its ratio to no blocker in the same round (measured minutes
# apart at most), which a machine whose speed drifts over the run disturbs less.
tables() {
	awk -v tier="$tier" -v emulated="${BENCH_EMULATED:-0}" '
function kv(    i, p) { delete f; for (i = 2; i <= NF; i++) { split($i, p, "="); f[p[1]] = p[2] } }
/^bench: tier=/ {
	kv(); k = f["config"]; r = f["round"]; rs[r] = 1
	if (!(k in seen)) { seen[k] = 1; order[++no] = k }
	split("exec_ns mmap_ns open_ns make_ns spawn_ns load_ms rss_kb hwm_kb maps_b", names, " ")
	for (j in names) v[k, names[j], r] = f[names[j]]
}
/^bench: reload/ { kv(); for (x in f) rl[x] = f[x] }
/^bench: idle/ { kv(); for (x in f) id[x] = f[x] }
/^bench: events/ { kv(); for (x in f) ev[x] = f[x] }
function sortmed(a, m,    i, j, t) {
	for (i = 1; i <= m; i++) for (j = i + 1; j <= m; j++) if (a[j] + 0 < a[i] + 0) { t = a[i]; a[i] = a[j]; a[j] = t }
	return m ? (m % 2 ? a[(m + 1) / 2] : (a[m / 2] + a[m / 2 + 1]) / 2) : 0
}
# median over rounds of the value, of its ratio to none, of its difference from none
function median(k, name,    r, a, m) { m = 0; for (r in rs) if ((k, name, r) in v) a[++m] = v[k, name, r]; return sortmed(a, m) }
function ratio(k, name,    r, a, m) { m = 0; for (r in rs) if (((k, name, r) in v) && v["none", name, r] > 0) a[++m] = v[k, name, r] / v["none", name, r]; return sortmed(a, m) }
function added(k, name,    r, a, m) { m = 0; for (r in rs) if ((k, name, r) in v) a[++m] = v[k, name, r] - v["none", name, r]; return sortmed(a, m) }
function label(k) { return k == "none" ? "no blocker" : k == "none2" ? "no blocker, again (the noise floor)" : k == "fapolicyd" ? "fapolicyd, 10 rules" : "embargod, " k " rules" }
function cell(k, name, div, fmt) {
	if (median("none", name) + 0 == 0) return "- | -"
	return sprintf(fmt " | %.3f", median(k, name) / div, ratio(k, name))
}
function pct(k, name) { return (ratio(k, name) - 1) * 100 }
# A square root by Newton: busybox awk may be built without math functions.
function root(x,    r, i) { r = x > 1 ? x : 1; for (i = 0; i < 30; i++) r = (r + x / r) / 2; return r }
# The noise floor of a median ratio, in percent: the larger of how far the baseline measured
# twice came apart (its own median ratio), and what the rounds disagree by (the median of their
# disagreements) shrunk as a median of that many rounds is (1.25 / sqrt(rounds)).
function noise(name,    r, a, m, x, y) {
	m = 0
	for (r in rs) if ((("none2", name, r) in v) && v["none", name, r] > 0) {
		x = (v["none2", name, r] / v["none", name, r] - 1) * 100
		a[++m] = x < 0 ? -x : x
	}
	if (!m) return 0
	x = sortmed(a, m) * 1.25 / root(m)
	y = pct("none2", name); y = y < 0 ? -y : y
	return x > y ? x : y
}
function verdict(what, name, limit,    p, n, says) {
	p = pct(big, name); n = noise(name)
	if (p > limit && p > n) says = "missed"
	else if (p > limit) says = "not measurable here: below the noise floor"
	else if (n > limit) says = "no overhead measured, but this run cannot resolve the target (its noise floor is above it)"
	else says = "met"
	printf "- %s: %s (%+.1f%%; noise floor of this run %.1f%%)\n", what, says, p, n
}
END {
	for (r in rs) rounds++
	printf "\nworkloads, %s tier: median of %d rounds; ratio to no blocker in the same round\n", tier, rounds
	printf "| configuration | exec (us) | ratio | mmap (ns) | ratio | open (ns) | ratio | make -j2 (ms) | ratio | spawn (ms) | ratio |\n"
	printf "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n"
	for (o = 1; o <= no; o++) {
		k = order[o]
		printf "| %s | %s | %s | %s | %s | %s |\n", label(k), cell(k, "exec_ns", 1000, "%.1f"),
			cell(k, "mmap_ns", 1, "%.0f"), cell(k, "open_ns", 1, "%.0f"),
			cell(k, "make_ns", 1000000, "%.0f"), cell(k, "spawn_ns", 1000000, "%.0f")
	}
	printf "\nadded exec latency, %s tier: median over rounds of exec minus no blocker in the same round\n", tier
	for (o = 1; o <= no; o++) {
		k = order[o]; if (k == "none") continue
		d[k] = added(k, "exec_ns")
		printf "- %s: %+.1f us\n", label(k), d[k] / 1000
	}
	big = 0
	for (o = 1; o <= no; o++) if (order[o] ~ /^[0-9]+$/ && order[o] + 0 > big) big = order[o] + 0
	if ("fapolicyd" in seen) {
		for (o = 1; o <= no; o++) {
			k = order[o]; if (k !~ /^[0-9]+$/) continue
			fl = d["none2"] < 0 ? -d["none2"] : d["none2"]
			if (d[k] > fl)
				printf "- fapolicyd adds %.1fx the latency embargod with %s rules adds\n", d["fapolicyd"] / d[k], k
			else
				printf "- embargod with %s rules adds no latency above the noise floor (%+.1f us, floor %.1f us); fapolicyd adds %.1f us\n", k, d[k] / 1000, fl / 1000, d["fapolicyd"] / 1000
		}
	}
	printf "\nmemory and policy load, %s tier: median of %d rounds\n", tier, rounds
	printf "| configuration | policy load (ms) | embargod resident (MiB) | embargod peak resident (MiB) | BPF maps (MiB) |\n"
	printf "|---|---:|---:|---:|---:|\n"
	for (o = 1; o <= no; o++) {
		k = order[o]; if (k !~ /^[0-9]+$/) continue
		printf "| %s | %d | %.1f | %.1f | %.1f |\n", label(k), median(k, "load_ms"), median(k, "rss_kb") / 1024,
			median(k, "hwm_kb") / 1024, median(k, "maps_b") / 1048576
	}
	printf "\nreload and events, %s tier\n", tier
	printf "| measure | result |\n|---|---:|\n"
	printf "| push of %d rules over 10, until in force (ms) | %d |\n", rl["rules"], rl["push_ms"]
	printf "| rules in force after the push | %d |\n", rl["in_force"]
	printf "| longest exec while the push was applied (us) | %.1f |\n", rl["push_max_ns"] / 1000
	printf "| longest exec in as long without a push (us) | %.1f |\n", id["max_ns"] / 1000
	printf "| median exec while the push was applied (us) | %.1f |\n", rl["push_median_ns"] / 1000
	printf "| denied execs per second | %d |\n", (ev["ms"] > 0 ? ev["denied"] * 1000 / ev["ms"] : 0)
	printf "| denied / logged / dropped | %d / %d / %s |\n", ev["denied"], ev["logged"], ev["dropped"]

	# The targets, each with what this run measured.
	printf "\ntargets, %s tier (embargod with %d rules against no blocker)\n", tier, big
	verdict("exec overhead under 1%", "exec_ns", 1)
	verdict("mmap(PROT_EXEC) overhead under 1%", "mmap_ns", 1)
	verdict("open/close overhead under 3%", "open_ns", 3)
	if ("fapolicyd" in seen) {
		# What embargod adds is only known to within the baseline measured twice.
		fl = d["none2"] < 0 ? -d["none2"] : d["none2"]
		if (d[big] > fl && d["fapolicyd"] / d[big] >= 20)
			says = sprintf("met (%.1fx", d["fapolicyd"] / d[big])
		else if (d[big] > fl)
			says = sprintf("missed (%.1fx", d["fapolicyd"] / d[big])
		else if (fl == 0 || d["fapolicyd"] / fl >= 20)
			says = "met (embargod adds nothing above the noise floor"
		else
			says = sprintf("not measurable here: embargod adds nothing above the noise floor, and fapolicyd only %.1fx that floor", d["fapolicyd"] / fl)
		printf "- at least 20x less added exec latency than fapolicyd: %s; fapolicyd %+.1f us, embargod %+.1f us, noise floor %.1f us)\n", says, d["fapolicyd"] / 1000, d[big] / 1000, fl / 1000
	}
	if (emulated)
		printf "- reload of %d rules under 1 s: not judged here: software emulation (%d ms)\n", rl["rules"], rl["push_ms"]
	else
		printf "- reload of %d rules under 1 s: %s (%d ms)\n", rl["rules"], (rl["push_ms"] < 1000 ? "met" : "missed"), rl["push_ms"]
	# An exec that waited on the reload is one as long as a good part of it, and longer
	# than anything the machine did without a reload.
	waited = rl["push_max_ns"] > rl["push_ms"] * 500000 && rl["push_max_ns"] > 2 * id["max_ns"]
	printf "- no exec waits on a reload: %s (longest exec %.1f ms during the push, %.1f ms without)\n", (waited ? "missed" : "met"), rl["push_max_ns"] / 1e6, id["max_ns"] / 1e6
	printf "- events logged with zero drops: %s (%d denied, %d logged, %s dropped)\n", (ev["logged"] >= ev["denied"] && ev["dropped"] == "0" ? "met" : "missed"), ev["denied"], ev["logged"], ev["dropped"]
	printf "- embargod under 50 MiB resident: %s (%.1f MiB; %.1f MiB at its peak, while loading)\n", (median(big, "rss_kb") < 51200 ? "met" : "missed"), median(big, "rss_kb") / 1024, median(big, "hwm_kb") / 1024
}' "$1"
}

# tables RESULTS: the tables again from the result lines of an earlier run.
if [ "${1:-}" = tables ]; then
	tables "$2"
	exit
fi

# measure: every workload once, with whatever blocker is in force; one line of fields.
# (bench/fapolicyd.sh runs this in fapolicyd's mount namespace.)
if [ "${1:-}" = measure ]; then
	T=$2
	field() { sed -n "s/.*$1=\([0-9]*\).*/\1/p"; }
	out=$("$bin/loop" exec "$n" "$T/bin/noop") || exit 1
	exec_ns=$(echo "$out" | field median_ns)
	out=$("$bin/loop" mmap "$m" "$T/bin/lib") || exit 1
	mmap_ns=$(echo "$out" | field median_ns)
	out=$("$bin/loop" open "$m" "$T/bin/lib") || exit 1
	open_ns=$(echo "$out" | field median_ns)
	make_ns=0
	if [ -n "$project" ]; then
		# A tiny build first runs cc1, as and ld once, so that the timed build does not pay
		# for hashing the compiler after embargod started (the lsm tier hashes in the kernel,
		# once per file).
		make -s -C "$T/proj" clean > /dev/null && "${CC:-gcc}" -o "$T/warm" "$T/warm.c" || exit 1
		out=$("$bin/timeit" make -s -j2 -C "$T/proj") || exit 1
		make_ns=$(echo "$out" | field ns)
	fi
	sh "$here/spawn.sh" 2 "$T/bin" || exit 1
	out=$("$bin/timeit" sh "$here/spawn.sh" "$spawn" "$T/bin") || exit 1
	spawn_ns=$(echo "$out" | field ns)
	echo "exec_ns=$exec_ns mmap_ns=$mmap_ns open_ns=$open_ns make_ns=$make_ns spawn_ns=$spawn_ns"
	exit 0
fi

T=$(mktemp -d "${TMPDIR:-/tmp}/embargo-bench.XXXXXX")
pid=""
lp=""
mounted=""
cleanup() {
	[ -n "$lp" ] && kill "$lp" 2> /dev/null && wait "$lp"
	[ -n "$pid" ] && kill "$pid" 2> /dev/null && wait "$pid"
	[ -n "$mounted" ] && umount "$T/bin"
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
mkdir -p "$T/bin" "$T/state"
# The tracepoint tier checks content with fanotify on the file systems it is told to: what the
# bench runs gets a tmpfs of its own, so the bench never marks the machine's own file systems.
# The compiler and make run from the system's file systems: there, that tier checks path= and
# dir= rules but not content. The lsm tier checks every file.
scope=""
if [ "$tier" = tracepoint ]; then
	mount -t tmpfs bench "$T/bin" && mounted=1 || exit 1
	scope="--fanotify-scope $T/bin"
fi
cp "$bin/noop" "$T/bin/noop"
cp "$bin/noop" "$T/bin/banned"
cp "$bin/noop" "$T/bin/lib"
# The programs' files from PATH (command -v would name the shell's builtin true).
for p in basename cat expr true; do
	f=$(IFS=:; for d in $PATH; do [ -x "$d/$p" ] && echo "$d/$p" && break; done)
	cp "${f:-$p}" "$T/bin/$p" || exit 1
done
if [ -n "$project" ]; then
	cp -r "$project" "$T/proj"
	echo 'int main(void) { return 0; }' > "$T/warm.c"
fi

for k in $rules; do
	mkdir -p "$T/rules$k"
	"$bin/mkrules" "$T/rules$k" "$k" > "$T/rules$k.policy" || exit 1
done
echo "deny exec path=$T/bin/banned key=bench-banned" > "$T/banned.policy"

# Milliseconds since boot: busybox date has no %N.
now_ms() {
	awk '{ printf "%d\n", $1 * 1000 }' /proc/uptime
}

# The ids of the BPF maps that exist now, and the bytes of memory that maps not in the list
# FILE charge to memlock (bpftool's figure: what the kernel charges each map).
map_ids() {
	bpftool map show 2> /dev/null | sed -n 's/^\([0-9]*\): .*/\1/p'
}
maps_bytes() {
	bpftool map show 2> /dev/null | awk -v base="$1" '
		BEGIN { while ((getline l < base) > 0) old[l] = 1 }
		/^[0-9]+:/ { id = $1; sub(":", "", id) }
		/memlock/ { for (i = 1; i < NF; i++) if ($i == "memlock" && !(id in old)) { v = $(i + 1); sub("B", "", v); s += v } }
		END { printf "%d\n", s }'
}

# start_embargod POLICY: starts embargod and waits for its ready line; sets pid and load_ms.
start_embargod() {
	map_ids > "$T/maps.before"
	rm -f "$T/daemon.out" "$T/daemon.err" "$T/ctl.sock" "$T/events.jsonl"
	rm -rf "$T/state" && mkdir -p "$T/state"
	start=$(now_ms)
	# --no-pin: "no blocker" must mean no programs; pinning costs no exec anything.
	# shellcheck disable=SC2086 # scope is empty or an option and its argument
	embargod --tier "$tier" --policy "$1" --log "$T/events.jsonl" --control "$T/ctl.sock" \
		--state "$T/state" --no-pin $scope > "$T/daemon.out" 2> "$T/daemon.err" &
	pid=$!
	i=0
	until grep -q '^embargod: ready' "$T/daemon.out" 2> /dev/null; do
		if ! kill -0 "$pid" 2> /dev/null || [ $i -ge 6000 ]; then
			echo "bench: embargod did not start:" >&2
			cat "$T/daemon.err" >&2
			exit 1
		fi
		sleep 0.05
		i=$((i + 1))
	done
	load_ms=$(($(now_ms) - start))
}

stop_embargod() {
	kill "$pid"
	wait "$pid"
	pid=""
}

# run_config CONFIG ROUND: one measurement; appends a line to $T/results.
run_config() {
	extra=""
	case "$1" in
	none | none2)
		out=$(sh "$0" measure "$T") || exit 1
		;;
	fapolicyd)
		out=$(bash "$here/fapolicyd.sh" run "$fapolicyd" "$T/fapolicyd" "$T/rules10.policy" \
			-- sh "$0" measure "$T") || {
			echo "bench: the fapolicyd run failed" >&2
			exit 1
		}
		;;
	*)
		start_embargod "$T/rules$1.policy"
		out=$(sh "$0" measure "$T") || exit 1
		rss=$(sed -n 's/^VmRSS:[[:space:]]*\([0-9]*\).*/\1/p' "/proc/$pid/status")
		hwm=$(sed -n 's/^VmHWM:[[:space:]]*\([0-9]*\).*/\1/p' "/proc/$pid/status")
		maps=$(maps_bytes "$T/maps.before")
		extra="load_ms=$load_ms rss_kb=$rss hwm_kb=$hwm maps_b=$maps"
		stop_embargod
		;;
	esac
	echo "bench: tier=$tier config=$1 round=$2 $out $extra" >> "$T/results"
	tail -n 1 "$T/results" >&2
}

# "none2" is no blocker measured a second time, in its own place in the order: how far apart
# two runs of the same thing come out on this machine, the floor below which no difference
# means anything.
configs="none $rules none2"
[ -n "$fapolicyd" ] && configs="$configs fapolicyd"
reversed=$(echo "$configs" | tr ' ' '\n' | sed '1!G;h;$!d' | tr '\n' ' ')
r=1
while [ $r -le "$rounds" ]; do
	if [ $((r % 2)) -eq 1 ]; then order=$configs; else order=$reversed; fi
	for k in $order; do
		run_config "$k" "$r"
	done
	r=$((r + 1))
done

# Reload: a push of the largest rule set over the 10-rule one while execs go on, timed; the
# longest exec during it beside the longest in a run as long without a push.
big=$(echo "$rules" | tr ' ' '\n' | sort -n | tail -n 1)
start_embargod "$T/rules10.policy"
rm -f "$T/stop"
"$bin/loop" exec 100 "$T/bin/noop" "$T/stop" > "$T/loop.push" &
lp=$!
sleep 1
start=$(now_ms)
if ! embargo --control "$T/ctl.sock" push "$T/rules$big.policy" > "$T/push.out" 2>&1; then
	echo "bench: the push failed:" >&2
	cat "$T/push.out" >&2
	exit 1
fi
push_ms=$(($(now_ms) - start))
sleep 1
touch "$T/stop"
wait "$lp"
lp=""
rules_in_force=$(embargo --control "$T/ctl.sock" status --json | sed -n 's/.*"rules":\([0-9]*\).*/\1/p')
rm -f "$T/stop"
"$bin/loop" exec 100 "$T/bin/noop" "$T/stop" > "$T/loop.idle" &
lp=$!
sleep 1
sleep "$(awk -v ms="$push_ms" 'BEGIN { printf "%.2f", ms / 1000 }')"
sleep 1
touch "$T/stop"
wait "$lp"
lp=""
stop_embargod
echo "bench: reload rules=$big in_force=$rules_in_force push_ms=$push_ms" \
	"$(sed 's/\([a-z0-9_]*\)=/push_\1=/g' "$T/loop.push")" >> "$T/results"
echo "bench: idle $(cat "$T/loop.idle")" >> "$T/results"

# Events: denied execs as fast as one process can make them, every one logged.
start_embargod "$T/banned.policy"
start=$(now_ms)
out=$("$bin/exec_many" "$burst" "$T/bin/banned")
burst_ms=$(($(now_ms) - start))
denied=$(echo "$out" | awk '{ for (i = 1; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = kv[2] } print f["refused"] + f["killed"] }')
i=0
logged=0
while [ $i -lt 600 ]; do
	logged=$(grep -c '"verdict":"deny"' "$T/events.jsonl" 2> /dev/null)
	[ "${logged:-0}" -ge "$denied" ] && break
	sleep 0.1
	i=$((i + 1))
done
st=$(embargo --control "$T/ctl.sock" status --json)
dropped=$(echo "$st" | sed -n 's/.*"events_dropped":\([0-9]*\).*/\1/p')
stop_embargod
echo "bench: events attempts=$burst denied=$denied logged=$logged dropped=${dropped:-?} ms=$burst_ms" >> "$T/results"
grep -E '^bench: (reload|idle|events)' "$T/results" >&2

tables "$T/results"
