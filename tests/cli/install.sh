#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# make install and make uninstall into a staging tree (DESTDIR=$T/root PREFIX=/usr), never into
# the real /: each file with its mode, the unit naming the installed paths and passing
# systemd-analyze verify, the installed embargod checking the installed policy, the policy
# directory treated as configuration (kept when changed, a deletion respected), and nothing left
# after uninstall but empty directories. systemd-analyze is required: without it the test fails
# (make test-deps installs package systemd).
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
. "$here/../lib/tap.sh"

T=$(mktemp -d "${TMPDIR:-/tmp}/embargo-install.XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT
D=$T/root
build=$top/${OUTPUT:-build}
unit=/usr/lib/systemd/system/embargod.service
policy_d=/etc/embargo/policy.d

# is DESCRIPTION GOT WANT
is() {
	if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1" "got:      '$2'" "expected: '$3'"; fi
}

# run_make DESCRIPTION TARGET: make TARGET into $D; its output in $T/make.out.
run_make() {
	if make -C "$top" --no-print-directory "$2" DESTDIR="$D" PREFIX=/usr > "$T/make.out" 2>&1; then
		ok "$1"
	else
		not_ok "$1" "make $2 failed:" "$(cat "$T/make.out")"
	fi
}

# file_mode PATH MODE: PATH (below $D) is a regular file with MODE.
file_mode() {
	if [ -f "$D$1" ]; then
		is "$1 is installed, mode $2" "$(stat -c %a "$D$1")" "$2"
	else
		not_ok "$1 is installed, mode $2" "no such file: $D$1"
	fi
}

# gone DESCRIPTION PATH...: none of the PATHs (below $D) exists.
gone() {
	desc=$1
	shift
	left=
	for p in "$@"; do
		[ -e "$D$p" ] && left="$left $p"
	done
	is "$desc" "$left" ""
}

# runs DESCRIPTION COMMAND...: ok when the command succeeds; its output is not wanted.
runs() {
	desc=$1
	shift
	if "$@" > "$T/out" 2>&1; then ok "$desc"; else not_ok "$desc" "failed: $*" "$(cat "$T/out")"; fi
}

installed="/usr/sbin/embargod /usr/bin/embargo $unit /usr/share/doc/embargo/README.md
/usr/share/doc/embargo/design.md /usr/share/bash-completion/completions/embargo
/usr/share/bash-completion/completions/embargod"
for f in "$top"/man/*.[0-9]; do
	installed="$installed /usr/share/man/man${f##*.}/${f##*/}"
done
for f in "$top"/policies/*.policy "$top"/policies/FORMAT.md; do
	installed="$installed /usr/share/embargo/policies/${f##*/}"
done

# --- install
run_make "make install DESTDIR=... PREFIX=/usr exits 0" install
file_mode /usr/sbin/embargod 755
file_mode /usr/bin/embargo 755
file_mode "$unit" 644
file_mode /usr/share/doc/embargo/README.md 644
file_mode /usr/share/doc/embargo/design.md 644
for f in "$top"/man/*.[0-9]; do
	file_mode "/usr/share/man/man${f##*.}/${f##*/}" 644
	check "  the installed ${f##*/} is man/${f##*/}" cmp -s "$f" "$D/usr/share/man/man${f##*.}/${f##*/}"
done
file_mode /usr/share/bash-completion/completions/embargo 644
is "the completion for embargod is the same file (a link to embargo's)" \
	"$(readlink "$D/usr/share/bash-completion/completions/embargod")" embargo
for f in "$top"/policies/*.policy "$top"/policies/FORMAT.md; do
	file_mode "/usr/share/embargo/policies/${f##*/}" 644
done
file_mode "$policy_d/kaspersky.policy" 644
is "$policy_d is mode 755" "$(stat -c %a "$D$policy_d" 2> /dev/null)" 755
check "the installed embargod is the one built (no rebuild)" cmp -s "$build/embargod" \
	"$D/usr/sbin/embargod"
