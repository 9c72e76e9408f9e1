// SPDX-License-Identifier: GPL-2.0-only
/*
 * The policy parser. A policy is untrusted text: every limit is checked before use, every
 * mistake becomes a diagnostic with its column, and one bad line does not stop the others
 * from being checked. At most one diagnostic per line, so that one mistake is one message.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dirent.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "policy.h"

/* Longest piece of policy text quoted in a message; a whole 4 KiB line would drown it. */
#define QUOTE_MAX 64

const char *emb_verdict_name(enum emb_rule_verdict v)
{
	switch (v) {
	case EMB_RULE_ALLOW:
		return "allow";
	case EMB_RULE_AUDIT:
		return "audit";
	case EMB_RULE_DENY:
		return "deny";
	}
	return "?";
}

const char *emb_matcher_name(enum emb_rule_matcher m)
{
	switch (m) {
	case EMB_MATCH_PATH:
		return "path";
	case EMB_MATCH_DIR:
		return "dir";
	case EMB_MATCH_SHA256:
		return "sha256";
	case EMB_MATCH_PACKAGE:
		return "package";
	}
	return "?";
}

const char *emb_op_name(enum emb_rule_op op)
{
	switch (op) {
	case EMB_OP_EXEC:
		return "exec";
	case EMB_OP_OPEN:
		return "open";
	}
	return "?";
}

