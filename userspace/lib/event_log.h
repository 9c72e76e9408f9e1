/* SPDX-License-Identifier: GPL-2.0-only */
/* Turning the kernel's event records into the audit log's JSON lines. Pure code. */
#ifndef EMB_EVENT_LOG_H
#define EMB_EVENT_LOG_H

#include <stddef.h>
#include <stdint.h>
#include <linux/types.h>

#include "embargo.h"
#include "strbuf.h"

/* What the record alone does not say: which rule its rule_id names, and the wall clock. */
struct emb_event_ctx {
	const char *key;	    /* the rule's key; NULL when no rule decided */
	const char *rule;	    /* "FILE:LINE" of the rule, or NULL */
	int64_t realtime_offset_ns; /* CLOCK_REALTIME - CLOCK_BOOTTIME when the record was read */
	const char *policy_sha256;  /* the deciding policy's sha256 (hex), or NULL */
	uint64_t policy_version;    /* its version line, 0 when it has none */
	const char *host;	    /* this machine's name, or NULL */
};

const char *emb_tier_name(unsigned tier);	/* "lsm", "tracepoint", "none" */
const char *emb_event_verdict_name(unsigned v); /* "allow", "audit", "deny" */

/*
 * Checks that the LEN bytes at DATA are a well-formed struct emb_event (path_len within what
 * was sent). Returns 0 or -EBADMSG.
 */
/* "exec", "mmap", "open" or "kill". */
const char *emb_event_type_name(uint32_t type);

int emb_event_check(const void *data, size_t len);

/* The file's path, rebuilt from the leaf-first record: "/a/b/file". */
void emb_event_path(const struct emb_event *e, struct strbuf *sb);

/* "2026-11-27T23:59:01.123456789Z" for NS nanoseconds since the epoch. */
void emb_format_rfc3339(int64_t ns, char *buf, size_t size);

/* Appends one JSON object (no newline) for the checked event E. */
void emb_event_format(struct strbuf *sb, const struct emb_event *e,
		      const struct emb_event_ctx *ctx);

#endif /* EMB_EVENT_LOG_H */
