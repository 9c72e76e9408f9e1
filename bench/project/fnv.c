// SPDX-License-Identifier: GPL-2.0-only
/* FNV-1a: tiny, no tables, and good enough spread for hash-table keys. */
#include "kv.h"

#define FNV32_OFFSET 0x811c9dc5u
#define FNV32_PRIME  0x01000193u
#define FNV64_OFFSET 0xcbf29ce484222325ull
#define FNV64_PRIME  0x00000100000001b3ull

uint32_t kv_fnv1a32(const void *data, size_t len)
{
	const unsigned char *p = data;
	uint32_t h = FNV32_OFFSET;

	while (len--) {
		h ^= *p++;
		h *= FNV32_PRIME;
	}
	return h;
}

uint64_t kv_fnv1a64(const void *data, size_t len)
{
	const unsigned char *p = data;
	uint64_t h = FNV64_OFFSET;

	while (len--) {
		h ^= *p++;
		h *= FNV64_PRIME;
	}
	return h;
}
