// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "control.h"
#include "control_parse.h"
#include "json_read.h"

void emb_control_parse_line(char *buf, size_t len, struct emb_control_line *ret)
{
	char *nl = memchr(buf, '\n', len);
	size_t line_len = nl ? (size_t)(nl - buf) : len;
	struct emb_control_line l = { .line = buf, .args = "" };

	buf[len] = 0;
	buf[line_len] = 0;
	l.rest = nl ? nl + 1 : buf + len;
	l.rest_len = nl ? len - line_len - 1 : 0;
	if (!strcmp(buf, "status")) {
		l.verb = EMB_CONTROL_STATUS;
	} else if (!strcmp(buf, "policy")) {
		l.verb = EMB_CONTROL_POLICY;
	} else if (!strncmp(buf, "push ", 5)) {
		l.verb = EMB_CONTROL_PUSH;
		l.args = buf + 5;
	} else if (!strcmp(buf, "unload") || !strncmp(buf, "unload ", 7)) {
		l.verb = EMB_CONTROL_UNLOAD;
		l.args = buf[6] ? buf + 7 : "";
	} else if (!strcmp(buf, "revert") || !strncmp(buf, "revert ", 7)) {
		l.verb = EMB_CONTROL_REVERT;
		l.args = buf[6] ? buf + 7 : "";
	} else if (!strcmp(buf, "ping")) {
		l.verb = EMB_CONTROL_PING;
	} else if (!strcmp(buf, "reload")) {
		l.verb = EMB_CONTROL_RELOAD;
	}
	*ret = l;
}

bool emb_push_name_ok(const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || n > 200 || !strcmp(name, ".") || !strcmp(name, ".."))
		return false;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)name[i] <= ' ' || name[i] == '/' || name[i] == 0x7f)
			return false;
	return true;
}

/* A flag: set by a number other than 0; absent or anything else leaves it clear. */
static bool header_flag(const char *header, const char *name)
{
	unsigned long long v = 0;

	return !json_get_number(header, name, &v) && v;
}

int emb_push_header_parse(const char *header, struct emb_push_header *ret, const char **ret_why)
{
	struct emb_push_header h = { 0 };

	if (json_get_number(header, "size", &h.size) || h.size > EMB_CONTROL_MAX_PAYLOAD) {
		*ret_why = "push: missing or too large \"size\"";
		return -EINVAL;
	}
	h.name = json_get_string(header, "name");
	if (!h.name || !emb_push_name_ok(h.name)) {
		free(h.name);
		*ret_why = "push: \"name\" must be a file name (no '/', no blanks)";
		return -EINVAL;
	}
	h.sig = json_get_string(header, "sig");
	h.force = header_flag(header, "force");
	h.allow_empty = header_flag(header, "allow_empty");
	h.kill_running = header_flag(header, "kill_running");
	*ret = h;
	return 0;
}

void emb_push_header_free(struct emb_push_header *h)
{
	free(h->name);
	free(h->sig);
	*h = (struct emb_push_header){ 0 };
}
