// SPDX-License-Identifier: GPL-2.0-only
/* Ed25519 keys, signatures and .sig files (see sign.h for the formats). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "hash.h"
#include "ownership.h"
#include "sign.h"

#define SIG_WORD "ed25519"
#define FPR_HEX	 (EMB_KEY_FINGERPRINT_SIZE - 1)
#define SIG_B64	 (EMB_SIG_B64_SIZE - 1)

__attribute__((format(printf, 3, 4))) static void set_err(char *err, size_t errlen, const char *fmt,
							  ...)
{
	va_list ap;

	if (!err || !errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* Frees a buffer that held key material. */
static void free_secret(void *buf, size_t len)
{
	if (buf)
		OPENSSL_cleanse(buf, len);
	free(buf);
}

/*
 * Reads all of PATH, at most MAX bytes (-EFBIG beyond), into a new buffer with a NUL after
 * the LEN bytes read.
 */
static int read_file_max(const char *path, size_t max, char **ret_buf, size_t *ret_len)
{
	size_t len = 0, cap = 4096;
	char *buf = NULL;
	int fd, r;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return -errno;
	for (;;) {
		ssize_t n;

		if (!buf || len == cap - 1) {
			/* Grown by copying, so that no stray copy of a key is left unwiped. */
			size_t grown = !buf ? cap : cap * 2 > max + 2 ? max + 2 : cap * 2;
			char *p = malloc(grown);

			if (!p) {
				r = -ENOMEM;
				goto fail;
			}
			if (buf) {
				memcpy(p, buf, len);
				free_secret(buf, cap);
			}
			buf = p;
			cap = grown;
		}
		n = read(fd, buf + len, cap - 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = -errno;
			goto fail;
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (len > max) {
			r = -EFBIG;
			goto fail;
		}
	}
	close(fd);
	buf[len] = '\0';
	*ret_buf = buf;
	*ret_len = len;
	return 0;
fail:
	close(fd);
	free_secret(buf, cap);
	return r;
}

/* The first OpenSSL error, for messages; the queue is left empty for the next caller. */
static const char *openssl_reason(char *buf, size_t size)
{
	unsigned long e = ERR_peek_error();

	if (e)
		ERR_error_string_n(e, buf, size);
	else
		snprintf(buf, size, "libcrypto failed");
	ERR_clear_error();
	return buf;
}

/* Private keys are never encrypted here; this stops libcrypto from prompting on a terminal. */
static int no_passphrase(char *buf, int size, int rwflag, void *u)
{
	(void)buf;
	(void)size;
	(void)rwflag;
	(void)u;
	return -1;
}

enum key_kind { KEY_PRIVATE, KEY_PUBLIC, KEY_ANY };

/* The Ed25519 key of KIND in the PEM file PATH. */
static int load_key(const char *path, enum key_kind kind, EVP_PKEY **ret, char *err, size_t errlen)
{
	static const char *const what[] = {
		[KEY_PRIVATE] = "private ", [KEY_PUBLIC] = "public ", [KEY_ANY] = ""
	};
	EVP_PKEY *pkey = NULL;
	size_t len = 0;
	char *buf = NULL;
	BIO *bio = NULL;
	int r;

	r = read_file_max(path, EMB_KEY_FILE_MAX, &buf, &len);
	if (r) {
		if (r == -EFBIG)
			set_err(err, errlen, "%s: larger than %u bytes: not a key file", path,
				EMB_KEY_FILE_MAX);
		else
			set_err(err, errlen, "%s: %s", path, strerror(-r));
		return r;
	}
	r = -ENOMEM;
	bio = BIO_new_mem_buf(buf, (int)len);
	if (!bio) {
		set_err(err, errlen, "%s: %s", path, strerror(ENOMEM));
		goto out;
	}
	r = -EINVAL;
	if (kind != KEY_PRIVATE)
		pkey = PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL);
	if (!pkey && kind != KEY_PUBLIC) {
		(void)BIO_reset(bio);
		pkey = PEM_read_bio_PrivateKey(bio, NULL, no_passphrase, NULL);
	}
	ERR_clear_error();
	if (!pkey) {
		if (kind == KEY_PUBLIC && strstr(buf, "PRIVATE KEY-----"))
			set_err(err, errlen, "%s: holds a private key; trust its public key", path);
		else if (kind != KEY_PUBLIC && strstr(buf, "-----BEGIN ENCRYPTED PRIVATE KEY-----"))
			set_err(err, errlen,
				"%s: the private key is encrypted; only unencrypted keys are used",
				path);
		else if (kind == KEY_PRIVATE && strstr(buf, "PUBLIC KEY-----"))
			set_err(err, errlen, "%s: holds a public key, not a private key", path);
		else
			set_err(err, errlen, "%s: no PEM %skey found", path, what[kind]);
		goto out;
	}
	if (EVP_PKEY_get_id(pkey) != EVP_PKEY_ED25519) {
		const char *type = EVP_PKEY_get0_type_name(pkey);

		set_err(err, errlen, "%s: not an Ed25519 key (%s)", path, type ? type : "unknown");
		EVP_PKEY_free(pkey);
		pkey = NULL;
		goto out;
	}
	*ret = pkey;
	r = 0;
out:
	BIO_free(bio);
	free_secret(buf, len);
	return r;
}

