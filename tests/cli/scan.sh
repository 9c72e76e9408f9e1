#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# embargo scan over a planted tree: banned files by dir=, path=, sha256= (renamed copies, deep
# and hidden ones, without an execute bit) and package= (a fake dpkg database, and a fake rpm
# database where rpm is installed), and a running banned program, found completely among
# 10,000 other files with no false positive. A second scan of the unchanged tree reads no file
# content. --plan (what is denied only: audit findings are listed apart and left in place),
# --csv, --json, exit statuses and errors on bad input.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/tap.sh"

T=$(mktemp -d "${TMPDIR:-/tmp}/embargo-scan.XXXXXX")
runner=""
cleanup() {
	[ -n "$runner" ] && kill "$runner" 2>/dev/null && wait "$runner" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
# Paths in the findings are realpaths: the temporary directory may sit behind a symlink.
T=$(cd "$T" && pwd -P)
R=$T/root

# is DESCRIPTION GOT WANT
is() {
	if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1" "got:      '$2'" "expected: '$3'"; fi
}

# counter NAME FILE: a number of the --json output.
counter() {
	grep -o "\"$1\":[0-9]*" "$2" | head -n 1 | cut -d: -f2
}

# The banned program: a copy of sleep with bytes after its end, so that its content is its own
# (an ELF file runs the same with trailing bytes) and it can run as a process.
sleep_bin=$(command -v sleep)
mkdir -p "$R/opt/vendor/bin" "$R/opt/vendor/lib/x86_64/plugins" "$R/usr/local/bin" \
	"$R/home/user/Downloads" "$R/var/tmp/a/b/c/d/e" "$R/srv/share" "$R/tmp/run" \
	"$R/usr/lib/vendorpkg" "$T/dpkg/var/lib/dpkg/info"
{
	cat "$sleep_bin"
	printf 'embargo scan test: banned build 7\n'
} > "$T/banned.bin"
chmod 755 "$T/banned.bin"
banned_sha=$(sha256sum "$T/banned.bin" | cut -d' ' -f1)

# Planted: each is one line of the expected findings.
{
	cat "$sleep_bin"
	printf 'embargo scan test: vendor agent\n'
} > "$R/opt/vendor/bin/agent"                                 # dir=
printf 'plugin\n' > "$R/opt/vendor/lib/x86_64/plugins/scan.so" # dir=, deep
printf 'tool\n' > "$R/usr/local/bin/vendor-tool"              # path=
chmod 755 "$R/usr/local/bin/vendor-tool"
cp "$T/banned.bin" "$R/home/user/Downloads/totally-legit"     # sha256=, renamed
cp "$T/banned.bin" "$R/var/tmp/a/b/c/d/e/.hidden"             # sha256=, deep and hidden
cp "$T/banned.bin" "$R/srv/share/copy.dat"                    # sha256=, no execute bit
chmod 644 "$R/srv/share/copy.dat"
cp "$T/banned.bin" "$R/tmp/run/worker"                        # sha256=, and it runs
printf '#!/bin/sh\necho vendorpkg\n' > "$R/usr/lib/vendorpkg/helper" # package=
chmod 755 "$R/usr/lib/vendorpkg/helper"
printf '/.\n/usr\n%s/usr/lib/vendorpkg\n%s/usr/lib/vendorpkg/helper\n' "$R" "$R" \
	> "$T/dpkg/var/lib/dpkg/info/vendorpkg.list"
# Not installed: a list for another package that the policy does not name.
printf '%s/usr/lib/vendorpkg/helper\n' "$R" > "$T/dpkg/var/lib/dpkg/info/unrelated.md5sums"

# 10,000 other files: text, near misses (the banned program cut short, or with one byte
# more), copies of real programs, empty files, executables; in 100 directories.
i=0
while [ $i -lt 100 ]; do
	mkdir -p "$R/data/d$i"
	i=$((i + 1))
done
head -c 20000 "$T/banned.bin" > "$R/data/d0/truncated"
{
	cat "$T/banned.bin"
	printf 'x'
} > "$R/data/d0/one-more-byte"
cp "$sleep_bin" "$R/data/d0/sleep"
cp "$(command -v sh)" "$R/data/d0/sh"
: > "$R/data/d0/empty"
n=5
i=0
while [ $n -lt 10000 ]; do
	printf 'file %d of the clean tree\n' "$n" > "$R/data/d$((n % 100))/f$n"
	n=$((n + 1))
done
chmod 755 "$R"/data/d1/*
others=$(find "$R/data" -type f | wc -l)
is "the tree holds 10,000 other files" "$others" 10000

cat > "$T/p.policy" <<EOF
deny exec dir=$R/opt/vendor                 key=vendor
deny exec path=$R/usr/local/bin/vendor-tool key=vendor-tool
deny exec sha256=$banned_sha key=vendor-build
deny exec package=vendorpkg                 key=vendor-package
deny exec package=notinstalled              key=vendor-other
EOF

# rpm, where it is installed: a package registered in a database of the test's own, owning one
# more planted file.
rpm_args=""
if command -v rpm > /dev/null && command -v rpmbuild > /dev/null; then
	mkdir -p "$T/rpmtop" "$R/opt/rpmvendor/bin"
	cat > "$T/vendorrpm.spec" <<EOF
%global _binaries_in_noarch_packages_terminate_build 0
%global __os_install_post %{nil}
%global debug_package %{nil}
Name: vendorrpm
Version: 1.0
Release: 1
Summary: embargo scan test package
License: none
BuildArch: noarch
%description
embargo scan test package
%install
mkdir -p %{buildroot}$R/opt/rpmvendor/bin
cp $T/banned.bin %{buildroot}$R/opt/rpmvendor/bin/rpm-agent
%files
$R/opt/rpmvendor/bin/rpm-agent
EOF
	if rpmbuild -bb --quiet --define "_topdir $T/rpmtop" "$T/vendorrpm.spec" > "$T/rpmbuild.log" 2>&1 &&
		rpm --dbpath "$T/rpmdb" --initdb &&
		rpm --dbpath "$T/rpmdb" -i --justdb --nodeps --ignoreos --ignorearch \
			"$T"/rpmtop/RPMS/noarch/vendorrpm-1.0-1.noarch.rpm 2> /dev/null; then
		cp "$T/banned.bin" "$R/opt/rpmvendor/bin/rpm-agent"
		rpm_args="--rpm-dbpath $T/rpmdb"
		echo "deny exec package=vendorrpm key=vendor-rpm" >> "$T/p.policy"
		ok "an rpm package registered in the test's rpm database"
	else
		not_ok "an rpm package registered in the test's rpm database" \
			"$(tail -n 5 "$T/rpmbuild.log")"
	fi
else
	echo "# rpm is not installed: the dpkg database alone is consulted"
fi

# The running banned program (started from the planted copy).
"$R/tmp/run/worker" 600 &
runner=$!

expected="$R/home/user/Downloads/totally-legit
$R/opt/vendor/bin/agent
$R/opt/vendor/lib/x86_64/plugins/scan.so
$R/srv/share/copy.dat
$R/tmp/run/worker
$R/usr/lib/vendorpkg/helper
$R/usr/local/bin/vendor-tool
$R/var/tmp/a/b/c/d/e/.hidden"
[ -n "$rpm_args" ] && expected="$expected
$R/opt/rpmvendor/bin/rpm-agent"
expected=$(echo "$expected" | sort)

# shellcheck disable=SC2086 # rpm_args is empty or two words
scan() {
	embargo "$@" --policy "$T/p.policy" --dpkg-root "$T/dpkg" $rpm_args \
		--cache "$T/scan.cache" "$R"
}

# The first scan: everything is read.
scan --json scan > "$T/first.json" 2> "$T/first.err"
is "a scan that finds something exits 1" "$?" 1
scan scan --csv > "$T/first.csv" 2> /dev/null
got=$(grep '^"file"' "$T/first.csv" | cut -d'"' -f4 | sort)
if [ "$got" = "$expected" ]; then
	ok "every planted file is found, and nothing else among $others other files"
else
	echo "$expected" > "$T/expected"
	not_ok "every planted file is found, and nothing else" \
		"$(echo "$got" | diff "$T/expected" - | sed 's/^/  /')"
fi
hashed=$(counter files_hashed "$T/first.json")
examined=$(counter files_examined "$T/first.json")
n_planted=$(echo "$expected" | wc -l)
is "every file is examined" "$examined" $((others + n_planted))
if [ "$hashed" -ge "$others" ]; then
	ok "the first scan reads the files ($hashed hashed)"
else
	not_ok "the first scan reads the files" "files_hashed=$hashed"
fi
if [ "$(counter bytes_read "$T/first.json")" -gt 0 ]; then
	ok "bytes_read counts what was read"
else
	not_ok "bytes_read counts what was read"
fi

# How each was found.
row() {
	grep "^\"file\",\"$1\"" "$T/first.csv"
}
case $(row "$R/opt/vendor/bin/agent") in
*'"deny","vendor","dir",'*) ok "agent: by the dir= rule" ;;
*) not_ok "agent: by the dir= rule" "$(row "$R/opt/vendor/bin/agent")" ;;
esac
case $(row "$R/usr/local/bin/vendor-tool") in
*'"vendor-tool","path",'*) ok "vendor-tool: by the path= rule" ;;
*) not_ok "vendor-tool: by the path= rule" "$(row "$R/usr/local/bin/vendor-tool")" ;;
esac
case $(row "$R/srv/share/copy.dat") in
*"\"vendor-build\",\"sha256\",\"$banned_sha\""*"\"$banned_sha\""*) ok "copy.dat: by content, its sha256 reported" ;;
*) not_ok "copy.dat: by content" "$(row "$R/srv/share/copy.dat")" ;;
esac
case $(row "$R/usr/lib/vendorpkg/helper") in
*'"vendor-package","path",'*'"vendorpkg"') ok "helper: by a rule derived from package=vendorpkg; owned by vendorpkg" ;;
*) not_ok "helper: by package=vendorpkg" "$(row "$R/usr/lib/vendorpkg/helper")" ;;
esac
check "the installed package is listed as found" grep -q '^"package","vendorpkg",.*"vendor-package","package","vendorpkg".*"dpkg"$' "$T/first.csv"
if grep -q notinstalled "$T/first.csv"; then
	not_ok "a package that is not installed is not listed"
else
	ok "a package that is not installed is not listed"
fi
if [ -n "$rpm_args" ]; then
	check "the rpm package is listed as found" grep -q '^"package","vendorrpm",.*"vendor-rpm","package","vendorrpm".*"rpm"$' "$T/first.csv"
	case $(row "$R/opt/rpmvendor/bin/rpm-agent") in
	*'"vendorrpm"') ok "rpm-agent: owned by vendorrpm (rpm -qf)" ;;
	*) not_ok "rpm-agent: owned by vendorrpm" "$(row "$R/opt/rpmvendor/bin/rpm-agent")" ;;
	esac
fi

# The running program, by pid, with its hash.
proc=$(grep "^\"process\",\"$R/tmp/run/worker\",\"$runner\"" "$T/first.csv")
case $proc in
*"\"$banned_sha\""*) ok "the running banned program is found by pid $runner" ;;
*) not_ok "the running banned program is found by pid" "$(grep '^"process"' "$T/first.csv")" ;;
esac
is "no other process is found" "$(grep -c '^"process"' "$T/first.csv")" 1

# The second scan of the unchanged tree reads no file content.
scan --json scan > "$T/second.json" 2> /dev/null
is "the second scan hashes no file" "$(counter files_hashed "$T/second.json")" 0
is "the second scan reads no byte" "$(counter bytes_read "$T/second.json")" 0
is "...because the cache had them all" "$(counter cache_hits "$T/second.json")" \
	"$(($(counter files_hashed "$T/first.json") + $(counter cache_hits "$T/first.json")))"
scan scan --csv > "$T/second.csv" 2> /dev/null
is "...and it finds the same" "$(grep '^"file"' "$T/second.csv" | cut -d'"' -f4 | sort)" "$expected"

# One changed file is read again, and only it.
printf 'changed\n' >> "$R/data/d7/f7"
scan --json scan > "$T/third.json" 2> /dev/null
is "after one file changes, one file is read" "$(counter files_hashed "$T/third.json")" 1

# The removal plan.
scan scan --plan > "$T/plan.txt" 2> /dev/null
check "the plan purges the dpkg package" grep -qx "  dpkg --root=$T/dpkg --purge vendorpkg" "$T/plan.txt"
check "the plan stops the running program first" grep -qx "  kill -KILL $runner" "$T/plan.txt"
first_kill=$(grep -n 'kill -KILL' "$T/plan.txt" | head -n 1 | cut -d: -f1)
first_purge=$(grep -n 'dpkg --root' "$T/plan.txt" | cut -d: -f1)
if [ "$first_kill" -lt "$first_purge" ]; then
	ok "kill comes before the purge"
else
	not_ok "kill comes before the purge"
fi
check "a file no package owns gets an rm" grep -qx "  rm -f -- $R/opt/vendor/bin/agent" "$T/plan.txt"
if grep -q "rm -f -- $R/usr/lib/vendorpkg/helper" "$T/plan.txt"; then
	not_ok "a packaged file is left to its package manager"
else
	ok "a packaged file is left to its package manager"
fi
unowned=$(sed -n '/^files owned by no package:/,$p' "$T/plan.txt" | sed -n 's/^  //p' | sort)
want_unowned=$(echo "$expected" | grep -v "vendorpkg/helper\|rpm-agent")
is "the files owned by no package are listed" "$unowned" "$want_unowned"
if [ -n "$rpm_args" ]; then
	check "the plan removes the rpm package" grep -qx "  rpm --dbpath $T/rpmdb -e vendorrpm" "$T/plan.txt"
fi
scan --json scan --plan > "$T/plan.json" 2> /dev/null
check "--json --plan carries the commands" grep -q "\"commands\":\[\"kill -KILL $runner\"" "$T/plan.json"
if command -v jq > /dev/null; then
	check "--json output parses (jq)" sh -c "jq -e '.files | length == $n_planted' '$T/first.json' > /dev/null"
fi

# A clean tree on a machine without the packages: exit 0, nothing found.
mkdir -p "$T/nodpkg/var/lib/dpkg/info"
embargo scan --policy "$T/p.policy" --dpkg-root "$T/nodpkg" --no-cache --no-processes \
	"$R/data" > "$T/clean.txt" 2>&1
is "a clean tree exits 0" "$?" 0
check "and says nothing was found" grep -q '^files: 0 found' "$T/clean.txt"

# Errors: unreadable files are reported, not fatal; bad input is refused.
if [ "$(id -u)" -ne 0 ]; then
	chmod 000 "$R/data/d2/f2"
	embargo --json scan --policy "$T/p.policy" --no-cache --no-processes "$R/data/d2" \
		> "$T/err.json" 2>&1
	check "an unreadable file is an error in the output" grep -q "\"path\":\"$R/data/d2/f2\"" "$T/err.json"
	chmod 644 "$R/data/d2/f2"
fi
embargo scan --policy "$T/p.policy" --no-cache "$T/no-such-dir" > "$T/bad.out" 2>&1
is "a missing PATH is a usage error (2)" "$?" 2
check "...that names it" grep -q "no-such-dir: No such file or directory" "$T/bad.out"
printf 'deny exec dir=relative key=x\n' > "$T/bad.policy"
embargo scan --policy "$T/bad.policy" --no-cache "$R/data/d3" > "$T/badp.out" 2>&1
is "a bad policy: exit 2" "$?" 2
check "...with the file and line" grep -q "bad.policy:1:" "$T/badp.out"
embargo scan --json --csv --policy "$T/p.policy" "$R/data/d3" > /dev/null 2>&1
is "--json with --csv: exit 2" "$?" 2
# A cache with a byte changed after its header (files other than caches: tests/cli/overwrite.sh).
cp "$T/scan.cache" "$T/broken.cache"
printf 'X' | dd of="$T/broken.cache" bs=1 seek=40 conv=notrunc 2> /dev/null
chmod 600 "$T/broken.cache"
embargo --json scan --policy "$T/p.policy" --cache "$T/broken.cache" --no-processes \
	"$R/data/d3" > "$T/broken.json" 2>&1
check "a damaged cache is said so and replaced" grep -q '"cache_note":"the cache file was damaged' "$T/broken.json"
embargo --json scan --policy "$T/p.policy" --cache "$T/broken.cache" --no-processes \
	"$R/data/d3" > "$T/fixed.json" 2>&1
is "...and the next scan uses the new one" "$(counter files_hashed "$T/fixed.json")" 0

# Only what the policy denies is planned for removal: audit findings (files, a package, a
# running program) are listed apart and left in place, and an allow package= rule finds nothing.
A=$T/audit
mkdir -p "$A/tree/opt/watched" "$A/tree/bin" "$A/tree/usr/lib/auditpkg" \
	"$A/tree/usr/lib/allowpkg" "$A/dpkg/var/lib/dpkg/info"
printf 'watched\n' > "$A/tree/opt/watched/tool"
printf 'logged\n' > "$A/tree/bin/logged"
printf 'banned\n' > "$A/tree/bin/banned"
{
	cat "$sleep_bin"
	printf 'embargo scan test: audited sleeper\n'
} > "$A/tree/bin/sleeper"
chmod 755 "$A/tree/bin/sleeper"
printf 'audited\n' > "$A/tree/usr/lib/auditpkg/helper"
printf 'allowed\n' > "$A/tree/usr/lib/allowpkg/helper"
chmod 755 "$A/tree/usr/lib/auditpkg/helper" "$A/tree/usr/lib/allowpkg/helper"
printf '%s/usr/lib/auditpkg/helper\n' "$A/tree" > "$A/dpkg/var/lib/dpkg/info/auditpkg.list"
printf '%s/usr/lib/allowpkg/helper\n' "$A/tree" > "$A/dpkg/var/lib/dpkg/info/allowpkg.list"
cat > "$A/p.policy" <<EOF
audit exec dir=$A/tree/opt/watched key=watched
audit exec path=$A/tree/bin/logged key=logged
audit exec path=$A/tree/bin/sleeper key=sleeper
deny exec path=$A/tree/bin/banned key=banned
audit exec package=auditpkg key=audit-package
allow exec package=allowpkg key=allow-package
EOF
"$A/tree/bin/sleeper" 600 &
sleeper=$!
ascan() {
	embargo scan --policy "$A/p.policy" --dpkg-root "$A/dpkg" --no-cache "$@" "$A/tree"
}
ascan --plan > "$A/plan.txt" 2> "$A/plan.err"
is "a scan with audit findings and a deny finding exits 1" "$?" 1
check "the denied file gets an rm" grep -qx "  rm -f -- $A/tree/bin/banned" "$A/plan.txt"
for f in opt/watched/tool bin/logged bin/sleeper usr/lib/auditpkg/helper; do
	if grep -q "rm .*$A/tree/$f" "$A/plan.txt"; then
		not_ok "an audited file is not removed: $f" "$(grep "rm .*$f" "$A/plan.txt")"
	else
		ok "an audited file is not removed: $f"
	fi
done
if grep -q 'purge\|-e ' "$A/plan.txt"; then
	not_ok "no package named by audit or allow rules is purged" "$(grep 'purge' "$A/plan.txt")"
else
	ok "no package named by audit or allow rules is purged"
fi
if grep -q "kill -KILL $sleeper" "$A/plan.txt"; then
	not_ok "an audited running program is not killed"
else
	ok "an audited running program is not killed"
fi
if grep -q allowpkg "$A/plan.txt"; then
	not_ok "an allow package= rule finds nothing" "$(grep allowpkg "$A/plan.txt")"
else
	ok "an allow package= rule finds nothing"
fi
check "the denied files are counted alone" grep -qx 'files: 1 found' "$A/plan.txt"
audited=$(sed -n '/^audited files: /,/^$/p' "$A/plan.txt" | grep -c '^  audit ')
is "the audited files are listed apart" "$audited" 4
check "the audited package is listed apart" \
	sh -c "sed -n '/^audited packages: 1 installed/,/^\$/p' '$A/plan.txt' | grep -q '^  auditpkg (dpkg)'"
check "the audited program is listed apart" \
	sh -c "sed -n '/^audited processes: 1 found/,/^\$/p' '$A/plan.txt' | grep -q 'pid $sleeper'"
left=$(sed -n '/^audited files, left in place: /,$p' "$A/plan.txt" | sed -n 's/^  //p' | sort)
is "the plan names the audited files it leaves in place" "$left" "$(printf '%s\n' \
	"$A/tree/bin/logged" "$A/tree/bin/sleeper" "$A/tree/opt/watched/tool" \
	"$A/tree/usr/lib/auditpkg/helper" | sort)"
ascan --json --plan > "$A/plan.json" 2> /dev/null
check "--json: the denied file under \"files\"" \
	grep -q "\"files\":\[{\"path\":\"$A/tree/bin/banned\"" "$A/plan.json"
check "--json: ...alone, and no package or process" \
	grep -q '"packages":\[\]}\],"packages":\[\],"processes":\[\],"audited_files"' "$A/plan.json"
check "--json: the plan removes only the denied file" \
	grep -q "\"commands\":\[\"rm -f -- $A/tree/bin/banned\"\]" "$A/plan.json"
check "--json: the audited files are listed apart" \
	grep -q "\"audited_files\":\[{\"path\":\"$A/tree/bin/logged\"" "$A/plan.json"
check "--json: the audited package is listed apart" \
	grep -q '"audited_packages":\[{"name":"auditpkg","manager":"dpkg","verdict":"audit"' "$A/plan.json"
check "--json: the plan names what it leaves in place" \
	grep -q "\"audited\":\[\"$A/tree/bin/logged\"" "$A/plan.json"
if command -v jq > /dev/null; then
	check "--json: the counts (jq)" sh -c "jq -e '(.files | length) == 1 and
		(.audited_files | length) == 4 and (.audited_processes | length) == 1 and
		(.packages | length) == 0 and (.plan.audited | length) == 4' '$A/plan.json' > /dev/null"
fi
ascan --csv > "$A/rows.csv" 2> /dev/null
verdicts=$(sed 1d "$A/rows.csv" | cut -d, -f5 | uniq | tr '\n' ' ')
is "--csv: the deny rows first, then the audit rows" "$verdicts" '"deny" "audit" '
check "--csv: the audited package's row says audit" \
	grep -q '^"package","auditpkg","","exec","audit",' "$A/rows.csv"
ascan --csv --plan > "$A/csvplan.out" 2>&1
is "--csv with --plan is refused (exit 2)" "$?" 2
check "...saying why" grep -q -- '--plan is a list of shell commands' "$A/csvplan.out"
kill "$sleeper" 2> /dev/null
wait "$sleeper" 2> /dev/null

done_testing
