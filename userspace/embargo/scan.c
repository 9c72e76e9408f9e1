// SPDX-License-Identifier: GPL-2.0-only
/*
 * embargo scan: finds what a policy bans on this machine before it is enforced: files its rules
 * match, installed packages they name, and running processes whose program they match; and,
 * with --plan, how to remove them.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "dpkg.h"
#include "hash.h"
#include "hash_cache.h"
#include "scan.h"
#include "strbuf.h"

extern char **environ;

static const char scan_usage[] =
	"usage: embargo scan [--json|--csv] [--plan] [--policy FILE|DIR]... [--dpkg-root DIR]\n"
	"                    [--rpm-dbpath DIR] [--cache FILE|--no-cache] [--jobs N] [--network]\n"
	"                    [--fstype TYPE]... [--no-processes] [--quiet] [PATH...]\n"
	"Finds every file below PATH (default: /, with every local file system mounted below it)\n"
	"that the policy's rules match (path=, dir=, sha256=, package=), every installed package\n"
	"a package= rule names (dpkg; rpm where it is installed), and every running process\n"
	"whose program a rule matches. Files are decided as embargod would decide an exec or an\n"
	"open of them; deny and audit verdicts are reported, allow is not.\n"
	"Pseudo file systems (proc, sysfs, ...) are never entered below PATH; network ones (nfs,\n"
	"cifs, FUSE, ...) only with --network; --fstype TYPE enters mounts of TYPE as well.\n"
	"Files are hashed when sha256= rules need their content, on --jobs threads (default:\n"
	"one per CPU). Hashes are kept in a cache (--cache FILE; default\n"
	"/var/cache/embargo/scan.cache for root, ~/.cache/embargo/scan.cache otherwise) by\n"
	"(dev, inode, size, mtime, ctime), so an unchanged file is not read again.\n"
	"The policy is the --policy files, else the one embargod runs (always judged as if\n"
	"enforced: mode audit does not matter here). Audit findings are listed apart from\n"
	"deny ones. --plan adds how to remove what the policy denies (never what it only\n"
	"audits): kill for running programs, the package manager's command for each package,\n"
	"and rm for the files no package owns.\n"
	"A file the policy's open rules deny or audit is read through a descriptor embargod\n"
	"hands over (root or --admin-group), so that reading it is neither refused nor logged;\n"
	"else it is not read, and listed as an error that says so.\n"
	"Progress is shown on a terminal unless --quiet. --csv prints one row per finding,\n"
	"deny rows first; it does not take --plan (a list of commands is not a table).\n"
	"Exits 0 when nothing was found, 1 when something was, 2 when the scan could not run.\n";

#define SCAN_EXIT_FOUND 1
#define SCAN_EXIT_ERROR 2

struct scan_options {
	const char **policies;
	size_t n_policies;
	const char **fstypes;
	size_t n_fstypes;
	const char *dpkg_root, *rpm_dbpath, *cache_path;
	bool csv, plan, no_cache, network, no_processes, quiet;
	unsigned jobs;
};

static int scan_option(struct cli *cli, void *ctx, int c, const char *arg)
{
	struct scan_options *o = ctx;
	char *end;
	long n;

	switch (c) {
	case 'p':
		o->policies[o->n_policies++] = arg;
		break;
	case 'd':
		o->dpkg_root = arg;
		break;
	case 'r':
		o->rpm_dbpath = arg;
		break;
	case 'C':
		o->cache_path = arg;
		break;
	case 'N':
		o->no_cache = true;
		break;
	case 'J':
		errno = 0;
		n = strtol(arg, &end, 10);
		if (errno || *end || n < 1 || n > 64) {
			cli_error(cli, "scan: --jobs is a number from 1 to 64, not '%s'", arg);
			return -1;
		}
		o->jobs = (unsigned)n;
		break;
	case 'n':
		o->network = true;
		break;
	case 't':
		o->fstypes[o->n_fstypes++] = arg;
		break;
	case 'P':
		o->no_processes = true;
		break;
	case 'q':
		o->quiet = true;
		break;
	case 'v':
		o->csv = true;
		break;
	case 'L':
		o->plan = true;
		break;
	}
	return 0;
}

/* ---- packages ---- */

struct found_package {
	char *name;		     /* "kesl", "libfoo:amd64" (dpkg) or "kesl" (rpm) */
	const char *manager;	     /* "dpkg" or "rpm" */
	const struct emb_rule *rule; /* the package= rule naming it, or NULL (owns a found file) */
	/* The strongest of its rule's verdict and those of the files found that it owns. */
	enum emb_rule_verdict verdict;
};

struct packages {
	struct found_package *v;
	size_t n;
	bool oom;
};

/* Adds package NAME of MANAGER, named by RULE (or NULL) or owning a file found with VERDICT. */
static void packages_add(struct packages *p, const char *name, const char *manager,
			 const struct emb_rule *rule, enum emb_rule_verdict verdict)
{
	struct found_package *v;

	for (size_t i = 0; i < p->n; i++) {
		if (!strcmp(p->v[i].name, name) && !strcmp(p->v[i].manager, manager)) {
			if (rule && (!p->v[i].rule || rule->verdict > p->v[i].rule->verdict))
				p->v[i].rule = rule;
			if (verdict > p->v[i].verdict)
				p->v[i].verdict = verdict;
			return;
		}
	}
	v = realloc(p->v, (p->n + 1) * sizeof(*v));
	if (!v) {
		p->oom = true;
		return;
	}
	p->v = v;
	v[p->n] = (struct found_package){ strdup(name), manager, rule, verdict };
	if (!v[p->n].name)
		p->oom = true;
	else
		p->n++;
}

static void packages_free(struct packages *p)
{
	for (size_t i = 0; i < p->n; i++)
		free(p->v[i].name);
	free(p->v);
}

