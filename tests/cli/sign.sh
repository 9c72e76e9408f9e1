#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# embargo keygen, sign and verify: key files and modes, a signed policy that verifies, an edited
# one that does not, foreign and unusable keys, --json output (parsed with jq), and the
# signatures checked against openssl's own Ed25519 where openssl is installed.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/tap.sh"

T=$(mktemp -d "${TMPDIR:-/tmp}/embargo-sign.XXXXXX")
trap 'rm -rf "$T"' EXIT

# is DESCRIPTION GOT WANT
is() {
	if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1" "got:      '$2'" "expected: '$3'"; fi
}

# field NAME FILE: the value of keygen's "NAME:" line.
field() {
	sed -n "s/^$1: *//p" "$2" | head -n 1
}

# jq_ok DESCRIPTION FILTER FILE: FILE parses as JSON and FILTER holds (skipped without jq).
have_jq=false
command -v jq > /dev/null && have_jq=true
jq_ok() {
	$have_jq || return 0
	if jq -e "$2" "$3" > /dev/null 2>&1; then
		ok "$1"
	else
		not_ok "$1" "jq -e '$2' failed on: $(cat "$3")"
	fi
}

cat > "$T/p.policy" <<'EOF'
mode enforce
deny exec path=/opt/kaspersky/bin/kav key=kav
EOF
cp "$T/p.policy" "$T/q.policy"

# --- keygen
embargo keygen "$T/k" > "$T/out" 2> "$T/err"
is "keygen exits 0" "$?" 0
is "and says nothing on stderr" "$(cat "$T/err")" ""
fpr=$(field fingerprint "$T/out")
check "it prints a 16-hex-digit fingerprint" sh -c "echo '$fpr' | grep -qxE '[0-9a-f]{16}'"
is "and the private key's path" "$(field private "$T/out")" "$T/k"
is "and the public key's path" "$(field public "$T/out")" "$T/k.pub"
is "the private key is mode 600" "$(stat -c %a "$T/k")" 600
is "the public key is mode 644" "$(stat -c %a "$T/k.pub")" 644
check "the private key is PKCS#8 PEM" grep -qx -- '-----BEGIN PRIVATE KEY-----' "$T/k"
check "the public key is PEM" grep -qx -- '-----BEGIN PUBLIC KEY-----' "$T/k.pub"
if command -v openssl > /dev/null; then
	raw=$(openssl pkey -pubin -in "$T/k.pub" -outform DER | tail -c 32 | sha256sum | cut -c1-16)
	is "the fingerprint is the SHA-256 of the raw public key (openssl)" "$raw" "$fpr"
fi

cp "$T/k" "$T/k.before"
embargo keygen "$T/k" > /dev/null 2> "$T/err"
is "keygen on an existing key exits 1" "$?" 1
check "saying the key exists and how to replace it" \
	grep -qF "embargo: keygen: $T/k: refusing to overwrite: it exists (--force replaces a key pair" "$T/err"
check "and the key is unchanged" cmp -s "$T/k" "$T/k.before"

embargo keygen --force "$T/k" > "$T/out"
is "keygen --force exits 0" "$?" 0
new_fpr=$(field fingerprint "$T/out")
check "with a new key" test "$new_fpr" != "$fpr"
check "in the private key file" sh -c "! cmp -s '$T/k' '$T/k.before'"
is "still mode 600" "$(stat -c %a "$T/k")" 600
fpr=$new_fpr

embargo keygen --json "$T/other" > "$T/json"
is "keygen --json exits 0" "$?" 0
jq_ok "keygen --json: fingerprint, private and public paths" \
	"(.fingerprint | test(\"^[0-9a-f]{16}\$\")) and .private == \"$T/other\" and .public == \"$T/other.pub\"" \
	"$T/json"
other_fpr=$(sed -n 's/.*"fingerprint":"\([0-9a-f]*\)".*/\1/p' "$T/json")

