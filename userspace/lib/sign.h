/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Signed policies: Ed25519 keys and detached signatures (OpenSSL's libcrypto).
 *
 * Keys are PEM files: the private key unencrypted PKCS#8 ("BEGIN PRIVATE KEY", mode 0600),
 * the public key SubjectPublicKeyInfo ("BEGIN PUBLIC KEY", mode 0644). A key's fingerprint is
 * the SHA-256 of its raw 32-byte public key, in lowercase hex, cut to 16 digits.
 *
 * The signature of FILE is the text file FILE.sig, exactly one line:
 *
 *	ed25519 FINGERPRINT BASE64SIG\n
 *
 * the word "ed25519", one space, the signing key's fingerprint (16 lowercase hex digits), one
 * space, the 64-byte Ed25519 signature (RFC 8032, pure Ed25519, over FILE's exact bytes) in
 * standard base64 with padding (RFC 4648: 88 characters), a newline, and nothing else. The
 * fingerprint only says which trusted key to try first: it is not signed, and is never trusted.
 *
 * Functions return 0 or -errno and, on failure, write what went wrong (naming the file) into
 * ERR when it is not NULL; they never log.
 */
#ifndef EMB_SIGN_H
#define EMB_SIGN_H

#include <stddef.h>

#define EMB_ED25519_KEY_LEN	 32
#define EMB_ED25519_SIG_LEN	 64
#define EMB_SIG_B64_SIZE	 89 /* 88 base64 characters and a NUL */
#define EMB_KEY_FINGERPRINT_SIZE 17 /* 16 hex digits and a NUL */
#define EMB_SIG_SUFFIX		 ".sig"
/* Limits on what is read: key files, .sig files, signed files, keys in a trust set. */
#define EMB_KEY_FILE_MAX    (64u << 10)
#define EMB_SIG_TEXT_MAX    256u
#define EMB_SIGNED_FILE_MAX (64u << 20)
#define EMB_TRUST_MAX_KEYS  256u

/*
 * Makes a key pair: PRIV_PATH (private, 0600) and PUB_PATH (public, 0644). Each is written to
 * a temporary file in its directory, fsync'ed and renamed into place, so a crash leaves either
 * no file or a whole key. Never replaces an existing file: -EEXIST when either exists.
 */
int emb_key_generate(const char *priv_path, const char *pub_path, char *err, size_t errlen);

/*
 * Replace existing key files (each atomically: readers see the old key or the new one), when
 * they hold Ed25519 keys of the right kind: any other file is refused (-EEXIST), flag or not.
 */
#define EMB_KEYGEN_REPLACE 0x1u
/* The same, with FLAGS; the new key's fingerprint into FINGERPRINT (when not NULL). */
int emb_key_generate_ex(const char *priv_path, const char *pub_path, unsigned flags,
			char *fingerprint, char *err, size_t errlen);

/* The fingerprint of a raw Ed25519 public key into OUT (EMB_KEY_FINGERPRINT_SIZE). 0 or -EIO. */
int emb_key_fingerprint(const unsigned char pub[EMB_ED25519_KEY_LEN], char *out);
/* The fingerprint of the key in PATH, a private or a public key file. */
int emb_key_fingerprint_file(const char *path, char *out, char *err, size_t errlen);

/*
 * Signs LEN bytes at DATA with the private key in PRIV_PATH: the base64 signature, one line
 * without newline, into SIG_B64 (at least EMB_SIG_B64_SIZE bytes, else -ENOSPC). -EINVAL for a
 * key file that holds no usable Ed25519 private key (encrypted keys are refused, not prompted).
 */
int emb_sign_buffer(const char *priv_path, const void *data, size_t len, char *sig_b64,
		    size_t sig_b64_size, char *err, size_t errlen);

/*
 * Signs the file PATH (at most EMB_SIGNED_FILE_MAX bytes, else -EFBIG) and writes PATH.sig
 * atomically (a temporary file renamed over an older signature; -EEXIST when PATH.sig is
 * anything else), mode 0644. The key's fingerprint into FINGERPRINT when not NULL.
 */
int emb_sign_file(const char *priv_path, const char *path, char *fingerprint, char *err,
		  size_t errlen);

/* A parsed signature line. */
struct emb_sig {
	char fingerprint[EMB_KEY_FINGERPRINT_SIZE]; /* as the line names it: a hint, not a proof */
	unsigned char sig[EMB_ED25519_SIG_LEN];
};

/*
 * Parses the LEN bytes of a .sig file at TEXT strictly into RET (written only on success).
 * -EBADMSG with ERR saying what is wrong: "not an ed25519 signature", "bad key fingerprint",
 * "bad base64", "signature is 63 bytes, expected 64", "no newline after the signature",
 * "text after the signature line".
 */
int emb_sig_parse(const char *text, size_t len, struct emb_sig *ret, char *err, size_t errlen);

/* The .sig line for FINGERPRINT and SIG_B64 into OUT. -EINVAL for a bad field, -ENOSPC. */
int emb_sig_format(const char *fingerprint, const char *sig_b64, char *out, size_t size);

/* A set of trusted public keys. Zero-initialize; free with emb_trust_free(). */
struct emb_trust_key {
	unsigned char pub[EMB_ED25519_KEY_LEN];
	char fingerprint[EMB_KEY_FINGERPRINT_SIZE];
	char *path; /* the file it was read from */
};

struct emb_trust {
	struct emb_trust_key *keys;
	size_t n;
};

/*
 * Adds the public key in the PEM file PATH. -EINVAL (ERR says why) for a file without a PEM
 * public key, for a private key file, and for a key that is not Ed25519 (RSA, EC, Ed448...);
 * -E2BIG past EMB_TRUST_MAX_KEYS; -errno when PATH cannot be read. A key already in the set
 * is not added twice (0).
 */
int emb_trust_add_file(struct emb_trust *trust, const char *path, char *err, size_t errlen);

/* The key with FINGERPRINT, or NULL. */
const struct emb_trust_key *emb_trust_find(const struct emb_trust *trust, const char *fingerprint);

/*
 * Checks SIG_TEXT (a .sig file's content, NUL-terminated) against LEN bytes at DATA. Returns 0
 * when a trusted key verifies it, and then WHICH gets that key's fingerprint; -EBADMSG when
 * SIG_TEXT is malformed; -EKEYREJECTED when no trusted key verifies it. On failure WHICH gets
 * the reason. WHICH may be NULL.
 */
int emb_trust_verify(const struct emb_trust *trust, const void *data, size_t len,
		     const char *sig_text, char *which, size_t whichlen);

/*
 * Verifies the file PATH against PATH.sig, as emb_trust_verify(); also -errno when either
 * cannot be read, -EFBIG past the limits, -EBADMSG for a .sig holding a NUL byte. On success,
 * when RET_DATA is not NULL, hands over the bytes that were verified (NUL-terminated, LEN in
 * RET_LEN; free() them): parse those, not the file again.
 */
int emb_verify_file(const struct emb_trust *trust, const char *path, void **ret_data,
		    size_t *ret_len, char *which, size_t whichlen);

void emb_trust_free(struct emb_trust *trust);

#endif /* EMB_SIGN_H */
