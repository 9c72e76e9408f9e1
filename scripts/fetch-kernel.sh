#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Fetch one of Debian's stock cloud kernels for the VM tests and cache it under
# build/vm/kernels/<suite>/: vmlinuz, config, the modules tree (for vmtest.sh --modules)
# and the version strings. The machine's apt sources, lists and cache are neither used nor
# changed: apt gets its own in a temporary directory.
#
# Prints progress to stderr and the cache directory (relative to the repo root) on stdout.

set -euo pipefail

usage() {
	cat >&2 <<'EOF'
usage: scripts/fetch-kernel.sh [--refresh] VERSION

VERSION is 6.1 (bookworm), 6.12 (trixie) or 7.2 (sid); the suite names work too.
The kernel is Debian's current linux-image-cloud-amd64 of that suite. A cached kernel
is used without any network access unless --refresh is given.
EOF
	exit 2
}

refresh=0
if [ "${1:-}" = --refresh ]; then
	refresh=1
	shift
fi
[ $# -eq 1 ] || usage

case "$1" in
6.1 | bookworm) suite=bookworm want=6.1 ;;
6.12 | trixie) suite=trixie want=6.12 ;;
7.2 | sid) suite=sid want=7.2 ;;
*)
	echo "fetch-kernel: unknown kernel '$1': use 6.1, 6.12 or 7.2" >&2
	exit 2
	;;
esac

cd "$(dirname "$0")/.."

mirror=${EMBARGO_DEBIAN_MIRROR:-http://deb.debian.org/debian}
keyring=/usr/share/keyrings/debian-archive-keyring.gpg
dest=build/vm/kernels/$suite

say() { echo "fetch-kernel: $*" >&2; }
die() {
	say "error: $*"
	exit 1
}

if [ "$refresh" = 0 ] && [ -s "$dest/vmlinuz" ] && [ -s "$dest/version" ]; then
	say "linux $(cat "$dest/version") ($suite, $(cat "$dest/release")), cached in $dest"
	echo "$dest"
	exit 0
fi

command -v apt-get >/dev/null || die "apt-get not found: this needs a Debian-based machine"
command -v dpkg-deb >/dev/null || die "dpkg-deb not found"
[ -r "$keyring" ] || die "$keyring missing: apt-get install debian-archive-keyring"

mkdir -p build/vm
work=$(mktemp -d "build/vm/.fetch-$suite.XXXXXX")
trap 'rm -rf "$work"' EXIT
work=$(cd "$work" && pwd)
mkdir -p "$work/lists/partial" "$work/cache/archives/partial" "$work/debs" "$work/x" "$work/empty"

echo "deb [arch=amd64 signed-by=$keyring] $mirror $suite main" >"$work/sources.list"
# Read after the machine's apt.conf.d: drop its update hooks (AppStream, PackageKit), which
# would act on the machine's own package state. The build tree may not be readable by
# the _apt user, so downloads run as the caller instead of warning about it.
cat >"$work/apt.conf" <<'EOF'
#clear APT::Update::Pre-Invoke;
#clear APT::Update::Post-Invoke;
#clear APT::Update::Post-Invoke-Success;
APT::Sandbox::User "root";
EOF
apt_opts=(
	-c "$work/apt.conf"
	-o "Dir::Etc::sourcelist=$work/sources.list"
	-o Dir::Etc::sourceparts=-
	-o Dir::Etc::preferences=/dev/null
	-o "Dir::Etc::preferencesparts=$work/empty"
	-o "Dir::State::Lists=$work/lists"
	-o "Dir::Cache=$work/cache"
	-o APT::Architecture=amd64
)

say "updating the package list of $suite from $mirror"
apt-get "${apt_opts[@]}" -q=2 update >&2 || die "apt-get update for $suite failed"

# linux-image-cloud-amd64 is a metapackage; its versioned dependency names the ABI
# (e.g. linux-image-6.1.0-50-cloud-amd64), which is also the kernel's `uname -r`.
image=$(apt-cache "${apt_opts[@]}" depends linux-image-cloud-amd64 |
	awk '$1 == "Depends:" && $2 ~ /^linux-image-[0-9].*-cloud-amd64$/ { print $2; exit }')
[ -n "$image" ] || die "cannot resolve linux-image-cloud-amd64 in $suite"
release=${image#linux-image-}

# From 7.x, Debian splits the image package: the kernel is in linux-binary-<abi>, the
# modules in linux-modules-<abi>, config and modules.builtin in linux-base-<abi>;
# linux-image-<abi> only depends on them.
packages=("$image")
while read -r dep; do
	packages+=("$dep")
done < <(apt-cache "${apt_opts[@]}" depends "$image" |
	awk -v r="$release" '$1 == "Depends:" && ($2 == "linux-binary-" r || $2 == "linux-modules-" r || $2 == "linux-base-" r) { print $2 }')

say "downloading ${packages[*]}"
(cd "$work/debs" && apt-get "${apt_opts[@]}" -q=2 download "${packages[@]}" >&2) ||
	die "apt-get download failed"

for deb in "$work"/debs/*.deb; do
	dpkg-deb -x "$deb" "$work/x"
done
pkgver=$(dpkg-deb -f "$work/debs/${image}_"*.deb Version)

# first_existing -f|-d PATH...: the first PATH that is a file (-f) or a directory (-d).
first_existing() {
	local test=$1 p
	shift
	for p in "$@"; do
		if test "$test" "$p"; then
			echo "$p"
			return
		fi
	done
}

vmlinuz=$(first_existing -f "$work/x/boot/vmlinuz-$release" \
	"$work/x/usr/lib/modules/$release/vmlinuz" "$work/x/lib/modules/$release/vmlinuz")
[ -n "$vmlinuz" ] || die "no vmlinuz in ${packages[*]}"
moddir=$(first_existing -d "$work/x/usr/lib/modules/$release/kernel" \
	"$work/x/lib/modules/$release/kernel")
moddir=${moddir%/kernel}
[ -n "$moddir" ] || die "no modules tree in ${packages[*]}"
config=$(first_existing -f "$work/x/boot/config-$release" "$moddir/config")

new="$work/kernel"
mkdir -p "$new/modules"
mv "$vmlinuz" "$new/vmlinuz"
if [ -n "$config" ]; then
	mv "$config" "$new/config"
fi
mv "$moddir/kernel" "$new/modules/"
if [ -f "$moddir/modules.builtin" ]; then
	mv "$moddir/modules.builtin" "$new/modules/"
fi
# The upstream version (6.1.176) names the kernel in test output; the ABI string
# (6.1.0-50-cloud-amd64) is what `uname -r` says in the guest.
echo "${pkgver%-*}" >"$new/version"
echo "$release" >"$new/release"
echo "$image $pkgver" >"$new/package"

rm -rf "$dest"
mkdir -p "$(dirname "$dest")"
# -T: should a parallel run have put its copy there meanwhile, fail rather than nest.
mv -T "$new" "$dest" || die "cannot move the kernel into $dest"

version=$(cat "$dest/version")
case "$version" in
"$want" | "$want".*) ;;
*) say "note: asked for $want, but $suite now ships $version" ;;
esac
say "fetched linux $version ($suite, $image $pkgver) into $dest"
echo "$dest"
