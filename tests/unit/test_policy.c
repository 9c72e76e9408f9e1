// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests of the policy parser (userspace/lib/policy.c): what parses into which rule, and
 * for each kind of mistake the exact diagnostic, line and column. Needs no root; the loading
 * tests work in a fresh directory under $TMPDIR (or /tmp) and remove it afterwards.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "policy.h"
#include "tap.h"

#define NAME "t.policy"

/* Parses LEN bytes of TEXT from a copy without a terminating NUL, so ASan sees overreads. */
static int parse_len(struct emb_policy *pol, struct emb_diags *diags, const char *name,
		     const char *text, size_t len)
{
	char *copy = malloc(len ? len : 1);
	int r;

	if (!copy)
		return -ENOMEM;
	memcpy(copy, text, len);
	r = emb_policy_parse_buffer(pol, name, copy, len, diags);
	free(copy);
	return r;
}

static int parse(struct emb_policy *pol, struct emb_diags *diags, const char *name,
		 const char *text)
{
	return parse_len(pol, diags, name, text, strlen(text));
}

/* The first diagnostic, formatted; "(none)" without one. */
static const char *first_diag(const struct emb_diags *diags)
{
	static char buf[8192];

	if (!diags->n)
		return "(none)";
	emb_diag_format(&diags->v[0], buf, sizeof(buf));
	return buf;
}

/* Parses LEN bytes of TEXT as NAME and checks it gives exactly the one diagnostic WANT. */
static void expect_diag_len(const char *text, size_t len, const char *want, const char *what)
{
	struct emb_policy pol = { 0 };
	struct emb_diags diags = { 0 };
	char full[8192], got[8400];
	int r;

	r = parse_len(&pol, &diags, NAME, text, len);
	snprintf(full, sizeof(full), NAME ":%s", want);
	snprintf(got, sizeof(got), "%s", first_diag(&diags));
	if (r != -EINVAL || diags.n != 1 || diags.dropped)
		snprintf(got + strlen(got), sizeof(got) - strlen(got),
			 " [returned %d, %zu diagnostics]", r, diags.n + diags.dropped);
	is_str(got, full, "%s", what);
	emb_policy_free(&pol);
	emb_diags_free(&diags);
}

static void expect_diag(const char *text, const char *want, const char *what)
{
	expect_diag_len(text, strlen(text), want, what);
}

/* Parses TEXT, which must be valid, into POL. */
static bool parse_ok(struct emb_policy *pol, const char *text, const char *what)
{
	struct emb_diags diags = { 0 };
	int r = parse(pol, &diags, NAME, text);
	bool pass;

	pass = ok(r == 0 && diags.n == 0, "%s: parses", what);
	if (!pass)
		diag("returned %d, first diagnostic %s", r, first_diag(&diags));
	emb_diags_free(&diags);
	return pass;
}

static const char example[] =
	"mode enforce                 # or: audit (log what would be denied, deny nothing)\n"
	"deny  exec dir=/opt/kaspersky                 key=kaspersky\n"
	"deny  exec path=/usr/bin/kav                  key=kav\n"
	"allow exec path=/opt/kaspersky/bin/uninstall  key=removal\n"
	"audit exec dir=/opt/watched                   key=watch\n";

static void check_rule(const struct emb_rule *r, enum emb_rule_verdict verdict,
		       enum emb_rule_matcher matcher, const char *value, const char *key,
		       unsigned line, unsigned value_col)
{
	ok(r->verdict == verdict && r->op == EMB_OP_EXEC && r->matcher == matcher,
	   "line %u: %s exec %s", line, emb_verdict_name(verdict), emb_matcher_name(matcher));
	is_str(r->value, value, "line %u: value", line);
	is_str(r->key, key, "line %u: key", line);
	ok(r->line == line && r->col == 1 && r->value_col == value_col && r->file &&
		   strcmp(r->file, NAME) == 0,
	   "line %u: position %s:%u:%u, value at column %u", line, r->file, r->line, r->col,
	   r->value_col);
}

static void test_example(void)
{
	struct emb_policy pol = { 0 };

	if (!parse_ok(&pol, example, "the example policy")) {
		emb_policy_free(&pol);
		return;
	}
	is_int(pol.n_rules, 4, "example: four rules");
	ok(pol.mode == EMB_MODE_ENFORCE && pol.mode_line == 1 && pol.mode_file &&
		   strcmp(pol.mode_file, NAME) == 0,
	   "example: mode enforce from line 1");
	if (pol.n_rules == 4) {
		check_rule(&pol.rules[0], EMB_RULE_DENY, EMB_MATCH_DIR, "/opt/kaspersky",
			   "kaspersky", 2, 16);
		check_rule(&pol.rules[1], EMB_RULE_DENY, EMB_MATCH_PATH, "/usr/bin/kav", "kav", 3,
			   17);
		check_rule(&pol.rules[2], EMB_RULE_ALLOW, EMB_MATCH_PATH,
			   "/opt/kaspersky/bin/uninstall", "removal", 4, 17);
		check_rule(&pol.rules[3], EMB_RULE_AUDIT, EMB_MATCH_DIR, "/opt/watched", "watch", 5,
			   16);
	}
	ok(pol.n_files == 1 && strcmp(pol.files[0], NAME) == 0, "example: one file recorded");
	emb_policy_free(&pol);
}

