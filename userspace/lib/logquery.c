// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <fnmatch.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "json_read.h"
#include "logquery.h"

/* Reads exactly N decimal digits at *P into *RET and moves *P past them. */
static bool read_digits(const char **p, int n, int *ret)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		char c = (*p)[i];

		if (c < '0' || c > '9')
			return false;
		v = v * 10 + (c - '0');
	}
	*p += n;
	*ret = v;
	return true;
}

static bool expect_char(const char **p, const char *accepted)
{
	if (!**p || !strchr(accepted, **p))
		return false;
	(*p)++;
	return true;
}

static bool is_leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* Days from 1970-01-01 to Y-M-D in the proleptic Gregorian calendar. */
static int64_t days_from_civil(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

int emb_log_parse_time(const char *s, struct emb_log_time *ret)
{
	static const int mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int year, mon, day, hour, min, sec, off_h = 0, off_m = 0, off_sign = 0;
	uint32_t nsec = 0;
	const char *p = s;
	int64_t t;

	if (!read_digits(&p, 4, &year) || !expect_char(&p, "-") || !read_digits(&p, 2, &mon) ||
	    !expect_char(&p, "-") || !read_digits(&p, 2, &day) || !expect_char(&p, "Tt") ||
	    !read_digits(&p, 2, &hour) || !expect_char(&p, ":") || !read_digits(&p, 2, &min) ||
	    !expect_char(&p, ":") || !read_digits(&p, 2, &sec))
		return -EINVAL;
	if (*p == '.') {
		int digits = 0;

		p++;
		for (; *p >= '0' && *p <= '9'; p++, digits++)
			if (digits < 9)
				nsec = nsec * 10 + (uint32_t)(*p - '0');
		if (!digits)
			return -EINVAL;
		for (; digits < 9; digits++)
			nsec *= 10;
	}
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		off_sign = *p++ == '+' ? 1 : -1;
		if (!read_digits(&p, 2, &off_h) || !expect_char(&p, ":") ||
		    !read_digits(&p, 2, &off_m) || off_h > 23 || off_m > 59)
			return -EINVAL;
	} else {
		return -EINVAL;
	}
	if (*p)
		return -EINVAL;
	if (mon < 1 || mon > 12 || day < 1 || day > mdays[mon - 1] + (mon == 2 && is_leap(year)) ||
	    hour > 23 || min > 59 || sec > 60)
		return -EINVAL;
	/* A leap second (:60) sorts as the first second of the next minute. */
	t = days_from_civil(year, mon, day) * 86400 + hour * 3600 + min * 60 + sec;
	t -= (int64_t)off_sign * (off_h * 3600 + off_m * 60);
	ret->sec = t;
	ret->nsec = nsec;
	return 0;
}

/* Local midnight of the day AGO days before NOW, or of Y-M-D (when Y > 0), at H:M:S. */
static int local_time(int y, int mon, int d, int h, int min, int sec, int64_t *ret)
{
	struct tm tm = { .tm_year = y - 1900,
			 .tm_mon = mon - 1,
			 .tm_mday = d,
			 .tm_hour = h,
			 .tm_min = min,
			 .tm_sec = sec,
			 .tm_isdst = -1 };
	time_t t;

	if (mon < 1 || mon > 12 || d < 1 || d > 31 || h > 23 || min > 59 || sec > 59)
		return -EINVAL;
	t = mktime(&tm);
	/* mktime() moves Feb 30 to March: a date it had to move was no date. */
	if (t == (time_t)-1 || tm.tm_mday != d || tm.tm_mon != mon - 1)
		return -EINVAL;
	*ret = t;
	return 0;
}

static int local_midnight(int64_t now, int days_ago, int64_t *ret)
{
	time_t t = (time_t)now;
	struct tm tm;

	if (!localtime_r(&t, &tm))
		return -EINVAL;
	tm.tm_mday -= days_ago;
	tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
	tm.tm_isdst = -1;
	t = mktime(&tm);
	if (t == (time_t)-1)
		return -EINVAL;
	*ret = t;
	return 0;
}

