// SPDX-License-Identifier: GPL-2.0-only
/*
 * embargo report: the audit log as one self-contained HTML page for auditors: counts, a
 * timeline drawn here as inline SVG, and the most denied paths and keys. The page loads
 * nothing (no scripts, fonts or images) and says so in its Content-Security-Policy.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "json_read.h"
#include "logchain.h"
#include "logquery.h"
#include "ownership.h"
#include "strbuf.h"

static const char report_usage[] =
	"usage: embargo report --html FILE [--json] [--since T] [--until T] [--key K]\n"
	"                      [--verdict V] [--path GLOB] [--uid U] [--event E] [--would-deny]\n"
	"                      [LOG]\n"
	"       embargo report --json [filters] [LOG]\n"
	"Writes FILE, one self-contained HTML page on the events of the audit log (LOG, or the\n"
	"running embargod's, or " EMB_LOG_DEFAULT_PATH ") that match every filter given (those of\n"
	"'embargo log'): whether the log's hash chain is intact (as 'embargo log verify LOG'\n"
	"checks it, over the whole file), the policies (version, sha256) its records name,\n"
	"blocked binaries, denied opens and the would-be denials of audit mode apart, counts\n"
	"by verdict, event, host and user, a timeline, the most blocked binaries, denied\n"
	"opens and would-be denials, and the keys with most events. --json prints the same\n"
	"figures as one object (with --html once FILE is written; without it, FILE is not\n"
	"written). Exits 1 when LOG cannot be read or FILE cannot be written; malformed\n"
	"lines are skipped, counted in the report and on stderr, as is a broken chain.\n";

/* Rows in each table of the report. */
#define REPORT_TOP 20
/* Bars at most in the timeline: buckets grow (minute, hour, day...) until they fit. */
#define REPORT_MAX_BUCKETS 100
/* Keys listed for one path; more are summed up as "and others". */
#define REPORT_ROW_KEYS 3
/* Bytes of one string from the log shown: paths are at most PATH_MAX, log lines may lie. */
#define REPORT_MAX_SHOWN 4096

/* Verdicts in the order bars are stacked, bottom up. */
enum { V_DENY, V_AUDIT, V_ALLOW, V_OTHER, V_N };
static const char *const verdict_names[V_N] = { "deny", "audit", "allow", "other" };
static const char *const verdict_colors[V_N] = { "#c62828", "#f0a202", "#2e7d32", "#7b8794" };

enum { K_EXEC, K_MMAP, K_OPEN, K_KILL, K_OTHER, K_N };
static const char *const kind_names[K_N] = { "exec", "mmap", "open", "kill", "other" };

/*
 * What each event amounts to for an auditor: a binary kept from running (an exec or mmap
 * denied, a running one killed), an open denied, what audit mode let through but enforcing
 * would deny, an audit rule's record, or anything else (allowed, a refused tamper attempt).
 */
enum { C_BLOCKED, C_OPEN, C_WOULD, C_AUDIT, C_OTHER, C_N };
static const char *const class_ids[C_N] = { "blocked", "denied_opens", "would_deny", "audit",
					    "other" };
static const char *const class_titles[C_N] = { "blocked binaries", "denied opens",
					       "would-be denials", "audits", "other" };

/* Events counted under one name (a path or a key). */
struct report_row {
	char *name;
	uint64_t total, n[C_N];
	struct emb_log_time first, last;
	char *keys[REPORT_ROW_KEYS];
	size_t n_keys;
	bool more_keys;
};

/* Rows by name: open addressing on a row array, at most max rows. */
struct report_table {
	struct report_row *v;
	size_t n, cap, max;
	uint32_t *slots; /* index + 1 into v, 0 when free */
	size_t n_slots;
	uint64_t other; /* events under names that came after max distinct ones */
};

struct report_bucket {
	uint64_t n[V_N];
};

struct timeline {
	int64_t start, width; /* seconds since the epoch, UTC; both multiples of width */
	size_t n;
	char unit[32]; /* "2 minutes" */
	struct report_bucket *buckets;
	uint64_t counted;
};

/* What emb_log_verify() said of the whole file, the same check as 'embargo log verify LOG'. */
struct report_chain {
	int result; /* 0 intact, 1 broken (rep.kind says how), -errno not verified */
	struct emb_verify_report rep;
	char anchor[PATH_MAX]; /* LOG.anchor, "" when there is none */
	bool rotated;	       /* the file starts with a rotation's chain record */
};

struct report {
	struct emb_log_filter filter;
	const char *html_path, *log_path;
	uint64_t events, by_verdict[V_N], by_kind[K_N], by_class[C_N];
	uint64_t no_policy; /* decisions that name no policy */
	struct emb_log_time first, last;
	unsigned long long lines, n_bad, first_bad;
	off_t end; /* where the first pass stopped reading */
	/* Blocked binaries, denied opens and would-be denials by path; events by key, host, uid. */
	struct report_table paths, opens, would, keys, hosts, users;
	struct report_table policies; /* records by "SHA256 VERSION" of the policy they name */
	struct report_chain chain;
	struct timeline tl;
};

static const struct option report_options[] = {
	{ "html", required_argument, NULL, 'H' }, /* the rest are the filters of embargo log */
	{ "since", required_argument, NULL, 's' },
	{ "until", required_argument, NULL, 'u' },
	{ "key", required_argument, NULL, 'k' },
	{ "verdict", required_argument, NULL, 'v' },
	{ "path", required_argument, NULL, 'p' },
	{ "uid", required_argument, NULL, 'U' },
	{ "event", required_argument, NULL, 'e' },
	{ "would-deny", no_argument, NULL, 'W' },
	{ NULL, 0, NULL, 0 },
};

static int report_option(struct cli *cli, void *ctx, int c, const char *arg)
{
	struct report *rp = ctx;
	const char *want = "";

	if (c == 'H') {
		rp->html_path = arg;
		return 0;
	}
	for (const struct option *o = report_options; o->name; o++) {
		if (o->val != c)
			continue;
		if (emb_log_filter_set(&rp->filter, o->name, arg, &want) < 0) {
			cli_error(cli, "report: --%s takes %s, not '%s'", o->name, want, arg);
			return -1;
		}
		return 0;
	}
	return -1;
}

static int verdict_index(const char *verdict)
{
	for (int i = 0; i < V_OTHER; i++)
		if (verdict && !strcmp(verdict, verdict_names[i]))
			return i;
	return V_OTHER;
}

static int kind_index(const char *event)
{
	for (int i = 0; i < K_OTHER; i++)
		if (event && !strcmp(event, kind_names[i]))
			return i;
	return K_OTHER;
}

static int class_index(const struct emb_log_event *e)
{
	int v = verdict_index(e->verdict), k = kind_index(e->event);

	if (v == V_DENY)
		return k == K_EXEC || k == K_MMAP || k == K_KILL ? C_BLOCKED
		       : k == K_OPEN				 ? C_OPEN
								 : C_OTHER;
	if (e->would_deny)
		return C_WOULD;
	return v == V_AUDIT ? C_AUDIT : C_OTHER;
}

