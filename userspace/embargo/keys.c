// SPDX-License-Identifier: GPL-2.0-only
/* embargo keygen, sign, verify: Ed25519 keys and detached FILE.sig signatures for policies. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "sign.h"
#include "strbuf.h"

static const char keygen_usage[] =
	"usage: embargo keygen [--json] [--force] KEYFILE\n"
	"Makes an Ed25519 key pair: KEYFILE, the private key (PKCS#8 PEM, mode 0600), and\n"
	"KEYFILE.pub, the public key (PEM, mode 0644), and prints the key's fingerprint.\n"
	"Refuses to overwrite an existing file; --force replaces both files, each atomically,\n"
	"when they hold Ed25519 keys (and never anything else).\n";

static const char sign_usage[] =
	"usage: embargo sign [--json] --key KEYFILE FILE...\n"
	"Signs each FILE with the private key KEYFILE and writes the signature to FILE.sig\n"
	"(replacing an older one atomically): one line, 'ed25519 FINGERPRINT BASE64SIG'.\n"
	"Exits 1 if any FILE could not be signed.\n";

static const char verify_usage[] =
	"usage: embargo verify [--json] --key PUBFILE [--key PUBFILE]... FILE...\n"
	"Checks each FILE against its signature FILE.sig with the trusted public keys PUBFILE.\n"
	"Exits 0 when every FILE verifies, 1 otherwise, naming each file that does not and why.\n";

/* Prints OUT (a JSON array) or says it ran out of memory; returns STATUS or a failure. */
static int print_json_array(struct cli *cli, const char *cmd, struct strbuf *out, int status)
{
	if (out->oom) {
		cli_error(cli, "%s: %s", cmd, strerror(ENOMEM));
		return CLI_EXIT_FAIL;
	}
	printf("%s\n", out->buf);
	return status;
}

static int keygen_option(struct cli *cli, void *ctx, int c, const char *arg)
{
	(void)cli;
	(void)arg;
	if (c == 'f')
		*(bool *)ctx = true;
	return 0;
}

int cmd_keygen(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "force", no_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 },
	};
	char pub[PATH_MAX], fpr[EMB_KEY_FINGERPRINT_SIZE], err[PATH_MAX + 256];
	bool force = false;
	const char *priv;
	int first, r;

	first = cli_parse_options(cli, argc, argv, keygen_usage, opts, keygen_option, &force);
	if (first < 0)
		return CLI_EXIT_USAGE;
	if (first != argc - 1) {
		if (first < argc)
			cli_error(cli, "keygen: one KEYFILE, not %d", argc - first);
		else
			fprintf(stderr, "%s", keygen_usage);
		return CLI_EXIT_USAGE;
	}
	priv = argv[first];
	if (snprintf(pub, sizeof(pub), "%s.pub", priv) >= (int)sizeof(pub)) {
		cli_error(cli, "keygen: %s: %s", priv, strerror(ENAMETOOLONG));
		return CLI_EXIT_USAGE;
	}
	r = emb_key_generate_ex(priv, pub, force ? EMB_KEYGEN_REPLACE : 0, fpr, err, sizeof(err));
	if (r == -EEXIST && !force) {
		cli_error(cli, "keygen: %s (--force replaces a key pair, and nothing else)", err);
		return CLI_EXIT_FAIL;
	}
	if (r) {
		cli_error(cli, "keygen: %s", err);
		return CLI_EXIT_FAIL;
	}
	if (cli->json) {
		struct strbuf sb = { 0 };
		struct json j;

		json_begin(&j, &sb);
		json_str(&j, "fingerprint", fpr);
		json_str(&j, "private", priv);
		json_str(&j, "public", pub);
		json_bool(&j, "replaced", force);
		json_end(&j);
		if (sb.oom) {
			cli_error(cli, "keygen: %s", strerror(ENOMEM));
			r = -ENOMEM;
		} else {
			printf("%s\n", sb.buf);
		}
		sb_free(&sb);
		return r ? CLI_EXIT_FAIL : CLI_EXIT_OK;
	}
	printf("fingerprint: %s\n", fpr);
	printf("private:     %s\n", priv);
	printf("public:      %s\n", pub);
	return CLI_EXIT_OK;
}

struct key_options {
	const char **keys;
	size_t n_keys;
};

static int key_option(struct cli *cli, void *ctx, int c, const char *arg)
{
	struct key_options *o = ctx;

	(void)cli;
	if (c == 'k')
		o->keys[o->n_keys++] = arg;
	return 0;
}

