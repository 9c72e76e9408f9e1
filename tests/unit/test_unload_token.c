// SPDX-License-Identifier: GPL-2.0-only
/* Unload tokens: one host, until an expiry, three exact lines. */
#include <errno.h>
#include <string.h>

#include "tap.h"
#include "unload_token.h"

static int check(const char *text, const char *host, int64_t now)
{
	char why[256] = "";
	int r = emb_unload_token_check(text, strlen(text), host, now, why, sizeof(why));

	if (r)
		diag("%s", why);
	return r;
}

int main(void)
{
	char buf[EMB_UNLOAD_TOKEN_MAX], why[256];

	is_int(emb_unload_token_format("web-01", 1795000000, buf, sizeof(buf)), 0, "format");
	is_str(buf, "embargo unload token\nhost: web-01\nexpires: 2026-11-18T11:06:40Z\n",
	       "the three lines");
	is_int(check(buf, "web-01", 1795000000 - 1), 0, "valid for its host before expiry");
	is_int(check(buf, "web-01", 1795000000), -ETIME, "not at its expiry");
	is_int(check(buf, "web-02", 1794000000), -EACCES, "not for another host");
	is_int(check("embargo unload token\nhost: web-01\n", "web-01", 0), -EINVAL,
	       "a line missing");
	is_int(check("embargo unload token\nhost: web-01\nexpires: soon\n", "web-01", 0), -EINVAL,
	       "a bad time");
	is_int(check("embargo unload token\nhost: web-01\nexpires: 2099-01-01T00:00:00Z\nx\n",
		     "web-01", 0),
	       -EINVAL, "an extra line");
	is_int(check("EMBARGO unload token\nhost: web-01\nexpires: 2099-01-01T00:00:00Z\n",
		     "web-01", 0),
	       -EINVAL, "another title");
	is_int(emb_unload_token_format("two words", 0, buf, sizeof(buf)), -EINVAL,
	       "a host with a blank is refused");

	/* The revert token (embargo push --revert): the same form, its own title. */
	is_int(emb_revert_token_format("web-01", 1795000000, buf, sizeof(buf)), 0, "revert format");
	is_str(buf, "embargo revert token\nhost: web-01\nexpires: 2026-11-18T11:06:40Z\n",
	       "the revert token's three lines");
	is_int(emb_revert_token_check(buf, strlen(buf), "web-01", 1795000000 - 1, why, sizeof(why)),
	       0, "a revert token is valid for its host before expiry");
	is_int(check(buf, "web-01", 0), -EINVAL, "a revert token is no unload token");
	emb_unload_token_format("web-01", 1795000000, buf, sizeof(buf));
	is_int(emb_revert_token_check(buf, strlen(buf), "web-01", 0, why, sizeof(why)), -EINVAL,
	       "nor an unload token a revert token");
	is_str(why,
	       "revert token: expected the lines \"embargo revert token\", \"host: NAME\" and "
	       "\"expires: RFC3339-TIME\"",
	       "and the message names the revert token");
	return done_testing();
}
