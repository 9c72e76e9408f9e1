// SPDX-License-Identifier: GPL-2.0-only
/* Querying the audit log: times, filters, malformed lines, summaries. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "event_log.h"
#include "json_read.h"
#include "logquery.h"
#include "tap.h"

static int match(const char *line, const struct emb_log_filter *f)
{
	return emb_log_line_matches(line, strlen(line), f, NULL);
}

static void test_time(void)
{
	struct emb_log_time a, b, t = { .sec = 7, .nsec = 7 };
	char buf[48];

	is_int(emb_log_parse_time("1970-01-01T00:00:00Z", &a), 0, "the epoch parses");
	ok(a.sec == 0 && a.nsec == 0, "as 0.0");
	is_int(emb_log_parse_time("2026-11-28T01:02:03.123456789Z", &a), 0, "nanoseconds parse");
	is_int(a.nsec, 123456789, "into nsec");
	is_int(emb_log_parse_time("2026-11-28T01:02:03.5Z", &b), 0, "one fraction digit");
	is_int(b.nsec, 500000000, "is tenths");
	is_int(a.sec, b.sec, "same second");
	ok(emb_log_time_cmp(&a, &b) < 0, ".123456789 is before .5");
	is_int(emb_log_parse_time("2026-11-28T01:02:03.1234567891Z", &b), 0,
	       "digits beyond nanoseconds are ignored");
	is_int(b.nsec, 123456789, "truncated to nanoseconds");
	is_int(emb_log_parse_time("2026-11-28T01:02:03Z", &b), 0, "no fraction");
	ok(emb_log_time_cmp(&b, &a) < 0 && emb_log_time_cmp(&a, &b) > 0, "whole second first");
	ok(emb_log_time_cmp(&a, &a) == 0, "equal to itself");

	/* The log writer's own format round-trips. */
	emb_format_rfc3339(1795827723123456789LL, buf, sizeof(buf));
	is_int(emb_log_parse_time(buf, &a), 0, "what embargod writes parses (%s)", buf);
	ok(a.sec == 1795827723 && a.nsec == 123456789, "to the time it was written from");

	is_int(emb_log_parse_time("2026-11-29T00:00:00+02:00", &a), 0, "an offset");
	is_int(emb_log_parse_time("2026-11-28T22:00:00Z", &b), 0, "its UTC");
	ok(emb_log_time_cmp(&a, &b) == 0, "+02:00 is two hours before Z");
	is_int(emb_log_parse_time("2026-11-28T21:00:00-01:00", &a), 0, "a negative offset");
	ok(emb_log_time_cmp(&a, &b) == 0, "-01:00 is an hour after Z");
	is_int(emb_log_parse_time("2024-02-29T00:00:00Z", &a), 0, "a leap day");
	is_int(emb_log_parse_time("2024-03-01T00:00:00Z", &b), 0, "the day after");
	is_int(b.sec - a.sec, 86400, "one day apart");
	is_int(emb_log_parse_time("1999-12-31T23:59:59z", &a), 0, "lower-case z");
	is_int(a.sec, 946684799, "seconds before 2000");

	static const char *const bad[] = {
		"",
		"2026-11-28",
		"2026-11-28T01:02:03",
		"2026-11-28 01:02:03Z",
		"2026-13-28T01:02:03Z",
		"2025-02-29T01:02:03Z",
		"2026-11-28T24:00:00Z",
		"2026-11-28T01:02:03.Z",
		"2026-11-28T01:02:03Zjunk",
		"2026-11-28T01:02:03+0200",
		"26-11-28T01:02:03Z",
		"2026-11-28T1:02:03Z",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		is_int(emb_log_parse_time(bad[i], &t), -EINVAL, "'%s' is refused", bad[i]);
	ok(t.sec == 7 && t.nsec == 7, "failures leave the output alone");
}

#define LINE(time, event, verdict, key, uid, path)                                                 \
	"{\"time\":\"" time "\",\"event\":\"" event "\",\"verdict\":\"" verdict                    \
	"\",\"tier\":\"lsm\",\"key\":\"" key "\",\"generation\":1,\"pid\":42,\"uid\":" uid         \
	",\"gid\":0,\"comm\":\"x\",\"path\":\"" path "\",\"dev\":\"8:1\",\"ino\":5}"

