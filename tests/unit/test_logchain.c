// SPDX-License-Identifier: GPL-2.0-only
/* The audit log's hash chain: sealing, resuming, rotation, and verifying doctored logs. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hash.h"
#include "json_read.h"
#include "logchain.h"
#include "logquery.h"
#include "strbuf.h"
#include "tap.h"
#include "tmptree.h"

#define T0 1795827723000000000LL /* 2026-11-28T... in nanoseconds */

/* A sealed log held in memory, one malloc'd line (no newline) each. */
struct log {
	char **v;
	size_t n;
	struct emb_chain chain;
};

/* One exec event as embargod writes it (the fields matter only as bytes to hash). */
static void event_line(struct strbuf *sb, unsigned i)
{
	char path[64];
	struct json j;

	snprintf(path, sizeof(path), "/opt/vendor%u/bin/tool", i % 7);
	json_begin(&j, sb);
	json_str(&j, "time", "2026-11-28T01:02:03.123456789Z");
	json_str(&j, "event", "exec");
	json_str(&j, "verdict", i % 3 ? "deny" : "audit");
	json_str(&j, "tier", "lsm");
	json_str(&j, "key", "vendor");
	json_u64(&j, "generation", 1);
	json_u64(&j, "pid", 1000 + i);
	json_u64(&j, "uid", 0);
	json_str(&j, "path", path);
	json_end(&j);
}

/* Seals LINE (taken over) onto L. */
static void log_push(struct log *l, struct strbuf *line)
{
	if (emb_chain_seal(&l->chain, line) < 0)
		abort();
	l->v = realloc(l->v, (l->n + 1) * sizeof(*l->v));
	l->v[l->n++] = sb_steal(line);
}

/* A chain record, then N - 1 events, onto L. */
static void log_fill(struct log *l, const char *reason, const char *previous_file, size_t n)
{
	struct strbuf sb = { 0 };

	emb_chain_start_record(&sb, reason, previous_file, T0, NULL);
	log_push(l, &sb);
	for (size_t i = 1; i < n; i++) {
		event_line(&sb, (unsigned)(l->n + i));
		log_push(l, &sb);
	}
}

