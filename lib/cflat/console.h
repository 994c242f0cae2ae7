/* Console output (lib/printf.c) over the arch's character hooks. */
#ifndef CFLAT_CONSOLE_H
#define CFLAT_CONSOLE_H

#include <cflat/types.h>

/* Arch hooks (lib/<arch>/). */
void arch_puts(const char *s);
int arch_getchar(void); /* console input, non-blocking: a byte, or -1 when none waits */

int printf(const char *fmt, ...) __printf(1, 2);
int vprintf(const char *fmt, va_list ap);
int snprintf(char *buf, size_t size, const char *fmt, ...) __printf(3, 4);
int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int sprintf(char *buf, const char *fmt, ...) __printf(2, 3);
int puts(const char *s);
int putchar(int c);

#endif