check "the installed embargo is the one built" cmp -s "$build/embargo" "$D/usr/bin/embargo"
check "the installed policy is the bundled one" cmp -s "$top/policies/kaspersky.policy" \
	"$D$policy_d/kaspersky.policy"

# --- the unit names the installed paths
is "ExecStart= runs the installed embargod (its options from embargod.conf)" \
	"$(grep '^ExecStart=' "$D$unit")" "ExecStart=/usr/sbin/embargod --protect"
is "Type=notify: ready once embargod says READY=1" "$(grep '^Type=' "$D$unit")" "Type=notify"
is "  and no ExecStartPost= polling in its place" "$(grep -c '^ExecStartPost=' "$D$unit")" 0
is "no @NAME@ is left in the unit" "$(grep -c '@[A-Z]*@' "$D$unit")" 0

# --- the installed programs run
runs "the installed embargod --help exits 0" "$D/usr/sbin/embargod" --help
runs "the installed embargo --help exits 0" "$D/usr/bin/embargo" --help
want=$("$build/embargod" --check --policy "$top/policies/kaspersky.policy" 2>&1)
got=$("$D/usr/sbin/embargod" --check --policy "$D$policy_d" 2>&1)
is "embargod --check on the installed policy directory" "$got" "$want"
case $got in
"configuration OK"*) ok "  which is configuration OK" ;;
*) not_ok "  which is configuration OK" "got: $got" ;;
esac

# --- systemd-analyze, on the unit as installed (root $D, where /bin/sh is a stand-in: the
# unit's shell comes from the system, not from this package)
if command -v systemd-analyze > /dev/null; then
	mkdir -p "$D/bin"
	printf '#!/bin/sh\n' > "$D/bin/sh"
	chmod 755 "$D/bin/sh"
	systemd-analyze verify --root="$D" "$unit" > "$T/verify" 2>&1
	rc=$?
	is "systemd-analyze verify exits 0" "$rc" 0
	is "  and says nothing (no unknown key, no missing program)" "$(cat "$T/verify")" ""
	# A guard against loosening the sandbox: 3.2 when written (systemd 252).
	if systemd-analyze security --offline=yes --root="$D" --threshold=40 "$unit" \
		> "$T/security" 2>&1; then
		ok "systemd-analyze security: exposure at most 4.0"
	else
		not_ok "systemd-analyze security: exposure at most 4.0" "$(tail -n 1 "$T/security")"
	fi
	rm -f "$D/bin/sh"
	rmdir "$D/bin"
else
	not_ok "systemd-analyze verify" "systemd-analyze is not installed (make test-deps: package systemd)"
fi

# --- uninstall removes everything it installed
run_make "make uninstall exits 0" uninstall
# shellcheck disable=SC2086 # a list of paths without blanks
gone "uninstall removes every file it installed, and /etc/embargo" $installed \
	"$policy_d/kaspersky.policy" /etc/embargo
is "only empty directories are left" "$(find "$D" ! -type d)" ""

# --- the policy directory is configuration
run_make "make install again" install
echo "deny exec path=/opt/local/bin/banned key=local" >> "$D$policy_d/kaspersky.policy"
cp "$D$policy_d/kaspersky.policy" "$T/edited"
run_make "make install over an edited policy" install
check "  keeps the edit" cmp -s "$T/edited" "$D$policy_d/kaspersky.policy"
check "  and says so" grep -q "kept.*$policy_d" "$T/make.out"
run_make "make uninstall with an edited policy" uninstall
check "  keeps the edited policy" cmp -s "$T/edited" "$D$policy_d/kaspersky.policy"
check "  and says so" grep -q "kept.*$policy_d" "$T/make.out"
# shellcheck disable=SC2086
gone "  and removes everything else" $installed

rm "$D$policy_d/kaspersky.policy"
run_make "make install after the admin deleted the bundled policy" install
is "  does not bring it back" "$(ls -A "$D$policy_d")" ""
run_make "make uninstall" uninstall
# shellcheck disable=SC2086
gone "  removes every file, and the empty /etc/embargo" $installed /etc/embargo
is "only empty directories are left" "$(find "$D" ! -type d)" ""

done_testing
