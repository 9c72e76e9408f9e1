// SPDX-License-Identifier: GPL-2.0-only
/* embargo log: lists, filters and summarizes the audit log embargod writes; verifies its chain. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <unistd.h>
#include <sys/stat.h>

#include "cli.h"
#include "json_read.h"
#include "logchain.h"
#include "logquery.h"
#include "strbuf.h"

#define EMB_LOG_DEFAULT "/var/log/embargo/events.jsonl"

/* The most rotated files (FILE.1, FILE.2...) a verify looks for beside the log. */
#define EMB_LOG_MAX_ROTATED 1000

static const char log_usage[] =
	"usage: embargo log [--json] [--since T] [--until T] [--key K] [--verdict V] [--path "
	"GLOB]\n"
	"                   [--uid U] [--event E] [--would-deny] [--summary | --follow] [FILE]\n"
	"       embargo log verify [--json] [--anchor FILE | --no-anchor] [--allow-continued]\n"
	"                   [--rotated] [FILE...]\n"
	"Lists the events of the audit log that match every filter given. The log is FILE, or the\n"
	"one the running embargod writes (its status says), or " EMB_LOG_DEFAULT ".\n"
	"Each line shows the time, the event, the verdict, the key, uid, pid and path, every "
	"field\n"
	"escaped (control bytes as \\xNN).\n"
	"--since/--until a time (inclusive): RFC 3339 (2026-11-28T01:02:03Z), a local date\n"
	"(2026-11-28) or date and time (2026-11-28T01:02[:03]), today, yesterday, now, or a time\n"
	"ago (30s, 30m, 1h, 2d, 1w). --key exactly, --verdict deny|audit|allow, --path a shell\n"
	"glob on the path ('*' matches '/' too), --uid a uid or a user name, --event\n"
	"exec|mmap|open|kill|tamper, or a record, listed only when asked for: chain (where the\n"
	"hash chain starts or resumes), drop (events the kernel could not queue), start, stop,\n"
	"takeover and unload (embargod's own), policy (each reload, push and revert);\n"
	"--would-deny only would-be denials\n"
	"(audit mode logs a deny rule's decision as audit, marked would-deny).\n"
	"--summary counts them by verdict, by key and the top paths instead, and says what\n"
	"enforcing would deny: the would-be denials, their distinct paths and uids, and the top\n"
	"paths with their users. --follow lists the events logged from now on (from --since when\n"
	"given) as they come, across rotations, until interrupted; with --json one object a line.\n"
	"Exits 1 when the log cannot be read or has malformed lines (the good ones are listed).\n"
	"'embargo log verify --help' describes verify; a log file named 'verify' is ./verify.\n";

static const char verify_usage[] =
	"usage: embargo log verify [--json] [--anchor FILE | --no-anchor] [--allow-continued]\n"
	"                          [--rotated] [FILE...]\n"
	"Checks the audit log's hash chain: every line sealed with the seq and the SHA-256 of\n"
	"the line before it. The FILEs are one chain, oldest first; with none, the running\n"
	"embargod's log (or " EMB_LOG_DEFAULT ") and its rotated files:\n"
	"LOG.N ... LOG.1, then LOG itself (--rotated does this for the one FILE given).\n"
	"The anchor (default: the last FILE's .anchor, when there is one) holds the last record\n"
	"embargod synced: records cut from the end show only against it. --allow-continued\n"
	"accepts a first record that continues a chain from older files not given (rotated\n"
	"away). Prints OK and the records' seq range, or the first problem as FILE:LINE: what;\n"
	"exits 0 when the chain is intact, 1 when it is not or a file cannot be read.\n";

struct log_query {
	struct emb_log_filter filter;
	bool summary, follow;
	const char *file; /* NULL: embargod's log, or the default */
};

