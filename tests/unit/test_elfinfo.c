// SPDX-License-Identifier: GPL-2.0-only
/* ELF facts: build-ids from note sections and from PT_NOTE segments, and hostile files. */
#include <elf.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>

#include "elfinfo.h"
#include "hash.h"
#include "tap.h"

/* A little file image being built: ELF header, then whatever is appended. */
struct image {
	unsigned char buf[1024];
	size_t len;
};

static size_t append(struct image *im, const void *data, size_t len)
{
	size_t at = im->len;

	memcpy(im->buf + at, data, len);
	im->len += (len + 3) & ~(size_t)3;
	return at;
}

/* Appends one note; returns its size. */
static size_t add_note(struct image *im, const char *name, uint32_t type, const void *desc,
		       uint32_t descsz)
{
	Elf64_Nhdr n = { .n_namesz = (uint32_t)strlen(name) + 1,
			 .n_descsz = descsz,
			 .n_type = type };
	size_t at = append(im, &n, sizeof(n));

	append(im, name, n.n_namesz);
	append(im, desc, descsz);
	return im->len - at;
}

static Elf64_Ehdr ehdr_template(void)
{
	Elf64_Ehdr e = { .e_type = ET_EXEC, .e_machine = EM_X86_64, .e_version = EV_CURRENT };

	memcpy(e.e_ident, ELFMAG, SELFMAG);
	e.e_ident[EI_CLASS] = ELFCLASS64;
	e.e_ident[EI_DATA] = __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__ ? ELFDATA2LSB : ELFDATA2MSB;
	e.e_ident[EI_VERSION] = EV_CURRENT;
	e.e_ehsize = sizeof(Elf64_Ehdr);
	e.e_phentsize = sizeof(Elf64_Phdr);
	e.e_shentsize = sizeof(Elf64_Shdr);
	return e;
}

static const unsigned char id20[20] = { 0xde, 0xad, 0xbe, 0xef, 1,  2,	3,  4,	5,  6,
					7,    8,    9,	  10,	11, 12, 13, 14, 15, 16 };
static const unsigned char abi_tag[16] = { 0, 0, 0, 0, 3, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0 };

/* Notes a real linker might write before the build-id, then the build-id itself. */
static size_t add_notes(struct image *im)
{
	size_t size = add_note(im, ELF_NOTE_GNU, NT_GNU_ABI_TAG, abi_tag, sizeof(abi_tag));

	size += add_note(im, "Other", NT_GNU_BUILD_ID, "wrong owner", 12);
	size += add_note(im, ELF_NOTE_GNU, NT_GNU_BUILD_ID, id20, sizeof(id20));
	return size;
}

/* An executable with no section headers: the build-id is in a PT_NOTE segment. */
static void image_segments(struct image *im)
{
	Elf64_Ehdr e = ehdr_template();
	Elf64_Phdr ph = { .p_type = PT_NOTE, .p_flags = PF_R, .p_align = 4 };
	size_t ph_at;

	im->len = 0;
	e.e_phoff = sizeof(e);
	e.e_phnum = 1;
	append(im, &e, sizeof(e));
	ph_at = append(im, &ph, sizeof(ph));
	ph.p_offset = im->len;
	ph.p_filesz = ph.p_memsz = add_notes(im);
	memcpy(im->buf + ph_at, &ph, sizeof(ph));
}

/* An object file with no program headers: the build-id is in a SHT_NOTE section. */
static void image_sections(struct image *im)
{
	Elf64_Ehdr e = ehdr_template();
	Elf64_Shdr sh[2] = { { 0 },
			     { .sh_type = SHT_NOTE, .sh_flags = SHF_ALLOC, .sh_addralign = 4 } };

	im->len = 0;
	e.e_type = ET_REL;
	append(im, &e, sizeof(e));
	sh[1].sh_offset = im->len;
	sh[1].sh_size = add_notes(im);
	e.e_shoff = im->len;
	e.e_shnum = 2;
	append(im, sh, sizeof(sh));
	memcpy(im->buf, &e, sizeof(e));
}

static int file_of(const void *data, size_t len)
{
	int fd = memfd_create("elf-test", MFD_CLOEXEC);

	if (fd < 0 || (len && write(fd, data, len) != (ssize_t)len))
		diag("cannot make a memory file");
	return fd;
}

