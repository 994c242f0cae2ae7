/* exit, abort, assertions and backtraces. */
#include <libcflat.h>

void exit(int code)
{
	printf("EXIT: STATUS=%d\n", code);
	arch_exit(code);
}

void dump_stack(void)
{
	unsigned long pcs[32];
	int i, n = arch_backtrace(pcs, ARRAY_SIZE(pcs));

	printf("backtrace:");
	for (i = 0; i < n; i++)
		printf(" %#lx", pcs[i]);
	printf("\n");
}

void abort(void)
{
	dump_stack();
	exit(EXIT_ABORT);
}

void __assert_fail(const char *cond, const char *file, int line, const char *func)
{
	printf("%s:%d: %s: assertion failed: %s\n", file, line, func, cond);
	abort();
}