static void test_names(void)
{
	is_str(emb_verdict_name(EMB_RULE_DENY), "deny", "verdict name deny");
	is_str(emb_verdict_name(EMB_RULE_AUDIT), "audit", "verdict name audit");
	is_str(emb_verdict_name(EMB_RULE_ALLOW), "allow", "verdict name allow");
	is_str(emb_matcher_name(EMB_MATCH_DIR), "dir", "matcher name dir");
	is_str(emb_mode_name(EMB_MODE_UNSET), "unset", "mode name unset");
	is_str(emb_mode_name(EMB_MODE_AUDIT), "audit", "mode name audit");
	is_str(emb_running_name(EMB_RUNNING_UNSET), "unset", "running name unset");
	is_str(emb_running_name(EMB_RUNNING_KEEP), "keep", "running name keep");
	is_str(emb_running_name(EMB_RUNNING_KILL), "kill", "running name kill");
}

static void test_quoting(void)
{
	struct emb_policy pol = { 0 };

	if (parse_ok(&pol,
		     "deny exec path=\"/opt/my app/bin/run it\" key=spaces\n"
		     "deny exec path=\"/a \\\"q\\\" \\\\ b\"\n"
		     "deny exec path=\"/c#d\"   # the hash is quoted\n"
		     "deny exec path=/e#f\n"
		     "deny exec path=/g\\h key=\"quoted-key\"\n"
		     "deny exec path=\"/i\"#comment right after the quote\n",
		     "quoting") &&
	    is_int(pol.n_rules, 6, "quoting: six rules")) {
		is_str(pol.rules[0].value, "/opt/my app/bin/run it", "quoted value with spaces");
		is_int(pol.rules[0].value_col, 16, "value column is the opening quote's");
		is_str(pol.rules[1].value, "/a \"q\" \\ b", "escaped quote and backslash");
		is_str(pol.rules[2].value, "/c#d", "'#' inside quotes is part of the value");
		is_str(pol.rules[3].value, "/e", "'#' ends an unquoted value");
		is_str(pol.rules[4].value, "/g\\h", "backslash outside quotes is literal");
		is_str(pol.rules[4].key, "quoted-key", "a key may be quoted");
		is_str(pol.rules[5].value, "/i", "comment right after a closing quote");
	}
	emb_policy_free(&pol);
}

static void test_layout(void)
{
	struct emb_policy pol = { 0 };
	struct emb_diags diags = { 0 };

	if (parse_ok(&pol,
		     "# a comment\n"
		     "\n"
		     "   \t \n"
		     "\t  deny \t exec   path=/x   # trailing comment\n"
		     "  # indented comment\n"
		     "audit exec path=/y key=k:1@a/b.c_d-e",
		     "blanks, comments, no final newline") &&
	    is_int(pol.n_rules, 2, "layout: two rules")) {
		const struct emb_rule *r = &pol.rules[0];

		ok(r->line == 4 && r->col == 4 && r->value_col == 23,
		   "rule after blanks and tabs at 4:4, value at 23 (got %u:%u, %u)", r->line,
		   r->col, r->value_col);
		is_str(r->key, NAME ":4", "rule without key gets FILE:LINE");
		is_str(pol.rules[1].key, "k:1@a/b.c_d-e", "key with every allowed punctuation");
		ok(pol.mode == EMB_MODE_UNSET, "no mode line: mode unset");
		ok(pol.version == 0 && !pol.version_file && pol.version_line == 0,
		   "no version line: version 0");
		ok(pol.running == EMB_RUNNING_UNSET && !pol.running_file && pol.running_line == 0,
		   "no running line: running unset");
	}
	emb_policy_free(&pol);

	ok(parse(&pol, &diags, NAME, "") == 0 && pol.n_rules == 0 && diags.n == 0,
	   "empty text is a valid, empty policy");
	emb_policy_free(&pol);

	if (parse_ok(&pol,
		     "mode audit\n"
		     "deny exec path=/caf\xc3\xa9\n"
		     "deny exec path=/bad\xff\xfe\n"
		     "deny exec path=/\n"
		     "deny exec path=/x key="
		     "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n",
		     "mode audit, UTF-8, invalid UTF-8, path=/, 64-byte key") &&
	    is_int(pol.n_rules, 4, "four rules"))
		ok(pol.mode == EMB_MODE_AUDIT && strcmp(pol.rules[1].value, "/bad\xff\xfe") == 0,
		   "mode audit; bytes that are not UTF-8 are kept as they are");
	emb_policy_free(&pol);
}

