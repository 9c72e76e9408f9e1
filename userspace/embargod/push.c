// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>

#include "control.h"
#include "daemon.h"
#include "event_log.h"
#include "guard.h"
#include "hash.h"
#include "json_read.h"
#include "killer.h"
#include "push.h"
#include "control_parse.h"
#include "unload_token.h"

/* How long a client may take to send its policy, between two reads. */
#define PUSH_READ_TIMEOUT_MS 10000
/* Rules listed by `embargo policy show` (the reply line is bounded); the count is exact. */
#define SHOW_MAX_RULES 5000

static void reply_error(struct strbuf *reply, const char *msg, const struct strbuf *errors)
{
	struct json j;

	json_begin(&j, reply);
	json_str(&j, "error", msg);
	if (errors && errors->len)
		json_raw(&j, "errors", errors->buf);
	json_end(&j);
}

/* Appends S to the JSON array being built in ARR ("[" is written before the first). */
static void array_add(struct strbuf *arr, const char *s)
{
	sb_putc(arr, arr->len ? ',' : '[');
	json_quote(arr, s, strlen(s));
}

static void array_close(struct strbuf *arr)
{
	if (arr->len)
		sb_putc(arr, ']');
}

/* Writes BUF to DIR/.NAME.new, synced; the caller renames it into place. 0 or -errno. */
static int write_new(const char *dir, const char *name, const void *buf, size_t len, char *tmp,
		     size_t tmp_size)
{
	size_t off = 0;
	int fd, r = 0;

	snprintf(tmp, tmp_size, "%s/.%s.new", dir, name);
	unlink(tmp);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	while (!r && off < len) {
		ssize_t n = write(fd, (const char *)buf + off, len - off);

		if (n < 0 && errno != EINTR)
			r = -errno;
		else if (n > 0)
			off += (size_t)n;
	}
	if (!r && fsync(fd) < 0)
		r = -errno;
	if (close(fd) < 0 && !r)
		r = -errno;
	if (r)
		unlink(tmp);
	return r;
}

static int rename_into(const char *dir, const char *tmp, const char *name)
{
	char path[PATH_MAX];
	int dfd, r = 0;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (rename(tmp, path) < 0)
		return -errno;
	/* The rename itself must survive a crash. */
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		if (fsync(dfd) < 0)
			r = -errno;
		close(dfd);
	}
	return r;
}

static int state_dir_ready(const struct daemon *d)
{
	if (mkdir(d->state_dir, 0700) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

int push_store_version(struct daemon *d, unsigned long long version)
{
	char tmp[PATH_MAX], text[32];
	int n = snprintf(text, sizeof(text), "%llu\n", version);
	int r = state_dir_ready(d);

	if (!r)
		r = write_new(d->state_dir, PUSH_VERSION_NAME, text, (size_t)n, tmp, sizeof(tmp));
	if (!r)
		r = rename_into(d->state_dir, tmp, PUSH_VERSION_NAME);
	if (!r && version > d->version_floor)
		d->version_floor = version;
	return r;
}

bool push_adopt_state(struct daemon *d)
{
	char path[PATH_MAX], buf[sizeof(d->pushed_name)];
	struct stat st;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", d->state_dir, PUSH_VERSION_NAME);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		n = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		buf[n > 0 ? n : 0] = 0;
		d->version_floor = strtoull(buf, NULL, 10);
	}
	snprintf(path, sizeof(path), "%s/%s", d->state_dir, PUSH_POLICY_NAME);
	if (stat(path, &st) < 0)
		return false;
	snprintf(d->pushed_name, sizeof(d->pushed_name), "%s", PUSH_POLICY_NAME);
	snprintf(path, sizeof(path), "%s/%s.name", d->state_dir, PUSH_POLICY_NAME);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		n = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		if (n > 0) {
			buf[n] = 0;
			buf[strcspn(buf, "\n")] = 0;
			if (buf[0])
				snprintf(d->pushed_name, sizeof(d->pushed_name), "%s", buf);
		}
	}
	d->pushed = true;
	return true;
}

