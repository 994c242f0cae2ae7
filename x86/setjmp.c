/* setjmp/longjmp of the guest runtime: return values, state restored, unwinding frames. */
#include <libcflat.h>
#include <x86/setjmp.h>

#ifdef __x86_64__
#define SP_NAME "rsp"
#else
#define SP_NAME "esp"
#endif

static jmp_buf env;
static int depth_reached;

static void jump(int val)
{
	longjmp(env, val);
}

/* Called through a pointer: gcc would call the recursion infinite, longjmp being noreturn. */
static void (*volatile bottom)(int val) = jump;

static void __attribute__((noinline)) dive(int depth, int val)
{
	volatile char frame[64];

	frame[0] = depth;
	depth_reached = frame[0];
	if (depth > 0)
		dive(depth - 1, val);
	else
		bottom(val);
}

static void check_values(void)
{
	static const int values[] = { 1, 2, 42, -1, 0x7fffffff };
	volatile unsigned int i = 0, returns = 0;
	int r;

	r = setjmp(env);
	returns++;
	if (i == 0)
		report(r == 0, "setjmp returns 0 when it saves");
	else
		report(r == values[i - 1], "longjmp(%d) makes setjmp return it", values[i - 1]);
	if (i < ARRAY_SIZE(values))
		longjmp(env, values[i++]);
	report(returns == ARRAY_SIZE(values) + 1, "setjmp returned %u times", returns);

	if (!(r = setjmp(env)))
		longjmp(env, 0);
	report(r == 1, "longjmp(0) makes setjmp return 1");
}

static void check_unwind(void)
{
	volatile unsigned long canary = 0x5a5aa5a5UL;
	unsigned long sp_before, sp_after;
	int r;

	asm volatile("mov %%" SP_NAME ", %0" : "=r"(sp_before));
	r = setjmp(env);
	asm volatile("mov %%" SP_NAME ", %0" : "=r"(sp_after));
	if (!r)
		dive(20, 7);
	report(r == 7, "longjmp out of 21 nested frames");
	report(depth_reached == 0, "the innermost frame ran");
	report(sp_after == sp_before, "the stack pointer is the one setjmp saw");
	report(canary == 0x5a5aa5a5UL, "locals of the setjmp frame survive");
}

int main(void)
{
	check_values();
	check_unwind();
	return report_summary();
}
