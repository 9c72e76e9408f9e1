// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "event_log.h"
#include "hash.h"
#include "json_read.h"
#include "logchain.h"
#include "logquery.h"

_Static_assert(EMB_CHAIN_HASH_LEN == EMB_SHA256_LEN, "the chain hashes with SHA-256");

#define HEX_LEN (2 * EMB_CHAIN_HASH_LEN)
/* The seal's fixed parts: "seq": before the number, ,"prev":" and "} around the hash. */
#define SEAL_SEQ  "\"seq\":"
#define SEAL_PREV ",\"prev\":\""
/* Resuming reads this much of the log's end: a torn line and the whole line before it. */
#define RESUME_WINDOW (2 * (EMB_LOG_MAX_LINE + 1))

static const unsigned char zero_hash[EMB_CHAIN_HASH_LEN];

int emb_chain_seal_at(struct emb_chain *c, struct strbuf *sb, size_t start)
{
	unsigned char hash[EMB_CHAIN_HASH_LEN];
	char hex[HEX_LEN + 1];
	size_t len = sb->len;

	if (sb->oom)
		return -ENOMEM;
	if (start >= len || len - start < 2 || sb->buf[start] != '{' || sb->buf[len - 1] != '}' ||
	    strchr(" \t\r\n", sb->buf[len - 2]))
		return -EINVAL;
	emb_hex(c->prev, sizeof(c->prev), hex);
	sb->len = len - 1;
	/* An empty object takes the seal without a comma. */
	sb_printf(sb, "%s" SEAL_SEQ "%" PRIu64 SEAL_PREV "%s\"}", len - start == 2 ? "" : ",",
		  c->seq, hex);
	if (sb->oom || emb_sha256_buffer(sb->buf + start, sb->len - start, hash) < 0) {
		int r = sb->oom ? -ENOMEM : -EIO;

		sb->len = len;
		sb->buf[len - 1] = '}';
		sb->buf[len] = '\0';
		return r;
	}
	memcpy(c->prev, hash, sizeof(c->prev));
	c->seq++;
	return 0;
}

int emb_chain_seal(struct emb_chain *c, struct strbuf *line)
{
	return emb_chain_seal_at(c, line, 0);
}