/* Rules written in the policy (not those a package= rule stands for). */
static size_t written_rules(const struct emb_policy *p)
{
	size_t n = 0;

	for (size_t i = 0; i < p->n_rules; i++)
		n += p->rules[i].origin == 0;
	return n;
}

static void why_add(struct strbuf *why, bool json, const char *msg)
{
	if (json) {
		array_add(why, msg);
	} else {
		sb_printf(why, "embargod: %s\n", msg);
	}
}

int push_check_staged(struct daemon *d, bool force, bool allow_empty, bool is_push,
		      struct strbuf *why, bool json)
{
	struct generation *g = &d->staged, *cur = daemon_current(d);
	unsigned long long want = g->policy.version, floor = d->version_floor;
	struct emb_guard_violations bad = { 0 };
	char msg[PATH_MAX + 512];
	int r = 0;

	if (cur->id && cur->policy.version > floor)
		floor = cur->policy.version;
	if (d->n_trusted) {
		/* Signed policies are versioned: never an older one, never the same one again. */
		if (!want) {
			why_add(why, json,
				"the policy has no 'version N' line (required with trusted keys)");
			r = -EPERM;
		} else if (is_push ? want <= floor : want < floor) {
			snprintf(msg, sizeof(msg),
				 "version %llu is %s version %llu already accepted (rollback and "
				 "replay are refused)",
				 want, want == floor ? "the same as" : "older than", floor);
			why_add(why, json, msg);
			r = -EPERM;
		}
	} else if (want && cur->id && cur->policy.version && want < cur->policy.version && !force &&
		   !d->reverting) {
		/* Going back to the files is asked for explicitly: their version may be older. */
		snprintf(msg, sizeof(msg),
			 "version %llu is older than version %llu in force (--force overrides)",
			 want, (unsigned long long)cur->policy.version);
		why_add(why, json, msg);
		r = -EPERM;
	}
	if (!allow_empty && written_rules(&g->policy) == 0 && cur->id &&
	    written_rules(&cur->policy) > 0) {
		snprintf(msg, sizeof(msg),
			 "the policy is empty and would replace %zu rule%s in force "
			 "(--allow-empty overrides)",
			 written_rules(&cur->policy), written_rules(&cur->policy) == 1 ? "" : "s");
		why_add(why, json, msg);
		r = -EPERM;
	}
	if (!force) {
		/* The checker embargo check runs too: the same verdict, the same messages. */
		/* dpkg's database is read again only when it changed: pushes come in bursts. */
		static struct emb_guard_cache cache;
		int gr = emb_guard_policy_cached(&g->policy, g->mode, &g->resolved, d->dpkg_admin,
						 &cache, &bad);

		if (gr) {
			snprintf(msg, sizeof(msg), "cannot check the guardrails: %s",
				 strerror(-gr));
			why_add(why, json, msg);
			r = -EPERM;
		}
		/* FILE:LINE: ... lines, as embargo check prints them (and policy diagnostics). */
		for (size_t i = 0; i < bad.n; i++) {
			emb_guard_format(&bad.v[i], msg, sizeof(msg));
			if (json)
				array_add(why, msg);
			else
				sb_printf(why, "%s\n", msg);
			r = -EPERM;
		}
		emb_guard_violations_free(&bad);
	}
	return r;
}

/* Reads the SIZE bytes of the policy: LEFTOVER first, then the socket. 0 or -errno. */
static int read_payload(int fd, const char *leftover, size_t leftover_len, char *buf, size_t size)
{
	size_t got = leftover_len < size ? leftover_len : size;

	if (leftover_len > size)
		return -EPROTO;
	memcpy(buf, leftover, got);
	while (got < size) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		ssize_t n;

		if (poll(&p, 1, PUSH_READ_TIMEOUT_MS) <= 0)
			return -ETIMEDOUT;
		n = read(fd, buf + got, size - got);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EPIPE;
		got += (size_t)n;
	}
	return 0;
}

