// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mount.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "enforcer.h"
#include "event_log.h"
#include "exec.skel.h"

/* The first thing libbpf found wrong, so a failed load can say why. */
static char libbpf_first[256];

bool enforcer_verbose;

static int libbpf_capture(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	size_t n;

	if (enforcer_verbose) {
		va_list copy;

		va_copy(copy, ap);
		vfprintf(stderr, fmt, copy);
		va_end(copy);
	}
	if (level != LIBBPF_WARN || libbpf_first[0])
		return 0;
	vsnprintf(libbpf_first, sizeof(libbpf_first), fmt, ap);
	n = strlen(libbpf_first);
	while (n && libbpf_first[n - 1] == '\n')
		libbpf_first[--n] = 0;
	return 0;
}

/* BPF LSM programs load on kernels that do not run the bpf LSM, and then never run: check. */
static bool bpf_lsm_active(char *why, size_t whylen)
{
	static const char lsm_file[] = "/sys/kernel/security/lsm";
	char list[512] = "";
	ssize_t n;
	int fd;

	fd = open(lsm_file, O_RDONLY | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT &&
	    mount("securityfs", "/sys/kernel/security", "securityfs", 0, NULL) == 0)
		fd = open(lsm_file, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(why, whylen, "cannot read %s: %s", lsm_file, strerror(errno));
		return false;
	}
	n = read(fd, list, sizeof(list) - 1);
	close(fd);
	list[n > 0 ? n : 0] = 0;
	for (char *save = NULL, *tok = strtok_r(list, ",\n", &save); tok;
	     tok = strtok_r(NULL, ",\n", &save))
		if (!strcmp(tok, "bpf"))
			return true;
	snprintf(why, whylen, "the bpf LSM is not active (boot with lsm=...,bpf)");
	return false;
}

static int load_tier(struct enforcer *enf, enum emb_tier tier, char *err, size_t errlen)
{
	struct bpf_program *prog;
	struct exec_bpf *skel;
	int r;

	libbpf_first[0] = 0;
	skel = exec_bpf__open();
	if (!skel) {
		r = -errno;
		snprintf(err, errlen, "cannot open BPF object: %s", strerror(-r));
		return r;
	}
	/* Each tier is the programs of its section kind. */
	bpf_object__for_each_program(prog, skel->obj)
	{
		const char *sec = bpf_program__section_name(prog);
		bool lsm = !strncmp(sec, "lsm", 3);

		/* The task iterator serves both tiers; it runs on demand, never attached. */
		bpf_program__set_autoload(prog, !strncmp(sec, "iter/", 5) ||
							lsm == (tier == EMB_TIER_LSM));
	}
	/* Inode storage serves the lsm tier's hash cache only. */
	if (tier != EMB_TIER_LSM)
		bpf_map__set_autocreate(skel->maps.digests, false);
	r = exec_bpf__load(skel);
	if (r) {
		snprintf(err, errlen, "cannot load the %s programs: %s%s%s%s", emb_tier_name(tier),
			 strerror(-r), libbpf_first[0] ? " (" : "", libbpf_first,
			 libbpf_first[0] ? ")" : "");
		exec_bpf__destroy(skel);
		return r;
	}
	enf->skel = skel;
	enf->tier = tier;
	return 0;
}

int enforcer_load(struct enforcer *enf, enum tier_choice choice, char *err, size_t errlen)
{
	int r;

	enf->skel = NULL;
	enf->n_links = 0;
	enf->tier = EMB_TIER_NONE;
	enf->rules_fd = -1;
	enf->n_entries = 0;
	enf->lsm_reason[0] = 0;
	libbpf_set_print(libbpf_capture);

	if (choice == TIER_TRACEPOINT)
		snprintf(enf->lsm_reason, sizeof(enf->lsm_reason),
			 "not requested (--tier tracepoint)");
	else {
		if (bpf_lsm_active(enf->lsm_reason, sizeof(enf->lsm_reason))) {
			r = load_tier(enf, EMB_TIER_LSM, enf->lsm_reason, sizeof(enf->lsm_reason));
			if (!r)
				return 0;
		} else {
			r = -EOPNOTSUPP;
		}
		if (choice == TIER_LSM) {
			snprintf(err, errlen, "lsm tier unavailable: %s", enf->lsm_reason);
			return r;
		}
	}
	return load_tier(enf, EMB_TIER_TRACEPOINT, err, errlen);
}