static void log_free(struct log *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

static void write_text(const char *rel, const char *text, size_t len)
{
	char path[PATH_MAX];
	FILE *f;

	tree_path(rel, path, sizeof(path));
	f = fopen(path, "we");
	if (!f || fwrite(text, 1, len, f) != len || fclose(f))
		abort();
}

static void append_text(const char *rel, const char *text)
{
	char path[PATH_MAX];
	FILE *f;

	tree_path(rel, path, sizeof(path));
	f = fopen(path, "ae");
	if (!f || fputs(text, f) < 0 || fclose(f))
		abort();
}

/* Writes lines FROM..TO (0-based, exclusive) of L to REL, each with its newline. */
static void write_lines(const char *rel, const struct log *l, size_t from, size_t to)
{
	struct strbuf sb = { 0 };

	for (size_t i = from; i < to; i++) {
		sb_puts(&sb, l->v[i]);
		sb_putc(&sb, '\n');
	}
	write_text(rel, sb.buf ? sb.buf : "", sb.len);
	sb_free(&sb);
}

static int verify_files(const char *const *rels, size_t n, const char *anchor_rel, unsigned flags,
			struct emb_verify_report *out)
{
	static char paths[4][PATH_MAX], anchor[PATH_MAX];
	const char *v[4];

	for (size_t i = 0; i < n; i++) {
		tree_path(rels[i], paths[i], sizeof(paths[i]));
		v[i] = paths[i];
	}
	if (anchor_rel)
		tree_path(anchor_rel, anchor, sizeof(anchor));
	return emb_log_verify(v, n, anchor_rel ? anchor : NULL, flags, out);
}

static int verify_one(const char *rel, const char *anchor_rel, struct emb_verify_report *out)
{
	return verify_files(&rel, 1, anchor_rel, 0, out);
}

/* Whether FILE names REL in the tree. */
static bool file_is(const char *file, const char *rel)
{
	char path[PATH_MAX];

	tree_path(rel, path, sizeof(path));
	return file && !strcmp(file, path);
}

static void test_seal(void)
{
	struct emb_chain c = { 0 }, before;
	struct strbuf sb = { 0 };
	unsigned char h1[32], h2[32];
	char hex[65], *prev;
	unsigned long long n;

	sb_puts(&sb, "{\"a\":\"x\"}");
	is_int(emb_chain_seal(&c, &sb), 0, "a line seals");
	is_str(sb.buf,
	       "{\"a\":\"x\",\"seq\":0,\"prev\":\"00000000000000000000000000000000000000000000000"
	       "00000000000000000\"}",
	       "seq and prev go before its last brace; the first prev is all zeros");
	ok(json_is_object(sb.buf), "it stays one JSON object");
	emb_sha256_buffer(sb.buf, sb.len, h1);
	ok(c.seq == 1 && !memcmp(c.prev, h1, 32), "the chain moves on: seq 1, prev its hash");

	sb_reset(&sb);
	sb_puts(&sb, "{}");
	is_int(emb_chain_seal(&c, &sb), 0, "an empty object seals");
	emb_hex(h1, 32, hex);
	prev = json_get_string(sb.buf, "prev");
	is_str(prev, hex, "its prev is the hash of the line before");
	free(prev);
	is_int(json_get_number(sb.buf, "seq", &n), 0, "it has a seq");
	is_int((long long)n, 1, "one after the first");
	ok(sb.buf[1] == '"', "without a comma after the brace");
	emb_sha256_buffer(sb.buf, sb.len, h2);
	ok(!memcmp(c.prev, h2, 32), "prev follows");

	static const char *const bad[] = { "", "x", "{\"a\":1} ", "{\"a\":1 }", "[1]", "}" };
	before = c;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		sb_reset(&sb);
		sb_puts(&sb, bad[i]);
		is_int(emb_chain_seal(&c, &sb), -EINVAL, "'%s' is refused", bad[i]);
		is_str(sb.buf ? sb.buf : "", bad[i], "and left as it was");
	}
	ok(!memcmp(&c, &before, sizeof(c)), "refusals leave the chain alone");

	/* In a batch: only the object from START on is sealed and hashed. */
	static const char want_batch[] = "{\"earlier\":1}\n{\"b\":2,\"seq\":2,\"prev\":\"";
	sb_reset(&sb);
	sb_puts(&sb, "{\"earlier\":1}\n");
	size_t start = sb.len;
	sb_puts(&sb, "{\"b\":2}");
	is_int(emb_chain_seal_at(&c, &sb, start), 0, "the last object of a batch seals");
	ok(!strncmp(sb.buf, want_batch, strlen(want_batch)), "the batch before it is untouched");
	emb_sha256_buffer(sb.buf + start, sb.len - start, h1);
	ok(c.seq == 3 && !memcmp(c.prev, h1, 32), "the hash covers that object only");
	sb_free(&sb);

	sb.oom = true;
	before = c;
	is_int(emb_chain_seal(&c, &sb), -ENOMEM, "a buffer out of memory is refused");
	ok(!memcmp(&c, &before, sizeof(c)), "and the chain stays");
}

static void test_start_record(void)
{
	struct strbuf sb = { 0 };
	char *s;

	emb_chain_start_record(&sb, "rotated", "events.jsonl.1", T0, NULL);
	is_str(sb.buf,
	       "{\"time\":\"2026-11-28T01:02:03.000000000Z\",\"event\":\"chain\",\"reason\":"
	       "\"rotated\",\"previous_file\":\"events.jsonl.1\"}",
	       "a rotation's chain record names the file before");
	sb_reset(&sb);
	emb_chain_start_record(&sb, "restart", NULL, T0, "torn");
	s = json_get_string(sb.buf, "broken_tail");
	is_str(s, "torn", "a restart says what it found at the log's end");
	free(s);
	ok(!strstr(sb.buf, "previous_file"), "no previous_file unless given");
	sb_free(&sb);
}