static int raw_public_key(EVP_PKEY *pkey, unsigned char out[EMB_ED25519_KEY_LEN])
{
	size_t len = EMB_ED25519_KEY_LEN;

	if (EVP_PKEY_get_raw_public_key(pkey, out, &len) != 1 || len != EMB_ED25519_KEY_LEN) {
		ERR_clear_error();
		return -EIO;
	}
	return 0;
}

int emb_key_fingerprint(const unsigned char pub[EMB_ED25519_KEY_LEN], char *out)
{
	unsigned char digest[EVP_MAX_MD_SIZE];
	char hex[2 * EMB_SHA256_LEN + 1];
	unsigned int n = 0;

	if (EVP_Digest(pub, EMB_ED25519_KEY_LEN, digest, &n, EVP_sha256(), NULL) != 1 ||
	    n != EMB_SHA256_LEN) {
		ERR_clear_error();
		return -EIO;
	}
	emb_hex(digest, EMB_SHA256_LEN, hex);
	memcpy(out, hex, FPR_HEX);
	out[FPR_HEX] = '\0';
	return 0;
}

static int pkey_fingerprint(EVP_PKEY *pkey, char *out)
{
	unsigned char raw[EMB_ED25519_KEY_LEN];
	int r = raw_public_key(pkey, raw);

	return r ? r : emb_key_fingerprint(raw, out);
}

int emb_key_fingerprint_file(const char *path, char *out, char *err, size_t errlen)
{
	EVP_PKEY *pkey = NULL;
	int r;

	r = load_key(path, KEY_ANY, &pkey, err, errlen);
	if (r)
		return r;
	r = pkey_fingerprint(pkey, out);
	if (r)
		set_err(err, errlen, "%s: cannot compute the key's fingerprint", path);
	EVP_PKEY_free(pkey);
	return r;
}

/*
 * Files replaced whole: the content goes to a temporary file beside PATH (same directory, so
 * same file system), is fsync'ed, then renamed to PATH, and the directory fsync'ed.
 */
struct staged_file {
	const char *path;
	char tmp[PATH_MAX];
	char dir[PATH_MAX];
	bool staged;
};