/* A would-be denial, as audit mode logs it. */
#define WD_LINE(key, uid, path)                                                                    \
	"{\"time\":\"2026-11-28T01:00:00Z\",\"event\":\"exec\",\"verdict\":\"audit\","             \
	"\"would_deny\":true,\"tier\":\"lsm\",\"key\":\"" key "\",\"generation\":1,\"pid\":42,"    \
	"\"uid\":" uid ",\"gid\":0,\"comm\":\"x\",\"path\":\"" path                                \
	"\",\"dev\":\"8:1\",\"ino\":5}"

static void test_filters(void)
{
	static const char line[] = LINE("2026-11-28T01:02:03.5Z", "exec", "deny", "kaspersky",
					"1000", "/opt/kaspersky/bin/kav");
	struct emb_log_filter f = { 0 };
	struct emb_log_event e;

	is_int(match(line, &f), 1, "no filter matches");
	is_int(emb_log_line_matches(line, strlen(line), &f, &e), 1, "and gives the fields");
	is_str(e.time_str, "2026-11-28T01:02:03.5Z", "time");
	is_str(e.verdict, "deny", "verdict");
	is_str(e.key, "kaspersky", "key");
	is_str(e.event, "exec", "event");
	is_str(e.path, "/opt/kaspersky/bin/kav", "path");
	ok(e.has_uid && e.uid == 1000 && e.has_pid && e.pid == 42, "uid and pid");
	emb_log_event_free(&e);

	emb_log_parse_time("2026-11-28T01:02:03.5Z", &f.since);
	f.has_since = true;
	is_int(match(line, &f), 1, "--since is inclusive");
	emb_log_parse_time("2026-11-28T01:02:03.500000001Z", &f.since);
	is_int(match(line, &f), 0, "--since a nanosecond later excludes it");
	f.has_since = false;
	emb_log_parse_time("2026-11-28T01:02:03.5Z", &f.until);
	f.has_until = true;
	is_int(match(line, &f), 1, "--until is inclusive");
	emb_log_parse_time("2026-11-28T01:02:03Z", &f.until);
	is_int(match(line, &f), 0, "--until the whole second before excludes it");
	f.has_until = false;

	f.key = "kaspersky";
	is_int(match(line, &f), 1, "--key exact");
	f.key = "kasper";
	is_int(match(line, &f), 0, "--key is no prefix match");
	f.key = NULL;

	f.verdict = "deny";
	is_int(match(line, &f), 1, "--verdict deny");
	f.verdict = "audit";
	is_int(match(line, &f), 0, "--verdict audit");
	f.verdict = NULL;

	f.event = "exec";
	is_int(match(line, &f), 1, "--event exec");
	f.event = "mmap";
	is_int(match(line, &f), 0, "--event mmap");
	f.event = NULL;

	f.path_glob = "/opt/kaspersky/*";
	is_int(match(line, &f), 1, "--path glob; '*' crosses '/'");
	f.path_glob = "*/kav";
	is_int(match(line, &f), 1, "--path leading '*'");
	f.path_glob = "/opt/drweb/*";
	is_int(match(line, &f), 0, "--path another tree");
	f.path_glob = NULL;

	f.has_uid = true;
	f.uid = 1000;
	is_int(match(line, &f), 1, "--uid 1000");
	f.uid = 0;
	is_int(match(line, &f), 0, "--uid 0");
	is_int(match("{\"time\":\"2026-11-28T01:02:03Z\",\"key\":\"k\"}", &f), 0,
	       "--uid 0 does not match a line without uid");
	f.uid = 1000;

	{
		static const char wd[] = WD_LINE("k", "1000", "/opt/k/a");
		struct emb_log_filter fw = { 0 };
		const char *want = NULL;

		ok(emb_log_line_matches(wd, strlen(wd), &fw, &e) == 1 && e.would_deny,
		   "\"would_deny\":true is read");
		emb_log_event_free(&e);
		ok(emb_log_line_matches(line, strlen(line), &fw, &e) == 1 && !e.would_deny,
		   "its absence too");
		emb_log_event_free(&e);
		is_int(emb_log_filter_set(&fw, "would-deny", NULL, &want), 0,
		       "--would-deny is a filter");
		is_int(match(wd, &fw), 1, "--would-deny matches a would-be denial");
		is_int(match(line, &fw), 0, "and not a denial");
		is_int(match("{\"time\":\"2026-11-28T01:02:03Z\",\"would_deny\":false}", &fw), 0,
		       "nor \"would_deny\":false");
	}

	f.key = "kaspersky";
	f.verdict = "deny";
	f.event = "exec";
	f.path_glob = "/opt/*";
	is_int(match(line, &f), 1, "all filters together");
	f.verdict = "allow";
	is_int(match(line, &f), 0, "all must match");
}