static void test_settings(void)
{
	struct emb_policy pol = { 0 };
	struct emb_diags diags = { 0 };
	int r;

	if (parse_ok(&pol,
		     "# settings may come anywhere, with blanks and comments around them\n"
		     "deny exec path=/x\n"
		     "\tversion   42   # revision\n"
		     "running kill#no blank before the comment\n",
		     "version and running lines")) {
		ok(pol.version == 42 && pol.version_line == 3 && pol.version_file &&
			   strcmp(pol.version_file, NAME) == 0,
		   "version 42 from line 3 (got %llu from line %u)",
		   (unsigned long long)pol.version, pol.version_line);
		ok(pol.running == EMB_RUNNING_KILL && pol.running_line == 4 && pol.running_file &&
			   strcmp(pol.running_file, NAME) == 0,
		   "running kill from line 4 (got %s from line %u)", emb_running_name(pol.running),
		   pol.running_line);
		is_int(pol.n_rules, 1, "settings are not rules");
	}
	emb_policy_free(&pol);

	if (parse_ok(&pol, "version 9223372036854775807\nrunning keep\n", "largest version"))
		ok(pol.version == 9223372036854775807ull && pol.running == EMB_RUNNING_KEEP,
		   "version 2^63-1, running keep");
	emb_policy_free(&pol);

	if (parse_ok(&pol, "version 1\n", "smallest version"))
		ok(pol.version == 1 && pol.running == EMB_RUNNING_UNSET,
		   "version 1, running unset");
	emb_policy_free(&pol);

	/* A bad setting line sets nothing: the next good one is the first. */
	r = parse(&pol, &diags, NAME, "version x\nversion 5\nrunning stop\nrunning keep\n");
	ok(r == -EINVAL && diags.n == 2 && diags.v[0].line == 1 && diags.v[1].line == 3,
	   "bad version and running lines: one diagnostic each (returned %d, %zu diagnostics)", r,
	   diags.n);
	ok(pol.version == 5 && pol.version_line == 2 && pol.running == EMB_RUNNING_KEEP &&
		   pol.running_line == 4,
	   "a bad line does not count as the first setting");
	emb_policy_free(&pol);
	emb_diags_free(&diags);
}

