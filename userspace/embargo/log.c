// SPDX-License-Identifier: GPL-2.0-only
/* embargo log: lists, filters and summarizes the audit log embargod writes. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "logquery.h"
#include "strbuf.h"

#define EMB_LOG_DEFAULT "/var/log/embargo/events.jsonl"

static const char log_usage[] =
	"usage: embargo log [--json] [--since T] [--until T] [--key K] [--verdict V] [--path "
	"GLOB]\n"
	"                   [--uid U] [--event E] [--summary] [FILE]\n"
	"Lists the events of the audit log (default " EMB_LOG_DEFAULT ") that match every\n"
	"filter given: --since/--until an RFC 3339 time (inclusive), --key exactly, --verdict\n"
	"deny|audit|allow, --path a shell glob on the path ('*' matches '/' too), --uid, --event\n"
	"exec|mmap|open|kill. --summary counts them by verdict, by key and the top paths instead.\n"
	"Exits 1 when the log cannot be read or has malformed lines (the good ones are listed).\n";

struct log_query {
	struct emb_log_filter filter;
	bool summary;
	const char *file;
};

/* Prints S for a terminal: control bytes of a path (which any user chooses) as \xNN. */
static void print_safe(const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c < 0x20 || c == 0x7f || c == '\\')
			printf("\\x%02x", c);
		else
			putchar(c);
	}
}

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
	print_safe(e->path ? e->path : "?");
	putchar('\n');
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
		    strcmp(arg, "kill")) {
			cli_error(cli, "log: --event is exec, mmap, open or kill, not '%s'", arg);
			return -1;
		}
		f->event = arg;
		break;
	case 'S':
		q->summary = true;
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

static int print_summary(const struct cli *cli, const struct emb_log_summary *s)
{
	const struct emb_log_count **verdicts = NULL, **keys = NULL, **paths = NULL;
	size_t n_verdicts, n_keys, n_paths;
	int r;

	r = emb_log_tally_sorted(&s->by_verdict, 0, &verdicts, &n_verdicts);
	if (!r)
		r = emb_log_tally_sorted(&s->by_key, 0, &keys, &n_keys);
	if (!r)
		r = emb_log_tally_sorted(&s->by_path, EMB_LOG_TOP_PATHS, &paths, &n_paths);
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
		print_safe(paths[i]->path);
		putchar('\n');
	}
	if (s->by_path.other)
		printf("  %8llu  other paths (too many to track)\n",
		       (unsigned long long)s->by_path.other);
out:
	free(verdicts);
	free(keys);
	free(paths);
	return r;
}

int cmd_log(struct cli *cli, int argc, char **argv)
{
	struct log_query q = { 0 };
	struct emb_log_summary summary;
	unsigned long long lineno = 0, n_bad = 0, first_bad = 0, n_listed = 0;
	char *buf = NULL;
	FILE *f = NULL;
	int r, ret = CLI_EXIT_FAIL;

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
		if (q.summary)
			r = emb_log_summary_add(&summary, &e);
		else if (cli->json)
			printf("%s\n%s", n_listed ? "," : "", buf);
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
