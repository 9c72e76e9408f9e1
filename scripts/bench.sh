#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# make bench: every workload of bench/tier.sh in both tiers, each tier's configurations side by
# side in one run, fapolicyd beside embargod on this machine, and embargo scan's throughput
# beside sha256sum's; written to docs/benchmarks.md with the machine it came from. The
# tracepoint tier runs on this machine's kernel; the lsm tier inside the VM, where software
# emulation makes absolute times meaningless: only the ratios measured inside that one VM
# run count.
#   BENCH_N, BENCH_M, BENCH_ROUNDS, BENCH_RULES, BENCH_SPAWN, BENCH_BURST: this machine's run
#   (see bench/tier.sh); BENCH_VM_N, BENCH_VM_M, BENCH_VM_ROUNDS, BENCH_VM_SPAWN,
#   BENCH_VM_BURST: the VM's; BENCH_VM_KERNEL (6.12); BENCH_FAPOLICYD=0 leaves fapolicyd out.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${OUTPUT:-build}
out=docs/benchmarks.md
export PATH="$PWD/$build:$PATH"

rules=${BENCH_RULES:-10 10000 100000}
kernel=${BENCH_VM_KERNEL:-6.12}
rounds=${BENCH_ROUNDS:-21}
vm_rounds=${BENCH_VM_ROUNDS:-4}
fapo_cache=$PWD/$build/bench-cache/fapolicyd

fapolicyd=""
if [ "${BENCH_FAPOLICYD:-1}" != 0 ]; then
	bash bench/fapolicyd.sh prepare "$fapo_cache"
	fapolicyd=$fapo_cache
fi

echo "bench: tracepoint tier on this machine ($(uname -r))" >&2
host=$(BENCH_TIER=tracepoint BENCH_BIN="$PWD/$build/bench" BENCH_RULES="$rules" \
	BENCH_N="${BENCH_N:-1500}" BENCH_M="${BENCH_M:-15000}" BENCH_ROUNDS="$rounds" \
	BENCH_SPAWN="${BENCH_SPAWN:-250}" BENCH_BURST="${BENCH_BURST:-20000}" \
	BENCH_PROJECT="$PWD/bench/project" BENCH_FAPOLICYD="$fapolicyd" sh bench/tier.sh)
echo "$host" >&2

echo "bench: embargo scan and sha256sum over the same files" >&2
scan=$(BENCH_ROUNDS="${BENCH_SCAN_ROUNDS:-5}" sh bench/scan_throughput.sh)
echo "$scan" >&2

echo "bench: lsm tier in the VM (Debian $kernel kernel)" >&2
# The guest gets the bench, the project and exactly the toolchain its build needs.
includes=(--include bench --include "$build/bench" --include /usr/sbin/bpftool)
while IFS= read -r p; do
	includes+=(--include "$p")
done < <(bench/toolchain.sh bench/project)
vm=$(scripts/vmtest.sh --kernel "$kernel" --timeout 5400 "${includes[@]}" \
	--env BENCH_TIER=lsm --env BENCH_EMULATED=1 --env "BENCH_BIN=$PWD/$build/bench" \
	--env "BENCH_RULES=$rules" \
	--env "BENCH_N=${BENCH_VM_N:-1000}" --env "BENCH_M=${BENCH_VM_M:-10000}" \
	--env "BENCH_ROUNDS=$vm_rounds" --env "BENCH_SPAWN=${BENCH_VM_SPAWN:-50}" \
	--env "BENCH_BURST=${BENCH_VM_BURST:-2000}" --env "BENCH_PROJECT=$PWD/bench/project" \
	bench/tier.sh) || true
echo "$vm" >&2
grep -q '^ok - vm(.*bench/tier.sh' <<<"$vm" || { echo "bench: the VM run failed" >&2; exit 1; }
vm_version=$(sed -n 's/^ok - vm(\([^)]*\)).*/\1/p' <<<"$vm" | head -n 1)

# The tables tier.sh prints at its end: titles, table rows, list items.
tables() {
	awk '/^workloads, / { on = 1 } on && /^(workloads|added|memory|reload|targets)|^\||^- / { if (/^(workloads|added|memory|reload|targets)/ && n++) print ""; print }'
}

