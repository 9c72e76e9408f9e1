// SPDX-License-Identifier: GPL-2.0-only
/*
 * INI parser. Values are stored as malloc'd strings under "section.key"; a later
 * duplicate replaces the earlier value, as in most INI dialects. The input is never
 * modified: each line is copied into a scratch buffer first.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "kv.h"

#define INI_MAX_LINE 4096

static int ini_fail(struct kv_ini_error *err, unsigned int line, const char *reason)
{
	if (err) {
		err->line = line;
		err->reason = reason;
	}
	return -EINVAL;
}

static int ini_store(struct kv_map *map, const char *section, const char *key, const char *value)
{
	struct kv_strbuf name;
	void *old = NULL;
	char *copy;
	int r;

	kv_strbuf_init(&name);
	r = *section ? kv_strbuf_addf(&name, "%s.%s", section, key) : kv_strbuf_adds(&name, key);
	if (r < 0)
		goto out;
	copy = strdup(value);
	if (!copy) {
		r = -ENOMEM;
		goto out;
	}
	r = kv_map_set(map, name.buf, copy, &old);
	if (r < 0)
		free(copy);
	else
		free(old);
out:
	kv_strbuf_free(&name);
	return r < 0 ? r : 0;
}

int kv_ini_parse(const char *text, size_t len, struct kv_map *map, struct kv_ini_error *err)
{
	char line[INI_MAX_LINE], section[INI_MAX_LINE] = "";
	const char *p = text, *end = text + len, *nl;
	char *s, *eq, *close;
	unsigned int lineno = 0;
	size_t n;
	int r;

	while (p < end) {
		lineno++;
		nl = memchr(p, '\n', (size_t)(end - p));
		n = (size_t)((nl ? nl : end) - p);
		if (n >= sizeof(line))
			return ini_fail(err, lineno, "line too long");
		memcpy(line, p, n);
		line[n] = '\0';
		p += n + (nl ? 1 : 0);

		s = kv_trim(line);
		if (!*s || *s == '#' || *s == ';')
			continue;
		if (*s == '[') {
			close = strchr(s, ']');
			if (!close || close[1])
				return ini_fail(err, lineno, "expected ']' at the end of the line");
			*close = '\0';
			s = kv_trim(s + 1);
			if (!*s)
				return ini_fail(err, lineno, "empty section name");
			strcpy(section, s);
			continue;
		}
		eq = strchr(s, '=');
		if (!eq)
			return ini_fail(err, lineno, "expected 'key = value'");
		*eq = '\0';
		s = kv_trim(s);
		if (!*s)
			return ini_fail(err, lineno, "empty key");
		r = ini_store(map, section, s, kv_trim(eq + 1));
		if (r < 0)
			return r;
	}
	return 0;
}
