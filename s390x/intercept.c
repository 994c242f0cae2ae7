/*
 * Instructions a hypervisor intercepts and emulates: STORE PREFIX, SET PREFIX, STORE
 * CPU ADDRESS, STORE CPU ID, TEST BLOCK (PoP ch. 10), each with its results and the
 * exceptions the architecture gives it.
 */
#include <libcflat.h>
#include <s390x/psw.h>
#include <s390x/arch.h>
#include <s390x/interrupt.h>
#include <s390x/lowcore.h>
#include <s390x/smp.h>

#define ODD_ADDR(p) ((void *)((u8 *)(p) + 1))

static u8 scratch[16] __aligned(8);

static inline void stpx_to(void *addr)
{
	asm volatile("stpx 0(%0)" : : "a"(addr) : "memory");
}

static inline void spx_from(void *addr)
{
	asm volatile("spx 0(%0)" : : "a"(addr) : "memory");
}

static inline void stap_to(void *addr)
{
	asm volatile("stap 0(%0)" : : "a"(addr) : "memory");
}

static inline void stidp_to(void *addr)
{
	asm volatile("stidp 0(%0)" : : "a"(addr) : "memory");
}

/* TEST BLOCK: R2 holds the 4 KiB block's real address; cc 0 means usable. */
static inline int tb(u64 addr)
{
	register u64 r0 asm("0") = 0;
	u64 ipm;

	asm volatile("	.insn	rre,0xb22c0000,0,%[addr]\n"
		     "	ipm	%[ipm]\n"
		     : [ipm] "=d"(ipm) : [addr] "a"(addr), "d"(r0) : "cc", "memory");
	return CC_FROM_IPM(ipm);
}

static u32 stpx(void)
{
	u32 prefix;

	stpx_to(&prefix);
	return prefix;
}

static void test_stpx(void)
{
	report(stpx() == 0, "cpu 0 starts with prefix 0");
	expect_pgm_int();
	stpx_to(ODD_ADDR(scratch));
	check_pgm_int(PGM_INT_CODE_SPECIFICATION, 4, "misaligned operand");
	check_privileged(4, "problem state", stpx_to(scratch));
}

static void check_new_prefix(u8 *area)
{
	u32 prefix = (u32)(u64)area;
	u32 old = 0;
	u64 seen;

	memcpy(area, lowcore(), LOWCORE_SIZE);
	*(u64 *)(area + LC_SW_START_FN) = 0x5a5a5a5a;
	spx_from(&prefix);
	seen = LC_FIELD(u64, LC_SW_START_FN);
	report(stpx() == prefix, "STPX returns the new prefix %#x", prefix);
	spx_from(&old);
	report(seen == 0x5a5a5a5a, "real address 0 is the new area while it is the prefix");
	report(stpx() == 0, "prefix 0 again");
}

static void test_spx(void)
{
	u8 *area = alloc_pages_below(1, 1UL << 31);
	u32 beyond = 0x7fffe000;

	check_new_prefix(area);
	expect_pgm_int();
	spx_from(ODD_ADDR(scratch));
	check_pgm_int(PGM_INT_CODE_SPECIFICATION, 4, "misaligned operand");
	report_prefix_push("prefix beyond memory");
	expect_pgm_int();
	spx_from(&beyond);
	check_pgm_int(PGM_INT_CODE_ADDRESSING, 4, "address beyond memory");
	report(stpx() == 0, "prefix unchanged");
	report_prefix_pop();
	check_privileged(4, "problem state", spx_from(scratch));
	free_pages(area, 1);
}

static void test_stap(void)
{
	u16 addr = 0xffff;

	stap_to(&addr);
	report(addr == cpu_addr(0), "cpu address %d is the one SCLP listed (%d)", addr,
	       cpu_addr(0));
	expect_pgm_int();
	stap_to(ODD_ADDR(scratch));
	check_pgm_int(PGM_INT_CODE_SPECIFICATION, 4, "misaligned operand");
	check_privileged(4, "problem state", stap_to(scratch));
}

static void test_stidp(void)
{
	u64 id = 0, again = 0;

	stidp_to(&id);
	stidp_to(&again);
	/* bits 32-47: machine type, four decimal digits in BCD (PoP "STORE CPU ID") */
	report(((id >> 16) & 0xffff) != 0, "machine type %04lx is set", (id >> 16) & 0xffff);
	report(id == again, "the same id twice (%016lx)", id);
	report((id & 0xffff) == 0 || (id & 0xffff) == 0x8000,
	       "bits 48-63: format bit and zeros (%04lx)", id & 0xffff);
	expect_pgm_int();
	stidp_to(scratch + 4);
	check_pgm_int(PGM_INT_CODE_SPECIFICATION, 4, "misaligned operand");
	check_privileged(4, "problem state", stidp_to(scratch));
}

static bool all_zero(const u8 *p, size_t n)
{
	while (n--)
		if (*p++)
			return false;
	return true;
}

static void test_testblock(void)
{
	u8 *page = alloc_page();
	int cc;

	memset(page, 0xaa, PAGE_SIZE);
	cc = tb((u64)page);
	report(cc == 0, "a block of memory is usable (cc %d)", cc);
	report(all_zero(page, PAGE_SIZE), "and cleared to zeros");
	expect_pgm_int();
	tb(1UL << 40);
	check_pgm_int(PGM_INT_CODE_ADDRESSING, 4, "address beyond memory");
	check_privileged(4, "problem state", tb((u64)page));
	free_page(page);
}

int main(int argc, char **argv)
{
	report_prefix_push("intercept");
	report_prefix_push("stpx");
	test_stpx();
	report_prefix_pop();
	report_prefix_push("spx");
	test_spx();
	report_prefix_pop();
	report_prefix_push("stap");
	test_stap();
	report_prefix_pop();
	report_prefix_push("stidp");
	test_stidp();
	report_prefix_pop();
	report_prefix_push("testblock");
	test_testblock();
	report_prefix_pop();
	report_prefix_pop();
	return report_summary();
}
