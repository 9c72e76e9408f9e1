// SPDX-License-Identifier: GPL-2.0-only
/*
 * The audit log's hash chain on arbitrary logs. The first byte holds flags (bit 0:
 * EMB_VERIFY_ALLOW_CONTINUED, bit 1: the last part is the anchor); the rest is cut at form
 * feeds (a byte JSON never holds unescaped) into rotated files, oldest first, each a memfd
 * given by its /proc/self/fd path. emb_log_verify() runs on them, emb_chain_resume() on the
 * first, and what embargod does next is checked to keep the chain whole: a log that verifies
 * still verifies after one more record; a torn last line, once the restart record that declares
 * it follows, verifies too.
 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>

#include "fuzz.h"
#include "json_read.h"
#include "logchain.h"
#include "logquery.h"
#include "strbuf.h"

#define MAX_PARTS 4
#define T0	  1795827723000000000LL

struct file {
	int fd;
	char path[32];
};

static void file_open(struct file *f, const void *buf, size_t len)
{
	f->fd = memfd_create("fuzz-log", MFD_CLOEXEC);
	FUZZ_CHECK(f->fd >= 0);
	FUZZ_CHECK(!len || write(f->fd, buf, len) == (ssize_t)len);
	snprintf(f->path, sizeof(f->path), "/proc/self/fd/%d", f->fd);
}

static void file_close(struct file *f)
{
	close(f->fd);
}

static int verify(const char *const *paths, size_t n, const char *anchor, unsigned flags,
		  struct emb_verify_report *out)
{
	int r = emb_log_verify(paths, n, anchor, flags, out);

	FUZZ_CHECK(r == 0 || r == 1);
	FUZZ_CHECK((r == 0) == (out->kind == EMB_VERIFY_OK));
	if (r) {
		bool given = anchor && out->file == anchor;

		for (size_t i = 0; i < n; i++)
			given = given || out->file == paths[i];
		FUZZ_CHECK(given && out->message[0]);
		FUZZ_CHECK(strcmp(emb_verify_kind_name(out->kind), "?"));
	} else if (out->has_seq) {
		/* An intact chain counts up by one from its first record to its last. */
		FUZZ_CHECK(out->last_seq - out->first_seq + 1 == out->records);
	}
	return r;
}

/* Verifies LEN bytes at BUF as one file, no anchor. */
static int verify_buffer(const char *buf, size_t len, unsigned flags, struct emb_verify_report *out)
{
	struct file f;
	const char *path;
	int r;

	file_open(&f, buf, len);
	path = f.path;
	r = verify(&path, 1, NULL, flags, out);
	file_close(&f);
	return r;
}

/* The record embargod writes next onto SB, sealed with C, and its newline. */
static void append_record(struct strbuf *sb, struct emb_chain *c, const char *broken_tail)
{
	size_t start = sb->len;

	if (broken_tail) {
		emb_chain_start_record(sb, "restart", NULL, T0, broken_tail);
	} else {
		struct json j;

		json_begin(&j, sb);
		json_str(&j, "time", "2026-11-28T01:02:03.000000000Z");
		json_str(&j, "event", "exec");
		json_str(&j, "path", "/usr/bin/true");
		json_end(&j);
	}
	FUZZ_CHECK(emb_chain_seal_at(c, sb, start) == 0);
	sb_putc(sb, '\n');
	FUZZ_CHECK(!sb->oom);
}

/* Whether the LEN bytes at S are one JSON object (a NUL byte makes them none). */
static bool is_object(const char *s, size_t len)
{
	char *t = fuzz_strndup((const uint8_t *)s, len);
	bool r = strlen(t) == len && json_is_object(t);

	free(t);
	return r;
}

/*
 * What embargod does at start with the log BUF (LEN bytes, as file F): it resumes the chain and
 * writes on. When the log verified up to where it resumes, it still does after that.
 */
