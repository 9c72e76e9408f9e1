// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>
#include <string.h>
#include <sys/stat.h>

#include "explain.h"
#include "hash.h"

/* The entry for the inode at PATH, NULL when none; -errno in *ERR when PATH cannot be stat'ed. */
static const struct emb_entry *lookup(const struct emb_resolved *resolved, const char *path,
				      struct stat *st, int *err)
{
	if (stat(path, st) < 0) {
		*err = -errno;
		return NULL;
	}
	return emb_resolved_find(resolved, emb_kernel_dev(st->st_dev), st->st_ino);
}

static int decide(const struct emb_policy *policy, const struct emb_entry *e, size_t depth,
		  const char *path, struct emb_explanation *x)
{
	if (e->value.rule_id >= policy->n_rules)
		return -EINVAL;
	x->matched = true;
	x->verdict = (enum emb_rule_verdict)e->value.verdict;
	x->rule = &policy->rules[e->value.rule_id];
	x->entry = e;
	x->depth = depth;
	strcpy(x->matched_path, path);
	return 0;
}

int emb_explain(const struct emb_policy *policy, const struct emb_resolved *resolved,
		const char *path, struct emb_explanation *out)
{
	return emb_explain_content(policy, resolved, path, NULL, true, out);
}

int emb_explain_content(const struct emb_policy *policy, const struct emb_resolved *resolved,
			const char *path, const unsigned char *sha256, bool may_read,
			struct emb_explanation *out)
{
	struct emb_explanation *x;
	const struct emb_entry *e;
	char dir[PATH_MAX];
	struct stat st;
	size_t depth;
	int err = 0;

	/* Built aside, so that *OUT is written only on success. */
	x = calloc(1, sizeof(*x));
	if (!x)
		return -ENOMEM;
	x->verdict = EMB_RULE_ALLOW;
	if (!realpath(path, x->resolved)) {
		err = -errno;
		goto out;
	}
	e = lookup(resolved, x->resolved, &st, &err);
	if (err)
		goto out;
	x->dev = emb_kernel_dev(st.st_dev);
	x->ino = st.st_ino;
	if (e) {
		err = decide(policy, e, 0, x->resolved, x);
		goto out;
	}
	/* Then the content, when any sha256= exec rule is loaded. */
	if ((resolved->meta_flags & EMB_META_SHA256_EXEC) && !sha256 && !may_read) {
		x->content_unknown = true;
	} else if (resolved->meta_flags & EMB_META_SHA256_EXEC) {
		struct emb_rule_key key = { .kind = EMB_KEY_SHA256, .op = EMB_OP_EXEC };
		int fd = sha256 ? -1 : open(x->resolved, O_RDONLY | O_CLOEXEC);

		if (sha256)
			memcpy(key.sha256, sha256, sizeof(key.sha256));
		else
			err = fd < 0 ? -errno : emb_sha256_file(fd, key.sha256);
		if (fd >= 0)
			close(fd);
		if (err)
			goto out;
		memcpy(x->sha256, key.sha256, sizeof(x->sha256));
		x->hashed = true;
		e = emb_resolved_find_key(resolved, &key);
		if (e) {
			x->by_sha256 = true;
			err = decide(policy, e, 0, x->resolved, x);
			goto out;
		}
	}
	/* The kernel skips the walk when no dir= rule is loaded: only files are in the map. */
	if (!resolved->has_dirs)
		goto out;
	strcpy(dir, x->resolved);
	for (depth = 1; strcmp(dir, "/"); depth++) {
		char *slash = strrchr(dir, '/');

		if (slash == dir)
			slash[1] = '\0';
		else
			*slash = '\0';
		e = lookup(resolved, dir, &st, &err);
		if (err)
			goto out;
		if (e) {
			err = decide(policy, e, depth, dir, x);
			goto out;
		}
		/* The kernel fails closed unless a step within EMB_WALK_MAX finds the root passed. */
		if (depth >= EMB_WALK_MAX) {
			x->matched = true;
			x->too_deep = true;
			x->verdict = EMB_RULE_DENY;
			goto out;
		}
	}
out:
	if (!err)
		*out = *x;
	free(x);
	return err;
}