static void diags_to_array(const struct emb_diags *diags, struct strbuf *arr)
{
	char line[EMB_POLICY_MAX_LINE + 512];

	for (size_t i = 0; i < diags->n; i++) {
		emb_diag_format(&diags->v[i], line, sizeof(line));
		array_add(arr, line);
	}
	if (diags->dropped) {
		snprintf(line, sizeof(line), "... and %zu more", diags->dropped);
		array_add(arr, line);
	}
}

void push_handle(struct daemon *d, int fd, const char *header, const char *leftover,
		 size_t leftover_len, const struct ucred *cred, struct strbuf *reply)
{
	struct emb_push_header h = { 0 };
	const char *name, *sig, *bad;
	unsigned long long size;
	bool force, allow_empty, kill_running;
	char tmp_policy[PATH_MAX], tmp_sig[PATH_MAX], tmp_name[PATH_MAX], hex[65];
	char signer[sizeof(d->staged.signer)] = "", why[PATH_MAX + 256];
	struct strbuf errors = { 0 };
	struct emb_diags diags = { 0 };
	struct generation *g;
	size_t killed = 0, kill_failed = 0;
	char *buf = NULL;
	struct json j;
	int r;

	tmp_policy[0] = tmp_sig[0] = tmp_name[0] = 0;
	/* The header is parsed by the code the fuzzer runs (control_parse.c). */
	if (emb_push_header_parse(header, &h, &bad)) {
		reply_error(reply, bad, NULL);
		goto out;
	}
	name = h.name;
	sig = h.sig;
	size = h.size;
	force = h.force;
	allow_empty = h.allow_empty;
	kill_running = h.kill_running;
	buf = malloc(size + 1);
	if (!buf) {
		reply_error(reply, "push: out of memory", NULL);
		goto out;
	}
	r = read_payload(fd, leftover, leftover_len, buf, size);
	if (r) {
		snprintf(why, sizeof(why), "push: reading the policy: %s", strerror(-r));
		reply_error(reply, why, NULL);
		goto out;
	}
	buf[size] = 0;

	/* Nothing is parsed before its signature holds. */
	r = daemon_verify_signature(d, name, buf, size, sig, signer, sizeof(signer), why,
				    sizeof(why));
	if (r) {
		fprintf(stderr, "embargod: push from uid %u refused: %s\n", cred->uid, why);
		reply_error(reply, why, NULL);
		goto out;
	}
	memcpy(d->staged.signer, signer, sizeof(signer));
	r = daemon_stage_text(d, name, buf, size, &diags);
	if (r) {
		diags_to_array(&diags, &errors);
		array_close(&errors);
		if (r == -EINVAL)
			snprintf(why, sizeof(why),
				 "policy rejected (errors: %zu); nothing of it was applied",
				 diags.n + diags.dropped);
		else
			snprintf(why, sizeof(why), "cannot load the policy: %s", strerror(-r));
		fprintf(stderr, "embargod: push from uid %u refused: %s\n", cred->uid, why);
		reply_error(reply, why, &errors);
		goto out;
	}
	g = &d->staged;
	g->pushed_by = cred->uid;
	r = push_check_staged(d, force, allow_empty, true, &errors, true);
	array_close(&errors);
	if (r) {
		fprintf(stderr, "embargod: push from uid %u refused: %s\n", cred->uid,
			errors.buf ? errors.buf : "");
		reply_error(reply, "policy refused; the policy in force is unchanged", &errors);
		daemon_unstage(d);
		goto out;
	}

	/* On disk first (not yet in place), so that what is put in force is also kept. */
	r = state_dir_ready(d);
	if (!r)
		r = write_new(d->state_dir, PUSH_POLICY_NAME, buf, size, tmp_policy,
			      sizeof(tmp_policy));
	if (!r && sig)
		r = write_new(d->state_dir, PUSH_POLICY_NAME ".sig", sig, strlen(sig), tmp_sig,
			      sizeof(tmp_sig));
	if (!r)
		r = write_new(d->state_dir, PUSH_POLICY_NAME ".name", name, strlen(name), tmp_name,
			      sizeof(tmp_name));
	if (r) {
		snprintf(why, sizeof(why), "cannot keep the policy in %s: %s", d->state_dir,
			 strerror(-r));
		reply_error(reply, why, NULL);
		daemon_unstage(d);
		goto out;
	}
	r = daemon_commit_policy(d);
	if (r) {
		snprintf(why, sizeof(why), "cannot install the policy: %s", strerror(-r));
		reply_error(reply, why, NULL);
		goto out;
	}
	g = daemon_current(d);
	/* An unsigned push leaves no signature of an older policy beside it. */
	if (!sig) {
		char old_sig[PATH_MAX];

		snprintf(old_sig, sizeof(old_sig), "%s/%s.sig", d->state_dir, PUSH_POLICY_NAME);
		unlink(old_sig);
	}
	r = rename_into(d->state_dir, tmp_policy, PUSH_POLICY_NAME);
	if (!r && sig)
		r = rename_into(d->state_dir, tmp_sig, PUSH_POLICY_NAME ".sig");
	if (!r)
		r = rename_into(d->state_dir, tmp_name, PUSH_POLICY_NAME ".name");
	if (!r && g->policy.version)
		r = push_store_version(d, g->policy.version);
	tmp_policy[0] = tmp_sig[0] = tmp_name[0] = 0;
	d->pushed = true;
	snprintf(d->pushed_name, sizeof(d->pushed_name), "%s", name);
	emb_hex(g->sha256, 32, hex);
	fprintf(stderr,
		"embargod: push from uid %u: generation %u in force (version %llu, sha256 "
		"%s%s%s)\n",
		cred->uid, g->id, (unsigned long long)g->policy.version, hex,
		g->signer[0] ? ", signed by " : "", g->signer);
	if (r)
		fprintf(stderr, "embargod: the pushed policy is in force but not kept in %s: %s\n",
			d->state_dir, strerror(-r));
	daemon_log_policy(d, "push", true, cred->uid, g->signer, NULL);
	if (kill_running || g->policy.running == EMB_RUNNING_KILL)
		killer_run(d, &killed, &kill_failed);

	json_begin(&j, reply);
	json_bool(&j, "ok", true);
	json_u64(&j, "generation", g->id);
	json_u64(&j, "version", g->policy.version);
	json_str(&j, "sha256", hex);
	json_u64(&j, "rules", written_rules(&g->policy));
	if (g->signer[0])
		json_str(&j, "signed_by", g->signer);
	if (r)
		json_str(&j, "warning", "in force, but not kept on disk: lost at restart");
	if (kill_running || g->policy.running == EMB_RUNNING_KILL) {
		json_u64(&j, "killed", killed);
		json_u64(&j, "kill_failed", kill_failed);
	}
	json_end(&j);
out:
	if (tmp_policy[0])
		unlink(tmp_policy);
	if (tmp_sig[0])
		unlink(tmp_sig);
	if (tmp_name[0])
		unlink(tmp_name);
	emb_diags_free(&diags);
	sb_free(&errors);
	free(buf);
	emb_push_header_free(&h);
}

