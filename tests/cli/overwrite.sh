#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# No command that writes a file replaces one that is not its own kind: scan --cache, report
# --html, keygen --force, sign (FILE.sig) and unload token refuse a file of other content (a
# stand-in for a system file, with arbitrary bytes), a symbolic link and a directory, name the
# file and say why, and leave it byte for byte as it was; each still writes a new path and
# replaces its own earlier output.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/tap.sh"

T=$(mktemp -d "${TMPDIR:-/tmp}/embargo-overwrite.XXXXXX")
trap 'rm -rf "$T"' EXIT
T=$(cd "$T" && pwd -P)

# is DESCRIPTION GOT WANT
is() {
	if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1" "got:      '$2'" "expected: '$3'"; fi
}

# system NAME MODE: a stand-in for a system file, arbitrary bytes; its checksum in NAME.sum.
system() {
	{
		printf 'root:x:0:0:root:/root:/bin/bash\n'
		printf 'EMBDGST1 is only a word here\n'
		head -c 300 /dev/urandom
	} > "$T/$1"
	chmod "$2" "$T/$1"
	sha256sum < "$T/$1" > "$T/$1.sum"
}

# unchanged DESCRIPTION NAME: NAME holds what system() put there.
unchanged() {
	if sha256sum < "$T/$2" | cmp -s - "$T/$2.sum"; then ok "$1"; else not_ok "$1" "$2 changed"; fi
}

# refused DESCRIPTION FILE STATUS COMMAND...: COMMAND exits STATUS, saying FILE: refusing ...
refused() {
	desc=$1 file=$2 want=$3
	shift 3
	"$@" > "$T/out" 2> "$T/err"
	rc=$?
	if [ "$rc" -eq "$want" ] && grep -qF "$file: refusing to overwrite: " "$T/err"; then
		ok "$desc"
	else
		not_ok "$desc" "exit $rc (want $want)" "stderr: $(cat "$T/err")"
	fi
}

# A sha256= rule: scan hashes what it finds, and keeps the hashes in its cache.
printf 'deny exec sha256=%064d key=k\n' 0 > "$T/p.policy"
mkdir -p "$T/tree"
printf 'data\n' > "$T/tree/f"

# scan --cache
system passwd 600
refused "scan --cache over another file is refused (exit 2)" "$T/passwd" 2 \
	embargo scan --policy "$T/p.policy" --cache "$T/passwd" --no-processes "$T/tree"
check "...saying it is no scan cache" grep -q "it is not an embargo scan cache" "$T/err"
unchanged "...and the file is as it was (mode 0600, owned by this user)" passwd
system shared 644
refused "the same for a file others may read" "$T/shared" 2 \
	embargo scan --policy "$T/p.policy" --cache "$T/shared" --no-processes "$T/tree"
unchanged "...left as it was" shared
: > "$T/empty"
refused "an empty file is not a cache either" "$T/empty" 2 \
	embargo scan --policy "$T/p.policy" --cache "$T/empty" --no-processes "$T/tree"
is "...and stays empty" "$(wc -c < "$T/empty")" 0
ln -s "$T/passwd" "$T/link"
refused "a symbolic link is refused" "$T/link" 2 \
	embargo scan --policy "$T/p.policy" --cache "$T/link" --no-processes "$T/tree"
check "...and stays one" [ -L "$T/link" ]
unchanged "...its target untouched" passwd
mkdir "$T/dir.cache"
refused "a directory is refused" "$T/dir.cache" 2 \
	embargo scan --policy "$T/p.policy" --cache "$T/dir.cache" --no-processes "$T/tree"
embargo scan --policy "$T/p.policy" --cache "$T/new.cache" --no-processes "$T/tree" \
	> /dev/null 2>&1
check "a new cache path is written" sh -c "head -c 8 '$T/new.cache' | grep -q EMBDGST1"
printf 'more\n' > "$T/tree/g"
embargo --json scan --policy "$T/p.policy" --cache "$T/new.cache" --no-processes "$T/tree" \
	> "$T/again.json" 2> "$T/err"
is "...and then replaced by the next scan (exit 0)" "$?" 0
check "...which used it" grep -q '"cache_hits":1' "$T/again.json"

# report --html
: > "$T/events.jsonl"
system index.html 644
refused "report --html over another file is refused" "$T/index.html" 1 \
	embargo report --html "$T/index.html" "$T/events.jsonl"
unchanged "...left as it was" index.html
printf '<!DOCTYPE html>\n<html><head><title>a page</title></head></html>\n' > "$T/page.html"
sha256sum < "$T/page.html" > "$T/page.html.sum"
refused "...and so is an HTML page embargo did not write" "$T/page.html" 1 \
	embargo report --html "$T/page.html" "$T/events.jsonl"
unchanged "...left as it was" page.html
refused "...and the log itself" "$T/events.jsonl" 1 \
	embargo report --html "$T/events.jsonl" "$T/events.jsonl"
embargo report --html "$T/report.html" "$T/events.jsonl" > /dev/null 2>&1
is "a new report is written" "$?" 0
embargo report --html "$T/report.html" "$T/events.jsonl" > /dev/null 2> "$T/err"
is "...and replaced by the next" "$?" 0

# keygen
system key 600
system key.pub 644
refused "keygen over another file: refused" "$T/key" 1 embargo keygen "$T/key"
check "...saying --force replaces a key pair, and nothing else" \
	grep -qF -- "(--force replaces a key pair, and nothing else)" "$T/err"
refused "keygen --force over another file: refused too" "$T/key" 1 \
	embargo keygen --force "$T/key"
check "...saying it is no private key" grep -q "it is not an Ed25519 private key" "$T/err"
check "...without suggesting --force" sh -c "! grep -q -- '--force replaces' '$T/err'"
unchanged "...left as it was" key
unchanged "...and its .pub too" key.pub
embargo keygen "$T/k2" > /dev/null 2>&1
system k2.pub 644
refused "keygen --force over a key whose .pub is another file: refused" "$T/k2.pub" 1 \
	embargo keygen --force "$T/k2"
unchanged "...left as it was" k2.pub
embargo keygen "$T/k3" > /dev/null 2>&1
cp "$T/k3" "$T/k3.before"
embargo keygen --force "$T/k3" > /dev/null 2>&1
is "keygen --force replaces a key pair" "$?" 0
check "...with another key" sh -c "! cmp -s '$T/k3' '$T/k3.before'"

# sign: FILE.sig
system p.policy.sig 644
refused "sign over a FILE.sig that is no signature: refused" "$T/p.policy.sig" 1 \
	embargo sign --key "$T/k3" "$T/p.policy"
unchanged "...left as it was" p.policy.sig
rm "$T/p.policy.sig"
embargo sign --key "$T/k3" "$T/p.policy" > /dev/null 2>&1
is "sign writes a new FILE.sig" "$?" 0
embargo sign --key "$T/k3" "$T/p.policy" > /dev/null 2>&1
is "...and replaces its own" "$?" 0

# unload token
system token 644
refused "unload token over an existing file: refused" "$T/token" 1 \
	embargo unload token --host h1 "$T/token"
unchanged "...left as it was" token
embargo unload token --host h1 "$T/token2" > /dev/null 2>&1
is "a new token file is written" "$?" 0

done_testing
