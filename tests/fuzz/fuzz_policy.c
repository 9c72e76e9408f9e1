// SPDX-License-Identifier: GPL-2.0-only
/*
 * The policy parser on arbitrary text: emb_policy_parse_buffer() for one or two files (the
 * input split at its first form feed, a byte no valid policy holds), then emb_policy_check()
 * and emb_diag_format(). Beyond memory errors it checks what policy.h promises: every rule's
 * value is in its canonical form, diagnostics point into the text, at most one per line, and
 * the rules written back as policy text parse again to the same rules, without a diagnostic.
 */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <string.h>

#include "fuzz.h"
#include "policy.h"
#include "strbuf.h"

static const char *const names[2] = { "a.policy", "b.policy" };

struct text {
	const char *buf;
	size_t len;
};

/* The length of line LINE (1-based) of T, or -1 when T has no such line. */
static long line_len(const struct text *t, unsigned line)
{
	size_t off = 0;

	for (unsigned n = 1; off < t->len; n++) {
		const char *nl = memchr(t->buf + off, '\n', t->len - off);
		size_t len = nl ? (size_t)(nl - (t->buf + off)) : t->len - off;

		if (n == line)
			return (long)len;
		off += len + 1;
	}
	return -1;
}

static bool is_key(const char *k)
{
	size_t n = strlen(k);

	if (!n || n > EMB_POLICY_MAX_KEY)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._:@/-",
			    k[i]))
			return false;
	return true;
}

/* policy.h: path= and dir= values are canonical absolute paths. */
static bool is_canonical_path(const char *v, bool dir)
{
	size_t n = strlen(v);

	if (v[0] != '/' || strstr(v, "//") || (n > 1 && v[n - 1] == '/') || (dir && n == 1))
		return false;
	for (const char *c = v; *c; c++)
		if ((unsigned char)*c < ' ' || *c == 0x7f)
			return false;
	return !strstr(v, "/./") && !strstr(v, "/../") && strcmp(v + (n >= 2 ? n - 2 : 0), "/.") &&
	       strcmp(v + (n >= 3 ? n - 3 : 0), "/..");
}

static bool is_package(const char *v)
{
	const char *colon = strchr(v, ':');
	size_t name_len = colon ? (size_t)(colon - v) : strlen(v);

	if (name_len < 2 || !((v[0] >= 'a' && v[0] <= 'z') || (v[0] >= '0' && v[0] <= '9')))
		return false;
	for (size_t i = 0; i < name_len; i++)
		if (!strchr("abcdefghijklmnopqrstuvwxyz0123456789+-.", v[i]))
			return false;
	if (colon && (!colon[1] || strspn(colon + 1, "abcdefghijklmnopqrstuvwxyz0123456789-") !=
					   strlen(colon + 1)))
		return false;
	return true;
}

static void check_rule(const struct emb_policy *p, const struct emb_rule *r,
		       const struct text *texts, size_t n_texts)
{
	size_t f;
	long len;

	FUZZ_CHECK(r->verdict <= EMB_RULE_DENY);
	FUZZ_CHECK(r->op == EMB_OP_EXEC || r->op == EMB_OP_OPEN);
	FUZZ_CHECK(r->origin == 0);
	FUZZ_CHECK(r->value && r->key && is_key(r->key));
	for (f = 0; f < p->n_files && r->file != p->files[f]; f++)
		;
	FUZZ_CHECK(f < p->n_files && f < n_texts);
	len = line_len(&texts[f], r->line);
	FUZZ_CHECK(len >= 0 && r->col >= 1 && r->col <= (unsigned long)len);
	FUZZ_CHECK(r->value_col > r->col && r->value_col <= (unsigned long)len);
	switch (r->matcher) {
	case EMB_MATCH_PATH:
	case EMB_MATCH_DIR:
		FUZZ_CHECK(is_canonical_path(r->value, r->matcher == EMB_MATCH_DIR));
		break;
	case EMB_MATCH_SHA256:
		FUZZ_CHECK(r->op == EMB_OP_EXEC);
		FUZZ_CHECK(strlen(r->value) == 64 && strspn(r->value, "0123456789abcdef") == 64);
		break;
	case EMB_MATCH_PACKAGE:
		FUZZ_CHECK(is_package(r->value));
		break;
	default:
		FUZZ_CHECK(!"unknown matcher");
	}
}

/* Diagnostics point into the text (line 0: the file as a whole), at most one per line. */
static void check_diags(const struct emb_diags *d, const struct text *texts, size_t n_texts)
{
	FUZZ_CHECK(d->n <= EMB_POLICY_MAX_DIAGS);
	for (size_t i = 0; i < d->n; i++) {
		const struct emb_diag *g = &d->v[i];
		char small[16], *full;
		size_t f;
		int n;

		for (f = 0; f < n_texts && strcmp(g->file, names[f]); f++)
			;
		FUZZ_CHECK(f < n_texts && g->msg && g->msg[0]);
		if (g->line) {
			long len = line_len(&texts[f], g->line);

			FUZZ_CHECK(len >= 0 && g->col >= 1 && g->col <= (unsigned long)len + 1);
		}
		for (size_t j = 0; j < i; j++)
			FUZZ_CHECK(!g->line || d->v[j].line != g->line ||
				   strcmp(d->v[j].file, g->file));
		n = emb_diag_format(g, small, sizeof(small));
		FUZZ_CHECK(n > 0 &&
			   strlen(small) ==
				   ((size_t)n < sizeof(small) ? (size_t)n : sizeof(small) - 1));
		full = malloc((size_t)n + 1);
		FUZZ_CHECK(full && emb_diag_format(g, full, (size_t)n + 1) == n);
		FUZZ_CHECK(strlen(full) == (size_t)n && !strncmp(full, small, strlen(small)));
		free(full);
	}
}

