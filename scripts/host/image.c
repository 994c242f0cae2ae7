/* Test image checks: see image.h. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "image.h"

#define PT_LOAD 1
#define ARM64_MAGIC_OFFSET 56
#define ARM64_HEADER_SIZE 64

struct file {
	int fd;
	off_t size;
};

static bool read_at(struct file *f, off_t off, void *buf, size_t len)
{
	return off >= 0 && off + (off_t)len <= f->size && pread(f->fd, buf, len, off) == (ssize_t)len;
}

static uint64_t get(const unsigned char *p, int len, bool big)
{
	uint64_t v = 0;
	int i;

	for (i = 0; i < len; i++)
		v |= (uint64_t)p[big ? len - 1 - i : i] << (8 * i);
	return v;
}

/* The extent the loadable segments cover in the file, and in memory as objcopy lays it out. */
struct elf_extent {
	uint64_t file_end;       /* highest p_offset + p_filesz */
	uint64_t lo, hi;         /* lowest p_paddr, highest p_paddr + p_filesz with file data */
	int loads;
};

/* ELF header fields by class (System V ABI, "ELF Header", "Program Header"). */
static const char *elf_check(struct file *f, struct elf_extent *x, char *buf, size_t size)
{
	unsigned char eh[64], ph[56];
	bool is64, big;
	uint64_t phoff, i;
	unsigned phentsize, phnum;

	if (!read_at(f, 0, eh, 52))
		return "ELF header cut short";
	is64 = eh[4] == 2;
	big = eh[5] == 2;
	if ((eh[4] != 1 && eh[4] != 2) || (eh[5] != 1 && eh[5] != 2))
		return "bad ELF class or byte order";
	if (is64 && !read_at(f, 0, eh, 64))
		return "ELF header cut short";
	phoff = is64 ? get(eh + 32, 8, big) : get(eh + 28, 4, big);
	phentsize = get(eh + (is64 ? 54 : 42), 2, big);
	phnum = get(eh + (is64 ? 56 : 44), 2, big);
	if (!phnum || phentsize < (is64 ? 56u : 32u))
		return "no program headers";
	memset(x, 0, sizeof(*x));
	x->lo = UINT64_MAX;
	for (i = 0; i < phnum; i++) {
		uint64_t off, paddr, filesz;

		if (!read_at(f, phoff + i * phentsize, ph, is64 ? 56 : 32)) {
			snprintf(buf, size, "truncated: program header %llu lies beyond the end (%lld bytes)",
				 (unsigned long long)i, (long long)f->size);
			return buf;
		}
		if (get(ph, 4, big) != PT_LOAD)
			continue;
		off = is64 ? get(ph + 8, 8, big) : get(ph + 4, 4, big);
		paddr = is64 ? get(ph + 24, 8, big) : get(ph + 12, 4, big);
		filesz = is64 ? get(ph + 32, 8, big) : get(ph + 16, 4, big);
		x->loads++;
		if (off + filesz > (uint64_t)f->size) {
			snprintf(buf, size, "truncated: loadable segment %llu ends at byte %llu, the file "
				 "has %lld", (unsigned long long)i, (unsigned long long)(off + filesz),
				 (long long)f->size);
			return buf;
		}
		if (!filesz)
			continue;
		if (off + filesz > x->file_end)
			x->file_end = off + filesz;
		if (paddr < x->lo)
			x->lo = paddr;
		if (paddr + filesz > x->hi)
			x->hi = paddr + filesz;
	}
	if (!x->loads)
		return "no loadable segment";
	return NULL;
}

static bool open_file(const char *path, struct file *f)
{
	struct stat st;

	f->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (f->fd < 0)
		return false;
	if (fstat(f->fd, &st)) {
		close(f->fd);
		return false;
	}
	f->size = st.st_size;
	return true;
}

/* An arm64 Image (Linux Documentation/arch/arm64/booting.rst): header, then the ELF's size. */
static const char *arm64_check(const char *path, struct file *f, char *buf, size_t size)
{
	unsigned char h[ARM64_HEADER_SIZE];
	char elf_path[4096];
	struct elf_extent x;
	struct file e;
	const char *problem;
	size_t n = strlen(path);
	uint64_t image_size;

	if (!read_at(f, 0, h, sizeof(h)) || memcmp(h + ARM64_MAGIC_OFFSET, "ARM\x64", 4))
		return "neither ELF nor arm64 Image (no magic at byte 56)";
	image_size = get(h + 16, 8, false);
	if (image_size && (uint64_t)f->size > image_size) {
		snprintf(buf, size, "%lld bytes, more than the header's image_size %llu",
			 (long long)f->size, (unsigned long long)image_size);
		return buf;
	}
	if (n < 5 || strcmp(path + n - 5, ".flat") || n >= sizeof(elf_path))
		return NULL;
	snprintf(elf_path, sizeof(elf_path), "%.*s.elf", (int)(n - 5), path);
	if (!open_file(elf_path, &e))
		return NULL; /* an Image without its ELF: the header is all there is */
	problem = elf_check(&e, &x, buf, size);
	close(e.fd);
	if (!problem && x.hi > x.lo && (uint64_t)f->size != x.hi - x.lo) {
		snprintf(buf, size, "%lld bytes, but %s's loadable segments make %llu",
			 (long long)f->size, elf_path, (unsigned long long)(x.hi - x.lo));
		return buf;
	}
	return NULL;
}

const char *image_problem(const char *path, char *buf, size_t size)
{
	unsigned char magic[4];
	struct elf_extent x;
	const char *problem;
	struct file f;

	if (!open_file(path, &f)) {
		snprintf(buf, size, "cannot open: %s", strerror(errno));
		return buf;
	}
	if (f.size == 0)
		problem = "empty file";
	else if (read_at(&f, 0, magic, 4) && !memcmp(magic, "\x7f" "ELF", 4))
		problem = elf_check(&f, &x, buf, size);
	else
		problem = arm64_check(path, &f, buf, size);
	close(f.fd);
	return problem;
}