void push_source_json(struct daemon *d, struct strbuf *out)
{
	struct generation *g = daemon_current(d);
	struct strbuf arr = { 0 };
	char kept[PATH_MAX + 32];
	struct json j;

	json_begin(&j, out);
	if (strcmp(g->source, "push")) {
		for (size_t i = 0; i < g->policy.n_files; i++)
			array_add(&arr, g->policy.files[i]);
		json_str(&j, "kind", "files");
		json_raw(&j, "files", arr.len ? (sb_putc(&arr, ']'), arr.buf) : "[]");
	} else {
		for (size_t i = 0; i < d->n_policy_paths; i++)
			array_add(&arr, d->policy_paths[i]);
		snprintf(kept, sizeof(kept), "%s/%s", d->state_dir, PUSH_POLICY_NAME);
		json_str(&j, "kind", "push");
		json_str(&j, "name", d->pushed_name);
		json_u64(&j, "version", g->policy.version);
		json_str(&j, "signed_by", g->signer);
		if (g->pushed_by >= 0)
			json_i64(&j, "pushed_by", g->pushed_by);
		json_str(&j, "kept", kept);
		/* What SIGHUP does not reload, and the way back to it. */
		json_raw(&j, "policy_paths", arr.len ? (sb_putc(&arr, ']'), arr.buf) : "[]");
		json_str(&j, "revert", "embargo push --revert");
	}
	json_end(&j);
	if (arr.oom)
		out->oom = true;
	sb_free(&arr);
}

