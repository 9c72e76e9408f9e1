/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The control protocol between embargo and embargod: a Unix stream socket; the client sends one
 * request line, the daemon answers with one JSON line and closes. Lines are bounded.
 */
#ifndef EMB_CONTROL_H
#define EMB_CONTROL_H

#include <stddef.h>

#define EMB_CONTROL_DEFAULT	"/run/embargo/embargod.sock"
#define EMB_CONTROL_MAX_REQUEST 4096
#define EMB_CONTROL_MAX_REPLY	(1u << 20)
#define EMB_CONTROL_TIMEOUT_MS	5000

/*
 * Sends REQUEST (no newline) to the daemon at SOCKET_PATH and returns its reply line, without
 * the newline, in *RET_REPLY (malloc'd). Returns 0 or -errno: -ENOENT/-ECONNREFUSED when no
 * daemon listens there, -ETIMEDOUT, -EMSGSIZE for an oversized reply, -EPROTO for a reply that
 * ends without a newline.
 */
int emb_control_request(const char *socket_path, const char *request, char **ret_reply);

/*
 * The same with PAYLOAD_LEN bytes of PAYLOAD sent right after the request line (a push: the
 * request line says how many), waiting up to TIMEOUT_MS for each step.
 */
int emb_control_request_payload(const char *socket_path, const char *request, const void *payload,
				size_t payload_len, int timeout_ms, char **ret_reply);

/* The longest payload embargod takes: a policy file at its size limit. */
#define EMB_CONTROL_MAX_PAYLOAD (64u << 20)
/* How long a push may take: parsing, resolving and installing a large policy. */
#define EMB_CONTROL_PUSH_TIMEOUT_MS 120000

#endif /* EMB_CONTROL_H */