embargo keygen > /dev/null 2>&1
is "keygen without KEYFILE: exit 2" "$?" 2
embargo keygen "$T/a" "$T/b" > /dev/null 2>&1
is "keygen with two KEYFILEs: exit 2" "$?" 2

# --- sign
embargo sign --key "$T/k" "$T/p.policy" "$T/q.policy" > "$T/out" 2> "$T/err"
is "sign exits 0" "$?" 0
is "and prints each FILE.sig with the key's fingerprint" "$(cat "$T/out")" \
	"$T/p.policy.sig: signed with key $fpr
$T/q.policy.sig: signed with key $fpr"
is "p.policy.sig is one line" "$(wc -l < "$T/p.policy.sig" | tr -d ' ')" 1
check "'ed25519 FINGERPRINT BASE64SIG'" \
	grep -qxE "ed25519 $fpr [A-Za-z0-9+/]{86}==" "$T/p.policy.sig"
is "p.policy.sig is mode 644" "$(stat -c %a "$T/p.policy.sig")" 644
check "no temporary file is left" sh -c "[ \$(ls -A '$T' | grep -c '^\\.') -eq 0 ]"

embargo sign --json --key "$T/k" "$T/p.policy" > "$T/json"
is "sign --json exits 0" "$?" 0
jq_ok "sign --json: file, sig and fingerprint" \
	".[0].ok == true and .[0].file == \"$T/p.policy\" and .[0].sig == \"$T/p.policy.sig\" and .[0].fingerprint == \"$fpr\"" \
	"$T/json"

if command -v openssl > /dev/null; then
	cut -d' ' -f3 "$T/p.policy.sig" | base64 -d > "$T/raw.sig"
	check "openssl verifies the signature (pure Ed25519 over the file's bytes)" \
		sh -c "openssl pkeyutl -verify -pubin -inkey '$T/k.pub' -rawin -in '$T/p.policy' \
			-sigfile '$T/raw.sig' > /dev/null 2>&1"
fi

# --- verify
embargo verify --key "$T/k.pub" "$T/p.policy" > "$T/out" 2> "$T/err"
is "verify exits 0" "$?" 0
is "and names the file and the key" "$(cat "$T/out")" \
	"$T/p.policy: OK, signed by key $fpr ($T/k.pub)"
embargo verify --json --key "$T/k.pub" "$T/p.policy" > "$T/json"
is "verify --json exits 0" "$?" 0
jq_ok "verify --json: ok, fingerprint and key file" \
	".[0].ok == true and .[0].file == \"$T/p.policy\" and .[0].fingerprint == \"$fpr\" and .[0].key == \"$T/k.pub\"" \
	"$T/json"
embargo verify --key "$T/other.pub" --key "$T/k.pub" "$T/p.policy" > /dev/null
is "verify with two trusted keys, one of them the signer's: exit 0" "$?" 0

echo 'deny exec path=/usr/bin/nc key=nc' >> "$T/q.policy"
embargo verify --key "$T/k.pub" "$T/q.policy" > "$T/out" 2> "$T/err"
is "verify of an edited policy exits 1" "$?" 1
check "naming the file and why" \
	grep -qF "embargo: verify: $T/q.policy: does not verify with trusted key $fpr" "$T/err"
embargo verify --json --key "$T/k.pub" "$T/q.policy" > "$T/json"
is "verify --json of an edited policy exits 1" "$?" 1
jq_ok "verify --json: ok false, with the reason" \
	".[0].ok == false and .[0].file == \"$T/q.policy\" and (.[0].error | test(\"does not verify\"))" \
	"$T/json"

embargo verify --key "$T/k.pub" "$T/p.policy" "$T/q.policy" > "$T/out" 2> "$T/err"
is "verify of a good and an edited policy exits 1" "$?" 1
check "the good one is OK" grep -qF "$T/p.policy: OK" "$T/out"
check "the edited one is named" grep -qF "$T/q.policy: " "$T/err"

