// SPDX-License-Identifier: GPL-2.0-only
/*
 * The audit and journal sinks. The event loop formats each record and queues it; one thread
 * sends. Sending can block for long: the kernel makes a sender of audit messages sleep while
 * its backlog is over audit_backlog_limit (up to audit_backlog_wait_time, 60 s by default, each
 * time), and journald's and syslog's sockets block when their readers fall behind.
 */
#define SD_JOURNAL_SUPPRESS_LOCATION /* CODE_FILE= would always name this file */

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <libaudit.h>
#include <systemd/sd-journal.h>

#include "hash.h"
#include "sinks.h"

/*
 * The record type. AUDIT_MAC_CHECK is "user space MAC decision results": a policy the owner of a
 * file cannot override allowing or denying its use. ausearch -i interprets its fields (ouid and
 * oauid as names) and ausearch --format text calls it a mac-permission; it is dropped, like every
 * user record but USER_AVC, while the kernel's audit is disabled. Not AUDIT_USER_AVC: that is
 * SELinux's, read as SELinux denials by setroubleshoot and audit2allow, and the kernel prints it
 * to its own log when audit is off. Not AUDIT_TRUSTED_APP: free text to the audit tools, which
 * leave its ids uninterpreted and call its action "unknown".
 */
#define SINKS_AUDIT_TYPE AUDIT_MAC_CHECK
/* Cuts that keep a record under libaudit's MAX_AUDIT_MESSAGE_LENGTH even when hex-encoded. */
#define SINKS_AUDIT_PATH_MAX 2048
#define SINKS_AUDIT_RULE_MAX 1024
/* The journal's catalog id of embargo's decisions: journalctl MESSAGE_ID=... finds them all. */
#define SINKS_MESSAGE_ID "ff6d0eb2e4aa495a8c8e6dc30575318f"
#define JOURNALD_SOCKET	 "/run/systemd/journal/socket"
#define SYSLOG_SOCKET	 "/dev/log"

struct sinks_msg {
	int audit_result;     /* 1: the operation went ahead (audit verdict), 0: it was stopped */
	int priority;	      /* LOG_WARNING for deny, LOG_NOTICE for audit */
	char *audit_text;     /* NULL when the audit sink is off */
	char *journal_fields; /* "NAME=value" strings one after the other, each NUL-terminated */
	size_t n_fields;
	size_t message_off; /* of the MESSAGE= value: the syslog text */
};

static void count(uint64_t *c, uint64_t n)
{
	__atomic_fetch_add(c, n, __ATOMIC_RELAXED);
}

static void count_failure(struct sinks_counters *c, int err)
{
	count(&c->failed, 1);
	__atomic_store_n(&c->last_errno, err, __ATOMIC_RELAXED);
}

static void msg_free(struct sinks_msg *m)
{
	if (!m)
		return;
	free(m->audit_text);
	free(m->journal_fields);
	free(m);
}

/* What exec names the task, as in the JSON log: comm, else the last component of filename. */
static void event_comm(const struct emb_event *e, const char **ret, size_t *ret_len)
{
	size_t len;
	const char *base;

	if (e->comm[0]) {
		*ret = e->comm;
		*ret_len = strnlen(e->comm, sizeof(e->comm));
		return;
	}
	len = strnlen(e->filename, sizeof(e->filename));
	base = memrchr(e->filename, '/', len);
	base = base ? base + 1 : e->filename;
	len -= (size_t)(base - e->filename);
	*ret = base;
	*ret_len = len < EMB_COMM_LEN - 1 ? len : EMB_COMM_LEN - 1;
}

/* " NAME=value": quoted, or hex as the kernel encodes untrusted strings (spaces, quotes...). */
static void audit_field(struct strbuf *sb, const char *name, const char *value, size_t len)
{
	char hex[2 * SINKS_AUDIT_PATH_MAX + 1];

	if (len > SINKS_AUDIT_PATH_MAX)
		len = SINKS_AUDIT_PATH_MAX;
	sb_printf(sb, " %s=", name);
	if (audit_value_needs_encoding(value, (unsigned)len)) {
		sb_puts(sb, audit_encode_value(hex, value, (unsigned)len));
	} else {
		sb_putc(sb, '"');
		sb_append(sb, value, len);
		sb_putc(sb, '"');
	}
}

