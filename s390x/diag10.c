/*
 * DIAGNOSE 0x10, release pages (the z/VM and KVM interface): R1 the first page, R2 the
 * last, both real addresses of 4 KiB pages. Claims: a valid range is accepted and
 * the pages stay usable; start above end, a range with prefix pages, unaligned
 * addresses and the problem state are exceptions.
 */
#include <libcflat.h>
#include <s390x/psw.h>
#include <s390x/interrupt.h>

#define TCG_NO_DIAG10 "tcg-s390x-diag10: DIAGNOSE 0x10 is not implemented (specification exception)"

static void diag10(u64 start, u64 end)
{
	asm volatile("diag %0,%1,0x10" : : "a"(start), "a"(end) : "memory");
}

static void test_release(u8 *pages)
{
	u16 code;

	memset(pages, 0x5a, 2 * PAGE_SIZE);
	expect_pgm_int();
	diag10((u64)pages, (u64)pages + PAGE_SIZE);
	code = pgm_int_taken();
	report_kfail(accel_is("tcg"), TCG_NO_DIAG10, code == 0,
		     "two pages released without an exception (got %#x)", code);
	pages[0] = 1;
	pages[PAGE_SIZE] = 2;
	report(pages[0] == 1 && pages[PAGE_SIZE] == 2, "released pages are usable again");
}

static void test_exceptions(u8 *pages)
{
	expect_pgm_int();
	diag10((u64)pages + PAGE_SIZE, (u64)pages);
	check_pgm_int(PGM_INT_CODE_SPECIFICATION, 4, "start above end");
	expect_pgm_int();
	diag10((u64)pages + 8, (u64)pages + PAGE_SIZE);
	check_pgm_int(PGM_INT_CODE_SPECIFICATION, 4, "unaligned start");
	expect_pgm_int();
	diag10(0, PAGE_SIZE);
	check_pgm_int(PGM_INT_CODE_SPECIFICATION, 4, "the prefix pages");
	check_privileged(4, "problem state", diag10((u64)pages, (u64)pages));
}

int main(void)
{
	u8 *pages = alloc_pages(1);

	report_prefix_push("diag10");
	test_release(pages);
	test_exceptions(pages);
	report_prefix_pop();
	return report_summary();
}