static int64_t floor_div(int64_t a, int64_t b)
{
	return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

static uint64_t name_hash(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3ULL;
	return h;
}

static int table_grow_slots(struct report_table *t)
{
	size_t n_slots = t->n_slots ? t->n_slots * 2 : 64;
	uint32_t *slots = calloc(n_slots, sizeof(*slots));

	if (!slots)
		return -ENOMEM;
	for (size_t i = 0; i < t->n; i++) {
		size_t at = name_hash(t->v[i].name) & (n_slots - 1);

		while (slots[at])
			at = (at + 1) & (n_slots - 1);
		slots[at] = (uint32_t)i + 1;
	}
	free(t->slots);
	t->slots = slots;
	t->n_slots = n_slots;
	return 0;
}

/* The row of NAME into *RET, made when new; *RET NULL when T is full. Returns 0 or -ENOMEM. */
static int table_row(struct report_table *t, const char *name, struct report_row **ret)
{
	struct report_row *row;
	size_t at;

	*ret = NULL;
	if (t->n_slots) {
		at = name_hash(name) & (t->n_slots - 1);
		for (; t->slots[at]; at = (at + 1) & (t->n_slots - 1)) {
			row = &t->v[t->slots[at] - 1];
			if (!strcmp(row->name, name)) {
				*ret = row;
				return 0;
			}
		}
	}
	if (t->n >= t->max)
		return 0;
	if ((t->n + 1) * 2 > t->n_slots && table_grow_slots(t) < 0)
		return -ENOMEM;
	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 32;
		struct report_row *v = realloc(t->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		t->v = v;
		t->cap = cap;
	}
	row = &t->v[t->n];
	*row = (struct report_row){ .name = strdup(name) };
	if (!row->name)
		return -ENOMEM;
	at = name_hash(name) & (t->n_slots - 1);
	while (t->slots[at])
		at = (at + 1) & (t->n_slots - 1);
	t->slots[at] = (uint32_t)++t->n;
	*ret = row;
	return 0;
}

/* Counts E under NAME in T, with its key when WITH_KEYS. Returns 0 or -ENOMEM. */
static int table_add(struct report_table *t, const char *name, const struct emb_log_event *e,
		     bool with_keys)
{
	const char *key = e->key ? e->key : "";
	struct report_row *row;
	int r = table_row(t, name, &row);

	if (r < 0)
		return r;
	if (!row) {
		t->other++;
		return 0;
	}
	if (!row->total || emb_log_time_cmp(&e->time, &row->first) < 0)
		row->first = e->time;
	if (!row->total || emb_log_time_cmp(&e->time, &row->last) > 0)
		row->last = e->time;
	row->total++;
	row->n[class_index(e)]++;
	if (!with_keys)
		return 0;
	for (size_t i = 0; i < row->n_keys; i++)
		if (!strcmp(row->keys[i], key))
			return 0;
	if (row->n_keys == REPORT_ROW_KEYS) {
		row->more_keys = true;
		return 0;
	}
	row->keys[row->n_keys] = strdup(key);
	if (!row->keys[row->n_keys])
		return -ENOMEM;
	row->n_keys++;
	return 0;
}

static void table_free(struct report_table *t)
{
	for (size_t i = 0; i < t->n; i++) {
		free(t->v[i].name);
		for (size_t k = 0; k < t->v[i].n_keys; k++)
			free(t->v[i].keys[k]);
	}
	free(t->v);
	free(t->slots);
	memset(t, 0, sizeof(*t));
}

static int row_cmp(const void *pa, const void *pb)
{
	const struct report_row *a = *(const struct report_row *const *)pa;
	const struct report_row *b = *(const struct report_row *const *)pb;

	if (a->total != b->total)
		return a->total > b->total ? -1 : 1;
	return strcmp(a->name, b->name);
}

/* Policies in the order they were first seen. */
static int row_first_cmp(const void *pa, const void *pb)
{
	const struct report_row *a = *(const struct report_row *const *)pa;
	const struct report_row *b = *(const struct report_row *const *)pb;
	int c = emb_log_time_cmp(&a->first, &b->first);

	return c ? c : strcmp(a->name, b->name);
}

/*
 * The rows of T sorted by CMP, at most LIMIT of them (0: all): a malloc'd array of pointers,
 * or NULL.
 */
static const struct report_row **table_sorted(const struct report_table *t,
					      int (*cmp)(const void *, const void *), size_t limit,
					      size_t *ret_n)
{
	const struct report_row **v = malloc((t->n ? t->n : 1) * sizeof(*v));

	if (!v)
		return NULL;
	for (size_t i = 0; i < t->n; i++)
		v[i] = &t->v[i];
	qsort(v, t->n, sizeof(*v), cmp);
	*ret_n = limit && t->n > limit ? limit : t->n;
	return v;
}

/* The at most REPORT_TOP rows of T with most events. */
static const struct report_row **table_top(const struct report_table *t, size_t *ret_n)
{
	return table_sorted(t, row_cmp, REPORT_TOP, ret_n);
}

/*
 * Counts the policy record LINE names, if any: the sha256 and version of the policy that made
 * a decision, or that a record about the daemon (a start, a reload) says is in force.
 */
static int report_add_policy(struct report *rp, const char *line, const struct emb_log_event *e,
			     bool decision)
{
	char *sha256 = json_get_string(line, "policy_sha256"), *name = NULL;
	int r = 0;

	if (!sha256) {
		rp->no_policy += decision;
		return 0;
	}
	if (asprintf(&name, "%s %llu", sha256, json_get_u64(line, "policy_version")) < 0) {
		name = NULL;
		r = -ENOMEM;
	} else {
		r = table_add(&rp->policies, name, e, false);
	}
	free(name);
	free(sha256);
	return r;
}

static int report_add(struct report *rp, const char *line, const struct emb_log_event *e)
{
	int c = class_index(e), r;
	char *host = json_get_string(line, "host"), uid[24] = "";

	if (!rp->events || emb_log_time_cmp(&e->time, &rp->first) < 0)
		rp->first = e->time;
	if (!rp->events || emb_log_time_cmp(&e->time, &rp->last) > 0)
		rp->last = e->time;
	rp->events++;
	rp->by_verdict[verdict_index(e->verdict)]++;
	rp->by_kind[kind_index(e->event)]++;
	rp->by_class[c]++;
	if (e->has_uid)
		snprintf(uid, sizeof(uid), "%llu", e->uid);
	r = table_add(&rp->keys, e->key ? e->key : "", e, false);
	if (!r)
		r = table_add(&rp->hosts, host ? host : "", e, false);
	if (!r)
		r = table_add(&rp->users, uid, e, false);
	if (!r && c == C_BLOCKED)
		r = table_add(&rp->paths, e->path ? e->path : "", e, true);
	if (!r && c == C_OPEN)
		r = table_add(&rp->opens, e->path ? e->path : "", e, true);
	if (!r && c == C_WOULD)
		r = table_add(&rp->would, e->path ? e->path : "", e, true);
	free(host);
	return r;
}

/* Buckets of WIDTH seconds from the one holding LO to the one holding HI. */
static int64_t bucket_count(int64_t lo, int64_t hi, int64_t width)
{
	return floor_div(hi, width) - floor_div(lo, width) + 1;
}

/* The smallest bucket that shows LO to HI in at most REPORT_MAX_BUCKETS bars. */
static void timeline_choose(struct timeline *tl, int64_t lo, int64_t hi)
{
	static const struct {
		int64_t width;
		const char *unit;
	} steps[] = {
		{ 60, "minute" },	{ 120, "2 minutes" },	{ 300, "5 minutes" },
		{ 600, "10 minutes" },	{ 900, "15 minutes" },	{ 1800, "30 minutes" },
		{ 3600, "hour" },	{ 7200, "2 hours" },	{ 10800, "3 hours" },
		{ 21600, "6 hours" },	{ 43200, "12 hours" },	{ 86400, "day" },
		{ 172800, "2 days" },	{ 604800, "7 days" },	{ 1209600, "14 days" },
		{ 2592000, "30 days" }, { 7776000, "90 days" },
	};
	int64_t width = 0;

	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		if (bucket_count(lo, hi, steps[i].width) <= REPORT_MAX_BUCKETS) {
			width = steps[i].width;
			snprintf(tl->unit, sizeof(tl->unit), "%s", steps[i].unit);
			break;
		}
	}
	if (!width) {
		/* Years of log: 365 days, doubled until they fit (RFC 3339 years end at 9999). */
		for (width = 365 * 86400LL; bucket_count(lo, hi, width) > REPORT_MAX_BUCKETS;)
			width *= 2;
		snprintf(tl->unit, sizeof(tl->unit), "%lld days", (long long)(width / 86400));
	}
	tl->width = width;
	tl->start = floor_div(lo, width) * width;
	tl->n = (size_t)bucket_count(lo, hi, width);
}

/* T as RFC 3339 in UTC, to the second, with its fraction when FRAC and it has one. */
static void format_time(int64_t sec, uint32_t nsec, bool frac, char *buf, size_t size)
{
	time_t t = (time_t)sec;
	struct tm tm;
	int n;

	if (!gmtime_r(&t, &tm)) {
		snprintf(buf, size, "?");
		return;
	}
	n = snprintf(buf, size, "%04d-%02d-%02dT%02d:%02d:%02d", tm.tm_year + 1900, tm.tm_mon + 1,
		     tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
	if (n < 0 || (size_t)n >= size)
		return;
	if (frac && nsec) {
		char digits[10];
		int len = snprintf(digits, sizeof(digits), "%09u", nsec);

		while (len > 1 && digits[len - 1] == '0')
			digits[--len] = '\0';
		snprintf(buf + n, size - (size_t)n, ".%sZ", digits);
	} else {
		snprintf(buf + n, size - (size_t)n, "Z");
	}
}

/* The length of the valid UTF-8 sequence at S, its code point into *RET_CP; 0 when invalid. */
static size_t utf8_sequence(const unsigned char *s, uint32_t *ret_cp)
{
	uint32_t cp = s[0], min;
	size_t n;

	if (cp < 0x80)
		n = 1, min = 0;
	else if ((cp & 0xe0) == 0xc0)
		n = 2, cp &= 0x1f, min = 0x80;
	else if ((cp & 0xf0) == 0xe0)
		n = 3, cp &= 0x0f, min = 0x800;
	else if ((cp & 0xf8) == 0xf0)
		n = 4, cp &= 0x07, min = 0x10000;
	else
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80) /* the terminating NUL stops here too */
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	*ret_cp = cp;
	return n;
}

/* Characters that would hide or reorder what is shown: direction marks, zero-width ones. */
static bool is_invisible(uint32_t cp)
{
	return (cp >= 0x80 && cp < 0xa0) || cp == 0x61c || (cp >= 0x200b && cp <= 0x200f) ||
	       (cp >= 0x2028 && cp <= 0x202e) || (cp >= 0x2060 && cp <= 0x2069) || cp == 0xfeff;
}

/*
 * Writes S (from the log: anyone may have chosen it) as HTML text. Markup characters become
 * entities; control bytes, backslashes and bytes that are no UTF-8 are shown as \xNN (as
 * 'embargo log' does), invisible and direction-changing characters as \uNNNN, each marked.
 */
