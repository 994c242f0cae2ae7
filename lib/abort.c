/* exit, abort, assertions and backtraces. */
#include <libcflat.h>

/*
 * The guest's last word. EXIT_TOKEN (put in the environment by the run script, different
 * for every run) proves the line comes from here, not from text that merely looks like it.
 */
void exit(int code)
{
	const char *token = getenv("EXIT_TOKEN");

	if (token)
		printf("EXIT: STATUS=%d TOKEN=%s\n", code, token);
	else
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