int enforcer_install(struct enforcer *enf, const struct emb_resolved *r, uint32_t generation)
{
	struct emb_rule_key meta_key = { .kind = EMB_KEY_META };
	struct emb_rule_value meta = { .generation = generation };
	struct emb_hash_config hc = { 0 }, old_hc = { 0 };
	LIBBPF_OPTS(bpf_map_create_opts, opts);
	__u32 zero = 0, count;
	int fd, err;
	size_t i;

	if (r->n_entries >= UINT32_MAX)
		return -E2BIG;
	meta.rule_id = (__u32)r->n_entries;
	meta.is_dir = r->has_dirs;
	meta.flags = (__u8)r->meta_flags;
	hc.flags = r->meta_flags & (EMB_META_SHA256_EXEC | EMB_META_SHA256_OPEN);
	fd = bpf_map_create(BPF_MAP_TYPE_HASH, "emb_rules", sizeof(struct emb_rule_key),
			    sizeof(struct emb_rule_value), (__u32)r->n_entries + 1, &opts);
	if (fd < 0)
		return -errno;
	if (r->n_entries) {
		struct emb_rule_key *keys = calloc(r->n_entries, sizeof(*keys));
		struct emb_rule_value *values = calloc(r->n_entries, sizeof(*values));

		err = keys && values ? 0 : -ENOMEM;
		for (i = 0; !err && i < r->n_entries; i++) {
			keys[i] = r->entries[i].key;
			values[i] = r->entries[i].value;
		}
		count = (__u32)r->n_entries;
		if (!err && bpf_map_update_batch(fd, keys, values, &count, NULL) < 0)
			err = -errno;
		/* Kernels without batch updates for hash maps: one at a time. */
		for (i = 0; err == -EINVAL && i < r->n_entries; i++)
			err = bpf_map_update_elem(fd, &keys[i], &values[i], BPF_NOEXIST) < 0
				      ? -errno
				      : 0;
		free(keys);
		free(values);
		if (err)
			goto fail;
	}
	if (bpf_map_update_elem(fd, &meta_key, &meta, BPF_NOEXIST) < 0) {
		err = -errno;
		goto fail;
	}
	/*
	 * The hashing programs (lsm tier) learn from hash_config whether any sha256= rule needs
	 * a hash. Rules that need more hashing: tell them before the swap; less: after it. So
	 * the map in force never lacks a hash it needs.
	 */
	bpf_map_lookup_elem(bpf_map__fd(enf->skel->maps.hash_config), &zero, &old_hc);
	old_hc.flags |= hc.flags;
	if (bpf_map_update_elem(bpf_map__fd(enf->skel->maps.hash_config), &zero, &old_hc, BPF_ANY) <
	    0) {
		err = -errno;
		goto fail;
	}
	/* The swap: readers see the old map or the new one, never a mix. */
	if (bpf_map_update_elem(bpf_map__fd(enf->skel->maps.policy), &zero, &fd, BPF_ANY) < 0) {
		err = -errno;
		goto fail;
	}
	bpf_map_update_elem(bpf_map__fd(enf->skel->maps.hash_config), &zero, &hc, BPF_ANY);
	if (enf->rules_fd >= 0)
		close(enf->rules_fd);
	enf->rules_fd = fd;
	enf->n_entries = r->n_entries;
	return 0;
fail:
	close(fd);
	return err;
}

static bool sleepable(const struct bpf_program *prog)
{
	return !strncmp(bpf_program__section_name(prog), "lsm.s/", 6);
}

int enforcer_attach(struct enforcer *enf)
{
	struct bpf_program *prog;
	size_t n = 0;

	/*
	 * The kernel runs the programs of one hook newest first. The sleepable ones only hash the
	 * file for the deciding ones, so they are attached last, to run first.
	 */
	for (int pass = 0; pass < 2; pass++) {
		bpf_object__for_each_program(prog, enf->skel->obj)
		{
			struct bpf_link *link;

			if (!bpf_program__autoload(prog) || sleepable(prog) != (pass == 1) ||
			    !strncmp(bpf_program__section_name(prog), "iter/", 5))
				continue;
			if (n == sizeof(enf->links) / sizeof(enf->links[0]))
				return -E2BIG;
			link = bpf_program__attach(prog);
			if (!link)
				return -errno;
			enf->links[n++] = link;
		}
	}
	enf->n_links = n;
	return 0;
}

int enforcer_counters(struct enforcer *enf, uint64_t *out)
{
	int ncpu = libbpf_num_possible_cpus(), fd = bpf_map__fd(enf->skel->maps.counters);
	uint64_t *vals;
	__u32 key;

	if (ncpu <= 0)
		return ncpu < 0 ? ncpu : -EINVAL;
	vals = calloc((size_t)ncpu, sizeof(*vals));
	if (!vals)
		return -ENOMEM;
	for (key = 0; key < EMB_CNT_MAX; key++) {
		out[key] = 0;
		if (bpf_map_lookup_elem(fd, &key, vals) < 0)
			continue;
		for (int c = 0; c < ncpu; c++)
			out[key] += vals[c];
	}
	free(vals);
	return 0;
}

int enforcer_running(struct enforcer *enf, struct emb_running_rec **out, size_t *n_out)
{
	struct bpf_link *link = bpf_program__attach_iter(enf->skel->progs.emb_iter_running, NULL);
	struct emb_running_rec *v = NULL;
	size_t n = 0, cap = 0;
	int fd, r = 0;

	if (!link)
		return -errno;
	fd = bpf_iter_create(bpf_link__fd(link));
	if (fd < 0) {
		r = -errno;
		bpf_link__destroy(link);
		return r;
	}
	for (;;) {
		struct emb_running_rec rec;
		ssize_t got = read(fd, &rec, sizeof(rec));

		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			r = -errno;
			break;
		}
		if (got == 0)
			break;
		if (got != sizeof(rec)) {
			r = -EPROTO;
			break;
		}
		if (n == cap) {
			struct emb_running_rec *nv = realloc(v, (cap ? cap * 2 : 256) * sizeof(*v));

			if (!nv) {
				r = -ENOMEM;
				break;
			}
			v = nv;
			cap = cap ? cap * 2 : 256;
		}
		v[n++] = rec;
	}
	close(fd);
	bpf_link__destroy(link);
	if (r) {
		free(v);
		return r;
	}
	*out = v;
	*n_out = n;
	return 0;
}

int enforcer_events_map_fd(struct enforcer *enf)
{
	return bpf_map__fd(enf->skel->maps.events);
}

void enforcer_close(struct enforcer *enf)
{
	while (enf->n_links)
		bpf_link__destroy(enf->links[--enf->n_links]);
	exec_bpf__destroy(enf->skel);
	enf->skel = NULL;
	if (enf->rules_fd >= 0)
		close(enf->rules_fd);
	enf->rules_fd = -1;
}
