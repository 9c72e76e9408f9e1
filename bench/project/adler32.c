// SPDX-License-Identifier: GPL-2.0-only
/* Adler-32 as in RFC 1950: cheaper than CRC-32, weaker on short inputs. */
#include "kv.h"

#define ADLER_MOD 65521u
/* Largest n such that 255 n (n + 1) / 2 + (n + 1) (ADLER_MOD - 1) fits in 32 bits. */
#define ADLER_NMAX 5552

/* Pass 1 as adler to start; feed the result back in to continue over more data. */
uint32_t kv_adler32(uint32_t adler, const void *data, size_t len)
{
	const unsigned char *p = data;
	uint32_t a = adler & 0xffff, b = adler >> 16;
	size_t n;

	while (len) {
		n = len < ADLER_NMAX ? len : ADLER_NMAX;
		len -= n;
		while (n--) {
			a += *p++;
			b += a;
		}
		a %= ADLER_MOD;
		b %= ADLER_MOD;
	}
	return (b << 16) | a;
}