static void test_malformed(void)
{
	struct emb_log_filter f = { 0 };
	static const char nul_line[] = "{\"time\":\"2026-11-28T01:02:03Z\"}\0x";

	is_int(match("{\"time\":\"2026-11-28T01:02:03Z\"}", &f), 1, "a minimal line is good");
	is_int(match("", &f), -EINVAL, "an empty line is malformed");
	is_int(match("not json", &f), -EINVAL, "text is malformed");
	is_int(match("[\"time\"]", &f), -EINVAL, "an array is malformed");
	is_int(match("{\"time\":\"2026-11-28T01:02:03Z\"", &f), -EINVAL,
	       "a truncated object is malformed");
	is_int(match("{\"time\":\"2026-11-28T01:02:03Z\"} {}", &f), -EINVAL,
	       "trailing data is malformed");
	is_int(match("{\"key\":\"k\"}", &f), -EINVAL, "no time is malformed");
	is_int(match("{\"time\":42}", &f), -EINVAL, "a numeric time is malformed");
	is_int(match("{\"time\":\"yesterday\"}", &f), -EINVAL, "a non-RFC 3339 time is malformed");
	is_int(emb_log_line_matches(nul_line, sizeof(nul_line) - 1, &f, NULL), -EINVAL,
	       "a NUL byte is malformed");
}

static void test_when(void)
{
	/* 2026-12-03T12:00:00Z */
	const int64_t now = 1796299200;
	struct emb_log_time t, want;
	struct emb_log_filter f = { 0 };
	const char *what = NULL;
	static const char *const bad[] = {
		"",
		"1",
		"1y",
		"h",
		"-1h",
		"1h2",
		"1.5h",
		"2026-12",
		"2026-02-30",
		"2026-13-01",
		"2026-12-02T",
		"2026-12-02T25:00",
		"2026-12-02T10:61",
		"2026-12-02T10:00:00:00",
		"2026-12-02x",
		"tomorrow",
		"9999999999999h",
	};

	setenv("TZ", "UTC", 1);
	tzset();
	is_int(emb_log_parse_when("2026-12-02T10:00:00Z", now, &t), 0, "RFC 3339 still parses");
	is_int(emb_log_parse_when("1h", now, &t), 0, "1h parses");
	ok(t.sec == now - 3600 && t.nsec == 0, "an hour before now");
	is_int(emb_log_parse_when("30m", now, &t), 0, "30m parses");
	ok(t.sec == now - 1800, "half an hour before now");
	is_int(emb_log_parse_when("2d", now, &t), 0, "2d parses");
	ok(t.sec == now - 2 * 86400, "two days before now");
	is_int(emb_log_parse_when("45s", now, &t), 0, "45s parses");
	ok(t.sec == now - 45, "45 seconds before now");
	is_int(emb_log_parse_when("1w", now, &t), 0, "1w parses");
	ok(t.sec == now - 7 * 86400, "a week before now");
	is_int(emb_log_parse_when("now", now, &t), 0, "now parses");
	ok(t.sec == now, "as now");

	emb_log_parse_time("2026-12-02T00:00:00Z", &want);
	is_int(emb_log_parse_when("2026-12-02", now, &t), 0, "a date parses");
	ok(!emb_log_time_cmp(&t, &want), "as its midnight (local time; UTC here)");
	is_int(emb_log_parse_when("yesterday", now, &t), 0, "yesterday parses");
	ok(!emb_log_time_cmp(&t, &want), "as yesterday's midnight");
	is_int(emb_log_parse_when("today", now, &t), 0, "today parses");
	ok(t.sec == want.sec + 86400, "as today's midnight");
	emb_log_parse_time("2026-12-02T10:30:00Z", &want);
	is_int(emb_log_parse_when("2026-12-02T10:30", now, &t), 0, "a date and time parse");
	ok(!emb_log_time_cmp(&t, &want), "as that minute");
	is_int(emb_log_parse_when("2026-12-02 10:30:00", now, &t), 0, "with a space and seconds");
	ok(!emb_log_time_cmp(&t, &want), "the same");
	setenv("TZ", "EST5", 1);
	tzset();
	emb_log_parse_time("2026-12-02T15:30:00Z", &want);
	is_int(emb_log_parse_when("2026-12-02T10:30", now, &t), 0, "in another time zone");
	ok(!emb_log_time_cmp(&t, &want), "a local time is the zone's");
	setenv("TZ", "UTC", 1);
	tzset();
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		is_int(emb_log_parse_when(bad[i], now, &t), -EINVAL, "'%s' is refused", bad[i]);

	is_int(emb_log_filter_set(&f, "since", "1h", &what), 0, "--since 1h is a filter");
	ok(f.has_since && llabs(f.since.sec - ((int64_t)time(NULL) - 3600)) <= 5,
	   "an hour before the clock's now");
	is_int(emb_log_filter_set(&f, "until", "soon", &what), -EINVAL, "--until soon is not");
	ok(what && strstr(what, "30m, 1h, 2d"), "and says what it takes");
}