static void test_errors(void)
{
	char *line;

	/* Verdicts and operations */
	expect_diag("dney exec path=/usr/bin/kav\n",
		    "1:1: unknown verdict 'dney' (expected deny, allow or audit)", "bad verdict");
	expect_diag("Deny exec path=/x\n",
		    "1:1: unknown verdict 'Deny' (keywords are lowercase: 'deny')",
		    "keywords are case-sensitive");
	expect_diag("deny write path=/x\n",
		    "1:6: unknown operation 'write' (expected exec or open)", "unknown operation");
	expect_diag("deny\n", "1:5: missing operation after 'deny' (expected exec or open)",
		    "missing operation");
	expect_diag("deny path=/x\n",
		    "1:6: missing operation before 'path=' (expected exec or open)",
		    "matcher where the operation belongs");
	expect_diag("  exec path=/x\n",
		    "1:3: missing verdict before 'exec' (expected deny, allow or audit)",
		    "missing verdict");
	expect_diag("deny", "1:5: missing operation after 'deny' (expected exec or open)",
		    "end of text right after a token");
	expect_diag("deny exec path=/x key=", "1:23: missing value after 'key='",
		    "end of text right after '='");

	/* Matchers */
	expect_diag(
		"deny exec   # no matcher\n",
		"1:10: missing matcher after 'exec' (expected path=, dir=, sha256= or package=)",
		"missing matcher");
	expect_diag("deny exec paht=/x\n",
		    "1:11: unknown matcher 'paht' (expected path, dir, sha256 or package)",
		    "bad matcher");
	expect_diag("deny exec path /x\n", "1:11: missing '=' after 'path'", "missing '='");
	expect_diag("deny exec /usr/bin/x\n",
		    "1:11: expected path=, dir=, sha256= or package=, got '/usr/bin/x'",
		    "value without matcher");
	expect_diag(
		"deny exec key=a path=/x\n",
		"1:11: missing matcher before 'key=' (expected path=, dir=, sha256= or package=)",
		"key before matcher");
	expect_diag("deny exec path=/x dir=/y\n",
		    "1:19: second matcher 'dir=' (a rule has exactly one)", "two matchers");

	/* sha256= and package= values, and open rules */
	expect_diag("deny exec sha256=abc\n", "1:18: sha256 has 3 hex digits (expected 64)",
		    "sha256 too short");
	expect_diag("deny exec "
		    "sha256=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdeg\n",
		    "1:81: invalid character 'g' in sha256 (expected hex digits)",
		    "sha256 not hex");
	expect_diag(
		"deny exec package=Kav\n",
		"1:19: invalid character 'K' in package name (allowed: a-z 0-9 + - ., then :ARCH)",
		"package name with uppercase");
	expect_diag("deny exec package=k\n", "1:19: package name too short (at least 2 characters)",
		    "package name too short");
	expect_diag("deny exec package=kav:\n",
		    "1:22: empty architecture after ':' in package name", "package arch empty");
	expect_diag("deny open "
		    "sha256=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\n",
		    "1:11: sha256= cannot be used with open (content is checked on exec and mmap)",
		    "open rules cannot name content");
	expect_diag("  open path=/x\n",
		    "1:3: missing verdict before 'open' (expected deny, allow or audit)",
		    "missing verdict before open");
	expect_diag(
		"deny open\n",
		"1:10: missing matcher after 'open' (expected path=, dir=, sha256= or package=)",
		"missing matcher after open");

	/* Values and quoting */
	expect_diag("deny exec path=\n", "1:16: missing value after 'path='", "missing value");
	expect_diag("deny exec path= key=k\n", "1:16: missing value after 'path='",
		    "missing value before another option");
	expect_diag("deny exec path=\"\"\n", "1:16: empty value for 'path'", "empty quoted value");
	expect_diag("deny exec path=\"/a b\n", "1:16: unterminated quote", "unterminated quote");
	expect_diag("deny exec path=\"/a\\", "1:16: unterminated quote",
		    "backslash at end of line inside quotes");
	expect_diag("deny exec path=\"/a\\nb\"\n",
		    "1:19: bad escape '\\n' (only \\\" and \\\\ are allowed in quotes)",
		    "bad escape");
	expect_diag("deny exec path=\"/a\\\tb\"\n",
		    "1:19: bad escape: '\\' before byte 0x09 (only \\\" and \\\\ are allowed in "
		    "quotes)",
		    "bad escape of a tab");
	expect_diag("deny exec path=/a\"b\"\n",
		    "1:18: quote inside unquoted value (quote the whole value)",
		    "quote inside unquoted value");
	expect_diag("deny exec path=\"/a\"b\n", "1:20: unexpected text after closing quote",
		    "text glued to a closing quote");

	/* Paths */
	expect_diag("deny exec path=usr/bin/x\n",
		    "1:16: relative path 'usr/bin/x' (must start with '/')", "relative path");
	expect_diag("deny exec path=/usr/../bin\n",
		    "1:21: '..' component in '/usr/../bin' (paths must be canonical)",
		    "'..' component");
	expect_diag("deny exec dir=/usr/./bin\n",
		    "1:20: '.' component in '/usr/./bin' (paths must be canonical)",
		    "'.' component");
	expect_diag("deny exec dir=\"/usr/b c/..\"\n",
		    "1:25: '..' component in '/usr/b c/..' (paths must be canonical)",
		    "'..' at the end of a quoted value, column mapped through the quote");
	expect_diag("deny exec path=/usr//bin\n",
		    "1:21: empty path component ('//') in '/usr//bin'", "'//'");
	expect_diag("deny exec path=//usr\n", "1:17: empty path component ('//') in '//usr'",
		    "leading '//'");
	expect_diag("deny exec dir=/opt/\n", "1:19: trailing '/' in '/opt/'", "trailing '/'");
	expect_diag("deny exec dir=/\n",
		    "1:15: dir=/ would cover every file on the system (refused)", "dir=/");
	expect_diag("deny exec path=\"/a\tb\"\n", "1:19: control character 0x09 in path",
		    "tab inside a quoted path");
	expect_diag("deny exec path=\"/a\\\"\\\\\tb\"\n", "1:23: control character 0x09 in path",
		    "column after escapes in a quoted path");

	/* Options and keys */
	expect_diag("deny exec path=/x kye=a\n", "1:19: unknown option 'kye' (expected key)",
		    "unknown option");
	expect_diag("deny exec path=/x key=a key=b\n", "1:25: key given twice, first at column 19",
		    "key given twice");
	expect_diag("deny exec path=/x key=a,b\n",
		    "1:24: invalid character ',' in key (allowed: A-Z a-z 0-9 . _ : @ / -)",
		    "bad key character");
	expect_diag("deny exec path=/x key=\"a b\"\n",
		    "1:25: invalid character ' ' in key (allowed: A-Z a-z 0-9 . _ : @ / -)",
		    "space in a quoted key");
	expect_diag("deny exec path=/x key=caf\xc3\xa9\n",
		    "1:26: invalid byte 0xc3 in key (allowed: A-Z a-z 0-9 . _ : @ / -)",
		    "non-ASCII key");
	expect_diag("deny exec path=/x "
		    "key=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n",
		    "1:23: key too long (65 bytes, limit 64)", "65-byte key");
	expect_diag("deny exec path=/x key=\"\"\n", "1:23: empty value for 'key'", "empty key");
	expect_diag("deny exec path=/x key\n", "1:19: missing '=' after 'key'", "key without '='");
	expect_diag("deny exec path=/x extra\n",
		    "1:19: unexpected 'extra' (expected key= or end of line)", "extra token");
	expect_diag("deny exec path=/x key=k extra # c\n",
		    "1:25: unexpected 'extra' (expected key= or end of line)",
		    "extra token after key");

	/* Mode */
	expect_diag("mode\n", "1:5: missing value after 'mode' (expected enforce or audit)",
		    "mode without value");
	expect_diag("mode enforcing\n", "1:6: unknown mode 'enforcing' (expected enforce or audit)",
		    "bad mode");
	expect_diag("mode enforce x\n", "1:14: unexpected 'x' after mode",
		    "extra token after mode");
	expect_diag("mode enforce\nmode enforce\n", "2:1: mode given twice, first at line 1",
		    "mode twice");
	expect_diag("mode enforce\n\nmode audit\n",
		    "3:6: mode 'audit' conflicts with 'enforce' at line 1", "two different modes");

	/* Version */
	expect_diag("version\n", "1:8: missing version number after 'version'",
		    "version without number");
	expect_diag("version   # none\n", "1:8: missing version number after 'version'",
		    "version followed by a comment");
	expect_diag("version x\n", "1:9: bad version 'x' (expected a whole number from 1)",
		    "version not a number");
	expect_diag("version -1\n", "1:9: bad version '-1' (expected a whole number from 1)",
		    "negative version");
	expect_diag("version +3\n", "1:9: bad version '+3' (expected a whole number from 1)",
		    "version with a sign");
	expect_diag("version 1.2\n", "1:9: bad version '1.2' (expected a whole number from 1)",
		    "dotted version");
	expect_diag("version 0x10\n", "1:9: bad version '0x10' (expected a whole number from 1)",
		    "hex version");
	expect_diag("version \"3\"\n", "1:9: bad version '\"3\"' (expected a whole number from 1)",
		    "quoted version");
	expect_diag("version 0\n", "1:9: version 0 is not allowed (versions start at 1)",
		    "version 0");
	expect_diag("version 007\n", "1:9: bad version '007' (no leading zeros)",
		    "version with leading zeros");
	expect_diag("version 00\n", "1:9: bad version '00' (no leading zeros)", "version 00");
	expect_diag("version 9223372036854775808\n",
		    "1:9: version too large (limit 9223372036854775807)", "version 2^63");
	expect_diag("version 18446744073709551616\n",
		    "1:9: version too large (limit 9223372036854775807)",
		    "version 2^64 (20 digits)");
	expect_diag("version 99999999999999999999999999999999\n",
		    "1:9: version too large (limit 9223372036854775807)", "version of 32 digits");
	expect_diag("version 5 foo\n", "1:11: unexpected 'foo' after the version",
		    "extra token after version");
	expect_diag("version 5\nversion 5\n", "2:1: version given twice, first at line 1",
		    "version twice");
	expect_diag("version 5\n\n  version 7\n", "3:11: version 7 conflicts with 5 at line 1",
		    "two different versions in one file");
	expect_diag("Version 5\n",
		    "1:1: unknown verdict 'Version' (keywords are lowercase: "
		    "'version')",
		    "uppercase version keyword");

	/* Running */
	expect_diag("running\n", "1:8: missing action after 'running' (expected kill or keep)",
		    "running without action");
	expect_diag("running stop\n", "1:9: unknown running action 'stop' (expected kill or keep)",
		    "bad running action");
	expect_diag("running KILL\n", "1:9: unknown running action 'KILL' (expected kill or keep)",
		    "uppercase running action");
	expect_diag("running kill now\n", "1:14: unexpected 'now' after the running action",
		    "extra token after running");
	expect_diag("running kill\nrunning kill\n", "2:1: running given twice, first at line 1",
		    "running twice");
	expect_diag("running kill\nrunning keep\n",
		    "2:9: running 'keep' conflicts with 'kill' at line 1",
		    "two different running actions in one file");
	expect_diag("RUNNING kill\n",
		    "1:1: unknown verdict 'RUNNING' (keywords are lowercase: 'running')",
		    "uppercase running keyword");
	expect_diag("Mode audit\n", "1:1: unknown verdict 'Mode' (keywords are lowercase: 'mode')",
		    "uppercase mode keyword");

	/* Characters and lines */
	expect_diag_len("deny exec path=/a\0b\n", 20, "1:18: NUL byte", "NUL byte");
	expect_diag("# fine\ndeny exec path=/a\x01\n", "2:18: control character 0x01",
		    "control character");
	expect_diag("deny exec path=/a # bell \a\n", "1:26: control character 0x07",
		    "control character in a comment");
	expect_diag("deny exec path=/a\r\n",
		    "1:18: carriage return (DOS line endings are not allowed)", "CRLF");
	expect_diag("\xef\xbb\xbf"
		    "deny exec path=/a\n",
		    "1:1: byte order mark at start of file (save it without one)",
		    "byte order mark");

	line = malloc(EMB_POLICY_MAX_LINE + 2);
	if (!line)
		return;
	memset(line, 'x', EMB_POLICY_MAX_LINE + 1);
	line[0] = '#';
	line[EMB_POLICY_MAX_LINE + 1] = 0;
	expect_diag(line, "1:4097: line too long (4097 bytes, limit 4096)", "line too long");
	line[EMB_POLICY_MAX_LINE] = 0;
	{
		struct emb_policy pol = { 0 };

		parse_ok(&pol, line, "line of exactly EMB_POLICY_MAX_LINE bytes");
		emb_policy_free(&pol);
	}
	/* A 256-byte component, and the message cut to 64 bytes of it. */
	strcpy(line, "deny exec path=/");
	memset(line + 16, 'a', 256);
	line[16 + 256] = 0;
	expect_diag(line,
		    "1:17: path component longer than 255 bytes in "
		    "'/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa...'",
		    "component over NAME_MAX, message cut");
	free(line);
}

