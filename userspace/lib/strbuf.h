/* SPDX-License-Identifier: GPL-2.0-only */
/* A growable byte buffer, and JSON written into it. Allocation failure is sticky: check ->oom once. */
#ifndef EMB_STRBUF_H
#define EMB_STRBUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct strbuf {
	char *buf; /* NUL-terminated when len > 0 or after any append */
	size_t len;
	size_t cap;
	bool oom;
};

void sb_free(struct strbuf *sb);
void sb_reset(struct strbuf *sb);
void sb_append(struct strbuf *sb, const void *data, size_t len);
void sb_puts(struct strbuf *sb, const char *s);
void sb_putc(struct strbuf *sb, char c);
void sb_printf(struct strbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Hands the string over to the caller (an empty string if nothing was written); NULL on OOM. */
char *sb_steal(struct strbuf *sb);
/*
 * Reads all of PATH, at most LIMIT bytes, into *OUT (malloc'd, NUL-terminated; *LEN bytes).
 * Returns 0, -EFBIG past LIMIT, or -errno.
 */
int sb_read_file(const char *path, size_t limit, char **out, size_t *len);

/*
 * JSON object writing: json_begin() writes "{", each json_* field writes ",\"name\":value"
 * (without the comma for the first field), json_end() writes "}".
 */
struct json {
	struct strbuf *sb;
	int fields;
};

void json_begin(struct json *j, struct strbuf *sb);
void json_end(struct json *j);
void json_str(struct json *j, const char *name, const char *value);
void json_strn(struct json *j, const char *name, const char *value, size_t len);
void json_u64(struct json *j, const char *name, uint64_t value);
void json_i64(struct json *j, const char *name, int64_t value);
void json_bool(struct json *j, const char *name, bool value);
/* A raw, already valid JSON value (an array or object written by the caller). */
void json_raw(struct json *j, const char *name, const char *value);
/* Writes S as a JSON string literal, escaping what RFC 8259 requires and invalid UTF-8 as \ufffd. */
void json_quote(struct strbuf *sb, const char *s, size_t len);

#endif /* EMB_STRBUF_H */
