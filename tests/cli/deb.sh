#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# The Debian package: dpkg-buildpackage -us -uc -b on a copy of the tree in a scratch directory
# (with the objects make built, so that nothing is compiled again), lintian without an error,
# the conffiles dpkg-deb -I lists, then dpkg --root installing it into a scratch root (its
# maintainer scripts chrooted there, with busybox as /bin/sh), the files it holds, the programs
# and man pages it installed working, the unit verifying, and remove and purge treating the
# policy as configuration. Needs root (dpkg chroots into the scratch root), dpkg-dev,
# debhelper, lintian, busybox and systemd-analyze (make test-deps).
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
. "$here/../lib/tap.sh"

T=$(mktemp -d "${TMPDIR:-/tmp}/embargo-deb.XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT
build=$top/${OUTPUT:-build}
R=$T/root

# is DESCRIPTION GOT WANT
is() {
	if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1" "got:      '$2'" "expected: '$3'"; fi
}

# runs DESCRIPTION COMMAND...: ok when the command succeeds; its output is shown when it fails.
runs() {
	desc=$1
	shift
	if "$@" > "$T/out" 2>&1; then
		ok "$desc"
	else
		not_ok "$desc" "failed: $*" "$(tail -n 30 "$T/out")"
	fi
}

# rootdpkg ARGS...: dpkg on the scratch root, its log there too (never the machine's).
rootdpkg() {
	dpkg --root="$R" --log="$T/dpkg.log" --force-depends "$@"
}

missing=""
for tool in dpkg-buildpackage dh lintian busybox systemd-analyze man; do
	command -v "$tool" > /dev/null || missing="$missing $tool"
done
if [ -n "$missing" ]; then
	not_ok "the tools are installed" "missing:$missing (make test-deps)"
	done_testing
	exit
fi
if [ "$(id -u)" -ne 0 ]; then
	not_ok "runs as root" "dpkg --root runs the maintainer scripts chrooted into the scratch root"
	done_testing
	exit
fi

# --- the copy: the tree without .git and build/, then the objects make built (their times
# kept, so make finds everything up to date)
mkdir -p "$T/src/build"
(cd "$top" && tar --exclude=./.git --exclude="./${OUTPUT:-build}" -cf - .) | tar -C "$T/src" -xf -
for f in embargod embargo obj bpf vmlinux.h libembargo.a; do
	[ -e "$build/$f" ] && cp -a "$build/$f" "$T/src/build/"
done
cp -a "$build"/*.skel.h "$T/src/build/" 2> /dev/null
status_before=$(cd "$top" && git status --porcelain 2> /dev/null)

# --- build
start=$(date +%s)
(cd "$T/src" && dpkg-buildpackage -us -uc -b) > "$T/build.log" 2>&1
rc=$?
is "dpkg-buildpackage -us -uc -b exits 0 ($(($(date +%s) - start)) s)" "$rc" 0
[ "$rc" -eq 0 ] || sed 's/^/# /' "$T/build.log" | tail -n 40
if grep -q "make\[[0-9]*\]: Nothing to be done for 'all'" "$T/build.log"; then
	ok "  with the objects make had built: nothing compiled again"
else
	not_ok "  with the objects make had built: nothing compiled again" \
		"$(grep -E '^(gcc|cc|clang) ' "$T/build.log" | head -n 5)"
fi
is "  in the copy: the tree is left as it was" "$(cd "$top" && git status --porcelain 2> /dev/null)" \
	"$status_before"
deb=$(find "$T" -maxdepth 1 -name "embargo_*_amd64.deb" | head -n 1)
if [ -z "$deb" ]; then
	not_ok "it builds embargo_VERSION_amd64.deb" "$(ls "$T")"
	done_testing
	exit
fi
ok "it builds ${deb##*/}"
changes=$(find "$T" -maxdepth 1 -name "embargo_*.changes" | head -n 1)

# --- lintian: no error (warnings are shown, not failed)
lintian --fail-on error "$changes" > "$T/lintian" 2>&1
rc=$?
if [ "$rc" -eq 0 ]; then
	ok "lintian: no error"
else
	not_ok "lintian: no error" "$(grep -v 'root privileges' "$T/lintian")"
fi
grep -E '^W: ' "$T/lintian" | sed 's/^/# /'

# --- the conffiles, from the control archive
want_conffiles=/etc/embargo/policy.d/kaspersky.policy
[ -f "$top/dist/embargod.conf" ] && want_conffiles="/etc/embargo/embargod.conf
$want_conffiles"
dpkg-deb --ctrl-tarfile "$deb" | tar -xOf - ./conffiles > "$T/conffiles" 2> /dev/null
is "dpkg-deb: its conffiles are the bundled policy (and embargod.conf)" \
	"$(LC_ALL=C sort "$T/conffiles")" "$(printf '%s\n' "$want_conffiles" | LC_ALL=C sort)"
check "dpkg-deb -I names the conffiles" sh -c "dpkg-deb -I '$deb' | grep -q ' conffiles'"

