// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <malloc.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/inotify.h>
#include <sys/timerfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <bpf/libbpf.h>
#include <openssl/evp.h>
#include <systemd/sd-daemon.h>

#include "control.h"
#include "checker.h"
#include "daemon.h"
#include "handover.h"
#include "paths.h"
#include "package.h"
#include "push.h"
#include "hash.h"
#include "event_log.h"
#include "logchain.h"
#include "json_read.h"
#include "unload_token.h"
#include "sandbox.h"
#include "control_parse.h"
#include "version.h"

static int64_t clock_ns(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

void daemon_init(struct daemon *d)
{
	memset(d, 0, sizeof(*d));
	d->log_fd = d->signal_fd = d->control_fd = d->inotify_fd = d->resolve_timer_fd = -1;
	d->log_lock_fd = d->state_lock_fd = d->enf.pin_lock_fd = -1;
	d->enf.rules_fd = -1;
	d->next_generation = 1;
	fanguard_init(&d->fanguard);
	/* Without inotify, rules for missing targets wait for the next reload. */
	d->inotify_fd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
	d->resolve_timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	d->started_ns = clock_ns(CLOCK_REALTIME);
	if (gethostname(d->hostname, sizeof(d->hostname) - 1) < 0)
		d->hostname[0] = 0;
}

struct generation *daemon_current(struct daemon *d)
{
	return &d->gens[d->cur];
}

static void generation_free(struct generation *g)
{
	emb_policy_free(&g->policy);
	emb_resolved_free(&g->resolved);
	memset(g, 0, sizeof(*g));
}

static struct generation *generation_find(struct daemon *d, uint32_t id)
{
	for (unsigned i = 0; i < DAEMON_GENERATIONS; i++)
		if (d->gens[i].id == id && id)
			return &d->gens[i];
	return NULL;
}

/*
 * A reload asked over the control socket gets the messages of its policy's checks too: while
 * one runs, say() copies them here, one a line.
 */
static struct strbuf *reload_report;

/* Prints a message of the policy's checks (stderr), and copies it to reload_report. */
static void __attribute__((format(printf, 1, 2))) say(const char *fmt, ...)
{
	char msg[4096 + 512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fputs(msg, stderr);
	if (reload_report)
		sb_puts(reload_report, msg);
}

static void print_diags(const struct emb_diags *diags)
{
	char line[4096 + 512];

	for (size_t i = 0; i < diags->n; i++) {
		emb_diag_format(&diags->v[i], line, sizeof(line));
		say("%s\n", line);
	}
	if (diags->dropped)
		say("embargod: ... and %zu more\n", diags->dropped);
}

/* What every source of a policy goes through once parsed: the checker embargo check runs. */
static int stage_finish(struct daemon *d, struct generation *g, struct emb_diags *diags)
{
	return emb_checker_prepare(&g->policy, d->dpkg_admin, d->mode_override, d->next_generation,
				   NULL, &g->mode, &g->resolved, diags);
}

int daemon_verify_signature(struct daemon *d, const char *what, const void *buf, size_t len,
			    const char *sig_text, char *signer, size_t signer_size, char *why,
			    size_t why_size)
{
	int r;

	if (!d->n_trusted)
		return 0;
	if (!sig_text) {
		snprintf(why, why_size, "%s: not signed (trusted keys are configured)", what);
		return -EPERM;
	}
	r = emb_trust_verify(&d->trust, buf, len, sig_text, signer, signer_size);
	if (r == -EBADMSG)
		snprintf(why, why_size, "%s: malformed signature", what);
	else if (r)
		snprintf(why, why_size, "%s: bad signature (no trusted key verifies it)", what);
	return r ? -EPERM : 0;
}

/*
 * The digest of the policy files as parsed (their bytes, in load order), and, with trusted
 * keys, each file's signature (FILE.sig).
 */
static int files_digest_and_verify(struct daemon *d, struct generation *g)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned int n = 0;
	int r = 0;

	if (!ctx || EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1) {
		EVP_MD_CTX_free(ctx);
		return -ENOMEM;
	}
	for (size_t i = 0; !r && i < g->policy.n_files; i++) {
		char *buf = NULL, *sig = NULL, sig_path[PATH_MAX], why[PATH_MAX + 128];
		size_t len = 0, sig_len = 0;

		r = sb_read_file(g->policy.files[i], EMB_POLICY_MAX_FILE_SIZE, &buf, &len);
		if (r) {
			say("embargod: %s: %s\n", g->policy.files[i], strerror(-r));
			break;
		}
		EVP_DigestUpdate(ctx, buf, len);
		if (d->n_trusted) {
			snprintf(sig_path, sizeof(sig_path), "%s.sig", g->policy.files[i]);
			if (sb_read_file(sig_path, EMB_POLICY_MAX_FILE_SIZE, &sig, &sig_len) < 0)
				sig = NULL;
			r = daemon_verify_signature(d, g->policy.files[i], buf, len, sig, g->signer,
						    sizeof(g->signer), why, sizeof(why));
			if (r)
				say("embargod: %s\n", why);
		}
		free(sig);
		free(buf);
	}
	if (!r && EVP_DigestFinal_ex(ctx, g->sha256, &n) != 1)
		r = -EIO;
	EVP_MD_CTX_free(ctx);
	return r;
}

int daemon_prepare_policy(struct daemon *d)
{
	struct generation *g = &d->staged;
	struct emb_diags diags = { 0 };
	struct strbuf why = { 0 };
	int r;

	generation_free(g);
	if (d->pushed) {
		/* The policy in force came from a push: it is reloaded from the state directory. */
		char *buf = NULL, *sig = NULL, path[PATH_MAX], msg[PATH_MAX + 128];
		size_t len = 0, sig_len = 0;

		snprintf(path, sizeof(path), "%s/%s", d->state_dir, PUSH_POLICY_NAME);
		r = sb_read_file(path, EMB_POLICY_MAX_FILE_SIZE, &buf, &len);
		if (!r) {
			snprintf(msg, sizeof(msg), "%s.sig", path);
			if (sb_read_file(msg, EMB_POLICY_MAX_FILE_SIZE, &sig, &sig_len) < 0)
				sig = NULL;
			r = daemon_verify_signature(d, path, buf, len, sig, g->signer,
						    sizeof(g->signer), msg, sizeof(msg));
			if (r)
				say("embargod: %s\n", msg);
		} else {
			say("embargod: %s: %s\n", path, strerror(-r));
		}
		if (!r)
			r = daemon_stage_text(d, d->pushed_name, buf, len, &diags);
		free(buf);
		free(sig);
	} else {
		r = emb_policy_load(&g->policy, d->policy_paths, d->n_policy_paths, &diags);
		if (!r)
			r = files_digest_and_verify(d, g);
		if (!r)
			r = stage_finish(d, g, &diags);
		snprintf(g->source, sizeof(g->source), "files");
	}
	print_diags(&diags);
	if (!r) {
		r = push_check_staged(d, d->force, true, false, &why, false);
		if (r)
			say("%s", why.buf ? why.buf : "");
	}
	if (r == -EPERM) {
		/* One line a reason. */
		size_t n = 0;

		for (size_t i = 0; i < why.len; i++)
			n += why.buf[i] == '\n';
		say("embargod: policy rejected (errors: %zu); nothing of it was applied\n",
		    n ? n : 1);
	} else if (r == -EINVAL) {
		say("embargod: policy rejected (errors: %zu); nothing of it was applied\n",
		    diags.n + diags.dropped);
	} else if (r) {
		say("embargod: cannot load the policy: %s\n", strerror(-r));
	}
	emb_diags_free(&diags);
	sb_free(&why);
	if (r) {
		generation_free(g);
		return r;
	}
	g->id = d->next_generation;
	return 0;
}

struct parse_job {
	struct generation *g;
	const char *name, *buf;
	size_t len;
	struct emb_diags *diags;
};

static int parse_confined(void *arg)
{
	struct parse_job *job = arg;
	int r = emb_policy_parse_buffer(&job->g->policy, job->name, job->buf, job->len, job->diags);

	return r ? r : emb_policy_check(&job->g->policy, job->diags);
}

int daemon_stage_text(struct daemon *d, const char *name, const char *buf, size_t len,
		      struct emb_diags *diags)
{
	struct generation *g = &d->staged;
	char signer[sizeof(g->signer)];
	int r;

	/* The signature was checked by the caller, on these bytes. */
	memcpy(signer, g->signer, sizeof(signer));
	generation_free(g);
	memcpy(g->signer, signer, sizeof(signer));
	struct parse_job job = { g, name, buf, len, diags };

	/* Bytes from a client: parsed where they can do nothing but use memory. */
	r = sandbox_run_confined(parse_confined, &job);
	if (!r)
		r = emb_sha256_buffer(buf, len, g->sha256);
	if (!r)
		r = stage_finish(d, g, diags);
	snprintf(g->source, sizeof(g->source), "push");
	if (r)
		generation_free(g);
	else
		g->id = d->next_generation;
	return r;
}

void daemon_unstage(struct daemon *d)
{
	generation_free(&d->staged);
}

/*
 * Rules whose target does not exist yet are watched at their nearest existing ancestor, so the
 * rule takes effect as soon as the target appears (an installer creating /opt/vendor, say).
 */
/* Cuts PATH's last component in place ("/a/b" -> "/a", "/a" -> "/"); false without a '/'. */
static bool cut_to_parent(char *path)
{
	char *slash = strrchr(path, '/');

	if (!slash)
		return false;
	slash[slash == path] = 0;
	return true;
}

/* The nearest existing directory above PATH, into DIR. */
static void nearest_existing_dir(const char *path, char *dir, size_t size)
{
	struct stat st;

	snprintf(dir, size, "%s", path);
	while (cut_to_parent(dir) && (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode)))
		;
}