/* Whether PROG is an executable file in one of $PATH's directories. */
static bool on_path(const char *prog)
{
	const char *path = getenv("PATH");
	char buf[PATH_MAX];

	if (!path)
		path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
	for (const char *p = path; *p;) {
		size_t len = strcspn(p, ":");

		if (len &&
		    (size_t)snprintf(buf, sizeof(buf), "%.*s/%s", (int)len, p, prog) <
			    sizeof(buf) &&
		    access(buf, X_OK) == 0)
			return true;
		p += len + (p[len] == ':');
	}
	return false;
}

/*
 * Runs ARGV (argv[0] looked up in $PATH) with stdin and stderr on /dev/null and returns what it
 * wrote to stdout (malloc'd) in *OUT, and its exit status. Returns 0 or -errno.
 */
static int run_capture(char *const argv[], char **out, int *status)
{
	posix_spawn_file_actions_t fa;
	struct strbuf sb = { 0 };
	int pipefd[2], r;
	pid_t pid;

	if (pipe2(pipefd, O_CLOEXEC) < 0)
		return -errno;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, pipefd[1], 1);
	posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	r = -posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(pipefd[1]);
	if (r) {
		close(pipefd[0]);
		return r;
	}
	for (;;) {
		char buf[4096];
		ssize_t n = read(pipefd[0], buf, sizeof(buf));

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (sb.len < (1u << 20))
			sb_append(&sb, buf, (size_t)n);
	}
	close(pipefd[0]);
	while (waitpid(pid, status, 0) < 0)
		if (errno != EINTR)
			break;
	*out = sb_steal(&sb);
	sb_free(&sb);
	return *out ? 0 : -ENOMEM;
}

/* rpm's database is consulted when rpm is installed and has one (or --rpm-dbpath names it). */
static bool rpm_present(const struct scan_options *o)
{
	struct stat st;

	if (!on_path("rpm"))
		return false;
	if (o->rpm_dbpath)
		return true;
	return stat("/var/lib/rpm", &st) == 0 && S_ISDIR(st.st_mode) && st.st_nlink > 2;
}

/*
 * Asks rpm: with QUERY_FILE, which packages own ARG, else whether package ARG is installed;
 * each package name found is passed to ADD. Returns 0, or -errno when rpm cannot be run.
 */
static int rpm_query(const struct scan_options *o, bool query_file, const char *arg,
		     struct packages *p, const struct emb_rule *rule)
{
	char *argv[8], *out = NULL, *line, *save = NULL;
	int n = 0, status = 0, r;

