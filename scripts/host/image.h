/* Checks of a test image before QEMU boots it (docs/HACKING.md, "Runner"). */
#ifndef IMAGE_H
#define IMAGE_H

#include <stddef.h>

/*
 * NULL when @path looks loadable: an ELF file (32 or 64 bit, either byte order) whose
 * loadable segments lie within the file, or an arm64 Image whose header is intact and,
 * when the ELF it was made from lies next to it (NAME.elf for NAME.flat), whose size is
 * what that ELF's loadable segments give. Else the reason, in @buf.
 */
const char *image_problem(const char *path, char *buf, size_t size);

#endif
