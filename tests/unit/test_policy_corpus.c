// SPDX-License-Identifier: GPL-2.0-only
/*
 * Runs the policy corpus through emb_policy_load(): every "*.policy" in tests/policies/bad must
 * give exactly the one diagnostic its first line announces ("# expect: LINE:COL: message"), and
 * every one in tests/policies/good must load cleanly, alone and all together.
 *
 * Usage: test_policy_corpus [BAD_DIR [GOOD_DIR]]   (defaults: tests/policies/{bad,good})
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy.h"
#include "tap.h"

#define EXPECT_PREFIX "# expect: "
/* The corpus must cover at least this many kinds of mistake. */
#define MIN_BAD_FILES 18

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The *.policy files of DIR as "DIR/NAME", sorted; NULL-terminated, NULL on error. */
static char **list_policies(const char *dir, size_t *n_out)
{
	char **v = NULL, **grown;
	struct dirent *de;
	size_t n = 0;
	DIR *d;

	d = opendir(dir);
	if (!d)
		return NULL;
	while ((de = readdir(d))) {
		size_t len = strlen(de->d_name);

		if (de->d_name[0] == '.' || len <= 7 || strcmp(de->d_name + len - 7, ".policy"))
			continue;
		grown = realloc(v, (n + 2) * sizeof(*v));
		if (!grown)
			break;
		v = grown;
		if (asprintf(&v[n], "%s/%s", dir, de->d_name) < 0)
			break;
		v[++n] = NULL;
	}
	closedir(d);
	if (v)
		qsort(v, n, sizeof(*v), name_cmp);
	*n_out = n;
	return v;
}

static void free_list(char **v)
{
	char **p;

	for (p = v; p && *p; p++)
		free(*p);
	free(v);
}

/* The text after "# expect: " on the first line of PATH, into BUF; false if there is none. */
static bool read_expectation(const char *path, char *buf, size_t size)
{
	char line[1024];
	FILE *f;
	bool found;

	f = fopen(path, "re");
	if (!f)
		return false;
	found = fgets(line, sizeof(line), f) &&
		strncmp(line, EXPECT_PREFIX, strlen(EXPECT_PREFIX)) == 0;
	fclose(f);
	if (!found)
		return false;
	line[strcspn(line, "\n")] = 0;
	snprintf(buf, size, "%s", line + strlen(EXPECT_PREFIX));
	return true;
}

static void check_bad(const char *path)
{
	struct emb_policy pol = { 0 };
	struct emb_diags diags = { 0 };
	char expect[1024], want[2048], got[8192] = "(no diagnostic)";
	int r;

	if (!ok(read_expectation(path, expect, sizeof(expect)), "%s: has an expect line", path))
		return;
	r = emb_policy_load(&pol, (const char *const[]){ path }, 1, &diags);
	snprintf(want, sizeof(want), "%s:%s", path, expect);
	if (diags.n)
		emb_diag_format(&diags.v[0], got, sizeof(got));
	if (r != -EINVAL || diags.n != 1 || diags.dropped)
		snprintf(got + strlen(got), sizeof(got) - strlen(got),
			 " [returned %d, %zu diagnostics]", r, diags.n + diags.dropped);
	is_str(got, want, "%s: exactly the expected diagnostic", path);
	emb_policy_free(&pol);
	emb_diags_free(&diags);
}

static void check_good(const char *const *paths, size_t n, const char *what)
{
	struct emb_policy pol = { 0 };
	struct emb_diags diags = { 0 };
	char got[8192];
	int r;

	r = emb_policy_load(&pol, paths, n, &diags);
	if (!ok(r == 0 && diags.n == 0 && pol.n_rules > 0, "%s: loads cleanly, %zu rules", what,
		pol.n_rules)) {
		size_t i;

		diag("returned %d", r);
		for (i = 0; i < diags.n; i++) {
			emb_diag_format(&diags.v[i], got, sizeof(got));
			diag("%s", got);
		}
	}
	emb_policy_free(&pol);
	emb_diags_free(&diags);
}

int main(int argc, char **argv)
{
	const char *bad_dir = argc > 1 ? argv[1] : "tests/policies/bad";
	const char *good_dir = argc > 2 ? argv[2] : "tests/policies/good";
	char **bad, **good;
	size_t n_bad = 0, n_good = 0, i;

	bad = list_policies(bad_dir, &n_bad);
	ok(n_bad >= MIN_BAD_FILES, "%s: %zu files, at least %d", bad_dir, n_bad, MIN_BAD_FILES);
	for (i = 0; i < n_bad; i++)
		check_bad(bad[i]);

	good = list_policies(good_dir, &n_good);
	ok(n_good >= 3, "%s: %zu files, at least 3", good_dir, n_good);
	for (i = 0; i < n_good; i++)
		check_good((const char *const *)&good[i], 1, good[i]);
	check_good((const char *const[]){ good_dir }, 1, good_dir);

	free_list(bad);
	free_list(good);
	return done_testing();
}
