// SPDX-License-Identifier: GPL-2.0-only
/*
 * embargo log's reader on an arbitrary log: lines read by emb_log_read_line() from a stream,
 * each matched by emb_log_line_matches() against a filter and counted in a summary, the
 * summary's tallies sorted. Lines that start with '#' set the filter instead
 * ("#since=2026-11-28T01:02:03Z", "#verdict=deny", "#would-deny", ...), so that filter values
 * are fuzzed too. Checks: a filter only removes lines, the counts add up, sorted rows are in
 * order, and a parsed time written back in RFC 3339 parses to the same time.
 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "event_log.h"
#include "fuzz.h"
#include "logquery.h"

/* emb_format_rfc3339() takes nanoseconds in an int64_t: up to 2262, and from 1970. */
#define FORMAT_MAX_SEC 9000000000LL

static void check_time(const char *s)
{
	struct emb_log_time t, again;
	char buf[48];

	if (emb_log_parse_time(s, &t))
		return;
	FUZZ_CHECK(t.nsec < 1000000000u);
	if (t.sec < 0 || t.sec >= FORMAT_MAX_SEC)
		return;
	emb_format_rfc3339(t.sec * 1000000000LL + t.nsec, buf, sizeof(buf));
	FUZZ_CHECK(emb_log_parse_time(buf, &again) == 0 && emb_log_time_cmp(&t, &again) == 0);
}

/* "#NAME=ARG" or "#NAME": what embargo log's option --NAME[=ARG] would set. */
static void set_filter(struct emb_log_filter *f, char *line, char **args, size_t *n_args)
{
	char *eq = strchr(line + 1, '='), *arg = eq ? eq + 1 : (char *)"";
	const char *want = NULL;
	int r;

	if (eq)
		*eq = 0;
	/* A glob is the user's, not the log's; fnmatch() takes time exponential in its '*'s. */
	if (!strcmp(line + 1, "path")) {
		size_t stars = 0;

		for (const char *c = arg; *c; c++)
			stars += *c == '*';
		if (stars > 2)
			return;
	}
	arg = strdup(arg);
	FUZZ_CHECK(arg);
	args[(*n_args)++] = arg; /* the filter keeps it */
	r = emb_log_filter_set(f, line + 1, arg, &want);
	FUZZ_CHECK(r == 0 || r == -ENOENT || (r == -EINVAL && want));
	check_time(arg);
}

static void check_tally(const struct emb_log_tally *t, uint64_t events)
{
	const struct emb_log_count **v;
	uint64_t sum = t->other;
	size_t n;

	FUZZ_CHECK(emb_log_tally_sorted(t, 0, &v, &n) == 0 && n == t->n);
	for (size_t i = 0; i < n; i++) {
		FUZZ_CHECK(v[i]->count >= 1 && v[i]->key && v[i]->verdict);
		FUZZ_CHECK(i == 0 || v[i - 1]->count >= v[i]->count);
		sum += v[i]->count;
		/* Each (key, verdict, path) has one row: the hash table finds what it holds. */
		for (size_t k = 0; k < i; k++)
			FUZZ_CHECK(strcmp(v[k]->key, v[i]->key) ||
				   strcmp(v[k]->verdict, v[i]->verdict) ||
				   (v[k]->path && v[i]->path && strcmp(v[k]->path, v[i]->path)) ||
				   !v[k]->path != !v[i]->path);
	}
	FUZZ_CHECK(sum == events);
	free(v);
	FUZZ_CHECK(emb_log_tally_sorted(t, 3, &v, &n) == 0 && n == (t->n < 3 ? t->n : 3));
	free(v);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char line[EMB_LOG_MAX_LINE + 2];
	struct emb_log_filter filter = { 0 }, all = { 0 };
	struct emb_log_summary summary;
	char *args[64];
	size_t n_args = 0, len, lines = 0, matched = 0;
	FILE *f;
	int r;

	if (!size)
		return 0;
	f = fmemopen((void *)data, size, "r");
	FUZZ_CHECK(f);
	/* A small limit: tallies grow their tables, then fill up and count the rest as other. */
	emb_log_summary_init(&summary, 40);
	while ((r = emb_log_read_line(f, line, sizeof(line), &len)) != -ENOENT) {
		struct emb_log_event e = { 0 };
		int m, m_all;

		FUZZ_CHECK(r == 0 || r == -E2BIG);
		FUZZ_CHECK(len <= EMB_LOG_MAX_LINE && line[len] == 0);
		lines++;
		if (r)
			continue;
		if (line[0] == '#' && n_args < sizeof(args) / sizeof(args[0])) {
			set_filter(&filter, line, args, &n_args);
			continue;
		}
		m_all = emb_log_line_matches(line, len, &all, NULL);
		m = emb_log_line_matches(line, len, &filter, &e);
		FUZZ_CHECK(m_all == 1 || m_all == -EINVAL);
		/* A filter keeps or drops a well-formed line; a malformed one stays malformed. */
		FUZZ_CHECK(m_all == 1 ? m == 0 || m == 1 : m == -EINVAL);
		if (m != 1)
			continue;
		FUZZ_CHECK(e.time_str && e.time.nsec < 1000000000u);
		check_time(e.time_str);
		FUZZ_CHECK(!filter.key || (e.key && !strcmp(e.key, filter.key)));
		FUZZ_CHECK(!filter.would_deny || e.would_deny);
		FUZZ_CHECK(!filter.has_since || emb_log_time_cmp(&e.time, &filter.since) >= 0);
		FUZZ_CHECK(!filter.has_until || emb_log_time_cmp(&e.time, &filter.until) <= 0);
		FUZZ_CHECK(emb_log_summary_add(&summary, &e) == 0);
		matched++;
		emb_log_event_free(&e);
	}
	FUZZ_CHECK(!ferror(f));
	fclose(f);

	FUZZ_CHECK(summary.events == matched && matched <= lines);
	check_tally(&summary.by_verdict, matched);
	check_tally(&summary.by_key, matched);
	check_tally(&summary.by_path, matched);
	check_tally(&summary.would_deny.top, summary.would_deny.events);
	check_tally(&summary.would_deny.paths, summary.would_deny.events);
	emb_log_summary_free(&summary);
	for (size_t i = 0; i < n_args; i++)
		free(args[i]);
	return 0;
}