/*
 * The record without what the kernel (pid, uid, auid, ses of embargod) and libaudit (exe,
 * hostname, addr, terminal, res) add. Fields about the process that executed are therefore the
 * object's: opid, ouid, oauid, ocomm, so that ausearch never mistakes them for embargod's.
 */
static char *audit_text(const struct emb_event *e, const struct emb_event_ctx *ctx,
			const struct strbuf *path, const char *comm, size_t comm_len)
{
	struct strbuf sb = { 0 };
	const char *rule = ctx->rule ? ctx->rule : "?";
	size_t rule_len = strlen(rule);

	sb_printf(&sb, "op=embargo-%s verdict=%s", emb_event_type_name(e->type),
		  emb_event_verdict_name(e->verdict));
	if (e->flags & EMB_EVENT_F_WOULD_DENY)
		sb_puts(&sb, " would_deny=yes");
	audit_field(&sb, "key", ctx->key ? ctx->key : "?", ctx->key ? strlen(ctx->key) : 1);
	audit_field(&sb, "rule", rule,
		    rule_len < SINKS_AUDIT_RULE_MAX ? rule_len : SINKS_AUDIT_RULE_MAX);
	audit_field(&sb, "path", path->buf, path->len);
	if (path->len > SINKS_AUDIT_PATH_MAX || (e->flags & EMB_EVENT_F_PATH_TRUNCATED))
		sb_puts(&sb, " path_truncated=yes");
	if (e->flags & EMB_EVENT_F_SHA256) {
		char hex[65];

		emb_hex(e->sha256, sizeof(e->sha256), hex);
		/* Quoted: ausearch -i would take a bare run of hex digits for an encoded string. */
		sb_printf(&sb, " sha256=\"%s\"", hex);
	}
	sb_printf(&sb, " opid=%u ppid=%u ouid=%u ogid=%u oauid=%u", e->pid, e->ppid, e->uid, e->gid,
		  e->auid);
	audit_field(&sb, "ocomm", comm, comm_len);
	sb_printf(&sb, " tier=%s generation=%u", emb_tier_name(e->tier), e->generation);
	if (ctx->policy_version)
		sb_printf(&sb, " policy_version=%llu", (unsigned long long)ctx->policy_version);
	if (ctx->policy_sha256)
		sb_printf(&sb, " policy_sha256=\"%s\"", ctx->policy_sha256);
	return sb_steal(&sb);
}

/* Control characters would split or garble a syslog line: they become '?'. */
static void put_printable(struct strbuf *sb, const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		sb_putc(sb, (unsigned char)s[i] < 0x20 || s[i] == 0x7f ? '?' : s[i]);
}

static void journal_field(struct strbuf *sb, size_t *n, const char *name, const char *value,
			  size_t len)
{
	sb_puts(sb, name);
	sb_putc(sb, '=');
	sb_append(sb, value, len);
	sb_putc(sb, '\0');
	(*n)++;
}