static void reresolve_until_settled(struct daemon *d);
static void flush_batch(struct daemon *d);

static int int_cmp(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return x < y ? -1 : x > y;
}

/*
 * Watches the directory above each rule's target (the nearest existing one, for a target that
 * does not exist yet): a name that appears there, by creation or by a rename over it, may be
 * a pending target arriving or a target being replaced by a new file (an upgrade), and the
 * policy is resolved again. Returns true when a pending target appeared while the watches
 * were being set up: its event may have been missed, so the caller resolves again now.
 */
static bool watch_targets(struct daemon *d)
{
	struct generation *g = daemon_current(d);
	char dir[PATH_MAX], again[PATH_MAX], parent[PATH_MAX] = "", last_parent[PATH_MAX] = "";
	int *watches = NULL, wd = -1;
	size_t n = 0, next_pending = 0;
	bool moved = false, full = false;

	if (d->inotify_fd < 0)
		return false;
	if (g->policy.n_rules) {
		watches = calloc(g->policy.n_rules, sizeof(*watches));
		if (!watches)
			fprintf(stderr, "embargod: out of memory: missing or replaced targets are "
					"resolved at the next reload only\n");
	}
	for (size_t i = 0; watches && i < g->policy.n_rules; i++) {
		const struct emb_rule *rule = &g->policy.rules[i];
		bool pending = next_pending < g->resolved.n_pending &&
			       g->resolved.pending[next_pending] == i;

		next_pending += pending;
		if (rule->matcher != EMB_MATCH_PATH && rule->matcher != EMB_MATCH_DIR)
			continue; /* not a name: nothing to watch */
		/* Rules of one directory usually follow each other: one watch serves them all. */
		snprintf(parent, sizeof(parent), "%s", rule->value);
		cut_to_parent(parent);
		if (pending || strcmp(parent, last_parent)) {
			/* Adding a directory watched already returns its watch: nothing is lost. */
			nearest_existing_dir(rule->value, dir, sizeof(dir));
			wd = inotify_add_watch(d->inotify_fd, dir,
					       IN_CREATE | IN_MOVED_TO | IN_ONLYDIR);
			if (wd >= 0)
				watches[n++] = wd;
			else if (errno != ENOSPC)
				fprintf(stderr, "embargod: cannot watch %s for %s:%u: %s\n", dir,
					rule->file, rule->line, strerror(errno));
			else
				full = true;
			/* A pending target's watch may be on a directory further up: not reused. */
			if (pending || wd < 0)
				last_parent[0] = 0;
			else
				memcpy(last_parent, parent, sizeof(last_parent));
		}
		if (!pending)
			continue;
		/* Created (or its parent was) before the watch was in place: no event will come. */
		nearest_existing_dir(rule->value, again, sizeof(again));
		moved |= strcmp(dir, again) != 0 || access(rule->value, F_OK) == 0;
	}
	if (full)
		fprintf(stderr, "embargod: out of inotify watches (fs.inotify.max_user_watches): "
				"some targets are resolved at the next reload only\n");
	/* Then drop the watches no rule needs any more (both lists sorted, without repeats). */
	if (watches && n) {
		size_t k = 1;

		qsort(watches, n, sizeof(*watches), int_cmp);
		for (size_t i = 1; i < n; i++)
			if (watches[i] != watches[k - 1])
				watches[k++] = watches[i];
		n = k;
	}
	for (size_t i = 0; i < d->n_watches; i++)
		if (!watches || !bsearch(&d->watches[i], watches, n, sizeof(*watches), int_cmp))
			inotify_rm_watch(d->inotify_fd, d->watches[i]);
	free(d->watches);
	d->watches = watches;
	d->n_watches = n;
	return moved;
}

static void report_generation(const struct generation *g, const char *what)
{
	fprintf(stderr,
		"embargod: %s policy generation %u: %zu rules, %zu inodes, %zu pending, mode %s\n",
		what, g->id, g->policy.n_rules, g->resolved.n_entries, g->resolved.n_pending,
		emb_mode_name(g->mode));
	if (g->resolved.n_unpinned)
		fprintf(stderr,
			"embargod: out of descriptors (RLIMIT_NOFILE): %zu targets are not "
			"held open; were one deleted, its inode number could be reused\n",
			g->resolved.n_unpinned);
	for (size_t i = 0; i < g->resolved.n_pending; i++) {
		const struct emb_rule *rule = &g->policy.rules[g->resolved.pending[i]];

		fprintf(stderr, "embargod: %s:%u: '%s' does not exist (yet); watching for it\n",
			rule->file, rule->line, rule->value);
	}
}

