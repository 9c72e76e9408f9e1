#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# embargod's command line and its configuration file, without starting it (--check, --version,
# errors): --version prints the one version, a bad option is one line with a hint, and the
# file's options (name value, name=value, comments) apply unless the command line gives them;
# its errors name the file, the line and the option. Needs embargod on PATH.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
. "$here/../lib/tap.sh"

T=$(mktemp -d "${TMPDIR:-/tmp}/embargo-daemon-options.XXXXXX")
trap 'rm -rf "$T"' EXIT

# is DESCRIPTION GOT WANT
is() {
	if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1" "got:      '$2'" "expected: '$3'"; fi
}

# run ARGS...: embargod ARGS, its stdout in $out, stderr in $err, exit status in $rc.
run() {
	embargod "$@" > "$T/out" 2> "$T/err"
	rc=$?
	out=$(cat "$T/out")
	err=$(cat "$T/err")
}

# --- --version: the define in version.h, the same for both binaries
want=$(sed -n 's/^#define EMB_VERSION "\(.*\)"$/\1/p' "$top/userspace/lib/version.h")
run --version
is "embargod --version prints the version of version.h" "$out" "embargod $want"
is "  and exits 0" "$rc" 0
case $want in
[0-9]*.[0-9]*.[0-9]*) ok "  which is a version number ($want)" ;;
*) not_ok "  which is a version number" "version.h says '$want'" ;;
esac

# --- a bad option: one line and a hint, exit 2
run --x
is "an unknown option is one line with a hint" "$err" \
	"embargod: unknown option '--x'; see 'embargod --help'"
is "  exit status 2" "$rc" 2
is "  nothing on stdout" "$out" ""
run --x=1
is "--x=1 is named without its value" "$err" "embargod: unknown option '--x'; see 'embargod --help'"
run -z
is "an unknown short option" "$err" "embargod: unknown option '-z'; see 'embargod --help'"
run --log
is "a missing value" "$err" "embargod: option '--log' needs a value; see 'embargod --help'"
is "  exit status 2" "$rc" 2
run stray
is "an operand" "$err" "embargod: unexpected argument 'stray'; see 'embargod --help'"
run --help
case $out in
*--config\ FILE*--version*) ok "--help names --config and --version" ;;
*) not_ok "--help names --config and --version" "$out" ;;
esac

# --- the configuration file
mkdir -p "$T/bin" "$T/conf#1"
for f in a b c; do printf '#!/bin/sh\n' > "$T/bin/$f"; done
printf 'deny exec path=%s key=one\ndeny exec path=%s key=two\n' "$T/bin/a" "$T/bin/b" \
	> "$T/two.policy"
printf 'deny exec path=%s key=x\n' "$T/bin/a" "$T/bin/b" "$T/bin/c" > "$T/conf#1/three.policy"
cat > "$T/embargod.conf" <<CONF
# embargod's options, one a line

   # indented comment
policy=$T/two.policy
mode audit   # a comment after a value
log-keep	5
no-pin
CONF
run --check --config "$T/embargod.conf"
is "--check with --config: the file's policy= and mode (name=value) are read" "$out" \
	"configuration OK: 2 rules, mode audit"
is "  exit status 0" "$rc" 0

sed -i "s|^policy=.*|--policy $T/conf#1/three.policy|" "$T/embargod.conf"
run --check --config "$T/embargod.conf"
is "'--policy FILE' in the file (dashes allowed, '#' inside a path kept)" "$out" \
	"configuration OK: 3 rules, mode audit"

run --check --config "$T/embargod.conf" --policy "$T/two.policy"
is "the command line wins over the file" "$out" "configuration OK: 2 rules, mode audit"
case $err in
*"$T/embargod.conf:4: policy: the command line's option is used instead"*)
	ok "  and says which line of the file it overrides" ;;
*) not_ok "  and says which line of the file it overrides" "$err" ;;
esac

# conf_error DESCRIPTION LINE WANT: a file holding LINE (as its third line) is refused with
# the one line WANT ("FILE:3: " is put before it), exit status 2.
conf_error() {
	printf '# test\npolicy %s\n%s\n' "$T/two.policy" "$2" > "$T/bad.conf"
	run --check --config "$T/bad.conf"
	is "$1" "$err" "embargod: $T/bad.conf:3: $3"
	is "  exit status 2" "$rc" 2
}
conf_error "an unknown option in the file" "frobnicate 1" "frobnicate: unknown option"
conf_error "a bad value" "mode sometimes" "--mode: 'sometimes' is not enforce or audit"
conf_error "a bad size" "log-max-size=lots" "--log-max-size: 'lots' is not a size"
conf_error "a value for a flag" "force please" "force: a flag takes no value, or yes or no"
conf_error "no value" "log" "log: needs a value"
conf_error "an action is for the command line" "check" "check: allowed on the command line only"
conf_error "--config in the file" "config /dev/null" "config: allowed on the command line only"

printf 'policy %s\nmode audit\n' "$T/missing.policy" > "$T/missing.conf"
run --check --config "$T/missing.conf"
case $err in
*"$T/missing.policy"*) ok "the file's policy is what --check reads" ;;
*) not_ok "the file's policy is what --check reads" "$err" ;;
esac

cp "$T/embargod.conf" "$T/open.conf"
chmod 666 "$T/open.conf"
run --check --config "$T/open.conf"
is "a file others may write is refused" "$err" \
	"embargod: $T/open.conf: refused: writable by group or others (mode 0666, owner uid $(id -u)); only root may write it"
is "  exit status 2" "$rc" 2

run --check --config "$T/none.conf" --policy "$T/two.policy"
is "a missing --config file is an error" "$err" \
	"embargod: $T/none.conf: cannot read: No such file or directory"
is "  exit status 2" "$rc" 2

# A copy: the checkout may belong to another user, or be group-writable.
cp "$top/dist/embargod.conf" "$T/example.conf"
chmod 644 "$T/example.conf"
run --check --config "$T/example.conf" --policy "$T/two.policy"
is "the shipped example dist/embargod.conf is accepted" "$out" \
	"configuration OK: 2 rules, mode enforce"
is "  and says nothing" "$err" ""

done_testing
