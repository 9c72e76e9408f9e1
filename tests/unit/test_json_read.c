// SPDX-License-Identifier: GPL-2.0-only
/* Reading fields of the control protocol's replies, string arrays in particular. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "json_read.h"
#include "strbuf.h"
#include "tap.h"

static void test_scalars(void)
{
	static const char reply[] = "{\"pid\":42,\"tier\":\"lsm\",\"counters\":{\"a\":1},"
				    "\"log\":\"/var/log/x \\\"q\\\"\"}";
	char *s;

	is_int((long long)json_get_u64(reply, "pid"), 42, "a number");
	s = json_get_string(reply, "tier");
	is_str(s, "lsm", "a string");
	free(s);
	s = json_get_string(reply, "log");
	is_str(s, "/var/log/x \"q\"", "a string with escapes, after an object value");
	free(s);
	ok(!json_get_string(reply, "missing"), "an absent field is NULL");
}

static void test_true(void)
{
	static const char line[] = "{\"a\":true,\"b\":false,\"c\":\"true\",\"d\":truex,"
				   "\"o\":{\"e\":true},\"f\": true }";

	ok(json_get_true(line, "a"), "true is true");
	ok(!json_get_true(line, "b"), "false is not");
	ok(!json_get_true(line, "c"), "nor the string \"true\"");
	ok(!json_get_true(line, "d"), "nor a longer word");
	ok(!json_get_true(line, "e"), "nor a field of a nested object");
	ok(json_get_true(line, "f"), "the last field, with blanks around it");
	ok(!json_get_true(line, "missing"), "an absent field is not true");
}

static void test_string_array(void)
{
	static const char reply[] =
		"{\"pid\":1,\"policy_files\": [ \"/etc/embargo/a.policy\" , \"/x/\\u00e9\\\"b\" ],"
		"\"pending_rules\":[],\"mode\":\"enforce\",\"nums\":[1,2],\"bad\":[\"a\" \"b\"],"
		"\"open\":[\"a\",";
	char **v = (char **)0x1;
	size_t n = 99;

	is_int(json_get_string_array(reply, "policy_files", &v, &n), 0, "an array of strings");
	is_int((long long)n, 2, "its two elements");
	if (n == 2) {
		is_str(v[0], "/etc/embargo/a.policy", "the first, as written");
		is_str(v[1], "/x/\xc3\xa9\"b", "the second, unescaped");
		json_strv_free(v, n);
	}

	v = (char **)0x1;
	n = 99;
	is_int(json_get_string_array(reply, "pending_rules", &v, &n), 0, "an empty array");
	ok(v == NULL && n == 0, "gives no elements");

	v = (char **)0x1;
	n = 99;
	is_int(json_get_string_array(reply, "absent", &v, &n), -ENOENT, "an absent field");
	is_int(json_get_string_array(reply, "mode", &v, &n), -ENOENT, "a field that is no array");
	is_int(json_get_string_array(reply, "nums", &v, &n), -EINVAL,
	       "an array of numbers is refused");
	is_int(json_get_string_array(reply, "bad", &v, &n), -EINVAL, "a missing comma is refused");
	ok(v == (char **)0x1 && n == 99, "failures leave the outputs alone");
	is_int(json_get_string_array("{\"open\":[\"a\",", "open", &v, &n), -EINVAL,
	       "a truncated reply is refused");
	is_int(json_get_string_array("{\"s\":[\"unterminated]}", "s", &v, &n), -EINVAL,
	       "an unterminated string is refused");
}

static void test_array_limit(void)
{
	struct strbuf sb = { 0 };
	char **v = NULL;
	size_t n = 0;

	sb_puts(&sb, "{\"a\":[");
	for (size_t i = 0; i <= JSON_MAX_ARRAY; i++)
		sb_puts(&sb, i ? ",\"\"" : "\"\"");
	sb_puts(&sb, "]}");
	is_int(json_get_string_array(sb.buf, "a", &v, &n), -E2BIG,
	       "more than JSON_MAX_ARRAY elements are refused");
	sb_free(&sb);
}

/* Escapes the fuzzer found mishandled: surrogate pairs, lone surrogates, unknown escapes. */
static void test_escapes(void)
{
	char *v = json_get_string("{\"k\":\"\\ud83d\\ude00\"}", "k");

	is_str(v, "\xf0\x9f\x98\x80", "a surrogate pair is one 4-byte character");
	free(v);
	v = json_get_string("{\"k\":\"\\udc00\"}", "k");
	is_str(v, "\xef\xbf\xbd", "a lone surrogate reads as U+FFFD");
	free(v);
	ok(!json_is_object("{\"k\":\"a\\qb\"}"), "an unknown escape makes it no object");
}

int main(void)
{
	test_escapes();
	test_scalars();
	test_true();
	test_string_array();
	test_array_limit();
	return done_testing();
}