static int hex_digit(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

bool emb_sha256_parse(const char *hex, unsigned char out[32])
{
	size_t i;

	if (strlen(hex) != 64)
		return false;
	for (i = 0; i < 32; i++) {
		int hi = hex_digit((unsigned char)hex[2 * i]),
		    lo = hex_digit((unsigned char)hex[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return false;
		out[i] = (unsigned char)(hi << 4 | lo);
	}
	return true;
}

const char *emb_mode_name(enum emb_mode m)
{
	switch (m) {
	case EMB_MODE_UNSET:
		return "unset";
	case EMB_MODE_ENFORCE:
		return "enforce";
	case EMB_MODE_AUDIT:
		return "audit";
	}
	return "?";
}

const char *emb_running_name(enum emb_running r)
{
	switch (r) {
	case EMB_RUNNING_UNSET:
		return "unset";
	case EMB_RUNNING_KEEP:
		return "keep";
	case EMB_RUNNING_KILL:
		return "kill";
	}
	return "?";
}

__attribute__((format(printf, 5, 0))) static int diags_vadd(struct emb_diags *diags,
							    const char *file, unsigned line,
							    unsigned col, const char *fmt,
							    va_list ap)
{
	struct emb_diag *d;
	char *msg, *name;

	if (diags->n >= EMB_POLICY_MAX_DIAGS) {
		diags->dropped++;
		return -EINVAL;
	}
	if (diags->n == diags->cap) {
		size_t cap = diags->cap ? diags->cap * 2 : 16;
		struct emb_diag *v;

		if (cap > EMB_POLICY_MAX_DIAGS)
			cap = EMB_POLICY_MAX_DIAGS;
		v = realloc(diags->v, cap * sizeof(*v));
		if (!v)
			return -ENOMEM;
		diags->v = v;
		diags->cap = cap;
	}
	if (vasprintf(&msg, fmt, ap) < 0)
		return -ENOMEM;
	name = strdup(file);
	if (!name) {
		free(msg);
		return -ENOMEM;
	}
	d = &diags->v[diags->n++];
	d->file = name;
	d->line = line;
	d->col = col;
	d->msg = msg;
	return -EINVAL;
}

int emb_diags_add(struct emb_diags *diags, const char *file, unsigned line, unsigned col,
		  const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = diags_vadd(diags, file, line, col, fmt, ap);
	va_end(ap);
	return r;
}

int emb_diag_format(const struct emb_diag *diag, char *buf, size_t size)
{
	/* Line 0: about the whole file (it cannot be read, it is too large). */
	if (!diag->line)
		return snprintf(buf, size, "%s: %s", diag->file, diag->msg);
	return snprintf(buf, size, "%s:%u:%u: %s", diag->file, diag->line, diag->col, diag->msg);
}

void emb_diags_free(struct emb_diags *diags)
{
	size_t i;

	for (i = 0; i < diags->n; i++) {
		free(diags->v[i].file);
		free(diags->v[i].msg);
	}
	free(diags->v);
	*diags = (struct emb_diags){ 0 };
}

void emb_policy_free(struct emb_policy *policy)
{
	size_t i;

	for (i = 0; i < policy->n_rules; i++) {
		free(policy->rules[i].value);
		free(policy->rules[i].key);
	}
	free(policy->rules);
	for (i = 0; i < policy->n_files; i++)
		free(policy->files[i]);
	free(policy->files);
	*policy = (struct emb_policy){ 0 };
}

static size_t diags_count(const struct emb_diags *diags)
{
	return diags->n + diags->dropped;
}

/* Keeps a copy of NAME for the rules to point at; NULL on ENOMEM. */
static const char *policy_add_file(struct emb_policy *policy, const char *name)
{
	char **files, *copy;

	copy = strdup(name);
	if (!copy)
		return NULL;
	files = realloc(policy->files, (policy->n_files + 1) * sizeof(*files));
	if (!files) {
		free(copy);
		return NULL;
	}
	policy->files = files;
	policy->files[policy->n_files++] = copy;
	return copy;
}

/* Policy text in a message, cut on a UTF-8 character boundary when too long. */
struct quoted {
	char s[QUOTE_MAX + 4];
};

static const char *quote(struct quoted *q, const char *s, size_t n)
{
	if (n <= QUOTE_MAX) {
		memcpy(q->s, s, n);
		q->s[n] = 0;
		return q->s;
	}
	n = QUOTE_MAX;
	while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
		n--;
	memcpy(q->s, s, n);
	memcpy(q->s + n, "...", 4);
	return q->s;
}

struct parser {
	struct emb_policy *policy;
	struct emb_diags *diags;
	const char *file;
	unsigned line;
	const char *s; /* the current line, without its '\n' */
	size_t len;
	size_t pos;
	int err;	    /* an error that ends the parse: -ENOMEM */
	unsigned mode_line; /* this file's "mode" line, 0 if none yet */
	enum emb_mode mode;
	unsigned version_line; /* this file's "version" line, 0 if none yet */
	uint64_t version;
	unsigned running_line; /* this file's "running" line, 0 if none yet */
	enum emb_running running;
	bool rules_full;
	/* The last value read, unescaped, with the column each of its bytes came from. */
	char val[EMB_POLICY_MAX_LINE + 1];
	unsigned val_cols[EMB_POLICY_MAX_LINE + 1];
	size_t val_len;
	unsigned val_col; /* column of the value's first character (its quote if quoted) */
};

/* Reports a mistake on the current line; always returns false so callers can return it. */
__attribute__((format(printf, 3, 4))) static bool parse_error(struct parser *p, unsigned col,
							      const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = diags_vadd(p->diags, p->file, p->line, col, fmt, ap);
	va_end(ap);
	if (r == -ENOMEM)
		p->err = -ENOMEM;
	return false;
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static void skip_blanks(struct parser *p)
{
	while (p->pos < p->len && is_blank(p->s[p->pos]))
		p->pos++;
}

/* True when nothing but blanks or a comment is left. */
static bool at_end(struct parser *p)
{
	skip_blanks(p);
	return p->pos >= p->len || p->s[p->pos] == '#';
}

/* A token of a word: from pos up to a blank, a comment or the end. Returns its length. */
static size_t scan_word(struct parser *p)
{
	size_t start = p->pos;

	while (p->pos < p->len && !is_blank(p->s[p->pos]) && p->s[p->pos] != '#')
		p->pos++;
	return p->pos - start;
}

/* The NAME of a NAME=VALUE token: stops at '=' too. Returns its length. */
static size_t scan_name(struct parser *p)
{
	size_t start = p->pos;

	while (p->pos < p->len && !is_blank(p->s[p->pos]) && p->s[p->pos] != '#' &&
	       p->s[p->pos] != '=')
		p->pos++;
	return p->pos - start;
}

static bool token_is(const char *tok, size_t len, const char *word)
{
	return strlen(word) == len && memcmp(tok, word, len) == 0;
}

static void value_push(struct parser *p, char c, size_t offset)
{
	p->val_cols[p->val_len] = (unsigned)offset + 1;
	p->val[p->val_len++] = c;
}

/* A quoted value from the '"' at OPEN; returns the offset after the closing quote, 0 on error. */
static size_t scan_quoted(struct parser *p, size_t open)
{
	static const char only[] = "only \\\" and \\\\ are allowed in quotes";
	const char *s = p->s;
	size_t i = open + 1;
	unsigned char c;

	for (; i < p->len && s[i] != '"'; i++) {
		if (s[i] != '\\') {
			value_push(p, s[i], i);
			continue;
		}
		if (i + 1 >= p->len)
			break; /* a '\' that escapes the end of the line */
		c = (unsigned char)s[i + 1];
		if (c != '"' && c != '\\') {
			if (c > ' ' && c < 0x7f)
				parse_error(p, (unsigned)i + 1, "bad escape '\\%c' (%s)", c, only);
			else
				parse_error(p, (unsigned)i + 1,
					    "bad escape: '\\' before byte 0x%02x (%s)", c, only);
			return 0;
		}
		value_push(p, (char)c, i);
		i++;
	}
	if (i >= p->len || s[i] != '"') {
		parse_error(p, (unsigned)open + 1, "unterminated quote");
		return 0;
	}
	return i + 1;
}

/*
 * Reads the VALUE of NAME=VALUE, pos being just after the '=', into p->val. Escapes exist only
 * inside quotes, so that an unquoted value is exactly what is written.
 */
static bool scan_value(struct parser *p, const char *name, size_t name_len)
{
	const char *s = p->s;
	size_t i = p->pos;

	p->val_len = 0;
	p->val_col = (unsigned)i + 1;
	if (i < p->len && s[i] == '"') {
		i = scan_quoted(p, i);
		if (!i)
			return false;
		if (i < p->len && !is_blank(s[i]) && s[i] != '#')
			return parse_error(p, (unsigned)i + 1,
					   "unexpected text after closing quote");
		if (p->val_len == 0)
			return parse_error(p, p->val_col, "empty value for '%.*s'", (int)name_len,
					   name);
	} else {
		for (; i < p->len && !is_blank(s[i]) && s[i] != '#'; i++) {
			if (s[i] == '"')
				return parse_error(
					p, (unsigned)i + 1,
					"quote inside unquoted value (quote the whole value)");
			value_push(p, s[i], i);
		}
		if (p->val_len == 0)
			return parse_error(p, (unsigned)i + 1, "missing value after '%.*s='",
					   (int)name_len, name);
	}
	p->val[p->val_len] = 0;
	p->pos = i;
	return true;
}

/* The value of path= and dir=: one canonical absolute path, as embargod will stat it. */
static bool check_path(struct parser *p, enum emb_rule_matcher matcher)
{
	const char *v = p->val;
	size_t n = p->val_len, i;
	struct quoted q;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)v[i];

		if (c < ' ' || c == 0x7f)
			return parse_error(p, p->val_cols[i], "control character 0x%02x in path",
					   c);
	}
	if (v[0] != '/')
		return parse_error(p, p->val_col, "relative path '%s' (must start with '/')",
				   quote(&q, v, n));
	if (n == 1) {
		if (matcher == EMB_MATCH_DIR)
			return parse_error(p, p->val_col,
					   "dir=/ would cover every file on the system (refused)");
		return true;
	}
	for (i = 1; i < n;) {
		size_t start = i, len;

		if (v[i] == '/')
			return parse_error(p, p->val_cols[i], "empty path component ('//') in '%s'",
					   quote(&q, v, n));
		while (i < n && v[i] != '/')
			i++;
		len = i - start;
		if ((len == 1 && v[start] == '.') ||
		    (len == 2 && v[start] == '.' && v[start + 1] == '.'))
			return parse_error(p, p->val_cols[start],
					   "'%.*s' component in '%s' (paths must be canonical)",
					   (int)len, v + start, quote(&q, v, n));
		if (len > NAME_MAX)
			return parse_error(p, p->val_cols[start],
					   "path component longer than %d bytes in '%s'", NAME_MAX,
					   quote(&q, v, n));
		if (i < n && ++i == n)
			return parse_error(p, p->val_cols[n - 1], "trailing '/' in '%s'",
					   quote(&q, v, n));
	}
	return true;
}

static bool is_key_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       (c && strchr("._:@/-", c) != NULL);
}

static bool check_key(struct parser *p)
{
	size_t i;

	for (i = 0; i < p->val_len; i++) {
		unsigned char c = (unsigned char)p->val[i];

		if (is_key_char(c))
			continue;
		if (c >= ' ' && c < 0x7f)
			return parse_error(
				p, p->val_cols[i],
				"invalid character '%c' in key (allowed: A-Z a-z 0-9 . _ : @ / -)",
				c);
		return parse_error(p, p->val_cols[i],
				   "invalid byte 0x%02x in key (allowed: A-Z a-z 0-9 . _ : @ / -)",
				   c);
	}
	if (p->val_len > EMB_POLICY_MAX_KEY)
		return parse_error(p, p->val_col, "key too long (%zu bytes, limit %d)", p->val_len,
				   EMB_POLICY_MAX_KEY);
	return true;
}

/* Whole-line checks, before any token: length, NUL and control characters. */
static bool check_line(struct parser *p)
{
	size_t i;

	if (p->len > EMB_POLICY_MAX_LINE)
		return parse_error(p, EMB_POLICY_MAX_LINE + 1,
				   "line too long (%zu bytes, limit %d)", p->len,
				   EMB_POLICY_MAX_LINE);
	if (p->line == 1 && p->len >= 3 && memcmp(p->s, "\xef\xbb\xbf", 3) == 0)
		return parse_error(p, 1, "byte order mark at start of file (save it without one)");
	for (i = 0; i < p->len; i++) {
		unsigned char c = (unsigned char)p->s[i];

		if (c == 0)
			return parse_error(p, (unsigned)i + 1, "NUL byte");
		if (c == '\r')
			return parse_error(p, (unsigned)i + 1,
					   "carriage return (DOS line endings are not allowed)");
		if ((c < ' ' && c != '\t') || c == 0x7f)
			return parse_error(p, (unsigned)i + 1, "control character 0x%02x", c);
	}
	return true;
}

static bool lookup_mode(const char *tok, size_t len, enum emb_mode *mode)
{
	if (token_is(tok, len, "enforce"))
		*mode = EMB_MODE_ENFORCE;
	else if (token_is(tok, len, "audit"))
		*mode = EMB_MODE_AUDIT;
	else
		return false;
	return true;
}

static bool lookup_running(const char *tok, size_t len, enum emb_running *running)
{
	if (token_is(tok, len, "kill"))
		*running = EMB_RUNNING_KILL;
	else if (token_is(tok, len, "keep"))
		*running = EMB_RUNNING_KEEP;
	else
		return false;
	return true;
}

/* "line N" within one file, "FILE:N" across files. */
static void format_where(char *buf, size_t size, const char *here, const char *file, unsigned line)
{
	if (file == here)
		snprintf(buf, size, "line %u", line);
	else
		snprintf(buf, size, "%s:%u", file, line);
}

/*
 * A setting (mode, version, running) as the once-per-file, agree-across-files check sees it.
 * Values are spelt as the messages quote them: "'audit'", "7".
 */
struct setting {
	const char *name;
	char value[32];
	unsigned file_line; /* this file's earlier line setting it, 0 if none */
	char file_value[32];
	const char *policy_file; /* the first file setting it, NULL if none */
	unsigned policy_line;
	char policy_value[32];
};

/* True when the setting may be taken: not given before in this file, and agreeing with others. */
static bool setting_agrees(struct parser *p, const struct setting *s, size_t name_start,
			   size_t value_start)
{
	char where[PATH_MAX + 32];

	if (s->file_line) {
		if (strcmp(s->value, s->file_value) == 0)
			return parse_error(p, (unsigned)name_start + 1,
					   "%s given twice, first at line %u", s->name,
					   s->file_line);
		return parse_error(p, (unsigned)value_start + 1,
				   "%s %s conflicts with %s at line %u", s->name, s->value,
				   s->file_value, s->file_line);
	}
	if (s->policy_file && strcmp(s->value, s->policy_value) != 0) {
		format_where(where, sizeof(where), p->file, s->policy_file, s->policy_line);
		return parse_error(p, (unsigned)value_start + 1, "%s %s conflicts with %s at %s",
				   s->name, s->value, s->policy_value, where);
	}
	return true;
}

/* Nothing but a comment may follow a setting's value. */
static bool setting_ends(struct parser *p, const char *what)
{
	size_t extra;
	struct quoted q;

	if (at_end(p))
		return true;
	extra = p->pos;
	return parse_error(p, (unsigned)extra + 1, "unexpected '%s' after %s",
			   quote(&q, p->s + extra, scan_word(p)), what);
}

static void parse_mode(struct parser *p, size_t mode_start)
{
	struct emb_policy *policy = p->policy;
	size_t start, len, prev_end = p->pos;
	struct setting s = { .name = "mode" };
	enum emb_mode mode;
	struct quoted q;

	if (at_end(p)) {
		parse_error(p, (unsigned)prev_end + 1,
			    "missing value after 'mode' (expected enforce or audit)");
		return;
	}
	start = p->pos;
	len = scan_word(p);
	if (!lookup_mode(p->s + start, len, &mode)) {
		parse_error(p, (unsigned)start + 1, "unknown mode '%s' (expected enforce or audit)",
			    quote(&q, p->s + start, len));
		return;
	}
	if (!setting_ends(p, "mode"))
		return;
	snprintf(s.value, sizeof(s.value), "'%s'", emb_mode_name(mode));
	s.file_line = p->mode_line;
	snprintf(s.file_value, sizeof(s.file_value), "'%s'", emb_mode_name(p->mode));
	if (policy->mode != EMB_MODE_UNSET) {
		s.policy_file = policy->mode_file;
		s.policy_line = policy->mode_line;
		snprintf(s.policy_value, sizeof(s.policy_value), "'%s'",
			 emb_mode_name(policy->mode));
	}
	if (!setting_agrees(p, &s, mode_start, start))
		return;
	p->mode_line = p->line;
	p->mode = mode;
	if (policy->mode == EMB_MODE_UNSET) {
		policy->mode = mode;
		policy->mode_file = p->file;
		policy->mode_line = p->line;
	}
}

/* Reads the number of a version line: 1 to INT64_MAX, decimal, no sign, no leading zero. */
static bool scan_version(struct parser *p, size_t start, size_t len, uint64_t *version)
{
	const char *tok = p->s + start;
	uint64_t v = 0;
	struct quoted q;
	size_t i;

	for (i = 0; i < len; i++)
		if (tok[i] < '0' || tok[i] > '9')
			return parse_error(p, (unsigned)start + 1,
					   "bad version '%s' (expected a whole number from 1)",
					   quote(&q, tok, len));
	if (len == 1 && tok[0] == '0')
		return parse_error(p, (unsigned)start + 1,
				   "version 0 is not allowed (versions start at 1)");
	if (tok[0] == '0')
		return parse_error(p, (unsigned)start + 1, "bad version '%s' (no leading zeros)",
				   quote(&q, tok, len));
	/* 19 digits cannot overflow 64 bits; the limit is INT64_MAX so that signed readers agree. */
	for (i = 0; i < len && i < 19; i++)
		v = v * 10 + (uint64_t)(tok[i] - '0');
	if (len > 19 || v > INT64_MAX)
		return parse_error(p, (unsigned)start + 1, "version too large (limit %" PRId64 ")",
				   INT64_MAX);
	*version = v;
	return true;
}

static void parse_version(struct parser *p, size_t version_start)
{
	struct emb_policy *policy = p->policy;
	size_t start, len, prev_end = p->pos;
	struct setting s = { .name = "version" };
	uint64_t version = 0;

	if (at_end(p)) {
		parse_error(p, (unsigned)prev_end + 1, "missing version number after 'version'");
		return;
	}
	start = p->pos;
	len = scan_word(p);
	if (!scan_version(p, start, len, &version) || !setting_ends(p, "the version"))
		return;
	snprintf(s.value, sizeof(s.value), "%" PRIu64, version);
	s.file_line = p->version_line;
	snprintf(s.file_value, sizeof(s.file_value), "%" PRIu64, p->version);
	if (policy->version) {
		s.policy_file = policy->version_file;
		s.policy_line = policy->version_line;
		snprintf(s.policy_value, sizeof(s.policy_value), "%" PRIu64, policy->version);
	}
	if (!setting_agrees(p, &s, version_start, start))
		return;
	p->version_line = p->line;
	p->version = version;
	if (!policy->version) {
		policy->version = version;
		policy->version_file = p->file;
		policy->version_line = p->line;
	}
}

static void parse_running(struct parser *p, size_t running_start)
{
	struct emb_policy *policy = p->policy;
	size_t start, len, prev_end = p->pos;
	struct setting s = { .name = "running" };
	enum emb_running running;
	struct quoted q;

	if (at_end(p)) {
		parse_error(p, (unsigned)prev_end + 1,
			    "missing action after 'running' (expected kill or keep)");
		return;
	}
	start = p->pos;
	len = scan_word(p);
	if (!lookup_running(p->s + start, len, &running)) {
		parse_error(p, (unsigned)start + 1,
			    "unknown running action '%s' (expected kill or keep)",
			    quote(&q, p->s + start, len));
		return;
	}
	if (!setting_ends(p, "the running action"))
		return;
	snprintf(s.value, sizeof(s.value), "'%s'", emb_running_name(running));
	s.file_line = p->running_line;
	snprintf(s.file_value, sizeof(s.file_value), "'%s'", emb_running_name(p->running));
	if (policy->running != EMB_RUNNING_UNSET) {
		s.policy_file = policy->running_file;
		s.policy_line = policy->running_line;
		snprintf(s.policy_value, sizeof(s.policy_value), "'%s'",
			 emb_running_name(policy->running));
	}
	if (!setting_agrees(p, &s, running_start, start))
		return;
	p->running_line = p->line;
	p->running = running;
	if (policy->running == EMB_RUNNING_UNSET) {
		policy->running = running;
		policy->running_file = p->file;
		policy->running_line = p->line;
	}
}

static bool lookup_verdict(const char *tok, size_t len, enum emb_rule_verdict *verdict)
{
	if (token_is(tok, len, "deny"))
		*verdict = EMB_RULE_DENY;
	else if (token_is(tok, len, "allow"))
		*verdict = EMB_RULE_ALLOW;
	else if (token_is(tok, len, "audit"))
		*verdict = EMB_RULE_AUDIT;
	else
		return false;
	return true;
}

static void unknown_verdict(struct parser *p, size_t start, size_t len)
{
	static const char *const words[] = {
		"deny", "allow", "audit", "mode", "version", "running"
	};
	const char *tok = p->s + start;
	struct quoted q;
	size_t i;

	if (token_is(tok, len, "exec") || token_is(tok, len, "open")) {
		parse_error(p, (unsigned)start + 1,
			    "missing verdict before '%.*s' (expected deny, allow or audit)",
			    (int)len, tok);
		return;
	}
	/* Keywords are lowercase; say so rather than list them again. */
	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		if (strlen(words[i]) == len && strncasecmp(tok, words[i], len) == 0) {
			parse_error(p, (unsigned)start + 1,
				    "unknown verdict '%s' (keywords are lowercase: '%s')",
				    quote(&q, tok, len), words[i]);
			return;
		}
	}
	parse_error(p, (unsigned)start + 1, "unknown verdict '%s' (expected deny, allow or audit)",
		    quote(&q, tok, len));
}

