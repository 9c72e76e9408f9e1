/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Content hashes remembered by file identity, so that a file unchanged since it was last hashed
 * is not read again. A file is the same when its (dev, ino, size, mtime, ctime) are: writing
 * to a file moves its mtime and ctime, and ctime cannot be set back from userspace. Kept on
 * disk between runs (emb_hash_cache_load/save), safe to use from several threads.
 * Library code: it reads and writes only the file it is given.
 */
#ifndef EMB_HASH_CACHE_H
#define EMB_HASH_CACHE_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#include "hash.h"

/* At most this many files are remembered; past it, the least recently seen are dropped. */
#define EMB_HASH_CACHE_MAX 8000000

struct emb_file_id {
	uint64_t dev, ino, size;
	int64_t mtime_ns, ctime_ns;
};

struct emb_hash_record {
	struct emb_file_id id;
	unsigned char sha256[EMB_SHA256_LEN];
	uint32_t seen; /* run number it was last looked up or stored in */
};

struct emb_hash_cache {
	pthread_mutex_t lock;
	struct emb_hash_record *v; /* open addressing on (dev, ino); ino 0 and dev 0: empty */
	size_t cap;		   /* a power of two, or 0 */
	size_t n;
	uint32_t run; /* this run's number: one more than the newest run in the file */
	bool dirty;   /* a hash was stored since the load */
};

/* The identity of the file ST describes. */
void emb_file_id_from_stat(const struct stat *st, struct emb_file_id *out);

void emb_hash_cache_init(struct emb_hash_cache *c);
void emb_hash_cache_free(struct emb_hash_cache *c);

/*
 * Reads the cache PATH wrote by emb_hash_cache_save(). A missing file is an empty cache, not
 * an error. Returns 0, -EBADMSG when the file is a damaged cache (C is then empty, and the
 * next save replaces it), -EEXIST when it is no cache at all (it does not start with the
 * cache's magic: never to be replaced), -EISDIR for a directory,
 * -EPERM when the file is not owned by this process's effective user or is writable by
 * others (a cache others can write could hide a file from a scan), or -errno.
 */
int emb_hash_cache_load(struct emb_hash_cache *c, const char *path);

/*
 * Whether emb_hash_cache_save() may write PATH: 0 when nothing is there or a cache is (its
 * magic at the start), else -EEXIST with WHY ("refusing to overwrite: ...") or -errno.
 */
int emb_hash_cache_check_path(const char *path, char *why, size_t whylen);

/*
 * Writes C to PATH atomically (a temporary file in the same directory, fsync, rename), mode
 * 0600, but never over anything emb_hash_cache_check_path() refuses (-EEXIST). With PRUNE,
 * files not looked up in this run are left out. When nothing was stored since the load and
 * nothing is to be pruned, the file is left as it is. Returns 0 or -errno.
 */
int emb_hash_cache_save(struct emb_hash_cache *c, const char *path, bool prune);

/* Copies the hash remembered for ID into OUT and returns true, or returns false. */
bool emb_hash_cache_get(struct emb_hash_cache *c, const struct emb_file_id *id,
			unsigned char out[EMB_SHA256_LEN]);

/* Remembers SHA256 for ID, replacing what was remembered for its (dev, ino). 0 or -ENOMEM. */
int emb_hash_cache_put(struct emb_hash_cache *c, const struct emb_file_id *id,
		       const unsigned char sha256[EMB_SHA256_LEN]);

#endif /* EMB_HASH_CACHE_H */
