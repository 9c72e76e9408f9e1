// SPDX-License-Identifier: GPL-2.0-only
/*
 * The JSON reader (json_read.c) that embargod uses on requests and embargo on replies and log
 * lines, on arbitrary text; and the writer and reader together: any bytes written as a JSON
 * string by json_quote() read back as what was written (invalid UTF-8 as U+FFFD).
 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "fuzz.h"
#include "json_read.h"
#include "strbuf.h"

/* Fields the project reads, and one that no object has. */
static const char *const fields[] = {
	"error", "name", "size", "sig",		 "token", "time",
	"path",	 "seq",	 "ok",	 "policy_files", "none",
};

/* Whether S is valid UTF-8: no overlong forms, no surrogates, nothing past U+10FFFF. */
static bool is_utf8(const char *str)
{
	const unsigned char *s = (const unsigned char *)str;

	while (*s) {
		unsigned cp, n;

		if (*s < 0x80) {
			s++;
			continue;
		}
		if (*s >= 0xc2 && *s <= 0xdf)
			n = 1, cp = *s & 0x1fu;
		else if (*s >= 0xe0 && *s <= 0xef)
			n = 2, cp = *s & 0x0fu;
		else if (*s >= 0xf0 && *s <= 0xf4)
			n = 3, cp = *s & 0x07u;
		else
			return false;
		for (unsigned i = 1; i <= n; i++) {
			if ((s[i] & 0xc0) != 0x80)
				return false;
			cp = cp << 6 | (s[i] & 0x3fu);
		}
		if ((n == 2 && cp < 0x800) || (n == 3 && (cp < 0x10000 || cp > 0x10ffff)) ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		s += n + 1;
	}
	return true;
}

static void read_fields(const char *text)
{
	bool object = json_is_object(text), ascii = true;

	for (const char *c = text; *c; c++)
		ascii = ascii && (unsigned char)*c < 0x80;

	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		unsigned long long n = 0, u = json_get_u64(text, fields[i]);
		char *s = json_get_string(text, fields[i]), **v = NULL;
		int r = json_get_number(text, fields[i], &n);
		bool t = json_get_true(text, fields[i]);
		size_t vn = 0;
		int a = json_get_string_array(text, fields[i], &v, &vn);

		/* One value is a string, a number, true or an array, never two of them. */
		FUZZ_CHECK(r == 0 || r == -ENOENT || r == -EINVAL);
		FUZZ_CHECK(r != 0 || n == u);
		FUZZ_CHECK(!s || (r == -EINVAL && !t && a == -ENOENT));
		FUZZ_CHECK(!t || (r == -EINVAL && a == -ENOENT));
		FUZZ_CHECK(a == 0 || a == -ENOENT || a == -EINVAL || a == -E2BIG);
		FUZZ_CHECK(a != 0 || r == -EINVAL);
		/* A field absent from the object is absent to every reader. */
		if (object && r == -ENOENT)
			FUZZ_CHECK(!s && !t && a == -ENOENT);
		/* Escapes in ASCII text stand for characters: they decode to valid UTF-8. */
		FUZZ_CHECK(!s || !ascii || is_utf8(s));
		if (!a) {
			FUZZ_CHECK(vn <= JSON_MAX_ARRAY && (vn == 0) == (v == NULL));
			for (size_t k = 0; k < vn; k++)
				FUZZ_CHECK(v[k] && (!ascii || is_utf8(v[k])));
			json_strv_free(v, vn);
		}
		free(s);
	}
}

/* S written by json_quote() as the field "k" of an object, read back by json_get_string(). */
static char *quote_and_read(const char *s, size_t len)
{
	struct strbuf obj = { 0 };
	char *k;

	sb_puts(&obj, "{\"k\":");
	json_quote(&obj, s, len);
	sb_putc(&obj, '}');
	FUZZ_CHECK(!obj.oom && json_is_object(obj.buf));
	k = json_get_string(obj.buf, "k");
	FUZZ_CHECK(k);
	sb_free(&obj);
	return k;
}

/*
 * What is written reads back: ASCII as it was, anything else as what writes and reads back the
 * same (valid UTF-8). In an array too: {"a":[S1,S2],"n":42}, S cut in two.
 */
static void round_trip(const char *s, size_t len)
{
	char *once = quote_and_read(s, len), *twice = quote_and_read(once, strlen(once)), **v;
	struct strbuf obj = { 0 };
	size_t half = len / 2, vn = 0;
	unsigned long long n = 0;
	bool ascii = true;

	for (size_t i = 0; i < len; i++)
		ascii = ascii && (unsigned char)s[i] < 0x80;
	FUZZ_CHECK(!ascii || (strlen(once) == len && !memcmp(once, s, len)));
	FUZZ_CHECK(!strcmp(once, twice));

	sb_puts(&obj, "{\"a\":[");
	json_quote(&obj, s, half);
	sb_putc(&obj, ',');
	json_quote(&obj, s + half, len - half);
	sb_puts(&obj, "],\"n\":42}");
	FUZZ_CHECK(!obj.oom && json_is_object(obj.buf));
	FUZZ_CHECK(json_get_number(obj.buf, "n", &n) == 0 && n == 42);
	FUZZ_CHECK(json_get_string_array(obj.buf, "a", &v, &vn) == 0 && vn == 2);
	FUZZ_CHECK(!ascii ||
		   (strlen(v[0]) == half && !memcmp(v[0], s, half) && !strcmp(v[1], s + half)));
	json_strv_free(v, vn);
	sb_free(&obj);
	free(once);
	free(twice);
}

/* The text as a string's contents: when that makes a valid object, the string reads. */
static void as_string(const char *text, size_t len)
{
	struct strbuf obj = { 0 };
	char *k;

	sb_puts(&obj, "{\"k\":\"");
	sb_append(&obj, text, len);
	sb_puts(&obj, "\"}");
	FUZZ_CHECK(!obj.oom);
	if (json_is_object(obj.buf)) {
		k = json_get_string(obj.buf, "k");
		FUZZ_CHECK(k);
		free(k);
	}
	sb_free(&obj);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_strndup(data, size);
	size_t len = strlen(text);

	read_fields(text);
	as_string(text, len);
	/* A NUL byte would end the string read back early: only what comes before it. */
	round_trip(text, len);
	free(text);
	return 0;
}
