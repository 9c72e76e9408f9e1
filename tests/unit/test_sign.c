// SPDX-License-Identifier: GPL-2.0-only
/*
 * Signed policies: key files and their modes, RFC 8032 vectors, the .sig line parsed strictly,
 * and every way a signature must fail (changed data, damaged, truncated, foreign or non-Ed25519
 * keys) with the right error code.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "sign.h"
#include "tap.h"
#include "tmptree.h"

#define LINE_LEN (sizeof("ed25519 ") - 1 + 16 + 1 + 88 + 1)

static const char b64_alphabet[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static char *tpath(const char *rel)
{
	static char paths[8][PATH_MAX];
	static int next;
	char *p = paths[next++ % 8];

	tree_path(rel, p, PATH_MAX);
	return p;
}

/* The content of PATH (NUL-terminated, at most SIZE - 1 bytes); its length or -1. */
static ssize_t read_text(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, size - 1);
	close(fd);
	buf[n < 0 ? 0 : n] = '\0';
	return n;
}

static void write_bytes(const char *path, const void *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	if (fd < 0 || write(fd, data, len) != (ssize_t)len)
		diag("cannot write %s", path);
	if (fd >= 0)
		close(fd);
}

static void write_text(const char *path, const char *text)
{
	write_bytes(path, text, strlen(text));
}

static int mode_of(const char *path)
{
	struct stat st;

	return stat(path, &st) ? -1 : (int)(st.st_mode & 07777);
}

static bool exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

/* Entries of the tree's directory REL, . and .. aside. */
static int count_entries(const char *rel)
{
	DIR *d = opendir(tpath(rel));
	struct dirent *e;
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d)))
		n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
	closedir(d);
	return n;
}

/* PKEY as PEM into PATH: its public key, its private key, or that encrypted with a password. */
enum pem_kind { PEM_PUBLIC, PEM_PRIVATE, PEM_ENCRYPTED };

static bool write_pem(const char *path, EVP_PKEY *pkey, enum pem_kind kind)
{
	BIO *bio = BIO_new_file(path, "w");
	int ok;

	if (!bio)
		return false;
	if (kind == PEM_PUBLIC)
		ok = PEM_write_bio_PUBKEY(bio, pkey);
	else if (kind == PEM_PRIVATE)
		ok = PEM_write_bio_PrivateKey(bio, pkey, NULL, NULL, 0, NULL, NULL);
	else
		ok = PEM_write_bio_PKCS8PrivateKey(bio, pkey, EVP_aes_256_cbc(), "secret", 6, NULL,
						   NULL);
	BIO_free(bio);
	return ok == 1;
}

static bool contains(const char *haystack, const char *needle)
{
	bool found = strstr(haystack, needle) != NULL;

	if (!found)
		diag("'%s' does not contain '%s'", haystack, needle);
	return found;
}