static void journal_fieldf(struct strbuf *sb, size_t *n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void journal_fieldf(struct strbuf *sb, size_t *n, const char *fmt, ...)
{
	char buf[128];
	va_list ap;
	int len;

	va_start(ap, fmt);
	len = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (len < 0 || (size_t)len >= sizeof(buf))
		return;
	sb_append(sb, buf, (size_t)len + 1);
	(*n)++;
}

/* "embargo: deny exec /usr/bin/x (key K, rule FILE:LINE, pid N, uid N)", then the fields. */
static void journal_fields(struct sinks_msg *m, struct strbuf *sb, const struct emb_event *e,
			   const struct emb_event_ctx *ctx, const struct strbuf *path,
			   const char *comm, size_t comm_len, const char *json_line)
{
	const char *key = ctx->key ? ctx->key : "?";

	sb_puts(sb, "MESSAGE=");
	m->message_off = sb->len;
	if (e->type == EMB_EVENT_KILL)
		sb_printf(sb, "embargo: %s running ",
			  e->verdict == EMB_VERDICT_DENY ? "kill" : "audit");
	else
		sb_printf(sb, "embargo: %s %s ", emb_event_verdict_name(e->verdict),
			  emb_event_type_name(e->type));
	put_printable(sb, path->buf, path->len);
	sb_puts(sb, " (key ");
	put_printable(sb, key, strlen(key));
	if (ctx->rule) {
		sb_puts(sb, ", rule ");
		put_printable(sb, ctx->rule, strlen(ctx->rule));
	}
	sb_printf(sb, ", pid %u, uid %u)", e->pid, e->uid);
	sb_putc(sb, '\0');
	m->n_fields = 1;
	journal_fieldf(sb, &m->n_fields, "PRIORITY=%d", m->priority);
	journal_fieldf(sb, &m->n_fields, "SYSLOG_FACILITY=%d", LOG_AUTHPRIV >> 3);
	journal_fieldf(sb, &m->n_fields, "SYSLOG_IDENTIFIER=embargod");
	journal_fieldf(sb, &m->n_fields, "MESSAGE_ID=%s", SINKS_MESSAGE_ID);
	journal_fieldf(sb, &m->n_fields, "EMBARGO_EVENT=%s", emb_event_type_name(e->type));
	journal_fieldf(sb, &m->n_fields, "EMBARGO_VERDICT=%s", emb_event_verdict_name(e->verdict));
	if (e->flags & EMB_EVENT_F_WOULD_DENY)
		journal_fieldf(sb, &m->n_fields, "EMBARGO_WOULD_DENY=1");
	journal_field(sb, &m->n_fields, "EMBARGO_KEY", key, strlen(key));
	if (ctx->rule)
		journal_field(sb, &m->n_fields, "EMBARGO_RULE", ctx->rule, strlen(ctx->rule));
	journal_field(sb, &m->n_fields, "EMBARGO_PATH", path->buf, path->len);
	if (e->flags & EMB_EVENT_F_SHA256) {
		char hex[65];

		emb_hex(e->sha256, sizeof(e->sha256), hex);
		journal_fieldf(sb, &m->n_fields, "EMBARGO_SHA256=%s", hex);
	}
	journal_fieldf(sb, &m->n_fields, "EMBARGO_PID=%u", e->pid);
	journal_fieldf(sb, &m->n_fields, "EMBARGO_PPID=%u", e->ppid);
	journal_fieldf(sb, &m->n_fields, "EMBARGO_UID=%u", e->uid);
	journal_fieldf(sb, &m->n_fields, "EMBARGO_GID=%u", e->gid);
	if (e->auid != (uint32_t)-1)
		journal_fieldf(sb, &m->n_fields, "EMBARGO_AUID=%u", e->auid);
	journal_field(sb, &m->n_fields, "EMBARGO_COMM", comm, comm_len);
	journal_fieldf(sb, &m->n_fields, "EMBARGO_TIER=%s", emb_tier_name(e->tier));
	journal_fieldf(sb, &m->n_fields, "EMBARGO_GENERATION=%u", e->generation);
	if (ctx->policy_version)
		journal_fieldf(sb, &m->n_fields, "EMBARGO_POLICY_VERSION=%llu",
			       (unsigned long long)ctx->policy_version);
	if (ctx->policy_sha256)
		journal_fieldf(sb, &m->n_fields, "EMBARGO_POLICY_SHA256=%s", ctx->policy_sha256);
	if (json_line)
		journal_field(sb, &m->n_fields, "EMBARGO_JSON", json_line, strlen(json_line));
}

static struct sinks_msg *msg_new(const struct sinks *s, const struct emb_event *e,
				 const struct emb_event_ctx *ctx, const char *json_line)
{
	struct strbuf path = { 0 }, fields = { 0 };
	struct sinks_msg *m = calloc(1, sizeof(*m));
	const char *comm;
	size_t comm_len;
	bool oom;

	if (!m)
		return NULL;
	m->audit_result = e->verdict != EMB_VERDICT_DENY;
	m->priority = e->verdict == EMB_VERDICT_DENY ? LOG_WARNING : LOG_NOTICE;
	emb_event_path(e, &path);
	event_comm(e, &comm, &comm_len);
	oom = path.oom;
	if (!oom && s->audit)
		oom = !(m->audit_text = audit_text(e, ctx, &path, comm, comm_len));
	if (!oom && s->journal) {
		journal_fields(m, &fields, e, ctx, &path, comm, comm_len, json_line);
		oom = fields.oom || !(m->journal_fields = sb_steal(&fields));
	}
	sb_free(&path);
	sb_free(&fields);
	if (oom) {
		msg_free(m);
		return NULL;
	}
	return m;
}

static void send_audit(struct sinks *s, const struct sinks_msg *m)
{
	int r;

	if (s->audit_fd < 0) {
		count_failure(&s->audit_cnt, EBADF);
		return;
	}
	/* No hostname (no lookup), tty "" (no ttyname() of our fds): the record says "?". */
	r = audit_log_user_message(s->audit_fd, SINKS_AUDIT_TYPE, m->audit_text, NULL, NULL, "",
				   m->audit_result);
	/* > 0: the sequence number; 0: no audit in the kernel, or no CAP_AUDIT_WRITE (errno). */
	if (r > 0)
		count(&s->audit_cnt.sent, 1);
	else
		count_failure(&s->audit_cnt, r < 0 ? -r : errno ? errno : ECONNREFUSED);
}

static void send_journal(struct sinks *s, const struct sinks_msg *m)
{
	struct iovec iov[32];
	const char *p = m->journal_fields;
	int n = 0, r;

	if (s->via == SINKS_VIA_SYSLOG) {
		/* syslog(3) says nothing of failures: count at least a missing syslog daemon. */
		if (access(SYSLOG_SOCKET, W_OK) < 0) {
			count_failure(&s->journal_cnt, errno);
			return;
		}
		syslog(m->priority, "%s", m->journal_fields + m->message_off);
		count(&s->journal_cnt.sent, 1);
		return;
	}
	for (size_t i = 0; i < m->n_fields && n < (int)(sizeof(iov) / sizeof(iov[0])); i++) {
		size_t len = strlen(p);

		iov[n++] = (struct iovec){ .iov_base = (void *)p, .iov_len = len };
		p += len + 1;
	}
	r = sd_journal_sendv(iov, n);
	if (r < 0)
		count_failure(&s->journal_cnt, -r);
	else
		count(&s->journal_cnt.sent, 1);
}

static void deadline_in(struct timespec *t, long ms)
{
	clock_gettime(CLOCK_MONOTONIC, t);
	t->tv_sec += ms / 1000;
	t->tv_nsec += (ms % 1000) * 1000000L;
	if (t->tv_nsec >= 1000000000L) {
		t->tv_sec++;
		t->tv_nsec -= 1000000000L;
	}
}

/* Records sent while the kernel's audit is disabled are dropped there: say so in status. */
static void check_kernel_audit(struct sinks *s, struct timespec *next)
{
	if (s->audit && s->audit_fd >= 0)
		__atomic_store_n(&s->kernel_audit, audit_is_enabled(s->audit_fd), __ATOMIC_RELAXED);
	deadline_in(next, SINKS_RECHECK_S * 1000L);
}

static bool passed(const struct timespec *t)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return now.tv_sec > t->tv_sec || (now.tv_sec == t->tv_sec && now.tv_nsec >= t->tv_nsec);
}

