// SPDX-License-Identifier: GPL-2.0-only
/* Base64 for binary values in text configuration files (RFC 4648, standard alphabet). */
#include <errno.h>

#include "kv.h"

static const char b64_alphabet[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

size_t kv_base64_encoded_len(size_t len)
{
	return (len + 2) / 3 * 4;
}

int kv_base64_encode(const void *data, size_t len, struct kv_strbuf *out)
{
	const unsigned char *p = data;
	char quad[4];
	uint32_t v;
	size_t i;
	int r;

	for (i = 0; i < len; i += 3) {
		v = (uint32_t)p[i] << 16;
		if (i + 1 < len)
			v |= (uint32_t)p[i + 1] << 8;
		if (i + 2 < len)
			v |= p[i + 2];
		quad[0] = b64_alphabet[(v >> 18) & 63];
		quad[1] = b64_alphabet[(v >> 12) & 63];
		quad[2] = i + 1 < len ? b64_alphabet[(v >> 6) & 63] : '=';
		quad[3] = i + 2 < len ? b64_alphabet[v & 63] : '=';
		r = kv_strbuf_add(out, quad, sizeof(quad));
		if (r < 0)
			return r;
	}
	return 0;
}

static int b64_value(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/* Strict: the length must be a multiple of four and padding may only end the text. */
int kv_base64_decode(const char *text, size_t len, struct kv_strbuf *out)
{
	unsigned char bytes[3];
	int vals[4], k, pad;
	uint32_t v;
	size_t i;
	int r;

	if (len % 4)
		return -EINVAL;
	for (i = 0; i < len; i += 4) {
		pad = 0;
		for (k = 0; k < 4; k++) {
			if (text[i + k] == '=' && i + 4 == len && k >= 2) {
				vals[k] = 0;
				pad++;
				continue;
			}
			if (pad)
				return -EINVAL;
			vals[k] = b64_value(text[i + k]);
			if (vals[k] < 0)
				return -EINVAL;
		}
		v = (uint32_t)vals[0] << 18 | (uint32_t)vals[1] << 12 | (uint32_t)vals[2] << 6 |
		    (uint32_t)vals[3];
		bytes[0] = v >> 16;
		bytes[1] = (v >> 8) & 0xff;
		bytes[2] = v & 0xff;
		r = kv_strbuf_add(out, (const char *)bytes, 3 - (size_t)pad);
		if (r < 0)
			return r;
	}
	return 0;
}