static void test_roundtrip(void)
{
	struct emb_verify_report rep;
	struct log l = { 0 };

	log_fill(&l, "new", NULL, 300);
	write_lines("big.jsonl", &l, 0, l.n);
	is_int(verify_one("big.jsonl", NULL, &rep), 0, "300 sealed lines verify");
	is_int((long long)rep.records, 300, "all of them counted");
	ok(rep.has_seq && rep.first_seq == 0 && rep.last_seq == 299, "seq 0..299");
	is_str(emb_verify_kind_name(rep.kind), "ok", "no problem");
	ok(!rep.continued && !rep.torn_lines && !rep.unsealed_lines, "nothing to note");

	write_text("empty.jsonl", "", 0);
	is_int(verify_one("empty.jsonl", NULL, &rep), 0, "an empty log verifies");
	is_int((long long)rep.records, 0, "with no records");
	ok(!rep.has_seq, "and no seq");
	log_free(&l);
}

static void test_anchor_io(void)
{
	struct emb_chain c = { 0 };
	unsigned char h[32], got[32];
	uint64_t seq = 7;
	char path[PATH_MAX];

	tree_path("a.anchor", path, sizeof(path));
	is_int(emb_chain_anchor_write(path, &c), -EINVAL, "no anchor before the first record");
	c.seq = 42;
	memset(c.prev, 0xab, sizeof(c.prev));
	is_int(emb_chain_anchor_write(path, &c), 0, "an anchor is written");
	is_int(emb_chain_anchor_read(path, &seq, got), 0, "and read back");
	is_int((long long)seq, 41, "the last record sealed: seq 41");
	ok(!memcmp(got, c.prev, 32), "its hash");
	tree_path("a.anchor.tmp", path, sizeof(path));
	ok(access(path, F_OK) < 0, "no temporary file left");

	static const char *const bad[] = {
		"",
		"41\n",
		"41 abab\n",
		"x41 abababababababababababababababababababababababababababababababab\n",
		"041 abababababababababababababababababababababababababababababababab\n",
		"41 ABABABABABABABABABABABABABABABABABABABABABABABABABABABABABABABAB\n",
		"41 abababababababababababababababababababababababababababababababab\njunk\n",
	};
	tree_path("bad.anchor", path, sizeof(path));
	memset(h, 0, sizeof(h));
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		write_text("bad.anchor", bad[i], strlen(bad[i]));
		seq = 7;
		is_int(emb_chain_anchor_read(path, &seq, h), -EBADMSG, "anchor %zu is malformed",
		       i);
	}
	is_int((long long)seq, 7, "failures leave the output alone");
	write_text("ok.anchor", bad[6], 68);
	tree_path("ok.anchor", path, sizeof(path));
	is_int(emb_chain_anchor_read(path, &seq, h), 0, "a last line without newline reads");
	tree_path("nowhere.anchor", path, sizeof(path));
	is_int(emb_chain_anchor_read(path, &seq, h), -ENOENT, "a missing anchor is -ENOENT");
}

