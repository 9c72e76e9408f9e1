// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hash_cache.h"
#include "ownership.h"

/*
 * On disk: a header, the records, and the SHA-256 of everything before it, so that a file cut
 * short or changed by anything but this code is noticed and ignored.
 */
#define CACHE_MAGIC "EMBDGST1"

struct cache_header {
	char magic[8];
	uint32_t run;
	uint32_t record_size;
	uint64_t count;
};

struct cache_disk_record {
	uint64_t dev, ino, size;
	int64_t mtime_ns, ctime_ns;
	unsigned char sha256[EMB_SHA256_LEN];
	uint32_t seen;
	uint32_t pad;
};

_Static_assert(sizeof(struct cache_header) == 24, "cache header layout");
_Static_assert(sizeof(struct cache_disk_record) == 80, "cache record layout");

void emb_file_id_from_stat(const struct stat *st, struct emb_file_id *out)
{
	*out = (struct emb_file_id){
		.dev = (uint64_t)st->st_dev,
		.ino = (uint64_t)st->st_ino,
		.size = (uint64_t)st->st_size,
		.mtime_ns = (int64_t)st->st_mtim.tv_sec * 1000000000 + st->st_mtim.tv_nsec,
		.ctime_ns = (int64_t)st->st_ctim.tv_sec * 1000000000 + st->st_ctim.tv_nsec,
	};
}

void emb_hash_cache_init(struct emb_hash_cache *c)
{
	memset(c, 0, sizeof(*c));
	pthread_mutex_init(&c->lock, NULL);
	c->run = 1;
}

void emb_hash_cache_free(struct emb_hash_cache *c)
{
	free(c->v);
	c->v = NULL;
	c->cap = c->n = 0;
	pthread_mutex_destroy(&c->lock);
}

static bool slot_empty(const struct emb_hash_record *r)
{
	return !r->id.dev && !r->id.ino;
}

static size_t slot_of(const struct emb_hash_cache *c, uint64_t dev, uint64_t ino)
{
	uint64_t h = (ino * 0x9e3779b97f4a7c15ull) ^ (dev * 0xc2b2ae3d27d4eb4full);

	h ^= h >> 29;
	return (size_t)h & (c->cap - 1);
}

/* The slot holding (DEV, INO), or the empty slot where it would go. C->cap must be > 0. */
static struct emb_hash_record *find_slot(struct emb_hash_cache *c, uint64_t dev, uint64_t ino)
{
	size_t i = slot_of(c, dev, ino);

	for (;;) {
		struct emb_hash_record *r = &c->v[i];

		if (slot_empty(r) || (r->id.dev == dev && r->id.ino == ino))
			return r;
		i = (i + 1) & (c->cap - 1);
	}
}

static int grow(struct emb_hash_cache *c)
{
	size_t cap = c->cap ? c->cap * 2 : 1024;
	struct emb_hash_record *old = c->v;
	size_t old_cap = c->cap;

	if (cap > SIZE_MAX / sizeof(*old))
		return -ENOMEM;
	c->v = calloc(cap, sizeof(*c->v));
	if (!c->v) {
		c->v = old;
		return -ENOMEM;
	}
	c->cap = cap;
	for (size_t i = 0; i < old_cap; i++)
		if (!slot_empty(&old[i]))
			*find_slot(c, old[i].id.dev, old[i].id.ino) = old[i];
	free(old);
	return 0;
}

/* Stores R; the caller holds the lock (or is alone). */
static int insert_locked(struct emb_hash_cache *c, const struct emb_hash_record *rec)
{
	struct emb_hash_record *slot;

	/* (0, 0) marks an empty slot: no file has it (inode 0 is never allocated). */
	if (!rec->id.dev && !rec->id.ino)
		return 0;
	if ((c->n + 1) * 10 > c->cap * 7) {
		int r = grow(c);

		if (r)
			return r;
	}
	slot = find_slot(c, rec->id.dev, rec->id.ino);
	if (slot_empty(slot))
		c->n++;
	*slot = *rec;
	return 0;
}