static int info_of(const void *data, size_t len, struct emb_elf_info *info)
{
	int fd = file_of(data, len), r;

	r = emb_elf_info(fd, info);
	close(fd);
	return r;
}

static const char *build_id_hex(const struct emb_elf_info *info, char *hex)
{
	emb_hex(info->build_id, info->build_id_len, hex);
	return hex;
}

static void test_build_ids(void)
{
	struct emb_elf_info info;
	char hex[2 * EMB_BUILD_ID_MAX + 1];
	struct image im;

	image_segments(&im);
	is_int(info_of(im.buf, im.len, &info), 0, "an executable without section headers");
	ok(info.is_elf, "is ELF");
	is_str(build_id_hex(&info, hex), "deadbeef0102030405060708090a0b0c0d0e0f10",
	       "its build-id comes from the PT_NOTE segment, other notes skipped");

	image_sections(&im);
	is_int(info_of(im.buf, im.len, &info), 0, "an object without program headers");
	ok(info.is_elf, "is ELF");
	is_str(build_id_hex(&info, hex), "deadbeef0102030405060708090a0b0c0d0e0f10",
	       "its build-id comes from the note section");
}

static void test_no_build_id(void)
{
	struct emb_elf_info info;
	struct image im = { 0 };
	Elf64_Ehdr e = ehdr_template();
	Elf64_Phdr ph = { .p_type = PT_NOTE, .p_align = 4 };
	unsigned char big[EMB_BUILD_ID_MAX + 4] = { 0 };

	append(&im, &e, sizeof(e));
	is_int(info_of(im.buf, im.len, &info), 0, "an ELF header alone");
	ok(info.is_elf && info.build_id_len == 0, "is ELF without a build-id");

	/* A build-id longer than any linker writes is not reported. */
	im.len = 0;
	e.e_phoff = sizeof(e);
	e.e_phnum = 1;
	append(&im, &e, sizeof(e));
	append(&im, &ph, sizeof(ph));
	ph.p_offset = im.len;
	ph.p_filesz = add_note(&im, ELF_NOTE_GNU, NT_GNU_BUILD_ID, big, sizeof(big));
	memcpy(im.buf + sizeof(e), &ph, sizeof(ph));
	is_int(info_of(im.buf, im.len, &info), 0, "an oversized build-id note");
	ok(info.is_elf && info.build_id_len == 0, "is ignored");

	/* A note whose name runs past the end of its segment. */
	{
		Elf64_Nhdr *n = (Elf64_Nhdr *)(im.buf + ph.p_offset);

		n->n_namesz = 0x7fffffff;
		is_int(info_of(im.buf, im.len, &info), 0, "a note with an absurd name size");
		ok(info.is_elf && info.build_id_len == 0, "is skipped safely");
	}

	/* Program headers pointing outside the file. */
	ph.p_offset = 1u << 30;
	memcpy(im.buf + sizeof(e), &ph, sizeof(ph));
	is_int(info_of(im.buf, im.len, &info), 0, "a PT_NOTE past the end of the file");
	ok(info.is_elf && info.build_id_len == 0, "yields no build-id");
}

static void test_not_elf(void)
{
	struct emb_elf_info info;

	memset(&info, 0x5a, sizeof(info));
	is_int(info_of("#!/bin/sh\necho hi\n", 18, &info), 0, "a script");
	ok(!info.is_elf && info.build_id_len == 0, "is not ELF");
	is_int(info_of("", 0, &info), 0, "an empty file");
	ok(!info.is_elf, "is not ELF");
	is_int(info_of(ELFMAG "\2\1", SELFMAG + 2, &info), 0, "the ELF magic and nothing more");
	ok(!info.is_elf, "is not an ELF object");
}

static void test_self(void)
{
	struct emb_elf_info info;
	int fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);

	is_int(emb_elf_info(fd, &info), 0, "this test program");
	ok(info.is_elf, "is ELF");
	close(fd);
}

int main(void)
{
	test_build_ids();
	test_no_build_id();
	test_not_elf();
	test_self();
	return done_testing();
}
