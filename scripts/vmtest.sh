#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Run shell scripts as root inside Debian's stock cloud kernel under qemu, where the BPF
# LSM is active (the host kernel refuses lsm/* programs). The guest is an initramfs with
# busybox, the project's binaries and the scripts; the results come back over the serial
# console, one "ok"/"not ok" line per script plus one for the kernel log.

set -euo pipefail

usage() {
	cat <<'EOF'
usage: scripts/vmtest.sh [options] SCRIPT...

Boots Debian's cloud kernel under qemu (software emulation) and runs each SCRIPT with
`sh SCRIPT` (busybox ash) as root in /tmp, in the order given. Prints each script's
output, then `ok - vm(VERSION): SCRIPT` or `not ok - ...` per script and one line for
the kernel log (no BUG/WARNING/Oops/... splat). Exits non-zero if any line is `not ok`.

options:
  --kernel 6.1|6.12|7.2  kernel to boot: bookworm, trixie or sid (default: 6.1)
  --include PATH         copy a file or folder into the guest at the same absolute path
                         (repeatable); dynamically linked programs get their libraries
  --env NAME=VALUE       set this environment variable for the scripts (repeatable)
  --modules NAME,...     load these kernel modules (and what they depend on) before
                         the scripts run, e.g. --modules overlay,loop
  --timeout SECS         kill the VM after SECS seconds, boot included (default: 600)
  --workdir DIR          keep this run's files (console log, qemu's errors) in DIR, made
                         if missing and refused while another run uses it (default: a new
                         directory under build/vm/runs)
  --verbose              also stream the raw serial console while the VM runs
  -h, --help             show this help

The guest has /usr/bin/embargod and /usr/bin/embargo from ${EMBARGO_BUILD:-build}, with
their shared libraries. Relative SCRIPT and --include paths are taken from the current
directory. Kernels are fetched once by scripts/fetch-kernel.sh into build/vm/kernels,
which every run shares; each run has a work directory of its own, so runs on the same
kernel can go at the same time. The console log is kept there as console.log.
EOF
}

say() { echo "vmtest: $*"; }
die() {
	echo "vmtest: error: $*" >&2
	exit 2
}

# Absolute path without resolving symlinks, so the guest sees the path the caller named.
abspath() {
	realpath -e -s -- "$1" 2>/dev/null || die "$1: no such file or directory"
}

kernel=6.1
timeout_secs=600
workdir=
modules=
verbose=0
includes=()
envs=()
while [ $# -gt 0 ]; do
	case "$1" in
	--kernel | --include | --env | --modules | --timeout | --workdir)
		[ $# -ge 2 ] || die "$1 needs an argument"
		case "$1" in
		--kernel) kernel=$2 ;;
		--include) includes+=("$(abspath "$2")") ;;
		--env)
			[[ "$2" =~ ^[A-Za-z_][A-Za-z0-9_]*= && "$2" != *$'\n'* ]] ||
				die "--env needs NAME=VALUE on one line, not '$2'"
			envs+=("$2")
			;;
		--modules) modules=$2 ;;
		--timeout) timeout_secs=$2 ;;
		--workdir) workdir=$2 ;;
		esac
		shift 2
		;;
	--verbose)
		verbose=1
		shift
		;;
	-h | --help)
		usage
		exit 0
		;;
	--)
		shift
		break
		;;
	-*)
		usage >&2
		exit 2
		;;
	*) break ;;
	esac
done
[ $# -gt 0 ] || {
	usage >&2
	exit 2
}
case "$timeout_secs" in
'' | *[!0-9]*) die "--timeout needs a whole number of seconds" ;;
esac
# Taken from the current directory, like the other paths.
[ -z "$workdir" ] || workdir=$(realpath -m -s -- "$workdir")

script_names=("$@")
script_paths=()
for s in "$@"; do
	p=$(abspath "$s")
	[ -f "$p" ] || die "$s: not a regular file"
	case "$p" in
	*$'\n'*) die "$s: newlines in paths are not supported" ;;
	esac
	script_paths+=("$p")
done

root=$(cd "$(dirname "$0")/.." && pwd)
build=$(realpath -m -s -- "${EMBARGO_BUILD:-$root/build}")
for b in embargod embargo; do
	[ -x "$build/$b" ] || die "$build/$b not found: run 'make' first"