/* Every field as a terminal may get it: the log holds what users chose (paths, and keys). */
static void print_event(const struct emb_log_event *e)
{
	cli_print_safe_padded(e->time_str, 30);
	printf("  ");
	cli_print_safe_padded(e->event ? e->event : "?", 6);
	printf(" ");
	cli_print_safe_padded(e->verdict ? e->verdict : "?", 5);
	printf("  ");
	cli_print_safe_padded(e->key ? e->key : "?", 16);
	printf("  uid=");
	if (e->has_uid)
		printf("%-5llu", e->uid);
	else
		printf("%-5s", "?");
	if (e->has_pid)
		printf(" pid=%-7llu  ", e->pid);
	else
		printf(" pid=%-7s  ", "?");
	/* Before the path, which always starts with '/': the word cannot be taken for part of it. */
	if (e->would_deny)
		printf("would-deny  ");
	cli_print_safe(e->path ? e->path : "?");
	putchar('\n');
}

/* A drop record: events the kernel could not queue, since the previous drop record. */
static void print_drop_record(const struct emb_log_event *e, const char *line)
{
	unsigned long long count = 0, total = 0;

	json_get_number(line, "count", &count);
	json_get_number(line, "total", &total);
	cli_print_safe_padded(e->time_str, 30);
	printf("  drop   %llu events the kernel could not queue (%llu since start)\n", count,
	       total);
}

/* NAME=VALUE of the string field NAME of LINE, escaped, when LINE has it. */
static void print_string_field(const char *line, const char *name)
{
	char *v = json_get_string(line, name);

	if (v) {
		printf("  %s=", name);
		cli_print_safe(v);
	}
	free(v);
}

/* A policy record: a reload, push or revert, and the source in force after it. */
static void print_policy_record(const struct emb_log_event *e, const char *line)
{
	char *action = json_get_string(line, "action"), *note = json_get_string(line, "note");
	const char *src = strstr(line, "\"source\":{");
	char *kind = src ? json_get_string(src + 9, "kind") : NULL;

	printf("%-30s  policy %-8s %s generation=%llu source=%s", e->time_str,
	       action ? action : "?", json_get_true(line, "ok") ? "ok     " : "refused",
	       json_get_u64(line, "generation"), kind ? kind : "?");
	if (e->has_uid)
		printf(" uid=%llu", e->uid);
	if (note) {
		putchar(' ');
		cli_print_safe(note);
	}
	putchar('\n');
	free(action);
	free(note);
	free(kind);
}

/* A chain record: where the hash chain starts, resumes or continues after a rotation. */
/* embargod's "start" and "stop" records: what ran, with which policy, and how it ended. */
static void print_lifecycle_record(const struct emb_log_event *e, const char *line)
{
	static const char *const fields[] = { "version",     "tier",	      "mode",
					      "generation",  "policy_sha256", "reason",
					      "enforcement", "pin_dir" };

	printf("%-30s  %-5s", e->time_str, e->event);
	if (e->has_pid)
		printf("  pid=%llu", e->pid);
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		unsigned long long n;
		char *v = json_get_string(line, fields[i]);

		if (v && v[0]) {
			printf("  %s=", fields[i]);
			cli_print_safe(v);
		} else if (!v && json_get_number(line, fields[i], &n) == 0) {
			printf("  %s=%llu", fields[i], n);
		}
		free(v);
	}
	putchar('\n');
}

static void print_chain_record(const struct emb_log_event *e, const char *line)
{
	char *reason = json_get_string(line, "reason");
	unsigned long long seq = 0;

	cli_print_safe_padded(e->time_str, 30);
	printf("  chain  ");
	cli_print_safe_padded(reason ? reason : "?", 16);
	printf("  seq=");
	if (json_get_number(line, "seq", &seq) == 0)
		printf("%llu", seq);
	else
		printf("?");
	print_string_field(line, "previous_file");
	print_string_field(line, "broken_tail");
	putchar('\n');
	free(reason);
}

/* Another record (embargod's start, stop...): its kind, pid and what it says of itself. */
static void print_record(const struct emb_log_event *e, const char *line)
{
	static const char *const fields[] = { "version", "tier", "mode", "reason", "signal" };

	cli_print_safe_padded(e->time_str, 30);
	printf("  ");
	cli_print_safe_padded(e->event ? e->event : "?", 6);
	if (e->has_pid)
		printf("  pid=%llu", e->pid);
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
		print_string_field(line, fields[i]);
	putchar('\n');
}