static void test_resume(void)
{
	struct emb_verify_report rep;
	struct emb_chain c = { 0 };
	struct strbuf sb = { 0 };
	struct log l = { 0 };
	char path[PATH_MAX], why[256];
	unsigned char h[32];
	const char *torn_tail;

	tree_path("resume/missing.jsonl", path, sizeof(path));
	tree_dir("resume");
	c.seq = 5;
	is_int(emb_chain_resume(path, &c, why, sizeof(why)), EMB_CHAIN_FRESH, "no log: fresh");
	is_int((long long)c.seq, 5, "the chain is left as given");
	ok(strstr(why, "does not exist") != NULL, "why says so (%s)", why);
	write_text("resume/empty.jsonl", "", 0);
	tree_path("resume/empty.jsonl", path, sizeof(path));
	is_int(emb_chain_resume(path, &c, NULL, 0), EMB_CHAIN_FRESH, "an empty log: fresh");

	/* A daemon's life: new chain, restart, a crash mid-write, restart again. */
	log_fill(&l, "new", NULL, 50);
	write_lines("resume/events.jsonl", &l, 0, l.n);
	tree_path("resume/events.jsonl", path, sizeof(path));
	c = (struct emb_chain){ 0 };
	is_int(emb_chain_resume(path, &c, why, sizeof(why)), 0, "a sealed log resumes");
	ok(c.seq == 50 && !memcmp(c.prev, l.chain.prev, 32), "where its writer left off");
	ok(strstr(why, "after seq 49") != NULL, "why says where (%s)", why);

	emb_chain_start_record(&sb, "restart", NULL, T0, NULL);
	emb_chain_seal(&c, &sb);
	sb_putc(&sb, '\n');
	for (unsigned i = 0; i < 10; i++) {
		size_t start = sb.len;

		event_line(&sb, i);
		emb_chain_seal_at(&c, &sb, start);
		sb_putc(&sb, '\n');
	}
	append_text("resume/events.jsonl", sb.buf);
	is_int(verify_one("resume/events.jsonl", NULL, &rep), 0, "a restart continues the chain");
	is_int((long long)rep.records, 61, "61 records");

	/* The crash: half a line, no newline. */
	sb_reset(&sb);
	event_line(&sb, 99);
	emb_chain_seal(&c, &sb);
	sb.buf[sb.len / 2] = '\0';
	torn_tail = sb.buf;
	append_text("resume/events.jsonl", torn_tail);
	is_int(verify_one("resume/events.jsonl", NULL, &rep), 1, "the torn log fails to verify");
	is_str(rep.message, "the last line (line 62) is truncated", "as truncated");
	c = (struct emb_chain){ 0 };
	is_int(emb_chain_resume(path, &c, why, sizeof(why)), -EBADMSG, "resume says: torn");
	emb_sha256_buffer(torn_tail, strlen(torn_tail), h);
	ok(c.seq == 61 && !memcmp(c.prev, h, 32),
	   "the chain continues after the last whole record, from the torn bytes");
	ok(strstr(why, "torn line") != NULL, "why says so (%s)", why);
	sb_free(&sb);

	/* What the daemon does then: a newline, a restart record that declares the torn line. */
	sb_putc(&sb, '\n');
	size_t start = sb.len;
	emb_chain_start_record(&sb, "restart", NULL, T0, "torn");
	emb_chain_seal_at(&c, &sb, start);
	sb_putc(&sb, '\n');
	start = sb.len;
	event_line(&sb, 100);
	emb_chain_seal_at(&c, &sb, start);
	sb_putc(&sb, '\n');
	append_text("resume/events.jsonl", sb.buf);
	is_int(verify_one("resume/events.jsonl", NULL, &rep), 0, "a declared torn line verifies");
	is_int((long long)rep.torn_lines, 1, "and is counted");
	is_int((long long)rep.records, 63, "63 records");
	is_int(emb_chain_resume(path, &c, NULL, 0), 0, "it resumes again");
	is_int((long long)c.seq, 63, "at seq 63");

	/* A torn line followed by an ordinary record is not excused. */
	sb_reset(&sb);
	write_lines("resume/torn2.jsonl", &l, 0, 10);
	append_text("resume/torn2.jsonl", "{\"time\":\"2026\n");
	append_text("resume/torn2.jsonl", l.v[10]);
	append_text("resume/torn2.jsonl", "\n");
	is_int(verify_one("resume/torn2.jsonl", NULL, &rep), 1, "an undeclared broken line fails");
	is_str(rep.message, "line 11 is not a record", "as not a record");

	/* Cut right before its newline: the record is whole, so the chain goes on after it. */
	write_lines("resume/cut.jsonl", &l, 0, 10);
	append_text("resume/cut.jsonl", l.v[10]);
	tree_path("resume/cut.jsonl", path, sizeof(path));
	c = (struct emb_chain){ 0 };
	is_int(emb_chain_resume(path, &c, NULL, 0), -EBADMSG, "a record without its newline: torn");
	emb_sha256_buffer(l.v[10], strlen(l.v[10]), h);
	ok(c.seq == 11 && !memcmp(c.prev, h, 32), "but whole: the chain continues after it");

	/* An older embargod's log: JSON lines without seq and prev. */
	sb_free(&sb);
	for (unsigned i = 0; i < 3; i++) {
		event_line(&sb, i);
		sb_putc(&sb, '\n');
	}
	write_text("resume/old.jsonl", sb.buf, sb.len);
	tree_path("resume/old.jsonl", path, sizeof(path));
	c = (struct emb_chain){ 0 };
	is_int(emb_chain_resume(path, &c, why, sizeof(why)), -ENOMSG, "an unsealed log: -ENOMSG");
	ok(strstr(why, "no sealed record") != NULL, "why says so (%s)", why);
	is_int(verify_one("resume/old.jsonl", NULL, &rep), 1, "it does not verify");
	is_int(rep.kind, EMB_VERIFY_UNSEALED, "as unsealed");
	is_str(rep.message, "line 1 is not sealed (no seq and prev at its end)", "from line 1");
	is_int((long long)c.seq, 0, "a new chain, seq 0");
	sb_reset(&sb);
	emb_chain_start_record(&sb, "restart", NULL, T0, "unsealed");
	emb_chain_seal(&c, &sb);
	sb_putc(&sb, '\n');
	append_text("resume/old.jsonl", sb.buf);
	is_int(verify_one("resume/old.jsonl", NULL, &rep), 0,
	       "a restart record that declares them lets the older lines pass");
	is_int((long long)rep.unsealed_lines, 3, "they are counted");
	is_int((long long)rep.records, 1, "one record");
	is_int(emb_chain_resume(path, &c, NULL, 0), 0, "and the log resumes");

	/* Older lines that no restart record declares stay a problem. */
	write_text("resume/old2.jsonl", "{\"a\":1}\n", 8);
	append_text("resume/old2.jsonl", l.v[0]);
	append_text("resume/old2.jsonl", "\n");
	is_int(verify_one("resume/old2.jsonl", NULL, &rep), 1,
	       "a chain after unsealed lines fails");
	is_str(rep.message, "line 1 is not sealed (no seq and prev at its end)", "at line 1");

	/* Not a log at all: never continued (embargod refuses to write it). */
	write_text("resume/passwd", "root:x:0:0:root:/root:/bin/sh\n", 30);
	tree_path("resume/passwd", path, sizeof(path));
	c = (struct emb_chain){ .seq = 5 };
	is_int(emb_chain_resume(path, &c, why, sizeof(why)), -EMEDIUMTYPE,
	       "a file of text lines is no log");
	ok(strstr(why, "no log") != NULL, "why says so (%s)", why);
	is_int((long long)c.seq, 5, "C is left as given");
	write_text("resume/hostname", "host", 4);
	tree_path("resume/hostname", path, sizeof(path));
	is_int(emb_chain_resume(path, &c, NULL, 0), -EMEDIUMTYPE,
	       "nor is one without a newline that starts no object");
	write_text("resume/conf", "a = 1\n{\"b\"", 11);
	tree_path("resume/conf", path, sizeof(path));
	is_int(emb_chain_resume(path, &c, NULL, 0), -EMEDIUMTYPE,
	       "nor one whose torn end follows a line that is no object");

	sb_free(&sb);
	log_free(&l);
}