static void check_resume(const struct file *f, const char *buf, size_t len, unsigned flags)
{
	struct emb_chain c = { 0 };
	struct emb_verify_report rep;
	struct strbuf log = { 0 };
	const char *nl;
	char why[256];
	size_t whole;
	int r;

	why[0] = 0;
	r = emb_chain_resume(f->path, &c, why, sizeof(why));
	FUZZ_CHECK(r == 0 || r == EMB_CHAIN_FRESH || r == -EBADMSG || r == -ENOMSG ||
		   r == -EMEDIUMTYPE);
	FUZZ_CHECK(why[0]);
	FUZZ_CHECK((r == EMB_CHAIN_FRESH) == (len == 0));
	/*
	 * -ENOMSG: the last line is no record; the log does not verify before or after.
	 * -EMEDIUMTYPE: no log at all, which embargod never writes to.
	 */
	if ((r != 0 && r != -EBADMSG) || len >= EMB_LOG_MAX_LINE)
		return;
	/*
	 * A torn line (-EBADMSG) is most often the start of a record, junk of its own: the log
	 * up to it must verify. One that is a whole object lacks only its newline: with it.
	 */
	nl = memrchr(buf, '\n', len);
	whole = nl ? (size_t)(nl - buf) + 1 : 0;
	sb_append(&log, buf, len);
	if (r) {
		sb_putc(&log, '\n');
		if (is_object(buf + whole, len - whole))
			whole = log.len;
	}
	if (whole && verify_buffer(log.buf, whole, flags, &rep)) {
		sb_free(&log);
		return;
	}
	append_record(&log, &c, r ? "torn" : NULL);
	if (verify_buffer(log.buf, log.len, flags, &rep)) {
		fprintf(stderr, "resumed (%s), then %s: %s\n", why, emb_verify_kind_name(rep.kind),
			rep.message);
		FUZZ_CHECK(!"the log embargod goes on with does not verify");
	}
	sb_free(&log);
}

/* Sealing the first line when it is an object: it then verifies as a chain of one record. */
static void check_seal(const char *buf, size_t len, unsigned flags)
{
	const char *nl = memchr(buf, '\n', len);
	size_t n = nl ? (size_t)(nl - buf) : len;
	struct emb_chain c = { 0 };
	struct emb_verify_report rep;
	struct strbuf sb = { 0 };
	int r;

	sb_append(&sb, buf, n);
	if (n && (memchr(sb.buf, 0, n) || !json_is_object(sb.buf))) {
		sb_free(&sb);
		return;
	}
	r = emb_chain_seal(&c, &sb);
	if (!n || r) {
		FUZZ_CHECK(r == -EINVAL && c.seq == 0 && sb.len == n);
		sb_free(&sb);
		return;
	}
	FUZZ_CHECK(c.seq == 1 && json_is_object(sb.buf));
	sb_putc(&sb, '\n');
	FUZZ_CHECK(verify_buffer(sb.buf, sb.len, flags, &rep) == 0 && rep.records == 1);
	sb_free(&sb);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct file files[MAX_PARTS + 1];
	const char *paths[MAX_PARTS + 1], *anchor = NULL;
	const char *buf = (const char *)data + 1, *end = (const char *)data + size;
	struct emb_verify_report rep;
	size_t n = 0;
	unsigned flags;

	if (!size)
		return 0;
	flags = data[0] & EMB_VERIFY_ALLOW_CONTINUED;
	while (n < MAX_PARTS + 1) {
		const char *ff = n < MAX_PARTS ? memchr(buf, '\f', (size_t)(end - buf)) : NULL;
		const char *part_end = ff ? ff : end;

		file_open(&files[n], buf, (size_t)(part_end - buf));
		paths[n] = files[n].path;
		n++;
		if (!ff)
			break;
		buf = ff + 1;
	}
	if ((data[0] & 2) && n > 1)
		anchor = paths[n - 1];
	verify(paths, anchor ? n - 1 : n, anchor, flags, &rep);

	buf = (const char *)data + 1;
	{
		const char *ff = memchr(buf, '\f', (size_t)(end - buf));
		size_t len = ff ? (size_t)(ff - buf) : (size_t)(end - buf);

		check_resume(&files[0], buf, len, flags);
		check_seal(buf, len, flags);
	}
	for (size_t i = 0; i < n; i++)
		file_close(&files[i]);
	return 0;
}