static void html_text(struct strbuf *sb, const char *s)
{
	const unsigned char *p = (const unsigned char *)s, *stop = p + strlen(s);

	if (stop - p > REPORT_MAX_SHOWN)
		stop = p + REPORT_MAX_SHOWN;
	while (p < stop) {
		uint32_t cp = 0;
		size_t n = utf8_sequence(p, &cp);

		if (!n || cp < 0x20 || cp == 0x7f || cp == '\\') {
			sb_printf(sb, "<span class=\"esc\">\\x%02x</span>", *p);
			p++;
			continue;
		}
		if (is_invisible(cp))
			sb_printf(sb, "<span class=\"esc\">\\u%04x</span>", (unsigned)cp);
		else if (cp == '<')
			sb_puts(sb, "&lt;");
		else if (cp == '>')
			sb_puts(sb, "&gt;");
		else if (cp == '&')
			sb_puts(sb, "&amp;");
		else if (cp == '"')
			sb_puts(sb, "&quot;");
		else if (cp == '\'')
			sb_puts(sb, "&#39;");
		else
			sb_append(sb, p, n);
		p += n;
	}
	if (*stop)
		sb_printf(sb, "<span class=\"esc\">&#8230; (%zu bytes)</span>", strlen(s));
}

/* S as HTML text, or a grey "(none)" when empty. */
static void html_name(struct strbuf *sb, const char *s)
{
	if (*s)
		html_text(sb, s);
	else
		sb_puts(sb, "<span class=\"none\">(none)</span>");
}

static const char report_css[] =
	":root{color-scheme:light;font-family:system-ui,sans-serif;color:#1d2330;"
	"background:#f4f5f7}\n"
	"body{margin:0 auto;max-width:1120px;padding:20px 24px}\n"
	"h1{font-size:1.5em;margin:0 0 .4em}h2{font-size:1.15em;margin:.8em 0 .5em}\n"
	"dl.meta{display:grid;grid-template-columns:max-content 1fr;gap:.15em 1em;"
	"margin:0 0 .8em}\n"
	"dl.meta dt{color:#5b6472}dl.meta dd{margin:0;word-break:break-all}\n"
	".cards{display:flex;flex-wrap:wrap;gap:8px;margin:.3em 0}\n"
	".card{background:#fff;border:1px solid #dde1e7;border-radius:6px;padding:6px 14px;"
	"min-width:70px}\n"
	".card b{display:block;font-size:1.35em}.card.deny b{color:#c62828}"
	".card.audit b{color:#a86b00}\n"
	".note{background:#fff4ce;border:1px solid #e0c36a;padding:8px 12px;border-radius:6px}\n"
	".chain{padding:10px 14px;border-radius:6px;border:1px solid;margin:.4em 0 .8em}\n"
	".chain b#chain-state{text-transform:uppercase;letter-spacing:.04em}\n"
	".chain.intact{background:#e8f5e9;border-color:#81c784}"
	".chain.intact b#chain-state{color:#1b5e20}\n"
	".chain.broken{background:#fde7e9;border:2px solid #c62828;font-size:1.05em}"
	".chain.broken b#chain-state{color:#b71c1c}\n"
	".chain.unverified{background:#fff4ce;border-color:#e0c36a}\n"
	".cards.small{align-items:center;font-size:.85em}.cards.small>span{color:#5b6472;"
	"margin:0 2px 0 8px}.cards.small>span:first-child{margin-left:0}\n"
	".cards.small .card{padding:3px 10px;min-width:50px}.cards.small .card b{display:inline;"
	"font-size:1.1em;margin-right:.35em}\n"
	".card.blocked b,.card.denied_opens b{color:#c62828}.card.would_deny b{color:#a86b00}\n"
	"td.host,td.user{font-family:ui-monospace,monospace;overflow-wrap:break-word}\n"
	"td.sha256{font-family:ui-monospace,monospace;font-size:.85em;word-break:break-all}\n"
	"section>p{margin:.2em 0 .6em;color:#3b4350}\n"
	"th{font-size:.9em;color:#3b4350;background:#f7f8fa}\n"
	"td.num.blocked,td.num.denied_opens{color:#b71c1c}td.num.would_deny{color:#8a5a00}\n"
	"section{background:#fff;border:1px solid #dde1e7;border-radius:6px;padding:4px 16px 14px;"
	"margin-top:14px}\n"
	"svg{display:block;width:100%;height:auto}svg text{font:12px system-ui,sans-serif;"
	"fill:#3b4350}\n"
	"table{border-collapse:collapse;width:100%}caption{text-align:left;color:#5b6472;"
	"padding:0 0 .4em}\n"
	"th,td{text-align:left;padding:4px 8px;border-bottom:1px solid #e6e9ee;"
	"vertical-align:top}\n"
	"th.num,td.num{text-align:right;font-variant-numeric:tabular-nums}\n"
	"td.path{font-family:ui-monospace,monospace;word-break:break-all}\n"
	"td.key{font-family:ui-monospace,monospace;overflow-wrap:break-word}\n"
	"td.time{white-space:nowrap;font-variant-numeric:tabular-nums}\n"
	".esc{color:#c62828;background:#fde7e9;border-radius:2px}.none{color:#8a93a0;"
	"font-style:italic}\n"
	"footer{color:#5b6472;font-size:.85em;margin-top:14px}\n";

/* A policy's version, or "none" when its records name none (0). */
static void html_policy_version(struct strbuf *sb, unsigned long long version)
{
	if (version)
		sb_printf(sb, "%llu", version);
	else
		sb_puts(sb, "<span class=\"none\">none</span>");
}

/* A number with its label; its id is "GROUP-NAME". */
static void html_card(struct strbuf *sb, const char *cls, const char *group, const char *name,
		      const char *label, uint64_t n)
{
	sb_printf(sb, "<div class=\"card %s\" id=\"%s-%s\"><b>%llu</b>%s</div>\n", cls, group, name,
		  (unsigned long long)n, label);
}

/* The policy of the latest record that names one, or NULL. */
static const struct report_row *latest_policy(const struct report *rp)
{
	const struct report_row *latest = NULL;

	for (size_t i = 0; i < rp->policies.n; i++)
		if (!latest || emb_log_time_cmp(&rp->policies.v[i].last, &latest->last) >= 0)
			latest = &rp->policies.v[i];
	return latest;
}

/* Writes a policies row, named "SHA256 VERSION", as its version and its sha256 (in CODE). */
static void html_policy(struct strbuf *sb, const struct report_row *row, const char *between,
			bool code)
{
	const char *space = strrchr(row->name, ' ');
	char *sha256 = strndup(row->name, (size_t)(space - row->name));

	html_policy_version(sb, strtoull(space + 1, NULL, 10));
	sb_puts(sb, between);
	if (code)
		sb_puts(sb, "<code>");
	if (sha256)
		html_text(sb, sha256);
	else
		sb->oom = true;
	if (code)
		sb_puts(sb, "</code>");
	free(sha256);
}

/* The chain's verdict: what an auditor must read first. */
static void html_chain(struct strbuf *sb, const struct report *rp)
{
	const struct report_chain *c = &rp->chain;
	const struct emb_verify_report *v = &c->rep;

	if (c->result < 0) {
		sb_puts(sb, "<p class=\"chain unverified\" id=\"chain\" role=\"status\">"
			    "Hash chain <b id=\"chain-state\">not verified</b>: cannot read ");
		html_text(sb, v->file ? v->file : rp->log_path);
		sb_puts(sb, ": ");
		html_text(sb, v->message);
		sb_puts(sb, ".</p>\n");
		return;
	}
	if (c->result > 0) {
		sb_puts(sb, "<p class=\"chain broken\" id=\"chain\" role=\"alert\">Hash chain "
			    "<b id=\"chain-state\">broken</b> at <span id=\"chain-where\">");
		html_text(sb, v->file);
		if (v->line)
			sb_printf(sb, ", line %llu", (unsigned long long)v->line);
		if (v->has_line_seq)
			sb_printf(sb, ", seq <b id=\"chain-seq\">%llu</b>",
				  (unsigned long long)v->seq);
		sb_puts(sb, "</span>: ");
		html_text(sb, v->message);
		sb_printf(sb,
			  ". %llu record%s verified before it. The log was changed after "
			  "embargod wrote it: do not trust the figures below past that point; "
			  "<code>embargo log verify</code> tells more.</p>\n",
			  (unsigned long long)v->records, v->records == 1 ? "" : "s");
		return;
	}
	sb_puts(sb, "<p class=\"chain intact\" id=\"chain\" role=\"status\">Hash chain "
		    "<b id=\"chain-state\">intact</b>: ");
	if (v->has_seq)
		sb_printf(sb, "<span id=\"chain-records\">%llu</span> record%s, seq %llu..%llu",
			  (unsigned long long)v->records, v->records == 1 ? "" : "s",
			  (unsigned long long)v->first_seq, (unsigned long long)v->last_seq);
	else
		sb_puts(sb, "<span id=\"chain-records\">0</span> records");
	if (v->continued)
		sb_puts(sb, ", continuing the chain of the file rotated before it (not read here)");
	if (v->torn_lines)
		sb_printf(sb, "; %llu torn line%s (a crash mid-write) declared by a restart",
			  (unsigned long long)v->torn_lines, v->torn_lines == 1 ? "" : "s");
	if (v->unsealed_lines)
		sb_printf(sb, "; %llu line%s before the chain began (an older embargod's)",
			  (unsigned long long)v->unsealed_lines, v->unsealed_lines == 1 ? "" : "s");
	if (!c->anchor[0]) {
		sb_puts(sb, "; no anchor beside the log, so records cut from its end would go "
			    "unnoticed");
	} else {
		sb_puts(sb, "; the anchor ");
		html_text(sb, c->anchor);
		if (v->anchor_checked)
			sb_printf(sb, " matches seq %llu", (unsigned long long)v->anchor_seq);
		else
			sb_printf(sb, " names seq %llu, before this file: not checked",
				  (unsigned long long)v->anchor_seq);
	}
	sb_puts(sb, ".</p>\n");
}

