// SPDX-License-Identifier: GPL-2.0-only
/*
 * kvtool: reads INI files (or a built-in sample) into one map and answers questions about
 * them: list the entries, get one value, decode or dump a value, checksum the inputs.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kv.h"

#define KVTOOL_MAX_INPUT (16u << 20)

enum { OPT_LIST = 1, OPT_GET, OPT_DECODE, OPT_HEX, OPT_SUM, OPT_HELP };

static const struct kv_opt kvtool_opts[] = {
	{ 'l', "list", 0, OPT_LIST }, { 'g', "get", 1, OPT_GET }, { 'd', "decode", 1, OPT_DECODE },
	{ 'x', "hex", 1, OPT_HEX },   { 's', "sum", 0, OPT_SUM }, { 'h', "help", 0, OPT_HELP },
};

static const char kvtool_sample[] = "# built-in sample, used when no FILE is given\n"
				    "name = sample\n"
				    "[server]\n"
				    "host = localhost\n"
				    "port = 8080\n"
				    "tls = yes\n"
				    "[client]\n"
				    "retries = 3\n"
				    "token = aGVsbG8sIHdvcmxkIQ==\n";

struct input {
	struct kv_list node;
	const char *name;
	char *text;
	size_t len;
};

static void usage(FILE *f)
{
	fputs("usage: kvtool [-l] [-g KEY] [-d KEY] [-x KEY] [-s] [FILE...]\n"
	      "  -l, --list        print every entry as 'key = value', sorted by key\n"
	      "  -g, --get KEY     print the value of KEY\n"
	      "  -d, --decode KEY  print the base64-decoded value of KEY\n"
	      "  -x, --hex KEY     hex dump of the value of KEY\n"
	      "  -s, --sum         print CRC-32, Adler-32 and FNV-1a of each input\n",
	      f);
}

static int read_file(const char *path, struct kv_arena *arena, struct input *in)
{
	struct kv_strbuf sb;
	char chunk[4096];
	FILE *f;
	size_t n;
	int r = 0;

	f = fopen(path, "re");
	if (!f)
		return -errno;
	kv_strbuf_init(&sb);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		if (sb.len + n > KVTOOL_MAX_INPUT) {
			r = -EFBIG;
			goto out;
		}
		r = kv_strbuf_add(&sb, chunk, n);
		if (r < 0)
			goto out;
	}
	if (ferror(f)) {
		r = -EIO;
		goto out;
	}
	in->text = kv_arena_strndup(arena, sb.buf ? sb.buf : "", sb.len);
	if (!in->text) {
		r = -ENOMEM;
		goto out;
	}
	in->len = sb.len;
	in->name = path;
out:
	kv_strbuf_free(&sb);
	fclose(f);
	return r;
}

static int compare_keys(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int list_entries(const struct kv_map *map)
{
	struct kv_vec keys;
	size_t i;
	int r;

	r = kv_map_keys(map, &keys);
	if (r < 0)
		return r;
	kv_vec_sort(&keys, compare_keys);
	for (i = 0; i < keys.len; i++)
		printf("%s = %s\n", (char *)keys.items[i], (char *)kv_map_get(map, keys.items[i]));
	kv_vec_free(&keys);
	return 0;
}

static int show_value(const struct kv_map *map, const char *key, int how)
{
	const char *value = kv_map_get(map, key);
	struct kv_strbuf out;
	int r = 0;

	if (!value) {
		fprintf(stderr, "kvtool: %s: no such key\n", key);
		return 1;
	}
	kv_strbuf_init(&out);
	if (how == OPT_DECODE)
		r = kv_base64_decode(value, strlen(value), &out);
	else if (how == OPT_HEX)
		r = kv_hexdump(value, strlen(value), &out);
	else
		r = kv_strbuf_addf(&out, "%s\n", value);
	if (r < 0) {
		fprintf(stderr, "kvtool: %s: %s\n", key, strerror(-r));
	} else {
		fwrite(out.buf ? out.buf : "", 1, out.len, stdout);
		if (how == OPT_DECODE)
			putchar('\n');
	}
	kv_strbuf_free(&out);
	return r < 0;
}

int main(int argc, char **argv)
{
	struct kv_list inputs, *pos;
	struct kv_opt_state st;
	struct kv_arena arena;
	struct kv_ini_error err;
	struct kv_map map;
	struct input *in;
	const char *key = NULL;
	size_t n_opts = sizeof(kvtool_opts) / sizeof(kvtool_opts[0]);
	int id, how = OPT_LIST, sum = 0, status = 0, r, i;

	kv_opt_begin(&st, argc, argv);
	while ((id = kv_opt_next(&st, kvtool_opts, n_opts)) >= 0) {
		switch (id) {
		case OPT_HELP:
			usage(stdout);
			return 0;
		case OPT_SUM:
			sum = 1;
			break;
		case OPT_LIST:
			how = OPT_LIST;
			break;
		default:
			how = id;
			key = st.value;
			break;
		}
	}
	if (id == KV_OPT_ERROR) {
		fprintf(stderr, "kvtool: bad option or missing value: %s\n", st.bad);
		usage(stderr);
		return 2;
	}

	kv_list_init(&inputs);
	kv_arena_init(&arena, 0);
	kv_map_init(&map);
	if (st.index == argc) {
		in = kv_arena_alloc(&arena, sizeof(*in));
		if (!in) {
			status = 1;
			goto out;
		}
		in->name = "<sample>";
		in->text = (char *)kvtool_sample;
		in->len = sizeof(kvtool_sample) - 1;
		kv_list_add_tail(&inputs, &in->node);
	}
	for (i = st.index; i < argc; i++) {
		in = kv_arena_alloc(&arena, sizeof(*in));
		r = in ? read_file(argv[i], &arena, in) : -ENOMEM;
		if (r < 0) {
			fprintf(stderr, "kvtool: %s: %s\n", argv[i], strerror(-r));
			status = 1;
			goto out;
		}
		kv_list_add_tail(&inputs, &in->node);
	}

	for (pos = inputs.next; pos != &inputs; pos = pos->next) {
		in = kv_container_of(pos, struct input, node);
		r = kv_ini_parse(in->text, in->len, &map, &err);
		if (r < 0) {
			if (r == -EINVAL)
				fprintf(stderr, "kvtool: %s:%u: %s\n", in->name, err.line,
					err.reason);
			else
				fprintf(stderr, "kvtool: %s: %s\n", in->name, strerror(-r));
			status = 1;
			goto out;
		}
		if (sum)
			printf("%s: crc32 %08x adler32 %08x fnv1a64 %016llx\n", in->name,
			       kv_crc32(0, in->text, in->len), kv_adler32(1, in->text, in->len),
			       (unsigned long long)kv_fnv1a64(in->text, in->len));
	}

	if (how == OPT_LIST)
		status = list_entries(&map) < 0;
	else
		status = show_value(&map, key, how);
out:
	kv_map_free(&map, free);
	kv_arena_free(&arena);
	return status;
}
