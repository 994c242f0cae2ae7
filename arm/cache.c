/*
 * Instruction and data cache coherency as CTR_EL0 advertises it (Arm ARM B2.4.4,
 * D7.5.9): code written through the data side runs as written once the maintenance
 * the flags require is done. With CTR_EL0.IDC set no data cache clean to the PoU is
 * needed, with CTR_EL0.DIC no instruction cache invalidation: the test then omits
 * them, so a hypervisor that advertises a flag it cannot honour runs stale code.
 */
#include <libcflat.h>
#include <subtest.h>
#include <arm64/sysreg.h>

#define CTR_IDC BIT(28)
#define CTR_DIC BIT(29)
#define ROUNDS 200

#define A64_RET 0xd65f03c0U
/* MOVZ W0, #imm16 (Arm ARM C6.2.191) */
#define A64_MOVZ_W0(imm) (0x52800000U | ((u32)(imm) & 0xffff) << 5)

typedef int (*code_fn)(void);

struct maintenance {
	bool clean_dcache, inval_icache;
};

static void sync_code(void *p, size_t len, struct maintenance m)
{
	u64 ctr = read_sysreg(ctr_el0);
	u64 dline = 4UL << ((ctr >> 16) & 0xf), iline = 4UL << (ctr & 0xf);
	u64 a, start = (u64)p, end = start + len;

	if (m.clean_dcache)
		for (a = ALIGN_DOWN(start, dline); a < end; a += dline)
			asm volatile("dc cvau, %0" : : "r"(a) : "memory");
	dsb(ish);
	if (m.inval_icache) {
		for (a = ALIGN_DOWN(start, iline); a < end; a += iline)
			asm volatile("ic ivau, %0" : : "r"(a) : "memory");
		dsb(ish);
	}
	isb();
}

/* Write "return @value" at @code, with @pad NOPs first (to cross cache lines). */
static void write_code(u32 *code, int value, int pad)
{
	int i;

	for (i = 0; i < pad; i++)
		code[i] = 0xd503201fU; /* NOP */
	code[pad] = A64_MOVZ_W0(value);
	code[pad + 1] = A64_RET;
}

/* Rewrite and run the same code ROUNDS times; how many runs returned the new value. */
static int rewrite_and_run(u32 *code, int pad, struct maintenance m)
{
	int round, right = 0;

	for (round = 1; round <= ROUNDS; round++) {
		write_code(code, round, pad);
		sync_code(code, (pad + 2) * sizeof(u32), m);
		right += ((code_fn)code)() == round;
	}
	return right;
}

static void test_cache(int argc, char **argv)
{
	u64 ctr = read_sysreg(ctr_el0);
	struct maintenance full = { true, true };
	struct maintenance required = { !(ctr & CTR_IDC), !(ctr & CTR_DIC) };
	u32 *page = alloc_page();
	u64 iline = 4UL << (ctr & 0xf);
	int pad = iline / sizeof(u32) - 1; /* MOVZ ends one line, RET starts the next */
	int right;

	assert(page);
	report_prefix_push("cache");
	report_info("CTR_EL0 %#lx: IDC %d, DIC %d, I-line %lu bytes", (unsigned long)ctr,
		    !!(ctr & CTR_IDC), !!(ctr & CTR_DIC), (unsigned long)iline);

	right = rewrite_and_run(page, 0, full);
	report(right == ROUNDS, "with DC CVAU + IC IVAU: rewritten code runs as written (%d/%d)",
	       right, ROUNDS);
	right = rewrite_and_run(page, pad, full);
	report(right == ROUNDS, "the same across an instruction cache line boundary (%d/%d)", right,
	       ROUNDS);
	right = rewrite_and_run(page, 0, required);
	report(right == ROUNDS, "with only the maintenance CTR_EL0 requires (%s%s): runs as written (%d/%d)",
	       required.clean_dcache ? "DC CVAU" : "no DC CVAU: IDC",
	       required.inval_icache ? ", IC IVAU" : ", no IC IVAU: DIC", right, ROUNDS);
	report_prefix_pop();
}

static const struct subtest tests[] = {
	{ "cache", test_cache },
	{ NULL },
};

int main(int argc, char **argv)
{
	return run_subtests(tests, "cache", argc, argv);
}
