// SPDX-License-Identifier: GPL-2.0-only
/* Pointer arrays that grow by doubling, so pushes cost amortised constant time. */
#include <errno.h>
#include <stdlib.h>

#include "kv.h"

void kv_vec_init(struct kv_vec *v)
{
	v->items = NULL;
	v->len = 0;
	v->cap = 0;
}

void kv_vec_free(struct kv_vec *v)
{
	free(v->items);
	kv_vec_init(v);
}

int kv_vec_push(struct kv_vec *v, void *item)
{
	void **p;
	size_t cap;

	if (v->len == v->cap) {
		cap = v->cap ? v->cap * 2 : 8;
		if (cap > SIZE_MAX / sizeof(*v->items))
			return -EOVERFLOW;
		p = realloc(v->items, cap * sizeof(*v->items));
		if (!p)
			return -ENOMEM;
		v->items = p;
		v->cap = cap;
	}
	v->items[v->len++] = item;
	return 0;
}

void *kv_vec_pop(struct kv_vec *v)
{
	if (!v->len)
		return NULL;
	return v->items[--v->len];
}

/* cmp receives pointers to the elements, as with qsort(): (void **) in disguise. */
void kv_vec_sort(struct kv_vec *v, int (*cmp)(const void *a, const void *b))
{
	if (v->len > 1)
		qsort(v->items, v->len, sizeof(*v->items), cmp);
}
