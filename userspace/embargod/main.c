// SPDX-License-Identifier: GPL-2.0-only
/*
 * embargod: loads the exec enforcement programs, keeps the policy in their maps, and writes
 * every decision the kernel reports to the audit log.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/inotify.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <bpf/libbpf.h>
#include <systemd/sd-daemon.h>

#include "checker.h"
#include "control.h"
#include "daemon.h"
#include "paths.h"
#include "sandbox.h"
#include "event_log.h"
#include "push.h"
#include "version.h"

#define DEFAULT_POLICY "/etc/embargo/policy.d"
#define DEFAULT_LOG    "/var/log/embargo/events.jsonl"
#define DEFAULT_STATE  "/var/lib/embargo"
#define DEFAULT_CONFIG "/etc/embargo/embargod.conf"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: embargod [--policy FILE|DIR]... [--mode enforce|audit]\n"
		"                [--tier auto|lsm|tracepoint] [--log FILE] [--control SOCKET]\n"
		"                [--fanotify-scope PATH]... [--dpkg-root DIR] [--state DIR]\n"
		"                [--trusted-key PUBFILE]... [--admin-group GROUP] [--force]\n"
		"                [--log-max-size BYTES] [--log-keep N] [--audit] [--journal]\n"
		"                [--pin-dir DIR | --no-pin] [--protect] [--config FILE]\n"
		"       embargod --check [--policy FILE|DIR]...\n"
		"       embargod --version\n"
		"\n"
		"  --policy FILE|DIR  policy file, or directory of *.policy files "
		"(default " DEFAULT_POLICY ")\n"
		"  --mode MODE        enforce, or audit (log what would be denied, deny nothing);\n"
		"                     overrides the policy's mode line\n"
		"  --tier TIER        auto (lsm when the kernel runs BPF LSM, else tracepoint), "
		"lsm, tracepoint\n"
		"  --log FILE         audit log, one JSON object a line (default " DEFAULT_LOG ")\n"
		"  --log-max-size BYTES  rotate the log beyond this size (K, M, G suffixes; 0: "
		"never;\n"
		"                     default 100M)\n"
		"  --log-keep N       rotated logs kept (LOG.1 ... LOG.N; default 10)\n"
		"  --audit            also send every decision to the Linux audit subsystem\n"
		"                     (a MAC_CHECK record: ausearch -m MAC_CHECK -i)\n"
		"  --journal          also send every decision to journald (syslog without it)\n"
		"  --control SOCKET   control socket for the embargo CLI "
		"(default " EMB_CONTROL_DEFAULT ")\n"
		"  --fanotify-scope PATH\n"
		"                     tracepoint tier: check sha256= exec rules only on the\n"
		"                     filesystem holding PATH (repeatable; default: every local\n"
		"                     filesystem)\n"
		"  --dpkg-root DIR    read package= rules from DIR/var/lib/dpkg instead of "
		"/var/lib/dpkg\n"
		"  --state DIR        where a pushed policy and the highest version accepted are "
		"kept\n"
		"                     (default " DEFAULT_STATE ")\n"
		"  --trusted-key PUBFILE\n"
		"                     accept only policies signed by one of these Ed25519 keys, "
		"each\n"
		"                     with a version line newer than the last (repeatable)\n"
		"  --admin-group GROUP  members may use the control socket (push, status) too\n"
		"  --force            start even if the policy would deny a critical program\n"
		"  --pin-dir DIR      pin the programs and maps in DIR, on a bpf file system, so\n"
		"                     that enforcement outlives embargod; a new embargod takes "
		"them\n"
		"                     over (default " ENFORCER_PIN_DIR_DEFAULT ")\n"
		"  --no-pin           pin nothing: enforcement ends when embargod exits\n"
		"  --protect          tamper protection (lsm tier): only embargod may signal or\n"
		"                     trace it, write its maps, detach links, remove its pins, or\n"
		"                     change its policy, key and log files\n"
		"  --check            check the --policy files as embargo check does (syntax,\n"
		"                     packages, guardrails), print \"configuration OK\", exit\n"
		"  --verbose          print libbpf's messages (the verifier's log when a load "
		"fails)\n"
		"  --config FILE      read options from FILE first, one a line (\"name value\");\n"
		"                     the command line wins (default " DEFAULT_CONFIG ",\n"
		"                     which may be missing)\n"
		"  --version          print embargod's version and exit\n"
		"\n"
		"SIGHUP reloads the policy. SIGTERM stops embargod; the pinned programs go on\n"
		"enforcing the policy in force (embargo unload ends that).\n");
}

/* embargod's options, on the command line and in the configuration file alike. */
static const struct option daemon_options[] = {
	{ "policy", required_argument, NULL, 'p' },
	{ "mode", required_argument, NULL, 'm' },
	{ "tier", required_argument, NULL, 't' },
	{ "log", required_argument, NULL, 'l' },
	{ "control", required_argument, NULL, 'c' },
	{ "check", no_argument, NULL, 'n' },
	{ "fanotify-scope", required_argument, NULL, 'f' },
	{ "dpkg-root", required_argument, NULL, 'd' },
	{ "state", required_argument, NULL, 's' },
	{ "trusted-key", required_argument, NULL, 'k' },
	{ "admin-group", required_argument, NULL, 'g' },
	{ "force", no_argument, NULL, 'F' },
	{ "log-max-size", required_argument, NULL, 'M' },
	{ "log-keep", required_argument, NULL, 'K' },
	{ "audit", no_argument, NULL, 'A' },
	{ "journal", no_argument, NULL, 'J' },
	{ "pin-dir", required_argument, NULL, 'P' },
	{ "no-pin", no_argument, NULL, 'N' },
	{ "protect", no_argument, NULL, 'G' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "config", required_argument, NULL, 'C' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

/* What the command line says once, not the file: an action, or where the file is. */
static bool command_line_only(int code)
{
	return code == 'n' || code == 'C' || code == 'h' || code == 'V';
}

/* One option: CODE (from daemon_options) with ARG. WHERE starts each error message. */
static int apply_option(struct daemon *d, int code, const char *arg, const char *where)
{
	switch (code) {
	case 'p':
		if (d->n_policy_paths == DAEMON_MAX_POLICY_PATHS) {
			fprintf(stderr, "%sat most %d --policy options\n", where,
				DAEMON_MAX_POLICY_PATHS);
			return -EINVAL;
		}
		d->policy_paths[d->n_policy_paths++] = arg;
		break;
	case 'm':
		if (!strcmp(arg, "enforce"))
			d->mode_override = EMB_MODE_ENFORCE;
		else if (!strcmp(arg, "audit"))
			d->mode_override = EMB_MODE_AUDIT;
		else {
			fprintf(stderr, "%s--mode: '%s' is not enforce or audit\n", where, arg);
			return -EINVAL;
		}
		break;
	case 't':
		if (!strcmp(arg, "auto"))
			d->tier_choice = TIER_AUTO;
		else if (!strcmp(arg, "lsm"))
			d->tier_choice = TIER_LSM;
		else if (!strcmp(arg, "tracepoint"))
			d->tier_choice = TIER_TRACEPOINT;
		else {
			fprintf(stderr, "%s--tier: '%s' is not auto, lsm or tracepoint\n", where,
				arg);
			return -EINVAL;
		}
		break;
	case 'l':
		d->log_path = arg;
		break;
	case 'c':
		d->control_path = arg;
		break;
	case 'f':
		if (fanguard_add_scope(&d->fanguard, arg)) {
			fprintf(stderr, "%sat most %d --fanotify-scope options\n", where,
				FANGUARD_MAX_SCOPES);
			return -EINVAL;
		}
		break;
	case 'd': {
		static char admin[PATH_MAX];

		if ((size_t)snprintf(admin, sizeof(admin), "%s/var/lib/dpkg", arg) >=
		    sizeof(admin)) {
			fprintf(stderr, "%s--dpkg-root: path too long\n", where);
			return -EINVAL;
		}
		d->dpkg_admin = admin;
		break;
	}
	case 's':
		d->state_dir = arg;
		break;
	case 'k': {
		char err[512];

		if (emb_trust_add_file(&d->trust, arg, err, sizeof(err))) {
			fprintf(stderr, "%s--trusted-key %s: %s\n", where, arg, err);
			return -EINVAL;
		}
		if (d->n_trusted_paths < sizeof(d->trusted_paths) / sizeof(d->trusted_paths[0]))
			d->trusted_paths[d->n_trusted_paths++] = arg;
		d->n_trusted++;
		break;
	}
	case 'g': {
		struct group *gr = getgrnam(arg);
		char *end;
		unsigned long gid = strtoul(arg, &end, 10);

		if (gr) {
			d->admin_gid = gr->gr_gid;
		} else if (*arg && !*end) {
			d->admin_gid = (gid_t)gid;
		} else {
			fprintf(stderr, "%s--admin-group: no group '%s'\n", where, arg);
			return -EINVAL;
		}
		d->have_admin_group = true;
		break;
	}
	case 'F':
		d->force = true;
		break;
	case 'A':
		d->want_audit = true;
		break;
	case 'P':
		d->pin_dir = arg;
		break;
	case 'N':
		d->no_pin = true;
		break;
	case 'G':
		d->protect = true;
		break;
	case 'J':
		d->want_journal = true;
		break;
	case 'M': {
		char *end;
		unsigned long long v = strtoull(arg, &end, 10);

		if (end == arg || (*end && end[1]) || (*end && !strchr("KMG", *end))) {
			fprintf(stderr, "%s--log-max-size: '%s' is not a size\n", where, arg);
			return -EINVAL;
		}
		v <<= *end == 'K' ? 10 : *end == 'M' ? 20 : *end == 'G' ? 30 : 0;
		d->log_max_size = v;
		break;
	}
	case 'K': {
		char *end;
		unsigned long v = strtoul(arg, &end, 10);

		if (*end || v < 1 || v > 1000) {
			fprintf(stderr, "%s--log-keep: 1 to 1000, not '%s'\n", where, arg);
			return -EINVAL;
		}
		d->log_keep = (unsigned)v;
		break;
	}
	case 'v':
		enforcer_verbose = true;
		break;
	}
	return 0;
}

struct option_use {
	int code;
	const char *arg;
};

/* Options another source settles: --pin-dir and --no-pin are one choice. */
static bool option_given(const struct option_use *uses, size_t n, int code)
{
	for (size_t i = 0; i < n; i++)
		if (uses[i].code == code || (code == 'P' && uses[i].code == 'N') ||
		    (code == 'N' && uses[i].code == 'P'))
			return true;
	return false;
}

static const struct option *option_by_name(const char *name)
{
	for (const struct option *o = daemon_options; o->name; o++)
		if (!strcmp(o->name, name))
			return o;
	return NULL;
}

/* A flag's value in the file: none or yes/no. 1 set, 0 not set, -1 neither. */
static int flag_value(const char *value)
{
	static const char *const yes[] = { "", "yes", "true", "on", "1" };
	static const char *const no[] = { "no", "false", "off", "0" };

	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
		if (!strcmp(value, yes[i]))
			return 1;
	for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		if (!strcmp(value, no[i]))
			return 0;
	return -1;
}

/*
 * The configuration file: one option a line, "name value" or "name=value" (or a flag's name
 * alone), '#' starting a comment. The command line wins: an option it gives replaces the file's.
 * EXPLICIT: named by --config, so that it must exist. 0, or -errno after saying what is wrong.
 */
static int read_config(struct daemon *d, const char *path, bool explicit,
		       const struct option_use *cmdline, size_t n_cmdline)
{
	char where[PATH_MAX + 64], *line = NULL;
	struct stat st;
	size_t cap = 0;
	unsigned lineno = 0;
	ssize_t len;
	int r = 0;
	FILE *f = fopen(path, "re");

	if (!f) {
		r = -errno;
		if (r == -ENOENT && !explicit)
			return 0;
		fprintf(stderr, "embargod: %s: cannot read: %s\n", path, strerror(-r));
		return r;
	}
	/* Whoever may write it decides how embargod enforces: root only. */
	if (fstat(fileno(f), &st) == 0 &&
	    ((st.st_mode & 0022) || (geteuid() == 0 && st.st_uid != 0))) {
		fprintf(stderr,
			"embargod: %s: refused: %s (mode %04o, owner uid %u); only root may "
			"write it\n",
			path,
			st.st_mode & 0022 ? "writable by group or others" : "not owned by root",
			(unsigned)(st.st_mode & 07777), (unsigned)st.st_uid);
		fclose(f);
		return -EPERM;
	}
	while (!r && (len = getline(&line, &cap, f)) >= 0) {
		char *name = line, *value, *end, *hash;
		const struct option *o;
		int flag = 1;

		lineno++;
		snprintf(where, sizeof(where), "embargod: %s:%u: ", path, lineno);
		if ((size_t)len != strlen(line)) {
			fprintf(stderr, "%sa NUL byte: not a text file\n", where);
			r = -EINVAL;
			break;
		}
		/* A comment starts a line, or follows a blank: '#' inside a path stays. */
		for (hash = line; (hash = strchr(hash, '#')); hash++)
			if (hash == line || hash[-1] == ' ' || hash[-1] == '\t') {
				*hash = 0;
				break;
			}
		while (*name == ' ' || *name == '\t')
			name++;
		end = name + strlen(name);
		while (end > name && strchr(" \t\r\n", end[-1]))
			*--end = 0;
		if (!*name)
			continue;
		if (!strncmp(name, "--", 2))
			name += 2;
		value = name + strcspn(name, "= \t");
		if (*value) {
			*value++ = 0;
			value += strspn(value, "= \t");
		}
		o = option_by_name(name);
		if (!o || command_line_only(o->val)) {
			fprintf(stderr, "%s%s: %s\n", where, name,
				o ? "allowed on the command line only" : "unknown option");
			r = -EINVAL;
			break;
		}
		if (o->has_arg == no_argument)
			flag = flag_value(value);
		if (flag < 0 || (o->has_arg != no_argument && !*value)) {
			fprintf(stderr, "%s%s: %s\n", where, name,
				flag < 0 ? "a flag takes no value, or yes or no" : "needs a value");
			r = -EINVAL;
			break;
		}
		if (option_given(cmdline, n_cmdline, o->val)) {
			fprintf(stderr, "%s%s: the command line's option is used instead\n", where,
				name);
			continue;
		}
		if (!flag)
			continue;
		/* Kept for the life of the process, as argv's strings are. */
		value = strdup(value);
		if (!value) {
			r = -ENOMEM;
			break;
		}
		r = apply_option(d, o->val, value, where);
	}
	free(line);
	fclose(f);
	return r;
}

/*
 * The command line, then the configuration file, then the command line's options over the
 * file's. Returns 0, 1 when done (--help, --version), or -EINVAL after one line saying why.
 */
static int parse_args(struct daemon *d, int argc, char **argv, bool *check_only)
{
	struct option_use *uses = calloc((size_t)argc + 1, sizeof(*uses));
	const char *config = DEFAULT_CONFIG;
	bool config_explicit = false;
	size_t n = 0;
	int c, r = 0;

	if (!uses)
		return -ENOMEM;
	opterr = 0;
	while (!r && (c = getopt_long(argc, argv, ":p:m:t:l:c:nvhV", daemon_options, NULL)) != -1) {
		switch (c) {
		case '?':
			if (optopt)
				fprintf(stderr, "embargod: unknown option '-%c'", optopt);
			else
				fprintf(stderr, "embargod: unknown option '%.*s'",
					(int)strcspn(argv[optind - 1], "="), argv[optind - 1]);
			fprintf(stderr, "; see 'embargod --help'\n");
			r = -EINVAL;
			break;
		case ':':
			fprintf(stderr,
				"embargod: option '%s' needs a value; see 'embargod --help'\n",
				argv[optind - 1]);
			r = -EINVAL;
			break;
		case 'h':
			usage(stdout);
			r = 1;
			break;
		case 'V':
			printf("embargod " EMB_VERSION "\n");
			r = 1;
			break;
		case 'C':
			config = optarg;
			config_explicit = true;
			break;
		case 'n':
			*check_only = true;
			break;
		default:
			uses[n++] = (struct option_use){ c, optarg };
		}
	}
	if (!r && optind < argc) {
		fprintf(stderr, "embargod: unexpected argument '%s'; see 'embargod --help'\n",
			argv[optind]);
		r = -EINVAL;
	}
	if (!r)
		r = read_config(d, config, config_explicit, uses, n) ? -EINVAL : 0;
	for (size_t i = 0; !r && i < n; i++)
		r = apply_option(d, uses[i].code, uses[i].arg, "embargod: ");
	free(uses);
	if (!r && !d->n_policy_paths)
		d->policy_paths[d->n_policy_paths++] = DEFAULT_POLICY;
	return r;
}

static int epoll_add(int epfd, int fd)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.fd = fd };

	return epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) < 0 ? -errno : 0;
}