int emb_log_parse_when(const char *s, int64_t now, struct emb_log_time *ret)
{
	static const struct {
		char unit;
		int64_t seconds;
	} units[] = { { 's', 1 }, { 'm', 60 }, { 'h', 3600 }, { 'd', 86400 }, { 'w', 604800 } };
	int y, mon, d, h = 0, min = 0, sec = 0;
	const char *p = s;
	int64_t t;

	if (emb_log_parse_time(s, ret) == 0)
		return 0;
	if (!strcmp(s, "now") || !strcmp(s, "today") || !strcmp(s, "yesterday")) {
		t = now;
		if (s[0] != 'n' && local_midnight(now, s[0] == 'y', &t) < 0)
			return -EINVAL;
		ret->sec = t;
		ret->nsec = 0;
		return 0;
	}
	if (*s >= '0' && *s <= '9' && strlen(s) <= 12 && !strchr(s, '-')) {
		int64_t n = 0;

		for (; *p >= '0' && *p <= '9'; p++)
			n = n * 10 + (*p - '0');
		for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
			if (p[0] != units[i].unit || p[1])
				continue;
			ret->sec = now - n * units[i].seconds;
			ret->nsec = 0;
			return 0;
		}
		return -EINVAL;
	}
	if (!read_digits(&p, 4, &y) || !expect_char(&p, "-") || !read_digits(&p, 2, &mon) ||
	    !expect_char(&p, "-") || !read_digits(&p, 2, &d))
		return -EINVAL;
	if (*p) {
		if (!expect_char(&p, "Tt ") || !read_digits(&p, 2, &h) || !expect_char(&p, ":") ||
		    !read_digits(&p, 2, &min))
			return -EINVAL;
		if (*p && (!expect_char(&p, ":") || !read_digits(&p, 2, &sec)))
			return -EINVAL;
		if (*p)
			return -EINVAL;
	}
	if (local_time(y, mon, d, h, min, sec, &t) < 0)
		return -EINVAL;
	ret->sec = t;
	ret->nsec = 0;
	return 0;
}

const struct emb_log_event_kind emb_log_event_kinds[] = {
	{ "exec", false },   { "mmap", false },	 { "open", false },    { "kill", false },
	{ "tamper", false }, { "chain", true },	 { "drop", true },     { "start", true },
	{ "stop", true },    { "policy", true }, { "takeover", true }, { "unload", true },
	{ NULL, false },
};

static const struct emb_log_event_kind *event_kind(const char *name)
{
	for (const struct emb_log_event_kind *k = emb_log_event_kinds; name && k->name; k++)
		if (!strcmp(k->name, name))
			return k;
	return NULL;
}

bool emb_log_event_is_record(const char *event)
{
	const struct emb_log_event_kind *k = event_kind(event);

	return k && k->record;
}

bool emb_log_event_listed(const char *event, const char *filter_event)
{
	return !emb_log_event_is_record(event) || (filter_event && !strcmp(event, filter_event));
}

int emb_log_time_cmp(const struct emb_log_time *a, const struct emb_log_time *b)
{
	if (a->sec != b->sec)
		return a->sec < b->sec ? -1 : 1;
	if (a->nsec != b->nsec)
		return a->nsec < b->nsec ? -1 : 1;
	return 0;
}

void emb_log_event_free(struct emb_log_event *e)
{
	free(e->time_str);
	free(e->event);
	free(e->verdict);
	free(e->key);
	free(e->path);
	memset(e, 0, sizeof(*e));
}

int emb_log_read_line(FILE *f, char *buf, size_t size, size_t *ret_len)
{
	size_t n = 0;
	bool over = false;
	int c;

	while ((c = getc_unlocked(f)) != EOF && c != '\n') {
		if (n < EMB_LOG_MAX_LINE && n + 1 < size)
			buf[n++] = (char)c;
		else
			over = true;
	}
	if (c == EOF && ferror(f))
		return -EIO;
	if (c == EOF && n == 0 && !over)
		return -ENOENT;
	buf[n] = '\0';
	*ret_len = n;
	return over ? -E2BIG : 0;
}

