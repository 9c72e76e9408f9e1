// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <fcntl.h>
#include <fts.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "resolve.h"

uint32_t emb_kernel_dev(dev_t st_dev)
{
	return (uint32_t)((major(st_dev) << 20) | (minor(st_dev) & 0xfffff));
}

void emb_kernel_dev_format(uint32_t kdev, char *buf, size_t size)
{
	snprintf(buf, size, "%u:%u", kdev >> 20, kdev & 0xfffff);
}

/* An entry while resolving: how specific its rule is for that inode decides among rivals. */
struct candidate {
	struct emb_entry e;
	uint32_t
		specificity; /* SPEC_EXACT for what a rule names; a dir's depth for a scanned file */
	int pin;	     /* O_PATH descriptor of the inode */
};

#define SPEC_EXACT UINT32_MAX

struct candidates {
	struct candidate *v;
	size_t n, cap;
};

static int candidates_push(struct candidates *c, const struct candidate *x)
{
	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 64;
		struct candidate *v = realloc(c->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		c->v = v;
		c->cap = cap;
	}
	c->v[c->n++] = *x;
	return 0;
}

/* Orders keys: kind, operation, then the inode or the hash. */
static int key_cmp(const struct emb_rule_key *x, const struct emb_rule_key *y)
{
	if (x->kind != y->kind)
		return x->kind < y->kind ? -1 : 1;
	if (x->op != y->op)
		return x->op < y->op ? -1 : 1;
	if (x->dev != y->dev)
		return x->dev < y->dev ? -1 : 1;
	if (x->ino != y->ino)
		return x->ino < y->ino ? -1 : 1;
	return memcmp(x->sha256, y->sha256, sizeof(x->sha256));
}

static int candidate_cmp(const void *a, const void *b)
{
	const struct candidate *cx = a, *cy = b;
	const struct emb_entry *x = &cx->e, *y = &cy->e;
	int k = key_cmp(&x->key, &y->key);

	if (k)
		return k;
	/* Equal inodes: the most specific rule first, then the strongest verdict, then the first. */
	if (cx->specificity != cy->specificity)
		return cx->specificity > cy->specificity ? -1 : 1;
	if (x->value.verdict != y->value.verdict)
		return x->value.verdict > y->value.verdict ? -1 : 1;
	return x->value.rule_id < y->value.rule_id ? -1 : (x->value.rule_id > y->value.rule_id);
}

/*
 * RLIMIT_NOFILE when last read in this resolve (0: not yet). Read once per target it would
 * cost a system call each: it is read at the first target and again only when a descriptor
 * comes near the limit seen. Each resolve starts over, so a limit changed in between counts.
 */
static rlim_t fd_limit_seen;

/*
 * Opens PATH to hold its inode, leaving EMB_RESOLVE_FD_RESERVE descriptors below the limit to
 * the caller; past that, fails with EMFILE like a full table would.
 */
static int open_pin(const char *path, int flags)
{
	int fd = open(path, O_PATH | O_CLOEXEC | flags);
	struct rlimit rl;

	if (fd < 0 || (rlim_t)fd + EMB_RESOLVE_FD_RESERVE < fd_limit_seen)
		return fd;
	if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur == RLIM_INFINITY)
		return fd;
	fd_limit_seen = rl.rlim_cur;
	if ((rlim_t)fd + EMB_RESOLVE_FD_RESERVE >= rl.rlim_cur) {
		close(fd);
		errno = EMFILE;
		return -1;
	}
	return fd;
}

/*
 * MODE's effect on an entry: audit mode turns deny into audit and marks it, so that the events
 * it decides say they would be denials under enforce mode.
 */
static void apply_mode(struct emb_rule_value *v, enum emb_mode mode)
{
	v->flags &= (__u8)~EMB_RULE_F_WOULD_DENY;
	if (mode == EMB_MODE_AUDIT && v->verdict == EMB_VERDICT_DENY) {
		v->verdict = EMB_VERDICT_AUDIT;
		v->flags |= EMB_RULE_F_WOULD_DENY;
	}
}

/* Returns 0 with *PIN open on the target, 1 when it does not exist, or a diagnostic's -errno. */
static int resolve_rule(const struct emb_rule *rule, struct stat *st, int *pin,
			struct emb_diags *diags)
{
	int fd = open_pin(rule->value, 0);
	int err = fd < 0 ? errno : 0;