static int setup_signals(struct daemon *d)
{
	sigset_t mask;

	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&mask);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0)
		return -errno;
	d->signal_fd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	return d->signal_fd < 0 ? -errno : 0;
}

/* Returns 1 when the daemon should stop. */
static int handle_signals(struct daemon *d)
{
	struct signalfd_siginfo si;

	while (read(d->signal_fd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo == SIGHUP) {
			fprintf(stderr, "embargod: SIGHUP: reloading the policy\n");
			daemon_reload(d, NULL);
		} else {
			fprintf(stderr, "embargod: %s: stopping\n", strsignal((int)si.ssi_signo));
			d->stop_reason = si.ssi_signo == SIGINT ? "SIGINT" : "SIGTERM";
			sd_notify(0, "STOPPING=1\nSTATUS=Stopping");
			return 1;
		}
	}
	return 0;
}

static int run_loop(struct daemon *d)
{
	struct epoll_event evs[8];
	int epfd, r = 0;

	epfd = epoll_create1(EPOLL_CLOEXEC);
	if (epfd < 0)
		return -errno;
	if ((r = epoll_add(epfd, d->signal_fd)) || (r = epoll_add(epfd, d->control_fd)) ||
	    (r = epoll_add(epfd, ring_buffer__epoll_fd(d->rb))))
		goto out;
	if (d->inotify_fd >= 0 && (r = epoll_add(epfd, d->inotify_fd)))
		goto out;
	if (d->resolve_timer_fd >= 0 && (r = epoll_add(epfd, d->resolve_timer_fd)))
		goto out;
	if (fanguard_fd(&d->fanguard) >= 0 && (r = epoll_add(epfd, fanguard_fd(&d->fanguard))))
		goto out;
	/* Not EPOLLIN: mountinfo is always readable. EPOLLPRI says the mount table changed. */
	if (fanguard_mounts_fd(&d->fanguard) >= 0) {
		struct epoll_event ev = { .events = EPOLLPRI };

		ev.data.fd = fanguard_mounts_fd(&d->fanguard);
		if (epoll_ctl(epfd, EPOLL_CTL_ADD, ev.data.fd, &ev) < 0) {
			r = -errno;
			goto out;
		}
	}

	for (;;) {
		int n = epoll_wait(epfd, evs, 8, -1);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = -errno;
			break;
		}
		for (int i = 0; i < n; i++) {
			int fd = evs[i].data.fd;

			if (fd == d->signal_fd && handle_signals(d))
				goto out;
			else if (fd == d->control_fd) {
				daemon_control_accept(d);
				/* A push may have logged kills: write them now. */
				daemon_drain_events(d);
				if (d->unloaded)
					goto out;
			} else if (fd == d->inotify_fd)
				daemon_targets_changed(d);
			else if (fd == d->resolve_timer_fd)
				daemon_resolve_timer(d);
			else if (fd == ring_buffer__epoll_fd(d->rb))
				daemon_drain_events(d);
			else if (fd == fanguard_fd(&d->fanguard)) {
				/* Answers first; the log is written (and synced) after. */
				fanguard_handle(&d->fanguard);
				daemon_drain_events(d);
			} else if (fd == fanguard_mounts_fd(&d->fanguard)) {
				fanguard_mounts_changed(&d->fanguard);
			}
		}
	}