static bool lookup_matcher(const char *tok, size_t len, enum emb_rule_matcher *matcher)
{
	if (token_is(tok, len, "path"))
		*matcher = EMB_MATCH_PATH;
	else if (token_is(tok, len, "dir"))
		*matcher = EMB_MATCH_DIR;
	else if (token_is(tok, len, "sha256"))
		*matcher = EMB_MATCH_SHA256;
	else if (token_is(tok, len, "package"))
		*matcher = EMB_MATCH_PACKAGE;
	else
		return false;
	return true;
}

/* sha256=: exactly 64 hex digits, kept in lowercase so that equal digests compare equal. */
static bool check_sha256(struct parser *p)
{
	size_t i;

	for (i = 0; i < p->val_len; i++) {
		unsigned char c = (unsigned char)p->val[i];

		if (hex_digit(c) < 0)
			return parse_error(
				p, p->val_cols[i],
				c < ' ' || c >= 0x7f
					? "invalid byte 0x%02x in sha256 (expected hex digits)"
					: "invalid character '%c' in sha256 (expected hex digits)",
				c);
		p->val[i] = (char)tolower(c);
	}
	if (p->val_len != 64)
		return parse_error(p, p->val_col, "sha256 has %zu hex digits (expected 64)",
				   p->val_len);
	return true;
}

