#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# The peer: fapolicyd (Debian 12: 1.1.7), which decides every open and exec in userspace from
# fanotify permission events, run on the bench's own workloads with a rule set equivalent to
# the embargo policy being measured.
#   bench/fapolicyd.sh prepare CACHE_DIR
#	the fapolicyd binary, from its .deb, unpacked under CACHE_DIR; its missing libraries
#	installed. The package itself is never installed: on a machine with systemd that would
#	start the service, and its default rules (deny every untrusted exec) stop the machine.
#   bench/fapolicyd.sh run CACHE_DIR WORKDIR POLICY -- COMMAND [ARG...]
#	COMMAND run while fapolicyd enforces POLICY; exits with COMMAND's status. COMMAND's
#	stdout passes through; fapolicyd's own output goes to WORKDIR/fapolicyd.log.
#   BENCH_FAPOLICYD_TIMEOUT=900 (seconds fapolicyd may live)  BENCH_FAPOLICYD_READY=60
#
# Isolation. fapolicyd 1.1.7 marks mounts, not file systems: init_fanotify() uses
# FAN_MARK_MOUNT unless allow_filesystem_mark = 1 (set to 0 below), and it picks the mounts
# from /proc/mounts (its own namespace's: watch_fs types, minus /run and /sys). So fapolicyd
# and COMMAND run together in one private mount namespace (unshare -m): fapolicyd marks that
# namespace's copies of the mounts, it sees only what is opened through them, and every
# process outside, which opens through the originals, is never held up by it. The allow-all
# last rule and the timeout stay as a second line of defence. fapolicyd reads and writes fixed
# paths (/etc/fapolicyd, /var/lib/fapolicyd, /var/log, /run); inside the namespace those
# directories get an overlay whose upper layer is in WORKDIR, so nothing of the machine's own
# /etc, /var or /run is written, and whatever else is in them stays visible to COMMAND (not
# mounts below them, such as /run/user/N: COMMAND should not need those). A plain bind mount
# would need the directories to exist already, and creating them would touch the machine.
set -u

me=fapolicyd.sh
die() {
	echo "$me: $*" >&2
	exit 1
}
usage() {
	echo "usage: $me prepare CACHE_DIR" >&2
	echo "       $me run CACHE_DIR WORKDIR POLICY -- COMMAND [ARG...]" >&2
	exit 2
}

# missing_depends DEB: for each group of DEB's Depends, the first alternative if none of the
# group is installed. Versions are not compared: the release's own libraries satisfy them, and
# prepare asks ldd at the end whether anything is missing all the same.
missing_depends() {
	dpkg-deb -f "$1" Depends | awk -v RS=',' '{
		gsub(/\([^)]*\)/, ""); gsub(/:[a-z0-9]+/, ""); gsub(/\|/, " ")
		gsub(/[ \t\n]+/, " "); sub(/^ /, ""); sub(/ $/, "")
		if ($0 != "") print
	}' | while read -r alternatives; do
		found=""
		for p in $alternatives; do
			# shellcheck disable=SC2016 # a dpkg-query format, not a shell expansion
			dpkg-query -W -f='${db:Status-Status}\n' "$p" 2>/dev/null | grep -qx installed && found=1
		done
		[ -z "$found" ] && echo "${alternatives%% *}"
	done
}

prepare() {
	[ $# -eq 1 ] || usage
	mkdir -p "$1" || die "cannot create $1"
	cache=$(cd "$1" && pwd -P) || exit 1
	log=$cache/prepare.log
	: > "$log"
	if [ -x "$cache/usr/sbin/fapolicyd" ] && [ -s "$cache/fapolicyd.version" ] &&
		[ -s "$cache/fapolicyd.deb" ]; then
		did="fapolicyd $(cat "$cache/fapolicyd.version") already in $cache"
	else
		dl=$(mktemp -d "$cache/download.XXXXXX") || exit 1
		# A CI image may have no package lists yet: update once, only if the download fails.
		if ! (cd "$dl" && apt-get download fapolicyd) >> "$log" 2>&1; then
			apt-get update -qq >> "$log" 2>&1
			if ! (cd "$dl" && apt-get download fapolicyd) >> "$log" 2>&1; then
				rm -rf "$dl"
				cat "$log" >&2
				die "apt-get download fapolicyd failed (see above)"
			fi
		fi
		set -- "$dl"/fapolicyd_*.deb
		[ -f "$1" ] || die "apt-get download left no fapolicyd_*.deb in $dl"
		if ! dpkg -x "$1" "$cache" >> "$log" 2>&1; then
			cat "$log" >&2
			die "dpkg -x $1 $cache failed"
		fi
		mv "$1" "$cache/fapolicyd.deb" || exit 1
		rm -rf "$dl"
		# Written last: its presence says the unpacking above finished.
		dpkg-deb -f "$cache/fapolicyd.deb" Version > "$cache/fapolicyd.version" || exit 1
		did="fapolicyd $(cat "$cache/fapolicyd.version") unpacked into $cache"
	fi
	missing=$(missing_depends "$cache/fapolicyd.deb" | tr '\n' ' ')
	missing=${missing% }
	case " $missing " in
	*" fapolicyd "*) die "refusing to install fapolicyd itself (listed in its own Depends?)" ;;
	esac
	if [ -n "$missing" ]; then
		# shellcheck disable=SC2086 # one package name a word
		if ! DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
			$missing >> "$log" 2>&1; then
			cat "$log" >&2
			die "apt-get install $missing failed"
		fi
		did="$did; installed $missing"
	else
		did="$did; all its libraries already installed"
	fi
	# The Depends line is the package's word; the dynamic loader has the last one.
	if ldd "$cache/usr/sbin/fapolicyd" 2>&1 | grep -q 'not found'; then
		ldd "$cache/usr/sbin/fapolicyd" | grep 'not found' >&2
		die "$cache/usr/sbin/fapolicyd still misses libraries"
	fi
	echo "$me: $did" >&2
}