static void test_rotation(void)
{
	const char *both[] = { "rot/events.jsonl.1", "rot/events.jsonl" };
	const char *reversed[] = { "rot/events.jsonl", "rot/events.jsonl.1" };
	const char *gap[] = { "rot/gap.jsonl.1", "rot/events.jsonl" };
	struct emb_verify_report rep;
	struct log l = { 0 };

	tree_dir("rot");
	log_fill(&l, "new", NULL, 100);
	log_fill(&l, "rotated", "events.jsonl.1", 100);
	write_lines("rot/events.jsonl.1", &l, 0, 100);
	write_lines("rot/events.jsonl", &l, 100, 200);
	is_int(verify_files(both, 2, NULL, 0, &rep), 0, "a rotated log verifies across files");
	is_int((long long)rep.records, 200, "200 records");
	ok(rep.first_seq == 0 && rep.last_seq == 199, "seq 0..199");

	is_int(verify_files(both + 1, 1, NULL, 0, &rep), 1, "the newer file alone does not");
	is_int(rep.kind, EMB_VERIFY_CONTINUED, "it continues a chain");
	ok(file_is(rep.file, "rot/events.jsonl") && rep.line == 1 && rep.seq == 100,
	   "from its line 1, seq 100");
	is_int(verify_files(both + 1, 1, NULL, EMB_VERIFY_ALLOW_CONTINUED, &rep), 0,
	       "unless continuing is allowed");
	ok(rep.continued && rep.first_seq == 100, "which the report says");

	is_int(verify_files(reversed, 2, NULL, 0, &rep), 1, "files in the wrong order fail");
	is_int(rep.kind, EMB_VERIFY_OUT_OF_ORDER, "as out of order");

	write_lines("rot/gap.jsonl.1", &l, 0, 99);
	is_int(verify_files(gap, 2, NULL, 0, &rep), 1,
	       "a record lost at the end of the older file");
	ok(file_is(rep.file, "rot/gap.jsonl.1") && rep.line == 99, "blames the older file's end");
	is_str(rep.message, "record seq 99 is missing after line 99", "as missing");
	log_free(&l);
}

