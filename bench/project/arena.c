// SPDX-License-Identifier: GPL-2.0-only
/* Bump allocation for parsed strings: they all die together with the document. */
#include <stdlib.h>
#include <string.h>

#include "kv.h"

struct kv_arena_block {
	struct kv_arena_block *next;
	size_t used;
	size_t size;
	/* Aligned for any object the callers store. */
	max_align_t data[];
};

void kv_arena_init(struct kv_arena *a, size_t block_size)
{
	a->head = NULL;
	a->block_size = block_size ? block_size : 4096;
}

void kv_arena_free(struct kv_arena *a)
{
	struct kv_arena_block *b, *next;

	for (b = a->head; b; b = next) {
		next = b->next;
		free(b);
	}
	a->head = NULL;
}

static struct kv_arena_block *arena_new_block(struct kv_arena *a, size_t min)
{
	struct kv_arena_block *b;
	size_t size = min > a->block_size ? min : a->block_size;

	if (size > SIZE_MAX - sizeof(*b))
		return NULL;
	b = malloc(sizeof(*b) + size);
	if (!b)
		return NULL;
	b->used = 0;
	b->size = size;
	b->next = a->head;
	a->head = b;
	return b;
}

void *kv_arena_alloc(struct kv_arena *a, size_t size)
{
	const size_t align = _Alignof(max_align_t);
	struct kv_arena_block *b = a->head;
	void *p;

	if (size > SIZE_MAX - align)
		return NULL;
	size = (size + align - 1) & ~(align - 1);
	if (!b || b->size - b->used < size) {
		b = arena_new_block(a, size);
		if (!b)
			return NULL;
	}
	p = (char *)b->data + b->used;
	b->used += size;
	return p;
}

char *kv_arena_strndup(struct kv_arena *a, const char *s, size_t len)
{
	char *p;

	if (len == SIZE_MAX)
		return NULL;
	p = kv_arena_alloc(a, len + 1);
	if (!p)
		return NULL;
	memcpy(p, s, len);
	p[len] = '\0';
	return p;
}