static const struct option log_options[] = {
	{ "since", required_argument, NULL, 's' },
	{ "until", required_argument, NULL, 'u' },
	{ "key", required_argument, NULL, 'k' },
	{ "verdict", required_argument, NULL, 'v' },
	{ "path", required_argument, NULL, 'p' },
	{ "uid", required_argument, NULL, 'U' },
	{ "event", required_argument, NULL, 'e' },
	{ "would-deny", no_argument, NULL, 'W' },
	{ "summary", no_argument, NULL, 'S' },
	{ "follow", no_argument, NULL, 'f' },
	{ NULL, 0, NULL, 0 },
};

static int log_option(struct cli *cli, void *ctx, int c, const char *arg)
{
	struct log_query *q = ctx;
	const char *want = "";

	if (c == 'S') {
		q->summary = true;
		return 0;
	}
	if (c == 'f') {
		q->follow = true;
		return 0;
	}
	/* The filters are embargo report's too: one parser of their values, in the library. */
	for (const struct option *o = log_options; o->name; o++) {
		if (o->val != c)
			continue;
		if (emb_log_filter_set(&q->filter, o->name, arg, &want) < 0) {
			cli_error(cli, "log: --%s takes %s, not '%s'", o->name, want, arg);
			return -1;
		}
		return 0;
	}
	return -1;
}

static int parse_options(struct cli *cli, struct log_query *q, int argc, char **argv)
{
	int first = cli_parse_options(cli, argc, argv, log_usage, log_options, log_option, q);

	if (first < 0)
		return -EINVAL;
	if (argc - first > 1) {
		cli_error(cli, "log: one FILE at most ('%s')", argv[first + 1]);
		return -EINVAL;
	}
	if (first < argc && !strcmp(argv[first], "verify")) {
		cli_error(cli, "log: verify is a subcommand, first after 'log'; a file named so is "
			       "./verify");
		return -EINVAL;
	}
	if (q->follow && q->summary) {
		cli_error(cli, "log: --follow lists events as they come; --summary counts a whole "
			       "log: not both");
		return -EINVAL;
	}
	q->file = first < argc ? argv[first] : NULL;
	return 0;
}

static void print_counts_json(struct strbuf *sb, const struct emb_log_count *const *v, size_t n)
{
	sb_putc(sb, '[');
	for (size_t i = 0; i < n; i++) {
		struct json j;

		if (i)
			sb_putc(sb, ',');
		json_begin(&j, sb);
		if (v[i]->path)
			json_str(&j, "path", v[i]->path);
		json_str(&j, "key", v[i]->key);
		json_str(&j, "verdict", v[i]->verdict);
		json_u64(&j, "count", v[i]->count);
		json_end(&j);
	}
	sb_putc(sb, ']');
}

/* The would-deny object: {"events","paths","uids","top":[{"path","key","count","users"}...]}. */
static void print_would_deny_json(struct strbuf *sb, const struct emb_log_would_deny *w,
				  const struct emb_log_count *const *top, size_t n_top)
{
	struct json j;

	json_begin(&j, sb);
	json_u64(&j, "events", w->events);
	json_u64(&j, "paths", w->paths.n);
	json_u64(&j, "uids", w->uids.n);
	json_raw(&j, "top", ""); /* the name; its array is written right after it */
	sb_putc(sb, '[');
	for (size_t i = 0; i < n_top; i++) {
		struct json jr;

		if (i)
			sb_putc(sb, ',');
		json_begin(&jr, sb);
		json_str(&jr, "path", top[i]->path);
		json_str(&jr, "key", top[i]->key);
		json_u64(&jr, "count", top[i]->count);
		json_u64(&jr, "users", top[i]->users);
		json_end(&jr);
	}
	sb_putc(sb, ']');
	json_u64(&j, "other_paths", w->top.other);
	json_end(&j);
}

static const char *plural(uint64_t n)
{
	return n == 1 ? "" : "s";
}

