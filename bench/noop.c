// SPDX-License-Identifier: GPL-2.0-only
/* The smallest program to execute: the benchmarks measure what it costs to start it. */
int main(void)
{
	return 0;
}
