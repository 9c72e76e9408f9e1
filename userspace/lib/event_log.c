// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "event_log.h"
#include "resolve.h"

const char *emb_tier_name(unsigned tier)
{
	switch (tier) {
	case EMB_TIER_LSM:
		return "lsm";
	case EMB_TIER_TRACEPOINT:
		return "tracepoint";
	default:
		return "none";
	}
}

const char *emb_event_verdict_name(unsigned v)
{
	switch (v) {
	case EMB_VERDICT_DENY:
		return "deny";
	case EMB_VERDICT_AUDIT:
		return "audit";
	default:
		return "allow";
	}
}

const char *emb_event_type_name(uint32_t type)
{
	switch (type) {
	case EMB_EVENT_MMAP:
		return "mmap";
	case EMB_EVENT_OPEN:
		return "open";
	case EMB_EVENT_KILL:
		return "kill";
	case EMB_EVENT_TAMPER:
		return "tamper";
	default:
		return "exec";
	}
}

int emb_event_check(const void *data, size_t len)
{
	const struct emb_event *e = data;

	if (len < offsetof(struct emb_event, path) || len > sizeof(*e))
		return -EBADMSG;
	if (e->path_len > len - offsetof(struct emb_event, path))
		return -EBADMSG;
	return 0;
}

void emb_event_path(const struct emb_event *e, struct strbuf *sb)
{
	size_t end = e->path_len;

	if (!end) {
		sb_putc(sb, '/');
		return;
	}
	/* Components are NUL-terminated, leaf first: emit them from the last one back. */
	while (end > 0) {
		size_t start = end - 1;

		while (start > 0 && e->path[start - 1])
			start--;
		sb_putc(sb, '/');
		sb_append(sb, e->path + start, strnlen(e->path + start, end - start));
		end = start;
	}
}

void emb_format_rfc3339(int64_t ns, char *buf, size_t size)
{
	time_t secs = (time_t)(ns / 1000000000);
	long frac = (long)(ns % 1000000000);
	struct tm tm;
	char date[32];

	if (frac < 0) {
		frac += 1000000000;
		secs--;
	}
	gmtime_r(&secs, &tm);
	strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf, size, "%s.%09ldZ", date, frac);
}

static const char *tamper_op_name(uint32_t op)
{
	static const char *const names[] = {
		[EMB_TAMPER_SIGNAL] = "signal",	      [EMB_TAMPER_PTRACE] = "ptrace",
		[EMB_TAMPER_MAP_WRITE] = "map_write", [EMB_TAMPER_LINK_DETACH] = "link_detach",
		[EMB_TAMPER_UNLINK] = "unlink",	      [EMB_TAMPER_WRITE] = "write",
		[EMB_TAMPER_TRUNCATE] = "truncate",   [EMB_TAMPER_RENAME] = "rename",
	};

	return op < sizeof(names) / sizeof(names[0]) && names[op] ? names[op] : "unknown";
}

/* A refused tamper attempt: who tried what on which target. */
static void format_tamper(struct json *j, const struct emb_event *e)
{
	char dev[24];

	json_str(j, "op", tamper_op_name(e->rule_id));
	switch (e->rule_id) {
	case EMB_TAMPER_SIGNAL:
		json_u64(j, "target_pid", e->generation);
		json_u64(j, "signal", e->dev);
		break;
	case EMB_TAMPER_PTRACE:
		json_u64(j, "target_pid", e->generation);
		break;
	case EMB_TAMPER_MAP_WRITE:
		json_u64(j, "map_id", e->generation);
		break;
	case EMB_TAMPER_LINK_DETACH:
		break;
	default:
		json_strn(j, "name", e->filename, strnlen(e->filename, sizeof(e->filename)));
		emb_kernel_dev_format(e->dev, dev, sizeof(dev));
		json_str(j, "dev", dev);
		json_u64(j, "ino", e->ino);
	}
}

