/* SPDX-License-Identifier: GPL-2.0-only */
/* Reading single fields of a flat JSON object: enough for the control protocol's replies. */
#ifndef EMB_JSON_READ_H
#define EMB_JSON_READ_H

#include <stdbool.h>
#include <stddef.h>

/* The string value of top-level field NAME of the object TEXT, unescaped (malloc'd), or NULL. */
char *json_get_string(const char *text, const char *name);
/* The unsigned integer value of top-level field NAME, or 0 when absent or not a number. */
unsigned long long json_get_u64(const char *text, const char *name);
/*
 * The unsigned integer value of top-level field NAME in *RET (written only on success).
 * Returns 0, -ENOENT when NAME is absent, -EINVAL when its value is no unsigned integer.
 */
int json_get_number(const char *text, const char *name, unsigned long long *ret);
/* Whether top-level field NAME of the object TEXT is the literal true (absent, false, other: no). */
bool json_get_true(const char *text, const char *name);
/* Whether TEXT is one JSON object and nothing else but whitespace (scalars are checked loosely). */
bool json_is_object(const char *text);

/* Arrays read by json_get_string_array() hold at most this many strings. */
#define JSON_MAX_ARRAY 100000

/*
 * The top-level field NAME when it is an array of strings: *RET_V gets them unescaped, each and
 * the array malloc'd (free with json_strv_free()), *RET_N their number; both written only on
 * success. Returns 0 (an empty array gives NULL and 0), -ENOENT when NAME is absent or not an
 * array, -EINVAL when an element is not a string or the array is malformed, -E2BIG beyond
 * JSON_MAX_ARRAY elements, or -ENOMEM.
 */
int json_get_string_array(const char *text, const char *name, char ***ret_v, size_t *ret_n);
void json_strv_free(char **v, size_t n);

#endif /* EMB_JSON_READ_H */
