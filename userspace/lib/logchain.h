/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The audit log's hash chain. Every line ends in ,"seq":N,"prev":"HEX": N counts records from
 * the start of the chain, HEX is the SHA-256 of the line before it exactly as written (without
 * its newline), all zeros before the first record. Rotated files continue the chain, so the
 * files concatenated oldest first are one chain. Pure code: nothing here logs.
 *
 * What embargod does with it:
 *   at start	  emb_chain_resume(log) tells where to continue; then it writes a "chain"
 *		  record (emb_chain_start_record()): reason "new" for a fresh log, else
 *		  "restart", with broken_tail "torn" or "unsealed" when resume said so (a torn
 *		  line gets its newline first).
 *   each line	  emb_chain_seal_at() right after formatting it, before it is written.
 *   after fsync  emb_chain_anchor_write(<log>.anchor): the last record on disk.
 *   rotation	  the new file starts with a "chain" record, reason "rotated",
 *		  previous_file the old file's new name, sealed with the same (continuing) chain.
 */
#ifndef EMB_LOGCHAIN_H
#define EMB_LOGCHAIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "strbuf.h"

#define EMB_CHAIN_HASH_LEN 32

/* A chain's state: what the next record carries. Zeroed, it starts a new chain. */
struct emb_chain {
	uint64_t seq;				/* the next record's seq */
	unsigned char prev[EMB_CHAIN_HASH_LEN]; /* SHA-256 of the last line sealed */
};

/*
 * Seals LINE, one complete JSON object "{...}" and nothing else (no newline): inserts
 * ,"seq":N,"prev":"HEX" before its final '}', then advances C past it. Returns 0, -EINVAL when
 * LINE is not "{...}" without whitespace before the '}' (as json_end() writes it), -ENOMEM
 * (LINE->oom), or -EIO when hashing fails; C and LINE's text are left as they were on failure.
 */
int emb_chain_seal(struct emb_chain *c, struct strbuf *line);
/* The same for the object that starts at offset START of SB and runs to its end (a batch). */
int emb_chain_seal_at(struct emb_chain *c, struct strbuf *sb, size_t start);

/*
 * Appends (unsealed, no newline) the record that starts or continues a chain:
 * {"time":...,"event":"chain","reason":REASON[,"previous_file":...][,"broken_tail":...]}.
 * REASON is "new", "rotated" or "restart"; PREVIOUS_FILE (rotated) names the file the chain
 * continues from; BROKEN_TAIL (restart) is "torn" or "unsealed" as emb_chain_resume() found the
 * log; both NULL when they do not apply. TIME_NS: nanoseconds since the epoch.
 */
void emb_chain_start_record(struct strbuf *out, const char *reason, const char *previous_file,
			    int64_t time_ns, const char *broken_tail);

/* emb_chain_resume(): no log yet (or an empty one); the chain starts afresh. */
#define EMB_CHAIN_FRESH 1

/*
 * Sets C to continue the chain of the log at PATH, reading only its end. Returns:
 *   0			C continues after the last line (seq + 1, its hash);
 *   EMB_CHAIN_FRESH	PATH is missing or empty: C is left as given;
 *   -EBADMSG		the last line is torn (no newline: a crash mid-write). C is set anyway:
 *			prev the hash of the torn bytes, seq after the last whole record. The
 *			caller writes "\n" first, then a restart record with broken_tail "torn";
 *   -ENOMSG		the last line is a JSON object but no sealed record (an older
 *			embargod's log). C is set anyway: seq 0, prev the hash of that line. The
 *			caller writes a restart record with broken_tail "unsealed";
 *   -EMEDIUMTYPE	PATH is no log: its last line is no JSON object (or over
 *			EMB_LOG_MAX_LINE), or its torn end starts none. Never to be written to;
 *			C is left as given;
 *   -errno		PATH cannot be read; C is left as given.
 * WHY (WHYLEN bytes, may be NULL) gets one sentence for the daemon's own log.
 */