mkdir -p docs
{
	echo "# Benchmarks"
	echo
	echo "Written by \`make bench\` (scripts/bench.sh, bench/tier.sh); numbers from one run, on the"
	echo "machine below. Each tier's configurations are measured alternately in the same run, the"
	echo "order flipped every round; compare ratios within a tier, not absolute times across tiers."
	echo
	echo "## Machine"
	echo
	echo "- date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
	echo "- CPU: $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1), $(nproc) cores"
	echo "- memory: $(awk '/MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)"
	echo "- kernel (tracepoint tier): $(uname -r)"
	echo "- lsm tier: Debian's $vm_version kernel under qemu TCG (software emulation), 2 vCPUs"
	if [ -n "$fapolicyd" ]; then
		echo "- peer: fapolicyd $(cat "$fapo_cache/fapolicyd.version" 2>/dev/null || echo '(Debian 12)') from Debian's package"
	fi
	echo
	echo "## What runs"
	echo
	echo "- **exec**: fork + exec + wait of a static no-op (1,500 times a round here, 1,000 in the VM), median."
	echo "- **mmap**: \`mmap(PROT_READ|PROT_EXEC)\` + \`munmap\` of an allowed file's first page"
	echo "  (15,000 times a round here, 10,000 in the VM), median."
	echo "- **open**: \`open\` + \`close\` of an allowed file, median."
	echo "- **make -j2**: a build from clean of \`bench/project\` (16 C files, a static library, two"
	echo "  programs) with gcc, after one tiny build that runs the compiler's programs once."
	echo "- **spawn**: \`bench/spawn.sh\`, a shell loop starting \`basename\`, \`cat\`, \`expr\` and \`true\`"
	echo "  (250 turns here, 50 in the VM), timed whole."
	echo "- **rules**: \`bench/mkrules\` makes N rules, a third each \`path=\` (half of them \`deny open\`),"
	echo "  \`dir=\` and \`sha256=\`, none matching what the bench runs or opens: every exec looks up its"
	echo "  inode, walks each directory above it and needs its content hash (after the first exec,"
	echo "  from a cache: the kernel's per-inode cache in the lsm tier, embargod's in the tracepoint tier)."
	echo "- **fapolicyd** enforces the same 10 rules (\`path=\`, \`dir=\`, \`sha256hash=\`, \`perm=open\`),"
	echo "  then allows everything; \`uid=root\`, \`trust=file\` with an empty trust file; bench/fapolicyd.sh."
	echo "- **reload**: \`embargo push\` of the largest rule set over the 10-rule one while a loop of"
	echo "  execs runs; the longest exec during the push beside the longest in an equally long run"
	echo "  without one."
	echo "- **events**: one process execs a denied program as fast as it can; every denial must be"
	echo "  in the log, none dropped."
	echo "- **memory**: embargod's resident set (and its peak, while loading) and the memory the"
	echo "  kernel charges for embargod's BPF maps (bpftool's \`memlock\`). The resident set counts"
	echo "  the 8 MiB event ring buffer twice (the kernel maps its pages twice), 16 MiB in all."
	echo "- **noise floor**: \"no blocker, again\" is the baseline measured a second time in every"
	echo "  round. Ratios are medians over the rounds of each round's ratio to the baseline of that"
	echo "  round. A median ratio's noise floor is the larger of how far the second baseline's own"
	echo "  median ratio is from 1.000, and the two baselines' median disagreement in a round"
	echo "  divided by about the square root of the number of rounds. A difference smaller than"
	echo "  that is not a measurement, and a target below it cannot be judged by the run."
	echo
	echo "In the tracepoint tier content checks (\`sha256=\`) are made with fanotify, which this bench"
	echo "confines to a tmpfs of its own (\`--fanotify-scope\`) so that it never marks the machine's own"
	echo "file systems: the no-op, the mapped and opened file and the spawned programs are there; the"
	echo "compiler is not, so under make it pays for the \`path=\` and \`dir=\` lookups only. The lsm"
	echo "tier checks every file."
	echo
	echo "## Tracepoint tier (this machine's kernel)"
	echo
	tables <<<"$host"
	echo
	echo "## lsm tier (VM)"
	echo
	tables <<<"$vm"
	echo
	echo "## Reading the targets"
	echo
	echo "- **Tracepoint tier.** Nothing runs at mmap or at an open without an open rule, and an"
	echo "  exec costs one map lookup per directory above the program in the kernel: below what"
	echo "  this machine can resolve. Content rules used to cost a fanotify round trip to embargod"
	echo "  at every exec (+17% on the no-op); now a program allowed by its content is vouched for"
	echo "  (an ignore mark, and its size and ctime for the tracepoint to check) and asked about"
	echo "  once. fapolicyd decides every exec and open in userspace; the open column shows that"
	echo "  cost. The micro-operations (a 1 us mmap or open) drift between runs on this shared"
	echo "  machine by more than the 1% and 3% targets: the run shows no overhead, to within its"
	echo "  noise floor, which is what it can say."
	echo "- **lsm tier.** Every \`mmap(PROT_EXEC)\` runs two BPF programs (the sleepable one that"
	echo "  keeps the file's hash cached, and the deciding one: the inode, the content hash and a"
	echo "  lookup per directory above the file), and with open rules every \`open\` runs one. On a"
	echo "  loop that does nothing but map and unmap one page, or open and close one file, that is"
	echo "  a large share, whatever the number of rules; on exec, make and the spawning script it is"
	echo "  below the noise. A per-inode cache of the whole decision (invalidated by any rename or"
	echo "  link) would cut the lookups to one; it does not exist yet. Reload time is judged in the"
	echo "  tracepoint tier: under software emulation absolute times mean nothing, and a reload"
	echo "  swaps the policy with one map update, so no exec waits on it in either tier."
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
