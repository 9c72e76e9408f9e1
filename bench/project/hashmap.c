// SPDX-License-Identifier: GPL-2.0-only
/*
 * Open addressing with linear probing: one allocation for the whole table and good cache
 * behaviour for the short keys of configuration files. Deletion shifts the following
 * entries back instead of leaving tombstones, so lookups never scan dead slots.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "kv.h"

#define MAP_MIN_CAP 16

void kv_map_init(struct kv_map *m)
{
	m->slots = NULL;
	m->cap = 0;
	m->len = 0;
}

void kv_map_free(struct kv_map *m, void (*free_value)(void *value))
{
	size_t i;

	for (i = 0; i < m->cap; i++) {
		if (!m->slots[i].key)
			continue;
		free(m->slots[i].key);
		if (free_value)
			free_value(m->slots[i].value);
	}
	free(m->slots);
	kv_map_init(m);
}

static size_t map_find(const struct kv_map *m, const char *key, uint32_t hash)
{
	size_t i = hash & (m->cap - 1);

	while (m->slots[i].key) {
		if (m->slots[i].hash == hash && !strcmp(m->slots[i].key, key))
			return i;
		i = (i + 1) & (m->cap - 1);
	}
	return i;
}

static int map_grow(struct kv_map *m)
{
	struct kv_map_slot *old = m->slots, *slots;
	size_t old_cap = m->cap, cap, i, j;

	cap = old_cap ? old_cap * 2 : MAP_MIN_CAP;
	slots = calloc(cap, sizeof(*slots));
	if (!slots)
		return -ENOMEM;
	m->slots = slots;
	m->cap = cap;
	for (i = 0; i < old_cap; i++) {
		if (!old[i].key)
			continue;
		j = map_find(m, old[i].key, old[i].hash);
		m->slots[j] = old[i];
	}
	free(old);
	return 0;
}

int kv_map_set(struct kv_map *m, const char *key, void *value, void **ret_old)
{
	uint32_t hash = kv_fnv1a32(key, strlen(key));
	size_t i;
	char *copy;
	int r;

	/* Keep the load factor under 3/4 so probe sequences stay short. */
	if ((m->len + 1) * 4 > m->cap * 3) {
		r = map_grow(m);
		if (r < 0)
			return r;
	}
	i = map_find(m, key, hash);
	if (m->slots[i].key) {
		if (ret_old)
			*ret_old = m->slots[i].value;
		m->slots[i].value = value;
		return 0;
	}
	copy = strdup(key);
	if (!copy)
		return -ENOMEM;
	m->slots[i].key = copy;
	m->slots[i].value = value;
	m->slots[i].hash = hash;
	m->len++;
	if (ret_old)
		*ret_old = NULL;
	return 1;
}

void *kv_map_get(const struct kv_map *m, const char *key)
{
	size_t i;

	if (!m->len)
		return NULL;
	i = map_find(m, key, kv_fnv1a32(key, strlen(key)));
	return m->slots[i].key ? m->slots[i].value : NULL;
}

int kv_map_del(struct kv_map *m, const char *key, void **ret_value)
{
	size_t i, j, home, mask = m->cap - 1;

	if (!m->len)
		return -ENOENT;
	i = map_find(m, key, kv_fnv1a32(key, strlen(key)));
	if (!m->slots[i].key)
		return -ENOENT;
	if (ret_value)
		*ret_value = m->slots[i].value;
	free(m->slots[i].key);
	m->slots[i].key = NULL;
	m->len--;
	/* Move back every later entry of the cluster whose home slot is at or before the hole. */
	for (j = (i + 1) & mask; m->slots[j].key; j = (j + 1) & mask) {
		home = m->slots[j].hash & mask;
		if (((j - home) & mask) < ((j - i) & mask))
			continue;
		m->slots[i] = m->slots[j];
		m->slots[j].key = NULL;
		i = j;
	}
	return 0;
}

/* The keys point into the map: valid until the next set or delete. */
int kv_map_keys(const struct kv_map *m, struct kv_vec *ret_keys)
{
	struct kv_vec keys;
	size_t i;
	int r;

	kv_vec_init(&keys);
	for (i = 0; i < m->cap; i++) {
		if (!m->slots[i].key)
			continue;
		r = kv_vec_push(&keys, m->slots[i].key);
		if (r < 0) {
			kv_vec_free(&keys);
			return r;
		}
	}
	*ret_keys = keys;
	return 0;
}