static void test_keygen(void)
{
	char before[4096], after[4096], pub_before[4096], err[512];
	char fpr[EMB_KEY_FINGERPRINT_SIZE], fpr2[EMB_KEY_FINGERPRINT_SIZE];
	char fpr_priv[EMB_KEY_FINGERPRINT_SIZE], fpr_pub[EMB_KEY_FINGERPRINT_SIZE];
	mode_t old = umask(077);

	tree_dir("keys");
	/* A umask that would hide the public key: the modes are set, not left to it. */
	is_int(emb_key_generate_ex(tpath("keys/k"), tpath("keys/k.pub"), 0, fpr, err, sizeof(err)),
	       0, "keygen writes a key pair");
	umask(old);
	is_int(mode_of(tpath("keys/k")), 0600, "the private key is mode 0600");
	is_int(mode_of(tpath("keys/k.pub")), 0644, "the public key is mode 0644 (umask 077)");
	read_text(tpath("keys/k"), before, sizeof(before));
	read_text(tpath("keys/k.pub"), pub_before, sizeof(pub_before));
	ok(!strncmp(before, "-----BEGIN PRIVATE KEY-----\n", 28), "the private key is PKCS#8 PEM");
	ok(!strncmp(pub_before, "-----BEGIN PUBLIC KEY-----\n", 27),
	   "the public key is SubjectPublicKeyInfo PEM");
	is_int(count_entries("keys"), 2, "no temporary file is left behind");
	is_int((long long)strlen(fpr), 16, "the fingerprint is 16 characters");
	ok(strspn(fpr, "0123456789abcdef") == 16, "of lowercase hex");

	is_int(emb_key_fingerprint_file(tpath("keys/k"), fpr_priv, err, sizeof(err)), 0,
	       "fingerprint of the private key file");
	is_int(emb_key_fingerprint_file(tpath("keys/k.pub"), fpr_pub, err, sizeof(err)), 0,
	       "fingerprint of the public key file");
	is_str(fpr_priv, fpr, "the private key file has the key's fingerprint");
	is_str(fpr_pub, fpr, "and so has the public key file");

	err[0] = '\0';
	is_int(emb_key_generate(tpath("keys/k"), tpath("keys/k2.pub"), err, sizeof(err)), -EEXIST,
	       "keygen refuses to overwrite a private key");
	ok(contains(err, "keys/k: refusing to overwrite: it exists"), "and says which file exists");
	ok(!exists(tpath("keys/k2.pub")), "and writes no public key");
	read_text(tpath("keys/k"), after, sizeof(after));
	is_str(after, before, "the existing key is unchanged");

	write_text(tpath("keys/other.pub"), "not mine\n");
	is_int(emb_key_generate(tpath("keys/other"), tpath("keys/other.pub"), err, sizeof(err)),
	       -EEXIST, "keygen refuses to overwrite a public key file");
	ok(!exists(tpath("keys/other")), "and writes no private key");
	ok(symlink("nowhere", tpath("keys/dangling")) == 0, "a dangling symlink");
	is_int(emb_key_generate(tpath("keys/dangling"), tpath("keys/d.pub"), err, sizeof(err)),
	       -EEXIST, "is not written through either");

	is_int(emb_key_generate_ex(tpath("keys/k"), tpath("keys/k.pub"), EMB_KEYGEN_REPLACE, fpr2,
				   err, sizeof(err)),
	       0, "with EMB_KEYGEN_REPLACE keygen replaces the pair");
	read_text(tpath("keys/k"), after, sizeof(after));
	ok(strcmp(after, before) != 0, "with a new private key");
	read_text(tpath("keys/k.pub"), after, sizeof(after));
	ok(strcmp(after, pub_before) != 0, "and a new public key");
	ok(strcmp(fpr, fpr2) != 0, "whose fingerprint differs");
	is_int(mode_of(tpath("keys/k")), 0600, "the replaced private key is mode 0600");
	is_int(mode_of(tpath("keys/k.pub")), 0644, "the replaced public key is mode 0644");
	emb_key_fingerprint_file(tpath("keys/k.pub"), fpr_pub, err, sizeof(err));
	is_str(fpr_pub, fpr2, "the files hold the new key");
	/* keys/: k, k.pub, other.pub, dangling. */
	is_int(count_entries("keys"), 4, "still no temporary file left behind");

	/* EMB_KEYGEN_REPLACE replaces keys, never another file given by mistake. */
	write_text(tpath("keys/notakey"), "root:x:0:0:root:/root:/bin/sh\n");
	is_int(emb_key_generate_ex(tpath("keys/notakey"), tpath("keys/notakey.pub"),
				   EMB_KEYGEN_REPLACE, fpr2, err, sizeof(err)),
	       -EEXIST, "with EMB_KEYGEN_REPLACE, a file that is no key is refused");
	ok(contains(err, "keys/notakey: refusing to overwrite: it is not an Ed25519 private key"),
	   "saying so (%s)", err);
	read_text(tpath("keys/notakey"), after, sizeof(after));
	is_str(after, "root:x:0:0:root:/root:/bin/sh\n", "and it is as it was");
	unlink(tpath("keys/notakey"));

	is_int(emb_key_generate(tpath("keys/same"), tpath("keys/same"), err, sizeof(err)), -EINVAL,
	       "one file for both keys is refused");
	is_int(emb_key_generate(tpath("nodir/k"), tpath("nodir/k.pub"), err, sizeof(err)), -ENOENT,
	       "a missing directory: -ENOENT");
	is_int(emb_key_generate(tpath("keys/"), tpath("keys/x.pub"), err, sizeof(err)), -EEXIST,
	       "a directory is not overwritten");
}

