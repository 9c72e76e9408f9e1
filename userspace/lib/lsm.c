// SPDX-License-Identifier: GPL-2.0-only
#include <stdio.h>
#include <string.h>

#include "lsm.h"

/* LIST without its newline and blanks at the ends, at most SIZE - 1 bytes, into BUF. */
static void trimmed(const char *list, char *buf, size_t size)
{
	size_t len;

	list += strspn(list, " \t\n");
	len = strcspn(list, "\n");
	while (len && (list[len - 1] == ' ' || list[len - 1] == '\t'))
		len--;
	snprintf(buf, size, "%.*s", (int)len, list);
}

bool emb_lsm_list_has_bpf(const char *list)
{
	size_t n;

	for (const char *p = list; *p; p += n + (p[n] != 0)) {
		n = strcspn(p, ",\n");
		if (n == 3 && !strncmp(p, "bpf", 3))
			return true;
	}
	return false;
}

void emb_lsm_reason_absent(const char *list, char *buf, size_t size)
{
	char lsms[256];

	trimmed(list, lsms, sizeof(lsms));
	if (lsms[0])
		snprintf(buf, size,
			 "bpf is not in " EMB_LSM_FILE " (it lists %s; boot with lsm=%s,bpf)", lsms,
			 lsms);
	else
		snprintf(buf, size, "bpf is not in " EMB_LSM_FILE " (it is empty)");
}

void emb_lsm_reason_refused(const char *list, int err, const char *lockdown, char *buf, size_t size)
{
	char lsms[256], mode[32] = "";
	const char *open = lockdown ? strchr(lockdown, '[') : NULL;

	trimmed(list, lsms, sizeof(lsms));
	if (open)
		snprintf(mode, sizeof(mode), "%.*s", (int)strcspn(open + 1, "]"), open + 1);
	snprintf(buf, size,
		 "bpf is in " EMB_LSM_FILE
		 " (%s), but the kernel refused the lsm programs: %s%s%s%s",
		 lsms, strerror(err), mode[0] && strcmp(mode, "none") ? " (kernel lockdown: " : "",
		 mode[0] && strcmp(mode, "none") ? mode : "",
		 mode[0] && strcmp(mode, "none") ? ")" : "");
}
