// SPDX-License-Identifier: GPL-2.0-only
/* embargo push: sends a policy to embargod; embargo policy show: the policy in force. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>

#include "cli.h"
#include "control.h"
#include "json_read.h"
#include "policy.h"
#include "strbuf.h"
#include "unload_token.h"

static const char push_usage[] =
	"usage: embargo push [--json] [--control SOCKET] [--sig FILE.sig] [--force]\n"
	"                    [--allow-empty] [--kill-running] FILE\n"
	"       embargo push --revert [--token FILE]\n"
	"       embargo push revert-token --host NAME [--valid SECONDS] FILE\n"
	"Sends the policy FILE to embargod, which checks it completely (syntax, signature and\n"
	"version when it has trusted keys, guardrails) and puts it in force in one step, or\n"
	"refuses it and keeps the policy in force. FILE.sig, when it exists (or --sig), is sent\n"
	"as its signature (embargo sign). --force lets a policy deny a critical program (PID 1,\n"
	"the dynamic loader, libc, embargod, the package manager) or go back to an older\n"
	"version without trusted keys; --allow-empty lets an empty policy replace rules in force;\n"
	"--kill-running kills the processes already running a program the policy denies.\n"
	"While a pushed policy is in force, SIGHUP reloads it, not embargod's --policy files.\n"
	"--revert goes back to those files: embargod checks them as at start, puts them in\n"
	"force, logs it, and forgets the push (a restart loads the files too). With trusted\n"
	"keys it needs a revert token signed by one of them (--token FILE sends FILE and\n"
	"FILE.sig); 'revert-token' writes one for host NAME, valid SECONDS (default 3600).\n"
	"Exits 1 when the policy (or the revert) is refused.\n";

static const char policy_usage[] =
	"usage: embargo policy show [--json] [--control SOCKET]\n"
	"Prints the policy in force: its generation, version, sha256, load time, where it came\n"
	"from, and its rules.\n";

struct push_options {
	const char *sig, *token;
	bool force, allow_empty, kill_running, revert;
};

static int push_option(struct cli *cli, void *ctx, int c, const char *arg)
{
	struct push_options *o = ctx;

	(void)cli;
	if (c == 's')
		o->sig = arg;
	else if (c == 'f')
		o->force = true;
	else if (c == 'e')
		o->allow_empty = true;
	else if (c == 'k')
		o->kill_running = true;
	else if (c == 'r')
		o->revert = true;
	else if (c == 't')
		o->token = arg;
	return 0;
}

/* The files in force again, from the reply's "source" object. */
static void print_revert_reply(const char *reply)
{
	char **files = NULL;
	size_t n = 0;
	const char *src = strstr(reply, "\"source\":{");

	printf("reverted: the --policy files are in force again: generation %llu, version %llu, "
	       "%llu rules\n",
	       json_get_u64(reply, "generation"), json_get_u64(reply, "version"),
	       json_get_u64(reply, "rules"));
	if (src && !json_get_string_array(src + 9, "files", &files, &n))
		for (size_t i = 0; i < n; i++)
			printf("%s %s\n", i ? "         " : "files:   ", files[i]);
	json_strv_free(files, n);
}

/* embargo push --revert [--token FILE] */
static int revert(struct cli *cli, const char *token_path)
{
	char *token = NULL, *sig = NULL, *reply = NULL, sig_path[PATH_MAX];
	struct strbuf req = { 0 };
	size_t len;
	struct json j;
	int r, ret = CLI_EXIT_FAIL;

	sb_puts(&req, "revert");
	if (token_path) {
		r = sb_read_file(token_path, EMB_UNLOAD_TOKEN_MAX, &token, &len);
		if (r) {
			cli_error(cli, "push --revert: %s: %s", token_path, strerror(-r));
			goto out;
		}
		/* Without FILE.sig the token goes unsigned: embargod says what it wants. */
		snprintf(sig_path, sizeof(sig_path), "%s.sig", token_path);
		r = sb_read_file(sig_path, 4096, &sig, &len);
		if (r && r != -ENOENT) {
			cli_error(cli, "push --revert: %s: %s", sig_path, strerror(-r));
			goto out;
		}
		sb_putc(&req, ' ');
		json_begin(&j, &req);
		json_str(&j, "token", token);
		if (sig)
			json_str(&j, "sig", sig);
		json_end(&j);
	}
	if (req.oom) {
		cli_error(cli, "push --revert: out of memory");
		goto out;
	}
	if (cli_ask(cli, req.buf, &reply))
		goto out;
	if (cli->json)
		printf("%s\n", reply);
	else
		print_revert_reply(reply);
	ret = CLI_EXIT_OK;
out:
	free(token);
	free(sig);
	free(reply);
	sb_free(&req);
	return ret;
}