	/* Out of descriptors: the entry goes in unpinned (see struct emb_resolved). */
	if (fd < 0 && (err == EMFILE || err == ENFILE))
		err = stat(rule->value, st) < 0 ? errno : 0;
	else if (fd >= 0 && fstat(fd, st) < 0)
		err = errno;
	if (err) {
		if (fd >= 0)
			close(fd);
		if (err == ENOENT || err == ENOTDIR)
			return 1;
		if (err == ENOMEM)
			return -err;
		return emb_diags_add(diags, rule->file, rule->line, rule->value_col,
				     "cannot resolve '%s': %s", rule->value, strerror(err));
	}
	*pin = fd;
	if (!((rule->matcher == EMB_MATCH_DIR && S_ISDIR(st->st_mode)) ||
	      (rule->matcher == EMB_MATCH_PATH && S_ISREG(st->st_mode)))) {
		close(fd);
		*pin = -1;
	}
	if (rule->matcher == EMB_MATCH_DIR && !S_ISDIR(st->st_mode))
		return emb_diags_add(diags, rule->file, rule->line, rule->value_col,
				     "'%s' is not a directory (use path=)", rule->value);
	if (rule->matcher == EMB_MATCH_PATH && S_ISDIR(st->st_mode))
		return emb_diags_add(diags, rule->file, rule->line, rule->value_col,
				     "'%s' is a directory (use dir=)", rule->value);
	if (rule->matcher == EMB_MATCH_PATH && !S_ISREG(st->st_mode))
		return emb_diags_add(diags, rule->file, rule->line, rule->value_col,
				     "'%s' is not a regular file", rule->value);
	return 0;
}

/*
 * A file below a dir= tree that has other names (hardlinks) may be executed through a name
 * outside the tree, where the walk up from it never meets the directory. Such files are found
 * here and entered by inode, as specific as the depth of the directory that holds them.
 */
static int scan_hardlinks(const struct emb_policy *policy, size_t rule_id, struct candidates *c,
			  size_t *budget)
{
	const struct emb_rule *rule = &policy->rules[rule_id];
	char *const roots[] = { rule->value, NULL };
	FTSENT *ent;
	FTS *fts;
	int err = 0;

	fts = fts_open(roots, FTS_PHYSICAL | FTS_NOCHDIR, NULL);
	if (!fts)
		return -errno;
	while (!err && (ent = fts_read(fts))) {
		struct candidate x = { .specificity = (uint32_t)strlen(rule->value) };
		struct stat st;

		if (ent->fts_info != FTS_F || ent->fts_statp->st_nlink < 2)
			continue;
		if (*budget == 0)
			break;
		(*budget)--;
		x.pin = open_pin(ent->fts_accpath, O_NOFOLLOW);
		if (x.pin < 0 && (errno == EMFILE || errno == ENFILE)) {
			st = *ent->fts_statp; /* out of descriptors: unpinned */
		} else if (x.pin < 0 || fstat(x.pin, &st) < 0 ||
			   st.st_ino != ent->fts_statp->st_ino) {
			/* Gone or replaced since the walk read it. */
			if (x.pin >= 0)
				close(x.pin);
			continue;
		}
		x.e.key.kind = EMB_KEY_INODE;
		x.e.key.op = (uint8_t)rule->op;
		x.e.key.dev = emb_kernel_dev(st.st_dev);
		x.e.key.ino = st.st_ino;
		x.e.value.rule_id = (uint32_t)rule_id;
		x.e.value.verdict = (uint8_t)rule->verdict;
		err = candidates_push(c, &x);
		if (err)
			close(x.pin);
	}
	fts_close(fts);
	return err;
}

int emb_policy_resolve(const struct emb_policy *policy, enum emb_mode mode, uint32_t generation,
		       struct emb_resolved *out, struct emb_diags *diags)
{
	return emb_policy_resolve_flags(policy, mode, generation, EMB_RESOLVE_SCAN_HARDLINKS, out,
					diags);
}

int emb_policy_resolve_flags(const struct emb_policy *policy, enum emb_mode mode,
			     uint32_t generation, unsigned flags, struct emb_resolved *out,
			     struct emb_diags *diags)
{
	struct emb_resolved r = { 0 };
	struct candidates c = { 0 };
	size_t i, n_diags = diags->n + diags->dropped, budget = EMB_RESOLVE_MAX_SCANNED;
	int err;

