/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The unload token: what an administrator signs (embargo sign) to let "embargo unload" end
 * enforcement on a host whose embargod requires signed policies. Three lines:
 *
 *   embargo unload token
 *   host: NAME
 *   expires: 2026-11-28T08:00:00Z
 *
 * It names one host, and stops being accepted at its expiry. Pure code.
 */
#ifndef EMB_UNLOAD_TOKEN_H
#define EMB_UNLOAD_TOKEN_H

#include <stddef.h>
#include <stdint.h>

#define EMB_UNLOAD_TOKEN_MAX 512

/* The token for HOST, expiring at EXPIRES (seconds since the epoch), into BUF. 0 or -errno. */
int emb_unload_token_format(const char *host, int64_t expires, char *buf, size_t size);

/*
 * Checks that TEXT (LEN bytes) is a well-formed token for HOST, not expired at NOW. Returns 0,
 * or -EINVAL (malformed), -EACCES (another host), -ETIME (expired) with WHY said.
 */
int emb_unload_token_check(const char *text, size_t len, const char *host, int64_t now, char *why,
			   size_t why_size);

/*
 * The revert token: the same, titled "embargo revert token", lets "embargo push --revert" put
 * the --policy files back in force on a host whose embargod requires signed policies. Neither
 * token is accepted for the other.
 */
int emb_revert_token_format(const char *host, int64_t expires, char *buf, size_t size);
int emb_revert_token_check(const char *text, size_t len, const char *host, int64_t now, char *why,
			   size_t why_size);

#endif /* EMB_UNLOAD_TOKEN_H */