static bool str_in(const char *s, const char *const *v)
{
	for (; *v; v++)
		if (!strcmp(s, *v))
			return true;
	return false;
}

int emb_log_filter_set(struct emb_log_filter *f, const char *name, const char *arg,
		       const char **ret_want)
{
	static const char *const verdicts[] = { "deny", "audit", "allow", NULL };
	static char events_text[256];
	unsigned long long uid;
	char *end;

	if (!strcmp(name, "since") || !strcmp(name, "until")) {
		bool since = name[0] == 's';

		if (emb_log_parse_when(arg, (int64_t)time(NULL), since ? &f->since : &f->until) <
		    0) {
			*ret_want = "a time: RFC 3339 (2026-11-28T01:02:03Z), a local date "
				    "(2026-11-28) or date and time (2026-11-28T01:02[:03]), today, "
				    "yesterday, now, or a time ago (30s, 30m, 1h, 2d, 1w)";
			return -EINVAL;
		}
		if (since)
			f->has_since = true;
		else
			f->has_until = true;
	} else if (!strcmp(name, "key")) {
		f->key = arg;
	} else if (!strcmp(name, "verdict")) {
		if (!str_in(arg, verdicts)) {
			*ret_want = "deny, audit or allow";
			return -EINVAL;
		}
		f->verdict = arg;
	} else if (!strcmp(name, "path")) {
		f->path_glob = arg;
	} else if (!strcmp(name, "uid")) {
		errno = 0;
		uid = strtoull(arg, &end, 10);
		if (*arg && !*end && *arg != '-') {
			if (errno || uid > UINT32_MAX) {
				*ret_want = "a uid (up to 4294967295) or a user name";
				return -EINVAL;
			}
		} else {
			struct passwd *pw = *arg ? getpwnam(arg) : NULL;

			if (!pw) {
				*ret_want = "a uid or the name of a user of this machine";
				return -EINVAL;
			}
			uid = pw->pw_uid;
		}
		f->uid = uid;
		f->has_uid = true;
	} else if (!strcmp(name, "event")) {
		if (!event_kind(arg)) {
			/* "exec, mmap, ... or stop", from the one list. */
			size_t n = 0;

			for (const struct emb_log_event_kind *k = emb_log_event_kinds; k->name; k++)
				n += (size_t)snprintf(events_text + n, sizeof(events_text) - n,
						      "%s%s",
						      k == emb_log_event_kinds ? ""
						      : k[1].name	       ? ", "
									       : " or ",
						      k->name);
			*ret_want = events_text;
			return -EINVAL;
		}
		f->event = arg;
	} else if (!strcmp(name, "would-deny")) {
		f->would_deny = true;
	} else {
		return -ENOENT;
	}
	return 0;
}

static bool str_is(const char *got, const char *want)
{
	return !want || (got && !strcmp(got, want));
}

int emb_log_line_matches(const char *line, size_t len, const struct emb_log_filter *filter,
			 struct emb_log_event *ret_event)
{
	struct emb_log_event e = { 0 };
	int r;

	if (strlen(line) != len || !json_is_object(line))
		return -EINVAL;
	e.time_str = json_get_string(line, "time");
	if (!e.time_str || emb_log_parse_time(e.time_str, &e.time) < 0) {
		r = -EINVAL;
		goto out;
	}
	e.event = json_get_string(line, "event");
	e.verdict = json_get_string(line, "verdict");
	e.key = json_get_string(line, "key");
	e.path = json_get_string(line, "path");
	e.has_uid = json_get_number(line, "uid", &e.uid) == 0;
	e.has_pid = json_get_number(line, "pid", &e.pid) == 0;
	e.would_deny = json_get_true(line, "would_deny");

