// SPDX-License-Identifier: GPL-2.0-only
/* Unit tests for libkv: no arguments, prints failures and "N passed, N failed". */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kv.h"

static unsigned int passed, failed;

/* Returns whether the check held, so a test can stop at the first broken premise. */
static int check(int ok, const char *what, const char *file, int line)
{
	if (ok) {
		passed++;
		return 1;
	}
	failed++;
	fprintf(stderr, "FAIL %s:%d: %s\n", file, line, what);
	return 0;
}

#define CHECK(cond)	check(!!(cond), #cond, __FILE__, __LINE__)
#define CHECK_STR(a, b) check((a) && !strcmp((a), (b)), #a " == " #b, __FILE__, __LINE__)
#define CHECK_EQ(a, b)	check((a) == (b), #a " == " #b, __FILE__, __LINE__)

static void test_strbuf(void)
{
	struct kv_strbuf sb;
	char *s;
	int i;

	kv_strbuf_init(&sb);
	for (i = 0; i < 100; i++)
		CHECK_EQ(kv_strbuf_addf(&sb, "%d,", i % 10), 0);
	CHECK_EQ(sb.len, 200u);
	CHECK(!strncmp(sb.buf, "0,1,2,", 6));
	kv_strbuf_reset(&sb);
	CHECK_EQ(kv_strbuf_adds(&sb, "abc"), 0);
	CHECK_EQ(kv_strbuf_addch(&sb, 'd'), 0);
	s = kv_strbuf_detach(&sb);
	CHECK_STR(s, "abcd");
	CHECK(sb.buf == NULL);
	free(s);
}

struct item {
	struct kv_list node;
	int value;
};

static int item_cmp(const struct kv_list *a, const struct kv_list *b)
{
	return kv_container_of(a, struct item, node)->value -
	       kv_container_of(b, struct item, node)->value;
}

static void test_list(void)
{
	static const int values[] = { 5, 3, 9, 1, 3, 7 };
	struct item items[6];
	struct kv_list head, *pos;
	int prev = -1, sorted = 1;
	size_t i;

	kv_list_init(&head);
	CHECK(kv_list_empty(&head));
	for (i = 0; i < 6; i++) {
		items[i].value = values[i];
		kv_list_add_tail(&head, &items[i].node);
	}
	CHECK_EQ(kv_list_count(&head), 6u);
	kv_list_del(&items[2].node);
	CHECK_EQ(kv_list_count(&head), 5u);
	kv_list_sort(&head, item_cmp);
	for (pos = head.next; pos != &head; pos = pos->next) {
		if (kv_container_of(pos, struct item, node)->value < prev)
			sorted = 0;
		prev = kv_container_of(pos, struct item, node)->value;
	}
	CHECK(sorted);
	CHECK_EQ(prev, 7);
}

static int int_cmp(const void *a, const void *b)
{
	return (int)(*(const intptr_t *)a - *(const intptr_t *)b);
}

static void test_vec(void)
{
	struct kv_vec v;
	intptr_t i;

	kv_vec_init(&v);
	for (i = 100; i > 0; i--)
		CHECK_EQ(kv_vec_push(&v, (void *)i), 0);
	kv_vec_sort(&v, int_cmp);
	CHECK_EQ((intptr_t)v.items[0], 1);
	CHECK_EQ((intptr_t)kv_vec_pop(&v), 100);
	CHECK_EQ(v.len, 99u);
	kv_vec_free(&v);
	CHECK(kv_vec_pop(&v) == NULL);
}

static void test_arena(void)
{
	struct kv_arena a;
	char *s, *t;

	kv_arena_init(&a, 64);
	s = kv_arena_strndup(&a, "hello world", 5);
	t = kv_arena_alloc(&a, 1000);
	CHECK_STR(s, "hello");
	CHECK(t != NULL && (uintptr_t)t % _Alignof(max_align_t) == 0);
	kv_arena_free(&a);
}

static void test_map(void)
{
	struct kv_map m;
	struct kv_vec keys;
	char key[32];
	void *old;
	intptr_t i;

	kv_map_init(&m);
	CHECK(kv_map_get(&m, "missing") == NULL);
	for (i = 0; i < 1000; i++) {
		snprintf(key, sizeof(key), "key%ld", (long)i);
		CHECK_EQ(kv_map_set(&m, key, (void *)(i + 1), NULL), 1);
	}
	CHECK_EQ(kv_map_set(&m, "key7", (void *)7000, &old), 0);
	CHECK_EQ((intptr_t)old, 8);
	/* Deleting every other key must leave the rest reachable across shifted clusters. */
	for (i = 0; i < 1000; i += 2) {
		snprintf(key, sizeof(key), "key%ld", (long)i);
		CHECK_EQ(kv_map_del(&m, key, NULL), 0);
	}
	CHECK_EQ(kv_map_del(&m, "key0", NULL), -ENOENT);
	CHECK_EQ(m.len, 500u);
	CHECK_EQ((intptr_t)kv_map_get(&m, "key999"), 1000);
	CHECK_EQ((intptr_t)kv_map_get(&m, "key7"), 7000);
	CHECK(kv_map_get(&m, "key998") == NULL);
	CHECK_EQ(kv_map_keys(&m, &keys), 0);
	CHECK_EQ(keys.len, 500u);
	kv_vec_free(&keys);
	kv_map_free(&m, NULL);
}