/*
 * package=: a Debian package name (lowercase letters, digits, '+', '-', '.', at least two,
 * starting with a letter or digit), optionally ":ARCH" (lowercase letters, digits, '-').
 */
static bool check_package(struct parser *p)
{
	const char *v = p->val;
	size_t n = p->val_len, i;
	bool arch = false;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)v[i];
		bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');

		if (c == ':' && !arch && i >= 2) {
			arch = true;
			if (i + 1 == n)
				return parse_error(p, p->val_cols[i],
						   "empty architecture after ':' in package name");
			continue;
		}
		if (!arch && i > 0 && (c == '+' || c == '-' || c == '.'))
			ok = true;
		if (arch && c == '-')
			ok = true;
		if (!ok)
			return parse_error(p, p->val_cols[i],
					   c >= ' ' && c < 0x7f
						   ? "invalid character '%c' in package name "
						     "(allowed: a-z 0-9 + - ., then :ARCH)"
						   : "invalid byte 0x%02x in package name "
						     "(allowed: a-z 0-9 + - ., then :ARCH)",
					   c);
	}
	if (n < 2 || v[1] == ':')
		return parse_error(p, p->val_col, "package name too short (at least 2 characters)");
	return true;
}

static bool check_value(struct parser *p, enum emb_rule_matcher matcher)
{
	switch (matcher) {
	case EMB_MATCH_SHA256:
		return check_sha256(p);
	case EMB_MATCH_PACKAGE:
		return check_package(p);
	default:
		return check_path(p, matcher);
	}
}