	r = 0;
	if (filter->has_since && emb_log_time_cmp(&e.time, &filter->since) < 0)
		goto out;
	if (filter->has_until && emb_log_time_cmp(&e.time, &filter->until) > 0)
		goto out;
	if (!str_is(e.key, filter->key) || !str_is(e.verdict, filter->verdict) ||
	    !str_is(e.event, filter->event))
		goto out;
	if (filter->path_glob && (!e.path || fnmatch(filter->path_glob, e.path, 0) != 0))
		goto out;
	if (filter->has_uid && (!e.has_uid || e.uid != filter->uid))
		goto out;
	if (filter->would_deny && !e.would_deny)
		goto out;
	r = 1;
	if (ret_event) {
		*ret_event = e;
		return r;
	}
out:
	emb_log_event_free(&e);
	return r;
}

static uint64_t hash_str(uint64_t h, const char *s)
{
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3ULL;
	return (h ^ 0xff) * 0x100000001b3ULL; /* a separator no string holds */
}

static uint64_t count_hash(const char *key, const char *verdict, const char *path)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	h = hash_str(h, key);
	h = hash_str(h, verdict);
	return path ? hash_str(h, path) : h;
}

static bool count_is(const struct emb_log_count *c, const char *key, const char *verdict,
		     const char *path)
{
	return !strcmp(c->key, key) && !strcmp(c->verdict, verdict) &&
	       (path ? c->path && !strcmp(c->path, path) : !c->path);
}

static int tally_grow_slots(struct emb_log_tally *t)
{
	size_t n_slots = t->n_slots ? t->n_slots * 2 : 64;
	uint32_t *slots = calloc(n_slots, sizeof(*slots));

	if (!slots)
		return -ENOMEM;
	for (size_t i = 0; i < t->n; i++) {
		const struct emb_log_count *c = &t->v[i];
		size_t at = count_hash(c->key, c->verdict, c->path) & (n_slots - 1);

		while (slots[at])
			at = (at + 1) & (n_slots - 1);
		slots[at] = (uint32_t)i + 1;
	}
	free(t->slots);
	t->slots = slots;
	t->n_slots = n_slots;
	return 0;
}

/*
 * Counts one event under KEY, VERDICT and PATH (NULL for tallies without paths); *RET_ROW, when
 * not NULL, gets its row, or NULL when it counted as other. Returns 1 when the row is new, 0
 * when it is not (or the event counted as other), or -ENOMEM.
 */
static int tally_add(struct emb_log_tally *t, const char *key, const char *verdict,
		     const char *path, struct emb_log_count **ret_row)
{
	struct emb_log_count *c;
	size_t at;

	if (ret_row)
		*ret_row = NULL;
	if (t->n_slots) {
		at = count_hash(key, verdict, path) & (t->n_slots - 1);
		for (; t->slots[at]; at = (at + 1) & (t->n_slots - 1)) {
			c = &t->v[t->slots[at] - 1];
			if (count_is(c, key, verdict, path)) {
				c->count++;
				if (ret_row)
					*ret_row = c;
				return 0;
			}
		}
	}
	if (t->n >= t->max) {
		t->other++;
		return 0;
	}
	if ((t->n + 1) * 2 > t->n_slots && tally_grow_slots(t) < 0)
		return -ENOMEM;
	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 32;
		struct emb_log_count *v = realloc(t->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		t->v = v;
		t->cap = cap;
	}
	c = &t->v[t->n];
	*c = (struct emb_log_count){ .key = strdup(key), .verdict = strdup(verdict), .count = 1 };
	if (path)
		c->path = strdup(path);
	if (!c->key || !c->verdict || (path && !c->path)) {
		free(c->key);
		free(c->verdict);
		free(c->path);
		return -ENOMEM;
	}
	at = count_hash(key, verdict, path) & (t->n_slots - 1);
	while (t->slots[at])
		at = (at + 1) & (t->n_slots - 1);
	t->slots[at] = (uint32_t)++t->n;
	if (ret_row)
		*ret_row = c;
	return 1;
}