static int stage_file(struct staged_file *f, const char *path, const void *data, size_t len,
		      mode_t mode, char *err, size_t errlen)
{
	const char *slash = strrchr(path, '/'), *base = slash ? slash + 1 : path;
	const char *p = data;
	int fd, r = 0;

	f->path = path;
	f->staged = false;
	if (!*base || !strcmp(base, ".") || !strcmp(base, "..")) {
		set_err(err, errlen, "%s: not a file name", path);
		return -EISDIR;
	}
	if (!slash)
		snprintf(f->dir, sizeof(f->dir), ".");
	else if (slash == path)
		snprintf(f->dir, sizeof(f->dir), "/");
	else
		snprintf(f->dir, sizeof(f->dir), "%.*s", (int)(slash - path), path);
	if (snprintf(f->tmp, sizeof(f->tmp), "%s/.%s.XXXXXX", f->dir, base) >=
	    (int)sizeof(f->tmp)) {
		set_err(err, errlen, "%s: %s", path, strerror(ENAMETOOLONG));
		return -ENAMETOOLONG;
	}
	fd = mkostemp(f->tmp, O_CLOEXEC);
	if (fd < 0) {
		r = -errno;
		set_err(err, errlen, "cannot create a file in %s: %s", f->dir, strerror(-r));
		return r;
	}
	/* mkostemp() made it 0600; the umask must not narrow a public file. */
	if (fchmod(fd, mode) < 0)
		r = -errno;
	while (!r && len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			r = -errno;
		else {
			p += n;
			len -= (size_t)n;
		}
	}
	if (!r && fsync(fd) < 0)
		r = -errno;
	if (close(fd) < 0 && !r)
		r = -errno;
	if (r) {
		set_err(err, errlen, "cannot write %s: %s", f->tmp, strerror(-r));
		unlink(f->tmp);
		return r;
	}
	f->staged = true;
	return 0;
}

static void discard_file(struct staged_file *f)
{
	if (f->staged)
		unlink(f->tmp);
	f->staged = false;
}

/* Renames the staged file to its path: over an existing file only when REPLACE. */
static int commit_file(struct staged_file *f, bool replace, char *err, size_t errlen)
{
	int r = 0, fd;

	if (replace) {
		if (rename(f->tmp, f->path) < 0)
			r = -errno;
	} else if (renameat2(AT_FDCWD, f->tmp, AT_FDCWD, f->path, RENAME_NOREPLACE) < 0) {
		r = -errno;
		if (r == -EINVAL || r == -ENOSYS) {
			/* A file system without RENAME_NOREPLACE: claim the name, then fill it. */
			fd = open(f->path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
				  0600);
			r = fd < 0 ? -errno : 0;
			if (fd >= 0)
				close(fd);
			if (!r && rename(f->tmp, f->path) < 0) {
				r = -errno;
				unlink(f->path);
			}
		}
	}
	if (r) {
		if (r == -EEXIST && !replace)
			set_err(err, errlen, "%s: refusing to overwrite: it exists", f->path);
		else
			set_err(err, errlen, "cannot rename %s to %s: %s", f->tmp, f->path,
				strerror(-r));
		discard_file(f);
		return r;
	}
	f->staged = false;
	/* The rename itself must survive a crash. */
	fd = open(f->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
	return 0;
}

/* The PEM text of PKEY (its private key when PRIVATE), in a new NUL-terminated buffer. */
static int pem_of(EVP_PKEY *pkey, bool private, char **ret, size_t *ret_len)
{
	BIO *bio = BIO_new(BIO_s_secmem());
	char *data = NULL, *copy;
	long len;
	int ok;

	if (!bio)
		return -ENOMEM;
	if (private)
		ok = PEM_write_bio_PrivateKey(bio, pkey, NULL, NULL, 0, NULL, NULL);
	else
		ok = PEM_write_bio_PUBKEY(bio, pkey);
	len = BIO_get_mem_data(bio, &data);
	if (ok != 1 || len <= 0 || !data) {
		ERR_clear_error();
		BIO_free(bio);
		return -EIO;
	}
	copy = malloc((size_t)len + 1);
	if (copy) {
		memcpy(copy, data, (size_t)len);
		copy[len] = '\0';
	}
	BIO_free(bio);
	if (!copy)
		return -ENOMEM;
	*ret = copy;
	*ret_len = (size_t)len;
	return 0;
}

/* Whether HEAD is a PEM Ed25519 key, a private one when PRIVATE: what keygen writes. */
static bool is_ed25519_pem(const char *head, size_t len, bool private)
{
	BIO *bio = BIO_new_mem_buf(head, (int)len);
	EVP_PKEY *pkey = NULL;
	bool r;

	if (!bio)
		return false;
	if (private)
		pkey = PEM_read_bio_PrivateKey(bio, NULL, no_passphrase, NULL);
	else
		pkey = PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL);
	ERR_clear_error();
	r = pkey && EVP_PKEY_get_id(pkey) == EVP_PKEY_ED25519;
	EVP_PKEY_free(pkey);
	BIO_free(bio);
	return r;
}