static void test_many_errors(void)
{
	static const char bad_line[] = "dney exec path=/a\n";
	struct emb_policy pol = { 0 };
	struct emb_diags diags = { 0 };
	char *text, *end;
	int i, r;

	r = parse(&pol, &diags, NAME,
		  "dney exec path=/a\n"
		  "deny open paht=x key=a key=b\n"
		  "deny exec path=/fine\n"
		  "deny exec dir=/\n");
	is_int(r, -EINVAL, "errors: -EINVAL");
	ok(diags.n == 3 && diags.v[0].line == 1 && diags.v[1].line == 2 && diags.v[2].line == 4,
	   "one diagnostic per bad line, every bad line reported");
	ok(pol.n_rules == 1 && strcmp(pol.rules[0].value, "/fine") == 0,
	   "the good line's rule is still there");
	emb_policy_free(&pol);
	emb_diags_free(&diags);

	text = malloc(150 * sizeof(bad_line));
	if (!text)
		return;
	for (i = 0, end = text; i < 150; i++)
		end += sprintf(end, "%s", bad_line);
	r = parse(&pol, &diags, NAME, text);
	ok(r == -EINVAL && diags.n == EMB_POLICY_MAX_DIAGS &&
		   diags.dropped == 150 - EMB_POLICY_MAX_DIAGS,
	   "150 errors: %d kept, the rest counted (kept %zu, dropped %zu)", EMB_POLICY_MAX_DIAGS,
	   diags.n, diags.dropped);
	free(text);
	emb_policy_free(&pol);
	emb_diags_free(&diags);
}

