#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# make bench: exec overhead in both tiers, measured side by side in one run, and embargo scan's
# throughput beside sha256sum's, written to docs/benchmarks.md with the machine it came from. The tracepoint tier runs on this machine's
# kernel; the lsm tier inside the VM, where software emulation makes absolute times
# meaningless: only the ratios measured inside that one VM run count.
#   BENCH_RULES, BENCH_N, BENCH_ROUNDS: see bench/exec_overhead.sh; BENCH_VM_KERNEL (6.12)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${OUTPUT:-build}
out=docs/benchmarks.md
export PATH="$PWD/$build:$PATH"

host_n=${BENCH_N:-5000}
vm_n=${BENCH_VM_N:-1000}
rounds=${BENCH_ROUNDS:-5}
rules=${BENCH_RULES:-10 10000 100000}
kernel=${BENCH_VM_KERNEL:-6.12}

echo "bench: tracepoint tier on this machine ($(uname -r))" >&2
host=$(BENCH_TIER=tracepoint BENCH_N=$host_n BENCH_ROUNDS=$rounds BENCH_RULES="$rules" \
	BENCH_BIN="$PWD/$build/bench" sh bench/exec_overhead.sh)
echo "$host" >&2

echo "bench: embargo scan and sha256sum over the same files" >&2
scan=$(BENCH_ROUNDS=$rounds sh bench/scan_throughput.sh)
echo "$scan" >&2

echo "bench: lsm tier in the VM (Debian $kernel kernel)" >&2
vm=$(scripts/vmtest.sh --kernel "$kernel" --timeout 1800 --include bench \
	--include "$build/bench" --env BENCH_TIER=lsm --env "BENCH_N=$vm_n" \
	--env "BENCH_ROUNDS=$rounds" --env "BENCH_RULES=$rules" \
	--env "BENCH_BIN=$PWD/$build/bench" bench/exec_overhead.sh) || true
echo "$vm" >&2
grep -q '^ok - vm(.*bench/exec_overhead.sh' <<<"$vm" || { echo "bench: the VM run failed" >&2; exit 1; }
vm_version=$(sed -n 's/^ok - vm(\([^)]*\)).*/\1/p' <<<"$vm" | head -n 1)

# The title line and the table lines that follow it.
table() { awk '/^exec overhead/ { on = 1 } on && /^(exec overhead|\|)/ { print }'; }

mkdir -p docs
{
	echo "# Benchmarks"
	echo
	echo "Written by \`make bench\` (scripts/bench.sh); numbers from one run, on the machine below."
	echo "Each table is one tier, its configurations measured alternately in the same run;"
	echo "compare ratios within a table, not absolute times across tables."
	echo
	echo "## Machine"
	echo
	echo "- date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
	echo "- CPU: $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1), $(nproc) cores"
	echo "- memory: $(awk '/MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)"
	echo "- kernel (tracepoint tier): $(uname -r)"
	echo "- lsm tier: Debian's $vm_version kernel under qemu TCG (software emulation), 2 vCPUs"
	echo
	echo "## Exec: tracepoint tier (this machine's kernel)"
	echo
	table <<<"$host"
	echo
	echo "## Exec: lsm tier (VM)"
	echo
	table <<<"$vm"
	echo
	echo "Rules are half \`path=\` files and half \`dir=\` trees, none of them matching the program"
	echo "executed, so every exec looks up its own inode and walks each directory above it."
	echo "\"sha256=\" rows load that many content rules, none matching the program: every exec"
	echo "needs the program's hash, which after the first exec comes from the cache (the lsm"
	echo "tier's per-inode cache in the kernel; embargod's fanotify cache in the tracepoint tier)."
	echo "\"policy load\" is the time from starting embargod to its ready line: parse, resolve,"
	echo "load and attach."
	echo
	echo "## Scan (userspace, this machine)"
	echo
	awk '/^scan throughput/ { on = 1 } on && /^(scan throughput|\|)/ { print }' <<<"$scan"
	echo
	echo "The tree is random data: 4 MiB files and 4 KiB files in directories of 1,000. The"
	echo "policy holds one \`sha256=\` rule, so every file's content is needed. \"empty cache\""
	echo "reads and hashes every file; \"again\" is the same scan of the unchanged tree, which"
	echo "finds every hash in its cache and reads no file (the bench checks \`files_hashed\` and"
	echo "\`bytes_read\` are 0). Every run reads from the page cache, so this compares walking and"
	echo "hashing, not disks. The second scan costs about what \`find\` costs to stat the tree;"
	echo "its speed-up over the first grows with the tree's bytes per file."
} >"$out"
echo "bench: wrote $out" >&2
