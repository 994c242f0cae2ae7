/*
 * The cost of instructions a hypervisor intercepts or emulates, in nanoseconds per
 * execution on the TOD clock. It prints figures; it claims only sanity: each loop ran
 * to its end, the clock moved, and no instruction took longer than a millisecond.
 */
#include <libcflat.h>
#include <clock.h>
#include <s390x/psw.h>
#include <s390x/arch.h>
#include <s390x/skey.h>
#include <s390x/stsi.h>
#include <s390x/facility.h>

#define ITERATIONS 2000
#define SANE_NS_PER_OP (1000 * 1000)

static u8 *page;

static void op_nop(void)
{
	asm volatile("nopr %%r7" : : : "memory");
}

static void op_stpx(void)
{
	u32 prefix;

	asm volatile("stpx %0" : "=Q"(prefix));
}

static void op_stap(void)
{
	stap();
}

static void op_stidp(void)
{
	u64 id;

	asm volatile("stidp %0" : "=Q"(id));
}

static void op_stsi(void)
{
	stsi(page, 0, 0, 0, NULL);
}

static void op_stfle(void)
{
	u64 list[FACILITY_LIST_DWORDS];

	stfle(list, FACILITY_LIST_DWORDS, NULL);
}

static void op_diag44(void)
{
	asm volatile("diag 0,0,0x44" : : : "memory");
}

static void op_sigp_sense(void)
{
	sigp(stap(), SIGP_SENSE, 0, NULL);
}

static void op_stck(void)
{
	u64 tod;

	asm volatile("stck %0" : "=Q"(tod) : : "cc");
}

static void op_iske(void)
{
	iske(page);
}

static void op_sske(void)
{
	sske(page, 0);
}

static const struct {
	const char *name;
	void (*op)(void);
} ops[] = {
	{ "nop (loop overhead)", op_nop },
	{ "STPX", op_stpx },
	{ "STAP", op_stap },
	{ "STIDP", op_stidp },
	{ "STSI fc 0", op_stsi },
	{ "STFLE", op_stfle },
	{ "DIAG 0x44", op_diag44 },
	{ "SIGP sense self", op_sigp_sense },
	{ "STCK", op_stck },
	{ "ISKE", op_iske },
	{ "SSKE", op_sske },
};

int main(void)
{
	int i, n;

	page = alloc_page();
	report_prefix_push("exittime");
	for (i = 0; i < ARRAY_SIZE(ops); i++) {
		u64 start = clock_ns(), ns;

		for (n = 0; n < ITERATIONS; n++)
			ops[i].op();
		ns = clock_ns() - start;
		printf("%-20s %8lu ns/op\n", ops[i].name, ns / ITERATIONS);
		report(n == ITERATIONS && ns > 0 && ns / ITERATIONS < SANE_NS_PER_OP,
		       "%s: %d runs in %lu us", ops[i].name, ITERATIONS, ns / 1000);
	}
	report_prefix_pop();
	return report_summary();
}
