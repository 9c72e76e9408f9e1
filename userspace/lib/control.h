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

#endif /* EMB_CONTROL_H */