int daemon_commit_policy(struct daemon *d)
{
	struct generation *g = &d->staged, *prev = daemon_current(d);
	unsigned slot = (d->cur + 1) % DAEMON_GENERATIONS;
	int r = 0;

	if (prev->id)
		r = emb_resolved_retain(&g->resolved, &g->policy, g->mode, g->id, &prev->resolved,
					&prev->policy);
	if (!r)
		r = enforcer_install(&d->enf, &g->resolved, g->id);
	if (r) {
		say("embargod: cannot install policy generation %u: %s\n", g->id, strerror(-r));
		generation_free(g);
		return r;
	}
	g->loaded_ns = clock_ns(CLOCK_REALTIME);
	if (d->gens[d->cur].id == 0)
		slot = d->cur;
	generation_free(&d->gens[slot]);
	d->gens[slot] = *g;
	memset(g, 0, sizeof(*g));
	d->cur = slot;
	/* Before the previous rules are freed: fanotify's thread decides by them until then. */
	fanguard_apply(&d->fanguard, &d->gens[slot].resolved, &d->gens[slot].policy);
	/* Older generations only name rules for late events; their inodes are no longer held. */
	for (unsigned i = 0; i < DAEMON_GENERATIONS; i++)
		if (i != slot)
			emb_resolved_free(&d->gens[i].resolved);
	/* What parsing and resolving used and freed goes back to the system. */
	malloc_trim(0);
	d->next_generation++;
	report_generation(&d->gens[slot], "installed");
	if (watch_targets(d))
		reresolve_until_settled(d);
	return 0;
}

/* The --policy paths as one line: "a.policy, /etc/embargo/policy.d". */
static void policy_paths_text(const struct daemon *d, char *buf, size_t size)
{
	size_t len = 0;

	buf[0] = 0;
	for (size_t i = 0; i < d->n_policy_paths && len < size; i++)
		len += (size_t)snprintf(buf + len, size - len, "%s%s", i ? ", " : "",
					d->policy_paths[i]);
}

int daemon_reload(struct daemon *d, struct strbuf *report)
{
	uint32_t in_force = daemon_current(d)->id;
	char paths[1024], note[1536] = "";
	int r;

	sd_notifyf(0, "RELOADING=1\nMONOTONIC_USEC=%llu\nSTATUS=Reloading the policy",
		   (unsigned long long)(clock_ns(CLOCK_MONOTONIC) / 1000));
	reload_report = report;
	policy_paths_text(d, paths, sizeof(paths));
	if (d->pushed) {
		/* Said every time: edits to the files do nothing while a push is in force. */
		snprintf(note, sizeof(note),
			 "a pushed policy is in force: the --policy files (%s) were NOT reloaded; "
			 "'embargo push --revert' goes back to them",
			 paths);
		fprintf(stderr, "embargod: reload: reloading the pushed policy %s/%s; %s\n",
			d->state_dir, PUSH_POLICY_NAME, note);
	} else {
		fprintf(stderr, "embargod: reload: reloading the --policy files (%s)\n", paths);
	}
	r = daemon_prepare_policy(d);
	if (!r)
		r = daemon_commit_policy(d);
	if (r)
		say("embargod: reload refused; generation %u stays in force\n", in_force);
	reload_report = NULL;
	daemon_log_policy(d, "reload", !r, -1, "", note[0] ? note : NULL);
	flush_batch(d);
	daemon_notify_ready(d, r ? "the last reload was refused" : NULL);
	return r;
}

void daemon_notify_ready(struct daemon *d, const char *note)
{
	struct generation *g = daemon_current(d);

	sd_notifyf(0,
		   "READY=1\nSTATUS=Policy generation %u in force: %zu rules, mode %s, tier %s%s%s",
		   g->id, g->policy.n_rules, emb_mode_name(g->mode), emb_tier_name(d->enf.tier),
		   note ? "; " : "", note ? note : "");
}

static bool resolved_same(const struct emb_resolved *a, const struct emb_resolved *b)
{
	return a->n_entries == b->n_entries && a->n_pending == b->n_pending &&
	       !memcmp(a->entries, b->entries, a->n_entries * sizeof(*a->entries)) &&
	       !memcmp(a->pending, b->pending, a->n_pending * sizeof(*a->pending));
}

/* Resolves the generation in force again; returns true when it should be done once more. */
static bool reresolve_in_force(struct daemon *d)
{
	struct generation *g = daemon_current(d);
	struct emb_resolved fresh = { 0 };
	struct emb_diags diags = { 0 };
	int r;

	/* Names only: the walk of dir= trees for hardlinks is for reloads; retain keeps its finds. */
	r = emb_policy_resolve_flags(&g->policy, g->mode, g->id, 0, &fresh, &diags);
	print_diags(&diags);
	emb_diags_free(&diags);
	if (!r)
		r = emb_resolved_retain(&fresh, &g->policy, g->mode, g->id, &g->resolved,
					&g->policy);
	if (r) {
		emb_resolved_free(&fresh);
		return false;
	}
	if (resolved_same(&fresh, &g->resolved)) {
		/* The kernel has these entries already; FRESH holds the descriptors now. */
		emb_resolved_free(&g->resolved);
		g->resolved = fresh;
		return watch_targets(d);
	}
	r = enforcer_install(&d->enf, &fresh, g->id);
	if (r) {
		fprintf(stderr, "embargod: cannot install re-resolved rules: %s\n", strerror(-r));
		emb_resolved_free(&fresh);
		return false;
	}
	emb_resolved_free(&g->resolved);
	g->resolved = fresh;
	fanguard_apply(&d->fanguard, &g->resolved, &g->policy);
	report_generation(g, "re-resolved");
	return watch_targets(d);
}

/* Resolves again until no watched directory moved under us while the watches were set. */
static void reresolve_until_settled(struct daemon *d)
{
	for (int round = 0; round < 16 && reresolve_in_force(d); round++)
		;
}

void daemon_targets_changed(struct daemon *d)
{
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	struct itimerspec soon = { .it_value.tv_nsec = DAEMON_RESOLVE_DELAY_MS * 1000000L };
	bool changed = false;
	ssize_t n;

	/* Removing a watch queues IN_IGNORED: that is our own doing, not a change. */
	while ((n = read(d->inotify_fd, buf, sizeof(buf))) > 0) {
		for (char *p = buf; p < buf + n;) {
			const struct inotify_event *ev = (const struct inotify_event *)p;

			changed |= !(ev->mask & IN_IGNORED);
			p += sizeof(*ev) + ev->len;
		}
	}
	if (!changed)
		return;
	/* A package manager changes many names at once: resolve once, a moment after the first. */
	if (d->resolve_timer_fd < 0 || timerfd_settime(d->resolve_timer_fd, 0, &soon, NULL) < 0)
		reresolve_until_settled(d);
}

void daemon_resolve_timer(struct daemon *d)
{
	uint64_t expirations;

	if (read(d->resolve_timer_fd, &expirations, sizeof(expirations)) == sizeof(expirations))
		reresolve_until_settled(d);
}

/*
 * Takes up the log's hash chain where the file on disk ends, and queues the "chain" record
 * that says how this stretch begins: "new", or "restart" (with what was wrong with the tail),
 * or "rotated". Everything between the last record before and this one is a gap: embargod was
 * not running (or could not write), and with it enforcement was off.
 */
