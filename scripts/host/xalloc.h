/*
 * Allocation helpers of the runner's modules: an allocation that fails ends the program
 * (a runner out of memory has nothing sensible left to do). Everything is static inline,
 * so a module includes only what it uses.
 */
#ifndef HOST_XALLOC_H
#define HOST_XALLOC_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static inline void *xnomem(void *p)
{
	if (!p) {
		fputs("out of memory\n", stderr);
		abort();
	}
	return p;
}

static inline void *xmalloc(size_t n)
{
	return xnomem(malloc(n ? n : 1));
}

static inline void *xrealloc(void *p, size_t n)
{
	return xnomem(realloc(p, n ? n : 1));
}

static inline char *xstrdup(const char *s)
{
	return xnomem(strdup(s));
}

static inline char *xstrndup(const char *s, size_t n)
{
	return xnomem(strndup(s, n));
}

static inline __attribute__((format(printf, 1, 2))) char *xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0)
		xnomem(NULL);
	return s;
}

/* Append S to the NULL-terminated vector *V of *N strings (S is taken over). */
static inline void strv_push(char ***v, size_t *n, char *s)
{
	*v = xrealloc(*v, (*n + 2) * sizeof(**v));
	(*v)[(*n)++] = s;
	(*v)[*n] = NULL;
}

/* An empty NULL-terminated vector. */
static inline char **strv_new(void)
{
	char **v = xmalloc(sizeof(*v));

	v[0] = NULL;
	return v;
}

static inline void strv_free(char **v)
{
	size_t i;

	for (i = 0; v && v[i]; i++)
		free(v[i]);
	free(v);
}

#endif