/* RFC 8032 section 7.1, tests 1 and 2: raw seed, public key, message, signature. */
static void test_rfc8032(void)
{
	static const unsigned char seed1[32] = {
		0x9d, 0x61, 0xb1, 0x9d, 0xef, 0xfd, 0x5a, 0x60, 0xba, 0x84, 0x4a,
		0xf4, 0x92, 0xec, 0x2c, 0xc4, 0x44, 0x49, 0xc5, 0x69, 0x7b, 0x32,
		0x69, 0x19, 0x70, 0x3b, 0xac, 0x03, 0x1c, 0xae, 0x7f, 0x60,
	};
	static const unsigned char pub1[32] = {
		0xd7, 0x5a, 0x98, 0x01, 0x82, 0xb1, 0x0a, 0xb7, 0xd5, 0x4b, 0xfe,
		0xd3, 0xc9, 0x64, 0x07, 0x3a, 0x0e, 0xe1, 0x72, 0xf3, 0xda, 0xa6,
		0x23, 0x25, 0xaf, 0x02, 0x1a, 0x68, 0xf7, 0x07, 0x51, 0x1a,
	};
	static const unsigned char seed2[32] = {
		0x4c, 0xcd, 0x08, 0x9b, 0x28, 0xff, 0x96, 0xda, 0x9d, 0xb6, 0xc3,
		0x46, 0xec, 0x11, 0x4e, 0x0f, 0x5b, 0x8a, 0x31, 0x9f, 0x35, 0xab,
		0xa6, 0x24, 0xda, 0x8c, 0xf6, 0xed, 0x4f, 0xb8, 0xa6, 0xfb,
	};
	char b64[EMB_SIG_B64_SIZE], fpr[EMB_KEY_FINGERPRINT_SIZE], err[512];
	EVP_PKEY *k1 = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, seed1, 32);
	EVP_PKEY *k2 = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, seed2, 32);

	is_int(emb_key_fingerprint(pub1, fpr), 0, "fingerprint of RFC 8032 test 1's key");
	is_str(fpr, "21fe31dfa154a261", "is the first 16 hex digits of its SHA-256");
	emb_key_fingerprint(pub1, fpr);
	is_str(fpr, "21fe31dfa154a261", "and the same the second time");
	if (!ok(k1 && k2 && write_pem(tpath("rfc1"), k1, PEM_PRIVATE) &&
			write_pem(tpath("rfc1.pub"), k1, PEM_PUBLIC) &&
			write_pem(tpath("rfc2"), k2, PEM_PRIVATE),
		"RFC 8032 keys written as PEM"))
		goto out;
	emb_key_fingerprint_file(tpath("rfc1.pub"), fpr, err, sizeof(err));
	is_str(fpr, "21fe31dfa154a261", "a PEM public key file has the raw key's fingerprint");
	emb_key_fingerprint_file(tpath("rfc2"), fpr, err, sizeof(err));
	is_str(fpr, "39f713d0a644253f", "and so has a PEM private key file (test 2)");
	is_int(emb_sign_buffer(tpath("rfc1"), "", 0, b64, sizeof(b64), err, sizeof(err)), 0,
	       "signing the empty message (test 1)");
	is_str(b64,
	       "5VZDAMNgrHKQhuLMgG6CioSHfx645dl02HPgZSJJAVVf"
	       "uIIVkKM7rMYeOXAc+bRr0lv18FlbviRlUUFDjnoQCw==",
	       "gives RFC 8032's signature, in base64");
	is_int(emb_sign_buffer(tpath("rfc2"), "\x72", 1, b64, sizeof(b64), err, sizeof(err)), 0,
	       "signing the one-byte message 0x72 (test 2)");
	is_str(b64,
	       "kqAJqfDUyrhyDoILX2QlQKKye1QWUD+Ps3YiI+vbadoI"
	       "WsHkPhWZbkWPNhPQ8R2MOHsurrQwKu6wDSkWErsMAA==",
	       "gives RFC 8032's signature");