# policy_to_rules POLICY PROBE TARGETS: POLICY as fapolicyd rules on stdout, one rule for each
# rule of POLICY whatever their number (fapolicyd walks its rules in order for each event, and
# that cost is part of what is measured; its sets, path=a,b,c, would make it one lookup), and
# the path= and dir= values on TARGETS. First the probe's rule (see in_namespace), then the
# allow rules (in embargo an allow is an exception wherever it stands; in fapolicyd the first
# match decides), the deny rules, and an allow-all. perm=open for an open rule stops an exec
# too, as embargo's open does: the kernel follows each FAN_OPEN_EXEC_PERM event with a
# FAN_OPEN_PERM one for the same file.
policy_to_rules() {
	awk -v me="$me" -v probe="$2" -v targets="$3" '
	function fail(why) {
		printf "%s: %s:%d: %s\n", me, FILENAME, FNR, why > "/dev/stderr"
		failed = 1
		exit 1
	}
	{
		# Quoting exists for blanks and "#"; fapolicyd values can hold neither.
		if (index($0, "\"")) fail("quoted values have no fapolicyd equivalent")
		sub(/#.*/, "")
		$0 = $0
	}
	NF == 0 || $1 == "version" || $1 == "running" { next }
	$1 == "mode" { if ($2 == "enforce") next; fail("only mode enforce has an equivalent") }
	{
		if ($1 != "deny" && $1 != "allow") fail("verdict " $1 " has no fapolicyd equivalent")
		if ($2 == "exec") perm = "execute"
		else if ($2 == "open") perm = "open"
		else fail("unknown operation " $2)
		if (NF > 4 || (NF == 4 && $4 !~ /^key=/)) fail("unexpected " $4)
		eq = index($3, "=")
		name = substr($3, 1, eq - 1)
		value = substr($3, eq + 1)
		# fapolicyd reads "a,b" as a set of two values and "%x" as a set name.
		if (index(value, ",") || value ~ /^%/) fail("value " value " means a set to fapolicyd")
		if (name == "path" || name == "dir") {
			if (value !~ /^\//) fail(name "= needs an absolute path")
			print value > targets
			# fapolicyd matches dir= as a prefix: the slash keeps /a/t1 from matching /a/t10.
			if (name == "dir" && value !~ /\/$/) value = value "/"
		} else if (name == "sha256") {
			if (perm != "execute") fail("sha256= is only for exec")
			if (length(value) != 64 || value ~ /[^0-9A-Fa-f]/) fail("bad sha256 " value)
			name = "sha256hash"
			value = tolower(value)
		} else
			fail(name "= has no fapolicyd equivalent")
		rule = $1 " perm=" perm " all : " name "=" value
		if ($1 == "allow") allows[++nallow] = rule
		else denies[++ndeny] = rule
	}
	END {
		if (failed) exit 1
		print "deny perm=execute all : path=" probe
		for (i = 1; i <= nallow; i++) print allows[i]
		for (i = 1; i <= ndeny; i++) print denies[i]
		print "allow perm=any all : all"
	}' "$1"
}

# fs_types PATH...: the file system type of the mount each PATH (one a line on stdin) is on,
# each type once, from this namespace's mountinfo (fields: 5 mount point, after "-" the type).
fs_types() {
	awk 'NR == FNR {
		for (i = 7; $i != "-"; i++)
			;
		type[$5] = $(i + 1)
		next
	}
	{
		best = ""
		for (m in type)
			if ((m == "/" || index($0 "/", m "/") == 1) && length(m) > length(best))
				best = m
		if (best != "")
			seen[type[best]] = 1
	}
	END { for (t in seen) print t }' /proc/self/mountinfo -
}

run() {
	if [ $# -lt 5 ] || [ "$4" != "--" ]; then
		usage
	fi
	[ -d "$1" ] || die "no $1: run '$0 prepare $1' first"
	cache=$(cd "$1" && pwd -P) || exit 1
	policy=$3
	fapolicyd=$cache/usr/sbin/fapolicyd
	[ -x "$fapolicyd" ] || die "no $fapolicyd: run '$0 prepare $1' first"
	[ -r "$policy" ] || die "cannot read $policy"
	if ! command -v unshare > /dev/null || ! command -v timeout > /dev/null; then
		die "unshare and timeout (util-linux, coreutils) are needed"
	fi
	mkdir -p "$2" || die "cannot create $2"
	work=$(cd "$2" && pwd -P) || exit 1
	shift 4
	# An overlay cannot have its upper layer inside its lower one.
	case "$work/" in
	/etc/* | /var/lib/* | /var/log/* | /run/*)
		die "WORKDIR $work is under a directory the namespace overlays (/etc, /var/lib, /var/log, /run)"
		;;
	esac
	log=$work/fapolicyd.log
	: > "$log" || exit 1

	T=$(mktemp -d "$work/fapolicyd-tmp.XXXXXX") || exit 1
	trap 'rm -rf "$T"' EXIT
	trap 'exit 129' HUP
	trap 'exit 130' INT
	trap 'exit 143' TERM

	# The probe: a program of our own that only the first rule denies, to prove enforcement.
	for f in probe allowed; do
		cp /bin/true "$T/$f" && chmod 755 "$T/$f" || exit 1
	done
	: > "$T/targets" || exit 1
	policy_to_rules "$policy" "$T/probe" "$T/targets" > "$T/compiled.rules" || exit 1
	nrules=$(($(wc -l < "$T/compiled.rules") - 2))

	# Debian's watch_fs, plus the types the policy's files and the probe live on, so that
	# fapolicyd sees them whatever they are (an overlay root in a container, say).
	watch=ext2,ext3,ext4,tmpfs,xfs,vfat,iso9660,btrfs
	for t in $(echo "$work" | cat - "$T/targets" | fs_types); do
		case ",$watch," in
		*",$t,"*) ;;
		*) watch="$watch,$t" ;;
		esac
	done
	# Debian's fapolicyd.conf but for: uid and gid root (no fapolicyd user is created, the
	# package being unpacked, not installed); trust = file with an empty trust file (no rpm
	# here, and no trust database of the whole machine to build at start); mount marks.
	cat > "$T/fapolicyd.conf" <<-EOF
		permissive = 0
		nice_val = 14
		q_size = 640
		uid = root
		gid = root
		do_stat_report = 1
		detailed_report = 1
		db_max_size = 50
		subj_cache_size = 1549
		obj_cache_size = 8191
		watch_fs = $watch
		trust = file
		integrity = none
		syslog_format = rule,dec,perm,auid,pid,exe,:,path,ftype,trust
		rpm_sha256_only = 0
		allow_filesystem_mark = 0
	EOF

	self=$(cd "$(dirname "$0")" && pwd -P)/$(basename "$0")
	echo "$me: fapolicyd enforcing $nrules rules of $policy (watch_fs=$watch)" >&2
	unshare -m --propagation private /bin/sh "$self" in-namespace "$fapolicyd" "$T" "$log" -- "$@"
	# The EXIT trap removes $T; the log stays.
	exit $?
}

# alive PID: PID is running (a child of ours that ended and is not yet waited for is a zombie,
# which kill -0 would still find).
alive() {
	state=""
	[ -r "/proc/$1/stat" ] && read -r _ _ state _ 2> /dev/null < "/proc/$1/stat"
	[ -n "$state" ] && [ "$state" != Z ]
}

# in-namespace FAPOLICYD T LOG -- COMMAND...: the part of run inside the private mount
# namespace, which unmounts and stops what it started on every way out.
in_namespace() {
	fapolicyd=$1
	T=$2
	log=$3
	shift 4
	tpid=""
	fpid=""
	mounted=""
	trap in_namespace_cleanup EXIT
	trap 'exit 129' HUP
	trap 'exit 130' INT
	trap 'exit 143' TERM

	for d in /etc /var/lib /var/log /run; do
		o=$T/overlay$(echo "$d" | tr / -)
		mkdir -p "$o/upper" "$o/work" || exit 1
		mount -t overlay overlay -o "lowerdir=$d,upperdir=$o/upper,workdir=$o/work" "$d" ||
			die "cannot mount an overlay on $d in the namespace"
		mounted="$d $mounted"
	done
	# Whatever a real installation left there (rules, trust entries) is hidden, not removed:
	# these removals only write whiteouts in the upper layers.
	rm -rf /etc/fapolicyd /var/lib/fapolicyd /var/log/fapolicyd-access.log /run/fapolicyd
	mkdir -p /etc/fapolicyd/trust.d /etc/fapolicyd/rules.d /var/lib/fapolicyd /run/fapolicyd &&
		cp "$T/fapolicyd.conf" "$T/compiled.rules" /etc/fapolicyd/ &&
		: > /etc/fapolicyd/fapolicyd.trust || exit 1

	# --debug-deny: stays in the foreground (so its PID is ours) and logs denials only; --debug
	# would log every decision, and that writing would be measured too. Never --permissive.
	# A stalled fapolicyd stalls every exec it sees: it gets a hard deadline, and its killing
	# releases whatever it held (the kernel allows the pending events of a closed group).
	timeout -s KILL "${BENCH_FAPOLICYD_TIMEOUT:-900}" "$fapolicyd" --debug-deny \
		< /dev/null > "$log" 2>&1 &
	tpid=$!
	ready=$((${BENCH_FAPOLICYD_READY:-60} * 20))
	i=0
	until grep -q 'Starting to listen for events' "$log"; do
		if ! alive "$tpid" || [ $i -ge $ready ]; then
			tail -n 20 "$log" >&2
			die "fapolicyd did not get ready (log: $log)"
		fi
		sleep 0.05
		i=$((i + 1))
	done
	fpid=$(cat /run/fapolicyd.pid 2> /dev/null)
	[ -n "$fpid" ] || die "fapolicyd wrote no /run/fapolicyd.pid"

	# Proof that it enforces: its own rule stops the probe (EPERM: 126 from the shell), a copy
	# of the same program beside it runs, and fapolicyd logged the denial. A comparison with a
	# fapolicyd that lets everything through would be fake.
	probe_out=$("$T/probe" 2>&1)
	probe_rc=$?
	if [ $probe_rc -ne 126 ] || ! grep -q "dec=deny.*path=$T/probe" "$log"; then
		echo "$me: the probe ran with status $probe_rc: $probe_out" >&2
		die "fapolicyd does not enforce: $T/probe was not denied (log: $log)"
	fi
	if ! "$T/allowed" || ! /bin/true; then
		die "fapolicyd denies what its rules allow (log: $log)"
	fi
	echo "$me: fapolicyd $fpid ready and enforcing (its probe: ${probe_out##*: })" >&2

	"$@"
	rc=$?
	# Had it died (the timeout), COMMAND ran with no fapolicyd at all.
	if ! alive "$fpid"; then
		echo "$me: fapolicyd ended while COMMAND ran (timeout?): its numbers are not fapolicyd's" >&2
		[ $rc -eq 0 ] && rc=1
	fi
	exit $rc
}

in_namespace_cleanup() {
	if [ -n "$tpid" ]; then
		# timeout passes SIGTERM on to fapolicyd, which then removes its marks and exits
		# (within 3 s: it joins a thread that sleeps that long).
		kill -TERM "$tpid" 2> /dev/null
		i=0
		while alive "$tpid" && [ $i -lt 200 ]; do
			sleep 0.05
			i=$((i + 1))
		done
		if alive "$tpid"; then
			[ -n "$fpid" ] || fpid=$(pgrep -P "$tpid")
			echo "$me: fapolicyd ${fpid:-?} ignored SIGTERM: killing it" >&2
			for p in $fpid $tpid; do
				kill -KILL "$p" 2> /dev/null
			done
		fi
		wait "$tpid"
		tpid=""
		# Its report at exit: counts of decisions, cache use.
		if [ -s /var/log/fapolicyd-access.log ]; then
			echo "--- /var/log/fapolicyd-access.log at exit" >> "$log"
			cat /var/log/fapolicyd-access.log >> "$log"
		fi
	fi
	for d in $mounted; do
		umount "$d" || echo "$me: cannot unmount $d in the namespace" >&2
	done
	mounted=""
}

case "${1:-}" in
prepare)
	shift
	prepare "$@"
	;;
run)
	shift
	run "$@"
	;;
in-namespace)
	shift
	in_namespace "$@"
	;;
*)
	usage
	;;
esac