	fd_limit_seen = 0;
	if (policy->n_rules) {
		r.pending = calloc(policy->n_rules, sizeof(*r.pending));
		if (!r.pending) {
			err = -ENOMEM;
			goto fail;
		}
	}
	for (i = 0; i < policy->n_rules; i++) {
		const struct emb_rule *rule = &policy->rules[i];
		struct candidate x = { .specificity = SPEC_EXACT, .pin = -1 };
		struct stat st;
		int rc;

		/* A package= rule acts through the rules derived from it (package.h). */
		if (rule->matcher == EMB_MATCH_PACKAGE)
			continue;
		/* Content is checked on exec only: a package's open rules act by path. */
		if (rule->matcher == EMB_MATCH_SHA256 && rule->op == EMB_OP_OPEN)
			continue;
		if (rule->matcher == EMB_MATCH_SHA256) {
			x.e.key.kind = EMB_KEY_SHA256;
			x.e.key.op = (uint8_t)rule->op;
			if (!emb_sha256_parse(rule->value, x.e.key.sha256)) {
				emb_diags_add(diags, rule->file, rule->line, rule->value_col,
					      "bad sha256 '%s'", rule->value);
				continue;
			}
			x.e.value.rule_id = (uint32_t)i;
			x.e.value.verdict = (uint8_t)rule->verdict;
			r.meta_flags |= EMB_META_SHA256_EXEC;
			err = candidates_push(&c, &x);
			if (err)
				goto fail;
			continue;
		}
		rc = resolve_rule(rule, &st, &x.pin, diags);
		if (rc < 0 && rc != -EINVAL) {
			err = rc;
			goto fail;
		}
		if (rc == 1)
			r.pending[r.n_pending++] = i;
		if (rc)
			continue;
		x.e.key.kind = EMB_KEY_INODE;
		x.e.key.op = (uint8_t)rule->op;
		x.e.key.dev = emb_kernel_dev(st.st_dev);
		x.e.key.ino = st.st_ino;
		x.e.value.rule_id = (uint32_t)i;
		x.e.value.verdict = (uint8_t)rule->verdict;
		x.e.value.is_dir = rule->matcher == EMB_MATCH_DIR;
		if (rule->op == EMB_OP_OPEN)
			r.meta_flags |= EMB_META_OPEN | (x.e.value.is_dir ? EMB_META_DIRS_OPEN : 0);
		else if (x.e.value.is_dir)
			r.meta_flags |= EMB_META_DIRS_EXEC;
		r.has_dirs = (r.meta_flags & EMB_META_DIRS_EXEC) != 0;
		err = candidates_push(&c, &x);
		if (err)
			close(x.pin);
		if (!err && rule->matcher == EMB_MATCH_DIR && (flags & EMB_RESOLVE_SCAN_HARDLINKS))
			err = scan_hardlinks(policy, i, &c, &budget);
		if (err)
			goto fail;
	}
	if (diags->n + diags->dropped != n_diags) {
		err = -EINVAL;
		goto fail;
	}
	r.scan_truncated = budget == 0;

	/* One entry per inode: after sorting, the first of each run wins. */
	qsort(c.v, c.n, sizeof(*c.v), candidate_cmp);
	if (c.n) {
		r.entries = calloc(c.n, sizeof(*r.entries));
		r.pins = calloc(c.n, sizeof(*r.pins));
		if (!r.entries || !r.pins) {
			err = -ENOMEM;
			goto fail;
		}
	}
	for (i = 0; i < c.n; i++) {
		struct emb_entry *e = &c.v[i].e;

		if (r.n_entries && !key_cmp(&r.entries[r.n_entries - 1].key, &e->key)) {
			close(c.v[i].pin);
			continue;
		}
		e->value.generation = generation;
		apply_mode(&e->value, mode);
		r.pins[r.n_entries] = c.v[i].pin;
		r.n_unpinned += c.v[i].pin < 0 && e->key.kind == EMB_KEY_INODE;
		r.entries[r.n_entries++] = *e;
	}
	free(c.v);
	*out = r;
	return 0;
fail:
	for (i = 0; i < c.n; i++)
		close(c.v[i].pin);
	free(c.v);
	emb_resolved_free(&r);
	return err;
}

struct rule_ref {
	const struct emb_rule *rule;
	size_t id;
};

static int rule_ref_cmp(const void *a, const void *b)
{
	const struct emb_rule *x = ((const struct rule_ref *)a)->rule;
	const struct emb_rule *y = ((const struct rule_ref *)b)->rule;

	if (x->op != y->op)
		return x->op < y->op ? -1 : 1;
	if (x->matcher != y->matcher)
		return x->matcher < y->matcher ? -1 : 1;
	return strcmp(x->value, y->value);
}

static int entry_key_cmp(const void *a, const void *b)
{
	return key_cmp(&((const struct emb_entry *)a)->key, &((const struct emb_entry *)b)->key);
}