bool emb_hash_cache_get(struct emb_hash_cache *c, const struct emb_file_id *id,
			unsigned char out[EMB_SHA256_LEN])
{
	struct emb_hash_record *slot;
	bool hit = false;

	pthread_mutex_lock(&c->lock);
	if (c->cap) {
		slot = find_slot(c, id->dev, id->ino);
		if (!slot_empty(slot) && !memcmp(&slot->id, id, sizeof(*id))) {
			memcpy(out, slot->sha256, EMB_SHA256_LEN);
			slot->seen = c->run;
			hit = true;
		}
	}
	pthread_mutex_unlock(&c->lock);
	return hit;
}

int emb_hash_cache_put(struct emb_hash_cache *c, const struct emb_file_id *id,
		       const unsigned char sha256[EMB_SHA256_LEN])
{
	struct emb_hash_record rec = { .id = *id, .seen = c->run };
	int r;

	memcpy(rec.sha256, sha256, EMB_SHA256_LEN);
	pthread_mutex_lock(&c->lock);
	r = insert_locked(c, &rec);
	c->dirty = true;
	pthread_mutex_unlock(&c->lock);
	return r;
}

static int read_all(int fd, void *buf, size_t len)
{
	for (size_t done = 0; done < len;) {
		ssize_t n = read(fd, (char *)buf + done, len - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -EBADMSG;
		done += (size_t)n;
	}
	return 0;
}

int emb_hash_cache_load(struct emb_hash_cache *c, const char *path)
{
	unsigned char digest[EMB_SHA256_LEN];
	struct cache_disk_record *recs;
	struct cache_header h;
	unsigned char *buf = NULL;
	size_t body, len;
	struct stat st;
	int fd, r;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return errno == ENOENT ? 0 : -errno;
	if (fstat(fd, &st) < 0) {
		r = -errno;
		goto out;
	}
	r = S_ISDIR(st.st_mode) ? -EISDIR : -EBADMSG;
	if (!S_ISREG(st.st_mode))
		goto out;
	r = -EPERM;
	if (st.st_uid != geteuid() || (st.st_mode & 022))
		goto out;
	/* Too short for the magic: some other file (save never leaves a cache so short). */
	r = (uint64_t)st.st_size < sizeof(h.magic) ? -EEXIST : -EBADMSG;
	if ((uint64_t)st.st_size < sizeof(h) + EMB_SHA256_LEN) {
		char magic[sizeof(h.magic)];

		if (r == -EBADMSG && (read_all(fd, magic, sizeof(magic)) ||
				      memcmp(magic, CACHE_MAGIC, sizeof(magic))))
			r = -EEXIST;
		goto out;
	}
	len = (size_t)st.st_size;
	buf = malloc(len);
	if (!buf) {
		r = -ENOMEM;
		goto out;
	}
	r = read_all(fd, buf, len);
	if (r)
		goto out;
	r = -EEXIST;
	memcpy(&h, buf, sizeof(h));
	if (memcmp(h.magic, CACHE_MAGIC, sizeof(h.magic)))
		goto out;
	r = -EBADMSG;
	if (h.record_size != sizeof(*recs))
		goto out;
	body = len - sizeof(h) - EMB_SHA256_LEN;
	if (body % sizeof(*recs) || h.count != body / sizeof(*recs))
		goto out;
	if (emb_sha256_buffer(buf, len - EMB_SHA256_LEN, digest) ||
	    memcmp(digest, buf + len - EMB_SHA256_LEN, EMB_SHA256_LEN))
		goto out;
	recs = (struct cache_disk_record *)(buf + sizeof(h));
	pthread_mutex_lock(&c->lock);
	r = 0;
	for (size_t i = 0; i < h.count && !r; i++) {
		struct emb_hash_record rec = {
			.id = { recs[i].dev, recs[i].ino, recs[i].size, recs[i].mtime_ns,
				recs[i].ctime_ns },
			.seen = recs[i].seen,
		};

		memcpy(rec.sha256, recs[i].sha256, EMB_SHA256_LEN);
		r = insert_locked(c, &rec);
	}
	if (h.run != UINT32_MAX && h.run >= c->run)
		c->run = h.run + 1;
	pthread_mutex_unlock(&c->lock);
out:
	if (r == -EBADMSG || r == -ENOMEM) {
		/* Written again whole at the next save. */
		c->dirty = true;
		free(c->v);
		c->v = NULL;
		c->cap = c->n = 0;
	}
	free(buf);
	close(fd);
	return r;
}

static bool is_cache_head(const char *head, size_t len)
{
	return len >= strlen(CACHE_MAGIC) && !memcmp(head, CACHE_MAGIC, strlen(CACHE_MAGIC));
}

int emb_hash_cache_check_path(const char *path, char *why, size_t whylen)
{
	return emb_replace_check(path, is_cache_head, "an embargo scan cache (" CACHE_MAGIC "...)",
				 why, whylen);
}

static int by_seen_desc(const void *a, const void *b)
{
	const struct emb_hash_record *x = a, *y = b;

	return x->seen < y->seen ? 1 : x->seen > y->seen ? -1 : 0;
}

static int write_all(int fd, const void *buf, size_t len)
{
	for (size_t done = 0; done < len;) {
		ssize_t n = write(fd, (const char *)buf + done, len - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		done += (size_t)n;
	}
	return 0;
}

int emb_hash_cache_save(struct emb_hash_cache *c, const char *path, bool prune)
{
	struct emb_hash_record *keep = NULL;
	struct cache_disk_record *out = NULL;
	struct cache_header h = { .magic = CACHE_MAGIC, .record_size = sizeof(*out) };
	char tmp[PATH_MAX];
	size_t n = 0, len;
	unsigned char *buf = NULL;
	int fd = -1, r;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.XXXXXX", path) >= sizeof(tmp))
		return -ENAMETOOLONG;
	pthread_mutex_lock(&c->lock);
	keep = malloc((c->n ? c->n : 1) * sizeof(*keep));
	if (!keep) {
		pthread_mutex_unlock(&c->lock);
		return -ENOMEM;
	}
	for (size_t i = 0; i < c->cap; i++)
		if (!slot_empty(&c->v[i]) && (!prune || c->v[i].seen == c->run))
			keep[n++] = c->v[i];
	h.run = c->run;
	if (!c->dirty && n == c->n && access(path, F_OK) == 0) {
		/* What is on disk already says all of it. */
		pthread_mutex_unlock(&c->lock);
		free(keep);
		return 0;
	}
	pthread_mutex_unlock(&c->lock);
	if (n > EMB_HASH_CACHE_MAX) {
		qsort(keep, n, sizeof(*keep), by_seen_desc);
		n = EMB_HASH_CACHE_MAX;
	}
	h.count = n;
	len = sizeof(h) + n * sizeof(*out) + EMB_SHA256_LEN;
	buf = calloc(1, len);
	if (!buf) {
		r = -ENOMEM;
		goto out;
	}
	memcpy(buf, &h, sizeof(h));
	out = (struct cache_disk_record *)(buf + sizeof(h));
	for (size_t i = 0; i < n; i++) {
		out[i] = (struct cache_disk_record){
			.dev = keep[i].id.dev,
			.ino = keep[i].id.ino,
			.size = keep[i].id.size,
			.mtime_ns = keep[i].id.mtime_ns,
			.ctime_ns = keep[i].id.ctime_ns,
			.seen = keep[i].seen,
		};
		memcpy(out[i].sha256, keep[i].sha256, EMB_SHA256_LEN);
	}
	r = emb_sha256_buffer(buf, len - EMB_SHA256_LEN, buf + len - EMB_SHA256_LEN);
	if (r)
		goto out;
	/* Never over anything but a cache: the path may be a mistake. */
	r = emb_hash_cache_check_path(path, NULL, 0);
	if (r)
		goto out;
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0) {
		r = -errno;
		goto out;
	}
	r = write_all(fd, buf, len);
	if (!r && fsync(fd) < 0)
		r = -errno;
	if (close(fd) < 0 && !r)
		r = -errno;
	if (!r && rename(tmp, path) < 0)
		r = -errno;
	if (r)
		unlink(tmp);
out:
	free(buf);
	free(keep);
	return r;
}