static void tally_free(struct emb_log_tally *t)
{
	for (size_t i = 0; i < t->n; i++) {
		free(t->v[i].key);
		free(t->v[i].verdict);
		free(t->v[i].path);
	}
	free(t->v);
	free(t->slots);
	memset(t, 0, sizeof(*t));
}

void emb_log_summary_init(struct emb_log_summary *s, size_t max_tracked)
{
	if (!max_tracked || max_tracked > EMB_LOG_MAX_TRACKED)
		max_tracked = EMB_LOG_MAX_TRACKED;
	memset(s, 0, sizeof(*s));
	s->by_verdict.max = max_tracked;
	s->by_key.max = max_tracked;
	s->by_path.max = max_tracked;
	s->would_deny.top.max = max_tracked;
	s->would_deny.paths.max = max_tracked;
	s->would_deny.uids.max = max_tracked;
	s->would_deny.path_uids.max = max_tracked;
}

/* A would-be denial of KEY's rule on PATH by E's uid. */
static int would_deny_add(struct emb_log_would_deny *w, const char *key, const char *path,
			  const struct emb_log_event *e)
{
	struct emb_log_count *row;
	char uid[24];
	int r;

	w->events++;
	r = tally_add(&w->top, key, "", path, &row);
	if (r >= 0)
		r = tally_add(&w->paths, "", "", path, NULL);
	if (r < 0 || !e->has_uid)
		return r;
	snprintf(uid, sizeof(uid), "%llu", e->uid);
	r = tally_add(&w->uids, uid, "", NULL, NULL);
	/* A uid new to this (key, path) is one more user of its row. */
	if (r >= 0)
		r = tally_add(&w->path_uids, key, uid, path, NULL);
	if (r == 1 && row)
		row->users++;
	return r;
}

int emb_log_summary_add(struct emb_log_summary *s, const struct emb_log_event *e)
{
	const char *key = e->key ? e->key : "", *verdict = e->verdict ? e->verdict : "";
	const char *path = e->path ? e->path : "";
	int r;

	s->events++;
	r = tally_add(&s->by_verdict, "", verdict, NULL, NULL);
	if (r >= 0)
		r = tally_add(&s->by_key, key, verdict, NULL, NULL);
	if (r >= 0)
		r = tally_add(&s->by_path, key, verdict, path, NULL);
	if (r >= 0 && e->would_deny)
		r = would_deny_add(&s->would_deny, key, path, e);
	return r < 0 ? r : 0;
}

void emb_log_summary_free(struct emb_log_summary *s)
{
	tally_free(&s->by_verdict);
	tally_free(&s->by_key);
	tally_free(&s->by_path);
	tally_free(&s->would_deny.top);
	tally_free(&s->would_deny.paths);
	tally_free(&s->would_deny.uids);
	tally_free(&s->would_deny.path_uids);
	s->would_deny.events = 0;
}

static int count_cmp(const void *pa, const void *pb)
{
	const struct emb_log_count *a = *(const struct emb_log_count *const *)pa;
	const struct emb_log_count *b = *(const struct emb_log_count *const *)pb;
	int r;

	if (a->count != b->count)
		return a->count > b->count ? -1 : 1;
	r = strcmp(a->key, b->key);
	if (!r)
		r = strcmp(a->verdict, b->verdict);
	if (!r && a->path && b->path)
		r = strcmp(a->path, b->path);
	return r;
}

int emb_log_tally_sorted(const struct emb_log_tally *t, size_t limit,
			 const struct emb_log_count ***ret_v, size_t *ret_n)
{
	const struct emb_log_count **v = NULL;

	if (t->n) {
		v = malloc(t->n * sizeof(*v));
		if (!v)
			return -ENOMEM;
		for (size_t i = 0; i < t->n; i++)
			v[i] = &t->v[i];
		qsort(v, t->n, sizeof(*v), count_cmp);
	}
	*ret_v = v;
	*ret_n = limit && limit < t->n ? limit : t->n;
	return 0;
}
