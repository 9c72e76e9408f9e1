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
	"Shows whether embargod runs, its tier and mode, the policy in force, event counts and\n"
	"what the tier in force cannot stop.\n"
	"Exits 1 when embargod is not running.\n";

/*
 * The text of the object that field NAME of embargod's reply holds: "fanotify" is flat and
 * holds numbers only, so it ends at its first '}'. NULL when absent.
 */
static char *flat_object(const char *reply, const char *name)
{
	char pattern[64];
	const char *p, *end;

	snprintf(pattern, sizeof(pattern), "\"%s\":{", name);
	p = strstr(reply, pattern);
	if (!p)
		return NULL;
	p += strlen(pattern) - 1;
	end = strchr(p, '}');
	return end ? strndup(p, (size_t)(end - p) + 1) : NULL;
}

/* What the tier in force cannot stop, and the tracepoint tier's fanotify counters. */
static void print_limits(const char *reply)
{
	char *fan = flat_object(reply, "fanotify"), **limits = NULL;
	size_t n = 0;

	if (fan) {
		printf("fanotify:   %llu marks; %llu files hashed, %llu cache hits; %llu denied, "
		       "%llu audited, %llu errors\n",
		       json_get_u64(fan, "marks"), json_get_u64(fan, "hashed"),
		       json_get_u64(fan, "cache_hits"), json_get_u64(fan, "denied"),
		       json_get_u64(fan, "audited"), json_get_u64(fan, "errors"));
		free(fan);
	}
	if (json_get_string_array(reply, "limits", &limits, &n))
		return;
	for (size_t i = 0; i < n; i++)
		printf("%s %s\n", i ? "           " : "limits:    ", limits[i]);
	json_strv_free(limits, n);
}

/* The --audit and --journal copies that are on: what they sent, and what is wrong with them. */
static void print_sinks(const char *reply)
{
	static const char *const names[] = { "audit", "journal" };

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		char *sink = flat_object(reply, names[i]), *via, *warning, *last;

		if (!sink || !json_get_true(sink, "on")) {
			free(sink);
			continue;
		}
		via = json_get_string(sink, "via");
		warning = json_get_string(sink, "warning");
		last = json_get_string(sink, "last_error");
		printf("%s:%*s on%s%s: %llu sent, %llu failed, %llu dropped\n", names[i],
		       (int)(10 - strlen(names[i])), "", via ? " via " : "", via ? via : "",
		       json_get_u64(sink, "sent"), json_get_u64(sink, "failed"),
		       json_get_u64(sink, "dropped"));
		if (warning)
			printf("            warning: %s\n", warning);
		if (last)
			printf("            last error: %s\n", last);
		free(via);
		free(warning);
		free(last);
		free(sink);
	}
}

int cmd_status(struct cli *cli, int argc, char **argv)
{
	char *reply = NULL;
	int first;

	first = cli_common_options(cli, argc, argv, status_usage);
	if (first < 0)
		return CLI_EXIT_USAGE;
	if (first < argc) {
		cli_error(cli, "status: unexpected argument '%s'", argv[first]);
		return CLI_EXIT_USAGE;
	}
	if (cli_ask(cli, "status", &reply))
		return CLI_EXIT_FAIL;
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
		char *pinned = json_get_string(reply, "pin_dir");

		if (json_get_true(reply, "pinned") && pinned && pinned[0])
			printf("pinned:     %s (enforcement outlives embargod; embargo unload ends "
			       "it)%s\n",
			       pinned,
			       json_get_true(reply, "took_over") ? ", taken over from an earlier "
								   "embargod"
								 : "");
		else
			printf("pinned:     no (enforcement ends when embargod exits)\n");
		free(pinned);
		char *sha = json_get_string(reply, "policy_sha256");
		char *source = json_get_string(reply, "policy_source");
		char *signer = json_get_string(reply, "signed_by");

		printf("policy:     generation %llu, version %llu, loaded %s from %s\n",
		       json_get_u64(reply, "generation"), json_get_u64(reply, "policy_version"),
		       loaded ? loaded : "?",
		       source && !strcmp(source, "push") ? "a push" : "files");
		printf("sha256:     %s%s%s\n", sha ? sha : "?", signer ? ", signed by " : "",
		       signer ? signer : "");
		cli_print_source(reply, "source");
		free(sha);
		free(source);
		free(signer);
		printf("rules:      %llu (%llu inodes in the kernel, %llu pending: target "
		       "missing)\n",
		       json_get_u64(reply, "rules"), json_get_u64(reply, "inodes"),
		       json_get_u64(reply, "pending"));
		printf("events:     %llu written, %llu dropped\n",
		       json_get_u64(reply, "events_written"),
		       json_get_u64(reply, "events_dropped"));
		printf("log:        %s\n", log ? log : "?");
		print_sinks(reply);
		print_limits(reply);
		free(tier);
		free(mode);
		free(log);
		free(why);
		free(loaded);
	}
	free(reply);
	return CLI_EXIT_OK;
}

void cli_print_source(const char *reply, const char *name)
{
	char pattern[64], *obj, *kind, *sub = NULL, **v = NULL;
	const char *p, *end;
	size_t n = 0;

	/* The object is flat: its arrays hold strings without braces. */
	snprintf(pattern, sizeof(pattern), "\"%s\":{", name);
	p = strstr(reply, pattern);
	end = p ? strchr(p, '}') : NULL;
	if (!p || !end) {
		printf("source:     ?\n");
		return;
	}
	p += strlen(pattern) - 1;
	obj = strndup(p, (size_t)(end - p) + 1);
	kind = obj ? json_get_string(obj, "kind") : NULL;
	if (kind && !strcmp(kind, "push")) {
		char *pname = json_get_string(obj, "name"),
		     *signer = json_get_string(obj, "signed_by");
		char *kept = json_get_string(obj, "kept");

		printf("source:     push of %s (version %llu, %s%s), kept in %s\n",
		       pname ? pname : "?", json_get_u64(obj, "version"),
		       signer && signer[0] ? "signed by " : "not signed",
		       signer && signer[0] ? signer : "", kept ? kept : "?");
		json_get_string_array(obj, "policy_paths", &v, &n);
		printf("            the --policy files (");
		for (size_t i = 0; i < n; i++)
			printf("%s%s", i ? ", " : "", v[i]);
		printf(") are NOT in force and SIGHUP does not reload them;\n"
		       "            'embargo push --revert' goes back to them\n");
		free(pname);
		free(signer);
		free(kept);
	} else {
		json_get_string_array(obj ? obj : "{}", "files", &v, &n);
		printf("source:     files");
		for (size_t i = 0; i < n; i++)
			printf("%s%s", i ? ", " : ": ", v[i]);
		printf("\n");
	}
	json_strv_free(v, n);
	free(sub);
	free(kind);
	free(obj);
}