	argv[n++] = "rpm";
	if (o->rpm_dbpath) {
		argv[n++] = "--dbpath";
		argv[n++] = (char *)o->rpm_dbpath;
	}
	argv[n++] = query_file ? "-qf" : "-q";
	argv[n++] = "--qf";
	argv[n++] = "%{NAME}\\n";
	argv[n++] = (char *)arg;
	argv[n] = NULL;
	r = run_capture(argv, &out, &status);
	if (r)
		return r;
	/* rpm exits non-zero for "not installed" / "not owned": then it printed no names. */
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		for (line = strtok_r(out, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
			packages_add(p, line, "rpm", rule, rule ? rule->verdict : EMB_RULE_ALLOW);
	free(out);
	return 0;
}

/* ---- the run ---- */

struct scan_run {
	struct cli_policy_source src;
	struct emb_scan_result res;
	struct emb_scan_progress progress;
	struct packages packages;
	/* per found file: the packages owning it, "dpkg:NAME" or "rpm:NAME", NULL-terminated */
	char ***owners;
	bool rpm;
	char admin[PATH_MAX];
	double elapsed;
	char cache_path[PATH_MAX];
	const char *cache_note; /* why the cache was not used, or NULL */
};

static double now_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The strongest verdict of the findings for the file of finding I (one per operation). */
static enum emb_rule_verdict path_verdict(const struct scan_run *run, size_t i)
{
	const struct emb_scan_finding *v = run->res.files;
	enum emb_rule_verdict best = v[i].verdict;

	for (size_t k = i; k > 0 && !strcmp(v[k - 1].path, v[i].path); k--)
		if (v[k - 1].verdict > best)
			best = v[k - 1].verdict;
	for (size_t k = i + 1; k < run->res.n_files && !strcmp(v[k].path, v[i].path); k++)
		if (v[k].verdict > best)
			best = v[k].verdict;
	return best;
}

/* The strongest verdict of the findings for the process of finding I (one per operation). */
static enum emb_rule_verdict pid_verdict(const struct scan_run *run, size_t i)
{
	const struct emb_scan_finding *v = run->res.processes;
	enum emb_rule_verdict best = EMB_RULE_ALLOW;

	for (size_t k = 0; k < run->res.n_processes; k++)
		if (v[k].pid == v[i].pid && v[k].verdict > best)
			best = v[k].verdict;
	return best;
}

/* ---- progress on a terminal ---- */

struct progress_display {
	struct emb_scan_progress *p;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool stop;
	double start;
};

static void human_bytes(uint64_t n, char *buf, size_t size)
{
	static const char *const units[] = { "B", "KB", "MB", "GB", "TB", "PB" };
	double v = (double)n;
	size_t u = 0;

	while (v >= 1000 && u + 1 < sizeof(units) / sizeof(units[0])) {
		v /= 1000;
		u++;
	}
	if (u)
		snprintf(buf, size, "%.1f %s", v, units[u]);
	else
		snprintf(buf, size, "%llu B", (unsigned long long)n);
}

static void progress_draw(struct progress_display *d)
{
	struct emb_scan_progress *p = d->p;
	uint64_t files = atomic_load(&p->files), queued = atomic_load(&p->queued),
		 hashed = atomic_load(&p->hashed), qbytes = atomic_load(&p->queued_bytes),
		 rbytes = atomic_load(&p->bytes_read), hits = atomic_load(&p->cache_hits),
		 found = atomic_load(&p->found);
	double secs = now_seconds() - d->start;
	char done[32], rate[32];

	human_bytes(rbytes, done, sizeof(done));
	human_bytes(secs > 0 ? (uint64_t)((double)rbytes / secs) : 0, rate, sizeof(rate));
	if (atomic_load(&p->walk_done) || !queued) {
		fprintf(stderr,
			"\r\033[Kscan: %llu files, %llu hashed (%s, %s/s), %llu from cache, "
			"%llu found",
			(unsigned long long)files, (unsigned long long)hashed, done, rate,
			(unsigned long long)hits, (unsigned long long)found);
	} else {
		/* The walk runs ahead of hashing: the bar is the bytes hashed of those queued. */
		int width = 20, fill = qbytes ? (int)((double)rbytes / (double)qbytes * width) : 0;
		char bar[32];

		if (fill > width)
			fill = width;
		memset(bar, '#', (size_t)fill);
		memset(bar + fill, '-', (size_t)(width - fill));
		bar[width] = '\0';
		fprintf(stderr,
			"\r\033[Kscan: [%s] %llu files, %llu/%llu hashed (%s, %s/s), %llu "
			"from cache, %llu found",
			bar, (unsigned long long)files, (unsigned long long)hashed,
			(unsigned long long)queued, done, rate, (unsigned long long)hits,
			(unsigned long long)found);
	}
	fflush(stderr);
}

static void *progress_thread(void *arg)
{
	struct progress_display *d = arg;

	pthread_mutex_lock(&d->lock);
	while (!d->stop) {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += 200 * 1000 * 1000;
		if (ts.tv_nsec >= 1000000000) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000;
		}
		pthread_cond_timedwait(&d->cond, &d->lock, &ts);
		progress_draw(d);
	}
	pthread_mutex_unlock(&d->lock);
	fprintf(stderr, "\r\033[K");
	fflush(stderr);
	return NULL;
}

/* ---- output ---- */

static const char *how_name(enum emb_scan_how how)
{
	return how == EMB_SCAN_BY_SHA256 ? "sha256" : how == EMB_SCAN_BY_DIR ? "dir" : "inode";
}

static void json_rule(struct json *j, const struct cli_policy_source *src, size_t index)
{
	const struct emb_rule *rule = &src->policy.rules[index];
	struct strbuf sb = { 0 };
	struct json r;

	json_begin(&r, &sb);
	json_str(&r, "file", rule->file);
	json_u64(&r, "line", rule->line);
	json_str(&r, "verdict", emb_verdict_name(rule->verdict));
	json_str(&r, "op", emb_op_name(rule->op));
	json_str(&r, "matcher", emb_matcher_name(rule->matcher));
	json_str(&r, "value", rule->value);
	json_str(&r, "key", rule->key);
	if (rule->origin)
		json_str(&r, "package_rule", src->policy.rules[rule->origin - 1].value);
	json_end(&r);
	json_raw(j, "rule", sb.oom ? "null" : sb.buf);
	sb_free(&sb);
}

static void json_finding(struct strbuf *sb, const struct scan_run *run,
			 const struct emb_scan_finding *f, char **owners)
{
	const struct emb_rule *rule = &run->src.policy.rules[f->rule];
	char hex[2 * EMB_SHA256_LEN + 1], dev[32];
	struct strbuf list = { 0 };
	struct json j;

	json_begin(&j, sb);
	if (f->pid)
		json_i64(&j, "pid", f->pid);
	json_str(&j, "path", f->path);
	json_str(&j, "op", emb_op_name(f->op));
	json_str(&j, "verdict", emb_verdict_name(f->verdict));
	json_str(&j, "key", rule->key);
	json_str(&j, "by", how_name(f->how));
	if (f->dir)
		json_str(&j, "dir", f->dir);
	json_rule(&j, &run->src, f->rule);
	if (f->hashed) {
		emb_hex(f->sha256, EMB_SHA256_LEN, hex);
		json_str(&j, "sha256", hex);
	}
	json_u64(&j, "size", f->size);
	snprintf(dev, sizeof(dev), "%u:%u", major((dev_t)f->dev), minor((dev_t)f->dev));
	json_str(&j, "dev", dev);
	json_u64(&j, "ino", f->ino);
	if (owners) {
		sb_putc(&list, '[');
		for (size_t i = 0; owners[i]; i++) {
			if (i)
				sb_putc(&list, ',');
			json_quote(&list, owners[i], strlen(owners[i]));
		}
		sb_putc(&list, ']');
		json_raw(&j, "packages", list.oom ? "[]" : list.buf);
		sb_free(&list);
	}
	json_end(&j);
}

/* A word for a POSIX shell: quoted unless plainly safe. */
static void shell_quote(struct strbuf *sb, const char *s)
{
	if (*s && strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
			    "/._-+:@=,") == strlen(s)) {
		sb_puts(sb, s);
		return;
	}
	sb_putc(sb, '\'');
	for (; *s; s++) {
		if (*s == '\'')
			sb_puts(sb, "'\\''");
		else
			sb_putc(sb, *s);
	}
	sb_putc(sb, '\'');
}

/* The removal plan: commands, one a line, into CMDS; unowned files into UNOWNED (indices). */
struct plan {
	char **commands;
	size_t n_commands;
	size_t *unowned; /* indices into run->res.files of denied files no package owns */
	size_t n_unowned;
	size_t *audited; /* ...of files only audited: left in place, whoever owns them */
	size_t n_audited;
	bool oom;
};

static void plan_add(struct plan *p, struct strbuf *cmd)
{
	char **v;
	char *s = sb_steal(cmd);

	v = s ? realloc(p->commands, (p->n_commands + 1) * sizeof(*v)) : NULL;
	if (!v) {
		free(s);
		p->oom = true;
		return;
	}
	p->commands = v;
	v[p->n_commands++] = s;
}