static int chain_resume(struct daemon *d, const char *reason_if_any)
{
	const char *reason = reason_if_any, *broken = NULL;
	char why[256];
	int r = emb_chain_resume(d->log_path, &d->chain, why, sizeof(why));

	if (r == -EBADMSG) {
		/* A torn last line (a crash mid-write): end it, so the next record stands alone. */
		sb_putc(&d->pending, '\n');
		d->pending_raw = true;
		broken = "torn";
	} else if (r == -ENOMSG) {
		broken = "unsealed";
	} else if (r == -EMEDIUMTYPE) {
		fprintf(stderr, "embargod: %s: refusing to write the log there: %s\n", d->log_path,
			why);
		return r;
	} else if (r < 0) {
		fprintf(stderr, "embargod: cannot continue the log's hash chain: %s\n", why);
		return r;
	}
	if (!reason)
		reason = r == EMB_CHAIN_FRESH ? "new" : "restart";
	d->chain_reason = reason;
	d->chain_broken = broken;
	d->chain_record_due = true;
	return 0;
}

int daemon_open_log(struct daemon *d)
{
	struct stat st;
	int r = paths_make_parents(d->log_path, "the log", (gid_t)-1);

	if (!r)
		r = paths_claim_log(d);
	if (r)
		return r;
	d->log_fd = open(d->log_path, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0640);
	r = d->log_fd < 0 ? -errno : 0;
	if (r) {
		fprintf(stderr, "embargod: cannot open the log %s: %s\n", d->log_path,
			strerror(-r));
		return r;
	}
	snprintf(d->anchor_path, sizeof(d->anchor_path), "%s.anchor", d->log_path);
	d->log_size = fstat(d->log_fd, &st) == 0 ? (uint64_t)st.st_size : 0;
	return chain_resume(d, NULL);
}

void daemon_log_event(struct daemon *d, const struct emb_event *e, size_t len)
{
	struct emb_event_ctx ectx = { 0 };
	struct generation *g;
	char rule[PATH_MAX + 16], policy_hex[65];
	size_t start;

	if (emb_event_check(e, len)) {
		d->events_malformed++;
		return;
	}
	g = e->type == EMB_EVENT_TAMPER ? NULL : generation_find(d, e->generation);
	if (e->type == EMB_EVENT_TAMPER) {
		ectx.key = "embargo:tamper";
	} else if (e->rule_id == UINT32_MAX) {
		ectx.key = "embargo:too-deep";
	} else if (g && e->rule_id < g->policy.n_rules) {
		const struct emb_rule *r = &g->policy.rules[e->rule_id];

		ectx.key = r->key;
		snprintf(rule, sizeof(rule), "%s:%u", r->file, r->line);
		ectx.rule = rule;
	} else {
		ectx.key = "embargo:unknown-generation";
	}
	if (g) {
		emb_hex(g->sha256, sizeof(g->sha256), policy_hex);
		ectx.policy_sha256 = policy_hex;
		ectx.policy_version = g->policy.version;
	}
	ectx.realtime_offset_ns = clock_ns(CLOCK_REALTIME) - clock_ns(CLOCK_BOOTTIME);
	ectx.host = d->hostname[0] ? d->hostname : NULL;
	start = d->batch.len;
	emb_event_format(&d->batch, e, &ectx);
	sinks_event(&d->sinks, e, &ectx, d->batch.oom ? NULL : d->batch.buf + start);
	sb_putc(&d->batch, '\n');
	d->events_in_batch++;
}

static int on_event(void *ctx, void *data, size_t len)
{
	struct daemon *d = ctx;
	const struct emb_event *e = data;

	if (len >= offsetof(struct emb_event, path) && e->type == EMB_EVENT_HOLD)
		fanguard_hold(&d->fanguard, e);
	else
		daemon_log_event(d, e, len);
	return 0;
}

static uint64_t count_lines(const char *s, size_t len)
{
	uint64_t n = 0;

	for (size_t i = 0; i < len; i++)
		n += s[i] == '\n';
	return n;
}

/*
 * Size-based rotation: LOG becomes LOG.1 (LOG.1 becomes LOG.2, ..., the oldest beyond
 * log_keep is removed) and a fresh LOG continues the hash chain with a "rotated" record.
 */