/* What enforcing the policy would deny: the answer audit mode is run for. */
static void print_would_deny_text(const struct emb_log_would_deny *w,
				  const struct emb_log_count *const *top, size_t n_top)
{
	if (!w->events) {
		printf("\nwould be denied under enforce: nothing would be denied\n");
		return;
	}
	printf("\nwould be denied under enforce: %llu event%s, %zu path%s, %zu uid%s\n",
	       (unsigned long long)w->events, plural(w->events), w->paths.n, plural(w->paths.n),
	       w->uids.n, plural(w->uids.n));
	for (size_t i = 0; i < n_top; i++) {
		printf("  %8llu  users=%-5llu  ", (unsigned long long)top[i]->count,
		       (unsigned long long)top[i]->users);
		cli_print_safe_padded(top[i]->key, 16);
		printf("  ");
		cli_print_safe(top[i]->path);
		putchar('\n');
	}
	if (w->top.other)
		printf("  %8llu  other paths (too many to track)\n",
		       (unsigned long long)w->top.other);
}

static int print_summary(const struct cli *cli, const struct emb_log_summary *s)
{
	const struct emb_log_count **verdicts = NULL, **keys = NULL, **paths = NULL, **wd = NULL;
	size_t n_verdicts, n_keys, n_paths, n_wd;
	int r;

	r = emb_log_tally_sorted(&s->by_verdict, 0, &verdicts, &n_verdicts);
	if (!r)
		r = emb_log_tally_sorted(&s->by_key, 0, &keys, &n_keys);
	if (!r)
		r = emb_log_tally_sorted(&s->by_path, EMB_LOG_TOP_PATHS, &paths, &n_paths);
	if (!r)
		r = emb_log_tally_sorted(&s->would_deny.top, EMB_LOG_TOP_PATHS, &wd, &n_wd);
	if (r)
		goto out;
	if (cli->json) {
		struct strbuf sb = { 0 }, part = { 0 };
		struct json j, jv;

		json_begin(&j, &sb);
		json_u64(&j, "events", s->events);
		json_begin(&jv, &part);
		for (size_t i = 0; i < n_verdicts; i++)
			json_u64(&jv, verdicts[i]->verdict, verdicts[i]->count);
		json_end(&jv);
		json_raw(&j, "by_verdict", part.buf);
		sb_reset(&part);
		print_counts_json(&part, keys, n_keys);
		json_raw(&j, "by_key", part.buf);
		sb_reset(&part);
		print_counts_json(&part, paths, n_paths);
		json_raw(&j, "top_paths", part.buf);
		json_u64(&j, "other_keys", s->by_key.other);
		json_u64(&j, "other_paths", s->by_path.other);
		sb_reset(&part);
		print_would_deny_json(&part, &s->would_deny, wd, n_wd);
		json_raw(&j, "would_deny", part.buf);
		json_end(&j);
		if (sb.oom || part.oom)
			r = -ENOMEM;
		else
			printf("%s\n", sb.buf);
		sb_free(&sb);
		sb_free(&part);
		goto out;
	}
	printf("events: %llu\n", (unsigned long long)s->events);
	printf("\nby verdict:\n");
	for (size_t i = 0; i < n_verdicts; i++) {
		printf("  %8llu  ", (unsigned long long)verdicts[i]->count);
		cli_print_safe(verdicts[i]->verdict);
		putchar('\n');
	}
	printf("\nby key:\n");
	for (size_t i = 0; i < n_keys; i++) {
		printf("  %8llu  ", (unsigned long long)keys[i]->count);
		cli_print_safe_padded(keys[i]->verdict, 5);
		printf("  ");
		cli_print_safe(keys[i]->key);
		putchar('\n');
	}
	if (s->by_key.other)
		printf("  %8llu  other keys (too many to track)\n",
		       (unsigned long long)s->by_key.other);
	printf("\ntop paths:\n");
	for (size_t i = 0; i < n_paths; i++) {
		printf("  %8llu  ", (unsigned long long)paths[i]->count);
		cli_print_safe_padded(paths[i]->verdict, 5);
		printf("  ");
		cli_print_safe_padded(paths[i]->key, 16);
		printf("  ");
		cli_print_safe(paths[i]->path);
		putchar('\n');
	}
	if (s->by_path.other)
		printf("  %8llu  other paths (too many to track)\n",
		       (unsigned long long)s->by_path.other);
	print_would_deny_text(&s->would_deny, wd, n_wd);
out:
	free(verdicts);
	free(keys);
	free(paths);
	free(wd);
	return r;
}

