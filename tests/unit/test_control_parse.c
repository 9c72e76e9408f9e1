// SPDX-License-Identifier: GPL-2.0-only
/* Taking a control request apart: the verb, its arguments, what followed the line; push headers. */
#include <errno.h>
#include <string.h>

#include "control_parse.h"
#include "tap.h"

static void test_lines(void)
{
	char buf[128];
	struct emb_control_line l;

	strcpy(buf, "status\n");
	emb_control_parse_line(buf, strlen(buf), &l);
	is_int(l.verb, EMB_CONTROL_STATUS, "status");
	strcpy(buf, "push {\"size\":3}\nabc");
	emb_control_parse_line(buf, strlen(buf), &l);
	is_int(l.verb, EMB_CONTROL_PUSH, "push");
	is_str(l.args, "{\"size\":3}", "its header");
	ok(l.rest_len == 3 && !memcmp(l.rest, "abc", 3), "and the payload's first bytes");
	strcpy(buf, "unload\n");
	emb_control_parse_line(buf, strlen(buf), &l);
	ok(l.verb == EMB_CONTROL_UNLOAD && !strcmp(l.args, ""), "a bare unload");
	strcpy(buf, "unload {\"token\":\"t\"}\n");
	emb_control_parse_line(buf, strlen(buf), &l);
	ok(l.verb == EMB_CONTROL_UNLOAD && !strcmp(l.args, "{\"token\":\"t\"}"), "unload ARGS");
	strcpy(buf, "reload\n");
	emb_control_parse_line(buf, strlen(buf), &l);
	is_int(l.verb, EMB_CONTROL_RELOAD, "reload");
	strcpy(buf, "reloadx\n");
	emb_control_parse_line(buf, strlen(buf), &l);
	is_int(l.verb, EMB_CONTROL_UNKNOWN, "reloadx is not reload");
	strcpy(buf, "revert\n");
	emb_control_parse_line(buf, strlen(buf), &l);
	ok(l.verb == EMB_CONTROL_REVERT && !strcmp(l.args, ""), "a bare revert");
	strcpy(buf, "revert {\"token\":\"t\"}\n");
	emb_control_parse_line(buf, strlen(buf), &l);
	ok(l.verb == EMB_CONTROL_REVERT && !strcmp(l.args, "{\"token\":\"t\"}"), "revert ARGS");
	strcpy(buf, "reverted\n");
	emb_control_parse_line(buf, strlen(buf), &l);
	ok(l.verb == EMB_CONTROL_UNKNOWN, "no prefix matching: reverted is unknown");
	strcpy(buf, "statusx\n");
	emb_control_parse_line(buf, strlen(buf), &l);
	ok(l.verb == EMB_CONTROL_UNKNOWN && !strcmp(l.line, "statusx"), "no prefix matching");
	strcpy(buf, "pushx {}\n");
	emb_control_parse_line(buf, strlen(buf), &l);
	is_int(l.verb, EMB_CONTROL_UNKNOWN, "pushx is not push");
}

static void test_headers(void)
{
	struct emb_push_header h;
	const char *why = NULL;

	is_int(emb_push_header_parse("{\"size\":10,\"name\":\"a.policy\",\"force\":1}", &h, &why),
	       0, "a header");
	ok(h.size == 10 && !strcmp(h.name, "a.policy") && h.force && !h.allow_empty && !h.sig,
	   "its fields");
	emb_push_header_free(&h);
	is_int(emb_push_header_parse("{\"name\":\"a\"}", &h, &why), -EINVAL, "no size");
	ok(why && strstr(why, "size"), "says so");
	is_int(emb_push_header_parse("{\"size\":1,\"name\":\"../x\"}", &h, &why), -EINVAL,
	       "a name with a slash");
	ok(!emb_push_name_ok("..") && !emb_push_name_ok("a b") && emb_push_name_ok("x.policy"),
	   "names: one printable component");
}

int main(void)
{
	test_lines();
	test_headers();
	return done_testing();
}