static int rotate_log(struct daemon *d)
{
	char from[PATH_MAX + 16], to[PATH_MAX + 16];
	int fd;

	if (fdatasync(d->log_fd) < 0)
		return -errno;
	/* Each name given up is a rotated log (checked at start, and again now). */
	for (unsigned i = 1; i <= d->log_keep; i++) {
		char why[256];

		snprintf(to, sizeof(to), "%s.%u", d->log_path, i);
		if (paths_rotated_log_check(to, why, sizeof(why))) {
			fprintf(stderr, "embargod: %s: %s\n", to, why);
			return -EEXIST;
		}
	}
	for (unsigned i = d->log_keep; i >= 1; i--) {
		snprintf(from, sizeof(from), "%s.%u", d->log_path, i);
		if (i == d->log_keep) {
			unlink(from);
			continue;
		}
		snprintf(to, sizeof(to), "%s.%u", d->log_path, i + 1);
		if (rename(from, to) < 0 && errno != ENOENT)
			return -errno;
	}
	snprintf(to, sizeof(to), "%s.1", d->log_path);
	if (rename(d->log_path, to) < 0)
		return -errno;
	fd = open(d->log_path, O_WRONLY | O_APPEND | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
	if (fd < 0)
		return -errno;
	close(d->log_fd);
	d->log_fd = fd;
	/* The new file is protected as the old one was (its inode is another). */
	if (d->protect)
		enforcer_guard_file(&d->enf, d->log_path);
	d->log_size = 0;
	d->rotations++;
	{
		const char *base = strrchr(d->log_path, '/');

		snprintf(d->rotated_name, sizeof(d->rotated_name), "%s.1",
			 base ? base + 1 : d->log_path);
	}
	d->chain_reason = "rotated";
	d->chain_broken = NULL;
	d->chain_record_due = true;
	return 0;
}

static int write_all(int fd, const char *buf, size_t len, size_t *done)
{
	*done = 0;
	while (*done < len) {
		ssize_t n = write(fd, buf + *done, len - *done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? errno : EIO;
		*done += (size_t)n;
	}
	return 0;
}

/*
 * Writes the batch and syncs it: an event is counted as written only once it is on disk.
 * Each line is sealed into the hash chain here, as it is written; after the sync the anchor
 * names the last record on disk. When the write fails, the chain is taken up again from what
 * the file holds, and the next batch starts with a "restart" record.
 */
static void flush_batch(struct daemon *d)
{
	struct emb_chain saved = d->chain;
	struct strbuf out = { 0 };
	size_t done = 0, lines = 0;
	int err = 0;

	if (!d->batch.len && !d->chain_record_due)
		return;
	/*
	 * Not while a "restart" or "new" record waits to be written: it must open its stretch in
	 * the file the stretch before it ended in, not give way to a "rotated" one.
	 */
	if (d->log_max_size && !d->chain_record_due &&
	    d->log_size + d->batch.len > d->log_max_size && d->log_size > 0) {
		int r = rotate_log(d);

		if (r)
			fprintf(stderr, "embargod: cannot rotate %s: %s\n", d->log_path,
				strerror(-r));
	}
	if (d->pending_raw) {
		sb_append(&out, d->pending.buf, d->pending.len);
		d->pending_raw = false;
	}
	sb_free(&d->pending);
	if (d->chain_record_due) {
		size_t start = out.len;
		struct timespec now;

		clock_gettime(CLOCK_REALTIME, &now);
		emb_chain_start_record(&out, d->chain_reason,
				       !strcmp(d->chain_reason, "rotated") ? d->rotated_name : NULL,
				       (int64_t)now.tv_sec * 1000000000 + now.tv_nsec,
				       d->chain_broken);
		if (d->hostname[0] && out.len > start && out.buf[out.len - 1] == '}') {
			/* Say where: the machine, for logs gathered from many. */
			out.len--;
			sb_printf(&out, ",\"host\":");
			json_quote(&out, d->hostname, strlen(d->hostname));
			sb_putc(&out, '}');
		}
		err = emb_chain_seal_at(&d->chain, &out, start) < 0 ? EIO : 0;
		sb_putc(&out, '\n');
	}
	/* Seal each line of the batch into the chain. */
	for (size_t off = 0; !err && off < d->batch.len;) {
		const char *nl = memchr(d->batch.buf + off, '\n', d->batch.len - off);
		size_t len = nl ? (size_t)(nl - (d->batch.buf + off)) : d->batch.len - off;
		size_t start = out.len;

		sb_append(&out, d->batch.buf + off, len);
		if (emb_chain_seal_at(&d->chain, &out, start) < 0)
			err = EIO;
		sb_putc(&out, '\n');
		lines++;
		off += len + 1;
	}
	if (out.oom || d->batch.oom)
		err = ENOMEM;
	if (!err)
		err = write_all(d->log_fd, out.buf, out.len, &done);
	if (!err && fdatasync(d->log_fd) < 0)
		err = errno;
	d->log_size += done;
	if (err) {
		uint64_t lost = d->batch.oom ? d->events_in_batch
					     : count_lines(out.buf + done, out.len - done);

		if (lost > d->events_in_batch)
			lost = d->events_in_batch;
		d->events_lost += lost;
		d->events_written += d->events_in_batch - lost;
		if (err != d->last_write_errno)
			fprintf(stderr, "embargod: writing %s: %s; %llu events lost so far\n",
				d->log_path, strerror(err), (unsigned long long)d->events_lost);
		d->last_write_errno = err;
		/* Whatever reached the file is the chain now; the next batch says so. */
		d->chain = saved;
		chain_resume(d, "restart");
	} else {
		d->events_written += d->events_in_batch;
		d->last_write_errno = 0;
		d->chain_record_due = false;
		if (emb_chain_anchor_write(d->anchor_path, &d->chain) < 0 && !d->anchor_failed) {
			fprintf(stderr, "embargod: cannot write %s: %s\n", d->anchor_path,
				strerror(errno));
			d->anchor_failed = true;
		}
	}
	(void)lines;
	d->events_in_batch = 0;
	sb_free(&d->batch);
	sb_free(&out);
}

int daemon_start_events(struct daemon *d)
{
	d->rb = ring_buffer__new(enforcer_events_map_fd(&d->enf), on_event, d, NULL);
	if (!d->rb) {
		int r = -errno;

		fprintf(stderr, "embargod: cannot open the event ring buffer: %s\n", strerror(-r));
		return r;
	}
	return 0;
}

/* How often the kernel's drop counters are read for drop records. */
#define DROP_CHECK_NS (200 * 1000000LL)

/*
 * Events the kernel could not queue (ring buffer full, no scratch slot) are counted per CPU;
 * when the count grows, the log gets a record of its own saying how many were lost, so that
 * events logged + drops recorded = decisions made.
 */
static void check_drops(struct daemon *d, bool now)
{
	uint64_t counters[EMB_CNT_MAX] = { 0 }, total;
	int64_t t = clock_ns(CLOCK_MONOTONIC);
	char time[48];
	struct json j;

	if (!d->enf.skel || (!now && t - d->drops_checked_ns < DROP_CHECK_NS))
		return;
	d->drops_checked_ns = t;
	if (enforcer_counters(&d->enf, counters))
		return;
	total = counters[EMB_CNT_RINGBUF_FULL] + counters[EMB_CNT_SCRATCH_BUSY];
	if (total == d->drops_logged)
		return;
	emb_format_rfc3339(clock_ns(CLOCK_REALTIME), time, sizeof(time));
	json_begin(&j, &d->batch);
	json_str(&j, "time", time);
	json_str(&j, "event", "drop");
	json_u64(&j, "count", total - d->drops_logged);
	json_u64(&j, "total", total);
	json_u64(&j, "ringbuf_full", counters[EMB_CNT_RINGBUF_FULL]);
	json_u64(&j, "scratch_busy", counters[EMB_CNT_SCRATCH_BUSY]);
	if (d->hostname[0])
		json_str(&j, "host", d->hostname);
	json_end(&j);
	sb_putc(&d->batch, '\n');
	d->events_in_batch++;
	d->drops_logged = total;
}

int daemon_protect(struct daemon *d)
{
	struct generation *g = daemon_current(d);
	char pushed[PATH_MAX];
	int r;

	if (d->enf.tier != EMB_TIER_LSM) {
		fprintf(stderr,
			"embargod: --protect needs the lsm tier: tamper protection is off\n");
		return 0;
	}
	r = enforcer_guard_enable(&d->enf);
	if (r)
		return r;
	for (size_t i = 0; i < g->policy.n_files; i++)
		enforcer_guard_file(&d->enf, g->policy.files[i]);
	for (size_t i = 0; i < d->n_trusted_paths; i++)
		enforcer_guard_file(&d->enf, d->trusted_paths[i]);
	enforcer_guard_file(&d->enf, d->log_path);
	snprintf(pushed, sizeof(pushed), "%s/%s", d->state_dir, PUSH_POLICY_NAME);
	enforcer_guard_file(&d->enf, pushed);
	fprintf(stderr, "embargod: tamper protection is on\n");
	return 0;
}

void daemon_took_over(struct daemon *d)
{
	uint64_t counters[EMB_CNT_MAX] = { 0 };
	uint32_t in_force = enforcer_generation_in_force(&d->enf);
	struct generation *g = &d->staged;
	char time[48];
	struct json j;

	/*
	 * Events still in the shared ring buffer name the earlier embargod's generations: this
	 * one's continue above them, so that no number means two policies.
	 */
	if (in_force >= d->next_generation) {
		d->next_generation = in_force + 1;
		if (g->id) {
			g->id = d->next_generation;
			for (size_t i = 0; i < g->resolved.n_entries; i++)
				g->resolved.entries[i].value.generation = g->id;
		}
	}
	/* Drops the earlier embargod saw are its to have logged; the total is said here. */
	enforcer_counters(&d->enf, counters);
	d->drops_logged = counters[EMB_CNT_RINGBUF_FULL] + counters[EMB_CNT_SCRATCH_BUSY];
	emb_format_rfc3339(clock_ns(CLOCK_REALTIME), time, sizeof(time));
	json_begin(&j, &d->batch);
	json_str(&j, "time", time);
	json_str(&j, "event", "takeover");
	json_str(&j, "pin_dir", d->enf.pin_dir);
	json_u64(&j, "generation_in_force", in_force);
	json_u64(&j, "maps_shared", d->enf.n_maps_reused);
	json_u64(&j, "drops_total", d->drops_logged);
	if (d->hostname[0])
		json_str(&j, "host", d->hostname);
	json_end(&j);
	sb_putc(&d->batch, '\n');
	d->events_in_batch++;
}

/* The policy in force and the tier, as the start record and the reload reply say them. */
static void policy_fields(struct daemon *d, struct json *j)
{
	struct generation *g = daemon_current(d);
	char policy_hex[65];

	emb_hex(g->sha256, sizeof(g->sha256), policy_hex);
	json_str(j, "tier", emb_tier_name(d->enf.tier));
	json_str(j, "mode", emb_mode_name(g->mode));
	json_u64(j, "generation", g->id);
	json_u64(j, "rules", g->policy.n_rules);
	json_u64(j, "policy_version", g->policy.version);
	json_str(j, "policy_sha256", policy_hex);
	json_str(j, "policy_source", g->source);
}

void daemon_log_start(struct daemon *d)
{
	char time[48];
	struct json j;

	/* The chain record (and a takeover's) first, so that times go up line by line. */
	flush_batch(d);
	emb_format_rfc3339(clock_ns(CLOCK_REALTIME), time, sizeof(time));
	json_begin(&j, &d->batch);
	json_str(&j, "time", time);
	json_str(&j, "event", "start");
	json_str(&j, "version", EMB_VERSION);
	json_u64(&j, "pid", (uint64_t)getpid());
	policy_fields(d, &j);
	json_str(&j, "pin_dir", d->enf.pin_dir);
	json_bool(&j, "took_over", d->enf.adopted);
	if (d->hostname[0])
		json_str(&j, "host", d->hostname);
	json_end(&j);
	sb_putc(&d->batch, '\n');
	d->events_in_batch++;
	flush_batch(d);
}

void daemon_log_stop(struct daemon *d, const char *reason)
{
	/* Unloaded, or never pinned: the links close with this process. */
	bool continues = !d->unloaded && d->enf.pin_dir[0];
	char time[48];
	struct json j;

	if (d->log_fd < 0)
		return;
	emb_format_rfc3339(clock_ns(CLOCK_REALTIME), time, sizeof(time));
	json_begin(&j, &d->batch);
	json_str(&j, "time", time);
	json_str(&j, "event", "stop");
	json_str(&j, "version", EMB_VERSION);
	json_u64(&j, "pid", (uint64_t)getpid());
	json_str(&j, "reason", reason);
	json_str(&j, "enforcement", continues ? "continues" : "off");
	if (continues)
		json_str(&j, "pin_dir", d->enf.pin_dir);
	json_u64(&j, "events_written", d->events_written);
	if (d->hostname[0])
		json_str(&j, "host", d->hostname);
	json_end(&j);
	sb_putc(&d->batch, '\n');
	d->events_in_batch++;
	flush_batch(d);
}

void daemon_log_policy(struct daemon *d, const char *action, bool ok, long long uid,
		       const char *signer, const char *note)
{
	struct generation *g = daemon_current(d);
	struct strbuf source = { 0 };
	char time[48], hex[65];
	struct json j;

	push_source_json(d, &source);
	emb_hex(g->sha256, sizeof(g->sha256), hex);
	emb_format_rfc3339(clock_ns(CLOCK_REALTIME), time, sizeof(time));
	json_begin(&j, &d->batch);
	json_str(&j, "time", time);
	json_str(&j, "event", "policy");
	json_str(&j, "action", action);
	json_bool(&j, "ok", ok);
	json_u64(&j, "generation", g->id);
	json_u64(&j, "policy_version", g->policy.version);
	json_str(&j, "policy_sha256", hex);
	json_raw(&j, "source", source.buf && !source.oom ? source.buf : "{}");
	if (uid >= 0)
		json_u64(&j, "uid", (uint64_t)uid);
	if (signer && signer[0])
		json_str(&j, "signer", signer);
	if (note)
		json_str(&j, "note", note);
	if (d->hostname[0])
		json_str(&j, "host", d->hostname);
	json_end(&j);
	sb_putc(&d->batch, '\n');
	d->events_in_batch++;
	sb_free(&source);
}

void daemon_drain_events(struct daemon *d)
{
	if (!d->rb)
		return;
	ring_buffer__consume(d->rb);
	check_drops(d, false);
	flush_batch(d);
}

void daemon_final_drain(struct daemon *d)
{
	/* The answering thread's last decisions are logged with the rest. */
	fanguard_stop(&d->fanguard);
	fanguard_handle(&d->fanguard);
	if (!d->rb)
		return;
	ring_buffer__consume(d->rb);
	check_drops(d, true);
	flush_batch(d);
}

int daemon_control_listen(struct daemon *d)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	char *reply = NULL;
	int fd, r;

	if (strlen(d->control_path) >= sizeof(addr.sun_path)) {
		fprintf(stderr, "embargod: control socket path too long: %s\n", d->control_path);
		return -ENAMETOOLONG;
	}
	/* A socket that answers belongs to a running embargod: never take it over. */
	r = emb_control_request(d->control_path, "ping", &reply);
	free(reply);
	if (r == 0 || r == -ETIMEDOUT) {
		fprintf(stderr, "embargod: another embargod is listening on %s\n", d->control_path);
		return -EADDRINUSE;
	}
	r = paths_make_parents(d->control_path, "the control socket",
			       d->have_admin_group ? d->admin_gid : (gid_t)-1);
	if (!r)
		r = paths_control_check(d->control_path);
	if (r)
		return r;
	unlink(d->control_path);
	strcpy(addr.sun_path, d->control_path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0 ||
	    (d->have_admin_group && chown(d->control_path, 0, d->admin_gid) < 0) ||
	    chmod(d->control_path, d->have_admin_group ? 0660 : 0600) < 0 || listen(fd, 16) < 0) {
		r = -errno;
		fprintf(stderr, "embargod: control socket %s: %s\n", d->control_path, strerror(-r));
		if (fd >= 0)
			close(fd);
		return r;
	}
	d->control_fd = fd;
	return 0;
}

#define STATUS_MAX_PENDING 100

static void check_drops(struct daemon *d, bool now);

static void status_reply(struct daemon *d, struct strbuf *sb)
{
	static const char *const counter_names[EMB_CNT_MAX] = {
		[EMB_CNT_EXEC_SEEN] = "exec_seen",
		[EMB_CNT_DENIED] = "denied",
		[EMB_CNT_AUDITED] = "audited",
		[EMB_CNT_EVENTS] = "events_sent",
		[EMB_CNT_RINGBUF_FULL] = "ringbuf_full",
		[EMB_CNT_SIGNAL_FAILED] = "signal_failed",
		[EMB_CNT_TOO_DEEP] = "too_deep",
		[EMB_CNT_NO_POLICY] = "no_policy",
		[EMB_CNT_SCRATCH_BUSY] = "scratch_busy",
		[EMB_CNT_HASHED] = "hashed",
		[EMB_CNT_HASH_CACHED] = "hash_cached",
		[EMB_CNT_HASH_FAILED] = "hash_failed",
		[EMB_CNT_NO_DIGEST] = "no_digest",
		[EMB_CNT_OPEN_DENIED] = "open_denied",
		[EMB_CNT_HELD] = "held",
		[EMB_CNT_TAMPER] = "tamper_refused",
	};
	struct generation *g = daemon_current(d);
	uint64_t counters[EMB_CNT_MAX] = { 0 };
	struct strbuf files = { 0 }, cnt = { 0 }, pending = { 0 }, source = { 0 };
	char started[48], loaded[48], policy_hex[65];
	struct json j, jc;

	/* Drops so far go into the log as a record (written after this reply). */
	check_drops(d, true);
	enforcer_counters(&d->enf, counters);
	emb_format_rfc3339(d->started_ns, started, sizeof(started));
	emb_format_rfc3339(g->loaded_ns, loaded, sizeof(loaded));
	sb_putc(&files, '[');
	for (size_t i = 0; i < g->policy.n_files; i++) {
		if (i)
			sb_putc(&files, ',');
		json_quote(&files, g->policy.files[i], strlen(g->policy.files[i]));
	}
	sb_putc(&files, ']');
	/* Which rules wait for their target; bounded, the count above is exact. */
	sb_putc(&pending, '[');
	for (size_t i = 0; i < g->resolved.n_pending && i < STATUS_MAX_PENDING; i++) {
		const struct emb_rule *rule = &g->policy.rules[g->resolved.pending[i]];
		char where[PATH_MAX + 16];
		struct json jp;

		if (i)
			sb_putc(&pending, ',');
		snprintf(where, sizeof(where), "%s:%u", rule->file, rule->line);
		json_begin(&jp, &pending);
		json_str(&jp, "rule", where);
		json_str(&jp, "target", rule->value);
		json_end(&jp);
	}
	sb_putc(&pending, ']');
	json_begin(&jc, &cnt);
	for (int i = 0; i < EMB_CNT_MAX; i++)
		json_u64(&jc, counter_names[i], counters[i]);
	json_end(&jc);

	json_begin(&j, sb);
	json_u64(&j, "pid", (uint64_t)getpid());
	json_str(&j, "started", started);
	json_str(&j, "tier", emb_tier_name(d->enf.tier));
	if (d->enf.tier != EMB_TIER_LSM)
		json_str(&j, "lsm_unavailable", d->enf.lsm_reason);
	json_str(&j, "mode", emb_mode_name(g->mode));
	/* Pinned: the programs outlive embargod (in pin_dir); else enforcement ends with it. */
	json_bool(&j, "pinned", d->enf.pin_dir[0] != '\0');
	json_str(&j, "pin_dir", d->enf.pin_dir);
	json_bool(&j, "took_over", d->enf.adopted);
	json_bool(&j, "protected", d->enf.guarding);
	json_u64(&j, "generation", g->id);
	json_str(&j, "loaded", loaded);
	emb_hex(g->sha256, sizeof(g->sha256), policy_hex);
	json_u64(&j, "policy_version", g->policy.version);
	json_str(&j, "policy_sha256", policy_hex);
	json_str(&j, "policy_source", g->source);
	push_source_json(d, &source);
	json_raw(&j, "source", source.buf && !source.oom ? source.buf : "{}");
	if (g->signer[0])
		json_str(&j, "signed_by", g->signer);
	json_u64(&j, "rules", g->policy.n_rules);
	json_u64(&j, "inodes", g->resolved.n_entries);
	json_u64(&j, "pending", g->resolved.n_pending);
	json_u64(&j, "unpinned", g->resolved.n_unpinned);
	json_raw(&j, "policy_files", files.buf);
	json_raw(&j, "pending_rules", pending.buf);
	json_str(&j, "log", d->log_path);
	json_u64(&j, "log_seq", d->chain.seq);
	json_u64(&j, "log_rotations", d->rotations);
	if (d->last_write_errno)
		json_str(&j, "log_error", strerror(d->last_write_errno));
	json_u64(&j, "events_written", d->events_written);
	json_u64(&j, "events_dropped",
		 counters[EMB_CNT_RINGBUF_FULL] + counters[EMB_CNT_SCRATCH_BUSY] + d->events_lost +
			 d->events_malformed);
	json_raw(&j, "counters", cnt.buf);
	fanguard_status(&d->fanguard, &j);
	sinks_status(&d->sinks, &j);
	json_end(&j);
	sb_free(&files);
	sb_free(&cnt);
	sb_free(&pending);
	sb_free(&source);
}

/* Root, or a member of --admin-group (the peer's groups as of its connect()). */
static bool peer_allowed(const struct daemon *d, int fd, const struct ucred *cred)
{
	gid_t groups[256];
	socklen_t len = sizeof(groups);

	if (cred->uid == 0)
		return true;
	if (!d->have_admin_group)
		return false;
	if (cred->gid == d->admin_gid)
		return true;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups, &len) < 0)
		return false;
	for (size_t i = 0; i < len / sizeof(groups[0]); i++)
		if (groups[i] == d->admin_gid)
			return true;
	return false;
}