out:
	close(epfd);
	return r;
}

static void log_fanguard_event(void *ctx, const struct emb_event *e, size_t len)
{
	daemon_log_event(ctx, e, len);
}

/* Every rule target is held open (see struct emb_resolved): take all the descriptors allowed. */
static void raise_nofile_limit(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

int main(int argc, char **argv)
{
	struct daemon d;
	bool check_only = false;
	char err[1024];
	int r;

	daemon_init(&d);
	d.log_path = DEFAULT_LOG;
	d.control_path = EMB_CONTROL_DEFAULT;
	d.state_dir = DEFAULT_STATE;
	d.log_max_size = 100u << 20;
	d.log_keep = 10;
	d.pin_dir = ENFORCER_PIN_DIR_DEFAULT;
	r = parse_args(&d, argc, argv, &check_only);
	if (r)
		return r > 0 ? 0 : 2;
	if (d.no_pin && strcmp(d.pin_dir, ENFORCER_PIN_DIR_DEFAULT)) {
		fprintf(stderr, "embargod: --pin-dir and --no-pin contradict each other\n");
		return 2;
	}
	raise_nofile_limit();
	/*
	 * A policy pushed earlier was the one in force: it stays so across a restart. --check
	 * checks the --policy files, as embargo check does.
	 */
	if (!check_only && push_adopt_state(&d))
		fprintf(stderr, "embargod: the policy in force is the one pushed last (%s/%s)\n",
			d.state_dir, PUSH_POLICY_NAME);

	/* Everything the user got wrong is found before the kernel is touched. */
	if (!check_only)
		sd_notify(0, "STATUS=Checking the policy");
	r = daemon_prepare_policy(&d);
	if (r)
		return 1;
	if (check_only) {
		char summary[256];

		emb_checker_summary(&d.staged.policy, d.staged.mode, false, summary,
				    sizeof(summary));
		printf("configuration OK: %s\n", summary);
		return 0;
	}
	/* Claimed before anything is written: a second embargod on the same files stops here. */
	if (paths_claim_state(&d))
		return 1;
	r = setup_signals(&d);
	if (r) {
		fprintf(stderr, "embargod: cannot set up signal handling: %s\n", strerror(-r));
		return 1;
	}
	if (daemon_open_log(&d) || daemon_control_listen(&d))
		return 1;
	/* A sink that cannot be set up is a warning: enforcement comes first. */
	sinks_open(&d.sinks, d.want_audit, d.want_journal, err, sizeof(err));
	if (d.sinks.audit_warning[0])
		fprintf(stderr, "embargod: warning: %s\n", d.sinks.audit_warning);
	if (d.sinks.journal_warning[0])
		fprintf(stderr, "embargod: warning: %s\n", d.sinks.journal_warning);

	sd_notify(0, "STATUS=Loading the programs");
	r = enforcer_load(&d.enf, d.tier_choice, d.no_pin ? NULL : d.pin_dir, err, sizeof(err));
	if (r) {
		fprintf(stderr, "embargod: %s\n", err);
		return 1;
	}
	if (d.enf.tier != EMB_TIER_LSM && d.tier_choice == TIER_AUTO)
		fprintf(stderr, "embargod: lsm tier unavailable (%s); using the tracepoint tier\n",
			d.enf.lsm_reason);
	if (d.enf.adopted) {
		fprintf(stderr,
			"embargod: taking over the pinned programs in %s: their policy stays in "
			"force until this one's is installed\n",
			d.enf.pin_dir);
		daemon_took_over(&d);
	}
	fanguard_set_vouched_map(&d.fanguard, enforcer_vouched_map_fd(&d.enf));
	fanguard_start(&d.fanguard, d.enf.tier, log_fanguard_event, &d);
	r = daemon_commit_policy(&d);
	if (!r)
		r = daemon_start_events(&d);
	if (!r && (r = enforcer_attach(&d.enf)))
		fprintf(stderr, "embargod: cannot attach the %s programs: %s\n",
			emb_tier_name(d.enf.tier), strerror(-r));
	if (r) {
		daemon_cleanup(&d);
		return 1;
	}
	if (d.protect) {
		r = daemon_protect(&d);
		if (r) {
			fprintf(stderr, "embargod: --protect: %s\n", strerror(-r));
			daemon_cleanup(&d);
			return 1;
		}
	}
	/* Everything is open and attached: from here on, only what the loop needs. */
	d.test_hooks = getenv("EMBARGOD_TEST_HOOKS") && !strcmp(getenv("EMBARGOD_TEST_HOOKS"), "1");
	if (sandbox_drop_capabilities(err, sizeof(err)) ||
	    sandbox_install_filter(err, sizeof(err))) {
		fprintf(stderr, "embargod: %s\n", err);
		daemon_cleanup(&d);
		return 1;
	}
	if (d.enf.adopted)
		fprintf(stderr,
			"embargod: took over from the earlier embargod: %zu maps shared, "
			"%zu links replaced\n",
			d.enf.n_maps_reused, d.enf.n_links_replaced);
	fanguard_print_limits(&d.fanguard);
	daemon_log_start(&d);
	printf("embargod: ready tier=%s rules=%zu\n", emb_tier_name(d.enf.tier),
	       daemon_current(&d)->policy.n_rules);
	fflush(stdout);
	/* The programs are attached: units ordered after this one start with enforcement on. */
	daemon_notify_ready(&d, NULL);

	r = run_loop(&d);
	daemon_final_drain(&d);
	daemon_log_stop(&d, r		    ? "error"
			    : d.unloaded    ? "unload"
			    : d.stop_reason ? d.stop_reason
					    : "SIGTERM");
	daemon_cleanup(&d);
	if (r) {
		fprintf(stderr, "embargod: %s\n", strerror(-r));
		return 1;
	}
	if (d.unloaded || !d.enf.pin_dir[0])
		fprintf(stderr, "embargod: stopped; enforcement is off\n");
	else
		fprintf(stderr,
			"embargod: stopped; the programs pinned in %s go on enforcing the policy "
			"(embargo unload ends that)\n",
			d.enf.pin_dir);
	return 0;
}