static void test_checksums(void)
{
	static const char text[] = "123456789";

	/* The standard check values of each algorithm. */
	CHECK_EQ(kv_crc32(0, text, 9), 0xcbf43926u);
	CHECK_EQ(kv_crc32(kv_crc32(0, text, 4), text + 4, 5), 0xcbf43926u);
	CHECK_EQ(kv_adler32(1, text, 9), 0x091e01deu);
	CHECK_EQ(kv_fnv1a32("", 0), 0x811c9dc5u);
	CHECK_EQ(kv_fnv1a32("a", 1), 0xe40c292cu);
	CHECK_EQ(kv_fnv1a64("a", 1), 0xaf63dc4c8601ec8cull);
}

static void test_base64(void)
{
	static const char *const plain[] = { "", "f", "fo", "foo", "foob", "fooba", "foobar" };
	static const char *const coded[] = { "",	 "Zg==",     "Zm8=",	"Zm9v",
					     "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy" };
	struct kv_strbuf sb;
	size_t i;

	kv_strbuf_init(&sb);
	for (i = 0; i < 7; i++) {
		kv_strbuf_reset(&sb);
		CHECK_EQ(kv_base64_encode(plain[i], strlen(plain[i]), &sb), 0);
		CHECK(sb.len == 0 || !strcmp(sb.buf, coded[i]));
		CHECK_EQ(kv_base64_encoded_len(strlen(plain[i])), strlen(coded[i]));
		kv_strbuf_reset(&sb);
		CHECK_EQ(kv_base64_decode(coded[i], strlen(coded[i]), &sb), 0);
		CHECK(sb.len == strlen(plain[i]) && (!sb.len || !strcmp(sb.buf, plain[i])));
	}
	CHECK_EQ(kv_base64_decode("Zm=v", 4, &sb), -EINVAL);
	CHECK_EQ(kv_base64_decode("Zm9", 3, &sb), -EINVAL);
	kv_strbuf_free(&sb);
}

static void test_strutil(void)
{
	char buf[] = "  a,b,,c  ", *fields[3];
	uint64_t v;
	int b;

	CHECK_STR(kv_trim(buf), "a,b,,c");
	CHECK_EQ(kv_split(kv_trim(buf), ',', fields, 3), 3u);
	CHECK_STR(fields[1], "b");
	CHECK_STR(fields[2], ",c");
	CHECK_EQ(kv_parse_u64("0x10", &v), 0);
	CHECK_EQ(v, 16u);
	CHECK_EQ(kv_parse_u64("-1", &v), -EINVAL);
	CHECK_EQ(kv_parse_u64("99999999999999999999", &v), -ERANGE);
	CHECK_EQ(kv_parse_u64("12x", &v), -EINVAL);
	CHECK_EQ(kv_parse_bool("off", &b), 0);
	CHECK_EQ(b, 0);
	CHECK_EQ(kv_parse_bool("maybe", &b), -EINVAL);
	CHECK(kv_starts_with("section.key", "section."));
}

static void test_ini(void)
{
	static const char good[] = "top = 1\n[a]\nx = one\n ; comment\n[ b ]\ny=two  \nx = 3";
	static const char bad[] = "[a]\nx = 1\nno equals sign\n";
	struct kv_ini_error err = { 0, NULL };
	struct kv_map m;

	kv_map_init(&m);
	CHECK_EQ(kv_ini_parse(good, sizeof(good) - 1, &m, &err), 0);
	CHECK_STR(kv_map_get(&m, "top"), "1");
	CHECK_STR(kv_map_get(&m, "a.x"), "one");
	CHECK_STR(kv_map_get(&m, "b.y"), "two");
	CHECK_STR(kv_map_get(&m, "b.x"), "3");
	CHECK_EQ(kv_ini_parse(bad, sizeof(bad) - 1, &m, &err), -EINVAL);
	CHECK_EQ(err.line, 3u);
	kv_map_free(&m, free);
}

static void test_opt(void)
{
	static const struct kv_opt opts[] = { { 'v', "verbose", 0, 1 }, { 'o', "output", 1, 2 } };
	char *argv[] = { "prog", "-v", "--output=x", "-oy", "--output", "z", "file", NULL };
	char *bad[] = { "prog", "--verbose=1", NULL };
	struct kv_opt_state st;

	kv_opt_begin(&st, 7, argv);
	CHECK_EQ(kv_opt_next(&st, opts, 2), 1);
	CHECK_EQ(kv_opt_next(&st, opts, 2), 2);
	CHECK_STR(st.value, "x");
	CHECK_EQ(kv_opt_next(&st, opts, 2), 2);
	CHECK_STR(st.value, "y");
	CHECK_EQ(kv_opt_next(&st, opts, 2), 2);
	CHECK_STR(st.value, "z");
	CHECK_EQ(kv_opt_next(&st, opts, 2), KV_OPT_END);
	CHECK_EQ(st.index, 6);
	kv_opt_begin(&st, 2, bad);
	CHECK_EQ(kv_opt_next(&st, opts, 2), KV_OPT_ERROR);
	CHECK_STR(st.bad, "--verbose=1");
}

static void test_hexdump(void)
{
	struct kv_strbuf sb;

	kv_strbuf_init(&sb);
	CHECK_EQ(kv_hexdump("hello, world\n\x01", 14, &sb), 0);
	CHECK_STR(sb.buf, "00000000  68 65 6c 6c 6f 2c 20 77  6f 72 6c 64 0a 01      "
			  "  |hello, world..|\n");
	kv_strbuf_free(&sb);
}

int main(void)
{
	test_strbuf();
	test_list();
	test_vec();
	test_arena();
	test_map();
	test_checksums();
	test_base64();
	test_strutil();
	test_ini();
	test_opt();
	test_hexdump();
	printf("%u passed, %u failed\n", passed, failed);
	return failed ? 1 : 0;
}