struct verify_options {
	const char *anchor; /* --anchor FILE */
	bool no_anchor, allow_continued, rotated;
};

static int verify_option(struct cli *cli, void *ctx, int c, const char *arg)
{
	struct verify_options *o = ctx;

	(void)cli;
	if (c == 'a')
		o->anchor = arg;
	else if (c == 'N')
		o->no_anchor = true;
	else if (c == 'C')
		o->allow_continued = true;
	else if (c == 'R')
		o->rotated = true;
	return 0;
}

static void strv_free(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* FILE's rotated set, oldest first: FILE.N ... FILE.1 as far as they run unbroken, then FILE. */
static int rotated_set(const char *file, char ***ret_v, size_t *ret_n)
{
	char path[PATH_MAX], **v;
	size_t n = 0;

	while (n < EMB_LOG_MAX_ROTATED) {
		if ((size_t)snprintf(path, sizeof(path), "%s.%zu", file, n + 1) >= sizeof(path) ||
		    access(path, F_OK) < 0)
			break;
		n++;
	}
	v = calloc(n + 1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		if (asprintf(&v[i], "%s.%zu", file, n - i) < 0) {
			v[i] = NULL;
			strv_free(v, i);
			return -ENOMEM;
		}
	}
	v[n] = strdup(file);
	if (!v[n]) {
		strv_free(v, n);
		return -ENOMEM;
	}
	*ret_v = v;
	*ret_n = n + 1;
	return 0;
}

static int print_verify_json(const struct emb_verify_report *rep, char *const *files, size_t n,
			     const char *anchor)
{
	struct strbuf sb = { 0 }, part = { 0 };
	struct json j, jp;
	int r = 0;

	json_begin(&j, &sb);
	json_bool(&j, "ok", rep->kind == EMB_VERIFY_OK);
	json_u64(&j, "records", rep->records);
	if (rep->has_seq) {
		json_u64(&j, "first_seq", rep->first_seq);
		json_u64(&j, "last_seq", rep->last_seq);
	}
	sb_putc(&part, '[');
	for (size_t i = 0; i < n; i++) {
		if (i)
			sb_putc(&part, ',');
		json_quote(&part, files[i], strlen(files[i]));
	}
	sb_putc(&part, ']');
	json_raw(&j, "files", part.buf);
	if (anchor) {
		json_str(&j, "anchor", anchor);
		json_bool(&j, "anchor_checked", rep->anchor_checked);
	} else {
		json_raw(&j, "anchor", "null");
	}
	json_bool(&j, "continued", rep->continued);
	json_u64(&j, "torn_lines", rep->torn_lines);
	json_u64(&j, "unsealed_lines", rep->unsealed_lines);
	if (rep->kind == EMB_VERIFY_OK) {
		json_raw(&j, "problem", "null");
	} else {
		sb_reset(&part);
		json_begin(&jp, &part);
		json_str(&jp, "file", rep->file);
		json_u64(&jp, "line", rep->line);
		if (rep->has_line_seq)
			json_u64(&jp, "seq", rep->seq);
		json_str(&jp, "kind", emb_verify_kind_name(rep->kind));
		json_str(&jp, "message", rep->message);
		json_end(&jp);
		json_raw(&j, "problem", part.buf);
	}
	json_end(&j);
	if (sb.oom || part.oom)
		r = -ENOMEM;
	else
		printf("%s\n", sb.buf);
	sb_free(&sb);
	sb_free(&part);
	return r;
}

static void print_verify_text(const struct emb_verify_report *rep, const char *anchor)
{
	if (rep->kind != EMB_VERIFY_OK) {
		fflush(stdout);
		if (rep->line)
			fprintf(stderr, "%s:%" PRIu64 ": %s\n", rep->file, rep->line, rep->message);
		else
			fprintf(stderr, "%s: %s\n", rep->file, rep->message);
		if (rep->kind == EMB_VERIFY_CONTINUED)
			fprintf(stderr, "embargo: log verify: older files rotated away? "
					"--allow-continued accepts that\n");
		return;
	}
	if (rep->has_seq)
		printf("OK: %" PRIu64 " records, seq %" PRIu64 "..%" PRIu64 ", chain intact\n",
		       rep->records, rep->first_seq, rep->last_seq);
	else
		printf("OK: 0 records\n");
	if (rep->continued)
		printf("note: seq %" PRIu64 " continues a chain from older files not given\n",
		       rep->first_seq);
	if (rep->torn_lines)
		printf("note: %" PRIu64 " torn line%s (a crash mid-write), declared by the restart "
		       "record after %s\n",
		       rep->torn_lines, rep->torn_lines == 1 ? "" : "s",
		       rep->torn_lines == 1 ? "it" : "each");
	if (rep->unsealed_lines)
		printf("note: %" PRIu64 " line%s before the chain began %s not sealed (an older "
		       "embargod's)\n",
		       rep->unsealed_lines, rep->unsealed_lines == 1 ? "" : "s",
		       rep->unsealed_lines == 1 ? "is" : "are");
	if (!anchor)
		printf("note: no anchor: records cut from the end would go unnoticed\n");
	else if (rep->anchor_checked)
		printf("anchor: %s: seq %" PRIu64 " matches\n", anchor, rep->anchor_seq);
	else
		printf("note: the anchor %s names seq %" PRIu64 ", before these files: not "
		       "checked\n",
		       anchor, rep->anchor_seq);
}

static int cmd_log_verify(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "anchor", required_argument, NULL, 'a' },
		{ "no-anchor", no_argument, NULL, 'N' },
		{ "allow-continued", no_argument, NULL, 'C' },
		{ "rotated", no_argument, NULL, 'R' },
		{ NULL, 0, NULL, 0 },
	};
	struct verify_options o = { 0 };
	struct emb_verify_report rep;
	char **files = NULL, anchor_buf[PATH_MAX], *daemon_log = NULL;
	const char *anchor = NULL;
	size_t n = 0;
	int first, r, ret = CLI_EXIT_FAIL;

	first = cli_parse_options(cli, argc, argv, verify_usage, opts, verify_option, &o);
	if (first < 0)
		return CLI_EXIT_USAGE;
	if (o.anchor && o.no_anchor) {
		cli_error(cli, "log verify: --anchor or --no-anchor, not both");
		return CLI_EXIT_USAGE;
	}
	if (o.rotated && argc - first > 1) {
		cli_error(cli, "log verify: --rotated takes one FILE, not %d", argc - first);
		return CLI_EXIT_USAGE;
	}
	if (first == argc || o.rotated) {
		r = rotated_set(first < argc ? argv[first] : cli_log_path(cli, &daemon_log), &files,
				&n);
	} else {
		r = 0;
		n = (size_t)(argc - first);
		files = calloc(n, sizeof(*files));
		for (size_t i = 0; files && i < n; i++)
			if (!(files[i] = strdup(argv[first + (int)i])))
				r = -ENOMEM;
		if (!files)
			r = -ENOMEM;
	}
	if (r < 0) {
		cli_error(cli, "log verify: %s", strerror(-r));
		goto out;
	}
	if (o.anchor) {
		anchor = o.anchor;
	} else if (!o.no_anchor) {
		/* The anchor lives beside the live log, the newest of the files. */
		if ((size_t)snprintf(anchor_buf, sizeof(anchor_buf), "%s.anchor", files[n - 1]) <
			    sizeof(anchor_buf) &&
		    access(anchor_buf, F_OK) == 0)
			anchor = anchor_buf;
	}
	r = emb_log_verify((const char *const *)files, n, anchor,
			   o.allow_continued ? EMB_VERIFY_ALLOW_CONTINUED : 0, &rep);
	if (r < 0) {
		cli_error(cli, "log verify: cannot read %s: %s", rep.file ? rep.file : "the log",
			  rep.message[0] ? rep.message : strerror(-r));
		goto out;
	}
	if (cli->json) {
		if (print_verify_json(&rep, files, n, anchor) < 0) {
			cli_error(cli, "log verify: %s", strerror(ENOMEM));
			goto out;
		}
	} else {
		print_verify_text(&rep, anchor);
	}
	ret = r == 0 ? CLI_EXIT_OK : CLI_EXIT_FAIL;
