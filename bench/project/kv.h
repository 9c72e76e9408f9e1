/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * libkv: the small utility library behind kvtool. Functions that can fail return 0 or a
 * negative errno and write their out-parameters only on success; nothing here prints.
 */
#ifndef KV_H
#define KV_H

#include <stddef.h>
#include <stdint.h>
#include <stdarg.h>

/* Growable, always NUL-terminated byte string. */
struct kv_strbuf {
	char *buf;
	size_t len;
	size_t cap;
};

void kv_strbuf_init(struct kv_strbuf *sb);
void kv_strbuf_free(struct kv_strbuf *sb);
void kv_strbuf_reset(struct kv_strbuf *sb);
int kv_strbuf_add(struct kv_strbuf *sb, const char *data, size_t len);
int kv_strbuf_adds(struct kv_strbuf *sb, const char *s);
int kv_strbuf_addch(struct kv_strbuf *sb, char c);
int kv_strbuf_addf(struct kv_strbuf *sb, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
char *kv_strbuf_detach(struct kv_strbuf *sb);

/* Intrusive circular doubly linked list, kernel style. */
struct kv_list {
	struct kv_list *next;
	struct kv_list *prev;
};

#define kv_container_of(ptr, type, member) ((type *)((char *)(ptr)-offsetof(type, member)))

void kv_list_init(struct kv_list *head);
void kv_list_add_tail(struct kv_list *head, struct kv_list *node);
void kv_list_del(struct kv_list *node);
int kv_list_empty(const struct kv_list *head);
size_t kv_list_count(const struct kv_list *head);
void kv_list_sort(struct kv_list *head,
		  int (*cmp)(const struct kv_list *a, const struct kv_list *b));

/* Array of pointers that grows by doubling. */
struct kv_vec {
	void **items;
	size_t len;
	size_t cap;
};

void kv_vec_init(struct kv_vec *v);
void kv_vec_free(struct kv_vec *v);
int kv_vec_push(struct kv_vec *v, void *item);
void *kv_vec_pop(struct kv_vec *v);
void kv_vec_sort(struct kv_vec *v, int (*cmp)(const void *a, const void *b));

/* Bump allocator: many small allocations, one free. */
struct kv_arena_block;
struct kv_arena {
	struct kv_arena_block *head;
	size_t block_size;
};

void kv_arena_init(struct kv_arena *a, size_t block_size);
void kv_arena_free(struct kv_arena *a);
void *kv_arena_alloc(struct kv_arena *a, size_t size);
char *kv_arena_strndup(struct kv_arena *a, const char *s, size_t len);

/* String-keyed hash map with open addressing and linear probing; owns keys, not values. */
struct kv_map_slot {
	char *key;
	void *value;
	uint32_t hash;
};

struct kv_map {
	struct kv_map_slot *slots;
	size_t cap;
	size_t len;
};

void kv_map_init(struct kv_map *m);
void kv_map_free(struct kv_map *m, void (*free_value)(void *value));
int kv_map_set(struct kv_map *m, const char *key, void *value, void **ret_old);
void *kv_map_get(const struct kv_map *m, const char *key);
int kv_map_del(struct kv_map *m, const char *key, void **ret_value);
int kv_map_keys(const struct kv_map *m, struct kv_vec *ret_keys);

/* Hashes and checksums. */
uint32_t kv_fnv1a32(const void *data, size_t len);
uint64_t kv_fnv1a64(const void *data, size_t len);
uint32_t kv_crc32(uint32_t crc, const void *data, size_t len);
uint32_t kv_adler32(uint32_t adler, const void *data, size_t len);

/* Base64 (RFC 4648, padded). */
size_t kv_base64_encoded_len(size_t len);
int kv_base64_encode(const void *data, size_t len, struct kv_strbuf *out);
int kv_base64_decode(const char *text, size_t len, struct kv_strbuf *out);

/* String helpers. */
char *kv_trim(char *s);
int kv_starts_with(const char *s, const char *prefix);
int kv_parse_u64(const char *s, uint64_t *ret);
int kv_parse_bool(const char *s, int *ret);
size_t kv_split(char *s, char sep, char **fields, size_t max);

/* INI files: "[section]" headers and "key = value" lines become "section.key" entries. */
struct kv_ini_error {
	unsigned int line;
	const char *reason;
};

int kv_ini_parse(const char *text, size_t len, struct kv_map *map, struct kv_ini_error *err);

/* Command-line options: "-x", "-x VALUE", "--long", "--long=VALUE", "--long VALUE". */
struct kv_opt {
	char short_name;
	const char *long_name;
	int takes_value;
	int id;
};

struct kv_opt_state {
	int argc;
	char **argv;
	int index;
	const char *value;
	const char *bad;
};

/* What kv_opt_next() returns instead of an option's id. */
#define KV_OPT_END   -1
#define KV_OPT_ERROR -2

void kv_opt_begin(struct kv_opt_state *st, int argc, char **argv);
int kv_opt_next(struct kv_opt_state *st, const struct kv_opt *opts, size_t n_opts);

/* Canonical hex dump, 16 bytes a line. */
int kv_hexdump(const void *data, size_t len, struct kv_strbuf *out);

#endif /* KV_H */