/* The command that removes every package of MANAGER found. */
static void plan_packages(struct plan *p, const struct scan_run *run, const struct scan_options *o,
			  const char *manager)
{
	struct strbuf cmd = { 0 };
	bool any = false;

	for (size_t i = 0; i < run->packages.n; i++)
		any |= !strcmp(run->packages.v[i].manager, manager) &&
		       run->packages.v[i].verdict == EMB_RULE_DENY;
	if (!any)
		return;
	if (!strcmp(manager, "dpkg")) {
		if (o->dpkg_root) {
			sb_puts(&cmd, "dpkg --root=");
			shell_quote(&cmd, o->dpkg_root);
			sb_puts(&cmd, " --purge");
		} else if (on_path("apt-get")) {
			sb_puts(&cmd, "apt-get purge");
		} else {
			sb_puts(&cmd, "dpkg --purge");
		}
	} else {
		if (o->rpm_dbpath) {
			sb_puts(&cmd, "rpm --dbpath ");
			shell_quote(&cmd, o->rpm_dbpath);
			sb_puts(&cmd, " -e");
		} else if (on_path("dnf")) {
			sb_puts(&cmd, "dnf remove");
		} else if (on_path("yum")) {
			sb_puts(&cmd, "yum remove");
		} else if (on_path("zypper")) {
			sb_puts(&cmd, "zypper remove");
		} else {
			sb_puts(&cmd, "rpm -e");
		}
	}
	for (size_t i = 0; i < run->packages.n; i++) {
		if (strcmp(run->packages.v[i].manager, manager) ||
		    run->packages.v[i].verdict != EMB_RULE_DENY)
			continue;
		sb_putc(&cmd, ' ');
		shell_quote(&cmd, run->packages.v[i].name);
	}
	plan_add(p, &cmd);
}

static void plan_build(struct plan *p, const struct scan_run *run, const struct scan_options *o)
{
	struct strbuf cmd = { 0 };

	/*
	 * Only what the policy denies is removed: an audit rule lets a program run and asks for a
	 * log line, which is no reason to delete it. Running programs first: a package's removal
	 * scripts may not stop them.
	 */
	for (size_t i = 0; i < run->res.n_processes; i++) {
		const struct emb_scan_finding *f = &run->res.processes[i];

		if (i && run->res.processes[i - 1].pid == f->pid)
			continue;
		if (pid_verdict(run, i) != EMB_RULE_DENY)
			continue;
		sb_printf(&cmd, "kill -KILL %d", f->pid);
		plan_add(p, &cmd);
	}
	plan_packages(p, run, o, "dpkg");
	plan_packages(p, run, o, "rpm");
	if (run->res.n_files) {
		p->unowned = calloc(run->res.n_files, sizeof(*p->unowned));
		p->audited = calloc(run->res.n_files, sizeof(*p->audited));
	}
	for (size_t i = 0; i < run->res.n_files && p->unowned && p->audited; i++) {
		const struct emb_scan_finding *f = &run->res.files[i];

		if (i && !strcmp(run->res.files[i - 1].path, f->path))
			continue;
		if (path_verdict(run, i) != EMB_RULE_DENY) {
			p->audited[p->n_audited++] = i;
			continue;
		}
		if (run->owners[i] && run->owners[i][0])
			continue;
		p->unowned[p->n_unowned++] = i;
		sb_puts(&cmd, "rm -f -- ");
		shell_quote(&cmd, f->path);
		plan_add(p, &cmd);
	}
	if (run->res.n_files && (!p->unowned || !p->audited))
		p->oom = true;
}

static void plan_free(struct plan *p)
{
	for (size_t i = 0; i < p->n_commands; i++)
		free(p->commands[i]);
	free(p->commands);
	free(p->unowned);
	free(p->audited);
}

static void print_json(const struct scan_run *run, const struct scan_options *o,
		       const struct plan *plan)
{
	struct strbuf sb = { 0 }, part = { 0 };
	struct json j;

	json_begin(&j, &sb);
	json_u64(&j, "files_examined", run->res.files_examined);
	json_u64(&j, "dirs_walked", run->res.dirs_walked);
	json_u64(&j, "bytes_seen", run->res.bytes_seen);
	json_u64(&j, "files_hashed", run->res.files_hashed);
	json_u64(&j, "bytes_read", run->res.bytes_read);
	json_u64(&j, "cache_hits", run->res.cache_hits);
	json_u64(&j, "processes_examined", run->res.processes_examined);
	json_u64(&j, "errors", run->res.errors_total);
	json_u64(&j, "elapsed_ms", (uint64_t)(run->elapsed * 1000));
	if (run->cache_path[0])
		json_str(&j, "cache", run->cache_path);
	if (run->cache_note)
		json_str(&j, "cache_note", run->cache_note);
	json_bool(&j, "rpm", run->rpm);

	/* What the policy denies, then apart what it only audits (never in the plan). */
	for (int audited = 0; audited < 2; audited++) {
		enum emb_rule_verdict want = audited ? EMB_RULE_AUDIT : EMB_RULE_DENY;
		size_t n = 0;

		sb_putc(&part, '[');
		for (size_t i = 0; i < run->res.n_files; i++) {
			if (run->res.files[i].verdict != want)
				continue;
			if (n++)
				sb_putc(&part, ',');
			json_finding(&part, run, &run->res.files[i], run->owners[i]);
		}
		sb_putc(&part, ']');
		json_raw(&j, audited ? "audited_files" : "files", part.buf);
		sb_reset(&part);

		n = 0;
		sb_putc(&part, '[');
		for (size_t i = 0; i < run->packages.n; i++) {
			const struct found_package *p = &run->packages.v[i];
			struct json pj;

			if (p->verdict != want)
				continue;
			if (n++)
				sb_putc(&part, ',');
			json_begin(&pj, &part);
			json_str(&pj, "name", p->name);
			json_str(&pj, "manager", p->manager);
			json_str(&pj, "verdict", emb_verdict_name(p->verdict));
			if (p->rule)
				json_rule(&pj, &run->src,
					  (size_t)(p->rule - run->src.policy.rules));
			json_end(&pj);
		}
		sb_putc(&part, ']');
		json_raw(&j, audited ? "audited_packages" : "packages", part.buf);
		sb_reset(&part);

		n = 0;
		sb_putc(&part, '[');
		for (size_t i = 0; i < run->res.n_processes; i++) {
			if (run->res.processes[i].verdict != want)
				continue;
			if (n++)
				sb_putc(&part, ',');
			json_finding(&part, run, &run->res.processes[i], NULL);
		}
		sb_putc(&part, ']');
		json_raw(&j, audited ? "audited_processes" : "processes", part.buf);
		sb_reset(&part);
	}

	sb_putc(&part, '[');
	for (size_t i = 0; i < run->res.n_skipped; i++) {
		struct json mj;

		if (i)
			sb_putc(&part, ',');
		json_begin(&mj, &part);
		json_str(&mj, "path", run->res.skipped[i].point);
		json_str(&mj, "fstype", run->res.skipped[i].fstype);
		json_end(&mj);
	}
	sb_putc(&part, ']');
	json_raw(&j, "not_entered", part.buf);
	sb_reset(&part);

	sb_putc(&part, '[');
	for (size_t i = 0; i < run->res.n_errors; i++) {
		struct json ej;

		if (i)
			sb_putc(&part, ',');
		json_begin(&ej, &part);
		json_str(&ej, "path", run->res.errors[i].path);
		json_str(&ej, "error", strerror(-run->res.errors[i].err));
		if (run->res.errors[i].open_ruled)
			json_bool(&ej, "open_ruled", true);
		json_end(&ej);
	}
	sb_putc(&part, ']');
	json_raw(&j, "error_list", part.buf);
	sb_reset(&part);

	if (o->plan) {
		struct json pj;
		struct strbuf list = { 0 };

		json_begin(&pj, &part);
		sb_putc(&list, '[');
		for (size_t i = 0; i < plan->n_commands; i++) {
			if (i)
				sb_putc(&list, ',');
			json_quote(&list, plan->commands[i], strlen(plan->commands[i]));
		}
		sb_putc(&list, ']');
		json_raw(&pj, "commands", list.buf);
		sb_reset(&list);
		sb_putc(&list, '[');
		for (size_t i = 0; i < plan->n_unowned; i++) {
			const char *path = run->res.files[plan->unowned[i]].path;

			if (i)
				sb_putc(&list, ',');
			json_quote(&list, path, strlen(path));
		}
		sb_putc(&list, ']');
		json_raw(&pj, "unowned", list.buf);
		sb_reset(&list);
		sb_putc(&list, '[');
		for (size_t i = 0; i < plan->n_audited; i++) {
			const char *path = run->res.files[plan->audited[i]].path;

			if (i)
				sb_putc(&list, ',');
			json_quote(&list, path, strlen(path));
		}
		sb_putc(&list, ']');
		json_raw(&pj, "audited", list.buf);
		json_end(&pj);
		json_raw(&j, "plan", part.buf);
		if (list.oom)
			sb.oom = true;
		sb_free(&list);
	}
	json_end(&j);
	if (sb.oom || part.oom)
		printf("{\"error\":\"out of memory\"}\n");
	else
		printf("%s\n", sb.buf);
	sb_free(&sb);
	sb_free(&part);
}

