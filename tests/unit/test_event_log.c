// SPDX-License-Identifier: GPL-2.0-only
/* The audit log's JSON: event records from the kernel turned into lines, and read back. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "event_log.h"
#include "json_read.h"
#include "strbuf.h"
#include "tap.h"

/* Fills E's path with COMPONENTS leaf first, as the BPF walk records them. */
static void set_path(struct emb_event *e, const char *const *components, size_t n)
{
	size_t off = 0;

	for (size_t i = 0; i < n; i++) {
		size_t len = strlen(components[i]) + 1;

		memcpy(e->path + off, components[i], len);
		off += len;
	}
	e->path_len = (__u16)off;
}

static void test_path(void)
{
	static const char *const parts[] = { "touch", "banned", "tmp" };
	static const char *const one[] = { "init" };
	struct emb_event *e = calloc(1, sizeof(*e));
	struct strbuf sb = { 0 };

	set_path(e, parts, 3);
	emb_event_path(e, &sb);
	is_str(sb.buf, "/tmp/banned/touch", "path rebuilt root first from the leaf-first record");
	sb_reset(&sb);
	set_path(e, one, 1);
	emb_event_path(e, &sb);
	is_str(sb.buf, "/init", "a file in the root directory");
	sb_reset(&sb);
	e->path_len = 0;
	emb_event_path(e, &sb);
	is_str(sb.buf, "/", "an empty record is the root");
	sb_free(&sb);
	free(e);
}

static void test_check(void)
{
	struct emb_event *e = calloc(1, sizeof(*e));
	size_t head = offsetof(struct emb_event, path);

	e->path_len = 10;
	is_int(emb_event_check(e, head + 10), 0, "a record as long as its path is well-formed");
	is_int(emb_event_check(e, head + 9), -EBADMSG, "a path longer than the record is refused");
	is_int(emb_event_check(e, head - 1), -EBADMSG,
	       "a record shorter than its header is refused");
	is_int(emb_event_check(e, sizeof(*e) + 1), -EBADMSG, "an oversized record is refused");
	free(e);
}

static void test_time(void)
{
	char buf[64];

	emb_format_rfc3339(0, buf, sizeof(buf));
	is_str(buf, "1970-01-01T00:00:00.000000000Z", "the epoch");
	emb_format_rfc3339(1795824000123456789LL, buf, sizeof(buf));
	is_str(buf, "2026-11-28T00:00:00.123456789Z", "nanoseconds are kept");
}

static void test_format(void)
{
	static const char *const parts[] = { "kav", "bin", "kaspersky", "opt" };
	struct emb_event *e = calloc(1, sizeof(*e));
	struct emb_event_ctx ctx = { .key = "kaspersky", .rule = "ban.policy:3" };
	struct strbuf sb = { 0 };
	char *s;

	e->type = EMB_EVENT_EXEC;
	e->boot_ns = 5;
	e->ino = 1234;
	e->dev = (8u << 20) | 1;
	e->pid = 42;
	e->ppid = 1;
	e->uid = 1000;
	e->verdict = EMB_VERDICT_DENY;
	e->tier = EMB_TIER_LSM;
	e->generation = 7;
	strcpy(e->comm, "kav");
	strcpy(e->filename, "./kav\n\"x\"");
	set_path(e, parts, 4);
	emb_event_format(&sb, e, &ctx);
	ok(sb.buf && sb.buf[0] == '{' && sb.buf[sb.len - 1] == '}', "one JSON object");
	ok(!strchr(sb.buf, '\n'), "no newline inside the line, even from a hostile filename");
	s = json_get_string(sb.buf, "time");
	is_str(s, "1970-01-01T00:00:00.000000005Z", "time: boot time plus the offset");
	free(s);
	s = json_get_string(sb.buf, "verdict");
	is_str(s, "deny", "verdict");
	free(s);
	s = json_get_string(sb.buf, "tier");
	is_str(s, "lsm", "tier");
	free(s);
	s = json_get_string(sb.buf, "key");
	is_str(s, "kaspersky", "key");
	free(s);
	s = json_get_string(sb.buf, "rule");
	is_str(s, "ban.policy:3", "rule");
	free(s);
	s = json_get_string(sb.buf, "path");
	is_str(s, "/opt/kaspersky/bin/kav", "path");
	free(s);
	s = json_get_string(sb.buf, "filename");
	is_str(s, "./kav\n\"x\"", "filename survives escaping and reading back");
	free(s);
	s = json_get_string(sb.buf, "dev");
	is_str(s, "8:1", "dev as MAJOR:MINOR from the kernel's encoding");
	free(s);
	is_int((long long)json_get_u64(sb.buf, "ino"), 1234, "ino");
	is_int((long long)json_get_u64(sb.buf, "pid"), 42, "pid");
	is_int((long long)json_get_u64(sb.buf, "ppid"), 1, "ppid");
	is_int((long long)json_get_u64(sb.buf, "uid"), 1000, "uid");
	is_int((long long)json_get_u64(sb.buf, "generation"), 7, "generation");
	ok(!strstr(sb.buf, "path_truncated"), "no flags when none are set");
	ok(!strstr(sb.buf, "would_deny"), "no would_deny when it is not one");
	sb_free(&sb);

	/* Audit mode: a deny rule's decision, logged as audit and marked. */
	e->verdict = EMB_VERDICT_AUDIT;
	e->flags = EMB_EVENT_F_WOULD_DENY;
	emb_event_format(&sb, e, &ctx);
	ok(strstr(sb.buf, "\"verdict\":\"audit\",\"would_deny\":true,") != NULL,
	   "a would-be denial: \"would_deny\":true next to its verdict");
	ok(json_get_true(sb.buf, "would_deny"), "and reads back as true");
	sb_free(&sb);
	e->verdict = EMB_VERDICT_DENY;

	e->flags = EMB_EVENT_F_PATH_TRUNCATED | EMB_EVENT_F_SIGNAL_FAILED;
	ctx.key = NULL;
	ctx.rule = NULL;
	emb_event_format(&sb, e, &ctx);
	ok(strstr(sb.buf, "\"path_truncated\":true") && strstr(sb.buf, "\"signal_failed\":true"),
	   "flags are spelled out");
	ok(!strstr(sb.buf, "\"rule\""), "no rule field when no rule decided");
	sb_free(&sb);

	e->type = EMB_EVENT_MMAP;
	emb_event_format(&sb, e, &ctx);
	s = json_get_string(sb.buf, "event");
	is_str(s, "mmap", "an executable mapping is an mmap event");
	free(s);
	ok(!strstr(sb.buf, "\"filename\""), "with no filename: nothing was executed by name");
	sb_free(&sb);
	e->type = EMB_EVENT_EXEC;

	/* The lsm tier decides before exec renames the task: comm comes from the filename. */
	e->comm[0] = 0;
	strcpy(e->filename, "/opt/vendor/bin/a-rather-long-program-name");
	emb_event_format(&sb, e, &ctx);
	s = json_get_string(sb.buf, "comm");
	is_str(s, "a-rather-long-p", "comm derived like exec does: last component, 15 bytes");
	free(s);
	sb_free(&sb);
	strcpy(e->filename, "prog");
	emb_event_format(&sb, e, &ctx);
	s = json_get_string(sb.buf, "comm");
	is_str(s, "prog", "comm of a filename without a slash");
	free(s);
	sb_free(&sb);
	free(e);
}