out:
	EVP_PKEY_free(k1);
	EVP_PKEY_free(k2);
}

/* The .sig line of FPR and B64 into LINE. */
static void sig_line(char *line, size_t size, const char *fpr, const char *b64)
{
	snprintf(line, size, "ed25519 %s %s\n", fpr, b64);
}

/* Checks that TEXT is rejected as malformed, with a message holding WHY. */
static void rejects_text(const struct emb_trust *trust, const void *data, size_t len,
			 const char *text, const char *why, const char *desc)
{
	char which[512] = "", err[512] = "";
	struct emb_sig sig;

	is_int(emb_trust_verify(trust, data, len, text, which, sizeof(which)), -EBADMSG,
	       "%s: -EBADMSG", desc);
	is_int(emb_sig_parse(text, strlen(text), &sig, err, sizeof(err)), -EBADMSG,
	       "%s: emb_sig_parse says -EBADMSG", desc);
	ok(contains(err, why) && contains(which, why), "%s: '%s'", desc, why);
}

static void test_sign_verify(void)
{
	static const char data[] = "mode enforce\ndeny exec path=/usr/bin/banned key=x\n";
	char fa[EMB_KEY_FINGERPRINT_SIZE], fb[EMB_KEY_FINGERPRINT_SIZE];
	char b64[EMB_SIG_B64_SIZE], b64b[EMB_SIG_B64_SIZE], bad[EMB_SIG_B64_SIZE];
	char line[256], text[512], which[512], err[512], small[88];
	struct emb_trust trust = { 0 }, empty = { 0 };
	size_t len = sizeof(data) - 1;
	char *copy = strdup(data);
	struct emb_sig sig;
	const char *pos;

	emb_key_generate_ex(tpath("a"), tpath("a.pub"), 0, fa, err, sizeof(err));
	emb_key_generate_ex(tpath("b"), tpath("b.pub"), 0, fb, err, sizeof(err));

	is_int(emb_sign_buffer(tpath("a"), data, len, b64, sizeof(b64), err, sizeof(err)), 0,
	       "sign a buffer");
	is_int((long long)strlen(b64), 88, "the signature is 88 base64 characters");
	ok(!strchr(b64, '\n') && !strcmp(b64 + 86, "=="), "one line, padded");
	is_int(emb_sign_buffer(tpath("a"), data, len, small, sizeof(small), err, sizeof(err)),
	       -ENOSPC, "no room for the signature: -ENOSPC");
	is_int(emb_sign_buffer(tpath("b"), data, len, b64b, sizeof(b64b), err, sizeof(err)), 0,
	       "sign it with another key");

	is_int(emb_trust_add_file(&trust, tpath("a.pub"), err, sizeof(err)), 0,
	       "trust a public key");
	is_int(emb_trust_add_file(&trust, tpath("a.pub"), err, sizeof(err)), 0,
	       "trusting it again is fine");
	is_int((long long)trust.n, 1, "and keeps one key");
	ok(emb_trust_find(&trust, fa) && !strcmp(emb_trust_find(&trust, fa)->path, tpath("a.pub")),
	   "emb_trust_find finds it by fingerprint, with its file");
	ok(!emb_trust_find(&trust, fb), "and not a key it does not hold");

	sig_line(line, sizeof(line), fa, b64);
	is_int(emb_trust_verify(&trust, data, len, line, which, sizeof(which)), 0,
	       "sign and verify: round trip");
	is_str(which, fa, "which: the fingerprint of the key that verified");
	is_int(emb_sig_parse(line, strlen(line), &sig, err, sizeof(err)), 0, "the line parses");
	is_str(sig.fingerprint, fa, "with the signing key's fingerprint");
	is_int(emb_sig_format(fa, b64, text, sizeof(text)), 0, "emb_sig_format");
	is_str(text, line, "writes the same line");
	is_int(emb_sig_format("ABC", b64, text, sizeof(text)), -EINVAL,
	       "emb_sig_format refuses a bad fingerprint");

	copy[20] ^= 0x01;
	is_int(emb_trust_verify(&trust, copy, len, line, which, sizeof(which)), -EKEYREJECTED,
	       "a flipped bit in the data: -EKEYREJECTED");
	ok(contains(which, "does not verify with trusted key"), "saying the trusted key's no");
	copy[20] ^= 0x01;
	is_int(emb_trust_verify(&trust, copy, len - 1, line, which, sizeof(which)), -EKEYREJECTED,
	       "one byte less data: -EKEYREJECTED");
	is_int(emb_trust_verify(&trust, data, len, line, NULL, 0), 0, "WHICH may be NULL");

	strcpy(bad, b64);
	pos = strchr(b64_alphabet, bad[10]);
	bad[10] = b64_alphabet[(pos - b64_alphabet + 1) % 64];
	sig_line(text, sizeof(text), fa, bad);
	is_int(emb_trust_verify(&trust, data, len, text, which, sizeof(which)), -EKEYREJECTED,
	       "a changed byte in the signature: -EKEYREJECTED");

	strcpy(bad, b64);
	bad[84] = '\0';
	sig_line(text, sizeof(text), fa, bad);
	rejects_text(&trust, data, len, text, "signature is 63 bytes, expected 64",
		     "a truncated signature (63 bytes)");
	strcpy(bad, b64);
	bad[87] = '\0';
	sig_line(text, sizeof(text), fa, bad);
	rejects_text(&trust, data, len, text, "bad base64", "a signature cut in a base64 quantum");
	snprintf(text, sizeof(text), "ed25519 %s %sAAAA\n", fa, b64);
	rejects_text(&trust, data, len, text, "bad base64", "padding in the middle");
	snprintf(text, sizeof(text), "ed25519 %s %.84sAAAAAAAA\n", fa, b64);
	rejects_text(&trust, data, len, text, "signature is 69 bytes, expected 64",
		     "a signature too long");
	strcpy(bad, b64);
	bad[30] = '!';
	sig_line(text, sizeof(text), fa, bad);
	rejects_text(&trust, data, len, text, "bad base64", "a character outside base64");
	/* The last character before "==" carries 2 bits; the other 4 must be zero. */
	strcpy(bad, b64);
	pos = strchr(b64_alphabet, bad[85]);
	bad[85] = b64_alphabet[(pos - b64_alphabet) | 1];
	sig_line(text, sizeof(text), fa, bad);
	rejects_text(&trust, data, len, text, "bad base64", "non-zero padding bits");
	snprintf(text, sizeof(text), "rsa %s %s\n", fa, b64);
	rejects_text(&trust, data, len, text, "not an ed25519 signature", "another algorithm");
	rejects_text(&trust, data, len, "", "not an ed25519 signature", "an empty text");
	snprintf(text, sizeof(text), "ed25519  %s %s\n", fa, b64);
	rejects_text(&trust, data, len, text, "bad key fingerprint", "two spaces");
	snprintf(text, sizeof(text), "ed25519 %.15sX %s\n", fa, b64);
	rejects_text(&trust, data, len, text, "bad key fingerprint", "a fingerprint not hex");
	snprintf(text, sizeof(text), "ed25519 %s %s", fa, b64);
	rejects_text(&trust, data, len, text, "no newline after the signature", "no newline");
	snprintf(text, sizeof(text), "ed25519 %s %s\r\n", fa, b64);
	rejects_text(&trust, data, len, text, "bad base64", "a CRLF line end");
	snprintf(text, sizeof(text), "ed25519 %s %s\n%s", fa, b64, line);
	rejects_text(&trust, data, len, text, "text after the signature line", "two lines");

	sig_line(text, sizeof(text), fb, b64b);
	is_int(emb_trust_verify(&trust, data, len, text, which, sizeof(which)), -EKEYREJECTED,
	       "a signature by an untrusted key: -EKEYREJECTED");
	ok(contains(which, "not trusted") && contains(which, fb),
	   "saying the key it names is not trusted");
	sig_line(text, sizeof(text), fa, b64b);
	is_int(emb_trust_verify(&trust, data, len, text, which, sizeof(which)), -EKEYREJECTED,
	       "an untrusted key's signature naming the trusted key: -EKEYREJECTED");
	sig_line(text, sizeof(text), "0000000000000000", b64);
	is_int(emb_trust_verify(&trust, data, len, text, which, sizeof(which)), 0,
	       "the trusted key's signature naming another key verifies (the name is a hint)");
	is_str(which, fa, "and which is the key that verified");
	is_int(emb_trust_verify(&empty, data, len, line, which, sizeof(which)), -EKEYREJECTED,
	       "no trusted key: -EKEYREJECTED");

	is_int(emb_trust_add_file(&trust, tpath("b.pub"), err, sizeof(err)), 0,
	       "trust a second key");
	sig_line(text, sizeof(text), fb, b64b);
	is_int(emb_trust_verify(&trust, data, len, text, which, sizeof(which)), 0,
	       "its signature verifies now");
	is_str(which, fb, "by the second key");
	is_int(emb_trust_verify(&trust, data, len, line, which, sizeof(which)), 0,
	       "and the first key's still does");
	is_str(which, fa, "by the first key");

	is_int(emb_sign_buffer(tpath("a"), "", 0, b64, sizeof(b64), err, sizeof(err)), 0,
	       "the empty buffer can be signed");
	sig_line(line, sizeof(line), fa, b64);
	is_int(emb_trust_verify(&trust, "", 0, line, which, sizeof(which)), 0, "and verified");
	free(copy);
	emb_trust_free(&trust);
	ok(!trust.keys && !trust.n, "emb_trust_free empties the set");
}

