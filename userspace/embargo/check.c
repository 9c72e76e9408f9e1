// SPDX-License-Identifier: GPL-2.0-only
/* embargo check: parses policies as embargod would, without root and without the kernel. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "policy.h"
#include "strbuf.h"

static const char check_usage[] =
	"usage: embargo check [--json] FILE|DIR...\n"
	"Parses the policy files (a DIR: its *.policy files) as one policy, as embargod would "
	"load\n"
	"them. Prints FILE:LINE:COL: message for each error; exits 1 on any.\n";

int cmd_check(struct cli *cli, int argc, char **argv)
{
	struct emb_policy policy = { 0 };
	struct emb_diags diags = { 0 };
	int first, r;

	first = cli_common_options(cli, argc, argv, check_usage);
	if (first < 0)
		return CLI_EXIT_USAGE;
	if (first >= argc) {
		fprintf(stderr, "%s", check_usage);
		return CLI_EXIT_USAGE;
	}
	r = emb_policy_load(&policy, (const char *const *)argv + first, (size_t)(argc - first),
			    &diags);
	if (cli->json) {
		struct strbuf sb = { 0 }, errs = { 0 };
		struct json j;

		sb_putc(&errs, '[');
		for (size_t i = 0; i < diags.n; i++) {
			struct json je;

			if (i)
				sb_putc(&errs, ',');
			json_begin(&je, &errs);
			json_str(&je, "file", diags.v[i].file);
			json_u64(&je, "line", diags.v[i].line);
			json_u64(&je, "col", diags.v[i].col);
			json_str(&je, "message", diags.v[i].msg);
			json_end(&je);
		}
		sb_putc(&errs, ']');
		json_begin(&j, &sb);
		json_bool(&j, "ok", r == 0);
		json_u64(&j, "rules", r == 0 ? policy.n_rules : 0);
		json_str(&j, "mode", emb_mode_name(policy.mode));
		json_raw(&j, "errors", errs.buf);
		json_u64(&j, "errors_not_shown", diags.dropped);
		if (r && r != -EINVAL)
			json_str(&j, "error", strerror(-r));
		json_end(&j);
		printf("%s\n", sb.buf);
		sb_free(&sb);
		sb_free(&errs);
	} else {
		cli_print_diags(&diags);
		if (!r)
			printf("policy OK: %zu rules, mode %s\n", policy.n_rules,
			       emb_mode_name(policy.mode));
		else if (r == -EINVAL)
			fprintf(stderr, "embargo: policy rejected (errors: %zu)\n",
				diags.n + diags.dropped);
		else
			cli_error(cli, "check: %s", strerror(-r));
	}
	emb_policy_free(&policy);
	emb_diags_free(&diags);
	return r ? CLI_EXIT_FAIL : CLI_EXIT_OK;
}