/* Reads MATCHER=VALUE into RULE. */
static bool parse_matcher(struct parser *p, struct emb_rule *rule, size_t prev_end)
{
	size_t start, len;
	struct quoted q;

	if (at_end(p))
		return parse_error(
			p, (unsigned)prev_end + 1,
			"missing matcher after '%s' (expected path=, dir=, sha256= or package=)",
			emb_op_name(rule->op));
	start = p->pos;
	len = scan_name(p);
	if (p->pos >= p->len || p->s[p->pos] != '=' || len == 0) {
		if (lookup_matcher(p->s + start, len, &rule->matcher))
			return parse_error(p, (unsigned)start + 1, "missing '=' after '%.*s'",
					   (int)len, p->s + start);
		p->pos = start;
		len = scan_word(p);
		return parse_error(p, (unsigned)start + 1,
				   "expected path=, dir=, sha256= or package=, got '%s'",
				   quote(&q, p->s + start, len));
	}
	if (!lookup_matcher(p->s + start, len, &rule->matcher)) {
		if (token_is(p->s + start, len, "key"))
			return parse_error(p, (unsigned)start + 1,
					   "missing matcher before 'key=' (expected path=, dir=, "
					   "sha256= or package=)");
		return parse_error(p, (unsigned)start + 1,
				   "unknown matcher '%s' (expected path, dir, sha256 or package)",
				   quote(&q, p->s + start, len));
	}
	p->pos++;
	if (!scan_value(p, p->s + start, len) || !check_value(p, rule->matcher))
		return false;
	rule->value_col = p->val_col;
	rule->value = strndup(p->val, p->val_len);
	if (!rule->value) {
		p->err = -ENOMEM;
		return false;
	}
	return true;
}