static void *sinks_thread(void *arg)
{
	struct sinks *s = arg;
	struct timespec recheck;

	check_kernel_audit(s, &recheck);
	pthread_mutex_lock(&s->lock);
	for (;;) {
		struct sinks_msg *m;

		while (!s->len && !s->stop) {
			if (pthread_cond_timedwait(&s->wake, &s->lock, &recheck) == ETIMEDOUT) {
				pthread_mutex_unlock(&s->lock);
				check_kernel_audit(s, &recheck);
				pthread_mutex_lock(&s->lock);
			}
		}
		if (!s->len)
			break;
		m = s->queue[s->head];
		s->head = (s->head + 1) % SINKS_QUEUE_MAX;
		__atomic_store_n(&s->len, s->len - 1, __ATOMIC_RELAXED);
		pthread_mutex_unlock(&s->lock);
		if (m->audit_text)
			send_audit(s, m);
		if (m->journal_fields)
			send_journal(s, m);
		msg_free(m);
		if (passed(&recheck))
			check_kernel_audit(s, &recheck);
		pthread_mutex_lock(&s->lock);
	}
	s->exited = true;
	pthread_cond_signal(&s->done);
	pthread_mutex_unlock(&s->lock);
	return NULL;
}

/* The thread takes no signals: embargod reads them from a signalfd in its main thread. */
static int start_thread(struct sinks *s)
{
	pthread_condattr_t attr;
	sigset_t all, old;
	int r;

	s->queue = calloc(SINKS_QUEUE_MAX, sizeof(*s->queue));
	if (!s->queue)
		return -ENOMEM;
	pthread_mutex_init(&s->lock, NULL);
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&s->wake, &attr);
	pthread_cond_init(&s->done, &attr);
	pthread_condattr_destroy(&attr);
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	r = -pthread_create(&s->thread, NULL, sinks_thread, s);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (r) {
		pthread_cond_destroy(&s->wake);
		pthread_cond_destroy(&s->done);
		pthread_mutex_destroy(&s->lock);
		free(s->queue);
		s->queue = NULL;
		return r;
	}
	s->started = true;
	return 0;
}