static void test_rule_limit(void)
{
	static const char line[] = "deny exec path=/a\n";
	size_t n = EMB_POLICY_MAX_RULES + 1, len = sizeof(line) - 1, i;
	struct emb_policy pol = { 0 };
	struct emb_diags diags = { 0 };
	char *text;
	int r;

	text = malloc(n * len);
	if (!ok(text != NULL, "rule limit: buffer"))
		return;
	for (i = 0; i < n; i++)
		memcpy(text + i * len, line, len);
	r = emb_policy_parse_buffer(&pol, NAME, text, n * len, &diags);
	ok(r == -EINVAL && pol.n_rules == EMB_POLICY_MAX_RULES && diags.n == 1,
	   "%zu rules: rejected, the limit is %d (returned %d, %zu rules, %zu diagnostics)", n,
	   EMB_POLICY_MAX_RULES, r, pol.n_rules, diags.n);
	is_str(first_diag(&diags), NAME ":1000001:1: too many rules (limit 1000000)",
	       "too many rules: diagnostic at the first rule over");
	free(text);
	emb_policy_free(&pol);
	emb_diags_free(&diags);
}

static void test_duplicates(void)
{
	struct emb_policy pol = { 0 };
	struct emb_diags diags = { 0 };
	int r;

	r = parse(&pol, &diags, "a.policy",
		  "deny exec path=/x key=one\n"
		  "deny exec dir=/x\n"
		  "audit exec dir=/d\n");
	if (r == 0)
		r = parse(&pol, &diags, "b.policy",
			  "deny exec path=/x key=two\n"
			  "allow exec path=/x\n"
			  "allow exec path=/x\n"
			  "deny exec dir=/d\n");
	is_int(r, 0, "parsing alone does not look for duplicates; path= and dir= differ");
	r = emb_policy_check(&pol, &diags);
	is_int(r, -EINVAL, "check: -EINVAL");
	if (is_int(diags.n, 4, "check: four diagnostics")) {
		char buf[256];

		emb_diag_format(&diags.v[0], buf, sizeof(buf));
		is_str(buf, "b.policy:1:1: duplicate rule, first at a.policy:1",
		       "duplicate across files, keys differing");
		emb_diag_format(&diags.v[1], buf, sizeof(buf));
		is_str(buf, "b.policy:2:1: contradicts the deny rule at a.policy:1",
		       "contradiction across files");
		emb_diag_format(&diags.v[2], buf, sizeof(buf));
		is_str(buf, "b.policy:3:1: duplicate rule, first at line 2",
		       "duplicate of a contradicting rule, same file");
		emb_diag_format(&diags.v[3], buf, sizeof(buf));
		is_str(buf, "b.policy:4:1: contradicts the audit rule at a.policy:3",
		       "dir rule contradiction");
	}
	is_int(emb_policy_check(&pol, &diags), 0, "a second check reports nothing again");
	is_int(diags.n, 4, "still four diagnostics");
	emb_policy_free(&pol);
	emb_diags_free(&diags);
}

static void test_settings_across_buffers(void)
{
	struct emb_policy pol = { 0 };
	struct emb_diags diags = { 0 };
	int r;

	r = parse(&pol, &diags, "a.policy", "deny exec path=/a\n");
	if (r == 0)
		r = parse(&pol, &diags, "b.policy", "version 5\nrunning kill\n");
	if (r == 0)
		r = parse(&pol, &diags, "c.policy", "running kill\n# c\nversion 5\n");
	if (r == 0)
		r = emb_policy_check(&pol, &diags);
	is_int(r, 0, "the same version and running action in two files is fine");
	ok(pol.version == 5 && strcmp(pol.version_file, "b.policy") == 0 && pol.version_line == 1,
	   "the version is taken from the first file that sets it");
	ok(pol.running == EMB_RUNNING_KILL && strcmp(pol.running_file, "b.policy") == 0 &&
		   pol.running_line == 2,
	   "the running action is taken from the first file that sets it");

	r = parse(&pol, &diags, "d.policy", "version 7\nrunning keep\ndeny exec path=/a\n");
	is_int(r, -EINVAL, "a different version and running action in a fourth file are not");
	if (r == -EINVAL)
		r = emb_policy_check(&pol, &diags);
	is_int(r, -EINVAL, "check: the duplicate rule too");
	if (is_int(diags.n, 3, "three diagnostics")) {
		char buf[256];

		emb_diag_format(&diags.v[0], buf, sizeof(buf));
		is_str(buf, "d.policy:1:9: version 7 conflicts with 5 at b.policy:1",
		       "version conflict names the first file");
		emb_diag_format(&diags.v[1], buf, sizeof(buf));
		is_str(buf, "d.policy:2:9: running 'keep' conflicts with 'kill' at b.policy:2",
		       "running conflict names the first file");
		emb_diag_format(&diags.v[2], buf, sizeof(buf));
		is_str(buf, "d.policy:3:1: duplicate rule, first at a.policy:1",
		       "the check after them still runs");
	}
	ok(pol.version == 5 && pol.running == EMB_RUNNING_KILL &&
		   strcmp(pol.version_file, "b.policy") == 0,
	   "the first version and running action stay");
	emb_policy_free(&pol);
	emb_diags_free(&diags);
}

