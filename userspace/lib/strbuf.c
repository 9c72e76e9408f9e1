// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <inttypes.h>
#include <unistd.h>

#include "strbuf.h"

static bool sb_reserve(struct strbuf *sb, size_t extra)
{
	size_t need, cap;
	char *p;

	if (sb->oom)
		return false;
	if (extra > SIZE_MAX / 2 - sb->len - 1)
		goto oom;
	need = sb->len + extra + 1;
	if (need <= sb->cap)
		return true;
	cap = sb->cap ? sb->cap : 64;
	while (cap < need)
		cap *= 2;
	p = realloc(sb->buf, cap);
	if (!p)
		goto oom;
	sb->buf = p;
	sb->cap = cap;
	return true;
oom:
	sb->oom = true;
	return false;
}

void sb_free(struct strbuf *sb)
{
	free(sb->buf);
	*sb = (struct strbuf){ 0 };
}

void sb_reset(struct strbuf *sb)
{
	sb->len = 0;
	if (sb->buf)
		sb->buf[0] = 0;
}

void sb_append(struct strbuf *sb, const void *data, size_t len)
{
	if (!sb_reserve(sb, len))
		return;
	memcpy(sb->buf + sb->len, data, len);
	sb->len += len;
	sb->buf[sb->len] = 0;
}

void sb_puts(struct strbuf *sb, const char *s)
{
	sb_append(sb, s, strlen(s));
}

void sb_putc(struct strbuf *sb, char c)
{
	sb_append(sb, &c, 1);
}

void sb_printf(struct strbuf *sb, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || !sb_reserve(sb, (size_t)n))
		return;
	va_start(ap, fmt);
	vsnprintf(sb->buf + sb->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	sb->len += (size_t)n;
}

char *sb_steal(struct strbuf *sb)
{
	char *s;

	if (sb->oom) {
		sb_free(sb);
		return NULL;
	}
	if (!sb->buf)
		return strdup("");
	s = sb->buf;
	*sb = (struct strbuf){ 0 };
	return s;
}

/* Length of the valid UTF-8 sequence at S (at most LEN bytes), or 0 if it is not valid. */
static size_t utf8_seq_len(const unsigned char *s, size_t len)
{
	size_t n, i;
	uint32_t cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2, cp = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3, cp = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4, cp = s[0] & 0x07;
	else
		return 0;
	if (n > len)
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	/* Overlong forms, surrogates and values past U+10FFFF are not UTF-8. */
	if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

void json_quote(struct strbuf *sb, const char *str, size_t len)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0, n;

	sb_putc(sb, '"');
	while (i < len) {
		unsigned char c = s[i];

		if (c == '"' || c == '\\') {
			sb_putc(sb, '\\');
			sb_putc(sb, (char)c);
			i++;
		} else if (c == '\n') {
			sb_puts(sb, "\\n");
			i++;
		} else if (c == '\t') {
			sb_puts(sb, "\\t");
			i++;
		} else if (c < 0x20 || c == 0x7f) {
			sb_printf(sb, "\\u%04x", c);
			i++;
		} else if ((n = utf8_seq_len(s + i, len - i)) > 0) {
			sb_append(sb, s + i, n);
			i += n;
		} else {
			sb_puts(sb, "\\ufffd");
			i++;
		}
	}
	sb_putc(sb, '"');
}

void json_begin(struct json *j, struct strbuf *sb)
{
	j->sb = sb;
	j->fields = 0;
	sb_putc(sb, '{');
}

void json_end(struct json *j)
{
	sb_putc(j->sb, '}');
}

static void json_name(struct json *j, const char *name)
{
	if (j->fields++)
		sb_putc(j->sb, ',');
	json_quote(j->sb, name, strlen(name));
	sb_putc(j->sb, ':');
}

void json_strn(struct json *j, const char *name, const char *value, size_t len)
{
	json_name(j, name);
	json_quote(j->sb, value, len);
}

void json_str(struct json *j, const char *name, const char *value)
{
	json_strn(j, name, value, strlen(value));
}

void json_u64(struct json *j, const char *name, uint64_t value)
{
	json_name(j, name);
	sb_printf(j->sb, "%" PRIu64, value);
}

void json_i64(struct json *j, const char *name, int64_t value)
{
	json_name(j, name);
	sb_printf(j->sb, "%" PRId64, value);
}

void json_bool(struct json *j, const char *name, bool value)
{
	json_name(j, name);
	sb_puts(j->sb, value ? "true" : "false");
}

void json_raw(struct json *j, const char *name, const char *value)
{
	json_name(j, name);
	sb_puts(j->sb, value);
}

int sb_read_file(const char *path, size_t limit, char **out, size_t *len)
{
	struct strbuf sb = { 0 };
	char chunk[65536];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC), r = 0;

	if (fd < 0)
		return -errno;
	while ((n = read(fd, chunk, sizeof(chunk))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = -errno;
			break;
		}
		sb_append(&sb, chunk, (size_t)n);
		if (sb.len > limit) {
			r = -EFBIG;
			break;
		}
	}
	close(fd);
	if (!r && sb.oom)
		r = -ENOMEM;
	if (r) {
		sb_free(&sb);
		return r;
	}
	*len = sb.len;
	*out = sb.len ? sb_steal(&sb) : strdup("");
	return *out ? 0 : -ENOMEM;
}
