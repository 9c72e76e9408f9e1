#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Scan throughput: embargo scan reading and hashing a tree of files (large and small) with an
# empty cache, the same scan again with its cache (no file changed), and sha256sum over the same
# files on all cores (find | xargs -P). The three alternate within each round and the order
# flips every round; the table gives each one's median over the rounds, its throughput over the
# tree's bytes, and its time as a ratio to sha256sum's. Every run reads from the page cache
# (the tree is read once before the first round): this measures walking and hashing, not the
# disk.
#   BENCH_SCAN_MB=1024 (large files, 4 MiB each)  BENCH_SCAN_SMALL=20000 (4 KiB files)
#   BENCH_ROUNDS=5  (embargo on PATH)
set -u

mb=${BENCH_SCAN_MB:-1024}
small=${BENCH_SCAN_SMALL:-20000}
rounds=${BENCH_ROUNDS:-5}
cores=$(nproc)

T=$(mktemp -d "${TMPDIR:-/tmp}/embargo-scanbench.XXXXXX")
trap 'rm -rf "$T"' EXIT
mkdir -p "$T/tree/large" "$T/tree/small"

# The tree: random content, so that nothing is shared and nothing compresses.
i=0
while [ $i -lt $((mb / 4)) ]; do
	head -c 4194304 /dev/urandom > "$T/tree/large/f$i"
	i=$((i + 1))
done
# split makes a directory's 1,000 small files in one command.
d=0
while [ $((d * 1000)) -lt "$small" ]; do
	mkdir -p "$T/tree/small/d$d"
	n=$((small - d * 1000))
	[ $n -gt 1000 ] && n=1000
	head -c $((n * 4096)) /dev/urandom | split -b 4096 -a 4 -d - "$T/tree/small/d$d/s"
	d=$((d + 1))
done
files=$(find "$T/tree" -type f | wc -l)
bytes=$(find "$T/tree" -type f -printf '%s\n' | awk '{ s += $1 } END { printf "%d", s }')

# A policy that needs every file's content: one sha256= rule, matching nothing here.
echo "deny exec sha256=$(printf 'no file has this content' | sha256sum | cut -d' ' -f1) key=bench" \
	> "$T/p.policy"

now_ns() { date +%s%N; }

scan_first() {
	rm -f "$T/scan.cache"
	embargo scan --quiet --no-processes --policy "$T/p.policy" --cache "$T/scan.cache" \
		"$T/tree" > /dev/null
}
scan_again() {
	embargo scan --quiet --no-processes --policy "$T/p.policy" --cache "$T/scan.cache" \
		"$T/tree" > /dev/null
}
sums() {
	find "$T/tree" -type f -print0 | xargs -0 -P "$cores" -n 256 sha256sum > /dev/null
}

# Warm the page cache, and check that a second scan really reads nothing.
sums
scan_first
embargo --json scan --quiet --no-processes --policy "$T/p.policy" --cache "$T/scan.cache" \
	"$T/tree" > "$T/again.json"
if ! grep -q '"files_hashed":0,"bytes_read":0' "$T/again.json"; then
	echo "scan bench: the second scan read files:" >&2
	cat "$T/again.json" >&2
	exit 1
fi

# time_of NAME: runs NAME, appends its milliseconds to $T/NAME.ms
time_of() {
	s=$(now_ns)
	"$1" || {
		echo "scan bench: $1 failed" >&2
		exit 1
	}
	e=$(now_ns)
	echo $(((e - s) / 1000000)) >> "$T/$1.ms"
}

r=0
while [ $r -lt "$rounds" ]; do
	if [ $((r % 2)) -eq 0 ]; then
		time_of sums
		time_of scan_first
		time_of scan_again
	else
		time_of scan_again
		time_of scan_first
		time_of sums
	fi
	r=$((r + 1))
done

median() { sort -n "$T/$1.ms" | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
m_sums=$(median sums)
m_first=$(median scan_first)
m_again=$(median scan_again)

row() {
	awk -v name="$1" -v ms="$2" -v base="$m_sums" -v bytes="$bytes" 'BEGIN {
		s = ms / 1000; if (s <= 0) s = 0.001
		printf "| %s | %.3f | %.0f | %.3f |\n", name, s, bytes / 1e6 / s, ms / (base > 0 ? base : 1)
	}'
}

echo "scan throughput: $files files, $((bytes / 1000000)) MB, $cores cores, $rounds rounds"
echo "| run | median s | MB/s | time / sha256sum |"
echo "|---|---|---|---|"
row "sha256sum on all cores (find, xargs -P $cores)" "$m_sums"
row "embargo scan, empty cache" "$m_first"
row "embargo scan again, unchanged tree (cache)" "$m_again"
awk -v a="$m_first" -v b="$m_again" 'BEGIN {
	printf "| second scan speed-up over the first | %.1fx | | |\n", a / (b > 0 ? b : 1)
}'