void emb_chain_start_record(struct strbuf *out, const char *reason, const char *previous_file,
			    int64_t time_ns, const char *broken_tail)
{
	char time[48];
	struct json j;

	emb_format_rfc3339(time_ns, time, sizeof(time));
	json_begin(&j, out);
	json_str(&j, "time", time);
	json_str(&j, "event", "chain");
	json_str(&j, "reason", reason);
	if (previous_file)
		json_str(&j, "previous_file", previous_file);
	if (broken_tail)
		json_str(&j, "broken_tail", broken_tail);
	json_end(&j);
}

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Lowercase hex of HEX_LEN digits at S into OUT; false when S is not. */
static bool parse_hash(const char *s, unsigned char out[EMB_CHAIN_HASH_LEN])
{
	for (size_t i = 0; i < EMB_CHAIN_HASH_LEN; i++) {
		int hi = hex_digit(s[2 * i]), lo = hex_digit(s[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return false;
		out[i] = (unsigned char)(hi << 4 | lo);
	}
	return true;
}

/* A decimal without leading zeros and within 64 bits, LEN digits at S. */
static bool parse_seq(const char *s, size_t len, uint64_t *ret)
{
	uint64_t v = 0;

	if (!len || len > 20 || (len > 1 && s[0] == '0'))
		return false;
	for (size_t i = 0; i < len; i++) {
		unsigned d = (unsigned)(s[i] - '0');

		if (d > 9 || v > (UINT64_MAX - d) / 10)
			return false;
		v = v * 10 + d;
	}
	*ret = v;
	return true;
}

/*
 * The seal at the end of LINE (LEN bytes), exactly as emb_chain_seal_at() writes it. That a
 * valid JSON object ends so makes them its last top-level fields: a quote inside a string is
 * escaped, so the quotes matched here are real ones.
 */
static bool parse_seal(const char *line, size_t len, uint64_t *ret_seq,
		       unsigned char ret_prev[EMB_CHAIN_HASH_LEN])
{
	const size_t tail = strlen(SEAL_PREV) + HEX_LEN + 2, key = strlen(SEAL_SEQ);
	const char *digits, *end;

	/* At least {"seq":0 before the tail. */
	if (len < 1 + key + 1 + tail || line[len - 1] != '}' || line[len - 2] != '"')
		return false;
	end = line + len - tail;
	if (memcmp(end, SEAL_PREV, strlen(SEAL_PREV)))
		return false;
	for (digits = end; digits > line && digits[-1] >= '0' && digits[-1] <= '9'; digits--)
		;
	if ((size_t)(digits - line) < 1 + key || memcmp(digits - key, SEAL_SEQ, key))
		return false;
	if (digits[-1 - (ptrdiff_t)key] != ',' && digits[-1 - (ptrdiff_t)key] != '{')
		return false;
	return parse_seq(digits, (size_t)(end - digits), ret_seq) &&
	       parse_hash(end + strlen(SEAL_PREV), ret_prev);
}

/* Whether the LEN bytes at S (with room for a NUL after them) are a sealed record. */
static bool is_record(char *s, size_t len, uint64_t *ret_seq)
{
	unsigned char prev[EMB_CHAIN_HASH_LEN];
	char saved = s[len];
	bool r;

	s[len] = '\0';
	r = strlen(s) == len && json_is_object(s) && parse_seal(s, len, ret_seq, prev);
	s[len] = saved;
	return r;
}

__attribute__((format(printf, 3, 4))) static void say(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;

	if (!buf || !size)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, size, fmt, ap);
	va_end(ap);
}

/* The start of the line that ends at END (exclusive) in BUF: after the '\n' before it. */
static size_t line_start(const char *buf, size_t end)
{
	const char *nl = end ? memrchr(buf, '\n', end) : NULL;

	return nl ? (size_t)(nl - buf) + 1 : 0;
}

static int read_fully(int fd, char *buf, size_t len, off_t off)
{
	size_t got = 0;

	while (got < len) {
		ssize_t n = pread(fd, buf + got, len - got, off + (off_t)got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -EIO; /* the file shrank under us */
		got += (size_t)n;
	}
	return 0;
}

/* Whether the LEN bytes at S (with room for a NUL after them) are one JSON object. */
static bool is_json_line(char *s, size_t len)
{
	char saved = s[len];
	bool r;

	s[len] = '\0';
	r = strlen(s) == len && json_is_object(s);
	s[len] = saved;
	return r;
}

/*
 * Whether the bytes of BUF from START on, after the last newline, can be a log line cut
 * short: they start an object, and the line before them (when the window holds it) is one.
 */
static bool torn_line_plausible(char *buf, size_t start, bool whole)
{
	size_t before;

	if (buf[start] != '{')
		return false;
	if (!start)
		return true;
	before = line_start(buf, start - 1);
	if (!before && !whole)
		return true; /* the line before began outside the window */
	return is_json_line(buf + before, start - 1 - before);
}

int emb_chain_resume(const char *path, struct emb_chain *c, char *why, size_t whylen)
{
	unsigned char hash[EMB_CHAIN_HASH_LEN];
	struct stat st;
	size_t w, start, end;
	uint64_t seq;
	char *buf = NULL;
	bool whole; /* the window holds the file from its first byte */
	int fd, r;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT) {
		say(why, whylen, "%s does not exist: a new chain", path);
		return EMB_CHAIN_FRESH;
	}
	if (fd < 0 || fstat(fd, &st) < 0) {
		r = -errno;
		say(why, whylen, "cannot read %s: %s", path, strerror(-r));
		goto out;
	}
	if (st.st_size == 0) {
		say(why, whylen, "%s is empty: a new chain", path);
		r = EMB_CHAIN_FRESH;
		goto out;
	}
	w = st.st_size < RESUME_WINDOW ? (size_t)st.st_size : RESUME_WINDOW;
	whole = (off_t)w == st.st_size;
	buf = malloc(w + 1);
	if (!buf) {
		r = -ENOMEM;
		say(why, whylen, "%s", strerror(ENOMEM));
		goto out;
	}
	r = read_fully(fd, buf, w, st.st_size - (off_t)w);
	if (r < 0) {
		say(why, whylen, "cannot read %s: %s", path, strerror(-r));
		goto out;
	}

	if (buf[w - 1] != '\n') {
		/* A torn write: its bytes become a line of their own, the restart record's prev. */
		start = line_start(buf, w);
		if (!torn_line_plausible(buf, start, whole)) {
			say(why, whylen, "it is no log (its end is no JSON line of one)");
			r = -EMEDIUMTYPE;
			goto out;
		}
		*c = (struct emb_chain){ 0 };
		if (!start && !whole) {
			say(why, whylen, "%s ends in a torn line over %d bytes", path,
			    EMB_LOG_MAX_LINE);
			r = -EBADMSG;
			goto out;
		}
		r = emb_sha256_buffer(buf + start, w - start, c->prev);
		if (r < 0)
			goto out;
		/* Cut right before its newline, it is whole; else the line before it is the last. */
		if (is_record(buf + start, w - start, &seq)) {
			c->seq = seq + 1;
		} else if (start) {
			size_t before = line_start(buf, start - 1);

			if ((before || whole) && is_record(buf + before, start - 1 - before, &seq))
				c->seq = seq + 1;
		}
		say(why, whylen,
		    "%s ends in a torn line (%zu bytes without a newline, a crash mid-write?)",
		    path, w - start);
		r = -EBADMSG;
		goto out;
	}

	end = w - 1;
	start = line_start(buf, end);
	if (!start && !whole) {
		say(why, whylen, "it is no log (its last line is over %d bytes)", EMB_LOG_MAX_LINE);
		r = -EMEDIUMTYPE;
		goto out;
	}
	if (!is_json_line(buf + start, end - start)) {
		say(why, whylen, "it is no log (its last line is no JSON object)");
		r = -EMEDIUMTYPE;
		goto out;
	}
	r = emb_sha256_buffer(buf + start, end - start, hash);
	if (r < 0)
		goto out;
	if (!is_record(buf + start, end - start, &seq)) {
		c->seq = 0;
		memcpy(c->prev, hash, sizeof(hash));
		say(why, whylen, "the last line of %s is no sealed record (no seq and prev)", path);
		r = -ENOMSG;
		goto out;
	}
	c->seq = seq + 1;
	memcpy(c->prev, hash, sizeof(hash));
	say(why, whylen, "%s: continuing after seq %" PRIu64, path, seq);
	r = 0;
out:
	if (fd >= 0)
		close(fd);
	free(buf);
	return r;
}

int emb_chain_anchor_write(const char *path, const struct emb_chain *c)
{
	char tmp[PATH_MAX], text[96], hex[HEX_LEN + 1];
	size_t len, off = 0;
	int fd, r = 0;

	if (!c->seq)
		return -EINVAL;
	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.XXXXXX", path) >= sizeof(tmp))
		return -ENAMETOOLONG;
	emb_hex(c->prev, sizeof(c->prev), hex);
	len = (size_t)snprintf(text, sizeof(text), "%" PRIu64 " %s\n", c->seq - 1, hex);
	/* A name of its own: a file that happens to be called ANCHOR.tmp is never written. */
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fchmod(fd, 0640) < 0) {
		r = -errno;
		close(fd);
		unlink(tmp);
		return r;
	}
	while (off < len) {
		ssize_t n = write(fd, text + off, len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			r = n < 0 ? -errno : -EIO;
			break;
		}
		off += (size_t)n;
	}
	if (!r && fdatasync(fd) < 0)
		r = -errno;
	if (close(fd) < 0 && !r)
		r = -errno;
	/* Without a directory fsync a crash may keep the older anchor: behind the log, harmless. */
	if (!r && rename(tmp, path) < 0)
		r = -errno;
	if (r)
		unlink(tmp);
	return r;
}