out:
	if (files)
		strv_free(files, n);
	free(daemon_log);
	return ret;
}

/* Where a query stands in the log: the line it read last, and what it found wrong. */
struct log_reader {
	const char *path;
	FILE *f;
	char *buf;
	unsigned long long lineno, n_bad, first_bad, n_listed;
};

/* Shows (or counts, with --summary) the well-formed line in R->buf that matched, as event E. */
static int show_line(struct cli *cli, struct log_query *q, struct log_reader *rd,
		     struct emb_log_summary *summary, const struct emb_log_event *e)
{
	int r = 0;

	if (q->summary)
		r = emb_log_summary_add(summary, e);
	else if (cli->json && q->follow)
		printf("%s\n", rd->buf); /* JSON Lines: an array would never end */
	else if (cli->json)
		printf("%s\n%s", rd->n_listed ? "," : "", rd->buf);
	else if (e->event && !strcmp(e->event, "chain"))
		print_chain_record(e, rd->buf);
	else if (e->event && !strcmp(e->event, "drop"))
		print_drop_record(e, rd->buf);
	else if (e->event && (!strcmp(e->event, "start") || !strcmp(e->event, "stop")))
		print_lifecycle_record(e, rd->buf);
	else if (e->event && !strcmp(e->event, "policy"))
		print_policy_record(e, rd->buf);
	else if (emb_log_event_is_record(e->event))
		print_record(e, rd->buf);
	else
		print_event(e);
	rd->n_listed++;
	return r;
}