static void html_header(struct strbuf *sb, const struct report *rp)
{
	const struct emb_log_filter *f = &rp->filter;
	char a[64], b[64];
	bool any_filter = false;

	sb_puts(sb,
		"<header>\n<h1>embargo audit report</h1>\n<dl class=\"meta\">\n<dt>Log</dt><dd>");
	html_text(sb, rp->log_path);
	sb_puts(sb, "</dd>\n<dt>Events</dt><dd>");
	if (rp->events) {
		format_time(rp->first.sec, rp->first.nsec, true, a, sizeof(a));
		format_time(rp->last.sec, rp->last.nsec, true, b, sizeof(b));
		sb_printf(sb, "from <time>%s</time> to <time>%s</time>", a, b);
	} else {
		sb_puts(sb, "none match");
	}
	sb_puts(sb, "</dd>\n<dt>Filters</dt><dd>");
	if (f->has_since) {
		format_time(f->since.sec, f->since.nsec, true, a, sizeof(a));
		sb_printf(sb, "<code>--since %s</code> ", a);
		any_filter = true;
	}
	if (f->has_until) {
		format_time(f->until.sec, f->until.nsec, true, a, sizeof(a));
		sb_printf(sb, "<code>--until %s</code> ", a);
		any_filter = true;
	}
	const struct {
		const char *name, *value;
	} strings[] = {
		{ "key", f->key },
		{ "verdict", f->verdict },
		{ "path", f->path_glob },
		{ "event", f->event },
	};
	for (size_t i = 0; i < sizeof(strings) / sizeof(strings[0]); i++) {
		if (!strings[i].value)
			continue;
		sb_printf(sb, "<code>--%s ", strings[i].name);
		html_text(sb, strings[i].value);
		sb_puts(sb, "</code> ");
		any_filter = true;
	}
	if (f->has_uid) {
		sb_printf(sb, "<code>--uid %llu</code> ", f->uid);
		any_filter = true;
	}
	if (f->would_deny) {
		sb_puts(sb, "<code>--would-deny</code> ");
		any_filter = true;
	}
	if (!any_filter)
		sb_puts(sb, "none: every event of the log");
	sb_puts(sb, "</dd>\n<dt>Policy</dt><dd id=\"policy-latest\">");
	const struct report_row *latest = latest_policy(rp);
	if (latest) {
		sb_puts(sb, "version ");
		html_policy(sb, latest, ", sha256 ", true);
		sb_printf(sb, " (of the latest record naming one; %zu polic%s in all)",
			  rp->policies.n, rp->policies.n == 1 ? "y" : "ies");
	} else {
		sb_puts(sb, "<span class=\"none\">no record names one</span>");
	}
	format_time(time(NULL), 0, false, a, sizeof(a));
	sb_printf(sb, "</dd>\n<dt>Made</dt><dd><time>%s</time> by embargo report</dd>\n</dl>\n", a);
	html_chain(sb, rp);

	/* What happened first, then the same events by verdict and by event. */
	sb_puts(sb, "<div class=\"cards\" id=\"outcomes\">\n");
	html_card(sb, "total", "n", "events", "events", rp->events);
	for (int c = 0; c < C_N; c++)
		html_card(sb, class_ids[c], "n", class_ids[c], class_titles[c], rp->by_class[c]);
	sb_puts(sb, "</div>\n<div class=\"cards small\" id=\"counts\">\n<span>by verdict</span>\n");
	for (int v = 0; v < V_N; v++)
		if (v <= V_AUDIT || rp->by_verdict[v])
			html_card(sb, verdict_names[v], "verdict", verdict_names[v],
				  verdict_names[v], rp->by_verdict[v]);
	sb_puts(sb, "<span>by event</span>\n");
	for (int k = 0; k < K_N; k++)
		if (k != K_OTHER || rp->by_kind[k])
			html_card(sb, "kind", "event", kind_names[k], kind_names[k],
				  rp->by_kind[k]);
	sb_puts(sb, "</div>\n</header>\n");
	if (rp->n_bad)
		sb_printf(
			sb,
			"<p class=\"note\" id=\"malformed\" role=\"note\">%llu malformed line%s "
			"skipped (not a JSON object with an RFC 3339 \"time\", or over %d bytes), "
			"the first at line %llu.</p>\n",
			rp->n_bad, rp->n_bad == 1 ? " was" : "s were", EMB_LOG_MAX_LINE,
			rp->first_bad);
}

/* The chart's geometry, in the SVG's own units. */
#define SVG_W	 1000
#define SVG_H	 360
#define PLOT_L	 64
#define PLOT_R	 16
#define PLOT_T	 40
#define PLOT_B	 64
#define PLOT_W	 (SVG_W - PLOT_L - PLOT_R)
#define PLOT_H	 (SVG_H - PLOT_T - PLOT_B)
#define X_LABELS 10

/* A step of 1, 2 or 5 times a power of ten that reaches MAX in at most 5 steps. */
static uint64_t nice_step(uint64_t max)
{
	static const uint64_t mult[] = { 1, 2, 5 };

	for (uint64_t step = 1;; step *= 10)
		for (size_t i = 0; i < 3; i++)
			if (step * mult[i] * 5 >= max)
				return step * mult[i];
}

/* Every how many buckets a time is written below the axis: a round time when one fits. */
static int64_t label_every(const struct timeline *tl)
{
	static const int64_t rounds[] = { 60,	  120,	  300,	   600,	    900,    1200,  1800,
					  3600,	  7200,	  10800,   14400,   21600,  43200, 86400,
					  172800, 604800, 1209600, 2592000, 7776000 };

	for (size_t i = 0; i < sizeof(rounds) / sizeof(rounds[0]); i++)
		if (rounds[i] % tl->width == 0 &&
		    (int64_t)tl->n * tl->width / rounds[i] <= X_LABELS)
			return rounds[i] / tl->width;
	return ((int64_t)tl->n + X_LABELS - 1) / X_LABELS;
}

static double bar_y(uint64_t count, uint64_t top)
{
	return PLOT_T + PLOT_H - (double)count * PLOT_H / (double)top;
}

static void svg_x_labels(struct strbuf *sb, const struct timeline *tl, double slot)
{
	int64_t every = label_every(tl);
	char last_date[64] = "";

	for (size_t i = 0; i < tl->n; i++) {
		int64_t t = tl->start + (int64_t)i * tl->width;
		double x = PLOT_L + (double)i * slot;
		char when[64];

		/* Round times: their bucket's start is a multiple of every bucket widths. */
		if (floor_div(t, tl->width) % every)
			continue;
		format_time(t, 0, false, when, sizeof(when));
		when[10] = '\0'; /* the date; the time of day follows at when + 11 */
		sb_printf(sb,
			  "<line class=\"tick\" x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" "
			  "stroke=\"#8a93a0\"/>\n",
			  x, PLOT_T + PLOT_H, x, PLOT_T + PLOT_H + 5);
		if (tl->width >= 86400) {
			sb_printf(sb,
				  "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s</text>\n", x,
				  PLOT_T + PLOT_H + 18, when);
			continue;
		}
		sb_printf(sb, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%.5s", x,
			  PLOT_T + PLOT_H + 18, when + 11);
		if (strcmp(when, last_date))
			sb_printf(sb, "<tspan x=\"%.1f\" dy=\"14\">%s</tspan>", x, when);
		sb_puts(sb, "</text>\n");
		snprintf(last_date, sizeof(last_date), "%s", when);
	}
}

/* One bar per bucket, its verdicts stacked (deny at the bottom), each part a rect.bar. */
static void svg_bars(struct strbuf *sb, const struct timeline *tl, double slot, uint64_t top)
{
	double width = slot * 0.8 > 1 ? slot * 0.8 : 1;

	for (size_t i = 0; i < tl->n; i++) {
		const struct report_bucket *b = &tl->buckets[i];
		double x = PLOT_L + (double)i * slot + (slot - width) / 2;
		uint64_t total = 0, below = 0;
		char from[64], to[64];

		for (int v = 0; v < V_N; v++)
			total += b->n[v];
		if (!total)
			continue;
		format_time(tl->start + (int64_t)i * tl->width, 0, false, from, sizeof(from));
		format_time(tl->start + (int64_t)(i + 1) * tl->width, 0, false, to, sizeof(to));
		sb_printf(sb, "<g class=\"bucket\"><title>%s to %s: %llu event%s", from, to,
			  (unsigned long long)total, total == 1 ? "" : "s");
		for (int v = 0; v < V_N; v++)
			if (b->n[v])
				sb_printf(sb, ", %llu %s", (unsigned long long)b->n[v],
					  verdict_names[v]);
		sb_puts(sb, "</title>\n");
		for (int v = 0; v < V_N; v++) {
			double y0, y1;

			if (!b->n[v])
				continue;
			y0 = bar_y(below, top);
			below += b->n[v];
			y1 = bar_y(below, top);
			sb_printf(sb,
				  "<rect class=\"bar %s\" x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" "
				  "height=\"%.2f\" fill=\"%s\"/>\n",
				  verdict_names[v], x, y1, width, y0 - y1, verdict_colors[v]);
		}
		if (slot >= 18)
			sb_printf(sb,
				  "<text class=\"count\" x=\"%.2f\" y=\"%.2f\" "
				  "text-anchor=\"middle\">%llu</text>\n",
				  x + width / 2, bar_y(total, top) - 4, (unsigned long long)total);
		sb_puts(sb, "</g>\n");
	}
}

