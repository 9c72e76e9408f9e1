// SPDX-License-Identifier: GPL-2.0-only
/* embargo: the admins' and auditors' command line. */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "control.h"
#include "json_read.h"
#include "logquery.h"
#include "policy.h"
#include "strbuf.h"
#include "version.h"

struct cmd {
	const char *name;
	int (*func)(struct cli *cli, int argc, char **argv);
	const char *summary;
};

static const struct cmd commands[] = {
	{ "status", cmd_status, "is embargod running, in which tier and mode, with what policy" },
	{ "check", cmd_check, "check policy files (parse only; no root needed)" },
	{ "fileinfo", cmd_fileinfo,
	  "a file's inode, hashes, package, and the rule deciding its exec" },
	{ "log", cmd_log, "list, filter and summarize the audit log" },
	{ "report", cmd_report, "the audit log as one self-contained HTML page, with a timeline" },
	{ "push", cmd_push, "send a policy to embargod: checked whole, then in force in one step" },
	{ "policy", cmd_policy, "policy show: the policy in force, its version and sha256" },
	{ "scan", cmd_scan, "find what a policy bans on this machine: files, packages, processes" },
	{ "reload", cmd_reload, "embargod reads its policy again (as SIGHUP does); the result" },
	{ "unload", cmd_unload, "end enforcement: embargod unpins its programs and exits" },
	{ "keygen", cmd_keygen, "make an Ed25519 key pair for signing policies" },
	{ "sign", cmd_sign, "sign files (policies): writes FILE.sig" },
	{ "verify", cmd_verify, "check files against their FILE.sig with trusted public keys" },
};

static void usage(FILE *f)
{
	fprintf(f, "usage: embargo [--json] [--control SOCKET] COMMAND [ARGS]\n"
		   "       embargo --help | --version\n\ncommands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
	fprintf(f,
		"\n'embargo COMMAND --help' describes a command. Every command takes --json\n"
		"(machine-readable output), --control SOCKET (embargod's control socket, default\n"
		"%s) and --version; options may come before or after operands.\n",
		EMB_CONTROL_DEFAULT);
}

static size_t print_safe(FILE *f, const char *s, bool backslash);

void cli_print_diags(const struct emb_diags *diags)
{
	char line[EMB_POLICY_MAX_LINE + 512];

	for (size_t i = 0; i < diags->n; i++) {
		emb_diag_format(&diags->v[i], line, sizeof(line));
		/* File names and the bytes a message quotes are anybody's: never raw. */
		print_safe(stderr, line, false);
		fputc('\n', stderr);
	}
	if (diags->dropped)
		fprintf(stderr, "embargo: ... and %zu more errors\n", diags->dropped);
}

/*
 * How many bytes at S may reach a terminal raw: one printable ASCII character, or one
 * well-formed UTF-8 character other than a C1 control (which terminals obey like ESC) or a
 * bidi override (which reorders what the line seems to say). 0: escape the byte at S.
 */
size_t cli_safe_char_len(const char *str)
{
	const unsigned char *s = (const unsigned char *)str;
	uint32_t cp;
	size_t n;

	if (s[0] < 0x80)
		return s[0] >= 0x20 && s[0] != 0x7f && s[0] != '\\';
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2, cp = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3, cp = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4, cp = s[0] & 0x07;
	else
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || (cp >= 0x80 && cp <= 0x9f) ||
	    (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069))
		return 0;
	return n;
}

/*
 * Prints S to F, escaped; returns the characters printed. BACKSLASH: a backslash too, so that
 * what S holds reads back unambiguously (a message quoting a backslash needs none).
 */
static size_t print_safe(FILE *f, const char *s, bool backslash)
{
	size_t width = 0;

	while (*s) {
		size_t n = !backslash && *s == '\\' ? 1 : cli_safe_char_len(s);

		if (n) {
			fwrite(s, 1, n, f);
			s += n;
			width++;
		} else {
			fprintf(f, "\\x%02x", (unsigned char)*s++);
			width += 4;
		}
	}
	return width;
}

void cli_print_safe(const char *s)
{
	print_safe(stdout, s, true);
}

void cli_print_safe_padded(const char *s, size_t width)
{
	for (size_t n = print_safe(stdout, s, true); n < width; n++)
		putchar(' ');
}

void cli_fprint_safe(FILE *f, const char *s)
{
	print_safe(f, s, true);
}

void cli_error(const struct cli *cli, const char *fmt, ...)
{
	char msg[4096];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (cli->json) {
		struct strbuf sb = { 0 };
		struct json j;

		json_begin(&j, &sb);
		json_str(&j, "error", msg);
		json_end(&j);
		printf("%s\n", sb.buf ? sb.buf : "{}");
		sb_free(&sb);
	} else {
		fprintf(stderr, "embargo: %s\n", msg);
	}
}

/* getopt_long's value for --version: no short option, and outside any command's own. */
#define CLI_OPT_VERSION 0x100

/*
 * Options before and after operands alike, whatever POSIXLY_CORRECT says: getopt hands each
 * operand over in order ('-' mode), and they end up, in order, at the end of ARGV. With
 * STOP_AT_OPERAND (embargo's own options, before the command) the first operand ends them.
 */