/* Key files are read whole, up to EMB_KEY_FILE_MAX: a key after a long preamble, and beyond. */
static void test_key_file_sizes(EVP_PKEY *ed)
{
	char err[512], fpr[EMB_KEY_FINGERPRINT_SIZE], want[EMB_KEY_FINGERPRINT_SIZE];
	size_t pre = 10000, huge = EMB_KEY_FILE_MAX + 1;
	char *text = malloc(huge + 1), pem[1024];
	struct emb_trust trust = { 0 };
	ssize_t n;

	write_pem(tpath("long.pub"), ed, PEM_PUBLIC);
	n = read_text(tpath("long.pub"), pem, sizeof(pem));
	if (!ok(text && n > 0, "a public key to pad"))
		goto out;
	memset(text, '#', pre);
	text[pre - 1] = '\n';
	memcpy(text + pre, pem, (size_t)n);
	write_bytes(tpath("long.pub"), text, pre + (size_t)n);
	is_int(emb_trust_add_file(&trust, tpath("long.pub"), err, sizeof(err)), 0,
	       "a key after 10000 bytes of text is found");
	emb_key_fingerprint_file(tpath("ed"), want, err, sizeof(err));
	emb_key_fingerprint_file(tpath("long.pub"), fpr, err, sizeof(err));
	is_str(fpr, want, "and is the right key");
	memset(text, '#', huge);
	write_bytes(tpath("huge.pub"), text, huge);
	is_int(emb_trust_add_file(&trust, tpath("huge.pub"), err, sizeof(err)), -EFBIG,
	       "a key file larger than EMB_KEY_FILE_MAX: -EFBIG");
	ok(contains(err, "not a key file"), "saying it is no key file");
out:
	free(text);
	emb_trust_free(&trust);
}