embargo verify --key "$T/other.pub" "$T/p.policy" > /dev/null 2> "$T/err"
is "verify with a key that did not sign: exit 1" "$?" 1
check "saying the signer is not trusted" grep -qF "names key $fpr, which is not trusted" "$T/err"

embargo sign --key "$T/other" "$T/q.policy" > /dev/null
embargo verify --key "$T/other.pub" "$T/q.policy" > "$T/out"
is "a policy signed again after editing verifies" "$?" 0
check "with the new signer's key" grep -qF "signed by key $other_fpr" "$T/out"

sed 's/ [^ ]*$/ AAAA/' "$T/p.policy.sig" > "$T/bad.sig"
cp "$T/p.policy" "$T/r.policy"
cp "$T/bad.sig" "$T/r.policy.sig"
embargo verify --key "$T/k.pub" "$T/r.policy" > /dev/null 2> "$T/err"
is "a malformed signature: exit 1" "$?" 1
check "saying what is wrong with the .sig" \
	grep -qF "$T/r.policy: $T/r.policy.sig: signature is 3 bytes, expected 64" "$T/err"

cp "$T/p.policy" "$T/unsigned.policy"
embargo verify --key "$T/k.pub" "$T/unsigned.policy" > /dev/null 2> "$T/err"
is "a policy without .sig: exit 1" "$?" 1
check "naming the missing .sig" grep -qF "not signed: $T/unsigned.policy.sig" "$T/err"

# --- unusable keys and usage errors
embargo verify "$T/p.policy" > /dev/null 2> "$T/err"
is "verify without --key: exit 2" "$?" 2
check "saying --key is required" grep -qF "verify: --key is required" "$T/err"
embargo verify --key "$T/k.pub" > /dev/null 2>&1
is "verify without FILE: exit 2" "$?" 2
embargo sign --key "$T/k" > /dev/null 2>&1
is "sign without FILE: exit 2" "$?" 2
embargo verify --key "$T/k" "$T/p.policy" > /dev/null 2> "$T/err"
is "verify --key with a private key: exit 2" "$?" 2
check "saying it is a private key" grep -qF "$T/k: holds a private key" "$T/err"
embargo sign --key "$T/k.pub" "$T/p.policy" > /dev/null 2> "$T/err"
is "sign --key with a public key: exit 2" "$?" 2
embargo verify --json --key "$T/missing.pub" "$T/p.policy" > "$T/json" 2> /dev/null
is "verify --json with a missing key file: exit 2" "$?" 2
jq_ok "the error as {\"error\": ...}" ".error | test(\"missing.pub\")" "$T/json"
embargo sign --key "$T/k" "$T/nowhere.policy" > /dev/null 2> "$T/err"
is "sign of a missing file: exit 1" "$?" 1
check "naming it" grep -qF "sign: $T/nowhere.policy: No such file or directory" "$T/err"
if command -v openssl > /dev/null; then
	openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$T/ec" 2> /dev/null
	openssl pkey -in "$T/ec" -pubout -out "$T/ec.pub" 2> /dev/null
	embargo verify --key "$T/ec.pub" "$T/p.policy" > /dev/null 2> "$T/err"
	is "verify --key with an EC key: exit 2" "$?" 2
	check "saying it is not Ed25519" grep -qF "$T/ec.pub: not an Ed25519 key (EC)" "$T/err"
	embargo sign --key "$T/ec" "$T/p.policy" > /dev/null 2> "$T/err"
	is "sign --key with an EC key: exit 2" "$?" 2
fi

embargo help > "$T/out"
for c in keygen sign verify; do
	check "embargo help lists $c" grep -qE "^  $c " "$T/out"
done
embargo verify --help > "$T/out"
check "verify --help prints its usage" grep -qF "usage: embargo verify" "$T/out"

done_testing