/* Reads the options after the matcher: only key=WORD for now. */
static bool parse_options(struct parser *p, struct emb_rule *rule)
{
	unsigned key_col = 0;

	while (!at_end(p)) {
		size_t start = p->pos, len = scan_name(p);
		enum emb_rule_matcher matcher;
		struct quoted q;

		if (p->pos >= p->len || p->s[p->pos] != '=' || len == 0) {
			if (token_is(p->s + start, len, "key"))
				return parse_error(p, (unsigned)start + 1,
						   "missing '=' after 'key'");
			p->pos = start;
			len = scan_word(p);
			return parse_error(p, (unsigned)start + 1,
					   "unexpected '%s' (expected key= or end of line)",
					   quote(&q, p->s + start, len));
		}
		if (lookup_matcher(p->s + start, len, &matcher))
			return parse_error(p, (unsigned)start + 1,
					   "second matcher '%.*s=' (a rule has exactly one)",
					   (int)len, p->s + start);
		if (!token_is(p->s + start, len, "key"))
			return parse_error(p, (unsigned)start + 1,
					   "unknown option '%s' (expected key)",
					   quote(&q, p->s + start, len));
		if (key_col)
			return parse_error(p, (unsigned)start + 1,
					   "key given twice, first at column %u", key_col);
		key_col = (unsigned)start + 1;
		p->pos++;
		if (!scan_value(p, "key", 3) || !check_key(p))
			return false;
		rule->key = strndup(p->val, p->val_len);
		if (!rule->key) {
			p->err = -ENOMEM;
			return false;
		}
	}
	return true;
}

static bool add_rule(struct parser *p, struct emb_rule *rule)
{
	struct emb_policy *policy = p->policy;

	if (policy->n_rules >= EMB_POLICY_MAX_RULES) {
		if (!p->rules_full)
			parse_error(p, rule->col, "too many rules (limit %d)",
				    EMB_POLICY_MAX_RULES);
		p->rules_full = true;
		return false;
	}
	if (!rule->key && asprintf(&rule->key, "%s:%u", p->file, p->line) < 0) {
		rule->key = NULL;
		p->err = -ENOMEM;
		return false;
	}
	if (policy->n_rules == policy->cap_rules) {
		size_t cap = policy->cap_rules ? policy->cap_rules * 2 : 64;
		struct emb_rule *v = realloc(policy->rules, cap * sizeof(*v));

		if (!v) {
			p->err = -ENOMEM;
			return false;
		}
		policy->rules = v;
		policy->cap_rules = cap;
	}
	policy->rules[policy->n_rules++] = *rule;
	return true;
}

/*
 * The kernel hashes a file when it is executed or mapped, once it is open; an open rule must
 * decide before that, so it cannot name content.
 */
static bool open_sha256_refused(struct parser *p, const struct emb_rule *rule)
{
	if (rule->op != EMB_OP_OPEN || rule->matcher != EMB_MATCH_SHA256)
		return true;
	return parse_error(
		p, rule->value_col - 7,
		"sha256= cannot be used with open (content is checked on exec and mmap)");
}

static void parse_rule(struct parser *p, size_t start, size_t len)
{
	struct emb_rule rule = { 0 };
	size_t op_start, op_len;
	const char *eq;
	struct quoted q;

	rule.file = p->file;
	rule.line = p->line;
	rule.col = (unsigned)start + 1;
	if (!lookup_verdict(p->s + start, len, &rule.verdict)) {
		unknown_verdict(p, start, len);
		return;
	}
	if (at_end(p)) {
		parse_error(p, (unsigned)(start + len) + 1,
			    "missing operation after '%.*s' (expected exec or open)", (int)len,
			    p->s + start);
		return;
	}
	op_start = p->pos;
	op_len = scan_word(p);
	eq = memchr(p->s + op_start, '=', op_len);
	if (eq &&
	    lookup_matcher(p->s + op_start, (size_t)(eq - (p->s + op_start)), &rule.matcher)) {
		parse_error(p, (unsigned)op_start + 1,
			    "missing operation before '%.*s=' (expected exec or open)",
			    (int)(eq - (p->s + op_start)), p->s + op_start);
		return;
	}
	if (token_is(p->s + op_start, op_len, "exec")) {
		rule.op = EMB_OP_EXEC;
	} else if (token_is(p->s + op_start, op_len, "open")) {
		rule.op = EMB_OP_OPEN;
	} else {
		parse_error(p, (unsigned)op_start + 1,
			    "unknown operation '%s' (expected exec or open)",
			    quote(&q, p->s + op_start, op_len));
		return;
	}
	if (parse_matcher(p, &rule, op_start + op_len) && open_sha256_refused(p, &rule) &&
	    parse_options(p, &rule) && add_rule(p, &rule))
		return;
	free(rule.value);
	free(rule.key);
}