/* One CSV field, quoted (RFC 4180): every field is, so that none needs thought. */
static void csv_field(const char *s, bool last)
{
	putchar('"');
	for (; s && *s; s++) {
		if (*s == '"')
			putchar('"');
		putchar(*s);
	}
	putchar('"');
	putchar(last ? '\n' : ',');
}

static void csv_finding(const struct scan_run *run, const char *kind,
			const struct emb_scan_finding *f, char **owners)
{
	const struct emb_rule *rule = &run->src.policy.rules[f->rule];
	char pid[16] = "", line[16], hex[2 * EMB_SHA256_LEN + 1] = "";
	struct strbuf pk = { 0 };

	if (f->pid)
		snprintf(pid, sizeof(pid), "%d", f->pid);
	snprintf(line, sizeof(line), "%u", rule->line);
	if (f->hashed)
		emb_hex(f->sha256, EMB_SHA256_LEN, hex);
	for (size_t i = 0; owners && owners[i]; i++)
		sb_printf(&pk, "%s%s", i ? " " : "", owners[i]);
	csv_field(kind, false);
	csv_field(f->path, false);
	csv_field(pid, false);
	csv_field(emb_op_name(f->op), false);
	csv_field(emb_verdict_name(f->verdict), false);
	csv_field(rule->key, false);
	csv_field(emb_matcher_name(rule->matcher), false);
	csv_field(rule->value, false);
	csv_field(rule->file, false);
	csv_field(line, false);
	csv_field(hex, false);
	csv_field(pk.buf, true);
	sb_free(&pk);
}

static void print_csv_rows(const struct scan_run *run, enum emb_rule_verdict want)
{
	for (size_t i = 0; i < run->res.n_files; i++)
		if (run->res.files[i].verdict == want)
			csv_finding(run, "file", &run->res.files[i], run->owners[i]);
	for (size_t i = 0; i < run->res.n_processes; i++)
		if (run->res.processes[i].verdict == want)
			csv_finding(run, "process", &run->res.processes[i], NULL);
	for (size_t i = 0; i < run->packages.n; i++) {
		const struct found_package *p = &run->packages.v[i];
		char line[16] = "";

		if (p->verdict != want)
			continue;
		if (p->rule)
			snprintf(line, sizeof(line), "%u", p->rule->line);
		csv_field("package", false);
		csv_field(p->name, false);
		csv_field("", false);
		csv_field(p->rule ? emb_op_name(p->rule->op) : "", false);
		csv_field(emb_verdict_name(p->verdict), false);
		csv_field(p->rule ? p->rule->key : "", false);
		csv_field(p->rule ? "package" : "", false);
		csv_field(p->rule ? p->rule->value : "", false);
		csv_field(p->rule ? p->rule->file : "", false);
		csv_field(line, false);
		csv_field("", false);
		csv_field(p->manager, true);
	}
}

static void print_csv(const struct scan_run *run)
{
	printf("kind,path,pid,op,verdict,key,matcher,value,policy_file,line,sha256,packages\n");
	/* The denied rows first, then apart the audited ones. */
	for (int audited = 0; audited < 2; audited++)
		print_csv_rows(run, audited ? EMB_RULE_AUDIT : EMB_RULE_DENY);
}