static void html_timeline(struct strbuf *sb, const struct report *rp)
{
	const struct timeline *tl = &rp->tl;
	uint64_t max = 0, step, top;
	double slot = tl->n ? (double)PLOT_W / (double)tl->n : 0;
	char from[64], to[64];
	int legend_x = PLOT_L;

	for (size_t i = 0; i < tl->n; i++) {
		uint64_t total = 0;

		for (int v = 0; v < V_N; v++)
			total += tl->buckets[i].n[v];
		if (total > max)
			max = total;
	}
	step = nice_step(max);
	top = max ? (max + step - 1) / step * step : step;

	sb_puts(sb, "<section>\n<h2>Timeline</h2>\n");
	sb_printf(sb,
		  "<svg id=\"timeline\" viewBox=\"0 0 %d %d\" role=\"img\" "
		  "aria-labelledby=\"timeline-title timeline-desc\">\n",
		  SVG_W, SVG_H);
	sb_printf(sb, "<title id=\"timeline-title\">Events per %s, by verdict</title>\n",
		  tl->n ? tl->unit : "time");
	sb_puts(sb, "<desc id=\"timeline-desc\">");
	if (tl->n) {
		format_time(tl->start, 0, false, from, sizeof(from));
		format_time(tl->start + (int64_t)tl->n * tl->width, 0, false, to, sizeof(to));
		sb_printf(sb, "%zu bars of %s each, from %s to %s (UTC); %llu events:", tl->n,
			  tl->unit, from, to, (unsigned long long)rp->events);
		for (int v = 0; v < V_N; v++)
			if (rp->by_verdict[v])
				sb_printf(sb, " %llu %s", (unsigned long long)rp->by_verdict[v],
					  verdict_names[v]);
		sb_printf(sb, "; at most %llu in one bar. The table below the chart lists them.",
			  (unsigned long long)max);
	} else {
		sb_puts(sb, "No events match.");
	}
	sb_puts(sb, "</desc>\n");

	for (int v = 0; v < V_N; v++) {
		if (!rp->by_verdict[v] && v > V_AUDIT)
			continue;
		sb_printf(sb,
			  "<rect class=\"legend\" x=\"%d\" y=\"12\" width=\"12\" height=\"12\" "
			  "fill=\"%s\"/><text x=\"%d\" y=\"22\">%s (%llu)</text>\n",
			  legend_x, verdict_colors[v], legend_x + 17, verdict_names[v],
			  (unsigned long long)rp->by_verdict[v]);
		legend_x += 130;
	}
	for (uint64_t c = 0; c <= top; c += step)
		sb_printf(sb,
			  "<line class=\"grid\" x1=\"%d\" y1=\"%.2f\" x2=\"%d\" y2=\"%.2f\" "
			  "stroke=\"#e3e6eb\"/><text x=\"%d\" y=\"%.2f\" "
			  "text-anchor=\"end\">%llu</text>\n",
			  PLOT_L, bar_y(c, top), SVG_W - PLOT_R, bar_y(c, top), PLOT_L - 8,
			  bar_y(c, top) + 4, (unsigned long long)c);
	sb_printf(sb,
		  "<text x=\"16\" y=\"%d\" text-anchor=\"middle\" transform=\"rotate(-90 16 %d)\">"
		  "events per %s</text>\n",
		  PLOT_T + PLOT_H / 2, PLOT_T + PLOT_H / 2, tl->n ? tl->unit : "bucket");
	if (tl->n) {
		svg_bars(sb, tl, slot, top);
		svg_x_labels(sb, tl, slot);
	} else {
		sb_printf(
			sb,
			"<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">No events match.</text>\n",
			PLOT_L + PLOT_W / 2, PLOT_T + PLOT_H / 2);
	}
	sb_printf(sb,
		  "<line class=\"axis\" x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" "
		  "stroke=\"#5b6472\"/>\n"
		  "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">time (UTC)</text>\n</svg>\n",
		  PLOT_L, PLOT_T + PLOT_H, SVG_W - PLOT_R, PLOT_T + PLOT_H, PLOT_L + PLOT_W / 2,
		  SVG_H - 6);

	/* The same numbers as text, for screen readers and for copying. */
	sb_printf(sb,
		  "<details><summary>Events per %s</summary>\n<table id=\"timeline-data\">\n"
		  "<thead><tr><th>from (UTC)</th>",
		  tl->n ? tl->unit : "bucket");
	for (int v = 0; v < V_N; v++)
		sb_printf(sb, "<th class=\"num\">%s</th>", verdict_names[v]);
	sb_puts(sb, "<th class=\"num\">events</th></tr></thead>\n<tbody>\n");
	for (size_t i = 0; i < tl->n; i++) {
		uint64_t total = 0;

		format_time(tl->start + (int64_t)i * tl->width, 0, false, from, sizeof(from));
		sb_printf(sb, "<tr><td class=\"time\">%s</td>", from);
		for (int v = 0; v < V_N; v++) {
			total += tl->buckets[i].n[v];
			sb_printf(sb, "<td class=\"num\">%llu</td>",
				  (unsigned long long)tl->buckets[i].n[v]);
		}
		sb_printf(sb, "<td class=\"num\">%llu</td></tr>\n", (unsigned long long)total);
	}
	sb_puts(sb, "</tbody>\n</table>\n</details>\n</section>\n");
}

static void html_time_cells(struct strbuf *sb, const struct report_row *row)
{
	char first[64], last[64];

	format_time(row->first.sec, row->first.nsec, false, first, sizeof(first));
	format_time(row->last.sec, row->last.nsec, false, last, sizeof(last));
	sb_printf(sb, "<td class=\"time\">%s</td><td class=\"time\">%s</td>", first, last);
}

/* The class counts of ROW as cells, in the order of class_titles. */
static void html_class_cells(struct strbuf *sb, const struct report_row *row)
{
	for (int c = 0; c < C_N; c++)
		sb_printf(sb, "<td class=\"num %s\">%llu</td>", class_ids[c],
			  (unsigned long long)row->n[c]);
}

static void html_class_heads(struct strbuf *sb)
{
	for (int c = 0; c < C_N; c++)
		sb_printf(sb, "<th class=\"num\">%s</th>", class_titles[c]);
}

/* The paths of T (one class of events) with most events, with their keys. */
static int html_top_paths(struct strbuf *sb, const struct report_table *t, const char *id,
			  const char *title, const char *note, const char *what, const char *count,
			  const char *none)
{
	const struct report_row **top;
	size_t n = 0;

	top = table_top(t, &n);
	if (!top)
		return -ENOMEM;
	sb_printf(sb, "<section>\n<h2>%s</h2>\n%s<table id=\"%s\">\n", title, note, id);
	sb_printf(sb, "<caption>The %zu path%s %s most often, of %zu", n, n == 1 ? "" : "s", what,
		  t->n);
	if (t->other)
		sb_printf(sb, " (and %llu events of paths past the first %zu, not tracked)",
			  (unsigned long long)t->other, t->max);
	sb_printf(sb,
		  ".</caption>\n<thead><tr><th class=\"num\">#</th><th>path</th>"
		  "<th class=\"num\">%s</th><th>key</th><th>first</th><th>last</th></tr>"
		  "</thead>\n<tbody>\n",
		  count);
	for (size_t i = 0; i < n; i++) {
		const struct report_row *row = top[i];

		sb_printf(sb, "<tr><td class=\"num\">%zu</td><td class=\"path\">", i + 1);
		html_name(sb, row->name);
		sb_printf(sb, "</td><td class=\"num\">%llu</td><td class=\"key\">",
			  (unsigned long long)row->total);
		for (size_t k = 0; k < row->n_keys; k++) {
			if (k)
				sb_puts(sb, ", ");
			html_name(sb, row->keys[k]);
		}
		if (row->more_keys)
			sb_puts(sb, ", <span class=\"none\">and others</span>");
		sb_puts(sb, "</td>");
		html_time_cells(sb, row);
		sb_puts(sb, "</tr>\n");
	}
	if (!n)
		sb_printf(sb, "<tr><td colspan=\"6\" class=\"none\">%s</td></tr>\n", none);
	sb_puts(sb, "</tbody>\n</table>\n</section>\n");
	free(top);
	return 0;
}

/* The name of UID on the machine the report is made on, or NULL. */
static const char *user_name(const char *uid)
{
	struct passwd *pw;
	char *end;
	unsigned long long n;

	errno = 0;
	n = strtoull(uid, &end, 10);
	if (!*uid || *end || errno || n >= (uid_t)-1)
		return NULL;
	pw = getpwuid((uid_t)n);
	return pw ? pw->pw_name : NULL;
}

