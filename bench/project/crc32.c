// SPDX-License-Identifier: GPL-2.0-only
/*
 * CRC-32 (IEEE 802.3, reflected, as in zlib and PNG), one table lookup per byte. The
 * table is built on first use rather than spelled out: 256 magic numbers are easy to
 * get wrong and hard to review.
 */
#include "kv.h"

#define CRC32_POLY 0xedb88320u

static uint32_t crc_table[256];
static int crc_table_ready;

static void crc32_build_table(void)
{
	uint32_t c;
	int n, k;

	for (n = 0; n < 256; n++) {
		c = (uint32_t)n;
		for (k = 0; k < 8; k++)
			c = c & 1 ? CRC32_POLY ^ (c >> 1) : c >> 1;
		crc_table[n] = c;
	}
	crc_table_ready = 1;
}

/* Pass 0 as crc to start; feed the result back in to continue over more data. */
uint32_t kv_crc32(uint32_t crc, const void *data, size_t len)
{
	const unsigned char *p = data;

	if (!crc_table_ready)
		crc32_build_table();
	crc = ~crc;
	while (len--)
		crc = crc_table[(crc ^ *p++) & 0xff] ^ (crc >> 8);
	return ~crc;
}