static void print_rule_ref(const struct cli_policy_source *src, const struct emb_rule *rule)
{
	printf("%s=", emb_matcher_name(rule->matcher));
	cli_print_safe(rule->value);
	if (rule->origin) {
		printf(" of package=");
		cli_print_safe(src->policy.rules[rule->origin - 1].value);
	}
	printf(" (%s:%u, key=", rule->file, rule->line);
	cli_print_safe(rule->key);
	putchar(')');
}

static void print_finding(const struct scan_run *run, const struct emb_scan_finding *f,
			  char **owners)
{
	char hex[2 * EMB_SHA256_LEN + 1];

	printf("  %-5s %-4s  ", emb_verdict_name(f->verdict), emb_op_name(f->op));
	if (f->pid)
		printf("pid %d  ", f->pid);
	cli_print_safe(f->path);
	printf("\n        by ");
	print_rule_ref(&run->src, &run->src.policy.rules[f->rule]);
	if (f->how == EMB_SCAN_BY_DIR && f->dir) {
		printf(", below ");
		cli_print_safe(f->dir);
	}
	putchar('\n');
	if (f->hashed) {
		emb_hex(f->sha256, EMB_SHA256_LEN, hex);
		printf("        sha256 %s\n", hex);
	}
	if (owners && owners[0]) {
		printf("        package");
		for (size_t i = 0; owners[i]; i++)
			printf(" %s", owners[i]);
		putchar('\n');
	}
}

/* How many findings (files, processes, packages) have VERDICT. */
static size_t count_verdict(const struct scan_run *run, enum emb_rule_verdict verdict)
{
	size_t n = 0;

	for (size_t i = 0; i < run->res.n_files; i++)
		n += run->res.files[i].verdict == verdict;
	for (size_t i = 0; i < run->res.n_processes; i++)
		n += run->res.processes[i].verdict == verdict;
	for (size_t i = 0; i < run->packages.n; i++)
		n += run->packages.v[i].verdict == verdict;
	return n;
}

/* The files, packages and processes found with VERDICT, under headings starting with WHAT. */
static void print_verdict(const struct scan_run *run, enum emb_rule_verdict verdict,
			  const char *what)
{
	size_t n = 0;

	for (size_t i = 0; i < run->res.n_files; i++)
		n += run->res.files[i].verdict == verdict;
	printf("\n%sfiles: %zu found\n", what, n);
	for (size_t i = 0; i < run->res.n_files; i++)
		if (run->res.files[i].verdict == verdict)
			print_finding(run, &run->res.files[i], run->owners[i]);
	n = 0;
	for (size_t i = 0; i < run->packages.n; i++)
		n += run->packages.v[i].verdict == verdict;
	printf("\n%spackages: %zu installed\n", what, n);
	for (size_t i = 0; i < run->packages.n; i++) {
		const struct found_package *p = &run->packages.v[i];

		if (p->verdict != verdict)
			continue;
		printf("  %s (%s)", p->name, p->manager);
		if (p->rule) {
			printf("  by ");
			print_rule_ref(&run->src, p->rule);
		} else {
			printf("  owns a file found");
		}
		putchar('\n');
	}
	n = 0;
	for (size_t i = 0; i < run->res.n_processes; i++)
		n += run->res.processes[i].verdict == verdict;
	printf("\n%sprocesses: %zu found\n", what, n);
	for (size_t i = 0; i < run->res.n_processes; i++)
		if (run->res.processes[i].verdict == verdict)
			print_finding(run, &run->res.processes[i], NULL);
}

static void print_human(const struct scan_run *run, const struct scan_options *o,
			const struct plan *plan)
{
	char seen[32], read[32], rate[32];

	human_bytes(run->res.bytes_seen, seen, sizeof(seen));
	human_bytes(run->res.bytes_read, read, sizeof(read));
	human_bytes(run->elapsed > 0 ? (uint64_t)((double)run->res.bytes_read / run->elapsed) : 0,
		    rate, sizeof(rate));
	printf("scanned %llu files (%s) in %llu directories and %llu processes in %.2f s\n",
	       (unsigned long long)run->res.files_examined, seen,
	       (unsigned long long)run->res.dirs_walked,
	       (unsigned long long)run->res.processes_examined, run->elapsed);
	printf("hashed %llu files (%s, %s/s), %llu from the cache%s%s\n",
	       (unsigned long long)run->res.files_hashed, read, rate,
	       (unsigned long long)run->res.cache_hits, run->cache_note ? "; " : "",
	       run->cache_note ? run->cache_note : "");
	print_verdict(run, EMB_RULE_DENY, "");
	if (count_verdict(run, EMB_RULE_AUDIT)) {
		printf("\naudited: allowed and logged, never in the removal plan\n");
		print_verdict(run, EMB_RULE_AUDIT, "audited ");
	}
	if (run->res.n_skipped) {
		printf("\nnot entered (use --network or --fstype):");
		for (size_t i = 0; i < run->res.n_skipped; i++) {
			printf("%s ", i ? "," : "");
			cli_print_safe(run->res.skipped[i].point);
			printf(" (%s)", run->res.skipped[i].fstype);
		}
		putchar('\n');
	}
	if (run->res.errors_total) {
		printf("\nerrors: %llu could not be examined\n",
		       (unsigned long long)run->res.errors_total);
		for (size_t i = 0; i < run->res.n_errors; i++) {
			printf("  ");
			cli_print_safe(run->res.errors[i].path);
			if (run->res.errors[i].open_ruled)
				printf(": not read: the policy's open rules deny or audit opening "
				       "it, "
				       "and embargod did not hand it over");
			printf(": %s\n", strerror(-run->res.errors[i].err));
		}
	}
	if (o->plan) {
		printf("\nremoval plan:\n");
		if (!plan->n_commands)
			printf("  nothing to remove\n");
		for (size_t i = 0; i < plan->n_commands; i++) {
			printf("  ");
			cli_print_safe(plan->commands[i]);
			putchar('\n');
		}
		printf("\nfiles owned by no package: %zu\n", plan->n_unowned);
		for (size_t i = 0; i < plan->n_unowned; i++) {
			printf("  ");
			cli_print_safe(run->res.files[plan->unowned[i]].path);
			putchar('\n');
		}
		printf("\naudited files, left in place: %zu\n", plan->n_audited);
		for (size_t i = 0; i < plan->n_audited; i++) {
			printf("  ");
			cli_print_safe(run->res.files[plan->audited[i]].path);
			putchar('\n');
		}
	}
}