/* A refused tamper attempt: its op and target, no rule, no path. */
static void test_format_tamper(void)
{
	struct emb_event *e = calloc(1, sizeof(*e));
	struct emb_event_ctx ctx = { .key = "embargo:tamper" };
	struct strbuf sb = { 0 };

	e->type = EMB_EVENT_TAMPER;
	e->rule_id = EMB_TAMPER_SIGNAL;
	e->generation = 321;
	e->dev = 9;
	e->pid = 77;
	e->verdict = EMB_VERDICT_DENY;
	e->tier = EMB_TIER_LSM;
	strcpy(e->comm, "kill");
	emb_event_format(&sb, e, &ctx);
	ok(sb.buf && strstr(sb.buf, "\"event\":\"tamper\",\"verdict\":\"deny\""),
	   "a tamper event, denied");
	ok(sb.buf && strstr(sb.buf, "\"op\":\"signal\",\"target_pid\":321,\"signal\":9,\"pid\":77"),
	   "signal: its target and number, then who");
	ok(sb.buf && !strstr(sb.buf, "\"path\""), "no path");
	sb_reset(&sb);
	e->rule_id = EMB_TAMPER_UNLINK;
	e->dev = (8u << 20) | 1;
	e->ino = 55;
	strcpy(e->filename, "link_emb_lsm_bprm");
	emb_event_format(&sb, e, &ctx);
	ok(sb.buf && strstr(sb.buf, "\"op\":\"unlink\",\"name\":\"link_emb_lsm_bprm\",\"dev\":\"8:"
				    "1\",\"ino\":55"),
	   "unlink: the name and inode");
	sb_free(&sb);
	free(e);
}

static void test_json_quote(void)
{
	struct strbuf sb = { 0 };

	json_quote(&sb, "a\"b\\c\x01\x7f", 7);
	is_str(sb.buf, "\"a\\\"b\\\\c\\u0001\\u007f\"", "quotes, backslashes and controls escaped");
	sb_reset(&sb);
	json_quote(&sb, "caf\xc3\xa9", 5);
	is_str(sb.buf, "\"caf\xc3\xa9\"", "valid UTF-8 passes through");
	sb_reset(&sb);
	json_quote(&sb, "x\xff\xc3y", 4);
	is_str(sb.buf, "\"x\\ufffd\\ufffdy\"", "invalid UTF-8 becomes U+FFFD");
	sb_reset(&sb);
	json_quote(&sb, "\xed\xa0\x80", 3);
	is_str(sb.buf, "\"\\ufffd\\ufffd\\ufffd\"", "an encoded surrogate is not UTF-8");
	sb_free(&sb);
}

static void test_json_read(void)
{
	const char *doc =
		"{\"a\":{\"x\":[1,{\"y\":\"}\"}]},\"s\":\"\\u00e9\\n\",\"n\":18446744073709551615}";
	char *s;

	s = json_get_string(doc, "s");
	is_str(s, "\xc3\xa9\n", "string with escapes, after a nested value");
	free(s);
	ok(json_get_u64(doc, "n") == 18446744073709551615ULL, "a 64-bit number");
	ok(!json_get_string(doc, "missing"), "a missing field is NULL");
	ok(!json_get_string(doc, "a"), "a field that is not a string is NULL");
	ok(!json_get_string("{\"s\":\"unterminated", "s"), "malformed input is NULL");
	ok(!json_get_string("[1,2]", "s"), "not an object");
}

int main(void)
{
	test_path();
	test_check();
	test_time();
	test_format();
	test_format_tamper();
	test_json_quote();
	test_json_read();
	return done_testing();
}