static void test_bad_keys(void)
{
	EVP_PKEY *ec = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	EVP_PKEY *rsa = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
	EVP_PKEY *ed448 = EVP_PKEY_Q_keygen(NULL, NULL, "ED448");
	EVP_PKEY *ed = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	char b64[EMB_SIG_B64_SIZE], err[512], fpr[EMB_KEY_FINGERPRINT_SIZE];
	struct emb_trust trust = { 0 };

	if (!ok(ec && rsa && ed448 && ed && write_pem(tpath("ec.pub"), ec, PEM_PUBLIC) &&
			write_pem(tpath("ec"), ec, PEM_PRIVATE) &&
			write_pem(tpath("rsa.pub"), rsa, PEM_PUBLIC) &&
			write_pem(tpath("ed448.pub"), ed448, PEM_PUBLIC) &&
			write_pem(tpath("ed.enc"), ed, PEM_ENCRYPTED) &&
			write_pem(tpath("ed"), ed, PEM_PRIVATE),
		"EC, RSA, Ed448 and encrypted Ed25519 keys made with libcrypto"))
		goto out;

	err[0] = '\0';
	is_int(emb_trust_add_file(&trust, tpath("ec.pub"), err, sizeof(err)), -EINVAL,
	       "an EC public key is refused: -EINVAL");
	ok(contains(err, "ec.pub: not an Ed25519 key (EC)"), "saying what it is");
	is_int(emb_trust_add_file(&trust, tpath("rsa.pub"), err, sizeof(err)), -EINVAL,
	       "an RSA public key is refused");
	ok(contains(err, "not an Ed25519 key (RSA)"), "saying it is RSA");
	is_int(emb_trust_add_file(&trust, tpath("ed448.pub"), err, sizeof(err)), -EINVAL,
	       "an Ed448 public key is refused");
	ok(contains(err, "not an Ed25519 key (ED448)"), "saying it is Ed448");
	is_int(emb_trust_add_file(&trust, tpath("ed"), err, sizeof(err)), -EINVAL,
	       "a private key file is not trusted");
	ok(contains(err, "holds a private key"), "saying it holds a private key");
	write_text(tpath("garbage"), "hello\n");
	is_int(emb_trust_add_file(&trust, tpath("garbage"), err, sizeof(err)), -EINVAL,
	       "a file without a key is refused");
	ok(contains(err, "no PEM public key"), "saying there is no key");
	is_int(emb_trust_add_file(&trust, tpath("missing.pub"), err, sizeof(err)), -ENOENT,
	       "a missing file: -ENOENT");
	ok(contains(err, "missing.pub"), "naming it");
	is_int((long long)trust.n, 0, "nothing was added");

	is_int(emb_sign_buffer(tpath("ec"), "x", 1, b64, sizeof(b64), err, sizeof(err)), -EINVAL,
	       "signing with an EC private key is refused");
	ok(contains(err, "not an Ed25519 key (EC)"), "saying what it is");
	is_int(emb_sign_buffer(tpath("ed.enc"), "x", 1, b64, sizeof(b64), err, sizeof(err)),
	       -EINVAL, "an encrypted private key is refused, not prompted for");
	ok(contains(err, "encrypted"), "saying it is encrypted");
	write_pem(tpath("ed.pub"), ed, PEM_PUBLIC);
	is_int(emb_sign_buffer(tpath("ed.pub"), "x", 1, b64, sizeof(b64), err, sizeof(err)),
	       -EINVAL, "signing with a public key is refused");
	ok(contains(err, "holds a public key"), "saying so");
	is_int(emb_key_fingerprint_file(tpath("rsa.pub"), fpr, err, sizeof(err)), -EINVAL,
	       "an RSA key has no fingerprint here");
	test_key_file_sizes(ed);
out:
	emb_trust_free(&trust);
	EVP_PKEY_free(ec);
	EVP_PKEY_free(rsa);
	EVP_PKEY_free(ed448);
	EVP_PKEY_free(ed);
}

