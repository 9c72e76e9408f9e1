// SPDX-License-Identifier: GPL-2.0-only
/*
 * Option parsing driven by a table, like getopt_long() but reentrant and without global
 * state, so the test program can run it many times over different argument vectors.
 */
#include <string.h>

#include "kv.h"

void kv_opt_begin(struct kv_opt_state *st, int argc, char **argv)
{
	st->argc = argc;
	st->argv = argv;
	st->index = 1;
	st->value = NULL;
	st->bad = NULL;
}

static const struct kv_opt *opt_find_long(const struct kv_opt *opts, size_t n, const char *name,
					  size_t len)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (opts[i].long_name && strlen(opts[i].long_name) == len &&
		    !strncmp(opts[i].long_name, name, len))
			return &opts[i];
	}
	return NULL;
}

static const struct kv_opt *opt_find_short(const struct kv_opt *opts, size_t n, char c)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (opts[i].short_name && opts[i].short_name == c)
			return &opts[i];
	}
	return NULL;
}

/*
 * Returns the id of the next option, KV_OPT_END when the options are over (st->index is then
 * the first operand) or KV_OPT_ERROR with st->bad naming the offending argument.
 */
int kv_opt_next(struct kv_opt_state *st, const struct kv_opt *opts, size_t n_opts)
{
	const struct kv_opt *o;
	const char *arg, *eq;

	st->value = NULL;
	if (st->index >= st->argc)
		return KV_OPT_END;
	arg = st->argv[st->index];
	if (arg[0] != '-' || !arg[1])
		return KV_OPT_END;
	st->index++;
	if (!strcmp(arg, "--"))
		return KV_OPT_END;
	st->bad = arg;

	if (arg[1] == '-') {
		eq = strchr(arg + 2, '=');
		o = opt_find_long(opts, n_opts, arg + 2,
				  eq ? (size_t)(eq - arg - 2) : strlen(arg + 2));
		if (!o || (eq && !o->takes_value))
			return KV_OPT_ERROR;
		if (eq)
			st->value = eq + 1;
	} else {
		/* No bundling ("-ab"): our options are few and mostly take values. */
		o = opt_find_short(opts, n_opts, arg[1]);
		if (!o)
			return KV_OPT_ERROR;
		if (arg[2]) {
			if (!o->takes_value)
				return KV_OPT_ERROR;
			st->value = arg + 2;
		}
	}
	if (o->takes_value && !st->value) {
		if (st->index >= st->argc)
			return KV_OPT_ERROR;
		st->value = st->argv[st->index++];
	}
	st->bad = NULL;
	return o->id;
}