int emb_chain_anchor_read(const char *path, uint64_t *ret_seq,
			  unsigned char ret_hash[EMB_CHAIN_HASH_LEN])
{
	unsigned char hash[EMB_CHAIN_HASH_LEN];
	char text[128];
	const char *sp;
	uint64_t seq;
	size_t len = 0;
	int fd, r = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	while (len < sizeof(text)) {
		ssize_t n = read(fd, text + len, sizeof(text) - len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			r = -errno;
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	if (r)
		return r;
	if (len && text[len - 1] == '\n')
		len--;
	sp = memchr(text, ' ', len);
	if (!sp || len != (size_t)(sp - text) + 1 + HEX_LEN ||
	    !parse_seq(text, (size_t)(sp - text), &seq) || !parse_hash(sp + 1, hash))
		return -EBADMSG;
	*ret_seq = seq;
	memcpy(ret_hash, hash, sizeof(hash));
	return 0;
}

const char *emb_verify_kind_name(enum emb_verify_kind kind)
{
	switch (kind) {
	case EMB_VERIFY_OK:
		return "ok";
	case EMB_VERIFY_ALTERED:
		return "altered";
	case EMB_VERIFY_MISSING:
		return "missing";
	case EMB_VERIFY_OUT_OF_ORDER:
		return "out-of-order";
	case EMB_VERIFY_TRUNCATED:
		return "truncated";
	case EMB_VERIFY_NOT_RECORD:
		return "not-a-record";
	case EMB_VERIFY_UNSEALED:
		return "unsealed";
	case EMB_VERIFY_CONTINUED:
		return "continued";
	case EMB_VERIFY_NEW_CHAIN:
		return "new-chain";
	case EMB_VERIFY_ANCHOR:
		return "anchor";
	}
	return "?";
}

/* The lines of several files, read in turn; each at most EMB_LOG_MAX_LINE bytes is kept. */
struct reader {
	const char *const *paths;
	size_t n;
	size_t file; /* paths[file] is open in f, or opens next */
	FILE *f;
	uint64_t lineno; /* of the last line read from it */
	char *buf;	 /* EMB_LOG_MAX_LINE + 1 bytes */
};

struct line {
	size_t len;
	bool too_long; /* BUF holds only its start */
	bool newline;  /* it ended in one (only a file's last line may not) */
	size_t file;
	uint64_t lineno;
};

/* Reads the next line into R->buf (NUL-terminated). Returns 1, 0 after the last file, -errno. */
static int reader_next(struct reader *r, struct line *ln)
{
	for (;;) {
		size_t n = 0;
		bool over = false;
		int c;

		if (!r->f) {
			if (r->file >= r->n)
				return 0;
			r->f = fopen(r->paths[r->file], "re");
			if (!r->f)
				return -errno;
			r->lineno = 0;
		}
		while ((c = getc_unlocked(r->f)) != EOF && c != '\n') {
			if (n < EMB_LOG_MAX_LINE)
				r->buf[n++] = (char)c;
			else
				over = true;
		}
		if (c == EOF && ferror(r->f))
			return -EIO;
		if (c == EOF && n == 0 && !over) {
			fclose(r->f);
			r->f = NULL;
			r->file++;
			continue;
		}
		r->buf[n] = '\0';
		*ln = (struct line){ .len = n,
				     .too_long = over,
				     .newline = c == '\n',
				     .file = r->file,
				     .lineno = ++r->lineno };
		return 1;
	}
}

static void reader_close(struct reader *r)
{
	if (r->f)
		fclose(r->f);
	r->f = NULL;
}

struct pos {
	size_t file;
	uint64_t line;
};

/*
 * Looks for the record with seq WANT after the line R read last, to tell lines out of order
 * from lines missing. Read errors count as not found: it only chooses a message.
 */
static bool find_seq(const struct reader *r, uint64_t want, struct pos *ret)
{
	struct reader ahead = {
		.paths = r->paths, .n = r->n, .file = r->file, .lineno = r->lineno
	};
	unsigned char prev[EMB_CHAIN_HASH_LEN];
	struct line ln;
	bool found = false;
	uint64_t seq;

	ahead.buf = malloc(EMB_LOG_MAX_LINE + 1);
	if (!ahead.buf)
		return false;
	if (r->f) {
		ahead.f = fopen(r->paths[r->file], "re");
		if (!ahead.f || fseeko(ahead.f, ftello(r->f), SEEK_SET) < 0)
			goto out;
	}
	while (reader_next(&ahead, &ln) > 0) {
		if (!ln.too_long && parse_seal(ahead.buf, ln.len, &seq, prev) && seq == want) {
			*ret = (struct pos){ ln.file, ln.lineno };
			found = true;
			break;
		}
	}
out:
	reader_close(&ahead);
	free(ahead.buf);
	return found;
}

enum line_type { LINE_JUNK, LINE_UNSEALED, LINE_RECORD };

struct verifier {
	const char *const *paths;
	unsigned flags;
	struct emb_verify_report *out;

	/* The line before the current one. */
	bool have_prev;
	struct pos prev_pos;
	enum line_type prev_type;
	bool prev_hash_ok; /* false for a line too long to keep */
	unsigned char prev_hash[EMB_CHAIN_HASH_LEN];

	/* The last record. */
	bool have_record;
	uint64_t last_seq;
	struct pos last_pos;

	/* Lines before the first record: the first of them, and how many are JSON objects. */
	struct pos prechain_pos;
	enum line_type prechain_type;
	uint64_t prechain_unsealed;

	bool have_anchor, anchor_seen;
	uint64_t anchor_seq;
	unsigned char anchor_hash[EMB_CHAIN_HASH_LEN], anchored_hash[EMB_CHAIN_HASH_LEN];
	struct pos anchor_pos;
};

__attribute__((format(printf, 6, 7))) static int problem(struct verifier *v,
							 enum emb_verify_kind kind, struct pos at,
							 bool has_seq, uint64_t seq,
							 const char *fmt, ...)
{
	struct emb_verify_report *out = v->out;
	va_list ap;

	out->kind = kind;
	out->file = v->paths[at.file];
	out->line = at.line;
	out->has_line_seq = has_seq;
	out->seq = has_seq ? seq : 0;
	va_start(ap, fmt);
	vsnprintf(out->message, sizeof(out->message), fmt, ap);
	va_end(ap);
	return 1;
}

/* "line N" when AT is in the file of HERE, else "FILE:N". */
static void where(const struct verifier *v, struct pos at, struct pos here, char *buf, size_t size)
{
	if (at.file == here.file)
		snprintf(buf, size, "line %" PRIu64, at.line);
	else
		snprintf(buf, size, "%s:%" PRIu64, v->paths[at.file], at.line);
}

/* Whether TEXT is the chain record of a restart that declares a broken tail (TAIL, or any). */
static bool is_restart(const char *text, const char *tail)
{
	char *event = json_get_string(text, "event"), *reason = json_get_string(text, "reason");
	char *broken = json_get_string(text, "broken_tail");
	bool r = event && reason && broken && !strcmp(event, "chain") &&
		 !strcmp(reason, "restart") && (!tail || !strcmp(broken, tail));

	free(event);
	free(reason);
	free(broken);
	return r;
}

/* The first line before the first record, when no restart record declares them. */
static int prechain_problem(struct verifier *v)
{
	if (v->prechain_type == LINE_UNSEALED)
		return problem(v, EMB_VERIFY_UNSEALED, v->prechain_pos, false, 0,
			       "line %" PRIu64 " is not sealed (no seq and prev at its end)",
			       v->prechain_pos.line);
	return problem(v, EMB_VERIFY_NOT_RECORD, v->prechain_pos, false, 0,
		       "line %" PRIu64 " is not a record", v->prechain_pos.line);
}

static int check_first_record(struct verifier *v, const struct reader *r, struct pos at,
			      const char *text, uint64_t seq, const unsigned char *prev)
{
	struct pos later;
	char loc[PATH_MAX + 32];

	if (!v->have_prev) {
		if (!memcmp(prev, zero_hash, sizeof(zero_hash))) {
			if (seq)
				return problem(v, EMB_VERIFY_ALTERED, at, true, seq,
					       "line %" PRIu64
					       " was altered: it starts a chain but "
					       "carries seq %" PRIu64,
					       at.line, seq);
			return 0;
		}
		if (v->flags & EMB_VERIFY_ALLOW_CONTINUED) {
			v->out->continued = true;
			return 0;
		}
		if (seq && find_seq(r, seq - 1, &later)) {
			where(v, later, at, loc, sizeof(loc));
			return problem(v, EMB_VERIFY_OUT_OF_ORDER, at, true, seq,
				       "line %" PRIu64 " is out of order (seq %" PRIu64
				       ", but seq %" PRIu64 " follows at %s)",
				       at.line, seq, seq - 1, loc);
		}
		return problem(v, EMB_VERIFY_CONTINUED, at, true, seq,
			       "line %" PRIu64 " continues a chain from a file not given "
			       "(seq %" PRIu64 ", prev not zero)",
			       at.line, seq);
	}
	/* Lines of an older embargod (and a torn one) before a restart that declares them. */
	if (!seq && v->prev_hash_ok && !memcmp(prev, v->prev_hash, sizeof(v->prev_hash)) &&
	    is_restart(text, NULL)) {
		v->out->unsealed_lines = v->prechain_unsealed;
		return 0;
	}
	return prechain_problem(v);
}

static int check_link(struct verifier *v, const struct reader *r, struct pos at, uint64_t seq,
		      const unsigned char *prev)
{
	uint64_t want = v->last_seq + 1;
	struct pos later;
	char loc[PATH_MAX + 32];

	if (v->prev_hash_ok && !memcmp(prev, v->prev_hash, sizeof(v->prev_hash))) {
		if (seq == want)
			return 0;
		/* Linked to the line before, so nothing is missing between: its seq was edited. */
		return problem(v, EMB_VERIFY_ALTERED, at, true, seq,
			       "line %" PRIu64 " was altered (seq %" PRIu64 " after seq %" PRIu64
			       ")",
			       at.line, seq, v->last_seq);
	}
	if (!seq && !memcmp(prev, zero_hash, sizeof(zero_hash)))
		return problem(v, EMB_VERIFY_NEW_CHAIN, at, true, seq,
			       "line %" PRIu64 " starts a new chain: the records before it "
			       "(up to seq %" PRIu64 ") are not linked to it",
			       at.line, v->last_seq);
	if (seq == want) {
		/* The line before is to blame: it no longer counts as verified. */
		if (--v->out->records) {
			v->out->last_seq--;
		} else {
			v->out->has_seq = false;
			v->out->first_seq = v->out->last_seq = 0;
		}
		return problem(v, EMB_VERIFY_ALTERED, v->last_pos, true, v->last_seq,
			       "line %" PRIu64 " was altered", v->last_pos.line);
	}
	if (seq > want) {
		if (find_seq(r, want, &later)) {
			where(v, later, at, loc, sizeof(loc));
			return problem(v, EMB_VERIFY_OUT_OF_ORDER, at, true, seq,
				       "line %" PRIu64 " is out of order (seq %" PRIu64
				       " after seq %" PRIu64 "; seq %" PRIu64 " is at %s)",
				       at.line, seq, v->last_seq, want, loc);
		}
		if (seq - want == 1)
			return problem(v, EMB_VERIFY_MISSING, v->last_pos, true, v->last_seq,
				       "record seq %" PRIu64 " is missing after line %" PRIu64,
				       want, v->last_pos.line);
		return problem(v, EMB_VERIFY_MISSING, v->last_pos, true, v->last_seq,
			       "records seq %" PRIu64 "..%" PRIu64
			       " are missing after line %" PRIu64,
			       want, seq - 1, v->last_pos.line);
	}
	if (seq == v->last_seq) {
		where(v, v->last_pos, at, loc, sizeof(loc));
		return problem(v, EMB_VERIFY_OUT_OF_ORDER, at, true, seq,
			       "line %" PRIu64 " repeats seq %" PRIu64 " (of %s)", at.line, seq,
			       loc);
	}
	return problem(v, EMB_VERIFY_OUT_OF_ORDER, at, true, seq,
		       "line %" PRIu64 " is out of order (seq %" PRIu64 " after seq %" PRIu64 ")",
		       at.line, seq, v->last_seq);
}

/* Checks the line R just read. Returns 0 to go on, 1 for a problem, -errno. */
static int check_line(struct verifier *v, const struct reader *r, const struct line *ln)
{
	const char *text = r->buf;
	struct pos at = { ln->file, ln->lineno };
	unsigned char hash[EMB_CHAIN_HASH_LEN], prev[EMB_CHAIN_HASH_LEN];
	enum line_type type = LINE_JUNK;
	bool torn = false;
	uint64_t seq = 0;
	int res;

	if (!ln->too_long) {
		if (emb_sha256_buffer(text, ln->len, hash) < 0)
			return -EIO;
		if (strlen(text) == ln->len && json_is_object(text))
			type = parse_seal(text, ln->len, &seq, prev) ? LINE_RECORD : LINE_UNSEALED;
	}
	/* A line that is not JSON passes only as the torn line a restart record declares. */
	if (v->have_prev && v->prev_type == LINE_JUNK) {
		torn = ln->newline && type == LINE_RECORD && v->prev_hash_ok &&
		       !memcmp(prev, v->prev_hash, sizeof(prev)) && is_restart(text, "torn");
		if (!torn)
			return problem(v, EMB_VERIFY_NOT_RECORD, v->prev_pos, false, 0,
				       "line %" PRIu64 " is not a record", v->prev_pos.line);
	}
	if (!ln->newline)
		return problem(v, EMB_VERIFY_TRUNCATED, at, type == LINE_RECORD, seq,
			       "the last line (line %" PRIu64 ") is truncated", at.line);
	if (type == LINE_UNSEALED && v->have_record)
		return problem(v, EMB_VERIFY_UNSEALED, at, false, 0,
			       "line %" PRIu64 " is not sealed (no seq and prev at its end)",
			       at.line);
	if (type != LINE_RECORD) {
		if (!v->have_record) {
			if (!v->have_prev) {
				v->prechain_pos = at;
				v->prechain_type = type;
			}
			v->prechain_unsealed += type == LINE_UNSEALED;
		}
		goto remember;
	}

	res = v->have_record ? check_link(v, r, at, seq, prev)
			     : check_first_record(v, r, at, text, seq, prev);
	if (res)
		return res;
	v->out->torn_lines += torn;
	v->out->records++;
	if (!v->out->has_seq) {
		v->out->has_seq = true;
		v->out->first_seq = seq;
	}
	v->out->last_seq = seq;
	v->have_record = true;
	v->last_seq = seq;
	v->last_pos = at;
	if (v->have_anchor && seq == v->anchor_seq) {
		v->anchor_seen = true;
		v->anchor_pos = at;
		memcpy(v->anchored_hash, hash, sizeof(hash));
	}
remember:
	v->have_prev = true;
	v->prev_pos = at;
	v->prev_type = type;
	v->prev_hash_ok = !ln->too_long;
	memcpy(v->prev_hash, hash, sizeof(hash));
	return 0;
}

/* What only the end tells: a last line that is no record, and what the anchor says. */
static int check_end(struct verifier *v, size_t n)
{
	struct pos last = { n - 1, 0 };

	if (v->have_prev && v->prev_type == LINE_JUNK)
		return problem(v, EMB_VERIFY_NOT_RECORD, v->prev_pos, false, 0,
			       "line %" PRIu64 " is not a record", v->prev_pos.line);
	if (!v->have_record && v->have_prev)
		return prechain_problem(v);
	if (!v->have_anchor)
		return 0;
	if (!v->have_record)
		return problem(v, EMB_VERIFY_MISSING, last, false, 0,
			       "the log holds no records, but the anchor says seq %" PRIu64,
			       v->anchor_seq);
	if (v->anchor_seq > v->last_seq)
		return problem(v, EMB_VERIFY_MISSING, v->last_pos, true, v->last_seq,
			       "records after seq %" PRIu64 " are missing (the anchor says seq "
			       "%" PRIu64 ")",
			       v->last_seq, v->anchor_seq);
	if (v->anchor_seen) {
		/* The chain after it cannot show an edit of the last line: the anchor can. */
		if (memcmp(v->anchored_hash, v->anchor_hash, sizeof(v->anchor_hash)))
			return problem(v, EMB_VERIFY_ALTERED, v->anchor_pos, true, v->anchor_seq,
				       "line %" PRIu64 " (seq %" PRIu64 ") was altered: it does "
				       "not hash to what the anchor holds",
				       v->anchor_pos.line, v->anchor_seq);
		v->out->anchor_checked = true;
	}
	return 0;
}

int emb_log_verify(const char *const *paths, size_t n, const char *anchor_path, unsigned flags,
		   struct emb_verify_report *out)
{
	struct verifier v = { .paths = paths, .flags = flags, .out = out };
	struct reader r = { .paths = paths, .n = n };
	struct line ln;
	int res;

	memset(out, 0, sizeof(*out));
	if (!n)
		return -EINVAL;
	/* The anchor first: a log being written only grows past what it says. */
	if (anchor_path) {
		res = emb_chain_anchor_read(anchor_path, &v.anchor_seq, v.anchor_hash);
		if (res == -EBADMSG) {
			out->kind = EMB_VERIFY_ANCHOR;
			out->file = anchor_path;
			out->line = 1;
			snprintf(out->message, sizeof(out->message),
				 "the anchor is not one line 'SEQ SHA256'");
			return 1;
		}
		if (res < 0) {
			out->file = anchor_path;
			snprintf(out->message, sizeof(out->message), "%s", strerror(-res));
			return res;
		}
		v.have_anchor = true;
		out->anchor_seq = v.anchor_seq;
	}
	r.buf = malloc(EMB_LOG_MAX_LINE + 1);
	if (!r.buf)
		return -ENOMEM;
	while ((res = reader_next(&r, &ln)) > 0) {
		res = check_line(&v, &r, &ln);
		if (res)
			break;
	}
	if (res < 0) {
		out->file = paths[r.file < n ? r.file : n - 1];
		snprintf(out->message, sizeof(out->message), "%s", strerror(-res));
	} else if (!res) {
		res = check_end(&v, n);
	}
	reader_close(&r);
	free(r.buf);
	return res;
}
