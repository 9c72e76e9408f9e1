/* SPDX-License-Identifier: GPL-2.0-only */
/* The control socket's "open" request: a descriptor of a file, for embargo to read (handover.c). */
#ifndef EMBARGOD_HANDOVER_H
#define EMBARGOD_HANDOVER_H

#include <stdbool.h>
#include <sys/socket.h>

struct daemon;

/* Whether the request LINE is an "open" request. */
bool handover_is_request(const char *line);
/*
 * Answers LINE on SOCK: one JSON line, with the descriptor attached (SCM_RIGHTS) when the file
 * was opened; "open_verdict", "open_rule", "open_key" say what the open rules in force decide.
 */
void handover_handle(struct daemon *d, int sock, const char *line, const struct ucred *cred);

#endif /* EMBARGOD_HANDOVER_H */