/* embargod's reply: an error (with the list of reasons) or what is in force now. */
static int print_reply(struct cli *cli, const char *file, const char *reply)
{
	char *err = json_get_string(reply, "error"), **errors = NULL;
	size_t n = 0;

	if (cli->json) {
		printf("%s\n", reply);
		free(err);
		return strstr(reply, "\"ok\":true") ? CLI_EXIT_OK : CLI_EXIT_FAIL;
	}
	if (err) {
		json_get_string_array(reply, "errors", &errors, &n);
		for (size_t i = 0; i < n; i++)
			fprintf(stderr, "%s\n", errors[i]);
		fprintf(stderr, "embargo: push %s: %s\n", file, err);
		json_strv_free(errors, n);
		free(err);
		return CLI_EXIT_FAIL;
	}
	{
		char *sha = json_get_string(reply, "sha256"),
		     *signer = json_get_string(reply, "signed_by");
		char *warning = json_get_string(reply, "warning");

		printf("pushed %s: generation %llu in force, version %llu, %llu rules, sha256 "
		       "%s%s%s\n",
		       file, json_get_u64(reply, "generation"), json_get_u64(reply, "version"),
		       json_get_u64(reply, "rules"), sha ? sha : "?", signer ? ", signed by " : "",
		       signer ? signer : "");
		if (strstr(reply, "\"killed\":"))
			printf("killed %llu running processes of denied programs (%llu could not "
			       "be killed)\n",
			       json_get_u64(reply, "killed"), json_get_u64(reply, "kill_failed"));
		if (warning)
			fprintf(stderr, "embargo: warning: %s\n", warning);
		free(sha);
		free(signer);
		free(warning);
	}
	return CLI_EXIT_OK;
}

int cmd_push(struct cli *cli, int argc, char **argv)
{
	static const struct option extra[] = {
		{ "sig", required_argument, NULL, 's' },
		{ "force", no_argument, NULL, 'f' },
		{ "allow-empty", no_argument, NULL, 'e' },
		{ "kill-running", no_argument, NULL, 'k' },
		{ "revert", no_argument, NULL, 'r' },
		{ "token", required_argument, NULL, 't' },
		{ NULL, 0, NULL, 0 },
	};
	struct push_options o = { 0 };
	struct strbuf header = { 0 };
	char *policy = NULL, *sig = NULL, *reply = NULL, sig_path[PATH_MAX], name[NAME_MAX + 1];
	size_t len = 0, sig_len = 0;
	struct json j;
	int first, r, ret = CLI_EXIT_FAIL;

	if (argc > 1 && !strcmp(argv[1], "revert-token"))
		return cli_make_token(cli, argc - 1, argv + 1, "push revert-token", push_usage,
				      emb_revert_token_format);
	first = cli_parse_options(cli, argc, argv, push_usage, extra, push_option, &o);
	if (first < 0)
		return CLI_EXIT_USAGE;
	if (o.revert) {
		if (first != argc || o.sig || o.force || o.allow_empty || o.kill_running) {
			cli_error(cli,
				  "push --revert takes no FILE and no other option but --token");
			return CLI_EXIT_USAGE;
		}
		return revert(cli, o.token);
	}
	if (o.token) {
		cli_error(cli, "push: --token goes with --revert");
		return CLI_EXIT_USAGE;
	}
	if (argc - first != 1) {
		fprintf(stderr, "%s", push_usage);
		return CLI_EXIT_USAGE;
	}
	r = sb_read_file(argv[first], EMB_CONTROL_MAX_PAYLOAD, &policy, &len);
	if (r) {
		cli_error(cli, "push: %s: %s", argv[first],
			  r == -EFBIG ? "larger than a policy may be" : strerror(-r));
		return CLI_EXIT_FAIL;
	}
	snprintf(sig_path, sizeof(sig_path), "%s.sig", argv[first]);
	r = sb_read_file(o.sig ? o.sig : sig_path, 4096, &sig, &sig_len);
	if (r && (o.sig || r != -ENOENT)) {
		cli_error(cli, "push: %s: %s", o.sig ? o.sig : sig_path, strerror(-r));
		goto out;
	}
	snprintf(name, sizeof(name), "%s", argv[first]);
	sb_puts(&header, "push ");
	json_begin(&j, &header);
	json_u64(&j, "size", len);
	json_str(&j, "name", basename(name));
	if (sig)
		json_str(&j, "sig", sig);
	json_u64(&j, "force", o.force);
	json_u64(&j, "allow_empty", o.allow_empty);
	json_u64(&j, "kill_running", o.kill_running);
	json_end(&j);
	if (header.oom) {
		cli_error(cli, "push: out of memory");
		goto out;
	}
	r = emb_control_request_payload(cli->control_path, header.buf, policy, len,
					EMB_CONTROL_PUSH_TIMEOUT_MS, &reply);
	if (r == -ENOENT || r == -ECONNREFUSED) {
		cli_error(cli, "embargod is not running (nothing listens on %s)",
			  cli->control_path);
		goto out;
	}
	if (r) {
		cli_error(cli, "push: cannot reach embargod at %s: %s", cli->control_path,
			  strerror(-r));
		goto out;
	}
	ret = print_reply(cli, argv[first], reply);
out:
	sb_free(&header);
	free(policy);
	free(sig);
	free(reply);
	return ret;
}