static void parse_line(struct parser *p)
{
	size_t start, len;

	if (!check_line(p) || at_end(p))
		return;
	start = p->pos;
	len = scan_word(p);
	if (token_is(p->s + start, len, "mode"))
		parse_mode(p, start);
	else if (token_is(p->s + start, len, "version"))
		parse_version(p, start);
	else if (token_is(p->s + start, len, "running"))
		parse_running(p, start);
	else
		parse_rule(p, start, len);
}

int emb_policy_parse_buffer(struct emb_policy *policy, const char *name, const char *buf,
			    size_t len, struct emb_diags *diags)
{
	size_t before = diags_count(diags), off = 0;
	struct parser *p;
	const char *file;
	int err;

	file = policy_add_file(policy, name);
	if (!file)
		return -ENOMEM;
	if (len > EMB_POLICY_MAX_FILE_SIZE)
		return emb_diags_add(diags, file, 0, 0, "file too large (%zu bytes, limit %u)", len,
				     EMB_POLICY_MAX_FILE_SIZE);

	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->policy = policy;
	p->diags = diags;
	p->file = file;
	while (off < len && !p->err) {
		const char *nl = memchr(buf + off, '\n', len - off);

		p->s = buf + off;
		p->len = nl ? (size_t)(nl - p->s) : len - off;
		p->pos = 0;
		p->line++;
		parse_line(p);
		off += p->len + 1;
	}
	err = p->err;
	free(p);
	if (err)
		return err;
	return diags_count(diags) != before ? -EINVAL : 0;
}

static bool same_target(const struct emb_rule *x, const struct emb_rule *y)
{
	return x->op == y->op && x->matcher == y->matcher && strcmp(x->value, y->value) == 0;
}

static int rule_cmp(const void *a, const void *b)
{
	const struct emb_rule *x = *(const struct emb_rule *const *)a;
	const struct emb_rule *y = *(const struct emb_rule *const *)b;
	int c;

	if (x->op != y->op)
		return x->op < y->op ? -1 : 1;
	if (x->matcher != y->matcher)
		return x->matcher < y->matcher ? -1 : 1;
	c = strcmp(x->value, y->value);
	if (c)
		return c;
	/* The rules sit in one array, so address order is policy order: a stable sort. */
	return x < y ? -1 : x > y;
}

int emb_policy_check(struct emb_policy *policy, struct emb_diags *diags)
{
	size_t n = policy->n_rules, before = diags_count(diags), i, j;
	const struct emb_rule **sorted, **earlier;
	int err = 0;

	if (policy->n_checked >= n)
		return 0;
	sorted = calloc(n, sizeof(*sorted));
	earlier = calloc(n, sizeof(*earlier));
	if (!sorted || !earlier) {
		err = -ENOMEM;
		goto out;
	}
	/* Rules derived from package= rules are the package rule's business, not checked here. */
	for (i = 0, n = 0; i < policy->n_rules; i++)
		if (!policy->rules[i].origin)
			sorted[n++] = &policy->rules[i];
	qsort(sorted, n, sizeof(*sorted), rule_cmp);

	/* In each run of equal (op, matcher, value), each rule looks for its first predecessor. */
	for (i = 0; i < n; i = j) {
		const struct emb_rule *first_of[EMB_RULE_DENY + 1] = { 0 };

		first_of[sorted[i]->verdict] = sorted[i];
		for (j = i + 1; j < n && same_target(sorted[i], sorted[j]); j++) {
			const struct emb_rule *r = sorted[j];

			/* Same verdict: a duplicate of that one; else it contradicts the first. */
			if (first_of[r->verdict]) {
				earlier[r - policy->rules] = first_of[r->verdict];
			} else {
				earlier[r - policy->rules] = sorted[i];
				first_of[r->verdict] = r;
			}
		}
	}

	/* Reported in policy order, which is how people read a policy. */
	for (i = policy->n_checked; i < policy->n_rules; i++) {
		const struct emb_rule *r = &policy->rules[i], *e = earlier[i];
		char where[PATH_MAX + 32];

		if (!e)
			continue;
		format_where(where, sizeof(where), r->file, e->file, e->line);
		if (e->verdict == r->verdict)
			err = emb_diags_add(diags, r->file, r->line, r->col,
					    "duplicate rule, first at %s", where);
		else
			err = emb_diags_add(diags, r->file, r->line, r->col,
					    "contradicts the %s rule at %s",
					    emb_verdict_name(e->verdict), where);
		if (err == -ENOMEM)
			goto out;
	}
	err = 0;
	policy->n_checked = policy->n_rules;
out:
	free(sorted);
	free(earlier);
	if (err)
		return err;
	return diags_count(diags) != before ? -EINVAL : 0;
}

/* Reads an open regular file whole and parses it. */
static int load_fd(struct emb_policy *policy, int fd, const struct stat *st, const char *name,
		   struct emb_diags *diags)
{
	size_t cap, len = 0;
	char *buf, *grown;
	int r;

