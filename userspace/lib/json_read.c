// SPDX-License-Identifier: GPL-2.0-only
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "json_read.h"
#include "strbuf.h"

static const char *skip_ws(const char *p)
{
	while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
		p++;
	return p;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)tolower((unsigned char)c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

static void put_utf8(struct strbuf *sb, unsigned cp)
{
	if (cp < 0x80) {
		sb_putc(sb, (char)cp);
	} else if (cp < 0x800) {
		sb_putc(sb, (char)(0xc0 | (cp >> 6)));
		sb_putc(sb, (char)(0x80 | (cp & 0x3f)));
	} else if (cp < 0x10000) {
		sb_putc(sb, (char)(0xe0 | (cp >> 12)));
		sb_putc(sb, (char)(0x80 | ((cp >> 6) & 0x3f)));
		sb_putc(sb, (char)(0x80 | (cp & 0x3f)));
	} else {
		sb_putc(sb, (char)(0xf0 | (cp >> 18)));
		sb_putc(sb, (char)(0x80 | ((cp >> 12) & 0x3f)));
		sb_putc(sb, (char)(0x80 | ((cp >> 6) & 0x3f)));
		sb_putc(sb, (char)(0x80 | (cp & 0x3f)));
	}
}

/* The 4 hex digits at P into *CP; false when they are not (stops at the first that is not). */
static bool read_hex4(const char *p, unsigned *cp)
{
	unsigned v = 0;

	for (int i = 0; i < 4; i++) {
		int d = hexval(p[i]);

		if (d < 0)
			return false;
		v = v << 4 | (unsigned)d;
	}
	*cp = v;
	return true;
}

/* Parses the string at P (at its opening quote); returns the position after it, or NULL. */
static const char *parse_string(const char *p, struct strbuf *out)
{
	static const char escapes[] = "\"\\/bfnrt", unescaped[] = "\"\\/\b\f\n\r\t";
	const char *at;

	if (*p++ != '"')
		return NULL;
	while (*p && *p != '"') {
		if (*p != '\\') {
			if (out)
				sb_putc(out, *p);
			p++;
			continue;
		}
		p++;
		if (*p == 'u') {
			unsigned cp, low;

			if (!read_hex4(p + 1, &cp))
				return NULL;
			p += 5;
			/*
			 * Beyond U+FFFF a character is a UTF-16 surrogate pair (as most writers
			 * escape it); a lone surrogate is none, read as U+FFFD, as json_quote()
			 * writes invalid UTF-8.
			 */
			if (cp >= 0xd800 && cp <= 0xdbff && p[0] == '\\' && p[1] == 'u' &&
			    read_hex4(p + 2, &low) && low >= 0xdc00 && low <= 0xdfff) {
				cp = 0x10000 + ((cp - 0xd800) << 10) + (low - 0xdc00);
				p += 6;
			} else if (cp >= 0xd800 && cp <= 0xdfff) {
				cp = 0xfffd;
			}
			if (out)
				put_utf8(out, cp);
			continue;
		}
		/* Checked when only skipping too: what json_is_object() accepts can be read. */
		at = *p ? strchr(escapes, *p) : NULL;
		if (!at)
			return NULL;
		if (out)
			sb_putc(out, unescaped[at - escapes]);
		p++;
	}
	return *p == '"' ? p + 1 : NULL;
}

/* Skips one value at P; returns the position after it, or NULL when malformed. */
static const char *skip_value(const char *p, int depth)
{
	p = skip_ws(p);
	if (depth > 64)
		return NULL;
	if (*p == '"')
		return parse_string(p, NULL);
	if (*p == '{' || *p == '[') {
		char close = *p == '{' ? '}' : ']';

		p = skip_ws(p + 1);
		if (*p == close)
			return p + 1;
		for (;;) {
			if (close == '}') {
				p = parse_string(skip_ws(p), NULL);
				if (!p || *(p = skip_ws(p)) != ':')
					return NULL;
				p++;
			}
			p = skip_value(p, depth + 1);
			if (!p)
				return NULL;
			p = skip_ws(p);
			if (*p == close)
				return p + 1;
			if (*p != ',')
				return NULL;
			p++;
		}
	}
	if (!*p)
		return NULL;
	while (*p && !strchr(",}] \t\r\n", *p))
		p++;
	return p;
}

/* Finds top-level field NAME; returns the start of its value, or NULL. */
static const char *find_field(const char *text, const char *name)
{
	const char *p = skip_ws(text);

	if (*p++ != '{')
		return NULL;
	for (;;) {
		struct strbuf key = { 0 };
		const char *v;
		bool match;

		p = skip_ws(p);
		if (*p == '}')
			return NULL;
		p = parse_string(p, &key);
		match = p && key.buf && !strcmp(key.buf, name);
		sb_free(&key);
		if (!p || *(p = skip_ws(p)) != ':')
			return NULL;
		v = skip_ws(p + 1);
		if (match)
			return v;
		p = skip_value(v, 0);
		if (!p || *(p = skip_ws(p)) != ',')
			return NULL;
		p++;
	}
}

char *json_get_string(const char *text, const char *name)
{
	const char *v = find_field(text, name);
	struct strbuf out = { 0 };

	if (!v || *v != '"' || !parse_string(v, &out)) {
		sb_free(&out);
		return NULL;
	}
	return sb_steal(&out);
}

unsigned long long json_get_u64(const char *text, const char *name)
{
	const char *v = find_field(text, name);

	if (!v || !isdigit((unsigned char)*v))
		return 0;
	return strtoull(v, NULL, 10);
}

int json_get_number(const char *text, const char *name, unsigned long long *ret)
{
	const char *v = find_field(text, name);
	unsigned long long n;
	char *end;

	if (!v)
		return -ENOENT;
	if (!isdigit((unsigned char)*v))
		return -EINVAL;
	errno = 0;
	n = strtoull(v, &end, 10);
	if (errno || (*end && !strchr(",} \t\r\n", *end)))
		return -EINVAL;
	*ret = n;
	return 0;
}

bool json_get_true(const char *text, const char *name)
{
	const char *v = find_field(text, name);

	return v && !strncmp(v, "true", 4) && (!v[4] || strchr(",} \t\r\n", v[4]));
}

bool json_is_object(const char *text)
{
	const char *p = skip_ws(text);

	if (*p != '{')
		return false;
	p = skip_value(p, 0);
	return p && !*skip_ws(p);
}

int json_get_string_array(const char *text, const char *name, char ***ret_v, size_t *ret_n)
{
	const char *p = find_field(text, name);
	char **v = NULL;
	size_t n = 0, cap = 0;
	int r = 0;

	if (!p || *p != '[')
		return -ENOENT;
	p = skip_ws(p + 1);
	if (*p == ']')
		goto done;
	for (;;) {
		struct strbuf s = { 0 };
		char **grown;

		if (n >= JSON_MAX_ARRAY) {
			r = -E2BIG;
			break;
		}
		p = parse_string(skip_ws(p), &s);
		if (!p) {
			sb_free(&s);
			r = -EINVAL;
			break;
		}
		if (n == cap) {
			cap = cap ? 2 * cap : 8;
			grown = realloc(v, cap * sizeof(*v));
			if (!grown) {
				sb_free(&s);
				r = -ENOMEM;
				break;
			}
			v = grown;
		}
		v[n] = sb_steal(&s);
		if (!v[n]) {
			r = -ENOMEM;
			break;
		}
		n++;
		p = skip_ws(p);
		if (*p == ']')
			break;
		if (*p != ',') {
			r = -EINVAL;
			break;
		}
		p++;
	}
	if (r) {
		json_strv_free(v, n);
		return r;
	}
done:
	*ret_v = v;
	*ret_n = n;
	return 0;
}

void json_strv_free(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}
