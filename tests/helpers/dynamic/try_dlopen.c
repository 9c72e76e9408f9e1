// SPDX-License-Identifier: GPL-2.0-only
/*
 * try_dlopen LIBRARY: dlopen()s LIBRARY and says how it went: "dlopen=ok", or
 * "dlopen=failed errno=NAME" with dlerror() on the next line.
 */
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
	void *lib;

	if (argc != 2) {
		fprintf(stderr, "usage: try_dlopen LIBRARY\n");
		return 2;
	}
	errno = 0;
	lib = dlopen(argv[1], RTLD_NOW);
	if (!lib) {
		int err = errno;

		printf("dlopen=failed errno=%s\n", err == EPERM ? "EPERM" : strerror(err));
		printf("# %s\n", dlerror());
		return 0;
	}
	printf("dlopen=ok\n");
	dlclose(lib);
	return 0;
}