/* Events of T by host (USERS false) or by uid, each with its classes. */
static int html_breakdown(struct strbuf *sb, const struct report_table *t, bool users)
{
	const char *what = users ? "user" : "host";
	const struct report_row **top;
	size_t n = 0;

	top = table_sorted(t, row_cmp, 0, &n);
	if (!top)
		return -ENOMEM;
	sb_printf(sb, "<section>\n<h2>By %s</h2>\n<table id=\"by-%s\">\n<caption>", what, what);
	if (users)
		sb_printf(sb,
			  "The %zu uid%s of the processes in the events, most events first; "
			  "names are those this machine gives the uids, and may differ on the "
			  "host that logged them",
			  n, n == 1 ? "" : "s");
	else
		sb_printf(sb, "The %zu host%s the events come from, most events first", n,
			  n == 1 ? "" : "s");
	if (t->other)
		sb_printf(sb, " (and %llu events of %ss past the first %zu, not tracked)",
			  (unsigned long long)t->other, what, t->max);
	sb_puts(sb, ".</caption>\n<thead><tr>");
	if (users)
		sb_puts(sb, "<th class=\"num\">uid</th><th>name</th>");
	else
		sb_puts(sb, "<th>host</th>");
	sb_puts(sb, "<th class=\"num\">events</th>");
	html_class_heads(sb);
	sb_puts(sb, "<th>first</th><th>last</th></tr></thead>\n<tbody>\n");
	for (size_t i = 0; i < n; i++) {
		const struct report_row *row = top[i];

		if (users) {
			const char *name = user_name(row->name);

			sb_puts(sb, "<tr><td class=\"num uid\">");
			html_name(sb, row->name);
			sb_puts(sb, "</td><td class=\"user\">");
			if (name)
				html_text(sb, name);
			else
				sb_puts(sb, "<span class=\"none\">unknown here</span>");
		} else {
			sb_puts(sb, "<tr><td class=\"host\">");
			html_name(sb, row->name);
		}
		sb_printf(sb, "</td><td class=\"num events\">%llu</td>",
			  (unsigned long long)row->total);
		html_class_cells(sb, row);
		html_time_cells(sb, row);
		sb_puts(sb, "</tr>\n");
	}
	if (!n)
		sb_printf(sb, "<tr><td colspan=\"%d\" class=\"none\">No events.</td></tr>\n",
			  C_N + (users ? 5 : 4));
	sb_puts(sb, "</tbody>\n</table>\n</section>\n");
	free(top);
	return 0;
}

/* The policies the records name, in the order they were first seen. */
static int html_policies(struct strbuf *sb, const struct report *rp)
{
	const struct report_row **v;
	size_t n = 0;

	v = table_sorted(&rp->policies, row_first_cmp, 0, &n);
	if (!v)
		return -ENOMEM;
	sb_printf(sb,
		  "<section>\n<h2>Policies</h2>\n<table id=\"policies\">\n<caption>The %zu "
		  "polic%s the records name (by the version line and sha256 embargod loaded), in "
		  "the order first seen",
		  n, n == 1 ? "y" : "ies");
	if (rp->no_policy)
		sb_printf(sb, "; %llu event%s name%s none", (unsigned long long)rp->no_policy,
			  rp->no_policy == 1 ? "" : "s", rp->no_policy == 1 ? "s" : "");
	if (rp->policies.other)
		sb_printf(sb, " (and %llu records of policies past the first %zu, not tracked)",
			  (unsigned long long)rp->policies.other, rp->policies.max);
	sb_puts(sb, ".</caption>\n<thead><tr><th class=\"num\">version</th><th>sha256</th>"
		    "<th class=\"num\">records</th><th>first</th><th>last</th></tr></thead>\n"
		    "<tbody>\n");
	for (size_t i = 0; i < n; i++) {
		sb_puts(sb, "<tr><td class=\"num version\">");
		html_policy(sb, v[i], "</td><td class=\"sha256\">", false);
		sb_printf(sb, "</td><td class=\"num\">%llu</td>", (unsigned long long)v[i]->total);
		html_time_cells(sb, v[i]);
		sb_puts(sb, "</tr>\n");
	}
	if (!n)
		sb_puts(sb, "<tr><td colspan=\"5\" class=\"none\">No record names a policy.</td>"
			    "</tr>\n");
	sb_puts(sb, "</tbody>\n</table>\n</section>\n");
	free(v);
	return 0;
}

static int html_top_keys(struct strbuf *sb, const struct report *rp)
{
	const struct report_row **top;
	size_t n = 0;

	top = table_top(&rp->keys, &n);
	if (!top)
		return -ENOMEM;
	sb_puts(sb, "<section>\n<h2>Top keys</h2>\n<table id=\"top-keys\">\n");
	sb_printf(sb, "<caption>The %zu key%s with most events, of %zu", n, n == 1 ? "" : "s",
		  rp->keys.n);
	if (rp->keys.other)
		sb_printf(sb, " (and %llu events of keys past the first %zu, not tracked)",
			  (unsigned long long)rp->keys.other, rp->keys.max);
	sb_puts(sb, ".</caption>\n<thead><tr><th class=\"num\">#</th><th>key</th>"
		    "<th class=\"num\">events</th>");
	html_class_heads(sb);
	sb_puts(sb, "<th>first</th><th>last</th></tr></thead>\n<tbody>\n");
	for (size_t i = 0; i < n; i++) {
		const struct report_row *row = top[i];

		sb_printf(sb, "<tr><td class=\"num\">%zu</td><td class=\"key\">", i + 1);
		html_name(sb, row->name);
		sb_printf(sb, "</td><td class=\"num\">%llu</td>", (unsigned long long)row->total);
		html_class_cells(sb, row);
		html_time_cells(sb, row);
		sb_puts(sb, "</tr>\n");
	}
	if (!n)
		sb_printf(sb, "<tr><td colspan=\"%d\" class=\"none\">No events.</td></tr>\n",
			  C_N + 5);
	sb_puts(sb, "</tbody>\n</table>\n</section>\n");
	free(top);
	return 0;
}

/* Marks a page as embargo's: only such a page is ever replaced by another report. */
#define REPORT_GENERATOR "<meta name=\"generator\" content=\"embargo report\">"

static int html_page(struct strbuf *sb, const struct report *rp)
{
	int r;

	/* Nothing on the page may load anything or run: CSP says so to the browser too. */
	sb_puts(sb, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
		    "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
		    "style-src 'unsafe-inline'\">\n"
		    "<meta name=\"viewport\" content=\"width=device-width, "
		    "initial-scale=1\">\n" REPORT_GENERATOR "\n"
		    "<title>embargo audit report: ");
	html_text(sb, rp->log_path);
	sb_printf(sb, "</title>\n<style>\n%s</style>\n</head>\n<body>\n", report_css);
	html_header(sb, rp);
	html_timeline(sb, rp);
	r = html_top_paths(sb, &rp->paths, "top-binaries", "Top blocked binaries",
			   "<p>Programs kept from running: an exec or an executable mmap denied, "
			   "or a running process killed.</p>\n",
			   "blocked", "blocked", "No binary was blocked.");
	if (!r)
		r = html_top_paths(
			sb, &rp->opens, "top-opens", "Top denied opens",
			"<p>Files an <code>open</code> rule kept from being opened.</p>\n",
			"denied opening", "denied", "No open was denied.");
	if (!r)
		r = html_top_paths(
			sb, &rp->would, "top-would-deny", "Would-be denials (audit mode)",
			"<p class=\"note\">Audit mode let these through: enforcing the policy "
			"would deny them. They are not counted as denials above.</p>\n",
			"that would be denied", "would be denied", "Nothing would be denied.");
	if (!r)
		r = html_breakdown(sb, &rp->hosts, false);
	if (!r)
		r = html_breakdown(sb, &rp->users, true);
	if (!r)
		r = html_policies(sb, rp);
	if (!r)
		r = html_top_keys(sb, rp);
	sb_puts(sb, "<footer>Made by <code>embargo report</code> from the audit log alone. "
		    "Times are UTC; text from the log is shown as written, with control bytes, "
		    "backslashes and bytes that are no UTF-8 as <span class=\"esc\">\\xNN</span> "
		    "and invisible characters as <span class=\"esc\">\\uNNNN</span>. Blocked "
		    "binaries are execs and mmaps denied and running programs killed; denied "
		    "opens are apart; would-be denials are what audit mode let through.</footer>\n"
		    "</body>\n</html>\n");
	if (!r && sb->oom)
		r = -ENOMEM;
	return r;
}

static bool is_report_head(const char *head, size_t len)
{
	(void)len;
	return !strncmp(head, "<!DOCTYPE html>", 15) && strstr(head, REPORT_GENERATOR);
}

/*
 * Writes LEN bytes at DATA to PATH through a temporary file beside it, renamed over PATH once
 * whole: a reader never sees half a report. The file's mode is 0666 less the umask. What is
 * at PATH is replaced only when it is an earlier report.
 */
