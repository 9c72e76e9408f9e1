// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "logquery.h"
#include "unload_token.h"

#define UNLOAD_TITLE "embargo unload token"
#define REVERT_TITLE "embargo revert token"

static int token_format(const char *title, const char *host, int64_t expires, char *buf,
			size_t size)
{
	time_t t = (time_t)expires;
	char when[32];
	struct tm tm;

	if (!host[0] || strpbrk(host, " \t\r\n") || !gmtime_r(&t, &tm))
		return -EINVAL;
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	if ((size_t)snprintf(buf, size, "%s\nhost: %s\nexpires: %s\n", title, host, when) >= size)
		return -ENAMETOOLONG;
	return 0;
}

/* WHAT ("unload token") names the token in messages. */
static int token_check(const char *title, const char *what, const char *text, size_t len,
		       const char *host, int64_t now, char *why, size_t why_size)
{
	char buf[EMB_UNLOAD_TOKEN_MAX + 1], *lines[4] = { 0 }, *save = NULL, *l;
	struct emb_log_time expires;
	size_t n = 0;

	if (len > EMB_UNLOAD_TOKEN_MAX || memchr(text, '\0', len)) {
		snprintf(why, why_size, "%s: not a token (too long, or binary)", what);
		return -EINVAL;
	}
	memcpy(buf, text, len);
	buf[len] = 0;
	for (l = strtok_r(buf, "\n", &save); l && n < 4; l = strtok_r(NULL, "\n", &save))
		lines[n++] = l;
	if (n != 3 || strcmp(lines[0], title) || strncmp(lines[1], "host: ", 6) ||
	    strncmp(lines[2], "expires: ", 9) || emb_log_parse_time(lines[2] + 9, &expires)) {
		snprintf(why, why_size,
			 "%s: expected the lines \"%s\", \"host: NAME\" and \"expires: "
			 "RFC3339-TIME\"",
			 what, title);
		return -EINVAL;
	}
	if (strcmp(lines[1] + 6, host)) {
		snprintf(why, why_size, "%s: it is for host %.64s, this is %.64s", what,
			 lines[1] + 6, host);
		return -EACCES;
	}
	if (expires.sec <= now) {
		snprintf(why, why_size, "%s: expired at %.40s", what, lines[2] + 9);
		return -ETIME;
	}
	return 0;
}

int emb_unload_token_format(const char *host, int64_t expires, char *buf, size_t size)
{
	return token_format(UNLOAD_TITLE, host, expires, buf, size);
}

int emb_unload_token_check(const char *text, size_t len, const char *host, int64_t now, char *why,
			   size_t why_size)
{
	return token_check(UNLOAD_TITLE, "unload token", text, len, host, now, why, why_size);
}

int emb_revert_token_format(const char *host, int64_t expires, char *buf, size_t size)
{
	return token_format(REVERT_TITLE, host, expires, buf, size);
}

int emb_revert_token_check(const char *text, size_t len, const char *host, int64_t now, char *why,
			   size_t why_size)
{
	return token_check(REVERT_TITLE, "revert token", text, len, host, now, why, why_size);
}
