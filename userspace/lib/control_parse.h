/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What embargod reads from a control client, taken apart: the request line (its verb and
 * arguments) and a push's header. Pure code: embargod reads the socket, this parses.
 */
#ifndef EMB_CONTROL_PARSE_H
#define EMB_CONTROL_PARSE_H

#include <stdbool.h>
#include <stddef.h>

enum emb_control_verb {
	EMB_CONTROL_UNKNOWN = 0, /* anything else (embargod's test hooks check the line itself) */
	EMB_CONTROL_STATUS,	 /* "status" */
	EMB_CONTROL_POLICY,	 /* "policy" */
	EMB_CONTROL_PUSH,	 /* "push HEADER", the policy's bytes after the line */
	EMB_CONTROL_UNLOAD,	 /* "unload", or "unload ARGS" (a JSON object) */
	EMB_CONTROL_PING,	 /* "ping" */
	EMB_CONTROL_RELOAD,	 /* "reload": what SIGHUP does, with its result */
	EMB_CONTROL_REVERT,	 /* "revert", or "revert ARGS" (a JSON object): back to --policy */
};

struct emb_control_line {
	enum emb_control_verb verb;
	const char *line; /* the request line, NUL-terminated in place, without its newline */
	const char *args; /* after "push ", "unload " or "revert ": "" otherwise */
	const char *rest; /* the bytes read after the newline: the start of a push's payload */
	size_t rest_len;
};

/*
 * Takes apart the LEN bytes a client sent first, at BUF. BUF[LEN] must be writable: the line is
 * NUL-terminated in place. The line ends at the first newline, or at LEN when there is none (a
 * client that filled the buffer without one); a NUL byte ends it early, as C strings do.
 */
void emb_control_parse_line(char *buf, size_t len, struct emb_control_line *ret);

/*
 * A push's header, the JSON object after "push ": {"size":N,"name":NAME[,"sig":TEXT]
 * [,"force":N][,"allow_empty":N][,"kill_running":N]}; a flag is set by a number other than 0.
 */
struct emb_push_header {
	unsigned long long
		size; /* the policy's bytes after the line: at most EMB_CONTROL_MAX_PAYLOAD */
	char *name;   /* malloc'd; emb_push_name_ok() */
	char *sig;    /* malloc'd .sig text, NULL when the push is unsigned */
	bool force, allow_empty, kill_running;
};

/*
 * Parses HEADER into *RET (written only on success; free with emb_push_header_free()). Returns 0,
 * or -EINVAL with *RET_WHY the error the reply gives ("push: missing or too large \"size\"", ...).
 */
int emb_push_header_parse(const char *header, struct emb_push_header *ret, const char **ret_why);
void emb_push_header_free(struct emb_push_header *h);

/* A push names its policy: one printable file name component (1 to 200 bytes, not . or ..). */
bool emb_push_name_ok(const char *name);

#endif /* EMB_CONTROL_PARSE_H */