/* ---- putting it together ---- */

/* A file the open rules deny or audit: read through a descriptor embargod hands over. */
static int scan_open_ruled(void *ctx, const char *path)
{
	const struct cli *cli = ctx;
	struct cli_handover h;

	return cli_open_content(cli->control_path, path, true, &h);
}

static void default_cache_path(char *buf, size_t size)
{
	const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");

	if (geteuid() == 0)
		snprintf(buf, size, "/var/cache/embargo/scan.cache");
	else if (xdg && xdg[0] == '/')
		snprintf(buf, size, "%s/embargo/scan.cache", xdg);
	else if (home && home[0] == '/')
		snprintf(buf, size, "%s/.cache/embargo/scan.cache", home);
	else
		buf[0] = '\0';
}

/* Creates the directories above PATH that are missing, mode 0700. */
static void make_parents(const char *path)
{
	char buf[PATH_MAX];

	snprintf(buf, sizeof(buf), "%s", path);
	for (char *p = buf + 1; (p = strchr(p, '/')); p++) {
		*p = '\0';
		mkdir(buf, 0700);
		*p = '/';
	}
}

/*
 * The packages owning each file found, and the installed packages that deny and audit
 * package= rules name (allow rules find nothing).
 */
static int find_packages(struct scan_run *run, const struct scan_options *o)
{
	const struct emb_package_report *rep = &run->src.packages;

	for (size_t i = 0; i < rep->n; i++) {
		const struct emb_rule *rule = &run->src.policy.rules[rep->v[i].rule];

		if (rule->verdict == EMB_RULE_ALLOW)
			continue;
		for (size_t k = 0; k < rep->v[i].n_lists; k++)
			packages_add(&run->packages, rep->v[i].lists[k], "dpkg", rule,
				     rule->verdict);
		if (run->rpm)
			rpm_query(o, false, rule->value, &run->packages, rule);
	}
	if (run->res.n_files) {
		run->owners = calloc(run->res.n_files, sizeof(*run->owners));
		if (!run->owners)
			return -ENOMEM;
	}
	for (size_t i = 0; i < run->res.n_files; i++) {
		const struct emb_scan_finding *f = &run->res.files[i];
		struct emb_dpkg_owners dpkg = { 0 };
		struct packages rpm = { 0 };
		size_t n = 0;

		if (i && !strcmp(run->res.files[i - 1].path, f->path) && run->owners[i - 1]) {
			/* The same file again, for another operation: the same owners. */
			size_t m = 0;

			while (run->owners[i - 1][m])
				m++;
			run->owners[i] = calloc(m + 1, sizeof(char *));
			if (!run->owners[i])
				return -ENOMEM;
			for (size_t k = 0; k < m; k++)
				if (!(run->owners[i][k] = strdup(run->owners[i - 1][k])))
					return -ENOMEM;
			continue;
		}
		emb_dpkg_find_owners(run->admin, f->path, &dpkg);
		if (run->rpm)
			rpm_query(o, true, f->path, &rpm, NULL);
		run->owners[i] = calloc(dpkg.n + rpm.n + 1, sizeof(char *));
		if (!run->owners[i]) {
			emb_dpkg_owners_free(&dpkg);
			packages_free(&rpm);
			return -ENOMEM;
		}
		for (size_t k = 0; k < dpkg.n; k++) {
			run->owners[i][n++] = strdup(dpkg.names[k]);
			packages_add(&run->packages, dpkg.names[k], "dpkg", NULL,
				     path_verdict(run, i));
		}
		for (size_t k = 0; k < rpm.n; k++) {
			run->owners[i][n++] = strdup(rpm.v[k].name);
			packages_add(&run->packages, rpm.v[k].name, "rpm", NULL,
				     path_verdict(run, i));
		}
		emb_dpkg_owners_free(&dpkg);
		packages_free(&rpm);
		for (size_t k = 0; k < n; k++)
			if (!run->owners[i][k])
				return -ENOMEM;
	}
	return run->packages.oom ? -ENOMEM : 0;
}

