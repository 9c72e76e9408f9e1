// SPDX-License-Identifier: GPL-2.0-only
/*
 * A victim library: when loaded, its constructor creates the file named by
 * $EMBARGO_VICTIM_MARKER, so a test can tell whether any code of it ran.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

__attribute__((constructor)) static void victim_loaded(void)
{
	const char *marker = getenv("EMBARGO_VICTIM_MARKER");
	int fd;

	if (!marker)
		return;
	fd = open(marker, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	if (fd >= 0)
		close(fd);
}

int victim_answer(void);
int victim_answer(void)
{
	return 42;
}
