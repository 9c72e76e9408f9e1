// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <openssl/evp.h>

#include "hash.h"

/* Memory use does not grow with the file: it is read this much at a time. */
#define HASH_CHUNK (64u << 10)

int emb_sha256_file(int fd, unsigned char out[EMB_SHA256_LEN])
{
	unsigned char digest[EVP_MAX_MD_SIZE];
	unsigned char *buf = malloc(HASH_CHUNK);
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned int len = 0;
	int r = -ENOMEM;

	if (!buf || !ctx)
		goto out;
	r = -EIO;
	if (EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1)
		goto out;
	for (;;) {
		ssize_t n = read(fd, buf, HASH_CHUNK);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = -errno;
			goto out;
		}
		if (n == 0)
			break;
		if (EVP_DigestUpdate(ctx, buf, (size_t)n) != 1)
			goto out;
	}
	if (EVP_DigestFinal_ex(ctx, digest, &len) != 1 || len != EMB_SHA256_LEN)
		goto out;
	memcpy(out, digest, EMB_SHA256_LEN);
	r = 0;
out:
	EVP_MD_CTX_free(ctx);
	free(buf);
	return r;
}

void emb_hex(const unsigned char *bytes, size_t len, char *out)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < len; i++) {
		out[2 * i] = digits[bytes[i] >> 4];
		out[2 * i + 1] = digits[bytes[i] & 0xf];
	}
	out[2 * len] = '\0';
}

int emb_sha256_buffer(const void *data, size_t len, unsigned char out[EMB_SHA256_LEN])
{
	unsigned int n = 0;

	if (EVP_Digest(data, len, out, &n, EVP_sha256(), NULL) != 1 || n != EMB_SHA256_LEN)
		return -EIO;
	return 0;
}