static bool is_private_key_head(const char *head, size_t len)
{
	return is_ed25519_pem(head, len, true);
}

static bool is_public_key_head(const char *head, size_t len)
{
	return is_ed25519_pem(head, len, false);
}

static bool is_sig_head(const char *head, size_t len)
{
	struct emb_sig sig;

	return emb_sig_parse(head, len, &sig, NULL, 0) == 0;
}

/* --force replaces keys, and nothing else: the path may be a mistake. -EEXIST, or 0. */
static int refuse_foreign(const char *path, bool private, char *err, size_t errlen)
{
	char why[256];
	int r = emb_replace_check(path, private ? is_private_key_head : is_public_key_head,
				  private ? "an Ed25519 private key" : "an Ed25519 public key", why,
				  sizeof(why));

	if (r)
		set_err(err, errlen, "%s: %s", path, why);
	return r;
}

/* Whether PATH names anything at all (a dangling symlink too): -EEXIST, or 0. */
static int refuse_existing(const char *path, char *err, size_t errlen)
{
	struct stat st;

	if (lstat(path, &st) == 0) {
		set_err(err, errlen, "%s: refusing to overwrite: it exists", path);
		return -EEXIST;
	}
	return 0;
}

int emb_key_generate_ex(const char *priv_path, const char *pub_path, unsigned flags,
			char *fingerprint, char *err, size_t errlen)
{
	struct staged_file priv = { 0 }, pub = { 0 };
	bool replace = flags & EMB_KEYGEN_REPLACE;
	char fpr[EMB_KEY_FINGERPRINT_SIZE], why[256];
	char *priv_pem = NULL, *pub_pem = NULL;
	size_t priv_len = 0, pub_len = 0;
	EVP_PKEY *pkey = NULL;
	int r;

	if (flags & ~EMB_KEYGEN_REPLACE) {
		set_err(err, errlen, "unknown flags %#x", flags);
		return -EINVAL;
	}
	if (!strcmp(priv_path, pub_path)) {
		set_err(err, errlen, "%s: the private and the public key need two files",
			priv_path);
		return -EINVAL;
	}
	/* Checked first so that a refusal costs nothing; the renames check again, atomically. */
	if (!replace) {
		r = refuse_existing(priv_path, err, errlen);
		if (!r)
			r = refuse_existing(pub_path, err, errlen);
	} else {
		r = refuse_foreign(priv_path, true, err, errlen);
		if (!r)
			r = refuse_foreign(pub_path, false, err, errlen);
	}
	if (r)
		return r;
	pkey = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	if (!pkey) {
		set_err(err, errlen, "cannot generate an Ed25519 key: %s",
			openssl_reason(why, sizeof(why)));
		return -EIO;
	}
	r = pkey_fingerprint(pkey, fpr);
	if (!r)
		r = pem_of(pkey, true, &priv_pem, &priv_len);
	if (!r)
		r = pem_of(pkey, false, &pub_pem, &pub_len);
	if (r) {
		set_err(err, errlen, "cannot encode the key: %s", strerror(-r));
		goto out;
	}
	r = stage_file(&priv, priv_path, priv_pem, priv_len, 0600, err, errlen);
	if (!r)
		r = stage_file(&pub, pub_path, pub_pem, pub_len, 0644, err, errlen);
	if (!r)
		r = commit_file(&priv, replace, err, errlen);
	if (!r) {
		r = commit_file(&pub, replace, err, errlen);
		/* A private key without its public key is of no use: take back the one just made. */
		if (r && !replace)
			unlink(priv_path);
	}
	if (!r && fingerprint)
		memcpy(fingerprint, fpr, sizeof(fpr));
out:
	discard_file(&priv);
	discard_file(&pub);
	free_secret(priv_pem, priv_len);
	free(pub_pem);
	EVP_PKEY_free(pkey);
	return r;
}