/* Writes L's lines to REL but line SKIP (1-based; 0: none), with INSERT after line INSERT_AFTER. */
static void write_doctored(const char *rel, const struct log *l, size_t skip, size_t insert_after,
			   const char *insert)
{
	struct strbuf sb = { 0 };

	for (size_t i = 0; i < l->n; i++) {
		if (i + 1 != skip) {
			sb_puts(&sb, l->v[i]);
			sb_putc(&sb, '\n');
		}
		if (insert && i + 1 == insert_after)
			sb_puts(&sb, insert);
	}
	write_text(rel, sb.buf, sb.len);
	sb_free(&sb);
}

struct expect {
	int ret;
	enum emb_verify_kind kind;
	uint64_t line;
	const char *message;
};

static void expect_report(const char *what, const char *rel, const char *anchor,
			  const struct expect *want)
{
	struct emb_verify_report rep;
	int r = verify_one(rel, anchor, &rep);

	if (!is_int(r, want->ret, "%s: verify returns %d", what, want->ret))
		diag("message: %s", rep.message);
	is_str(emb_verify_kind_name(rep.kind), emb_verify_kind_name(want->kind), "%s: kind", what);
	if (want->ret) {
		is_int((long long)rep.line, (long long)want->line, "%s: line", what);
		is_str(rep.message, want->message, "%s: message", what);
	}
}

