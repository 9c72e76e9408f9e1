// SPDX-License-Identifier: GPL-2.0-only
/*
 * embargo unload: ends enforcement (embargod removes its pins and exits). embargo unload token:
 * writes the token an administrator signs for that when embargod requires signed policies.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "control.h"
#include "json_read.h"
#include "strbuf.h"
#include "unload_token.h"

static const char unload_usage[] =
	"usage: embargo unload [--json] [--token FILE]\n"
	"       embargo unload token --host NAME [--valid SECONDS] FILE\n"
	"Ends enforcement: embargod removes the programs and maps it pinned and exits, and\n"
	"nothing is denied any more. When embargod has trusted keys (--trusted-key), it wants\n"
	"an unload token signed by one of them: --token FILE sends FILE and FILE.sig.\n"
	"'unload token' writes such a token for host NAME (as embargod's status names it),\n"
	"valid for SECONDS (default 3600); sign it with embargo sign --key KEY FILE.\n";

struct token_options {
	const char *what;
	const char *host;
	long valid;
};

static int token_option(struct cli *cli, void *ctx, int c, const char *arg)
{
	struct token_options *o = ctx;
	char *end;

	if (c == 'H') {
		o->host = arg;
	} else if (c == 'V') {
		errno = 0;
		o->valid = strtol(arg, &end, 10);
		if (errno || *end || o->valid < 1 || o->valid > 30L * 86400) {
			cli_error(cli, "%s: --valid is 1 to 2592000 seconds, not '%s'", o->what,
				  arg);
			return -1;
		}
	}
	return 0;
}

int cli_make_token(struct cli *cli, int argc, char **argv, const char *what, const char *usage,
		   int (*format)(const char *host, int64_t expires, char *buf, size_t size))
{
	static const struct option extra[] = {
		{ "host", required_argument, NULL, 'H' },
		{ "valid", required_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct token_options o = { .what = what, .valid = 3600 };
	char buf[EMB_UNLOAD_TOKEN_MAX];
	FILE *f;
	int first, r;

	first = cli_parse_options(cli, argc, argv, usage, extra, token_option, &o);
	if (first < 0)
		return CLI_EXIT_USAGE;
	if (argc - first != 1 || !o.host) {
		fprintf(stderr, "%s", usage);
		return CLI_EXIT_USAGE;
	}
	r = format(o.host, (int64_t)time(NULL) + o.valid, buf, sizeof(buf));
	if (r) {
		cli_error(cli, "%s: --host %s: not a host name", what, o.host);
		return CLI_EXIT_USAGE;
	}
	/* A new file only (O_EXCL, no symlink followed): a token never replaces anything. */
	f = fopen(argv[first], "wxe");
	if (!f && errno == EEXIST) {
		cli_error(cli,
			  "%s: %s: refusing to overwrite: it exists (remove it, or give another "
			  "name)",
			  what, argv[first]);
		return CLI_EXIT_FAIL;
	}
	if (!f) {
		cli_error(cli, "%s: %s: %s", what, argv[first], strerror(errno));
		return CLI_EXIT_FAIL;
	}
	r = fputs(buf, f) == EOF || fflush(f) == EOF || fsync(fileno(f)) < 0 ? -errno : 0;
	if (fclose(f) == EOF && !r)
		r = -errno;
	if (r) {
		cli_error(cli, "%s: %s: %s", what, argv[first], strerror(-r));
		/* Half a token is of no use: the name was new, so it is ours to take back. */
		unlink(argv[first]);
		return CLI_EXIT_FAIL;
	}
	if (!cli->json)
		printf("wrote %s: sign it with embargo sign --key KEY %s\n", argv[first],
		       argv[first]);
	else
		printf("{\"token\":\"%s\"}\n", argv[first]);
	return CLI_EXIT_OK;
}

static int unload_option(struct cli *cli, void *ctx, int c, const char *arg)
{
	(void)cli;
	if (c == 't')
		*(const char **)ctx = arg;
	return 0;
}

int cmd_unload(struct cli *cli, int argc, char **argv)
{
	static const struct option extra[] = {
		{ "token", required_argument, NULL, 't' },
		{ NULL, 0, NULL, 0 },
	};
	const char *token_path = NULL;
	char *token = NULL, *sig = NULL, *reply = NULL, *what = NULL, sig_path[PATH_MAX];
	struct strbuf req = { 0 };
	size_t len;
	struct json j;
	int first, r, ret = CLI_EXIT_FAIL;

	if (argc > 1 && !strcmp(argv[1], "token"))
		return cli_make_token(cli, argc - 1, argv + 1, "unload token", unload_usage,
				      emb_unload_token_format);
	first = cli_parse_options(cli, argc, argv, unload_usage, extra, unload_option, &token_path);
	if (first < 0)
		return CLI_EXIT_USAGE;
	if (first != argc) {
		fprintf(stderr, "%s", unload_usage);
		return CLI_EXIT_USAGE;
	}
	sb_puts(&req, "unload");
	if (token_path) {
		r = sb_read_file(token_path, EMB_UNLOAD_TOKEN_MAX, &token, &len);
		if (r) {
			cli_error(cli, "unload: %s: %s", token_path, strerror(-r));
			goto out;
		}
		snprintf(sig_path, sizeof(sig_path), "%s.sig", token_path);
		r = sb_read_file(sig_path, 4096, &sig, &len);
		if (r) {
			cli_error(cli, "unload: %s: %s", sig_path, strerror(-r));
			goto out;
		}
		sb_putc(&req, ' ');
		json_begin(&j, &req);
		json_str(&j, "token", token);
		json_str(&j, "sig", sig);
		json_end(&j);
	}
	if (req.oom) {
		cli_error(cli, "unload: out of memory");
		goto out;
	}
	if (cli_ask(cli, req.buf, &reply))
		goto out;
	what = json_get_string(reply, "unloaded");
	if (cli->json)
		printf("%s\n", reply);
	else
		printf("unloaded: %s; embargod has exited and nothing is enforced\n",
		       what ? what : "?");
	ret = CLI_EXIT_OK;
out:
	free(token);
	free(sig);
	free(reply);
	free(what);
	sb_free(&req);
	return ret;
}
