// SPDX-License-Identifier: GPL-2.0-only
/*
 * A control client's first bytes, as embargod reads them (at most EMB_CONTROL_MAX_REQUEST - 1):
 * the request line taken apart, then what each verb parses from it: a push's JSON header and
 * its signature line, an unload's token and signature.
 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "control.h"
#include "control_parse.h"
#include "fuzz.h"
#include "json_read.h"
#include "sign.h"
#include "unload_token.h"

#define HOST "host1"
#define NOW  1795827723 /* 2026-11-28T..Z */

static void check_sig(const char *sig)
{
	struct emb_sig parsed;
	char err[128];
	int r;

	if (!sig)
		return;
	err[0] = 0;
	r = emb_sig_parse(sig, strlen(sig), &parsed, err, sizeof(err));
	FUZZ_CHECK(r == 0 || (r == -EBADMSG && err[0]));
	if (!r)
		FUZZ_CHECK(strlen(parsed.fingerprint) == EMB_KEY_FINGERPRINT_SIZE - 1);
}

static void check_push(const char *header)
{
	struct emb_push_header h = { 0 };
	const char *why = NULL;
	int r = emb_push_header_parse(header, &h, &why);

	FUZZ_CHECK(r == 0 || (r == -EINVAL && why && !h.name && !h.sig));
	if (r)
		return;
	FUZZ_CHECK(h.name && emb_push_name_ok(h.name) && !strchr(h.name, '/'));
	FUZZ_CHECK(h.size <= EMB_CONTROL_MAX_PAYLOAD);
	check_sig(h.sig);
	emb_push_header_free(&h);
}

static void check_unload(const char *args)
{
	char *token, *sig, why[256];
	int r;

	if (!*args)
		return;
	token = json_get_string(args, "token");
	sig = json_get_string(args, "sig");
	if (token) {
		why[0] = 0;
		r = emb_unload_token_check(token, strlen(token), HOST, NOW, why, sizeof(why));
		FUZZ_CHECK(r == 0 || ((r == -EINVAL || r == -EACCES || r == -ETIME) && why[0]));
	}
	check_sig(sig);
	free(token);
	free(sig);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct emb_control_line l;
	size_t len = size < EMB_CONTROL_MAX_REQUEST - 1 ? size : EMB_CONTROL_MAX_REQUEST - 1;
	char *buf = malloc(len + 1);
	const char *nl;

	FUZZ_CHECK(buf);
	memcpy(buf, data, len);
	nl = memchr(buf, '\n', len);
	emb_control_parse_line(buf, len, &l);

	/* The line is what comes before the newline; the rest is what follows it. */
	FUZZ_CHECK(l.line == buf && !strchr(l.line, '\n'));
	FUZZ_CHECK(l.rest + l.rest_len == buf + len);
	FUZZ_CHECK(nl ? l.rest == nl + 1 && !memcmp(l.rest, data + (nl + 1 - buf), l.rest_len)
		      : l.rest_len == 0);
	FUZZ_CHECK(l.args >= l.line || !*l.args);
	switch (l.verb) {
	case EMB_CONTROL_STATUS:
		FUZZ_CHECK(!strcmp(l.line, "status"));
		break;
	case EMB_CONTROL_POLICY:
		FUZZ_CHECK(!strcmp(l.line, "policy"));
		break;
	case EMB_CONTROL_PING:
		FUZZ_CHECK(!strcmp(l.line, "ping"));
		break;
	case EMB_CONTROL_PUSH:
		FUZZ_CHECK(!strncmp(l.line, "push ", 5) && l.args == l.line + 5);
		check_push(l.args);
		break;
	case EMB_CONTROL_UNLOAD:
		FUZZ_CHECK(!strcmp(l.line, "unload") ||
			   (!strncmp(l.line, "unload ", 7) && l.args == l.line + 7));
		check_unload(l.args);
		break;
	case EMB_CONTROL_RELOAD:
		FUZZ_CHECK(!strcmp(l.line, "reload"));
		break;
	case EMB_CONTROL_REVERT:
		FUZZ_CHECK(!strcmp(l.line, "revert") ||
			   (!strncmp(l.line, "revert ", 7) && l.args == l.line + 7));
		break;
	case EMB_CONTROL_UNKNOWN:
		FUZZ_CHECK(strcmp(l.line, "status") && strcmp(l.line, "policy") &&
			   strcmp(l.line, "ping") && strcmp(l.line, "unload") &&
			   strcmp(l.line, "reload") && strcmp(l.line, "revert") &&
			   strncmp(l.line, "push ", 5) && strncmp(l.line, "unload ", 7) &&
			   strncmp(l.line, "revert ", 7));
		break;
	default:
		FUZZ_CHECK(!"unknown verb");
	}
	free(buf);
	return 0;
}