/*
 * Reads RD's lines up to the end of its file. FOLLOW: a last line without its newline yet is
 * left for the next call, and each malformed line is reported as it comes. Returns 0 or -1
 * after saying why.
 */
static int read_lines(struct cli *cli, struct log_query *q, struct log_reader *rd,
		      struct emb_log_summary *summary)
{
	for (;;) {
		struct emb_log_event e;
		off_t at = ftello(rd->f);
		size_t len;
		int r;

		r = emb_log_read_line(rd->f, rd->buf, EMB_LOG_MAX_LINE + 1, &len);
		if (r == -ENOENT)
			return 0;
		if (r == -EIO) {
			cli_error(cli, "log: cannot read %s: %s", rd->path, strerror(EIO));
			return -1;
		}
		if (q->follow && feof(rd->f) && at >= 0) {
			/* embargod is still writing this line. */
			clearerr(rd->f);
			if (fseeko(rd->f, at, SEEK_SET) < 0) {
				cli_error(cli, "log: %s: %s", rd->path, strerror(errno));
				return -1;
			}
			return 0;
		}
		rd->lineno++;
		if (!r)
			r = emb_log_line_matches(rd->buf, len, &q->filter, &e);
		if (r == -ENOMEM) {
			cli_error(cli, "log: %s", strerror(ENOMEM));
			return -1;
		}
		if (r < 0) {
			if (!rd->n_bad++)
				rd->first_bad = rd->lineno;
			if (q->follow) {
				fflush(stdout);
				fprintf(stderr, "embargo: log: ");
				cli_fprint_safe(stderr, rd->path);
				fprintf(stderr, ":%llu: malformed line\n", rd->lineno);
			}
			continue;
		}
		if (!r)
			continue;
		/* Records (chain, drop, start...) decide nothing: listed only when asked for. */
		if (emb_log_event_listed(e.event, q->filter.event))
			r = show_line(cli, q, rd, summary, &e);
		emb_log_event_free(&e);
		if (r < 0) {
			cli_error(cli, "log: %s", strerror(-r));
			return -1;
		}
	}
}