int emb_key_generate(const char *priv_path, const char *pub_path, char *err, size_t errlen)
{
	return emb_key_generate_ex(priv_path, pub_path, 0, NULL, err, errlen);
}

static int sign_with(EVP_PKEY *pkey, const void *data, size_t len,
		     unsigned char sig[EMB_ED25519_SIG_LEN])
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	size_t sig_len = EMB_ED25519_SIG_LEN;
	int r = -EIO;

	if (!ctx)
		return -ENOMEM;
	/* Pure Ed25519 hashes the message itself: no digest is named. */
	if (EVP_DigestSignInit(ctx, NULL, NULL, NULL, pkey) == 1 &&
	    EVP_DigestSign(ctx, sig, &sig_len, len ? data : (const void *)"", len) == 1 &&
	    sig_len == EMB_ED25519_SIG_LEN)
		r = 0;
	ERR_clear_error();
	EVP_MD_CTX_free(ctx);
	return r;
}

static int sign_to_b64(EVP_PKEY *pkey, const char *priv_path, const void *data, size_t len,
		       char *sig_b64, size_t sig_b64_size, char *err, size_t errlen)
{
	unsigned char sig[EMB_ED25519_SIG_LEN];
	int r;

	if (sig_b64_size < EMB_SIG_B64_SIZE) {
		set_err(err, errlen, "no room for the signature");
		return -ENOSPC;
	}
	r = sign_with(pkey, data, len, sig);
	if (r) {
		set_err(err, errlen, "%s: signing failed", priv_path);
		return r;
	}
	EVP_EncodeBlock((unsigned char *)sig_b64, sig, EMB_ED25519_SIG_LEN);
	return 0;
}

int emb_sign_buffer(const char *priv_path, const void *data, size_t len, char *sig_b64,
		    size_t sig_b64_size, char *err, size_t errlen)
{
	EVP_PKEY *pkey = NULL;
	int r;

	if (sig_b64_size < EMB_SIG_B64_SIZE) {
		set_err(err, errlen, "no room for the signature");
		return -ENOSPC;
	}
	r = load_key(priv_path, KEY_PRIVATE, &pkey, err, errlen);
	if (r)
		return r;
	r = sign_to_b64(pkey, priv_path, data, len, sig_b64, sig_b64_size, err, errlen);
	EVP_PKEY_free(pkey);
	return r;
}

