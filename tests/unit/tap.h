/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A minimal TAP producer for the unit tests: ok(), is_int(), is_str() print "ok N - desc" or
 * "not ok N - desc" plus "# " lines saying where and why; done_testing() prints the plan and
 * gives main() its exit status. Header-only, so a test is one .c file plus what it tests.
 */
#ifndef EMB_TAP_H
#define EMB_TAP_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

static unsigned tap_count;
static unsigned tap_failed;

/* Prints "# " and the message: a comment to the TAP reader. */
__attribute__((format(printf, 1, 2))) static inline void diag(const char *fmt, ...)
{
	va_list ap;

	fputs("# ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

__attribute__((format(printf, 4, 0))) static inline bool
tap_result(bool pass, const char *file, int line, const char *fmt, va_list ap)
{
	char desc[512];
	const char *c;

	vsnprintf(desc, sizeof(desc), fmt, ap);
	tap_count++;
	printf("%s %u - ", pass ? "ok" : "not ok", tap_count);
	/* An unescaped '#' in a description would start a TAP directive. */
	for (c = desc; *c; c++) {
		if (*c == '#' || *c == '\\')
			putchar('\\');
		putchar(*c == '\n' ? ' ' : *c);
	}
	putchar('\n');
	if (!pass) {
		tap_failed++;
		diag("  Failed test at %s:%d", file, line);
	}
	fflush(stdout);
	return pass;
}

__attribute__((format(printf, 4, 5))) static inline bool tap_ok(bool pass, const char *file,
								int line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	pass = tap_result(pass, file, line, fmt, ap);
	va_end(ap);
	return pass;
}

__attribute__((format(printf, 5, 6))) static inline bool
tap_is_int(long long got, long long want, const char *file, int line, const char *fmt, ...)
{
	va_list ap;
	bool pass;

	va_start(ap, fmt);
	pass = tap_result(got == want, file, line, fmt, ap);
	va_end(ap);
	if (!pass) {
		diag("         got: %lld", got);
		diag("    expected: %lld", want);
	}
	return pass;
}

__attribute__((format(printf, 5, 6))) static inline bool
tap_is_str(const char *got, const char *want, const char *file, int line, const char *fmt, ...)
{
	va_list ap;
	bool pass;

	pass = (got && want) ? strcmp(got, want) == 0 : got == want;
	va_start(ap, fmt);
	pass = tap_result(pass, file, line, fmt, ap);
	va_end(ap);
	if (!pass) {
		diag("         got: %s%s%s", got ? "'" : "", got ? got : "NULL", got ? "'" : "");
		diag("    expected: %s%s%s", want ? "'" : "", want ? want : "NULL",
		     want ? "'" : "");
	}
	return pass;
}

/* Each returns whether the check passed, so a test can stop early: if (!ok(...)) return; */
#define ok(cond, ...)	       tap_ok(!!(cond), __FILE__, __LINE__, __VA_ARGS__)
#define is_int(got, want, ...) tap_is_int((got), (want), __FILE__, __LINE__, __VA_ARGS__)
#define is_str(got, want, ...) tap_is_str((got), (want), __FILE__, __LINE__, __VA_ARGS__)

/* Prints the plan; returns main()'s exit status: 1 when any check failed. */
static inline int done_testing(void)
{
	printf("1..%u\n", tap_count);
	if (tap_failed)
		diag("Looks like you failed %u test%s of %u.", tap_failed,
		     tap_failed == 1 ? "" : "s", tap_count);
	return tap_failed ? 1 : 0;
}

#endif /* EMB_TAP_H */
