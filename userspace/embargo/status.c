// SPDX-License-Identifier: GPL-2.0-only
/* embargo status: asks embargod over its control socket. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "control.h"
#include "json_read.h"

static const char status_usage[] =
	"usage: embargo status [--json] [--control SOCKET]\n"
	"Shows whether embargod runs, its tier and mode, the policy in force and event counts.\n"
	"Exits 1 when embargod is not running.\n";

int cmd_status(struct cli *cli, int argc, char **argv)
{
	char *reply = NULL, *err;
	int first, r;

	first = cli_common_options(cli, argc, argv, status_usage);
	if (first < 0)
		return CLI_EXIT_USAGE;
	if (first < argc) {
		cli_error(cli, "status: unexpected argument '%s'", argv[first]);
		return CLI_EXIT_USAGE;
	}
	r = emb_control_request(cli->control_path, "status", &reply);
	if (r == -ENOENT || r == -ECONNREFUSED) {
		cli_error(cli, "embargod is not running (nothing listens on %s)",
			  cli->control_path);
		return CLI_EXIT_FAIL;
	}
	if (r) {
		cli_error(cli, "cannot ask embargod at %s: %s", cli->control_path, strerror(-r));
		return CLI_EXIT_FAIL;
	}
	err = json_get_string(reply, "error");
	if (err) {
		cli_error(cli, "embargod: %s", err);
		free(err);
		free(reply);
		return CLI_EXIT_FAIL;
	}
	if (cli->json) {
		printf("%s\n", reply);
	} else {
		char *tier = json_get_string(reply, "tier"), *mode = json_get_string(reply, "mode");
		char *log = json_get_string(reply, "log"),
		     *why = json_get_string(reply, "lsm_unavailable");
		char *loaded = json_get_string(reply, "loaded");

		printf("embargod:   running, pid %llu\n", json_get_u64(reply, "pid"));
		printf("tier:       %s%s%s%s\n", tier ? tier : "?",
		       why ? " (lsm unavailable: " : "", why ? why : "", why ? ")" : "");
		printf("mode:       %s\n", mode ? mode : "?");
		printf("policy:     generation %llu, loaded %s\n",
		       json_get_u64(reply, "generation"), loaded ? loaded : "?");
		printf("rules:      %llu (%llu inodes in the kernel, %llu pending: target "
		       "missing)\n",
		       json_get_u64(reply, "rules"), json_get_u64(reply, "inodes"),
		       json_get_u64(reply, "pending"));
		printf("events:     %llu written, %llu dropped\n",
		       json_get_u64(reply, "events_written"),
		       json_get_u64(reply, "events_dropped"));
		printf("log:        %s\n", log ? log : "?");
		free(tier);
		free(mode);
		free(log);
		free(why);
		free(loaded);
	}
	free(reply);
	return CLI_EXIT_OK;
}