static void test_modes_across_buffers(void)
{
	struct emb_policy pol = { 0 };
	struct emb_diags diags = { 0 };
	int r;

	r = parse(&pol, &diags, "a.policy", "mode enforce\n");
	if (r == 0)
		r = parse(&pol, &diags, "b.policy", "mode enforce\n");
	is_int(r, 0, "the same mode in two files is fine");
	r = parse(&pol, &diags, "c.policy", "# c\n  mode audit\n");
	is_int(r, -EINVAL, "a different mode in a third file is not");
	is_str(first_diag(&diags),
	       "c.policy:2:8: mode 'audit' conflicts with 'enforce' at a.policy:1",
	       "mode conflict names the first file");
	ok(pol.mode == EMB_MODE_ENFORCE && strcmp(pol.mode_file, "a.policy") == 0,
	   "the first mode stays");
	emb_policy_free(&pol);
	emb_diags_free(&diags);
}

/* Loading works in TMP, a fresh directory; paths below it are built with in(). */
static char tmp[PATH_MAX];

static const char *in(const char *rel)
{
	static char bufs[4][PATH_MAX + 64];
	static unsigned next;
	char *buf = bufs[next++ % 4];

	snprintf(buf, sizeof(bufs[0]), "%s/%s", tmp, rel);
	return buf;
}