/* VALUE as the policy language writes it: quoted (escaping '"' and '\') when it must be. */
static void put_value(struct strbuf *sb, const char *v)
{
	if (!strpbrk(v, " \t#\"")) {
		sb_puts(sb, v);
		return;
	}
	sb_putc(sb, '"');
	for (; *v; v++) {
		if (*v == '"' || *v == '\\')
			sb_putc(sb, '\\');
		sb_putc(sb, *v);
	}
	sb_putc(sb, '"');
}

/* Rules of file FILE (and the policy's settings with the first file) as policy text. */
static bool write_policy(const struct emb_policy *p, size_t file, struct strbuf *sb)
{
	if (file == 0) {
		if (p->mode != EMB_MODE_UNSET)
			sb_printf(sb, "mode %s\n", emb_mode_name(p->mode));
		if (p->version)
			sb_printf(sb, "version %llu\n", (unsigned long long)p->version);
		if (p->running != EMB_RUNNING_UNSET)
			sb_printf(sb, "running %s\n", emb_running_name(p->running));
	}
	for (size_t i = 0; i < p->n_rules; i++) {
		const struct emb_rule *r = &p->rules[i];
		size_t start = sb->len;

		if (r->file != p->files[file])
			continue;
		sb_printf(sb, "%s %s %s=", emb_verdict_name(r->verdict), emb_op_name(r->op),
			  emb_matcher_name(r->matcher));
		put_value(sb, r->value);
		sb_printf(sb, " key=%s", r->key);
		/* A written rule may come out longer than the line it was read from. */
		if (sb->len - start > EMB_POLICY_MAX_LINE)
			return false;
		sb_putc(sb, '\n');
	}
	FUZZ_CHECK(!sb->oom);
	return true;
}

static bool same_rule(const struct emb_rule *a, const struct emb_rule *b)
{
	return a->verdict == b->verdict && a->op == b->op && a->matcher == b->matcher &&
	       !strcmp(a->value, b->value) && !strcmp(a->key, b->key) && !strcmp(a->file, b->file);
}

static void check_round_trip(const struct emb_policy *p, size_t n_texts, size_t checked)
{
	struct emb_policy again = { 0 };
	struct emb_diags diags = { 0 };
	struct strbuf sb[2] = { { 0 } };

	for (size_t f = 0; f < n_texts; f++)
		if (!write_policy(p, f, &sb[f]))
			goto out;
	for (size_t f = 0; f < n_texts; f++)
		FUZZ_CHECK(emb_policy_parse_buffer(&again, names[f], sb[f].buf ? sb[f].buf : "",
						   sb[f].len, &diags) == 0);
	FUZZ_CHECK(diags.n == 0 && again.n_rules == p->n_rules);
	FUZZ_CHECK(again.mode == p->mode && again.version == p->version &&
		   again.running == p->running);
	for (size_t i = 0; i < p->n_rules; i++)
		FUZZ_CHECK(same_rule(&p->rules[i], &again.rules[i]));
	/* The same duplicates and contradictions, found again. */
	emb_policy_check(&again, &diags);
	FUZZ_CHECK(diags.n + diags.dropped == checked);
out:
	emb_policy_free(&again);
	emb_diags_free(&diags);
	sb_free(&sb[0]);
	sb_free(&sb[1]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data, *ff = memchr(buf, '\f', size);
	struct text texts[2] = { { buf, ff ? (size_t)(ff - buf) : size } };
	size_t n_texts = 1, before;
	struct emb_policy policy = { 0 };
	struct emb_diags diags = { 0 };
	int r;

	if (ff) {
		texts[1] = (struct text){ ff + 1, size - (size_t)(ff + 1 - buf) };
		n_texts = 2;
	}
	for (size_t f = 0; f < n_texts; f++) {
		before = diags.n + diags.dropped;
		r = emb_policy_parse_buffer(&policy, names[f], texts[f].buf, texts[f].len, &diags);
		FUZZ_CHECK(r == (diags.n + diags.dropped != before ? -EINVAL : 0));
	}
	before = diags.n + diags.dropped;
	r = emb_policy_check(&policy, &diags);
	FUZZ_CHECK(r == (diags.n + diags.dropped != before ? -EINVAL : 0));
	FUZZ_CHECK(policy.n_checked == policy.n_rules);
	FUZZ_CHECK(emb_policy_check(&policy, &diags) == 0);

	for (size_t i = 0; i < policy.n_rules; i++)
		check_rule(&policy, &policy.rules[i], texts, n_texts);
	check_diags(&diags, texts, n_texts);
	if (!diags.dropped)
		check_round_trip(&policy, n_texts, diags.n + diags.dropped - before);

	emb_policy_free(&policy);
	emb_diags_free(&diags);
	return 0;
}
