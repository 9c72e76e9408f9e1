// SPDX-License-Identifier: GPL-2.0-only
#include <elf.h>
#include <errno.h>
#include <gelf.h>
#include <libelf.h>
#include <string.h>
#include <unistd.h>

#include "elfinfo.h"

/* Looks for the GNU build-id note in DATA, a block of notes in memory representation. */
static bool find_build_id(const Elf_Data *data, struct emb_elf_info *info)
{
	size_t off = 0, name_off, desc_off;
	GElf_Nhdr nhdr;

	if (!data || !data->d_buf)
		return false;
	/* gelf_getnote() checks that each note and its name and descriptor lie within DATA. */
	while (off < data->d_size &&
	       (off = gelf_getnote((Elf_Data *)data, off, &nhdr, &name_off, &desc_off)) > 0) {
		const char *base = data->d_buf;

		if (nhdr.n_type != NT_GNU_BUILD_ID || nhdr.n_namesz != sizeof(ELF_NOTE_GNU) ||
		    memcmp(base + name_off, ELF_NOTE_GNU, sizeof(ELF_NOTE_GNU)) ||
		    nhdr.n_descsz == 0 || nhdr.n_descsz > EMB_BUILD_ID_MAX)
			continue;
		memcpy(info->build_id, base + desc_off, nhdr.n_descsz);
		info->build_id_len = nhdr.n_descsz;
		return true;
	}
	return false;
}

static bool build_id_from_sections(Elf *elf, struct emb_elf_info *info)
{
	Elf_Scn *scn = NULL;

	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr shdr;

		if (!gelf_getshdr(scn, &shdr) || shdr.sh_type != SHT_NOTE ||
		    shdr.sh_size > EMB_ELF_MAX_NOTES)
			continue;
		if (find_build_id(elf_getdata(scn, NULL), info))
			return true;
	}
	return false;
}

/* For files without section headers (or whose note sections lack it). */
static bool build_id_from_segments(Elf *elf, struct emb_elf_info *info)
{
	size_t n_phdrs = 0;

	if (elf_getphdrnum(elf, &n_phdrs) < 0)
		return false;
	for (size_t i = 0; i < n_phdrs; i++) {
		GElf_Phdr phdr;
		Elf_Data *data;

		if (!gelf_getphdr(elf, (int)i, &phdr) || phdr.p_type != PT_NOTE ||
		    phdr.p_filesz == 0 || phdr.p_filesz > EMB_ELF_MAX_NOTES)
			continue;
		data = elf_getdata_rawchunk(elf, (int64_t)phdr.p_offset, phdr.p_filesz,
					    phdr.p_align == 8 ? ELF_T_NHDR8 : ELF_T_NHDR);
		if (find_build_id(data, info))
			return true;
	}
	return false;
}

int emb_elf_info(int fd, struct emb_elf_info *out)
{
	struct emb_elf_info info = { 0 };
	unsigned char magic[SELFMAG];
	ssize_t n;
	Elf *elf;

	do
		n = pread(fd, magic, sizeof(magic), 0);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	if (n < (ssize_t)sizeof(magic) || memcmp(magic, ELFMAG, SELFMAG)) {
		*out = info;
		return 0;
	}
	if (elf_version(EV_CURRENT) == EV_NONE)
		return -EIO;
	elf = elf_begin(fd, ELF_C_READ, NULL);
	if (elf && elf_kind(elf) == ELF_K_ELF) {
		info.is_elf = true;
		if (!build_id_from_sections(elf, &info))
			build_id_from_segments(elf, &info);
	}
	elf_end(elf);
	*out = info;
	return 0;
}
