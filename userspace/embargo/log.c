// SPDX-License-Identifier: GPL-2.0-only
/* embargo log: lists, filters and summarizes the audit log embargod writes; verifies its chain. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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
	"                   [--uid U] [--event E] [--would-deny] [--summary] [FILE]\n"
	"       embargo log verify [--json] [--anchor FILE | --no-anchor] [--allow-continued]\n"
	"                   [--rotated] [FILE...]\n"
	"Lists the events of the audit log (default " EMB_LOG_DEFAULT ") that match every\n"
	"filter given: --since/--until an RFC 3339 time (inclusive), --key exactly, --verdict\n"
	"deny|audit|allow, --path a shell glob on the path ('*' matches '/' too), --uid, --event\n"
	"exec|mmap|open|kill|chain|drop (chain records, where the hash chain starts or resumes,\n"
	"and drop records, events the kernel could not queue, are listed only when asked for),\n"
	"--would-deny only would-be denials (audit mode logs a deny rule's decision as audit,\n"
	"marked would-deny). --summary counts them by verdict, by key and the top paths\n"
	"instead, and says what enforcing would deny: the would-be denials, their distinct\n"
	"paths and uids, and the top paths with their users. Exits 1 when the log cannot be\n"
	"read or has malformed lines (the good ones are listed). 'embargo log verify --help'\n"
	"describes verify; a log file named 'verify' is ./verify.\n";

static const char verify_usage[] =
	"usage: embargo log verify [--json] [--anchor FILE | --no-anchor] [--allow-continued]\n"
	"                          [--rotated] [FILE...]\n"
	"Checks the audit log's hash chain: every line sealed with the seq and the SHA-256 of\n"
	"the line before it. The FILEs are one chain, oldest first; with none, the default log\n"
	"and its rotated files: " EMB_LOG_DEFAULT ".N ... .1, then itself (--rotated\n"
	"does this for the one FILE given).\n"
	"The anchor (default: the last FILE's .anchor, when there is one) holds the last record\n"
	"embargod synced: records cut from the end show only against it. --allow-continued\n"
	"accepts a first record that continues a chain from older files not given (rotated\n"
	"away). Prints OK and the records' seq range, or the first problem as FILE:LINE: what;\n"
	"exits 0 when the chain is intact, 1 when it is not or a file cannot be read.\n";

struct log_query {
	struct emb_log_filter filter;
	bool summary;
	const char *file;
};

static void print_event(const struct emb_log_event *e)
{
	printf("%-30s  %-5s  %-16s  uid=", e->time_str, e->verdict ? e->verdict : "?",
	       e->key ? e->key : "?");
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
	printf("%-30s  drop   %llu events the kernel could not queue (%llu since start)\n",
	       e->time_str, count, total);
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
static void print_chain_record(const struct emb_log_event *e, const char *line)
{
	char *reason = json_get_string(line, "reason");
	char *previous = json_get_string(line, "previous_file");
	char *broken = json_get_string(line, "broken_tail");
	unsigned long long seq = 0;

	printf("%-30s  chain  %-16s  seq=", e->time_str, reason ? reason : "?");
	if (json_get_number(line, "seq", &seq) == 0)
		printf("%llu", seq);
	else
		printf("?");
	if (previous) {
		printf("  previous_file=");
		cli_print_safe(previous);
	}
	if (broken) {
		printf("  broken_tail=");
		cli_print_safe(broken);
	}
	putchar('\n');
	free(reason);
	free(previous);
	free(broken);
}

static int log_option(struct cli *cli, void *ctx, int c, const char *arg)
{
	struct log_query *q = ctx;
	struct emb_log_filter *f = &q->filter;
	char *end;

	switch (c) {
	case 's':
	case 'u':
		if (emb_log_parse_time(arg, c == 's' ? &f->since : &f->until) < 0) {
			cli_error(cli,
				  "log: --%s '%s' is no RFC 3339 time "
				  "(like 2026-11-28T01:02:03Z)",
				  c == 's' ? "since" : "until", arg);
			return -1;
		}
		if (c == 's')
			f->has_since = true;
		else
			f->has_until = true;
		break;
	case 'k':
		f->key = arg;
		break;
	case 'v':
		if (strcmp(arg, "deny") && strcmp(arg, "audit") && strcmp(arg, "allow")) {
			cli_error(cli, "log: --verdict is deny, audit or allow, not '%s'", arg);
			return -1;
		}
		f->verdict = arg;
		break;
	case 'p':
		f->path_glob = arg;
		break;
	case 'U':
		errno = 0;
		f->uid = strtoull(arg, &end, 10);
		if (errno || !*arg || *end || *arg == '-' || f->uid > UINT32_MAX) {
			cli_error(cli, "log: --uid takes a number, not '%s'", arg);
			return -1;
		}
		f->has_uid = true;
		break;
	case 'e':
		if (strcmp(arg, "exec") && strcmp(arg, "mmap") && strcmp(arg, "open") &&
		    strcmp(arg, "kill") && strcmp(arg, "chain") && strcmp(arg, "drop") &&
		    strcmp(arg, "policy")) {
			cli_error(cli,
				  "log: --event is exec, mmap, open, kill, chain, drop or policy, "
				  "not '%s'",
				  arg);
			return -1;
		}
		f->event = arg;
		break;
	case 'S':
		q->summary = true;
		break;
	case 'W':
		f->would_deny = true;
		break;
	}
	return 0;
}

static int parse_options(struct cli *cli, struct log_query *q, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "since", required_argument, NULL, 's' },
		{ "until", required_argument, NULL, 'u' },
		{ "key", required_argument, NULL, 'k' },
		{ "verdict", required_argument, NULL, 'v' },
		{ "path", required_argument, NULL, 'p' },
		{ "uid", required_argument, NULL, 'U' },
		{ "event", required_argument, NULL, 'e' },
		{ "would-deny", no_argument, NULL, 'W' },
		{ "summary", no_argument, NULL, 'S' },
		{ NULL, 0, NULL, 0 },
	};
	int first = cli_parse_options(cli, argc, argv, log_usage, opts, log_option, q);

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
	q->file = first < argc ? argv[first] : EMB_LOG_DEFAULT;
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
		printf("  %8llu  users=%-5llu  %-16s  ", (unsigned long long)top[i]->count,
		       (unsigned long long)top[i]->users, top[i]->key);
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
	for (size_t i = 0; i < n_verdicts; i++)
		printf("  %8llu  %s\n", (unsigned long long)verdicts[i]->count,
		       verdicts[i]->verdict);
	printf("\nby key:\n");
	for (size_t i = 0; i < n_keys; i++)
		printf("  %8llu  %-5s  %s\n", (unsigned long long)keys[i]->count, keys[i]->verdict,
		       keys[i]->key);
	if (s->by_key.other)
		printf("  %8llu  other keys (too many to track)\n",
		       (unsigned long long)s->by_key.other);
	printf("\ntop paths:\n");
	for (size_t i = 0; i < n_paths; i++) {
		printf("  %8llu  %-5s  %-16s  ", (unsigned long long)paths[i]->count,
		       paths[i]->verdict, paths[i]->key);
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
	char **files = NULL, anchor_buf[PATH_MAX];
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
		r = rotated_set(first < argc ? argv[first] : EMB_LOG_DEFAULT, &files, &n);
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
	return ret;
}

int cmd_log(struct cli *cli, int argc, char **argv)
{
	struct log_query q = { 0 };
	struct emb_log_summary summary;
	unsigned long long lineno = 0, n_bad = 0, first_bad = 0, n_listed = 0;
	char *buf = NULL;
	FILE *f = NULL;
	int r, ret = CLI_EXIT_FAIL;

	/* Only right after 'log': a FILE is never mistaken for the subcommand, or it for a FILE. */
	if (argc > 1 && !strcmp(argv[1], "verify"))
		return cmd_log_verify(cli, argc - 1, argv + 1);
	if (parse_options(cli, &q, argc, argv) < 0)
		return CLI_EXIT_USAGE;
	emb_log_summary_init(&summary, 0);
	f = fopen(q.file, "re");
	if (!f) {
		cli_error(cli, "log: cannot open %s: %s", q.file, strerror(errno));
		goto out;
	}
	buf = malloc(EMB_LOG_MAX_LINE + 1);
	if (!buf) {
		cli_error(cli, "log: %s", strerror(ENOMEM));
		goto out;
	}
	if (cli->json && !q.summary)
		printf("[");
	for (;;) {
		struct emb_log_event e;
		size_t len;

		r = emb_log_read_line(f, buf, EMB_LOG_MAX_LINE + 1, &len);
		if (r == -ENOENT)
			break;
		if (r == -EIO) {
			cli_error(cli, "log: cannot read %s: %s", q.file, strerror(EIO));
			goto out;
		}
		lineno++;
		if (!r)
			r = emb_log_line_matches(buf, len, &q.filter, &e);
		if (r == -ENOMEM) {
			cli_error(cli, "log: %s", strerror(ENOMEM));
			goto out;
		}
		if (r < 0) {
			if (!n_bad++)
				first_bad = lineno;
			continue;
		}
		if (!r)
			continue;
		/* Chain, drop and policy records decide nothing: listed only when asked for. */
		if (e.event &&
		    (!strcmp(e.event, "chain") || !strcmp(e.event, "drop") ||
		     !strcmp(e.event, "policy")) &&
		    !(q.filter.event && !strcmp(q.filter.event, e.event))) {
			emb_log_event_free(&e);
			continue;
		}
		if (q.summary)
			r = emb_log_summary_add(&summary, &e);
		else if (cli->json)
			printf("%s\n%s", n_listed ? "," : "", buf);
		else if (e.event && !strcmp(e.event, "chain"))
			print_chain_record(&e, buf);
		else if (e.event && !strcmp(e.event, "drop"))
			print_drop_record(&e, buf);
		else if (e.event && !strcmp(e.event, "policy"))
			print_policy_record(&e, buf);
		else
			print_event(&e);
		n_listed++;
		emb_log_event_free(&e);
		if (r < 0) {
			cli_error(cli, "log: %s", strerror(-r));
			goto out;
		}
	}
	if (cli->json && !q.summary)
		printf("%s]\n", n_listed ? "\n" : "");
	if (q.summary && print_summary(cli, &summary) < 0) {
		cli_error(cli, "log: %s", strerror(ENOMEM));
		goto out;
	}
	if (n_bad) {
		fflush(stdout);
		fprintf(stderr,
			"embargo: log: %s: %llu malformed line%s (not a JSON object with an RFC "
			"3339 \"time\", or over %d bytes), the first at line %llu\n",
			q.file, n_bad, n_bad == 1 ? "" : "s", EMB_LOG_MAX_LINE, first_bad);
		goto out;
	}
	ret = CLI_EXIT_OK;
out:
	if (f)
		fclose(f);
	free(buf);
	emb_log_summary_free(&summary);
	return ret;
}