void emb_event_format(struct strbuf *sb, const struct emb_event *e, const struct emb_event_ctx *ctx)
{
	char time[48], dev[24];
	struct strbuf path = { 0 };
	struct json j;

	emb_format_rfc3339((int64_t)e->boot_ns + ctx->realtime_offset_ns, time, sizeof(time));
	emb_kernel_dev_format(e->dev, dev, sizeof(dev));
	emb_event_path(e, &path);

	json_begin(&j, sb);
	json_str(&j, "time", time);
	json_str(&j, "event", emb_event_type_name(e->type));
	json_str(&j, "verdict", emb_event_verdict_name(e->verdict));
	/* Next to the verdict it qualifies: audit now, deny once the policy is enforced. */
	if (e->flags & EMB_EVENT_F_WOULD_DENY)
		json_bool(&j, "would_deny", true);
	json_str(&j, "tier", emb_tier_name(e->tier));
	json_str(&j, "key", ctx->key ? ctx->key : "");
	if (e->type == EMB_EVENT_TAMPER) {
		format_tamper(&j, e);
		json_u64(&j, "pid", e->pid);
		json_u64(&j, "ppid", e->ppid);
		json_u64(&j, "uid", e->uid);
		json_u64(&j, "gid", e->gid);
		if (e->auid != (uint32_t)-1)
			json_u64(&j, "auid", e->auid);
		if (e->cgroup_id)
			json_u64(&j, "cgroup_id", e->cgroup_id);
		if (ctx->host)
			json_str(&j, "host", ctx->host);
		json_strn(&j, "comm", e->comm, strnlen(e->comm, sizeof(e->comm)));
		json_end(&j);
		sb_free(&path);
		return;
	}
	if (ctx->rule)
		json_str(&j, "rule", ctx->rule);
	json_u64(&j, "generation", e->generation);
	if (ctx->policy_version)
		json_u64(&j, "policy_version", ctx->policy_version);
	if (ctx->policy_sha256)
		json_str(&j, "policy_sha256", ctx->policy_sha256);
	json_u64(&j, "pid", e->pid);
	json_u64(&j, "ppid", e->ppid);
	json_u64(&j, "uid", e->uid);
	json_u64(&j, "gid", e->gid);
	if (e->auid != (uint32_t)-1)
		json_u64(&j, "auid", e->auid);
	if (e->cgroup_id)
		json_u64(&j, "cgroup_id", e->cgroup_id);
	if (ctx->host)
		json_str(&j, "host", ctx->host);
	if (e->comm[0]) {
		json_strn(&j, "comm", e->comm, strnlen(e->comm, sizeof(e->comm)));
	} else {
		/* What exec will name the task: the last component of the name it was given. */
		size_t len = strnlen(e->filename, sizeof(e->filename));
		const char *base = memrchr(e->filename, '/', len);

		base = base ? base + 1 : e->filename;
		len -= (size_t)(base - e->filename);
		json_strn(&j, "comm", base, len < EMB_COMM_LEN - 1 ? len : EMB_COMM_LEN - 1);
	}
	json_strn(&j, "path", path.buf ? path.buf : "/", path.len ? path.len : 1);
	if (e->type == EMB_EVENT_EXEC)
		json_strn(&j, "filename", e->filename, strnlen(e->filename, sizeof(e->filename)));
	json_str(&j, "dev", dev);
	json_u64(&j, "ino", e->ino);
	if (e->flags & EMB_EVENT_F_SHA256) {
		char hex[65];

		for (int i = 0; i < 32; i++)
			snprintf(hex + 2 * i, 3, "%02x", e->sha256[i]);
		json_str(&j, "sha256", hex);
	}
	if (e->flags & EMB_EVENT_F_BY_SHA256)
		json_str(&j, "matched_by", "sha256");
	if (e->flags & EMB_EVENT_F_PATH_TRUNCATED)
		json_bool(&j, "path_truncated", true);
	if (e->flags & EMB_EVENT_F_TOO_DEEP)
		json_bool(&j, "too_deep", true);
	if (e->flags & EMB_EVENT_F_SIGNAL_FAILED)
		json_bool(&j, "signal_failed", true);
	if (e->flags & EMB_EVENT_F_ESCAPED)
		json_bool(&j, "escaped", true);
	json_end(&j);
	sb_free(&path);
}
