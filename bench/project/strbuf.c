// SPDX-License-Identifier: GPL-2.0-only
/* Growable strings: callers append without tracking sizes themselves. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kv.h"

void kv_strbuf_init(struct kv_strbuf *sb)
{
	sb->buf = NULL;
	sb->len = 0;
	sb->cap = 0;
}

void kv_strbuf_free(struct kv_strbuf *sb)
{
	free(sb->buf);
	kv_strbuf_init(sb);
}

void kv_strbuf_reset(struct kv_strbuf *sb)
{
	sb->len = 0;
	if (sb->buf)
		sb->buf[0] = '\0';
}

/* Makes room for extra more bytes plus the terminating NUL. */
static int strbuf_reserve(struct kv_strbuf *sb, size_t extra)
{
	size_t need, cap;
	char *p;

	if (extra > SIZE_MAX - sb->len - 1)
		return -EOVERFLOW;
	need = sb->len + extra + 1;
	if (need <= sb->cap)
		return 0;
	cap = sb->cap ? sb->cap : 32;
	while (cap < need)
		cap = cap > SIZE_MAX / 2 ? need : cap * 2;
	p = realloc(sb->buf, cap);
	if (!p)
		return -ENOMEM;
	sb->buf = p;
	sb->cap = cap;
	return 0;
}

int kv_strbuf_add(struct kv_strbuf *sb, const char *data, size_t len)
{
	int r;

	r = strbuf_reserve(sb, len);
	if (r < 0)
		return r;
	memcpy(sb->buf + sb->len, data, len);
	sb->len += len;
	sb->buf[sb->len] = '\0';
	return 0;
}

int kv_strbuf_adds(struct kv_strbuf *sb, const char *s)
{
	return kv_strbuf_add(sb, s, strlen(s));
}

int kv_strbuf_addch(struct kv_strbuf *sb, char c)
{
	return kv_strbuf_add(sb, &c, 1);
}

int kv_strbuf_addf(struct kv_strbuf *sb, const char *fmt, ...)
{
	va_list ap;
	int n, r;

	/* First pass sizes the output; the second writes it in place. */
	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return -EINVAL;
	r = strbuf_reserve(sb, (size_t)n);
	if (r < 0)
		return r;
	va_start(ap, fmt);
	vsnprintf(sb->buf + sb->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	sb->len += (size_t)n;
	return 0;
}

/* Hands the buffer to the caller; an empty buffer still yields an allocated "". */
char *kv_strbuf_detach(struct kv_strbuf *sb)
{
	char *s;

	if (strbuf_reserve(sb, 0) < 0)
		return NULL;
	s = sb->buf;
	kv_strbuf_init(sb);
	return s;
}