/* Removes the pushed policy from the state directory, synced: a restart loads the files. */
static int forget_pushed(struct daemon *d)
{
	static const char *const names[] = { PUSH_POLICY_NAME, PUSH_POLICY_NAME ".sig",
					     PUSH_POLICY_NAME ".name" };
	char path[PATH_MAX];
	int dfd, r = 0;

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", d->state_dir, names[i]);
		if (unlink(path) < 0 && errno != ENOENT && !r)
			r = -errno;
	}
	dfd = open(d->state_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		if (fsync(dfd) < 0 && !r)
			r = -errno;
		close(dfd);
	}
	return r;
}

void push_revert(struct daemon *d, const char *args, const struct ucred *cred, struct strbuf *reply)
{
	char signer[128] = "", why[1024] = "", name[sizeof(d->pushed_name)];
	struct generation *g;
	struct json j;
	int r;

	if (daemon_check_token(d, "revert", "embargo push revert-token", args,
			       emb_revert_token_check, signer, sizeof(signer), why, sizeof(why)))
		goto refuse;
	if (!d->pushed) {
		snprintf(why, sizeof(why),
			 "revert: no pushed policy is in force: the --policy files are already");
		goto refuse;
	}
	/* Checked as at start (signatures, version, guardrails); the push stays on failure. */
	memcpy(name, d->pushed_name, sizeof(name));
	d->pushed = false;
	d->reverting = true;
	r = daemon_prepare_policy(d);
	d->reverting = false;
	if (!r)
		r = daemon_commit_policy(d);
	if (r) {
		d->pushed = true;
		memcpy(d->pushed_name, name, sizeof(name));
		snprintf(why, sizeof(why),
			 "revert: the --policy files were refused (%s; embargod's messages say "
			 "why); the pushed policy stays in force",
			 strerror(-r));
		daemon_log_policy(d, "revert", false, cred->uid, signer, why);
		goto refuse;
	}
	g = daemon_current(d);
	r = forget_pushed(d);
	fprintf(stderr,
		"embargod: revert by uid %u%s%s: the --policy files are in force again "
		"(generation %u); the push %s is forgotten\n",
		cred->uid, signer[0] ? ", token signed by " : "", signer, g->id, name);
	if (r)
		fprintf(stderr,
			"embargod: cannot remove the pushed policy from %s: %s (a restart would "
			"load it again)\n",
			d->state_dir, strerror(-r));
	daemon_log_policy(d, "revert", true, cred->uid, signer,
			  r ? "the pushed policy could not be removed from the state directory"
			    : NULL);
	json_begin(&j, reply);
	json_bool(&j, "ok", true);
	json_u64(&j, "generation", g->id);
	json_u64(&j, "version", g->policy.version);
	json_u64(&j, "rules", written_rules(&g->policy));
	{
		struct strbuf src = { 0 };

		push_source_json(d, &src);
		json_raw(&j, "source", src.buf && !src.oom ? src.buf : "{}");
		sb_free(&src);
	}
	if (r)
		json_str(&j, "warning",
			 "the pushed policy is still in the state directory: a "
			 "restart would load it again");
	json_end(&j);
	return;
refuse:
	fprintf(stderr, "embargod: revert from uid %u refused: %s\n", cred->uid, why);
	json_begin(&j, reply);
	json_str(&j, "error", why);
	json_end(&j);
}