	if ((uintmax_t)st->st_size > EMB_POLICY_MAX_FILE_SIZE)
		return emb_diags_add(diags, name, 0, 0, "file too large (%jd bytes, limit %u)",
				     (intmax_t)st->st_size, EMB_POLICY_MAX_FILE_SIZE);
	/* The size may change while we read: read to EOF, never beyond the limit plus one. */
	cap = (size_t)st->st_size + 1;
	buf = malloc(cap);
	if (!buf)
		return -ENOMEM;
	for (;;) {
		ssize_t n;

		if (len == cap) {
			if (cap > EMB_POLICY_MAX_FILE_SIZE) {
				r = emb_diags_add(diags, name, 0, 0,
						  "file too large (over %u bytes, limit %u)",
						  EMB_POLICY_MAX_FILE_SIZE,
						  EMB_POLICY_MAX_FILE_SIZE);
				goto out;
			}
			cap = cap * 2 > EMB_POLICY_MAX_FILE_SIZE + 1 ? EMB_POLICY_MAX_FILE_SIZE + 1
								     : cap * 2;
			grown = realloc(buf, cap);
			if (!grown) {
				r = -ENOMEM;
				goto out;
			}
			buf = grown;
		}
		n = read(fd, buf + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = emb_diags_add(diags, name, 0, 0, "cannot read: %s", strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	r = emb_policy_parse_buffer(policy, name, buf, len, diags);
out:
	free(buf);
	return r;
}

/* O_NONBLOCK: opening a FIFO would otherwise wait for a writer; O_NOCTTY: a tty stays ours. */
#define OPEN_FLAGS (O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK)

static bool is_policy_name(const char *name)
{
	size_t len = strlen(name);

	/* Dot files are skipped: editors keep lock and backup files there (".#a.policy"). */
	return name[0] != '.' && len > 7 && strcmp(name + len - 7, ".policy") == 0;
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int load_dir(struct emb_policy *policy, int fd, const char *path, struct emb_diags *diags)
{
	char **names = NULL, **grown;
	size_t n = 0, i;
	struct dirent *de;
	int err = 0, r;
	DIR *dir;

	dir = fdopendir(fd);
	if (!dir) {
		err = emb_diags_add(diags, path, 0, 0, "cannot read: %s", strerror(errno));
		close(fd);
		return err;
	}
	for (;;) {
		errno = 0;
		de = readdir(dir);
		if (!de) {
			if (errno)
				err = emb_diags_add(diags, path, 0, 0, "cannot read: %s",
						    strerror(errno));
			break;
		}
		if (!is_policy_name(de->d_name))
			continue;
		grown = realloc(names, (n + 1) * sizeof(*names));
		if (!grown) {
			err = -ENOMEM;
			goto out;
		}
		names = grown;
		names[n] = strdup(de->d_name);
		if (!names[n]) {
			err = -ENOMEM;
			goto out;
		}
		n++;
	}
	if (n)
		qsort(names, n, sizeof(*names), name_cmp);

	for (i = 0; i < n; i++) {
		size_t plen = strlen(path);
		bool slash = plen > 0 && path[plen - 1] == '/';
		struct stat st;
		char *name;
		int file_fd;

		if (asprintf(&name, "%s%s%s", path, slash ? "" : "/", names[i]) < 0) {
			err = -ENOMEM;
			goto out;
		}
		file_fd = openat(dirfd(dir), names[i], OPEN_FLAGS);
		if (file_fd < 0) {
			r = emb_diags_add(diags, name, 0, 0, "cannot read: %s", strerror(errno));
		} else if (fstat(file_fd, &st) < 0) {
			r = emb_diags_add(diags, name, 0, 0, "cannot read: %s", strerror(errno));
		} else if (S_ISDIR(st.st_mode)) {
			r = 0; /* only files directly in the directory count */
		} else if (!S_ISREG(st.st_mode)) {
			r = emb_diags_add(diags, name, 0, 0, "cannot read: not a regular file");
		} else {
			r = load_fd(policy, file_fd, &st, name, diags);
		}
		if (file_fd >= 0)
			close(file_fd);
		free(name);
		if (r == -ENOMEM) {
			err = r;
			goto out;
		}
		if (r)
			err = r;
	}
out:
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	closedir(dir);
	return err;
}

static int load_path(struct emb_policy *policy, const char *path, struct emb_diags *diags)
{
	struct stat st;
	int fd, r;

	fd = open(path, OPEN_FLAGS);
	if (fd < 0)
		return emb_diags_add(diags, path, 0, 0, "cannot read: %s", strerror(errno));
	if (fstat(fd, &st) < 0) {
		r = emb_diags_add(diags, path, 0, 0, "cannot read: %s", strerror(errno));
	} else if (S_ISDIR(st.st_mode)) {
		return load_dir(policy, fd, path, diags);
	} else if (!S_ISREG(st.st_mode)) {
		r = emb_diags_add(diags, path, 0, 0, "cannot read: not a regular file");
	} else {
		r = load_fd(policy, fd, &st, path, diags);
	}
	close(fd);
	return r;
}

int emb_policy_load(struct emb_policy *policy, const char *const *paths, size_t n_paths,
		    struct emb_diags *diags)
{
	size_t before = diags_count(diags), i;
	int r;

	for (i = 0; i < n_paths; i++) {
		r = load_path(policy, paths[i], diags);
		if (r == -ENOMEM)
			return r;
	}
	r = emb_policy_check(policy, diags);
	if (r == -ENOMEM)
		return r;
	return diags_count(diags) != before ? -EINVAL : 0;
}
