/* SPDX-License-Identifier: GPL-2.0-only */
/* Querying the audit log: RFC 3339 times, line filters, and summaries in bounded memory. */
#ifndef EMB_LOGQUERY_H
#define EMB_LOGQUERY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Where embargod writes the audit log unless told otherwise. */
#define EMB_LOG_DEFAULT_PATH "/var/log/embargo/events.jsonl"
/* Longer lines are malformed: embargod never writes one this long. */
#define EMB_LOG_MAX_LINE (64 * 1024)
/* Distinct (key, verdict) and (path, key, verdict) a summary tracks; the rest count as other. */
#define EMB_LOG_MAX_TRACKED 100000
/* How many paths a summary lists. */
#define EMB_LOG_TOP_PATHS 20

/* A point in time: seconds since the epoch (UTC) and nanoseconds. */
struct emb_log_time {
	int64_t sec;
	uint32_t nsec;
};

/*
 * Parses an RFC 3339 time (2026-11-28T01:02:03Z, with optional fraction, Z or +HH:MM / -HH:MM)
 * into *RET (written only on success). Fraction digits beyond nanoseconds are ignored.
 * Returns 0 or -EINVAL.
 */
int emb_log_parse_time(const char *s, struct emb_log_time *ret);
/* <0, 0, >0 as A is before, the same as, after B. */
int emb_log_time_cmp(const struct emb_log_time *a, const struct emb_log_time *b);

/*
 * When --since and --until mean S: an RFC 3339 time; a local date (2026-12-02: its midnight)
 * or local date and time (2026-12-02T10:30[:00], 'T' or a space between); "today",
 * "yesterday" (local midnights) or "now"; or a time before NOW (seconds since the epoch) as a
 * number and a unit: 30s, 30m, 1h, 2d, 1w. Returns 0 with *RET, or -EINVAL.
 */
int emb_log_parse_when(const char *s, int64_t now, struct emb_log_time *ret);

/* The kinds of line ("event") the audit log holds: every command's one list. */
struct emb_log_event_kind {
	const char *name;
	/* A record about embargod or its log, not a decision on a file: queries skip it unless
	 * it is asked for by name (--event). */
	bool record;
};
/* exec mmap open kill tamper; chain drop start stop. Ends with a NULL name. */
extern const struct emb_log_event_kind emb_log_event_kinds[];
/* EVENT (a line's "event", or NULL) names a record. */
bool emb_log_event_is_record(const char *event);
/*
 * Whether a query listing events shows line event EVENT, given the --event FILTER_EVENT asked
 * for (NULL: none): decisions always, records only when asked for by name.
 */
bool emb_log_event_listed(const char *event, const char *filter_event);

/* What lines must match; NULL strings and false has_* match everything. */
struct emb_log_filter {
	bool has_since, has_until;
	struct emb_log_time since, until; /* inclusive */
	const char *key;		  /* exact */
	const char *verdict;		  /* exact: deny, audit, allow */
	const char *path_glob;		  /* fnmatch() pattern on "path" */
	const char *event;		  /* exact: one of emb_log_event_kinds */
	bool has_uid;
	unsigned long long uid;
	bool would_deny; /* only would-be denials ("would_deny":true) */
};

/*
 * Sets what the filter option NAME ("since", "until", "key", "verdict", "path", "uid", "event",
 * "would-deny": those of embargo log) asks for in F, from ARG (kept, not copied; ignored by
 * "would-deny", which takes none). "since" and "until" take what emb_log_parse_when() does,
 * relative to now; "uid" a number or a user name. Returns 0, -EINVAL when ARG is not a value
 * NAME takes (*RET_WANT then says what it takes), -ENOENT for another NAME.
 */
int emb_log_filter_set(struct emb_log_filter *f, const char *name, const char *arg,
		       const char **ret_want);

/* The fields of one log line a query looks at; strings malloc'd, NULL when absent. */
struct emb_log_event {
	struct emb_log_time time;
	char *time_str;
	char *event, *verdict, *key, *path;
	bool has_uid, has_pid;
	unsigned long long uid, pid;
	bool would_deny; /* "would_deny":true: audit mode softened a deny */
};

void emb_log_event_free(struct emb_log_event *e);

/*
 * Reads one line of at most EMB_LOG_MAX_LINE bytes from F into BUF (of SIZE > EMB_LOG_MAX_LINE
 * bytes), without its newline, NUL-terminated, its length in *RET_LEN. Returns 0, -E2BIG for a
 * longer line (skipped to its end; BUF then holds its start), -ENOENT at the end of F, or -EIO.
 */
int emb_log_read_line(FILE *f, char *buf, size_t size, size_t *ret_len);

/*
 * Checks one line of LEN bytes against FILTER. A line is well-formed when it is one JSON object
 * with a "time" string in RFC 3339 and no NUL byte. Returns 1 when it matches (*RET_EVENT, when
 * not NULL, then gets its fields: free with emb_log_event_free()), 0 when it does not, -EINVAL
 * when it is malformed, or -ENOMEM.
 */
int emb_log_line_matches(const char *line, size_t len, const struct emb_log_filter *filter,
			 struct emb_log_event *ret_event);

/* One row of a summary: a count of events with these key, verdict (and path). */
struct emb_log_count {
	char *key, *verdict, *path; /* path NULL in by_key rows */
	uint64_t count;
	uint64_t users; /* would_deny.top rows: distinct uids among the events */
};

/* Counts by one set of fields, in at most max entries; open addressing on an entry array. */
struct emb_log_tally {
	struct emb_log_count *v;
	size_t n, cap, max;
	uint32_t *slots; /* index + 1 into v, 0 when free */
	size_t n_slots;
	uint64_t other; /* events whose fields came after max distinct ones */
};

/*
 * What enforcing would have denied: the would-be denials among the events, their distinct paths
 * and uids, and rows by (key, path) with the distinct uids of each. The tallies behind the
 * distinct counts use only their keys (paths in paths, uids in uids; pairs in path_uids).
 */
struct emb_log_would_deny {
	uint64_t events;
	struct emb_log_tally top; /* key, path; verdict "" */
	struct emb_log_tally paths, uids, path_uids;
};

struct emb_log_summary {
	uint64_t events;
	struct emb_log_tally by_verdict, by_key, by_path;
	struct emb_log_would_deny would_deny;
};

/* Prepares S to track at most MAX_TRACKED distinct keys and paths each (0: EMB_LOG_MAX_TRACKED). */
void emb_log_summary_init(struct emb_log_summary *s, size_t max_tracked);
/*
 * Counts event E, and in S->would_deny too when it is a would-be denial. Returns 0 or -ENOMEM
 * (S then stays consistent, E uncounted in some tallies).
 */
int emb_log_summary_add(struct emb_log_summary *s, const struct emb_log_event *e);
void emb_log_summary_free(struct emb_log_summary *s);
/*
 * The rows of tally T, most events first (ties by key, verdict, path), at most LIMIT of them
 * (0: all): *RET_V a malloc'd array of pointers into T (free only the array), *RET_N their
 * number, written only on success. Returns 0 or -ENOMEM.
 */
int emb_log_tally_sorted(const struct emb_log_tally *t, size_t limit,
			 const struct emb_log_count ***ret_v, size_t *ret_n);

#endif /* EMB_LOGQUERY_H */