static bool write_file(const char *rel, const char *text)
{
	FILE *f = fopen(in(rel), "we");
	bool good;

	if (!f)
		return false;
	good = fputs(text, f) >= 0;
	return fclose(f) == 0 && good;
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

/* Loads the N PATHS into a fresh policy; the caller frees both. */
static int load(struct emb_policy *pol, struct emb_diags *diags, const char *const *paths, size_t n)
{
	*pol = (struct emb_policy){ 0 };
	*diags = (struct emb_diags){ 0 };
	return emb_policy_load(pol, paths, n, diags);
}

static bool make_tree(void)
{
	const char *base = getenv("TMPDIR");
	int fd;

	snprintf(tmp, sizeof(tmp), "%s/test_policy.XXXXXX", base && *base ? base : "/tmp");
	if (!mkdtemp(tmp))
		return false;
	if (mkdir(in("d"), 0700) || mkdir(in("d/sub.policy"), 0700) || mkdir(in("x"), 0700) ||
	    mkdir(in("f"), 0700) || mkdir(in("big"), 0700) || mkdir(in("empty"), 0700) ||
	    mkdir(in("v"), 0700))
		return false;
	if (!write_file("d/b.policy", "deny exec path=/b\n") ||
	    !write_file("d/a.policy", "deny exec path=/a\n") ||
	    !write_file("d/B.policy", "deny exec path=/B\n") ||
	    !write_file("d/c.txt", "deny exec path=/from-txt\n") ||
	    !write_file("d/.#a.policy", "not a policy\n") ||
	    !write_file("d/.policy", "not a policy\n") ||
	    !write_file("d/a.policy~", "not a policy\n") ||
	    !write_file("d/sub.policy/x.policy", "not a policy\n"))
		return false;
	if (!write_file("x/1.policy", "mode enforce\n") ||
	    !write_file("x/2.policy", "deny exec path=/x\n") ||
	    !write_file("x/3.policy", "mode audit\nallow exec path=/x key=k\n"))
		return false;
	if (!write_file("v/1.policy", "version 3\nrunning keep\ndeny exec path=/v\n") ||
	    !write_file("v/2.policy", "deny exec path=/w\nversion 3\n") ||
	    !write_file("v/3.policy", "running kill\nversion 4\n"))
		return false;
	if (mkfifo(in("f/p.policy"), 0600))
		return false;
	fd = open(in("big/huge.policy"), O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return false;
	if (ftruncate(fd, (off_t)EMB_POLICY_MAX_FILE_SIZE + 1)) {
		close(fd);
		return false;
	}
	return close(fd) == 0;
}

static void test_load(void)
{
	struct emb_policy pol;
	struct emb_diags diags;
	const char *paths[2];
	char want[PATH_MAX + 256];
	int r;

	if (!ok(make_tree(), "load: test tree under %s", tmp)) {
		diag("%s", strerror(errno));
		return;
	}

	paths[0] = in("d");
	r = load(&pol, &diags, paths, 1);
	is_int(r, 0, "directory: loads");
	if (is_int(pol.n_files, 3, "directory: only the three *.policy files")) {
		is_str(pol.files[0], in("d/B.policy"), "directory order is strcmp order: B first");
		is_str(pol.files[1], in("d/a.policy"), "then a");
		is_str(pol.files[2], in("d/b.policy"), "then b");
	}
	if (is_int(pol.n_rules, 3, "directory: three rules")) {
		snprintf(want, sizeof(want), "%s:1", in("d/a.policy"));
		is_str(pol.rules[1].key, want, "default key uses the file name as built");
	}
	emb_policy_free(&pol);
	emb_diags_free(&diags);

	snprintf(want, sizeof(want), "%s/", in("d"));
	paths[0] = want;
	r = load(&pol, &diags, paths, 1);
	ok(r == 0 && pol.n_files == 3 && strcmp(pol.files[0], in("d/B.policy")) == 0,
	   "directory given with a trailing '/': no '//' in file names");
	emb_policy_free(&pol);
	emb_diags_free(&diags);

	paths[0] = in("d/c.txt");
	r = load(&pol, &diags, paths, 1);
	ok(r == 0 && pol.n_rules == 1 && strcmp(pol.rules[0].value, "/from-txt") == 0,
	   "a file named explicitly loads whatever its name");
	emb_policy_free(&pol);
	emb_diags_free(&diags);

	paths[0] = in("empty");
	r = load(&pol, &diags, paths, 1);
	ok(r == 0 && pol.n_rules == 0 && diags.n == 0, "an empty directory is an empty policy");
	emb_policy_free(&pol);
	emb_diags_free(&diags);

	paths[0] = in("d/nope.policy");
	paths[1] = in("d/a.policy");
	r = load(&pol, &diags, paths, 2);
	snprintf(want, sizeof(want), "%s: cannot read: No such file or directory",
		 in("d/nope.policy"));
	ok(r == -EINVAL && diags.n == 1 && pol.n_rules == 1,
	   "missing file: -EINVAL, one diagnostic, the next path still loaded");
	is_str(first_diag(&diags), want, "missing file: diagnostic");
	emb_policy_free(&pol);
	emb_diags_free(&diags);

	paths[0] = in("x");
	r = load(&pol, &diags, paths, 1);
	is_int(r, -EINVAL, "conflicts across files: -EINVAL");
	if (is_int(diags.n, 2, "conflicts across files: two diagnostics")) {
		char got[PATH_MAX * 3];

		snprintf(want, sizeof(want),
			 "%s:1:6: mode 'audit' conflicts with 'enforce' at %s:1", in("x/3.policy"),
			 in("x/1.policy"));
		emb_diag_format(&diags.v[0], got, sizeof(got));
		is_str(got, want, "mode conflict across files names the first");
		snprintf(want, sizeof(want), "%s:2:1: contradicts the deny rule at %s:1",
			 in("x/3.policy"), in("x/2.policy"));
		emb_diag_format(&diags.v[1], got, sizeof(got));
		is_str(got, want, "contradiction across files, found after all files");
	}
	emb_policy_free(&pol);
	emb_diags_free(&diags);

	paths[0] = in("v/1.policy");
	paths[1] = in("v/2.policy");
	r = load(&pol, &diags, paths, 2);
	ok(r == 0 && diags.n == 0 && pol.version == 3 && pol.running == EMB_RUNNING_KEEP &&
		   strcmp(pol.version_file, in("v/1.policy")) == 0 && pol.n_rules == 2,
	   "two files agreeing on version 3: loads, version and running from the first");
	emb_policy_free(&pol);
	emb_diags_free(&diags);

	paths[0] = in("v");
	r = load(&pol, &diags, paths, 1);
	is_int(r, -EINVAL, "version and running conflicts across files: -EINVAL");
	if (is_int(diags.n, 2, "version and running conflicts across files: two diagnostics")) {
		char got[PATH_MAX * 3];

		snprintf(want, sizeof(want), "%s:1:9: running 'kill' conflicts with 'keep' at %s:2",
			 in("v/3.policy"), in("v/1.policy"));
		emb_diag_format(&diags.v[0], got, sizeof(got));
		is_str(got, want, "running conflict across files names the first");
		snprintf(want, sizeof(want), "%s:2:9: version 4 conflicts with 3 at %s:1",
			 in("v/3.policy"), in("v/1.policy"));
		emb_diag_format(&diags.v[1], got, sizeof(got));
		is_str(got, want, "version conflict across files names the first");
	}
	ok(pol.version == 3 && pol.running == EMB_RUNNING_KEEP, "the first values stay");
	emb_policy_free(&pol);
	emb_diags_free(&diags);

	paths[0] = in("f");
	paths[1] = in("f/p.policy");
	r = load(&pol, &diags, paths, 2);
	snprintf(want, sizeof(want), "%s: cannot read: not a regular file", in("f/p.policy"));
	ok(r == -EINVAL && diags.n == 2,
	   "FIFO, in a directory and named: two diagnostics, no hang");
	is_str(first_diag(&diags), want, "FIFO: not a regular file");
	emb_policy_free(&pol);
	emb_diags_free(&diags);

	paths[0] = in("big/huge.policy");
	r = load(&pol, &diags, paths, 1);
	snprintf(want, sizeof(want), "%s: file too large (67108865 bytes, limit 67108864)",
		 in("big/huge.policy"));
	is_int(r, -EINVAL, "file over EMB_POLICY_MAX_FILE_SIZE: -EINVAL");
	is_str(first_diag(&diags), want, "file too large: diagnostic");
	emb_policy_free(&pol);
	emb_diags_free(&diags);

	ok(nftw(tmp, remove_entry, 16, FTW_DEPTH | FTW_PHYS) == 0, "test tree removed");
}

int main(void)
{
	test_names();
	test_example();
	test_quoting();
	test_layout();
	test_settings();
	test_errors();
	test_many_errors();
	test_duplicates();
	test_modes_across_buffers();
	test_settings_across_buffers();
	test_load();
	test_rule_limit();
	return done_testing();
}
