// SPDX-License-Identifier: GPL-2.0-only
/* embargo reload: embargod reads its policy again (what SIGHUP does), and says how it went. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "control.h"
#include "json_read.h"

static const char reload_usage[] =
	"usage: embargo reload [--json] [--control SOCKET]\n"
	"Asks embargod to read its policy again, as SIGHUP does, and prints the result: the\n"
	"generation now in force, or why the new policy was refused (the one in force stays).\n"
	"Exits 1 when the reload is refused or embargod is not running.\n";

/* S on stderr, its control bytes (a file name's, say) as \xNN. */
static void print_safe_err(const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c < 0x20 || c == 0x7f || c == '\\')
			fprintf(stderr, "\\x%02x", c);
		else
			fputc(c, stderr);
	}
	fputc('\n', stderr);
}

int cmd_reload(struct cli *cli, int argc, char **argv)
{
	char *reply = NULL, *error, **errors = NULL;
	size_t n_errors = 0;
	int first, r;

	first = cli_common_options(cli, argc, argv, reload_usage);
	if (first < 0)
		return CLI_EXIT_USAGE;
	if (first < argc) {
		cli_error(cli, "reload: unexpected argument '%s'", argv[first]);
		return CLI_EXIT_USAGE;
	}
	r = emb_control_request(cli->control_path, "reload", &reply);
	if (r == -ENOENT || r == -ECONNREFUSED) {
		cli_error(cli, "embargod is not running (nothing listens on %s)",
			  cli->control_path);
		return CLI_EXIT_FAIL;
	}
	if (r) {
		cli_error(cli, "cannot ask embargod at %s: %s", cli->control_path, strerror(-r));
		return CLI_EXIT_FAIL;
	}
	error = json_get_string(reply, "error");
	if (cli->json) {
		printf("%s\n", reply);
	} else if (error) {
		json_get_string_array(reply, "errors", &errors, &n_errors);
		for (size_t i = 0; i < n_errors; i++)
			print_safe_err(errors[i]);
		json_strv_free(errors, n_errors);
		fprintf(stderr, "embargo: ");
		print_safe_err(error);
	} else {
		char *mode = json_get_string(reply, "mode"),
		     *source = json_get_string(reply, "policy_source");
		char *sha = json_get_string(reply, "policy_sha256");

		printf("reloaded: policy generation %llu in force, %llu rules, version %llu, mode "
		       "%s, "
		       "from %s\n",
		       json_get_u64(reply, "generation"), json_get_u64(reply, "rules"),
		       json_get_u64(reply, "policy_version"), mode ? mode : "?",
		       source && !strcmp(source, "push") ? "a push" : "files");
		printf("sha256:   %s\n", sha ? sha : "?");
		free(mode);
		free(source);
		free(sha);
	}
	r = error ? CLI_EXIT_FAIL : CLI_EXIT_OK;
	free(error);
	free(reply);
	return r;
}