static int write_whole_file(const char *path, const char *data, size_t len, char *err,
			    size_t errlen)
{
	const char *slash = strrchr(path, '/'), *base = slash ? slash + 1 : path;
	char tmp[PATH_MAX];
	char why[256];
	mode_t mask;
	int fd, r = 0;

	r = emb_replace_check(path, is_report_head, "a report of embargo report", why, sizeof(why));
	if (r) {
		snprintf(err, errlen, "%s: %s", path, why);
		return r;
	}
	if (snprintf(tmp, sizeof(tmp), "%.*s.%s.XXXXXX", slash ? (int)(slash - path + 1) : 0, path,
		     base) >= (int)sizeof(tmp)) {
		snprintf(err, errlen, "%s: %s", path, strerror(ENAMETOOLONG));
		return -ENAMETOOLONG;
	}
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0) {
		r = -errno;
		snprintf(err, errlen, "cannot create %s: %s", tmp, strerror(-r));
		return r;
	}
	mask = umask(0);
	umask(mask);
	if (fchmod(fd, 0666 & ~mask) < 0)
		r = -errno;
	while (!r && len) {
		ssize_t n = write(fd, data, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = -errno;
		} else {
			data += n;
			len -= (size_t)n;
		}
	}
	if (!r && fsync(fd) < 0)
		r = -errno;
	if (close(fd) < 0 && !r)
		r = -errno;
	if (!r && rename(tmp, path) < 0)
		r = -errno;
	if (r) {
		snprintf(err, errlen, "cannot write %s: %s", path, strerror(-r));
		unlink(tmp);
	}
	return r;
}

/* Whether LINE is the chain record that starts a rotated file, continuing an older one's chain. */
static bool is_rotation_record(const char *line)
{
	char *event = json_get_string(line, "event"), *reason = json_get_string(line, "reason");
	bool r = event && reason && !strcmp(event, "chain") && !strcmp(reason, "rotated");

	free(event);
	free(reason);
	return r;
}

/*
 * One pass over the log. The first counts the events and finds their range; the second puts
 * them in the timeline's buckets, reading the same lines again: no more than the first read,
 * a last line that has grown since cut back to what the first pass saw. Returns 0 or -1 after
 * saying what went wrong.
 */
static int report_pass(struct cli *cli, struct report *rp, FILE *f, char *buf, bool timeline)
{
	unsigned long long lineno = 0;
	off_t at = 0;
	int r;

	if (fseeko(f, 0, SEEK_SET) < 0) {
		cli_error(cli,
			  "report: cannot read %s from its start (a regular file is needed): %s",
			  rp->log_path, strerror(errno));
		return -1;
	}
	for (;;) {
		struct emb_log_event e = { 0 };
		size_t len;

		if (timeline && lineno == rp->lines)
			break;
		if (timeline && lineno + 1 == rp->lines)
			at = ftello(f);
		r = emb_log_read_line(f, buf, EMB_LOG_MAX_LINE + 1, &len);
		if (r == -ENOENT)
			break;
		if (r == -EIO) {
			cli_error(cli, "report: cannot read %s: %s", rp->log_path, strerror(EIO));
			return -1;
		}
		lineno++;
		if (timeline && lineno == rp->lines && at >= 0 && ftello(f) > rp->end &&
		    rp->end - at <= EMB_LOG_MAX_LINE && (off_t)len > rp->end - at) {
			len = (size_t)(rp->end - at);
			buf[len] = '\0';
			r = 0;
		}
		if (!r && !timeline && lineno == 1)
			rp->chain.rotated = is_rotation_record(buf);
		if (!r)
			r = emb_log_line_matches(buf, len, &rp->filter, &e);
		if (r > 0 && !timeline)
			r = report_add_policy(rp, buf, &e, e.verdict != NULL) < 0 ? -ENOMEM : 1;
		if (r == -ENOMEM) {
			cli_error(cli, "report: %s", strerror(ENOMEM));
			return -1;
		}
		if (r < 0) {
			if (!timeline && !rp->n_bad++)
				rp->first_bad = lineno;
			continue;
		}
		/* Records (the log's chain, kernel drops...) are no decisions: only when asked for. */
		if (r && !emb_log_event_listed(e.event, rp->filter.event))
			r = 0;
		if (!r) {
			emb_log_event_free(&e);
			continue;
		}
		if (timeline) {
			int64_t i = floor_div(e.time.sec - rp->tl.start, rp->tl.width);

			i = i < 0 ? 0 : i >= (int64_t)rp->tl.n ? (int64_t)rp->tl.n - 1 : i;
			if (rp->tl.n) {
				rp->tl.buckets[i].n[verdict_index(e.verdict)]++;
				rp->tl.counted++;
			}
		} else {
			r = report_add(rp, buf, &e);
		}
		emb_log_event_free(&e);
		if (r < 0) {
			cli_error(cli, "report: %s", strerror(-r));
			return -1;
		}
	}
	if (!timeline) {
		rp->lines = lineno;
		rp->end = ftello(f);
	}
	return 0;
}

static int report_timeline(struct cli *cli, struct report *rp, FILE *f, char *buf)
{
	int64_t lo, hi;

	if (!rp->events)
		return 0;
	lo = rp->filter.has_since ? rp->filter.since.sec : rp->first.sec;
	hi = rp->filter.has_until ? rp->filter.until.sec : rp->last.sec;
	timeline_choose(&rp->tl, lo, hi);
	rp->tl.buckets = calloc(rp->tl.n, sizeof(*rp->tl.buckets));
	if (!rp->tl.buckets) {
		cli_error(cli, "report: %s", strerror(ENOMEM));
		return -1;
	}
	if (report_pass(cli, rp, f, buf, true) < 0)
		return -1;
	if (rp->tl.counted != rp->events) {
		cli_error(cli, "report: %s changed while it was read (rotated?): try again",
			  rp->log_path);
		return -1;
	}
	return 0;
}

/*
 * Verifies the chain of the whole log with its anchor, as 'embargo log verify LOG' does. A file
 * that starts with a rotation's record continues the chain of the file before it, which the
 * report does not read: that alone is no break.
 */
static int report_verify_chain(struct cli *cli, struct report *rp)
{
	struct report_chain *c = &rp->chain;
	const char *const paths[] = { rp->log_path };
	const char *anchor = NULL;

	if ((size_t)snprintf(c->anchor, sizeof(c->anchor), "%s.anchor", rp->log_path) <
		    sizeof(c->anchor) &&
	    access(c->anchor, F_OK) == 0)
		anchor = c->anchor;
	else
		c->anchor[0] = '\0';
	c->result = emb_log_verify(paths, 1, anchor, 0, &c->rep);
	if (c->result == 1 && c->rep.kind == EMB_VERIFY_CONTINUED && c->rotated)
		c->result = emb_log_verify(paths, 1, anchor, EMB_VERIFY_ALLOW_CONTINUED, &c->rep);
	if (c->result == -ENOMEM) {
		cli_error(cli, "report: %s", strerror(ENOMEM));
		return -1;
	}
	return 0;
}

static const char *chain_state(const struct report_chain *c)
{
	return c->result < 0 ? "unverified" : c->result ? "broken" : "intact";
}

/* The chain's result in one line: "broken at FILE, line L, seq S: MESSAGE". */
static void chain_summary(const struct report *rp, char *buf, size_t size)
{
	const struct emb_verify_report *v = &rp->chain.rep;
	char seq[32] = "";

	if (rp->chain.result < 0) {
		snprintf(buf, size, "not verified: cannot read %s: %s",
			 v->file ? v->file : rp->log_path, v->message);
	} else if (rp->chain.result) {
		if (v->has_line_seq)
			snprintf(seq, sizeof(seq), ", seq %llu", (unsigned long long)v->seq);
		snprintf(buf, size, "broken at %s, line %llu%s: %s", v->file,
			 (unsigned long long)v->line, seq, v->message);
	} else {
		snprintf(buf, size, "intact, %llu record%s", (unsigned long long)v->records,
			 v->records == 1 ? "" : "s");
	}
}

static void json_time(struct json *j, const char *name, const struct emb_log_time *t)
{
	char buf[64];

	format_time(t->sec, t->nsec, true, buf, sizeof(buf));
	json_str(j, name, buf);
}

enum rows_kind { ROWS_PATHS, ROWS_KEYS, ROWS_HOSTS, ROWS_USERS, ROWS_POLICIES };

/* Rows of T as the JSON array NAME of J: the REPORT_TOP first for paths and keys, else all. */
static int json_rows(struct json *j, const char *name, const struct report_table *t,
		     enum rows_kind kind)
{
	struct strbuf arr = { 0 };
	const struct report_row **v;
	size_t n = 0;