const struct emb_entry *emb_resolved_find_key(const struct emb_resolved *r,
					      const struct emb_rule_key *key)
{
	struct emb_entry x = { .key = *key };

	if (!r->n_entries)
		return NULL;
	return bsearch(&x, r->entries, r->n_entries, sizeof(x), entry_key_cmp);
}

const struct emb_entry *emb_resolved_find(const struct emb_resolved *r, uint32_t dev, uint64_t ino)
{
	struct emb_rule_key key = {
		.ino = ino, .dev = dev, .kind = EMB_KEY_INODE, .op = EMB_OP_EXEC
	};

	return emb_resolved_find_key(r, &key);
}

int emb_resolved_retain(struct emb_resolved *fresh, const struct emb_policy *policy,
			enum emb_mode mode, uint32_t generation, struct emb_resolved *old,
			const struct emb_policy *old_policy)
{
	struct rule_ref *refs = NULL;
	size_t i, n_keep = 0, n;
	struct emb_entry *entries;
	int *pins, err = 0;

	if (!old->n_entries)
		return 0;
	if (policy->n_rules) {
		refs = calloc(policy->n_rules, sizeof(*refs));
		if (!refs)
			return -ENOMEM;
	}
	for (i = 0; i < policy->n_rules; i++)
		refs[i] = (struct rule_ref){ &policy->rules[i], i };
	qsort(refs, policy->n_rules, sizeof(*refs), rule_ref_cmp);

	/* Old entries not in FRESH whose file still exists and whose rule is still there. */
	for (i = 0; i < old->n_entries; i++) {
		struct emb_entry *e = &old->entries[i];
		const struct emb_rule *rule;
		struct rule_ref key, *hit;
		struct stat st;

		old->entries[i].value.pad[0] = 0;
		if (e->value.rule_id >= old_policy->n_rules || old->pins[i] < 0 ||
		    e->key.kind != EMB_KEY_INODE)
			continue;
		if (emb_resolved_find_key(fresh, &e->key))
			continue;
		if (fstat(old->pins[i], &st) < 0 || st.st_nlink == 0)
			continue;
		key.rule = &old_policy->rules[e->value.rule_id];
		hit = policy->n_rules
			      ? bsearch(&key, refs, policy->n_rules, sizeof(*refs), rule_ref_cmp)
			      : NULL;
		if (!hit)
			continue;
		rule = hit->rule;
		e->value.rule_id = (uint32_t)hit->id;
		e->value.generation = generation;
		e->value.verdict = (uint8_t)rule->verdict;
		apply_mode(&e->value, mode);
		old->entries[i].value.pad[0] = 1; /* marks it kept, below */
		n_keep++;
	}
	free(refs);
	if (!n_keep)
		return 0;

	n = fresh->n_entries + n_keep;
	entries = realloc(fresh->entries, n * sizeof(*entries));
	if (entries)
		fresh->entries = entries;
	pins = entries ? realloc(fresh->pins, n * sizeof(*pins)) : NULL;
	if (pins)
		fresh->pins = pins;
	if (!entries || !pins)
		err = -ENOMEM;
	for (i = 0; i < old->n_entries; i++) {
		if (!old->entries[i].value.pad[0])
			continue;
		old->entries[i].value.pad[0] = 0;
		if (err)
			continue;
		fresh->entries[fresh->n_entries] = old->entries[i];
		fresh->pins[fresh->n_entries++] = old->pins[i];
		old->pins[i] = -1;
	}
	if (err)
		return err;
	/* Keep FRESH sorted by key: retained keys were absent from it, so no duplicates arise. */
	{
		struct candidate *tmp = calloc(fresh->n_entries, sizeof(*tmp));

		if (!tmp)
			return -ENOMEM;
		for (i = 0; i < fresh->n_entries; i++)
			tmp[i] =
				(struct candidate){ .e = fresh->entries[i], .pin = fresh->pins[i] };
		qsort(tmp, fresh->n_entries, sizeof(*tmp), candidate_cmp);
		for (i = 0; i < fresh->n_entries; i++) {
			fresh->entries[i] = tmp[i].e;
			fresh->pins[i] = tmp[i].pin;
		}
		free(tmp);
	}
	return 0;
}

void emb_resolved_free(struct emb_resolved *r)
{
	for (size_t i = 0; r->pins && i < r->n_entries; i++)
		close(r->pins[i]);
	free(r->pins);
	free(r->entries);
	free(r->pending);
	*r = (struct emb_resolved){ 0 };
}