/* Puts F at the start of its last line: where --follow begins when no --since says. */
static void seek_last_line_end(FILE *f)
{
	off_t end, at;

	if (fseeko(f, 0, SEEK_END) < 0 || (end = ftello(f)) <= 0)
		return;
	for (at = end - 1; at > 0 && end - at <= EMB_LOG_MAX_LINE + 1; at--) {
		if (fseeko(f, at, SEEK_SET) < 0)
			break;
		if (getc(f) == '\n') {
			fseeko(f, at + 1, SEEK_SET);
			return;
		}
	}
	rewind(f);
}

/* How long --follow waits before it looks at the log again. */
#define LOG_FOLLOW_POLL_MS 200

/*
 * Lists what RD's file gains, for ever: across rotations (when another file takes the name, the
 * rest of the old one is read first, then the new one from its start) and truncations.
 */
static int follow_log(struct cli *cli, struct log_query *q, struct log_reader *rd,
		      struct emb_log_summary *summary)
{
	bool rotated = false;

	for (;;) {
		struct stat now, ours;

		clearerr(rd->f); /* the end seen last time is no end now: read on */
		if (read_lines(cli, q, rd, summary) < 0)
			return -1;
		fflush(stdout);
		if (rotated) {
			FILE *f = fopen(rd->path, "re");

			if (f) {
				fclose(rd->f);
				rd->f = f;
				rd->lineno = 0;
				rotated = false;
				continue;
			}
		} else if (stat(rd->path, &now) == 0 && fstat(fileno(rd->f), &ours) == 0) {
			if (now.st_dev != ours.st_dev || now.st_ino != ours.st_ino) {
				/* Once more to the end of the old file: it may have grown since. */
				rotated = true;
				continue;
			}
			if (now.st_size < ftello(rd->f)) {
				rewind(rd->f);
				rd->lineno = 0;
				continue;
			}
		} else if (errno == ENOENT) {
			rotated = true; /* renamed: the new file comes soon */
		}
		poll(NULL, 0, LOG_FOLLOW_POLL_MS);
	}
}

int cmd_log(struct cli *cli, int argc, char **argv)
{
	struct log_query q = { 0 };
	struct log_reader rd = { 0 };
	struct emb_log_summary summary;
	char *daemon_log = NULL;
	int ret = CLI_EXIT_FAIL;

	/* Only right after 'log': a FILE is never mistaken for the subcommand, or it for a FILE. */
	if (argc > 1 && !strcmp(argv[1], "verify"))
		return cmd_log_verify(cli, argc - 1, argv + 1);
	if (parse_options(cli, &q, argc, argv) < 0)
		return CLI_EXIT_USAGE;
	emb_log_summary_init(&summary, 0);
	rd.path = q.file ? q.file : cli_log_path(cli, &daemon_log);
	rd.f = fopen(rd.path, "re");
	if (!rd.f) {
		cli_error(cli, "log: cannot open %s: %s", rd.path, strerror(errno));
		goto out;
	}
	rd.buf = malloc(EMB_LOG_MAX_LINE + 1);
	if (!rd.buf) {
		cli_error(cli, "log: %s", strerror(ENOMEM));
		goto out;
	}
	if (q.follow) {
		if (!q.filter.has_since)
			seek_last_line_end(rd.f);
		follow_log(cli, &q, &rd, &summary);
		goto out;
	}
	if (cli->json && !q.summary)
		printf("[");
	if (read_lines(cli, &q, &rd, &summary) < 0)
		goto out;
	if (cli->json && !q.summary)
		printf("%s]\n", rd.n_listed ? "\n" : "");
	if (q.summary && print_summary(cli, &summary) < 0) {
		cli_error(cli, "log: %s", strerror(ENOMEM));
		goto out;
	}
	if (rd.n_bad) {
		fflush(stdout);
		fprintf(stderr,
			"embargo: log: %s: %llu malformed line%s (not a JSON object with an RFC "
			"3339 \"time\", or over %d bytes), the first at line %llu\n",
			rd.path, rd.n_bad, rd.n_bad == 1 ? "" : "s", EMB_LOG_MAX_LINE,
			rd.first_bad);
		goto out;
	}
	ret = CLI_EXIT_OK;
out:
	if (rd.f)
		fclose(rd.f);
	free(rd.buf);
	free(daemon_log);
	emb_log_summary_free(&summary);
	return ret;
}
