/* SPDX-License-Identifier: GPL-2.0-only */
/* What a file is as an ELF object: whether it is one, and its GNU build-id (libelf). */
#ifndef EMB_ELFINFO_H
#define EMB_ELFINFO_H

#include <stdbool.h>
#include <stddef.h>

/* Longest build-id reported (GNU ld writes 16 or 20 bytes; a longer note is ignored). */
#define EMB_BUILD_ID_MAX 64
/* Note sections and segments larger than this are not read: a build-id note is tiny. */
#define EMB_ELF_MAX_NOTES (1u << 20)

struct emb_elf_info {
	bool is_elf;
	size_t build_id_len; /* 0: no NT_GNU_BUILD_ID note */
	unsigned char build_id[EMB_BUILD_ID_MAX];
};

/*
 * Examines the file open at FD (reading at explicit offsets: FD's offset does not matter and
 * does not move). The build-id is taken from the first "GNU" NT_GNU_BUILD_ID note of the note
 * sections, or else of the PT_NOTE segments (files without section headers). A file that is
 * not ELF, or is malformed, is not an error. Returns 0 with *OUT filled, -errno of a failed
 * read, or -EIO when libelf cannot be initialised.
 */
int emb_elf_info(int fd, struct emb_elf_info *out);

#endif /* EMB_ELFINFO_H */