int daemon_check_token(struct daemon *d, const char *verb, const char *how, const char *args,
		       int (*check)(const char *text, size_t len, const char *host, int64_t now,
				    char *why, size_t why_size),
		       char *signer, size_t signer_size, char *why, size_t why_size)
{
	char *token = NULL, *sig = NULL, what[32];
	int r = -1;

	if (!d->n_trusted)
		return 0;
	if (*args) {
		token = json_get_string(args, "token");
		sig = json_get_string(args, "sig");
	}
	snprintf(what, sizeof(what), "%s token", verb);
	if (!token)
		snprintf(why, why_size,
			 "%s: trusted keys are configured: a signed %s is needed (%s, embargo "
			 "sign)",
			 verb, what, how);
	else if (!daemon_verify_signature(d, what, token, strlen(token), sig, signer, signer_size,
					  why, why_size) &&
		 !check(token, strlen(token), d->hostname, clock_ns(CLOCK_REALTIME) / 1000000000,
			why, why_size))
		r = 0;
	free(token);
	free(sig);
	return r;
}

/*
 * "unload" ends enforcement: everything pinned is removed and embargod exits, its links with
 * it. With trusted keys it takes a token for this host, signed by one of them (ARGS: a JSON
 * object with "token" and "sig").
 */
static void unload_handle(struct daemon *d, const char *args, const struct ucred *cred,
			  struct strbuf *reply)
{
	char signer[128] = "", why[512] = "", time[48];
	struct json j;
	int r;

