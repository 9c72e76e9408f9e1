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

#include "checker.h"
#include "control.h"
#include "daemon.h"
#include "sandbox.h"
#include "event_log.h"
#include "push.h"

#define DEFAULT_POLICY "/etc/embargo/policy.d"
#define DEFAULT_LOG    "/var/log/embargo/events.jsonl"
#define DEFAULT_STATE  "/var/lib/embargo"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: embargod [--policy FILE|DIR]... [--mode enforce|audit]\n"
		"                [--tier auto|lsm|tracepoint] [--log FILE] [--control SOCKET]\n"
		"                [--fanotify-scope PATH]... [--dpkg-root DIR] [--state DIR]\n"
		"                [--trusted-key PUBFILE]... [--admin-group GROUP] [--force]\n"
		"                [--log-max-size BYTES] [--log-keep N] [--audit] [--journal]\n"
		"                [--pin-dir DIR | --no-pin] [--protect]\n"
		"       embargod --check [--policy FILE|DIR]...\n"
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
		"\n"
		"SIGHUP reloads the policy. SIGTERM stops embargod; the pinned programs go on\n"
		"enforcing the policy in force (embargo unload ends that).\n");
}

static int parse_args(struct daemon *d, int argc, char **argv, bool *check_only)
{
	static const struct option opts[] = {
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
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "p:m:t:l:c:nvh", opts, NULL)) != -1) {
		switch (c) {
		case 'p':
			if (d->n_policy_paths == DAEMON_MAX_POLICY_PATHS) {
				fprintf(stderr, "embargod: at most %d --policy options\n",
					DAEMON_MAX_POLICY_PATHS);
				return -EINVAL;
			}
			d->policy_paths[d->n_policy_paths++] = optarg;
			break;
		case 'm':
			if (!strcmp(optarg, "enforce"))
				d->mode_override = EMB_MODE_ENFORCE;
			else if (!strcmp(optarg, "audit"))
				d->mode_override = EMB_MODE_AUDIT;
			else {
				fprintf(stderr, "embargod: --mode: '%s' is not enforce or audit\n",
					optarg);
				return -EINVAL;
			}
			break;
		case 't':
			if (!strcmp(optarg, "auto"))
				d->tier_choice = TIER_AUTO;
			else if (!strcmp(optarg, "lsm"))
				d->tier_choice = TIER_LSM;
			else if (!strcmp(optarg, "tracepoint"))
				d->tier_choice = TIER_TRACEPOINT;
			else {
				fprintf(stderr,
					"embargod: --tier: '%s' is not auto, lsm or tracepoint\n",
					optarg);
				return -EINVAL;
			}
			break;
		case 'l':
			d->log_path = optarg;
			break;
		case 'c':
			d->control_path = optarg;
			break;
		case 'n':
			*check_only = true;
			break;
		case 'f':
			if (fanguard_add_scope(&d->fanguard, optarg)) {
				fprintf(stderr, "embargod: at most %d --fanotify-scope options\n",
					FANGUARD_MAX_SCOPES);
				return -EINVAL;
			}
			break;
		case 'd': {
			static char admin[PATH_MAX];

			if ((size_t)snprintf(admin, sizeof(admin), "%s/var/lib/dpkg", optarg) >=
			    sizeof(admin)) {
				fprintf(stderr, "embargod: --dpkg-root: path too long\n");
				return -EINVAL;
			}
			d->dpkg_admin = admin;
			break;
		}
		case 's':
			d->state_dir = optarg;
			break;
		case 'k': {
			char err[512];

			if (emb_trust_add_file(&d->trust, optarg, err, sizeof(err))) {
				fprintf(stderr, "embargod: --trusted-key %s: %s\n", optarg, err);
				return -EINVAL;
			}
			if (d->n_trusted_paths <
			    sizeof(d->trusted_paths) / sizeof(d->trusted_paths[0]))
				d->trusted_paths[d->n_trusted_paths++] = optarg;
			d->n_trusted++;
			break;
		}
		case 'g': {
			struct group *gr = getgrnam(optarg);
			char *end;
			unsigned long gid = strtoul(optarg, &end, 10);

			if (gr) {
				d->admin_gid = gr->gr_gid;
			} else if (*optarg && !*end) {
				d->admin_gid = (gid_t)gid;
			} else {
				fprintf(stderr, "embargod: --admin-group: no group '%s'\n", optarg);
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
			d->pin_dir = optarg;
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
			unsigned long long v = strtoull(optarg, &end, 10);

			if (end == optarg || (*end && end[1]) || (*end && !strchr("KMG", *end))) {
				fprintf(stderr, "embargod: --log-max-size: '%s' is not a size\n",
					optarg);
				return -EINVAL;
			}
			v <<= *end == 'K' ? 10 : *end == 'M' ? 20 : *end == 'G' ? 30 : 0;
			d->log_max_size = v;
			break;
		}
		case 'K': {
			char *end;
			unsigned long v = strtoul(optarg, &end, 10);

			if (*end || v < 1 || v > 1000) {
				fprintf(stderr, "embargod: --log-keep: 1 to 1000, not '%s'\n",
					optarg);
				return -EINVAL;
			}
			d->log_keep = (unsigned)v;
			break;
		}
		case 'v':
			enforcer_verbose = true;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			return -EINVAL;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "embargod: unexpected argument '%s'\n", argv[optind]);
		usage(stderr);
		return -EINVAL;
	}
	if (!d->n_policy_paths)
		d->policy_paths[d->n_policy_paths++] = DEFAULT_POLICY;
	return 0;
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
			daemon_reload(d);
		} else {
			fprintf(stderr, "embargod: %s: stopping\n", strsignal((int)si.ssi_signo));
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
	if (parse_args(&d, argc, argv, &check_only))
		return 2;
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
	r = setup_signals(&d);
	if (r) {
		fprintf(stderr, "embargod: cannot set up signal handling: %s\n", strerror(-r));
		return 1;
	}
	if (daemon_open_log(&d) || daemon_control_listen(&d))
		return 1;
	/* A sink that cannot be set up is a warning: enforcement comes first. */
	sinks_open(&d.sinks, d.want_audit, d.want_journal, err, sizeof(err));
	if (err[0])
		fprintf(stderr, "embargod: %s\n", err);

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
	printf("embargod: ready tier=%s rules=%zu\n", emb_tier_name(d.enf.tier),
	       daemon_current(&d)->policy.n_rules);
	fflush(stdout);

	r = run_loop(&d);
	daemon_final_drain(&d);
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