/* RULE as a policy line, quoting the values that need it. */
static void rule_text(const struct emb_rule *rule, struct strbuf *sb)
{
	const char *v = rule->value;
	bool quote = strpbrk(v, " \t#\"\\") != NULL;

	sb_printf(sb, "%s %s %s=", emb_verdict_name(rule->verdict), emb_op_name(rule->op),
		  emb_matcher_name(rule->matcher));
	if (quote) {
		sb_putc(sb, '"');
		for (; *v; v++) {
			if (*v == '"' || *v == '\\')
				sb_putc(sb, '\\');
			sb_putc(sb, *v);
		}
		sb_putc(sb, '"');
	} else {
		sb_append(sb, v, strlen(v));
	}
	sb_printf(sb, " key=%s", rule->key);
}

void push_policy_show(struct daemon *d, struct strbuf *reply)
{
	struct generation *g = daemon_current(d);
	struct strbuf rules = { 0 }, files = { 0 }, source = { 0 };
	char loaded[48], hex[65];
	size_t shown = 0, total = 0;
	struct json j;

	if (!g->id) {
		reply_error(reply, "no policy in force", NULL);
		return;
	}
	emb_format_rfc3339(g->loaded_ns, loaded, sizeof(loaded));
	emb_hex(g->sha256, 32, hex);
	for (size_t i = 0; i < g->policy.n_files; i++)
		array_add(&files, g->policy.files[i]);
	if (!files.len)
		sb_putc(&files, '[');
	array_close(&files);
	if (files.len == 1)
		sb_putc(&files, ']');
	sb_putc(&rules, '[');
	for (size_t i = 0; i < g->policy.n_rules; i++) {
		const struct emb_rule *rule = &g->policy.rules[i];
		struct strbuf text = { 0 };
		char where[PATH_MAX + 16];
		struct json jr;

		if (rule->origin)
			continue;
		if (total++ >= SHOW_MAX_RULES)
			continue;
		if (shown++)
			sb_putc(&rules, ',');
		rule_text(rule, &text);
		snprintf(where, sizeof(where), "%s:%u", rule->file, rule->line);
		json_begin(&jr, &rules);
		json_str(&jr, "rule", where);
		json_str(&jr, "text", text.buf ? text.buf : "");
		json_end(&jr);
		sb_free(&text);
	}
	sb_putc(&rules, ']');

	json_begin(&j, reply);
	json_u64(&j, "generation", g->id);
	json_u64(&j, "version", g->policy.version);
	json_str(&j, "sha256", hex);
	json_str(&j, "loaded", loaded);
	json_str(&j, "source", g->source);
	if (g->source[0] == 'p')
		json_i64(&j, "pushed_by", g->pushed_by);
	push_source_json(d, &source);
	json_raw(&j, "source_detail", source.buf && !source.oom ? source.buf : "{}");
	json_str(&j, "signed_by", g->signer);
	json_str(&j, "mode", emb_mode_name(g->mode));
	json_str(&j, "running", emb_running_name(g->policy.running));
	json_raw(&j, "files", files.buf);
	json_u64(&j, "rules_total", total);
	json_raw(&j, "rules", rules.buf);
	json_end(&j);
	sb_free(&rules);
	sb_free(&files);
	sb_free(&source);
}
