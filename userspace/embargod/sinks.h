/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Copies of every decision for the Linux audit subsystem (one AUDIT_MAC_CHECK record each, for
 * ausearch) and for journald, or syslog where no journald runs. Each is switched on on its own.
 * A thread of their own sends them: a stalled auditd or journald never holds up enforcement or
 * the JSON log. What could not be sent is counted, never retried.
 */
#ifndef EMBARGOD_SINKS_H
#define EMBARGOD_SINKS_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "event_log.h"
#include "strbuf.h"

/* Records waiting for the sending thread; a burst beyond this is dropped (and counted). */
#define SINKS_QUEUE_MAX 8192
/* How long sinks_close() lets the thread send what is still queued. */
#define SINKS_CLOSE_TIMEOUT_MS 2000
/* How often the thread asks whether the kernel's audit is enabled (for status). */
#define SINKS_RECHECK_S 10

enum sinks_journal_via {
	SINKS_VIA_NONE = 0,
	SINKS_VIA_JOURNALD, /* sd_journal_sendv(), structured fields */
	SINKS_VIA_SYSLOG,   /* syslog(3), LOG_AUTHPRIV: no /run/systemd/journal/socket at open */
};

/* Updated by the sending thread (and dropped by the caller's): read them with atomics. */
struct sinks_counters {
	uint64_t sent;	  /* accepted by the kernel, journald or syslog(3) */
	uint64_t failed;  /* the send failed */
	uint64_t dropped; /* never sent: the queue was full, or time ran out at close */
	int last_errno;	  /* of the last failure, 0 if none */
};

struct sinks_msg;

struct sinks {
	bool audit;   /* --audit */
	bool journal; /* --journal */
	enum sinks_journal_via via;
	int audit_fd; /* -1 when audit_open() failed: every record counts as failed */
	/* What sinks_open() found wrong with each, for status ("" when nothing). */
	char audit_warning[160], journal_warning[160];
	struct sinks_counters audit_cnt, journal_cnt;

	bool started; /* the thread runs; everything below belongs to it and the lock */
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t wake, done;
	struct sinks_msg **queue; /* ring of SINKS_QUEUE_MAX */
	size_t head, len;
	bool stop;
	bool exited;
	/* audit_is_enabled() as the thread last saw it (every SINKS_RECHECK_S): -1 unknown. */
	int kernel_audit;
};

/*
 * Switches the sinks on (neither: nothing happens, at no cost) and starts the sending thread.
 * Returns 0, or -errno when a sink could not be set up; either way the sinks that could be set
 * up work, and ERR says what the caller should print as a warning ("" when nothing; a line
 * each when both have something to say).
 */
int sinks_open(struct sinks *s, bool audit, bool journal, char *err, size_t errlen);

/*
 * Queues one decision (E checked with emb_event_check(), CTX as given to emb_event_format())
 * for every sink that is on. JSON_LINE is its audit-log line without the newline, or NULL.
 * Never blocks on a sink.
 */
void sinks_event(struct sinks *s, const struct emb_event *e, const struct emb_event_ctx *ctx,
		 const char *json_line);

/*
 * Adds "sinks": {"audit": {...}, "journal": {...}} to the status object J; each with "warning"
 * when sinks_open() found it could not work.
 */
void sinks_status(const struct sinks *s, struct json *j);

/*
 * Sends what is queued (for at most SINKS_CLOSE_TIMEOUT_MS), stops the thread, closes all. Safe
 * on a zeroed struct sinks (sinks_open() never called).
 */
void sinks_close(struct sinks *s);

#endif /* EMBARGOD_SINKS_H */