done
for tool in qemu-system-x86_64 cpio gzip timeout ldd flock; do
	command -v "$tool" >/dev/null ||
		die "$tool not found: run 'make test-deps' (qemu-system-x86, busybox-static, cpio)"
done
[ -x /bin/busybox ] || die "/bin/busybox not found: run 'make test-deps' (busybox-static)"

# Prints the shared libraries (and the dynamic loader) that the given ELF files load;
# prints nothing for static binaries and for files that are not ELF.
shared_libs() {
	local f out
	for f in "$@"; do
		[ "$(head -c 4 -- "$f" 2>/dev/null | tr -d '\0')" = $'\x7fELF' ] || continue
		out=$(ldd -- "$f" 2>/dev/null) || continue
		if grep -q 'not found' <<<"$out"; then
			die "$f needs libraries missing on this machine:"$'\n'"$(grep 'not found' <<<"$out")"
		fi
		awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }' <<<"$out"
	done | sort -u
}

# Every library the guest needs, before anything is fetched or booted: a missing one ends
# the run here. (shared_libs dies in a subshell of its own, so its status has to be checked.)
elf_inputs=("$build/embargod" "$build/embargo")
for inc in ${includes[@]+"${includes[@]}"}; do
	while IFS= read -r -d '' f; do
		elf_inputs+=("$f")
	done < <(find "$inc" -type f -print0)
done
libs=$(shared_libs "${elf_inputs[@]}") || exit 2