int cmd_scan(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "policy", required_argument, NULL, 'p' },
		{ "dpkg-root", required_argument, NULL, 'd' },
		{ "rpm-dbpath", required_argument, NULL, 'r' },
		{ "cache", required_argument, NULL, 'C' },
		{ "no-cache", no_argument, NULL, 'N' },
		{ "jobs", required_argument, NULL, 'J' },
		{ "network", no_argument, NULL, 'n' },
		{ "fstype", required_argument, NULL, 't' },
		{ "no-processes", no_argument, NULL, 'P' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "csv", no_argument, NULL, 'v' },
		{ "plan", no_argument, NULL, 'L' },
		{ NULL, 0, NULL, 0 },
	};
	static const char *const default_roots[] = { "/" };
	struct scan_options o = { 0 };
	struct scan_run *run = calloc(1, sizeof(*run));
	struct progress_display display = { 0 };
	struct emb_hash_cache cache;
	struct emb_scan_options so = { 0 };
	struct emb_mounts mounts = { 0 };
	struct plan plan = { 0 };
	bool cache_used = false, show_progress;
	int first, r, status = SCAN_EXIT_ERROR;
	double start;

	emb_hash_cache_init(&cache);
	o.policies = calloc((size_t)argc, sizeof(*o.policies));
	o.fstypes = calloc((size_t)argc, sizeof(*o.fstypes));
	if (!run || !o.policies || !o.fstypes) {
		cli_error(cli, "scan: %s", strerror(ENOMEM));
		goto out;
	}
	first = cli_parse_options(cli, argc, argv, scan_usage, opts, scan_option, &o);
	if (first < 0) {
		status = CLI_EXIT_USAGE;
		goto out;
	}
	if (o.csv && cli->json) {
		cli_error(cli, "scan: --json and --csv are two different outputs: give one");
		status = CLI_EXIT_USAGE;
		goto out;
	}
	if (o.csv && o.plan) {
		cli_error(cli, "scan: --plan is a list of shell commands, which --csv cannot "
			       "hold: give --plan with the default output or with --json");
		status = CLI_EXIT_USAGE;
		goto out;
	}
	if (o.cache_path && o.no_cache) {
		cli_error(cli, "scan: --cache and --no-cache contradict each other");
		status = CLI_EXIT_USAGE;
		goto out;
	}
	if (cli_dpkg_admin(cli, "scan", o.dpkg_root, run->admin, sizeof(run->admin))) {
		status = CLI_EXIT_USAGE;
		goto out;
	}
	for (int i = first; i < argc; i++) {
		struct stat st;

		if (stat(argv[i], &st) < 0) {
			cli_error(cli, "scan: %s: %s", argv[i], strerror(errno));
			status = CLI_EXIT_USAGE;
			goto out;
		}
	}

	if (o.n_policies) {
		struct emb_diags diags = { 0 };

		r = cli_source_load(&run->src, o.policies, o.n_policies, EMB_MODE_ENFORCE,
				    run->admin, &diags);
		cli_print_diags(&diags);
		emb_diags_free(&diags);
		if (r) {
			cli_error(cli, "scan: %s", r == -EINVAL ? "policy rejected" : strerror(-r));
			goto out;
		}
	} else {
		cli_source_from_daemon(&run->src, cli->control_path, EMB_MODE_ENFORCE, run->admin);
		if (!run->src.ready) {
			cli_error(cli, "scan: %s", run->src.why_not);
			goto out;
		}
	}
	run->rpm = rpm_present(&o);

	if (!o.no_cache) {
		if (o.cache_path)
			snprintf(run->cache_path, sizeof(run->cache_path), "%s", o.cache_path);
		else
			default_cache_path(run->cache_path, sizeof(run->cache_path));
		if (run->cache_path[0]) {
			char why[PATH_MAX];

			/* The path may be a mistake: a scan never replaces a file not its cache. */
			r = emb_hash_cache_check_path(run->cache_path, why, sizeof(why));
			if (r) {
				cli_error(cli, "scan: %s: %s (another --cache, or --no-cache)",
					  run->cache_path, why);
				status = CLI_EXIT_USAGE;
				goto out;
			}
			r = emb_hash_cache_load(&cache, run->cache_path);
			if (r == -EBADMSG)
				run->cache_note = "the cache file was damaged and is replaced";
			else if (r == -EPERM)
				run->cache_note =
					"the cache file is not this user's alone: not used";
			else if (r)
				run->cache_note = "the cache file could not be read";
			cache_used = r != -EPERM && r != -EEXIST;
		}
	}

	so.policy = &run->src.policy;
	so.resolved = &run->src.resolved;
	so.roots = first < argc ? (const char *const *)argv + first : default_roots;
	so.n_roots = first < argc ? (size_t)(argc - first) : 1;
	so.network = o.network;
	so.fstypes = o.fstypes;
	so.n_fstypes = o.n_fstypes;
	if (emb_mounts_read("/proc/self/mountinfo", &mounts) == 0)
		so.mounts = &mounts;
	so.jobs = o.jobs;
	so.cache = cache_used ? &cache : NULL;
	so.proc = o.no_processes ? NULL : "/proc";
	so.self_pid = getpid();
	so.open_ruled = scan_open_ruled;
	so.open_ruled_ctx = cli;

	show_progress = !o.quiet && isatty(STDERR_FILENO);
	start = now_seconds();
	if (show_progress) {
		display.p = &run->progress;
		display.start = start;
		pthread_mutex_init(&display.lock, NULL);
		pthread_cond_init(&display.cond, NULL);
		if (pthread_create(&display.thread, NULL, progress_thread, &display))
			show_progress = false;
	}
	r = emb_scan_run(&so, &run->progress, &run->res);
	run->elapsed = now_seconds() - start;
	if (show_progress) {
		pthread_mutex_lock(&display.lock);
		display.stop = true;
		pthread_cond_signal(&display.cond);
		pthread_mutex_unlock(&display.lock);
		pthread_join(display.thread, NULL);
	}
	if (r) {
		cli_error(cli, "scan: %s", strerror(-r));
		goto out;
	}
	if (cache_used && run->cache_path[0]) {
		/* A scan of everything knows every file that still exists: the rest is dropped. */
		make_parents(run->cache_path);
		r = emb_hash_cache_save(&cache, run->cache_path, first >= argc);
		if (r)
			fprintf(stderr, "embargo: scan: cannot write the cache %s: %s\n",
				run->cache_path, strerror(-r));
	}
	r = find_packages(run, &o);
	if (!r && o.plan) {
		plan_build(&plan, run, &o);
		if (plan.oom)
			r = -ENOMEM;
	}
	if (r) {
		cli_error(cli, "scan: %s", strerror(-r));
		goto out;
	}
	if (cli->json)
		print_json(run, &o, &plan);
	else if (o.csv)
		print_csv(run);
	else
		print_human(run, &o, &plan);
	status = run->res.n_files || run->res.n_processes || run->packages.n ? SCAN_EXIT_FOUND
									     : CLI_EXIT_OK;
out:
	if (run) {
		for (size_t i = 0; run->owners && i < run->res.n_files; i++) {
			for (size_t k = 0; run->owners[i] && run->owners[i][k]; k++)
				free(run->owners[i][k]);
			free(run->owners[i]);
		}
		free(run->owners);
		packages_free(&run->packages);
		emb_scan_result_free(&run->res);
		cli_source_free(&run->src);
		free(run);
	}
	plan_free(&plan);
	emb_mounts_free(&mounts);
	emb_hash_cache_free(&cache);
	free(o.policies);
	free(o.fstypes);
	return status;
}
