// SPDX-License-Identifier: GPL-2.0-only
/* The "hexdump -C" layout: offset, sixteen hex bytes in two groups, printable ASCII. */
#include "kv.h"

#define HEX_PER_LINE 16

static char hex_printable(unsigned char c)
{
	return c >= 0x20 && c < 0x7f ? (char)c : '.';
}

int kv_hexdump(const void *data, size_t len, struct kv_strbuf *out)
{
	const unsigned char *p = data;
	size_t off, i;
	int r;

	for (off = 0; off < len; off += HEX_PER_LINE) {
		r = kv_strbuf_addf(out, "%08zx ", off);
		for (i = 0; i < HEX_PER_LINE && r >= 0; i++) {
			if (i == HEX_PER_LINE / 2)
				r = kv_strbuf_addch(out, ' ');
			if (r < 0)
				break;
			if (off + i < len)
				r = kv_strbuf_addf(out, " %02x", p[off + i]);
			else
				r = kv_strbuf_adds(out, "   ");
		}
		if (r >= 0)
			r = kv_strbuf_adds(out, "  |");
		for (i = 0; i < HEX_PER_LINE && off + i < len && r >= 0; i++)
			r = kv_strbuf_addch(out, hex_printable(p[off + i]));
		if (r >= 0)
			r = kv_strbuf_adds(out, "|\n");
		if (r < 0)
			return r;
	}
	return 0;
}
