// SPDX-License-Identifier: GPL-2.0-only
/* String helpers for parsing: in-place trimming and splitting, checked number parsing. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "kv.h"

/* ASCII only on purpose: configuration syntax must not depend on the locale. */
static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v';
}

char *kv_trim(char *s)
{
	char *end;

	while (is_space(*s))
		s++;
	end = s + strlen(s);
	while (end > s && is_space(end[-1]))
		end--;
	*end = '\0';
	return s;
}

int kv_starts_with(const char *s, const char *prefix)
{
	return !strncmp(s, prefix, strlen(prefix));
}

/* Unlike bare strtoull(): no sign, no leading blanks, no trailing junk, no silent wrap. */
int kv_parse_u64(const char *s, uint64_t *ret)
{
	unsigned long long v;
	char *end;

	if (!*s || *s == '-' || *s == '+' || is_space(*s))
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno)
		return -errno;
	if (*end)
		return -EINVAL;
	*ret = v;
	return 0;
}

int kv_parse_bool(const char *s, int *ret)
{
	static const char *const yes[] = { "1", "yes", "true", "on" };
	static const char *const no[] = { "0", "no", "false", "off" };
	size_t i;

	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (!strcmp(s, yes[i])) {
			*ret = 1;
			return 0;
		}
		if (!strcmp(s, no[i])) {
			*ret = 0;
			return 0;
		}
	}
	return -EINVAL;
}

/* Splits s in place at sep; fields beyond max stay joined in the last one. */
size_t kv_split(char *s, char sep, char **fields, size_t max)
{
	size_t n = 0;
	char *p;

	if (!max)
		return 0;
	fields[n++] = s;
	for (p = s; *p && n < max; p++) {
		if (*p != sep)
			continue;
		*p = '\0';
		fields[n++] = p + 1;
	}
	return n;
}