static void test_event_kinds(void)
{
	struct emb_log_filter f = { 0 };
	const char *what = NULL;
	size_t n = 0;

	for (const struct emb_log_event_kind *k = emb_log_event_kinds; k->name; k++, n++)
		is_int(emb_log_filter_set(&f, "event", k->name, &what), 0, "--event %s is accepted",
		       k->name);
	is_int((int)n, 12, "twelve kinds of line");
	for (uint32_t type = 0; type < 16; type++) {
		const char *name = emb_event_type_name(type);

		ok(emb_log_filter_set(&f, "event", name, &what) == 0 &&
			   !emb_log_event_is_record(name),
		   "the kernel's event type %u (%s) is a decision --event takes", type, name);
	}
	ok(!emb_log_event_is_record("tamper") && emb_log_event_is_record("chain") &&
		   emb_log_event_is_record("drop") && emb_log_event_is_record("start") &&
		   emb_log_event_is_record("stop") && emb_log_event_is_record("policy") &&
		   emb_log_event_is_record("takeover") && emb_log_event_is_record("unload") &&
		   !emb_log_event_is_record(NULL),
	   "chain, drop, start, stop, policy, takeover and unload are records");
	ok(emb_log_event_listed("exec", NULL) && emb_log_event_listed("tamper", "exec") &&
		   !emb_log_event_listed("drop", NULL) && !emb_log_event_listed("drop", "chain") &&
		   emb_log_event_listed("drop", "drop") && emb_log_event_listed(NULL, NULL),
	   "records are listed only when asked for");
	is_int(emb_log_filter_set(&f, "event", "fork", &what), -EINVAL, "--event fork is refused");
	is_str(what,
	       "exec, mmap, open, kill, tamper, chain, drop, start, stop, policy, takeover or "
	       "unload",
	       "naming every kind");

	is_int(emb_log_filter_set(&f, "uid", "root", &what), 0, "--uid root");
	ok(f.has_uid && f.uid == 0, "is uid 0");
	is_int(emb_log_filter_set(&f, "uid", "1000", &what), 0, "--uid 1000");
	ok(f.uid == 1000, "is 1000");
	is_int(emb_log_filter_set(&f, "uid", "no-such-user-here", &what), -EINVAL,
	       "an unknown user is refused");
	is_int(emb_log_filter_set(&f, "uid", "4294967296", &what), -EINVAL, "so is 2^32");
	is_int(emb_log_filter_set(&f, "uid", "", &what), -EINVAL, "and an empty uid");
}