int emb_chain_resume(const char *path, struct emb_chain *c, char *why, size_t whylen);

/*
 * The anchor: one line "SEQ HEX\n", the seq and SHA-256 of the last record known to be on disk,
 * kept beside the log (<log>.anchor) so that lines cut from the end of the log are noticed.
 * emb_chain_anchor_write() replaces PATH atomically (PATH.XXXXXX, fdatasync, rename) with the last
 * record C sealed; -EINVAL when C sealed none. emb_chain_anchor_read() returns 0, -EBADMSG when
 * PATH is not one such line, or -errno; *RET_SEQ and RET_HASH are written only on success.
 */
int emb_chain_anchor_write(const char *path, const struct emb_chain *c);
int emb_chain_anchor_read(const char *path, uint64_t *ret_seq,
			  unsigned char ret_hash[EMB_CHAIN_HASH_LEN]);

/* What emb_log_verify() found first. */
enum emb_verify_kind {
	EMB_VERIFY_OK,
	EMB_VERIFY_ALTERED,	 /* a line no longer hashes to what the next one carries */
	EMB_VERIFY_MISSING,	 /* records are missing (seq jumps, or fewer than the anchor) */
	EMB_VERIFY_OUT_OF_ORDER, /* a record's seq is not the one after its predecessor's */
	EMB_VERIFY_TRUNCATED,	 /* a file's last line has no newline */
	EMB_VERIFY_NOT_RECORD,	 /* a line is not a JSON object */
	EMB_VERIFY_UNSEALED,	 /* a JSON object without seq and prev */
	EMB_VERIFY_CONTINUED,	 /* the first record continues a chain from a file not given */
	EMB_VERIFY_NEW_CHAIN,	 /* a second chain starts: what came before is not linked to it */
	EMB_VERIFY_ANCHOR,	 /* the anchor is malformed or names a record with another hash */
};

/* "altered", "missing", "out-of-order", "truncated", "not-a-record", ... ("ok"). */
const char *emb_verify_kind_name(enum emb_verify_kind kind);

/* emb_log_verify() flags. */
#define EMB_VERIFY_ALLOW_CONTINUED 0x1 /* the first record may continue an older file's chain */

struct emb_verify_report {
	uint64_t records;	      /* records verified (before the problem, if any) */
	bool has_seq;		      /* first_seq, last_seq are set: at least one record */
	uint64_t first_seq, last_seq; /* of the records verified */
	bool continued;		      /* the first record's prev is not zero (allowed) */
	uint64_t torn_lines;	      /* torn lines a restart record after them declares */
	uint64_t unsealed_lines;      /* lines before the chain began (an older embargod's) */
	bool anchor_checked;	      /* the anchor's record was among those verified */
	uint64_t anchor_seq;

	/* The first problem; kind EMB_VERIFY_OK when there is none. */
	enum emb_verify_kind kind;
	const char *file; /* one of the paths given, or the anchor's */
	uint64_t line;	  /* 1-based line in FILE; 0 when the problem has none */
	bool has_line_seq;
	uint64_t seq; /* the seq LINE carries */
	char message[320];
};

/*
 * Verifies the chain over the N files at PATHS, oldest first, and the anchor at ANCHOR_PATH
 * unless NULL. Each line must be a sealed JSON object whose prev is the hash of the line before
 * and whose seq is one more than the last record's; the first record's prev must be all zeros
 * unless FLAGS has EMB_VERIFY_ALLOW_CONTINUED. Memory does not grow with the files. Returns 0
 * when the chain is intact, 1 when OUT->kind says what is wrong first and where, or -errno when
 * a file cannot be read (OUT->file names it, OUT->message says why) or -ENOMEM.
 */
int emb_log_verify(const char *const *paths, size_t n, const char *anchor_path, unsigned flags,
		   struct emb_verify_report *out);

#endif /* EMB_LOGCHAIN_H */