/* 0 when a syslog daemon takes datagrams at SYSLOG_SOCKET, else why not (an errno). */
static int syslog_listening(void)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0), e = 0;

	if (fd < 0)
		return errno;
	snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", SYSLOG_SOCKET);
	if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0)
		e = errno;
	close(fd);
	return e;
}

int sinks_open(struct sinks *s, bool audit, bool journal, char *err, size_t errlen)
{
	int r = 0;

	memset(s, 0, sizeof(*s));
	s->audit_fd = -1;
	s->kernel_audit = -1;
	s->audit = audit;
	s->journal = journal;
	err[0] = 0;
	if (!audit && !journal)
		return 0;
	if (audit) {
		/* libaudit would otherwise report its own errors to syslog. */
		set_aumessage_mode(MSG_QUIET, DBG_NO);
		s->audit_fd = audit_open();
		if (s->audit_fd < 0) {
			r = errno ? -errno : -EIO;
			snprintf(s->audit_warning, sizeof(s->audit_warning),
				 "--audit: cannot open the kernel's audit socket: %s",
				 strerror(-r));
		} else if (audit_is_enabled(s->audit_fd) == 0) {
			snprintf(s->audit_warning, sizeof(s->audit_warning),
				 "--audit: the kernel's audit is disabled: %s",
				 "records are dropped until auditd starts (or auditctl -e 1)");
		}
	}
	if (journal) {
		s->via = access(JOURNALD_SOCKET, F_OK) == 0 ? SINKS_VIA_JOURNALD : SINKS_VIA_SYSLOG;
		if (s->via == SINKS_VIA_SYSLOG) {
			int e = syslog_listening();

			openlog("embargod", LOG_PID, LOG_AUTHPRIV);
			if (e)
				snprintf(s->journal_warning, sizeof(s->journal_warning),
					 "--journal: neither journald (%s) nor a syslog daemon "
					 "(%s: %s) "
					 "listens: decisions are not sent",
					 JOURNALD_SOCKET, SYSLOG_SOCKET, strerror(e));
		}
	}
	if (start_thread(s)) {
		r = -ENOMEM;
		snprintf(s->audit ? s->audit_warning : s->journal_warning, sizeof(s->audit_warning),
			 "--audit/--journal: cannot start the sending thread");
	}
	snprintf(err, errlen, "%s%s%s", s->audit_warning,
		 s->audit_warning[0] && s->journal_warning[0] ? "\n" : "", s->journal_warning);
	return r;
}

void sinks_event(struct sinks *s, const struct emb_event *e, const struct emb_event_ctx *ctx,
		 const char *json_line)
{
	struct sinks_msg *m = NULL;

	if (!s->started)
		return;
	/* A full queue: drop before formatting, the burst is already ahead of the sinks. */
	if (__atomic_load_n(&s->len, __ATOMIC_RELAXED) < SINKS_QUEUE_MAX)
		m = msg_new(s, e, ctx, json_line);
	if (m) {
		pthread_mutex_lock(&s->lock);
		if (s->len < SINKS_QUEUE_MAX && !s->stop) {
			s->queue[(s->head + s->len) % SINKS_QUEUE_MAX] = m;
			__atomic_store_n(&s->len, s->len + 1, __ATOMIC_RELAXED);
			pthread_cond_signal(&s->wake);
			m = NULL;
		}
		pthread_mutex_unlock(&s->lock);
		if (!m)
			return;
		msg_free(m);
	}
	if (s->audit)
		count(&s->audit_cnt.dropped, 1);
	if (s->journal)
		count(&s->journal_cnt.dropped, 1);
}