cd "$root"
kdir=$(scripts/fetch-kernel.sh "$kernel")
version=$(cat "$kdir/version")
release=$(cat "$kdir/release")
suite=${kdir##*/}
label="vm($version)"

# The run's own directory: runs on one kernel at the same time must not share a console log.
if [ -z "$workdir" ]; then
	mkdir -p build/vm/runs
	workdir=$(mktemp -d "$root/build/vm/runs/$suite.XXXXXX")
else
	mkdir -p -- "$workdir" || die "cannot make $workdir"
fi
exec 9>"$workdir/lock"
flock -n 9 || die "$workdir is in use by another run"
rm -f -- "$workdir/console.log" "$workdir/qemu.err"
# The guest's tree and its initramfs are only needed until the boot is over.
work=$(mktemp -d "$workdir/tmp.XXXXXX")
trap 'rm -rf "$work"' EXIT
stage=$work/root
mkdir -p "$stage"/{bin,sbin,usr/bin,usr/sbin,etc/vmtest,proc,sys,dev,tmp,run,root,lib64}

# ---- the guest's files ----

# Copies a file or folder to the same absolute path under the guest's root.
install_path() {
	local src=$1
	if [ -d "$src" ] && [ ! -L "$src" ]; then
		mkdir -p "$stage$src"
		cp -a -- "$src/." "$stage$src/"
	else
		mkdir -p "$stage$(dirname "$src")"
		cp -a -- "$src" "$stage$src"
	fi
}

install -m 0755 "$build/embargod" "$stage/usr/bin/embargod"
install -m 0755 "$build/embargo" "$stage/usr/bin/embargo"
for inc in ${includes[@]+"${includes[@]}"}; do
	install_path "$inc"
done
for p in "${script_paths[@]}"; do
	install_path "$p"
done
while IFS= read -r lib; do
	[ -n "$lib" ] || continue
	# Libraries go to the path ldd named, as real files, so the guest's loader finds them
	# in its default directories without an ld.so.cache.
	mkdir -p "$stage$(dirname "$lib")"
	cp -L --remove-destination -- "$lib" "$stage$lib"
done <<<"$libs"

# Modules: the packages carry no modules.dep, so dependencies come from each module's own
# "depends=" modinfo string; the guest loads them in dependency order with busybox insmod.
declare -A mod_file=() mod_builtin=() mod_done=()
mod_order=()
load_module() {
	local name=${1//-/_} rel out dep deps
	[ -z "${mod_done[$name]:-}" ] || return 0
	mod_done[$name]=1
	if [ -n "${mod_builtin[$name]:-}" ]; then
		say "module $name is built into linux $version"
		return 0
	fi
	rel=${mod_file[$name]:-}
	[ -n "$rel" ] || die "no module $1 in linux $version ($suite)"
	out=/lib/modules/$release/${rel%.ko*}.ko
	mkdir -p "$stage$(dirname "$out")"
	case "$rel" in
	*.ko) cp -- "$kdir/modules/$rel" "$stage$out" ;;
	*.ko.xz) /bin/busybox xzcat "$kdir/modules/$rel" >"$stage$out" ;;
	*.ko.gz) gzip -dc "$kdir/modules/$rel" >"$stage$out" ;;
	*.ko.zst)
		command -v zstd >/dev/null || die "$rel is zstd-compressed: apt-get install zstd"
		zstd -qdc "$kdir/modules/$rel" >"$stage$out"
		;;
	*) die "$rel: unknown module compression" ;;
	esac
	deps=$(tr '\0' '\n' <"$stage$out" | sed -n 's/^depends=//p' | head -n 1)
	for dep in ${deps//,/ }; do
		load_module "$dep"
	done
	mod_order+=("$out")
}
if [ -n "$modules" ]; then
	while IFS= read -r rel; do
		name=${rel##*/}
		name=${name%%.ko*}
		mod_file[${name//-/_}]=$rel
	done < <(cd "$kdir/modules" && find kernel -name '*.ko*')
	if [ -f "$kdir/modules/modules.builtin" ]; then
		while IFS= read -r rel; do
			name=${rel##*/}
			name=${name%.ko}
			mod_builtin[${name//-/_}]=1
		done <"$kdir/modules/modules.builtin"
	fi
	for m in ${modules//,/ }; do
		load_module "$m"
	done
fi

# A random tag on the markers keeps a script's own output from being taken for them.
tag="@@vmtest-$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')"
echo "$tag" >"$stage/etc/vmtest/tag"
printf '%s\n' "${script_paths[@]}" >"$stage/etc/vmtest/scripts"
printf '%s\n' ${mod_order[@]+"${mod_order[@]}"} >"$stage/etc/vmtest/modules"
printf '%s\n' ${envs[@]+"${envs[@]}"} >"$stage/etc/vmtest/env"
[ -e "$stage/etc/passwd" ] || echo 'root:x:0:0:root:/root:/bin/sh' >"$stage/etc/passwd"
[ -e "$stage/etc/group" ] || echo 'root:x:0:' >"$stage/etc/group"

cat >"$stage/init" <<'EOF'
#!/bin/sh
# Written by scripts/vmtest.sh: runs the listed scripts, dumps the kernel log, powers off.
export PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root
tag=$(cat /etc/vmtest/tag)
mark() { echo "$tag $*"; }

mnt() {
	mkdir -p "$3"
	mount -t "$1" "$2" "$3" || mark "NOTE cannot mount $1 on $3"
}
mnt proc proc /proc
mnt sysfs sysfs /sys
mnt devtmpfs devtmpfs /dev
mnt securityfs securityfs /sys/kernel/security
mnt bpf bpf /sys/fs/bpf
mnt tracefs tracefs /sys/kernel/tracing
# Scripts and --include files may live under /tmp or /run on the host: carry them over
# into the fresh tmpfs instead of hiding them under it.
mkdir -p /.initramfs
for d in /tmp /run; do
	mv "$d" "/.initramfs$d"
	mnt tmpfs tmpfs "$d"
	cp -a "/.initramfs$d/." "$d/"
	rm -rf "/.initramfs$d"
done
mnt cgroup2 cgroup2 /sys/fs/cgroup
ip link set lo up
ln -sf /proc/mounts /etc/mtab
while IFS= read -r kv; do
	[ -z "$kv" ] || export "$kv"
done </etc/vmtest/env
mark "INIT $(cut -d ' ' -f 1 /proc/uptime) $(uname -r)"

while IFS= read -r m; do
	[ -n "$m" ] || continue
	err=$(insmod "$m" 2>&1) || mark "NOTE insmod $m failed: $err"
done </etc/vmtest/modules

n=0
while IFS= read -r script; do
	n=$((n + 1))
	mark "BEGIN $n $(cut -d ' ' -f 1 /proc/uptime)"
	(cd /tmp && exec sh "$script") </dev/null 2>&1
	mark "END $n $? $(cut -d ' ' -f 1 /proc/uptime)"
done </etc/vmtest/scripts

mark "DMESG-BEGIN"
dmesg
mark "DMESG-END $(cut -d ' ' -f 1 /proc/uptime)"
poweroff -f
EOF
chmod 0755 "$stage/init"

# Busybox goes in last, and its applet links only where nothing else was installed: a link
# points at /bin/busybox, and copying over it later would write through it on this host.
cp /bin/busybox "$stage/bin/busybox"
while IFS= read -r applet; do
	case "$applet" in
	*/*) [ -e "$stage/$applet" ] || [ -L "$stage/$applet" ] || ln -s /bin/busybox "$stage/$applet" ;;
	esac
done < <(/bin/busybox --list-full)

initrd=$work/initramfs.cpio.gz
(cd "$stage" && find . -print0 | LC_ALL=C sort -z | cpio -o -0 -H newc -R 0:0 --quiet) |
	gzip -1 >"$initrd"
rm -rf "$stage"

# ---- boot ----

log=$workdir/console.log
qemu_err=$workdir/qemu.err
# lsm= puts bpf among the active LSMs (Debian's default list leaves it out); integrity
# is there for bpf_ima_file_hash(). panic=-1 with -no-reboot turns a panic into a qemu
# exit instead of a hang until the timeout. No oops=panic: an oops kills only the task, so
# the remaining scripts still run and the oops shows up in the dumped kernel log.
# Two vCPUs (per-CPU maps, real concurrency in the guest) on one host thread: with
# multi-threaded TCG, 6.12 hit "Oops: int3" while it patched its own text at boot.
cmdline="console=ttyS0 lsm=lockdown,capability,integrity,bpf panic=-1 quiet"
qemu=(
	qemu-system-x86_64 -accel "tcg,thread=single" -cpu max -smp 2 -m 1G
	-nographic -no-reboot -nic none
	-kernel "$kdir/vmlinuz" -initrd "$initrd" -append "$cmdline"
)

# The firmware sends terminal resets and disables line wrapping; keep those, and the
# serial line's carriage returns, out of what people read.
console_text() {
	tr -d '\r' | sed -u -e 's/\x1bc//g' -e 's/\x1b\[[0-9;?]*[A-Za-z]//g'
}

say "booting linux $version ($suite, $release) under qemu TCG with ${#script_paths[@]} script(s), timeout ${timeout_secs} s"
start=$(date +%s%N)
# timeout(1) puts qemu in a process group of its own, out of reach of the terminal's
# Ctrl-C: pass INT and TERM on, so an interrupted run does not leave a VM behind.
timeout -k 10 "$timeout_secs" "${qemu[@]}" </dev/null >"$log" 2>"$qemu_err" &
qemu_pid=$!
interrupted=
trap 'interrupted=1; kill -TERM "$qemu_pid" 2>/dev/null || true' INT TERM
if [ "$verbose" = 1 ]; then
	tail -n +1 -f --pid="$qemu_pid" "$log" | console_text &
fi
qemu_rc=0
while :; do
	wait "$qemu_pid" || qemu_rc=$?
	# A trapped signal ends wait early; wait again until qemu is really gone.
	kill -0 "$qemu_pid" 2>/dev/null || break
	qemu_rc=0
done
trap - INT TERM
# tail notices qemu's end within a second; let it print the rest first.
wait || true
if [ -n "$interrupted" ]; then
	say "interrupted"
	exit 130
fi
elapsed_ms=$((($(date +%s%N) - start) / 1000000))

# ---- results ----

res=$work/results
mkdir -p "$res"
# Splits the console into one file per script, the dumped kernel log and the notes. A
# marker can follow output that did not end in a newline; that output stays its script's.
console_text <"$log" | awk -v tag="$tag " -v dir="$res" '
	{
		i = index($0, tag)
		if (i == 0) {
			print > (out != "" ? out : dir "/other")
			next
		}
		if (i > 1) print substr($0, 1, i - 1) > (out != "" ? out : dir "/other")
		split(substr($0, i + length(tag)), f, " ")
		if (f[1] == "BEGIN") {
			out = dir "/out." f[2]
			printf "" > out
			print f[3] > (dir "/begin." f[2])
		} else if (f[1] == "END") {
			print f[3] > (dir "/rc." f[2])
			print f[4] > (dir "/end." f[2])
			close(out)
			out = ""
		} else if (f[1] == "DMESG-BEGIN") {
			out = dir "/dmesg"
			printf "" > out
		} else if (f[1] == "DMESG-END") {
			print f[2] > (dir "/uptime")
			close(out)
			out = ""
		} else if (f[1] == "INIT") {
			print f[2] > (dir "/init")
		} else if (f[1] == "NOTE") {
			print substr($0, i + length(tag) + 5) >> (dir "/notes")
		}
	}'

if [ "$qemu_rc" = 124 ] || [ "$qemu_rc" = 137 ]; then
	why="the VM timed out after ${timeout_secs} s"
elif grep -q 'Kernel panic' "$log"; then
	why="the kernel panicked"
elif [ ! -f "$res/init" ]; then
	why="the VM stopped before /init started (qemu exit status $qemu_rc)"
else
	why="the VM stopped early (qemu exit status $qemu_rc)"
fi

if [ ! -f "$res/init" ]; then
	say "/init never reported; last lines of the console ($log):"
	console_text <"$log" | tail -n 30 | sed 's/^/    /'
	if [ -s "$qemu_err" ]; then
		say "qemu said ($qemu_err):"
		sed 's/^/    /' "$qemu_err"
	fi
fi
if [ -f "$res/notes" ]; then
	sed 's/^/vmtest: guest: /' "$res/notes"
fi

# took N: how long script N ran, in guest seconds (which pass like the host's under TCG), so
# that the heavy ones show in the results.
took() {
	[ -s "$res/begin.$1" ] && [ -s "$res/end.$1" ] || return 0
	awk '{ t[NR] = $1 } END { printf " (%.0f s)", t[2] - t[1] }' "$res/begin.$1" "$res/end.$1"
}

failed=0
if [ -n "$modules" ]; then
	if [ ! -f "$res/init" ]; then
		echo "not ok - $label: load modules $modules ($why)"
		failed=1
	elif grep -q '^insmod ' "$res/notes" 2>/dev/null; then
		echo "not ok - $label: load modules $modules (insmod failed)"
		failed=1
	else
		echo "ok - $label: load modules $modules"
	fi
fi
for i in "${!script_paths[@]}"; do
	n=$((i + 1))
	name=${script_names[$i]}
	if [ -f "$res/out.$n" ]; then
		echo "# $label: output of $name"
		cat "$res/out.$n"
	fi
	if [ ! -f "$res/rc.$n" ]; then
		if [ -f "$res/out.$n" ]; then
			echo "not ok - $label: $name (did not finish: $why)"
		else
			echo "not ok - $label: $name (never ran: $why)"
		fi
		failed=1
	elif [ "$(cat "$res/rc.$n")" = 0 ]; then
		echo "ok - $label: $name$(took "$n")"
	else
		echo "not ok - $label: $name (exit status $(cat "$res/rc.$n"))$(took "$n")"
		failed=1
	fi
done

# What counts as a splat: kernel warnings, bugs and oopses (whose traces name any BPF
# program involved), sanitizer reports, lockups and stalls, the verifier's own bug reports,
# BTF that the kernel rejected, and crashes of user programs (our daemon among them).
splat='BUG:|WARNING:|Oops|Call Trace|general protection|Kernel panic|KASAN|UBSAN|kernel BUG'
splat+='|RIP: |refcount_t: |list_(add|del) corruption|Unable to handle kernel'
splat+='|INFO: task .* blocked for more than|rcu: .*[Ss]tall|soft lockup|hard LOCKUP'
splat+='|verifier bug|] BPF: |] BTF: |segfault at |traps: '
if [ -f "$res/uptime" ]; then
	if grep -Eq "$splat" "$res/dmesg"; then
		echo "# $label: kernel log (dmesg)"
		grep -E -B 2 -A 25 "$splat" "$res/dmesg" | head -n 200 || true
		echo "not ok - $label: kernel log clean"
		failed=1
	else
		echo "ok - $label: kernel log clean"
	fi
else
	# A splat that hit a script is in its output above; show the ones between scripts.
	if [ -f "$res/other" ] && grep -Eq "$splat" "$res/other"; then
		echo "# $label: console output outside the scripts"
		grep -E -B 2 -A 25 "$splat" "$res/other" | head -n 200 || true
	fi
	echo "not ok - $label: kernel log clean (no kernel log: $why)"
	failed=1
fi

boot=
if [ -f "$res/init" ]; then
	boot=" (/init started at $(cat "$res/init") s guest time)"
fi
say "the VM ran $((elapsed_ms / 1000)).$((elapsed_ms % 1000 / 100)) s$boot; console log: $log"
exit "$failed"