/* Parses --key options (at most one an argument) into O; the argv index of the files, or -1. */
static int parse_key_options(struct cli *cli, const char *cmd, int argc, char **argv,
			     const char *usage, struct key_options *o)
{
	static const struct option opts[] = {
		{ "key", required_argument, NULL, 'k' },
		{ NULL, 0, NULL, 0 },
	};
	int first;

	o->keys = calloc((size_t)argc, sizeof(*o->keys));
	if (!o->keys) {
		cli_error(cli, "%s: %s", cmd, strerror(ENOMEM));
		return -1;
	}
	first = cli_parse_options(cli, argc, argv, usage, opts, key_option, o);
	if (first < 0)
		return -1;
	if (first >= argc) {
		fprintf(stderr, "%s", usage);
		return -1;
	}
	if (!o->n_keys) {
		cli_error(cli, "%s: --key is required", cmd);
		return -1;
	}
	return first;
}

int cmd_sign(struct cli *cli, int argc, char **argv)
{
	char fpr[EMB_KEY_FINGERPRINT_SIZE], sig[EMB_SIG_B64_SIZE], err[2 * PATH_MAX];
	struct key_options o = { 0 };
	struct strbuf out = { 0 };
	int first, status = CLI_EXIT_OK;

	first = parse_key_options(cli, "sign", argc, argv, sign_usage, &o);
	if (first < 0) {
		free(o.keys);
		return CLI_EXIT_USAGE;
	}
	if (o.n_keys > 1) {
		cli_error(cli, "sign: one --key, not %zu", o.n_keys);
		free(o.keys);
		return CLI_EXIT_USAGE;
	}
	/* An unusable key is a bad argument: said once, before any file (signing nothing tries it). */
	if (emb_sign_buffer(o.keys[0], "", 0, sig, sizeof(sig), err, sizeof(err)) ||
	    emb_key_fingerprint_file(o.keys[0], fpr, err, sizeof(err))) {
		cli_error(cli, "sign: --key %s", err);
		free(o.keys);
		return CLI_EXIT_USAGE;
	}
	sb_putc(&out, '[');
	for (int i = first; i < argc; i++) {
		struct json j;
		int r;

		r = emb_sign_file(o.keys[0], argv[i], fpr, err, sizeof(err));
		if (r)
			status = CLI_EXIT_FAIL;
		if (!cli->json) {
			if (r)
				cli_error(cli, "sign: %s", err);
			else
				printf("%s%s: signed with key %s\n", argv[i], EMB_SIG_SUFFIX, fpr);
			continue;
		}
		if (out.len > 1)
			sb_putc(&out, ',');
		json_begin(&j, &out);
		json_str(&j, "file", argv[i]);
		json_bool(&j, "ok", r == 0);
		if (r) {
			json_str(&j, "error", err);
		} else {
			char sig_path[PATH_MAX];

			snprintf(sig_path, sizeof(sig_path), "%s%s", argv[i], EMB_SIG_SUFFIX);
			json_str(&j, "sig", sig_path);
			json_str(&j, "fingerprint", fpr);
		}
		json_end(&j);
	}
	sb_putc(&out, ']');
	if (cli->json)
		status = print_json_array(cli, "sign", &out, status);
	sb_free(&out);
	free(o.keys);
	return status;
}

int cmd_verify(struct cli *cli, int argc, char **argv)
{
	char which[2 * PATH_MAX], err[PATH_MAX + 256];
	struct emb_trust trust = { 0 };
	struct key_options o = { 0 };
	struct strbuf out = { 0 };
	int first, status = CLI_EXIT_OK;

	first = parse_key_options(cli, "verify", argc, argv, verify_usage, &o);
	if (first < 0) {
		status = CLI_EXIT_USAGE;
		goto done;
	}
	for (size_t k = 0; k < o.n_keys; k++) {
		if (emb_trust_add_file(&trust, o.keys[k], err, sizeof(err))) {
			cli_error(cli, "verify: --key %s", err);
			status = CLI_EXIT_USAGE;
			goto done;
		}
	}
	sb_putc(&out, '[');
	for (int i = first; i < argc; i++) {
		const struct emb_trust_key *key = NULL;
		struct json j;
		int r;

		r = emb_verify_file(&trust, argv[i], NULL, NULL, which, sizeof(which));
		if (r)
			status = CLI_EXIT_FAIL;
		else
			key = emb_trust_find(&trust, which);
		if (!cli->json) {
			if (r)
				cli_error(cli, "verify: %s: %s", argv[i], which);
			else
				printf("%s: OK, signed by key %s (%s)\n", argv[i], which,
				       key ? key->path : "?");
			continue;
		}
		if (out.len > 1)
			sb_putc(&out, ',');
		json_begin(&j, &out);
		json_str(&j, "file", argv[i]);
		json_bool(&j, "ok", r == 0);
		if (r) {
			json_str(&j, "error", which);
		} else {
			json_str(&j, "fingerprint", which);
			if (key)
				json_str(&j, "key", key->path);
		}
		json_end(&j);
	}
	sb_putc(&out, ']');
	if (cli->json)
		status = print_json_array(cli, "verify", &out, status);
done:
	sb_free(&out);
	emb_trust_free(&trust);
	free(o.keys);
	return status;
}