static void test_files(void)
{
	static const char policy[] = "deny exec path=/opt/tool key=tool\n";
	char fpr[EMB_KEY_FINGERPRINT_SIZE], sign_fpr[EMB_KEY_FINGERPRINT_SIZE];
	char err[512], which[1024], text[512], big[EMB_SIG_TEXT_MAX + 2];
	struct emb_trust trust = { 0 };
	void *data = NULL;
	size_t len = 0;

	tree_dir("pol");
	emb_key_generate_ex(tpath("f"), tpath("f.pub"), 0, fpr, err, sizeof(err));
	emb_trust_add_file(&trust, tpath("f.pub"), err, sizeof(err));
	write_text(tpath("pol/p.policy"), policy);

	is_int(emb_sign_file(tpath("f"), tpath("pol/p.policy"), sign_fpr, err, sizeof(err)), 0,
	       "emb_sign_file signs a file");
	is_str(sign_fpr, fpr, "with the key's fingerprint");
	is_int(read_text(tpath("pol/p.policy.sig"), text, sizeof(text)), (long long)LINE_LEN,
	       "FILE.sig is one line of 114 bytes");
	ok(!strncmp(text, "ed25519 ", 8) && !strncmp(text + 8, fpr, 16) && text[24] == ' ',
	   "'ed25519 FINGERPRINT ...'");
	is_int(mode_of(tpath("pol/p.policy.sig")), 0644, "FILE.sig is mode 0644");
	is_int(emb_verify_file(&trust, tpath("pol/p.policy"), &data, &len, which, sizeof(which)), 0,
	       "emb_verify_file verifies it");
	is_str(which, fpr, "by the trusted key");
	ok(data && len == sizeof(policy) - 1 && !memcmp(data, policy, len),
	   "and hands over the bytes it verified");
	free(data);
	data = NULL;

	is_int(emb_sign_file(tpath("f"), tpath("pol/p.policy"), NULL, err, sizeof(err)), 0,
	       "signing again replaces FILE.sig");
	is_int(count_entries("pol"), 2, "leaving no temporary file");

	write_text(tpath("pol/p.policy"), "deny exec path=/opt/tool key=tool\n# edited\n");
	is_int(emb_verify_file(&trust, tpath("pol/p.policy"), &data, &len, which, sizeof(which)),
	       -EKEYREJECTED, "an edited file: -EKEYREJECTED");
	ok(!data, "and hands over nothing");

	write_bytes(tpath("pol/p.policy.sig"), "ed25519 \0", 9);
	is_int(emb_verify_file(&trust, tpath("pol/p.policy"), NULL, NULL, which, sizeof(which)),
	       -EBADMSG, "a .sig with a NUL byte: -EBADMSG");
	write_text(tpath("pol/p.policy.sig"), "ed25519 0123456789abcdef !!!!\n");
	is_int(emb_verify_file(&trust, tpath("pol/p.policy"), NULL, NULL, which, sizeof(which)),
	       -EBADMSG, "a malformed .sig: -EBADMSG");
	ok(contains(which, "p.policy.sig: bad base64"), "naming the .sig file and the fault");
	memset(big, 'A', sizeof(big));
	write_bytes(tpath("pol/p.policy.sig"), big, sizeof(big));
	is_int(emb_verify_file(&trust, tpath("pol/p.policy"), NULL, NULL, which, sizeof(which)),
	       -EFBIG, "a .sig file too large: -EFBIG");
	unlink(tpath("pol/p.policy.sig"));
	is_int(emb_verify_file(&trust, tpath("pol/p.policy"), NULL, NULL, which, sizeof(which)),
	       -ENOENT, "no .sig: -ENOENT");
	ok(contains(which, "p.policy.sig"), "naming the missing .sig");
	is_int(emb_sign_file(tpath("f"), tpath("pol/absent.policy"), NULL, err, sizeof(err)),
	       -ENOENT, "signing a missing file: -ENOENT");
	ok(!exists(tpath("pol/absent.policy.sig")), "writes no .sig");
	emb_trust_free(&trust);
}

int main(void)
{
	if (!tree_create("sign"))
		return 1;
	test_keygen();
	test_rfc8032();
	test_sign_verify();
	test_bad_keys();
	test_files();
	tree_remove();
	return done_testing();
}