static void status_sink(struct json *j, const char *name, bool on, const char *via,
			const struct sinks_counters *c, int kernel_audit, const char *warning)
{
	int err = __atomic_load_n(&c->last_errno, __ATOMIC_RELAXED);
	struct strbuf sb = { 0 };
	struct json js;

	json_begin(&js, &sb);
	json_bool(&js, "on", on);
	if (via)
		json_str(&js, "via", via);
	if (kernel_audit >= 0)
		json_bool(&js, "kernel_enabled", kernel_audit > 0);
	json_u64(&js, "sent", __atomic_load_n(&c->sent, __ATOMIC_RELAXED));
	json_u64(&js, "failed", __atomic_load_n(&c->failed, __ATOMIC_RELAXED));
	json_u64(&js, "dropped", __atomic_load_n(&c->dropped, __ATOMIC_RELAXED));
	if (err)
		json_str(&js, "last_error", strerror(err));
	if (on && warning[0])
		json_str(&js, "warning", warning);
	json_end(&js);
	if (!sb.oom)
		json_raw(j, name, sb.buf);
	sb_free(&sb);
}

void sinks_status(const struct sinks *s, struct json *j)
{
	static const char *const via_names[] = {
		[SINKS_VIA_NONE] = NULL,
		[SINKS_VIA_JOURNALD] = "journald",
		[SINKS_VIA_SYSLOG] = "syslog",
	};
	struct strbuf sb = { 0 };
	struct json js;

	json_begin(&js, &sb);
	status_sink(&js, "audit", s->audit, NULL, &s->audit_cnt,
		    s->audit ? __atomic_load_n(&s->kernel_audit, __ATOMIC_RELAXED) : -1,
		    s->audit_warning);
	status_sink(&js, "journal", s->journal, via_names[s->via], &s->journal_cnt, -1,
		    s->journal_warning);
	json_u64(&js, "queued", s->started ? __atomic_load_n(&s->len, __ATOMIC_RELAXED) : 0);
	json_end(&js);
	if (!sb.oom)
		json_raw(j, "sinks", sb.buf);
	sb_free(&sb);
}

void sinks_close(struct sinks *s)
{
	if (s->started) {
		struct timespec deadline;

		deadline_in(&deadline, SINKS_CLOSE_TIMEOUT_MS);
		pthread_mutex_lock(&s->lock);
		s->stop = true;
		pthread_cond_signal(&s->wake);
		while (!s->exited && pthread_cond_timedwait(&s->done, &s->lock, &deadline) == 0)
			;
		/* Out of time (a sink stalls): what is left is dropped. */
		for (; s->len; s->head = (s->head + 1) % SINKS_QUEUE_MAX) {
			msg_free(s->queue[s->head]);
			__atomic_store_n(&s->len, s->len - 1, __ATOMIC_RELAXED);
			if (s->audit)
				count(&s->audit_cnt.dropped, 1);
			if (s->journal)
				count(&s->journal_cnt.dropped, 1);
		}
		pthread_mutex_unlock(&s->lock);
		s->started = false;
		if (!s->exited) {
			/* Stuck in a send: it ends with the process, which is about to exit. */
			pthread_detach(s->thread);
			return;
		}
		pthread_join(s->thread, NULL);
		pthread_cond_destroy(&s->wake);
		pthread_cond_destroy(&s->done);
		pthread_mutex_destroy(&s->lock);
		free(s->queue);
		s->queue = NULL;
	}
	if (s->audit && s->audit_fd >= 0)
		audit_close(s->audit_fd);
	s->audit_fd = -1;
	if (s->journal && s->via == SINKS_VIA_SYSLOG)
		closelog();
	s->audit = s->journal = false;
}