static int parse_options(struct cli *cli, int argc, char **argv, const char *usage_text,
			 const struct option *extra, cli_option_fn on_option, void *ctx,
			 bool stop_at_operand)
{
	static const struct option common[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "control", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, CLI_OPT_VERSION },
	};
	struct option opts[CLI_MAX_OPTIONS + 5] = { 0 };
	char **operands;
	size_t n = 0;
	int c, n_operands = 0, first;

	for (size_t i = 0; i < sizeof(common) / sizeof(common[0]); i++)
		opts[n++] = common[i];
	for (; extra && extra->name && n < CLI_MAX_OPTIONS + 4; extra++)
		opts[n++] = *extra;
	operands = calloc((size_t)argc + 1, sizeof(*operands));
	if (!operands) {
		cli_error(cli, "%s", strerror(ENOMEM));
		return -1;
	}

	/* 0, not 1: getopt reads the ordering ('+' or '-') afresh, not the previous call's. */
	optind = 0;
	while ((c = getopt_long(argc, argv, stop_at_operand ? "+jc:h" : "-jc:h", opts, NULL)) !=
	       -1) {
		switch (c) {
		case 1:
			operands[n_operands++] = optarg;
			break;
		case 'j':
			cli->json = true;
			break;
		case 'c':
			cli->control_path = optarg;
			break;
		case 'h':
			printf("%s", usage_text);
			free(operands);
			exit(CLI_EXIT_OK);
		case CLI_OPT_VERSION:
			printf("embargo %s\n", EMB_VERSION);
			free(operands);
			exit(CLI_EXIT_OK);
		case '?':
			fprintf(stderr, "%s", usage_text);
			free(operands);
			return -1;
		default:
			/* The command reports what is wrong with its own option's value. */
			if (!on_option || on_option(cli, ctx, c, optarg) < 0) {
				free(operands);
				return -1;
			}
		}
	}
	/* What follows "--" (or, stopping, the first operand on) is operands too. */
	while (optind < argc)
		operands[n_operands++] = argv[optind++];
	first = argc - n_operands;
	for (int i = 0; i < n_operands; i++)
		argv[first + i] = operands[i];
	free(operands);
	return first;
}

int cli_parse_options(struct cli *cli, int argc, char **argv, const char *usage_text,
		      const struct option *extra, cli_option_fn on_option, void *ctx)
{
	return parse_options(cli, argc, argv, usage_text, extra, on_option, ctx, false);
}

int cli_common_options(struct cli *cli, int argc, char **argv, const char *usage_text)
{
	return cli_parse_options(cli, argc, argv, usage_text, NULL, NULL, NULL);
}

int main(int argc, char **argv)
{
	struct cli cli = { .control_path = EMB_CONTROL_DEFAULT };
	char *usage_text = NULL;
	size_t usage_len = 0;
	FILE *f;
	int first, ret = CLI_EXIT_USAGE;

	/* --help lists the commands: the usage, written once. */
	f = open_memstream(&usage_text, &usage_len);
	if (!f)
		return CLI_EXIT_FAIL;
	usage(f);
	if (fclose(f))
		return CLI_EXIT_FAIL;
	first = parse_options(&cli, argc, argv, usage_text, NULL, NULL, NULL, true);
	if (first < 0)
		goto out;
	if (first >= argc) {
		fprintf(stderr, "%s", usage_text);
		goto out;
	}
	if (!strcmp(argv[first], "help")) {
		printf("%s", usage_text);
		ret = CLI_EXIT_OK;
		goto out;
	}
	/* Exact names only: scripts that call embargo must not change meaning when commands are added. */
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (!strcmp(argv[first], commands[i].name)) {
			free(usage_text);
			return commands[i].func(&cli, argc - first, argv + first);
		}
	}
	cli_error(&cli, "unknown command '%s' (see 'embargo --help')", argv[first]);
out:
	free(usage_text);
	return ret;
}

int cli_ask(struct cli *cli, const char *request, char **reply)
{
	char *err;
	int r = emb_control_request(cli->control_path, request, reply);

	if (r == -ENOENT || r == -ECONNREFUSED) {
		cli_error(cli, "embargod is not running (nothing listens on %s)",
			  cli->control_path);
		return -1;
	}
	if (r == -EACCES || r == -EPERM) {
		cli_error(cli,
			  "permission denied on %s: embargod's control socket serves root, and the "
			  "members of the group its --admin-group names: run this as root (sudo)",
			  cli->control_path);
		return -1;
	}
	if (r) {
		cli_error(cli, "cannot ask embargod at %s: %s", cli->control_path, strerror(-r));
		return -1;
	}
	err = json_get_string(*reply, "error");
	if (err) {
		cli_error(cli, "embargod: %s", err);
		free(err);
		free(*reply);
		*reply = NULL;
		return -1;
	}
	return 0;
}

const char *cli_log_path(struct cli *cli, char **owned)
{
	char *reply = NULL, *log;

	*owned = NULL;
	if (emb_control_request(cli->control_path, "status", &reply) < 0)
		return EMB_LOG_DEFAULT_PATH;
	log = json_get_string(reply, "log");
	free(reply);
	/* A relative path was embargod's own working directory's. */
	if (!log || log[0] != '/') {
		free(log);
		return EMB_LOG_DEFAULT_PATH;
	}
	*owned = log;
	return log;
}