	if (kind == ROWS_POLICIES)
		v = table_sorted(t, row_first_cmp, 0, &n);
	else
		v = table_sorted(t, row_cmp, kind <= ROWS_KEYS ? REPORT_TOP : 0, &n);
	if (!v)
		return -ENOMEM;
	sb_putc(&arr, '[');
	for (size_t i = 0; i < n; i++) {
		const struct report_row *row = v[i];
		struct json jr;

		if (i)
			sb_putc(&arr, ',');
		json_begin(&jr, &arr);
		if (kind == ROWS_POLICIES) {
			const char *space = strrchr(row->name, ' ');

			json_u64(&jr, "version", strtoull(space + 1, NULL, 10));
			json_strn(&jr, "sha256", row->name, (size_t)(space - row->name));
			json_u64(&jr, "records", row->total);
		} else if (kind == ROWS_USERS) {
			const char *user = user_name(row->name);

			json_raw(&jr, "uid", *row->name ? row->name : "null");
			if (user)
				json_str(&jr, "user", user);
			else
				json_raw(&jr, "user", "null");
		} else {
			json_str(&jr,
				 kind == ROWS_PATHS  ? "path"
				 : kind == ROWS_KEYS ? "key"
						     : "host",
				 row->name);
		}
		if (kind == ROWS_PATHS) {
			struct strbuf keys = { 0 };

			json_u64(&jr, "count", row->total);
			sb_putc(&keys, '[');
			for (size_t k = 0; k < row->n_keys; k++) {
				if (k)
					sb_putc(&keys, ',');
				json_quote(&keys, row->keys[k], strlen(row->keys[k]));
			}
			sb_putc(&keys, ']');
			json_raw(&jr, "keys", keys.buf);
			json_bool(&jr, "more_keys", row->more_keys);
			arr.oom |= keys.oom;
			sb_free(&keys);
		} else if (kind != ROWS_POLICIES) {
			json_u64(&jr, "events", row->total);
			for (int c = 0; c < C_N; c++)
				json_u64(&jr, class_ids[c], row->n[c]);
		}
		json_time(&jr, "first", &row->first);
		json_time(&jr, "last", &row->last);
		json_end(&jr);
	}
	sb_putc(&arr, ']');
	free(v);
	json_raw(j, name, arr.oom ? "[]" : arr.buf);
	if (arr.oom)
		j->sb->oom = true;
	sb_free(&arr);
	return 0;
}

/* The chain's result as the object "chain" of J, with the fields of 'embargo log verify'. */
static void json_chain(struct json *j, const struct report *rp)
{
	const struct report_chain *c = &rp->chain;
	const struct emb_verify_report *v = &c->rep;
	struct strbuf obj = { 0 }, part = { 0 };
	struct json jc, jp;

	json_begin(&jc, &obj);
	json_str(&jc, "state", chain_state(c));
	json_u64(&jc, "records", v->records);
	if (v->has_seq) {
		json_u64(&jc, "first_seq", v->first_seq);
		json_u64(&jc, "last_seq", v->last_seq);
	}
	if (c->anchor[0]) {
		json_str(&jc, "anchor", c->anchor);
		json_bool(&jc, "anchor_checked", v->anchor_checked);
	} else {
		json_raw(&jc, "anchor", "null");
	}
	json_bool(&jc, "continued", v->continued);
	json_u64(&jc, "torn_lines", v->torn_lines);
	json_u64(&jc, "unsealed_lines", v->unsealed_lines);
	if (c->result == 0) {
		json_raw(&jc, "problem", "null");
	} else {
		json_begin(&jp, &part);
		json_str(&jp, "file", v->file ? v->file : rp->log_path);
		if (c->result > 0) {
			json_u64(&jp, "line", v->line);
			if (v->has_line_seq)
				json_u64(&jp, "seq", v->seq);
			json_str(&jp, "kind", emb_verify_kind_name(v->kind));
		}
		json_str(&jp, "message", v->message);
		json_end(&jp);
		json_raw(&jc, "problem", part.oom ? "null" : part.buf);
	}
	json_end(&jc);
	json_raw(j, "chain", obj.oom || part.oom ? "null" : obj.buf);
	if (obj.oom || part.oom)
		j->sb->oom = true;
	sb_free(&obj);
	sb_free(&part);
}

/* The report's figures as one JSON object on stdout. Returns 0 or -ENOMEM. */
static int report_print_json(const struct report *rp)
{
	struct strbuf sb = { 0 }, part = { 0 };
	struct json j, jp;
	int r = 0;

	json_begin(&j, &sb);
	if (rp->html_path)
		json_str(&j, "file", rp->html_path);
	else
		json_raw(&j, "file", "null");
	json_u64(&j, "events", rp->events);
	json_u64(&j, "buckets", rp->tl.n);
	json_u64(&j, "malformed", rp->n_bad);
	json_str(&j, "log", rp->log_path);
	if (rp->events) {
		json_time(&j, "first", &rp->first);
		json_time(&j, "last", &rp->last);
	}
	for (int c = 0; c < C_N; c++)
		json_u64(&j, class_ids[c], rp->by_class[c]);
	json_begin(&jp, &part);
	for (int v = 0; v < V_N; v++)
		json_u64(&jp, verdict_names[v], rp->by_verdict[v]);
	json_end(&jp);
	json_raw(&j, "verdicts", part.buf ? part.buf : "{}");
	sb_reset(&part);
	json_begin(&jp, &part);
	for (int k = 0; k < K_N; k++)
		json_u64(&jp, kind_names[k], rp->by_kind[k]);
	json_end(&jp);
	json_raw(&j, "kinds", part.buf ? part.buf : "{}");
	json_chain(&j, rp);
	if (json_rows(&j, "policies", &rp->policies, ROWS_POLICIES) < 0 ||
	    json_rows(&j, "hosts", &rp->hosts, ROWS_HOSTS) < 0 ||
	    json_rows(&j, "users", &rp->users, ROWS_USERS) < 0 ||
	    json_rows(&j, "top_blocked", &rp->paths, ROWS_PATHS) < 0 ||
	    json_rows(&j, "top_denied_opens", &rp->opens, ROWS_PATHS) < 0 ||
	    json_rows(&j, "top_would_deny", &rp->would, ROWS_PATHS) < 0 ||
	    json_rows(&j, "top_keys", &rp->keys, ROWS_KEYS) < 0)
		sb.oom = true;
	json_u64(&j, "events_without_policy", rp->no_policy);
	json_end(&j);
	if (sb.oom || part.oom)
		r = -ENOMEM;
	else
		printf("%s\n", sb.buf);
	sb_free(&sb);
	sb_free(&part);
	return r;
}

int cmd_report(struct cli *cli, int argc, char **argv)
{
	struct report rp = { .log_path = EMB_LOG_DEFAULT_PATH };
	struct report_table *tables[] = { &rp.paths, &rp.opens, &rp.would,   &rp.keys,
					  &rp.hosts, &rp.users, &rp.policies };
	struct strbuf html = { 0 };
	char *buf = NULL, err[PATH_MAX + 256], chain[PATH_MAX + 512], *daemon_log = NULL;
	FILE *f = NULL;
	int first, ret = CLI_EXIT_FAIL;

	for (size_t i = 0; i < sizeof(tables) / sizeof(tables[0]); i++)
		tables[i]->max = EMB_LOG_MAX_TRACKED;
	first = cli_parse_options(cli, argc, argv, report_usage, report_options, report_option,
				  &rp);
	if (first < 0)
		return CLI_EXIT_USAGE;
	if (argc - first > 1) {
		cli_error(cli, "report: one LOG at most ('%s')", argv[first + 1]);
		return CLI_EXIT_USAGE;
	}
	if (rp.html_path ? !*rp.html_path : !cli->json) {
		cli_error(cli, "report: --html FILE is required (or --json for the figures alone)");
		return CLI_EXIT_USAGE;
	}
	rp.log_path = first < argc ? argv[first] : cli_log_path(cli, &daemon_log);

	f = fopen(rp.log_path, "re");
	if (!f) {
		cli_error(cli, "report: cannot open %s: %s", rp.log_path, strerror(errno));
		goto out;
	}
	buf = malloc(EMB_LOG_MAX_LINE + 1);
	if (!buf) {
		cli_error(cli, "report: %s", strerror(ENOMEM));
		goto out;
	}
	if (report_pass(cli, &rp, f, buf, false) < 0 || report_timeline(cli, &rp, f, buf) < 0 ||
	    report_verify_chain(cli, &rp) < 0)
		goto out;
	if (rp.html_path && html_page(&html, &rp) < 0) {
		cli_error(cli, "report: %s", strerror(ENOMEM));
		goto out;
	}
	if (rp.html_path &&
	    write_whole_file(rp.html_path, html.buf, html.len, err, sizeof(err)) < 0) {
		cli_error(cli, "report: %s", err);
		goto out;
	}
	fflush(stdout);
	if (rp.n_bad)
		fprintf(stderr,
			"embargo: report: %s: %llu malformed line%s skipped (noted in the report), "
			"the first at line %llu\n",
			rp.log_path, rp.n_bad, rp.n_bad == 1 ? "" : "s", rp.first_bad);
	chain_summary(&rp, chain, sizeof(chain));
	if (rp.chain.result)
		fprintf(stderr, "embargo: report: %s: hash chain %s\n", rp.log_path, chain);
	if (cli->json) {
		if (report_print_json(&rp) < 0) {
			cli_error(cli, "report: %s", strerror(ENOMEM));
			goto out;
		}
	} else {
		if (rp.tl.n)
			printf("%s: %llu events, %zu bars of %s\n", rp.html_path,
			       (unsigned long long)rp.events, rp.tl.n, rp.tl.unit);
		else
			printf("%s: no events\n", rp.html_path);
		if (!rp.chain.result)
			printf("hash chain %s\n", chain);
	}
	ret = CLI_EXIT_OK;
out:
	if (f)
		fclose(f);
	free(buf);
	sb_free(&html);
	free(rp.tl.buckets);
	for (size_t i = 0; i < sizeof(tables) / sizeof(tables[0]); i++)
		table_free(tables[i]);
	free(daemon_log);
	return ret;
}