static bool is_fingerprint(const char *s)
{
	for (size_t i = 0; i < FPR_HEX; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return true;
}

int emb_sig_format(const char *fingerprint, const char *sig_b64, char *out, size_t size)
{
	if (strlen(fingerprint) != FPR_HEX || !is_fingerprint(fingerprint) ||
	    strlen(sig_b64) != SIG_B64)
		return -EINVAL;
	if (snprintf(out, size, SIG_WORD " %s %s\n", fingerprint, sig_b64) >= (int)size)
		return -ENOSPC;
	return 0;
}

int emb_sign_file(const char *priv_path, const char *path, char *fingerprint, char *err,
		  size_t errlen)
{
	char b64[EMB_SIG_B64_SIZE], fpr[EMB_KEY_FINGERPRINT_SIZE], line[EMB_SIG_TEXT_MAX];
	char sig_path[PATH_MAX];
	struct staged_file f = { 0 };
	EVP_PKEY *pkey = NULL;
	char *data = NULL;
	size_t len = 0;
	int r;

	if (snprintf(sig_path, sizeof(sig_path), "%s" EMB_SIG_SUFFIX, path) >=
	    (int)sizeof(sig_path)) {
		set_err(err, errlen, "%s: %s", path, strerror(ENAMETOOLONG));
		return -ENAMETOOLONG;
	}
	r = load_key(priv_path, KEY_PRIVATE, &pkey, err, errlen);
	if (r)
		return r;
	r = pkey_fingerprint(pkey, fpr);
	if (r) {
		set_err(err, errlen, "%s: cannot compute the key's fingerprint", priv_path);
		goto out;
	}
	r = read_file_max(path, EMB_SIGNED_FILE_MAX, &data, &len);
	if (r) {
		if (r == -EFBIG)
			set_err(err, errlen, "%s: larger than %u bytes", path, EMB_SIGNED_FILE_MAX);
		else
			set_err(err, errlen, "%s: %s", path, strerror(-r));
		goto out;
	}
	r = sign_to_b64(pkey, priv_path, data, len, b64, sizeof(b64), err, errlen);
	if (r)
		goto out;
	r = emb_sig_format(fpr, b64, line, sizeof(line));
	if (!r) {
		char why[256];

		/* FILE.sig is replaced when it is a signature, and never else. */
		r = emb_replace_check(sig_path, is_sig_head, "a signature (" SIG_WORD " ...)", why,
				      sizeof(why));
		if (r)
			set_err(err, errlen, "%s: %s", sig_path, why);
	}
	if (!r)
		r = stage_file(&f, sig_path, line, strlen(line), 0644, err, errlen);
	if (!r)
		r = commit_file(&f, true, err, errlen);
	if (!r && fingerprint)
		memcpy(fingerprint, fpr, sizeof(fpr));
out:
	discard_file(&f);
	free(data);
	EVP_PKEY_free(pkey);
	return r;
}

static int b64_value(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/*
 * Strict RFC 4648 base64: whole quanta, padding only at the end, unused bits zero (one text
 * per signature). The decoded length into RET_LEN; -1 when not base64 or longer than SIZE.
 */
static int b64_decode(const char *s, size_t n, unsigned char *out, size_t size, size_t *ret_len)
{
	size_t len = 0;

	if (!n || n % 4)
		return -1;
	for (size_t i = 0; i < n; i += 4) {
		int v[4], pad = 0;
		unsigned long triple;

		for (int k = 0; k < 4; k++) {
			if (s[i + k] == '=' && i + 4 == n && k >= 2) {
				pad++;
				v[k] = 0;
				continue;
			}
			v[k] = pad ? -1 : b64_value(s[i + k]);
			if (v[k] < 0)
				return -1;
		}
		if ((pad == 2 && (v[1] & 0xf)) || (pad == 1 && (v[2] & 0x3)))
			return -1;
		if (len + 3 - (size_t)pad > size)
			return -1;
		triple = (unsigned long)v[0] << 18 | (unsigned long)v[1] << 12 |
			 (unsigned long)v[2] << 6 | (unsigned long)v[3];
		out[len++] = (unsigned char)(triple >> 16);
		if (pad < 2)
			out[len++] = (unsigned char)(triple >> 8);
		if (pad < 1)
			out[len++] = (unsigned char)triple;
	}
	*ret_len = len;
	return 0;
}

int emb_sig_parse(const char *text, size_t len, struct emb_sig *ret, char *err, size_t errlen)
{
	static const char word[] = SIG_WORD " ";
	unsigned char sig[EMB_SIG_TEXT_MAX];
	const char *p = text, *end = text + len, *b64, *nl;
	size_t sig_len = 0;

	if (len < sizeof(word) - 1 || memcmp(p, word, sizeof(word) - 1)) {
		set_err(err, errlen, "not an ed25519 signature");
		return -EBADMSG;
	}
	p += sizeof(word) - 1;
	if ((size_t)(end - p) < FPR_HEX + 1 || !is_fingerprint(p) || p[FPR_HEX] != ' ') {
		set_err(err, errlen, "bad key fingerprint (expected %d lowercase hex digits)",
			FPR_HEX);
		return -EBADMSG;
	}
	b64 = p + FPR_HEX + 1;
	nl = memchr(b64, '\n', (size_t)(end - b64));
	if (b64_decode(b64, (size_t)((nl ? nl : end) - b64), sig, sizeof(sig), &sig_len)) {
		set_err(err, errlen, "bad base64");
		return -EBADMSG;
	}
	if (sig_len != EMB_ED25519_SIG_LEN) {
		set_err(err, errlen, "signature is %zu bytes, expected %d", sig_len,
			EMB_ED25519_SIG_LEN);
		return -EBADMSG;
	}
	if (!nl) {
		set_err(err, errlen, "no newline after the signature");
		return -EBADMSG;
	}
	if (nl + 1 != end) {
		set_err(err, errlen, "text after the signature line");
		return -EBADMSG;
	}
	memcpy(ret->fingerprint, p, FPR_HEX);
	ret->fingerprint[FPR_HEX] = '\0';
	memcpy(ret->sig, sig, EMB_ED25519_SIG_LEN);
	return 0;
}

int emb_trust_add_file(struct emb_trust *trust, const char *path, char *err, size_t errlen)
{
	struct emb_trust_key key = { 0 }, *keys;
	EVP_PKEY *pkey = NULL;
	int r;

	r = load_key(path, KEY_PUBLIC, &pkey, err, errlen);
	if (r)
		return r;
	r = raw_public_key(pkey, key.pub);
	EVP_PKEY_free(pkey);
	if (!r)
		r = emb_key_fingerprint(key.pub, key.fingerprint);
	if (r) {
		set_err(err, errlen, "%s: cannot read the raw public key", path);
		return r;
	}
	for (size_t i = 0; i < trust->n; i++)
		if (!memcmp(trust->keys[i].pub, key.pub, sizeof(key.pub)))
			return 0;
	if (trust->n >= EMB_TRUST_MAX_KEYS) {
		set_err(err, errlen, "%s: more than %u trusted keys", path, EMB_TRUST_MAX_KEYS);
		return -E2BIG;
	}
	key.path = strdup(path);
	keys = realloc(trust->keys, (trust->n + 1) * sizeof(*keys));
	if (!key.path || !keys) {
		free(key.path);
		if (keys)
			trust->keys = keys;
		set_err(err, errlen, "%s: %s", path, strerror(ENOMEM));
		return -ENOMEM;
	}
	trust->keys = keys;
	trust->keys[trust->n++] = key;
	return 0;
}

const struct emb_trust_key *emb_trust_find(const struct emb_trust *trust, const char *fingerprint)
{
	for (size_t i = 0; i < trust->n; i++)
		if (!strcmp(trust->keys[i].fingerprint, fingerprint))
			return &trust->keys[i];
	return NULL;
}

/* 1 when KEY's signature SIG covers the LEN bytes at DATA, 0 when not, -errno. */
static int verify_with(const struct emb_trust_key *key, const void *data, size_t len,
		       const unsigned char sig[EMB_ED25519_SIG_LEN])
{
	EVP_PKEY *pkey =
		EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, key->pub, EMB_ED25519_KEY_LEN);
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	int r = -ENOMEM;

	if (pkey && ctx) {
		r = -EIO;
		if (EVP_DigestVerifyInit(ctx, NULL, NULL, NULL, pkey) == 1)
			r = EVP_DigestVerify(ctx, sig, EMB_ED25519_SIG_LEN,
					     len ? data : (const void *)"", len) == 1;
	}
	ERR_clear_error();
	EVP_MD_CTX_free(ctx);
	EVP_PKEY_free(pkey);
	return r;
}

int emb_trust_verify(const struct emb_trust *trust, const void *data, size_t len,
		     const char *sig_text, char *which, size_t whichlen)
{
	const struct emb_trust_key *named;
	struct emb_sig sig;
	int r;

	r = emb_sig_parse(sig_text, strlen(sig_text), &sig, which, whichlen);
	if (r)
		return r;
	/* The key the line names goes first; every other key is tried too (the name is unsigned). */
	named = emb_trust_find(trust, sig.fingerprint);
	if (named) {
		r = verify_with(named, data, len, sig.sig);
		if (r < 0)
			goto fail;
		if (r == 1)
			goto verified;
	}
	for (size_t i = 0; i < trust->n; i++) {
		if (&trust->keys[i] == named)
			continue;
		r = verify_with(&trust->keys[i], data, len, sig.sig);
		if (r < 0)
			goto fail;
		if (r == 1) {
			named = &trust->keys[i];
			goto verified;
		}
	}
	if (!trust->n)
		set_err(which, whichlen, "no trusted key to verify with");
	else if (named)
		set_err(which, whichlen,
			"does not verify with trusted key %s: the file changed after "
			"signing, or the signature is damaged",
			sig.fingerprint);
	else
		set_err(which, whichlen,
			"no trusted key verifies it (the signature names key %s, "
			"which is not trusted)",
			sig.fingerprint);
	return -EKEYREJECTED;
verified:
	set_err(which, whichlen, "%s", named->fingerprint);
	return 0;
fail:
	set_err(which, whichlen, "verification failed: %s", strerror(-r));
	return r;
}

int emb_verify_file(const struct emb_trust *trust, const char *path, void **ret_data,
		    size_t *ret_len, char *which, size_t whichlen)
{
	char sig_path[PATH_MAX], why[512];
	char *data = NULL, *sig = NULL;
	size_t len = 0, sig_len = 0;
	int r;

	if (snprintf(sig_path, sizeof(sig_path), "%s" EMB_SIG_SUFFIX, path) >=
	    (int)sizeof(sig_path)) {
		set_err(which, whichlen, "%s: %s", path, strerror(ENAMETOOLONG));
		return -ENAMETOOLONG;
	}
	r = read_file_max(sig_path, EMB_SIG_TEXT_MAX, &sig, &sig_len);
	if (r) {
		if (r == -EFBIG)
			set_err(which, whichlen, "%s: larger than %u bytes: not a signature",
				sig_path, EMB_SIG_TEXT_MAX);
		else if (r == -ENOENT)
			set_err(which, whichlen, "not signed: %s: %s", sig_path, strerror(-r));
		else
			set_err(which, whichlen, "%s: %s", sig_path, strerror(-r));
		goto out;
	}
	if (strlen(sig) != sig_len) {
		set_err(which, whichlen, "%s: holds a NUL byte: not a signature", sig_path);
		r = -EBADMSG;
		goto out;
	}
	r = read_file_max(path, EMB_SIGNED_FILE_MAX, &data, &len);
	if (r) {
		if (r == -EFBIG)
			set_err(which, whichlen, "%s: larger than %u bytes", path,
				EMB_SIGNED_FILE_MAX);
		else
			set_err(which, whichlen, "%s: %s", path, strerror(-r));
		goto out;
	}
	r = emb_trust_verify(trust, data, len, sig, why, sizeof(why));
	if (r == -EBADMSG)
		set_err(which, whichlen, "%s: %s", sig_path, why);
	else
		set_err(which, whichlen, "%s", why);
	if (!r && ret_data) {
		*ret_data = data;
		data = NULL;
		if (ret_len)
			*ret_len = len;
	}
out:
	free(data);
	free(sig);
	return r;
}

void emb_trust_free(struct emb_trust *trust)
{
	for (size_t i = 0; i < trust->n; i++)
		free(trust->keys[i].path);
	free(trust->keys);
	trust->keys = NULL;
	trust->n = 0;
}