static void test_corpus(void)
{
	struct log l = { 0 };
	struct strbuf sb = { 0 };
	char *line, path[PATH_MAX], *big;
	struct emb_chain c;
	struct emb_verify_report rep;

	tree_dir("corpus");
	log_fill(&l, "new", NULL, 40); /* line K holds seq K - 1 */
	write_lines("corpus/clean.jsonl", &l, 0, l.n);
	expect_report("clean", "corpus/clean.jsonl", NULL,
		      &(struct expect){ 0, EMB_VERIFY_OK, 0, NULL });
	tree_path("corpus/clean.jsonl.anchor", path, sizeof(path));
	emb_chain_anchor_write(path, &l.chain);
	expect_report("clean with its anchor", "corpus/clean.jsonl", "corpus/clean.jsonl.anchor",
		      &(struct expect){ 0, EMB_VERIFY_OK, 0, NULL });
	verify_one("corpus/clean.jsonl", "corpus/clean.jsonl.anchor", &rep);
	ok(rep.anchor_checked && rep.anchor_seq == 39, "the anchor's record was checked");

	/* One byte of a path changed in line 20. */
	line = l.v[19];
	l.v[19] = strdup(line);
	*strstr(l.v[19], "/opt/vendor") = '_';
	write_lines("corpus/edited.jsonl", &l, 0, l.n);
	free(l.v[19]);
	l.v[19] = line;
	expect_report("edited", "corpus/edited.jsonl", NULL,
		      &(struct expect){ 1, EMB_VERIFY_ALTERED, 20, "line 20 was altered" });
	verify_one("corpus/edited.jsonl", NULL, &rep);
	ok(rep.records == 19 && rep.last_seq == 18 && rep.has_line_seq && rep.seq == 19,
	   "the records before it verified; the altered one carries seq 19");

	/* The seq of line 20 changed: linked to line 19, so its own seq is what was edited. */
	line = l.v[19];
	l.v[19] = strdup(line);
	memcpy(strstr(l.v[19], "\"seq\":19,"), "\"seq\":91,", 9);
	write_lines("corpus/seq-edited.jsonl", &l, 0, l.n);
	free(l.v[19]);
	l.v[19] = line;
	expect_report("seq edited", "corpus/seq-edited.jsonl", NULL,
		      &(struct expect){ 1, EMB_VERIFY_ALTERED, 20,
					"line 20 was altered (seq 91 after seq 18)" });

	write_doctored("corpus/deleted.jsonl", &l, 20, 0, NULL);
	expect_report("deleted", "corpus/deleted.jsonl", NULL,
		      &(struct expect){ 1, EMB_VERIFY_MISSING, 19,
					"record seq 19 is missing after line 19" });

	write_lines("corpus/deleted3.jsonl", &l, 0, 19);
	for (size_t i = 22; i < l.n; i++) {
		append_text("corpus/deleted3.jsonl", l.v[i]);
		append_text("corpus/deleted3.jsonl", "\n");
	}
	expect_report("three deleted", "corpus/deleted3.jsonl", NULL,
		      &(struct expect){ 1, EMB_VERIFY_MISSING, 19,
					"records seq 19..21 are missing after line 19" });

	line = l.v[19];
	l.v[19] = l.v[20];
	l.v[20] = line;
	write_lines("corpus/swapped.jsonl", &l, 0, l.n);
	l.v[20] = l.v[19];
	l.v[19] = line;
	expect_report("swapped", "corpus/swapped.jsonl", NULL,
		      &(struct expect){ 1, EMB_VERIFY_OUT_OF_ORDER, 20,
					"line 20 is out of order (seq 20 after seq 18; seq 19 is "
					"at line 21)" });

	sb_reset(&sb);
	sb_puts(&sb, l.v[19]);
	sb_putc(&sb, '\n');
	write_doctored("corpus/duplicated.jsonl", &l, 0, 20, sb.buf);
	expect_report("duplicated", "corpus/duplicated.jsonl", NULL,
		      &(struct expect){ 1, EMB_VERIFY_OUT_OF_ORDER, 21,
					"line 21 repeats seq 19 (of line 20)" });

	/* The last line cut mid-way, as a crash or a careless truncate leaves it. */
	write_lines("corpus/truncated.jsonl", &l, 0, l.n - 1);
	sb_reset(&sb);
	sb_append(&sb, l.v[l.n - 1], 30);
	append_text("corpus/truncated.jsonl", sb.buf);
	expect_report("truncated", "corpus/truncated.jsonl", NULL,
		      &(struct expect){ 1, EMB_VERIFY_TRUNCATED, 40,
					"the last line (line 40) is truncated" });

	/* Whole lines cut from the end: only the anchor can tell. */
	write_lines("corpus/shortened.jsonl", &l, 0, l.n - 3);
	expect_report("shortened, no anchor", "corpus/shortened.jsonl", NULL,
		      &(struct expect){ 0, EMB_VERIFY_OK, 0, NULL });
	expect_report("shortened", "corpus/shortened.jsonl", "corpus/clean.jsonl.anchor",
		      &(struct expect){ 1, EMB_VERIFY_MISSING, 37,
					"records after seq 36 are missing (the anchor says seq "
					"39)" });

	/* The last line edited: no line after it carries its hash; the anchor does. */
	line = l.v[39];
	l.v[39] = strdup(line);
	*strstr(l.v[39], "/opt/vendor") = '_';
	write_lines("corpus/last-edited.jsonl", &l, 0, l.n);
	free(l.v[39]);
	l.v[39] = line;
	expect_report("last line edited, no anchor", "corpus/last-edited.jsonl", NULL,
		      &(struct expect){ 0, EMB_VERIFY_OK, 0, NULL });
	expect_report("last line edited", "corpus/last-edited.jsonl", "corpus/clean.jsonl.anchor",
		      &(struct expect){ 1, EMB_VERIFY_ALTERED, 40,
					"line 40 (seq 39) was altered: it does not hash to what "
					"the anchor holds" });

	write_doctored("corpus/junk.jsonl", &l, 0, 20, "this line is not JSON\n");
	expect_report("a line not JSON", "corpus/junk.jsonl", NULL,
		      &(struct expect){ 1, EMB_VERIFY_NOT_RECORD, 21, "line 21 is not a record" });
	write_doctored("corpus/blank.jsonl", &l, 0, 20, "\n");
	expect_report("a blank line", "corpus/blank.jsonl", NULL,
		      &(struct expect){ 1, EMB_VERIFY_NOT_RECORD, 21, "line 21 is not a record" });
	write_doctored("corpus/junk-end.jsonl", &l, 0, 40, "{\"broken\":\n");
	expect_report("a broken last line", "corpus/junk-end.jsonl", NULL,
		      &(struct expect){ 1, EMB_VERIFY_NOT_RECORD, 41, "line 41 is not a record" });
	big = malloc(EMB_LOG_MAX_LINE + 3);
	memset(big, 'x', EMB_LOG_MAX_LINE + 1);
	strcpy(big + EMB_LOG_MAX_LINE + 1, "\n");
	write_doctored("corpus/long.jsonl", &l, 0, 5, big);
	free(big);
	expect_report("a line over 64 KiB", "corpus/long.jsonl", NULL,
		      &(struct expect){ 1, EMB_VERIFY_NOT_RECORD, 6, "line 6 is not a record" });
	write_doctored("corpus/unsealed.jsonl", &l, 0, 20, "{\"time\":\"2026-11-28T00:00:00Z\"}\n");
	expect_report("an unsealed line", "corpus/unsealed.jsonl", NULL,
		      &(struct expect){ 1, EMB_VERIFY_UNSEALED, 21,
					"line 21 is not sealed (no seq and prev at its end)" });

	/* A forged record that starts a second chain in the middle. */
	c = (struct emb_chain){ 0 };
	sb_reset(&sb);
	emb_chain_start_record(&sb, "new", NULL, T0, NULL);
	emb_chain_seal(&c, &sb);
	sb_putc(&sb, '\n');
	write_doctored("corpus/new-chain.jsonl", &l, 0, 30, sb.buf);
	expect_report("a second chain", "corpus/new-chain.jsonl", NULL,
		      &(struct expect){ 1, EMB_VERIFY_NEW_CHAIN, 31,
					"line 31 starts a new chain: the records before it (up to "
					"seq 29) are not linked to it" });

	write_doctored("corpus/headless.jsonl", &l, 1, 0, NULL);
	expect_report("the first line deleted", "corpus/headless.jsonl", NULL,
		      &(struct expect){ 1, EMB_VERIFY_CONTINUED, 1,
					"line 1 continues a chain from a file not given (seq 1, "
					"prev not zero)" });

	line = l.v[0];
	l.v[0] = l.v[1];
	l.v[1] = line;
	write_lines("corpus/head-swapped.jsonl", &l, 0, l.n);
	l.v[1] = l.v[0];
	l.v[0] = line;
	expect_report("the first two lines swapped", "corpus/head-swapped.jsonl", NULL,
		      &(struct expect){ 1, EMB_VERIFY_OUT_OF_ORDER, 1,
					"line 1 is out of order (seq 1, but seq 0 follows at line "
					"2)" });

	write_text("corpus/bad.anchor", "seq 39\n", 7);
	expect_report("a malformed anchor", "corpus/clean.jsonl", "corpus/bad.anchor",
		      &(struct expect){ 1, EMB_VERIFY_ANCHOR, 1,
					"the anchor is not one line 'SEQ SHA256'" });
	write_text("corpus/none.jsonl", "", 0);
	expect_report("an emptied log", "corpus/none.jsonl", "corpus/clean.jsonl.anchor",
		      &(struct expect){ 1, EMB_VERIFY_MISSING, 0,
					"the log holds no records, but the anchor says seq 39" });
	is_int(verify_one("corpus/nowhere.jsonl", NULL, &rep), -ENOENT, "a missing log: -ENOENT");
	ok(file_is(rep.file, "corpus/nowhere.jsonl"), "naming it");

	sb_free(&sb);
	log_free(&l);
}

int main(void)
{
	if (!tree_create("logchain"))
		return 1;
	test_seal();
	test_start_record();
	test_roundtrip();
	test_anchor_io();
	test_resume();
	test_rotation();
	test_corpus();
	tree_remove();
	return done_testing();
}