static void test_read_line(void)
{
	char *big = malloc(EMB_LOG_MAX_LINE + 10), *buf = malloc(EMB_LOG_MAX_LINE + 1);
	char name[] = "/tmp/embargo-logquery.XXXXXX";
	size_t len = 0;
	FILE *f;
	int fd;

	fd = mkstemp(name);
	if (!ok(fd >= 0 && big && buf, "a temporary file")) {
		free(big);
		free(buf);
		return;
	}
	f = fdopen(fd, "w+");
	memset(big, 'a', EMB_LOG_MAX_LINE + 9);
	big[EMB_LOG_MAX_LINE + 9] = '\0';
	fprintf(f, "first\n%s\n\nlast", big);
	rewind(f);
	is_int(emb_log_read_line(f, buf, EMB_LOG_MAX_LINE + 1, &len), 0, "a line");
	is_str(buf, "first", "without its newline");
	is_int(emb_log_read_line(f, buf, EMB_LOG_MAX_LINE + 1, &len), -E2BIG, "a line over 64 KiB");
	is_int((long long)len, EMB_LOG_MAX_LINE, "kept up to the limit");
	is_int(emb_log_read_line(f, buf, EMB_LOG_MAX_LINE + 1, &len), 0, "then the next line");
	is_int((long long)len, 0, "an empty one");
	is_int(emb_log_read_line(f, buf, EMB_LOG_MAX_LINE + 1, &len), 0, "a last line");
	is_str(buf, "last", "without a newline");
	is_int(emb_log_read_line(f, buf, EMB_LOG_MAX_LINE + 1, &len), -ENOENT, "the end");
	fclose(f);
	unlink(name);
	free(big);
	free(buf);
}

static void add(struct emb_log_summary *s, const char *line)
{
	struct emb_log_filter f = { 0 };
	struct emb_log_event e;

	if (emb_log_line_matches(line, strlen(line), &f, &e) == 1) {
		emb_log_summary_add(s, &e);
		emb_log_event_free(&e);
	}
}