int cmd_policy(struct cli *cli, int argc, char **argv)
{
	char *reply = NULL;
	int first;

	first = cli_common_options(cli, argc, argv, policy_usage);
	if (first < 0)
		return CLI_EXIT_USAGE;
	if (first == argc || strcmp(argv[first], "show")) {
		fprintf(stderr, "%s", policy_usage);
		return CLI_EXIT_USAGE;
	}
	if (first + 1 < argc) {
		cli_error(cli, "policy show: unexpected argument '%s'", argv[first + 1]);
		return CLI_EXIT_USAGE;
	}
	if (cli_ask(cli, "policy", &reply))
		return CLI_EXIT_FAIL;
	if (cli->json) {
		printf("%s\n", reply);
	} else {
		char *sha = json_get_string(reply, "sha256"),
		     *loaded = json_get_string(reply, "loaded");
		char *source = json_get_string(reply, "source"),
		     *signer = json_get_string(reply, "signed_by");
		char *mode = json_get_string(reply, "mode"), **files = NULL;
		unsigned long long total = json_get_u64(reply, "rules_total");
		size_t n_files = 0;
		const char *p;

		printf("generation: %llu\n", json_get_u64(reply, "generation"));
		printf("version:    %llu\n", json_get_u64(reply, "version"));
		printf("sha256:     %s\n", sha ? sha : "?");
		printf("loaded:     %s\n", loaded ? loaded : "?");
		cli_print_source(reply, "source_detail");
		printf("signed by:  %s\n", signer && signer[0] ? signer : "(not signed)");
		printf("mode:       %s\n", mode ? mode : "?");
		if (!json_get_string_array(reply, "files", &files, &n_files))
			for (size_t i = 0; i < n_files; i++)
				printf("%s %s\n", i ? "           " : "files:     ", files[i]);
		printf("rules:      %llu\n", total);
		/* Each rule object is flat: its "rule" and "text" strings. */
		p = strstr(reply, "\"rules\":[");
		while (p && (p = strstr(p, "{\"rule\":"))) {
			const char *end = strchr(p, '}');
			char *obj = end ? strndup(p, (size_t)(end - p) + 1) : NULL;
			char *where = obj ? json_get_string(obj, "rule") : NULL;
			char *text = obj ? json_get_string(obj, "text") : NULL;

			if (where && text)
				printf("  %s: %s\n", where, text);
			free(where);
			free(text);
			free(obj);
			p = end;
		}
		json_strv_free(files, n_files);
		free(sha);
		free(loaded);
		free(source);
		free(signer);
		free(mode);
	}
	free(reply);
	return CLI_EXIT_OK;
}
