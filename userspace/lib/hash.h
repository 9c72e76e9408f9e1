/* SPDX-License-Identifier: GPL-2.0-only */
/* Content hashes of files (OpenSSL's EVP API), read through a bounded buffer. */
#ifndef EMB_HASH_H
#define EMB_HASH_H

#include <stddef.h>

#define EMB_SHA256_LEN 32

/*
 * SHA-256 of what FD yields from its current offset to end of file, into OUT (written only on
 * success). Returns 0, -errno of a failed read(), -ENOMEM, or -EIO when libcrypto fails.
 */
int emb_sha256_file(int fd, unsigned char out[EMB_SHA256_LEN]);

/* LEN bytes as lowercase hex into OUT, which holds 2 * LEN + 1 bytes. */
/* The SHA-256 of LEN bytes at DATA. Returns 0 or -EIO. */
int emb_sha256_buffer(const void *data, size_t len, unsigned char out[EMB_SHA256_LEN]);

void emb_hex(const unsigned char *bytes, size_t len, char *out);

#endif /* EMB_HASH_H */