static void test_summary(void)
{
	const struct emb_log_count **v;
	struct emb_log_summary s;
	size_t n;

	emb_log_summary_init(&s, 0);
	for (int i = 0; i < 3; i++)
		add(&s, LINE("2026-11-28T01:00:00Z", "exec", "deny", "k", "0", "/opt/k/a"));
	add(&s, LINE("2026-11-28T01:00:00Z", "exec", "deny", "k", "0", "/opt/k/b"));
	add(&s, LINE("2026-11-28T01:00:00Z", "exec", "audit", "k", "0", "/opt/k/b"));
	add(&s, LINE("2026-11-28T01:00:00Z", "exec", "audit", "d", "0", "/opt/d/x"));
	add(&s, LINE("2026-11-28T01:00:00Z", "exec", "audit", "d", "0", "/opt/d/x"));
	is_int((long long)s.events, 7, "seven events");
	is_int((long long)s.would_deny.events, 0, "no would-be denials among them");
	is_int((long long)s.would_deny.top.n, 0, "and no rows for them");

	is_int(emb_log_tally_sorted(&s.by_verdict, 0, &v, &n), 0, "by verdict");
	if (is_int((long long)n, 2, "two verdicts")) {
		ok(!strcmp(v[0]->verdict, "deny") && v[0]->count == 4, "deny 4 first");
		ok(!strcmp(v[1]->verdict, "audit") && v[1]->count == 3, "audit 3");
	}
	free(v);

	is_int(emb_log_tally_sorted(&s.by_key, 0, &v, &n), 0, "by key");
	if (is_int((long long)n, 3, "three key and verdict pairs")) {
		ok(!strcmp(v[0]->key, "k") && !strcmp(v[0]->verdict, "deny") && v[0]->count == 4,
		   "k deny 4");
		ok(!strcmp(v[1]->key, "d") && !strcmp(v[1]->verdict, "audit") && v[1]->count == 2,
		   "d audit 2");
		ok(!strcmp(v[2]->key, "k") && !strcmp(v[2]->verdict, "audit") && v[2]->count == 1,
		   "k audit 1");
	}
	free(v);

	is_int(emb_log_tally_sorted(&s.by_path, 2, &v, &n), 0, "top paths");
	if (is_int((long long)n, 2, "limited to two")) {
		ok(!strcmp(v[0]->path, "/opt/k/a") && v[0]->count == 3, "/opt/k/a 3");
		ok(!strcmp(v[1]->path, "/opt/d/x") && v[1]->count == 2, "/opt/d/x 2");
	}
	free(v);
	emb_log_summary_free(&s);

	/* What enforcing would deny: only the lines marked so count. */
	emb_log_summary_init(&s, 0);
	for (int i = 0; i < 3; i++)
		add(&s, WD_LINE("tmp", "1000", "/tmp/a"));
	add(&s, WD_LINE("tmp", "0", "/tmp/a"));
	add(&s, WD_LINE("tmp", "1001", "/tmp/b"));
	add(&s, WD_LINE("home", "1000", "/home/u/c"));
	add(&s, LINE("2026-11-28T01:00:00Z", "exec", "audit", "watch", "1002", "/opt/w/x"));
	add(&s, LINE("2026-11-28T01:00:00Z", "exec", "deny", "k", "1003", "/opt/k/a"));
	is_int((long long)s.events, 8, "eight events");
	is_int((long long)s.would_deny.events, 6, "six would-be denials");
	is_int((long long)s.would_deny.paths.n, 3, "of three distinct paths");
	is_int((long long)s.would_deny.uids.n, 3, "by three distinct uids");
	is_int(emb_log_tally_sorted(&s.would_deny.top, 0, &v, &n), 0, "their top paths");
	if (is_int((long long)n, 3, "three rows")) {
		ok(!strcmp(v[0]->path, "/tmp/a") && !strcmp(v[0]->key, "tmp") && v[0]->count == 4 &&
			   v[0]->users == 2,
		   "/tmp/a first: 4 events, 2 users");
		ok(v[1]->count == 1 && v[1]->users == 1 && v[2]->count == 1 && v[2]->users == 1,
		   "then the others: 1 event, 1 user each");
		ok(!strcmp(v[1]->path, "/home/u/c") && !strcmp(v[2]->path, "/tmp/b"),
		   "ties ordered by key");
	}
	free(v);
	emb_log_summary_free(&s);

	/* Past the limit of distinct entries, events count as other; known ones still count. */
	emb_log_summary_init(&s, 2);
	add(&s, LINE("2026-11-28T01:00:00Z", "exec", "deny", "a", "0", "/a"));
	add(&s, LINE("2026-11-28T01:00:00Z", "exec", "deny", "b", "0", "/b"));
	add(&s, LINE("2026-11-28T01:00:00Z", "exec", "deny", "c", "0", "/c"));
	add(&s, LINE("2026-11-28T01:00:00Z", "exec", "deny", "a", "0", "/a"));
	is_int((long long)s.by_key.n, 2, "two keys tracked");
	is_int((long long)s.by_key.other, 1, "the third counted as other");
	is_int((long long)s.by_path.other, 1, "its path too");
	is_int((long long)s.by_key.v[0].count, 2, "a tracked key still counts");
	emb_log_summary_free(&s);

	/* Many distinct paths: the table grows and finds each again. */
	emb_log_summary_init(&s, 0);
	for (int round = 0; round < 2; round++)
		for (int i = 0; i < 5000; i++) {
			struct emb_log_event e = { .key = "k", .verdict = "deny" };
			char path[32];

			snprintf(path, sizeof(path), "/p/%d", i);
			e.path = path;
			emb_log_summary_add(&s, &e);
		}
	is_int((long long)s.by_path.n, 5000, "5000 distinct paths");
	ok(s.by_path.v[4999].count == 2 && s.by_path.v[0].count == 2, "each counted twice");
	emb_log_summary_free(&s);
}

int main(void)
{
	test_time();
	test_filters();
	test_malformed();
	test_when();
	test_event_kinds();
	test_read_line();
	test_summary();
	return done_testing();
}
