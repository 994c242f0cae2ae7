/* Ending a test: exit codes, exit/abort, assertions (lib/abort.c). */
#ifndef CFLAT_EXIT_H
#define CFLAT_EXIT_H

#include <cflat/console.h>

/* Exit codes of a test image: what report_summary() returns (docs/HACKING.md). */
enum {
	EXIT_PASS = 0,
	EXIT_FAIL = 1,
	EXIT_SKIP = 2,
	EXIT_ABORT = 3,
};

/* Arch hooks (lib/<arch>/). */
void arch_exit(int code) __noreturn;
int arch_backtrace(unsigned long *pcs, int max);

void exit(int code) __noreturn;
void abort(void) __noreturn;
void dump_stack(void);
void __assert_fail(const char *cond, const char *file, int line, const char *func) __noreturn;
#define assert(cond) \
	do { \
		if (!(cond)) \
			__assert_fail(#cond, __FILE__, __LINE__, __func__); \
	} while (0)
#define assert_msg(cond, fmt, ...) \
	do { \
		if (!(cond)) { \
			printf("assert failed: " fmt "\n", ##__VA_ARGS__); \
			__assert_fail(#cond, __FILE__, __LINE__, __func__); \
		} \
	} while (0)

#endif