	if (daemon_check_token(d, "unload", "embargo unload token", args, emb_unload_token_check,
			       signer, sizeof(signer), why, sizeof(why)))
		goto refuse;
	r = enforcer_unpin(&d->enf);
	if (r) {
		snprintf(why, sizeof(why), "unload: cannot remove the pins in %s: %s",
			 d->enf.pin_dir, strerror(-r));
		goto refuse;
	}
	d->unloaded = true;
	emb_format_rfc3339(clock_ns(CLOCK_REALTIME), time, sizeof(time));
	json_begin(&j, &d->batch);
	json_str(&j, "time", time);
	json_str(&j, "event", "unload");
	json_u64(&j, "uid", cred->uid);
	if (signer[0])
		json_str(&j, "signer", signer);
	if (d->hostname[0])
		json_str(&j, "host", d->hostname);
	json_end(&j);
	sb_putc(&d->batch, '\n');
	d->events_in_batch++;
	fprintf(stderr, "embargod: unload asked by uid %u%s%s: enforcement ends now\n", cred->uid,
		signer[0] ? ", token signed by " : "", signer);
	json_begin(&j, reply);
	json_bool(&j, "ok", true);
	json_str(&j, "unloaded", d->enf.pin_dir[0] ? d->enf.pin_dir : "(nothing was pinned)");
	json_end(&j);
	return;
refuse:
	fprintf(stderr, "embargod: unload from uid %u refused: %s\n", cred->uid, why);
	json_begin(&j, reply);
	json_str(&j, "error", why);
	json_end(&j);
}