# --- the prerm script, with a stand-in embargo that records what it is asked (DPKG_ROOT set:
# debhelper's part then leaves the machine's systemd alone)
dpkg-deb --ctrl-tarfile "$deb" | tar -xOf - ./prerm > "$T/prerm"
mkdir -p "$T/fake"
cat > "$T/fake/embargo" << STANDIN
#!/bin/sh
echo "\$1" >> "$T/calls"
[ "\$1" = status ] && exit \$FAKE_STATUS
[ "\$1" = unload ] && exit \$FAKE_UNLOAD
exit 2
STANDIN
chmod 755 "$T/fake/embargo"
# prerm STATUS UNLOAD ARG: runs prerm ARG; sets rc and calls (what embargo was asked).
prerm() {
	: > "$T/calls"
	FAKE_STATUS=$1 FAKE_UNLOAD=$2 DPKG_ROOT="$T/none" PATH="$T/fake:$PATH" \
		sh "$T/prerm" "$3" > "$T/prerm.out" 2>&1
	rc=$?
	calls=$(tr '\n' ' ' < "$T/calls")
}
prerm 0 0 remove
is "prerm remove, embargod running: embargo unload, exit 0" "$rc:$calls" "0:status unload "
prerm 0 1 remove
is "prerm remove, unload refused: exit 1, nothing removed" "$rc:$calls" "1:status unload "
check "  and it says to run embargo unload" grep -q "run 'embargo unload'" "$T/prerm.out"
prerm 0 0 upgrade
is "prerm upgrade, embargod running: embargo unload first" "$rc:$calls" "0:status unload "
prerm 1 0 remove
is "prerm remove, embargod not running: no unload" "$rc:$calls" "0:status "
prerm 0 0 deconfigure
is "prerm deconfigure: embargo is not asked" "$rc:$calls" "0:"

# --- install into the scratch root
mkdir -p "$R/var/lib/dpkg/info" "$R/var/lib/dpkg/updates" "$R/bin" "$R/tmp"
: > "$R/var/lib/dpkg/status"
cp "$(command -v busybox)" "$R/bin/sh"
runs "dpkg --root ROOT -i: installs (maintainer scripts chrooted to ROOT)" rootdpkg -i "$deb"
is "  and the package is installed" \
	"$(dpkg-query --admindir="$R/var/lib/dpkg" -W -f '${Status}' embargo 2> /dev/null)" \
	"install ok installed"

# present PATH...: each PATH is in the package's file list and in ROOT.
dpkg-query --admindir="$R/var/lib/dpkg" -L embargo > "$T/list" 2> /dev/null
present() {
	for p in "$@"; do
		if grep -qx "$p" "$T/list" && { [ -e "$R$p" ] || [ -L "$R$p" ]; }; then
			ok "  holds $p"
		else
			not_ok "  holds $p" "in the file list: $(grep -cx "$p" "$T/list"), in the root: \
$(ls -ld "$R$p" 2>&1)"
		fi
	done
}
present /usr/sbin/embargod /usr/bin/embargo /lib/systemd/system/embargod.service \
	/usr/share/bash-completion/completions/embargo /usr/share/bash-completion/completions/embargod \
	/etc/embargo/policy.d/kaspersky.policy /usr/share/embargo/policies/FORMAT.md \
	/usr/share/doc/embargo/README.md /usr/share/doc/embargo/design.md \
	/usr/share/doc/embargo/copyright
for f in "$top"/man/*.[0-9]; do
	present "/usr/share/man/man${f##*.}/${f##*/}.gz"
done
[ -f "$top/dist/embargod.conf" ] && present /etc/embargo/embargod.conf
# build_id FILE: the ELF build-id (dh_strip strips the packaged copies; the build-id stays).
build_id() {
	readelf -n "$1" 2> /dev/null | sed -n 's/.*Build ID: *//p'
}
for f in sbin/embargod bin/embargo; do
	is "  /usr/$f is the one make built (its build-id)" "$(build_id "$R/usr/$f")" \
		"$(build_id "$build/${f#*/}")"
done

# --- what it installed works
runs "the installed embargo --help exits 0" "$R/usr/bin/embargo" --help
out=$("$R/usr/sbin/embargod" --check --policy "$R/etc/embargo/policy.d" 2>&1)
case $out in
"configuration OK"*) ok "the installed embargod --check on the installed policy: configuration OK" ;;
*) not_ok "the installed embargod --check on the installed policy: configuration OK" "$out" ;;
esac
for f in "$R"/usr/share/man/man*/*.gz; do
	warn=$(MANWIDTH=80 LC_ALL=C.UTF-8 man --warnings -l -E UTF-8 "$f" 2>&1 > /dev/null)
	is "man -l ${f#"$R"}: no warnings" "$warn" ""
done
systemd-analyze verify --root="$R" /lib/systemd/system/embargod.service > "$T/verify" 2>&1
is "systemd-analyze verify on the installed unit: exit 0, nothing said" "$?:$(cat "$T/verify")" "0:"

# --- remove keeps the configuration, purge takes it
echo "deny exec path=/opt/local/bin/banned key=local" >> "$R/etc/embargo/policy.d/kaspersky.policy"
runs "dpkg --root ROOT -r: removes" rootdpkg -r embargo
is "  the programs are gone" "$(ls "$R/usr/sbin/embargod" "$R/usr/bin/embargo" 2> /dev/null)" ""
check "  the edited policy (a conffile) is kept" grep -q 'key=local' \
	"$R/etc/embargo/policy.d/kaspersky.policy"
runs "dpkg --root ROOT -P: purges" rootdpkg -P embargo
is "  and /etc/embargo is gone with it" "$(ls -A "$R/etc/embargo" 2> /dev/null)" ""

done_testing
