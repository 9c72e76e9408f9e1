/* SPDX-License-Identifier: GPL-2.0-only */
/* Reading single fields of a flat JSON object: enough for the control protocol's replies. */
#ifndef EMB_JSON_READ_H
#define EMB_JSON_READ_H

#include <stdbool.h>

/* The string value of top-level field NAME of the object TEXT, unescaped (malloc'd), or NULL. */
char *json_get_string(const char *text, const char *name);
/* The unsigned integer value of top-level field NAME, or 0 when absent or not a number. */
unsigned long long json_get_u64(const char *text, const char *name);

#endif /* EMB_JSON_READ_H */