/*
 * "reload": what SIGHUP does, answered with the generation now in force, or the refusal and
 * every message of the policy's checks ("errors", one a line).
 */
static void reload_reply(struct daemon *d, struct strbuf *reply)
{
	struct strbuf report = { 0 }, errors = { 0 };
	char why[128];
	struct json j;
	uint32_t in_force = daemon_current(d)->id;
	int r = daemon_reload(d, &report);

	json_begin(&j, reply);
	if (r) {
		snprintf(why, sizeof(why), "reload refused; generation %u stays in force",
			 in_force);
		json_str(&j, "error", why);
		sb_putc(&errors, '[');
		for (size_t off = 0, n = 0; off < report.len; n++) {
			const char *line = report.buf + off,
				   *nl = memchr(line, '\n', report.len - off);
			size_t len = nl ? (size_t)(nl - line) : report.len - off;

			off += len + 1;
			if (!strncmp(line, "embargod: ", 10)) {
				line += 10;
				len -= 10;
			}
			if (n)
				sb_putc(&errors, ',');
			json_quote(&errors, line, len);
		}
		sb_putc(&errors, ']');
		if (!errors.oom)
			json_raw(&j, "errors", errors.buf);
	} else {
		json_bool(&j, "ok", true);
		policy_fields(d, &j);
		json_u64(&j, "inodes", daemon_current(d)->resolved.n_entries);
		json_u64(&j, "pending", daemon_current(d)->resolved.n_pending);
	}
	json_end(&j);
	sb_free(&report);
	sb_free(&errors);
}

static void control_handle(struct daemon *d, int fd)
{
	char req[EMB_CONTROL_MAX_REQUEST];
	struct strbuf reply = { 0 };
	struct ucred cred;
	socklen_t credlen = sizeof(cred);
	struct emb_control_line l;
	size_t len = 0;
	struct json j;

	/* A client gets a bounded time to send its line: the loop serves the ring buffer too. */
	while (len < sizeof(req) - 1) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		ssize_t n;

		if (poll(&p, 1, 1000) <= 0)
			return;
		n = read(fd, req + len, sizeof(req) - 1 - len);
		if (n <= 0)
			return;
		len += (size_t)n;
		if (memchr(req, '\n', len))
			break;
	}
	/* Taken apart by the code the fuzzer runs (control_parse.c). */
	emb_control_parse_line(req, len, &l);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &credlen) < 0 ||
	    !peer_allowed(d, fd, &cred)) {
		json_begin(&j, &reply);
		json_str(&j, "error",
			 d->have_admin_group
				 ? "permission denied: the control socket serves root "
				   "and the admin group only"
				 : "permission denied: the control socket serves root only");
		json_end(&j);
		fprintf(stderr, "embargod: control request from uid %u refused\n", cred.uid);
	} else if (l.verb == EMB_CONTROL_STATUS) {
		status_reply(d, &reply);
	} else if (l.verb == EMB_CONTROL_POLICY) {
		push_policy_show(d, &reply);
	} else if (l.verb == EMB_CONTROL_PUSH) {
		/* The policy's bytes follow the line; some may have come with it. */
		push_handle(d, fd, l.args, l.rest, l.rest_len, &cred, &reply);
	} else if (l.verb == EMB_CONTROL_UNLOAD) {
		unload_handle(d, l.args, &cred, &reply);
	} else if (l.verb == EMB_CONTROL_RELOAD) {
		fprintf(stderr, "embargod: reload asked by uid %u: reloading the policy\n",
			cred.uid);
		reload_reply(d, &reply);
	} else if (l.verb == EMB_CONTROL_REVERT) {
		push_revert(d, l.args, &cred, &reply);
	} else if (d->test_hooks && !strcmp(l.line, "test-forbidden-call")) {
		fprintf(stderr, "embargod: test hook: a system call outside the allowlist\n");
		sandbox_test_forbidden_call();
	} else if (d->test_hooks && !strcmp(l.line, "test-forbidden-confined")) {
		fprintf(stderr, "embargod: test hook: a file opened by the confined parser\n");
		sandbox_run_confined(sandbox_test_forbidden_confined, NULL);
	} else if (l.verb == EMB_CONTROL_UNKNOWN && handover_is_request(l.line)) {
		/* Answers on its own: the reply carries a descriptor. */
		handover_handle(d, fd, l.line, &cred);
		return;
	} else if (l.verb == EMB_CONTROL_PING) {
		json_begin(&j, &reply);
		json_bool(&j, "ok", true);
		json_end(&j);
	} else {
		json_begin(&j, &reply);
		json_str(&j, "error", "unknown request");
		json_end(&j);
	}
	sb_putc(&reply, '\n');
	if (!reply.oom)
		(void)!send(fd, reply.buf, reply.len, MSG_NOSIGNAL);
	sb_free(&reply);
}

void daemon_control_accept(struct daemon *d)
{
	int fd;

	while ((fd = accept4(d->control_fd, NULL, NULL, SOCK_CLOEXEC)) >= 0) {
		control_handle(d, fd);
		close(fd);
	}
}

void daemon_cleanup(struct daemon *d)
{
	ring_buffer__free(d->rb);
	d->rb = NULL;
	enforcer_close(&d->enf);
	fanguard_close(&d->fanguard);
	if (d->control_fd >= 0) {
		close(d->control_fd);
		unlink(d->control_path);
	}
	if (d->inotify_fd >= 0)
		close(d->inotify_fd);
	if (d->resolve_timer_fd >= 0)
		close(d->resolve_timer_fd);
	d->resolve_timer_fd = -1;
	free(d->watches);
	d->watches = NULL;
	if (d->log_fd >= 0)
		close(d->log_fd);
	if (d->log_lock_fd >= 0)
		close(d->log_lock_fd);
	if (d->state_lock_fd >= 0)
		close(d->state_lock_fd);
	d->log_lock_fd = d->state_lock_fd = -1;
	for (unsigned i = 0; i < DAEMON_GENERATIONS; i++)
		generation_free(&d->gens[i]);
	generation_free(&d->staged);
	sb_free(&d->batch);
	d->control_fd = d->inotify_fd = d->log_fd = -1;
	/* After the last drain: the last events are queued already. */
	sinks_close(&d->sinks);
}
