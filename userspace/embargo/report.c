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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "logquery.h"
#include "strbuf.h"

static const char report_usage[] =
	"usage: embargo report --html FILE [--json] [--since T] [--until T] [--key K]\n"
	"                      [--verdict V] [--path GLOB] [--uid U] [--event E] [--would-deny]\n"
	"                      [LOG]\n"
	"Writes FILE, one self-contained HTML page on the events of the audit log (LOG, or the\n"
	"running embargod's, or " EMB_LOG_DEFAULT_PATH ") that match every filter given (those of\n"
	"'embargo log'): counts by verdict and event (and the would-be denials of audit\n"
	"mode, when there are any), a timeline, the most denied paths and\n"
	"the keys with most events. --json prints {\"file\",\"events\",\"buckets\",\"malformed\"}\n"
	"once FILE is written. Exits 1 when LOG cannot be read or FILE cannot be written;\n"
	"malformed lines are skipped, counted in the report and on stderr.\n";

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

/* Events counted under one name (a path or a key). */
struct report_row {
	char *name;
	uint64_t total, n[V_N];
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

struct report {
	struct emb_log_filter filter;
	const char *html_path, *log_path;
	uint64_t events, by_verdict[V_N], by_kind[K_N];
	uint64_t would_deny; /* audit verdicts that enforce mode would have made denials */
	struct emb_log_time first, last;
	unsigned long long lines, n_bad, first_bad;
	off_t end; /* where the first pass stopped reading */
	struct report_table paths, keys;
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
	row->n[verdict_index(e->verdict)]++;
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

/* The at most REPORT_TOP rows of T with most events: a malloc'd array of pointers, or NULL. */
static const struct report_row **table_top(const struct report_table *t, size_t *ret_n)
{
	const struct report_row **v = malloc((t->n ? t->n : 1) * sizeof(*v));

	if (!v)
		return NULL;
	for (size_t i = 0; i < t->n; i++)
		v[i] = &t->v[i];
	qsort(v, t->n, sizeof(*v), row_cmp);
	*ret_n = t->n < REPORT_TOP ? t->n : REPORT_TOP;
	return v;
}

static int report_add(struct report *rp, const struct emb_log_event *e)
{
	int v = verdict_index(e->verdict), r;

	if (!rp->events || emb_log_time_cmp(&e->time, &rp->first) < 0)
		rp->first = e->time;
	if (!rp->events || emb_log_time_cmp(&e->time, &rp->last) > 0)
		rp->last = e->time;
	rp->events++;
	rp->by_verdict[v]++;
	rp->would_deny += e->would_deny;
	rp->by_kind[kind_index(e->event)]++;
	r = table_add(&rp->keys, e->key ? e->key : "", e, false);
	if (!r && v == V_DENY)
		r = table_add(&rp->paths, e->path ? e->path : "", e, true);
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
	".card b{display:block;font-size:1.35em}.card.deny b,.card.would-deny b{color:#c62828}"
	".card.audit b{color:#a86b00}\n"
	".note{background:#fff4ce;border:1px solid #e0c36a;padding:8px 12px;border-radius:6px}\n"
	"section{background:#fff;border:1px solid #dde1e7;border-radius:6px;padding:4px 16px 14px;"
	"margin-top:14px}\n"
	"svg{display:block;width:100%;height:auto}svg text{font:12px system-ui,sans-serif;"
	"fill:#3b4350}\n"
	"table{border-collapse:collapse;width:100%}caption{text-align:left;color:#5b6472;"
	"padding:0 0 .4em}\n"
	"th,td{text-align:left;padding:4px 8px;border-bottom:1px solid #e6e9ee;"
	"vertical-align:top}\n"
	"th.num,td.num{text-align:right;font-variant-numeric:tabular-nums}\n"
	"td.path,td.key{font-family:ui-monospace,monospace;word-break:break-all}\n"
	"td.time{white-space:nowrap;font-variant-numeric:tabular-nums}\n"
	".esc{color:#c62828;background:#fde7e9;border-radius:2px}.none{color:#8a93a0;"
	"font-style:italic}\n"
	"footer{color:#5b6472;font-size:.85em;margin-top:14px}\n";

static void html_card(struct strbuf *sb, const char *cls, const char *label, uint64_t n)
{
	sb_printf(sb, "<div class=\"card %s\"><b>%llu</b>%s</div>\n", cls, (unsigned long long)n,
		  label);
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
	format_time(time(NULL), 0, false, a, sizeof(a));
	sb_printf(sb, "</dd>\n<dt>Made</dt><dd><time>%s</time> by embargo report</dd>\n</dl>\n", a);

	sb_puts(sb, "<div class=\"cards\" id=\"counts\">\n");
	html_card(sb, "total", "events", rp->events);
	for (int v = 0; v < V_N; v++)
		if (v <= V_AUDIT || rp->by_verdict[v])
			html_card(sb, verdict_names[v], verdict_names[v], rp->by_verdict[v]);
	/* Audit mode: how many of the audits enforcing would turn into denials. */
	if (rp->would_deny)
		html_card(sb, "would-deny", "would deny", rp->would_deny);
	for (int k = 0; k < K_N; k++)
		if (k != K_OTHER || rp->by_kind[k])
			html_card(sb, "kind", kind_names[k], rp->by_kind[k]);
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

static int html_top_paths(struct strbuf *sb, const struct report *rp)
{
	const struct report_row **top;
	size_t n = 0;

	top = table_top(&rp->paths, &n);
	if (!top)
		return -ENOMEM;
	sb_puts(sb, "<section>\n<h2>Top blocked binaries</h2>\n<table id=\"top-binaries\">\n");
	sb_printf(sb, "<caption>The %zu path%s denied most often, of %zu denied", n,
		  n == 1 ? "" : "s", rp->paths.n);
	if (rp->paths.other)
		sb_printf(sb, " (and %llu denials of paths past the first %zu, not tracked)",
			  (unsigned long long)rp->paths.other, rp->paths.max);
	sb_puts(sb, ".</caption>\n<thead><tr><th class=\"num\">#</th><th>path</th>"
		    "<th class=\"num\">denials</th><th>key</th><th>first</th><th>last</th></tr>"
		    "</thead>\n<tbody>\n");
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
		sb_puts(sb, "<tr><td colspan=\"6\" class=\"none\">No denials.</td></tr>\n");
	sb_puts(sb, "</tbody>\n</table>\n</section>\n");
	free(top);
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
		    "<th class=\"num\">events</th><th class=\"num\">deny</th>"
		    "<th class=\"num\">audit</th><th class=\"num\">other</th><th>first</th>"
		    "<th>last</th></tr></thead>\n<tbody>\n");
	for (size_t i = 0; i < n; i++) {
		const struct report_row *row = top[i];

		sb_printf(sb, "<tr><td class=\"num\">%zu</td><td class=\"key\">", i + 1);
		html_name(sb, row->name);
		sb_printf(sb,
			  "</td><td class=\"num\">%llu</td><td class=\"num\">%llu</td>"
			  "<td class=\"num\">%llu</td><td class=\"num\">%llu</td>",
			  (unsigned long long)row->total, (unsigned long long)row->n[V_DENY],
			  (unsigned long long)row->n[V_AUDIT],
			  (unsigned long long)(row->n[V_ALLOW] + row->n[V_OTHER]));
		html_time_cells(sb, row);
		sb_puts(sb, "</tr>\n");
	}
	if (!n)
		sb_puts(sb, "<tr><td colspan=\"8\" class=\"none\">No events.</td></tr>\n");
	sb_puts(sb, "</tbody>\n</table>\n</section>\n");
	free(top);
	return 0;
}

static int html_page(struct strbuf *sb, const struct report *rp)
{
	int r;

	/* Nothing on the page may load anything or run: CSP says so to the browser too. */
	sb_puts(sb, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
		    "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
		    "style-src 'unsafe-inline'\">\n"
		    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
		    "<title>embargo audit report: ");
	html_text(sb, rp->log_path);
	sb_printf(sb, "</title>\n<style>\n%s</style>\n</head>\n<body>\n", report_css);
	html_header(sb, rp);
	html_timeline(sb, rp);
	r = html_top_paths(sb, rp);
	if (!r)
		r = html_top_keys(sb, rp);
	sb_puts(sb, "<footer>Made by <code>embargo report</code> from the audit log alone. "
		    "Times are UTC; text from the log is shown as written, with control bytes, "
		    "backslashes and bytes that are no UTF-8 as <span class=\"esc\">\\xNN</span> "
		    "and invisible characters as <span class=\"esc\">\\uNNNN</span>.</footer>\n"
		    "</body>\n</html>\n");
	if (!r && sb->oom)
		r = -ENOMEM;
	return r;
}

/*
 * Writes LEN bytes at DATA to PATH through a temporary file beside it, renamed over PATH once
 * whole: a reader never sees half a report. The file's mode is 0666 less the umask.
 */
static int write_whole_file(const char *path, const char *data, size_t len, char *err,
			    size_t errlen)
{
	const char *slash = strrchr(path, '/'), *base = slash ? slash + 1 : path;
	char tmp[PATH_MAX];
	mode_t mask;
	int fd, r = 0;

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
		if (!r)
			r = emb_log_line_matches(buf, len, &rp->filter, &e);
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
			r = report_add(rp, &e);
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

int cmd_report(struct cli *cli, int argc, char **argv)
{
	struct report rp = { 0 };
	struct strbuf html = { 0 };
	char *buf = NULL, err[PATH_MAX + 256], *daemon_log = NULL;
	FILE *f = NULL;
	int first, ret = CLI_EXIT_FAIL;

	rp.paths.max = EMB_LOG_MAX_TRACKED;
	rp.keys.max = EMB_LOG_MAX_TRACKED;
	first = cli_parse_options(cli, argc, argv, report_usage, report_options, report_option,
				  &rp);
	if (first < 0)
		return CLI_EXIT_USAGE;
	if (argc - first > 1) {
		cli_error(cli, "report: one LOG at most ('%s')", argv[first + 1]);
		return CLI_EXIT_USAGE;
	}
	if (!rp.html_path || !*rp.html_path) {
		cli_error(cli, "report: --html FILE is required");
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
	if (report_pass(cli, &rp, f, buf, false) < 0 || report_timeline(cli, &rp, f, buf) < 0)
		goto out;
	if (html_page(&html, &rp) < 0) {
		cli_error(cli, "report: %s", strerror(ENOMEM));
		goto out;
	}
	if (write_whole_file(rp.html_path, html.buf, html.len, err, sizeof(err)) < 0) {
		cli_error(cli, "report: %s", err);
		goto out;
	}
	if (rp.n_bad) {
		fflush(stdout);
		fprintf(stderr,
			"embargo: report: %s: %llu malformed line%s skipped (noted in the report), "
			"the first at line %llu\n",
			rp.log_path, rp.n_bad, rp.n_bad == 1 ? "" : "s", rp.first_bad);
	}
	if (cli->json) {
		struct strbuf sb = { 0 };
		struct json j;

		json_begin(&j, &sb);
		json_str(&j, "file", rp.html_path);
		json_u64(&j, "events", rp.events);
		json_u64(&j, "buckets", rp.tl.n);
		json_u64(&j, "malformed", rp.n_bad);
		json_end(&j);
		if (sb.oom) {
			sb_free(&sb);
			cli_error(cli, "report: %s", strerror(ENOMEM));
			goto out;
		}
		printf("%s\n", sb.buf);
		sb_free(&sb);
	} else if (rp.tl.n) {
		printf("%s: %llu events, %zu bars of %s\n", rp.html_path,
		       (unsigned long long)rp.events, rp.tl.n, rp.tl.unit);
	} else {
		printf("%s: no events\n", rp.html_path);
	}
	ret = CLI_EXIT_OK;
out:
	if (f)
		fclose(f);
	free(buf);
	sb_free(&html);
	free(rp.tl.buckets);
	table_free(&rp.paths);
	table_free(&rp.keys);
	free(daemon_log);
	return ret;
}
