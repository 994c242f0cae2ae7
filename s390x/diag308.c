/*
 * DIAGNOSE 0x308, IPL functions: R3 the subcode, R1 (even) the IPL parameter block's
 * address, R1 + 1 the response code. Subcodes 5 (set) and 6 (store) are allowed here;
 * undefined subcodes, an odd R1, an unaligned block and the problem state are
 * exceptions. (Subcodes 0, 1, 3 and 4 reset the machine: not run.)
 */
#include <libcflat.h>
#include <s390x/psw.h>
#include <s390x/interrupt.h>

#define DIAG308_SET	5
#define DIAG308_STORE	6

#define RC_OK		0x0001
#define RC_NO_CONF	0x0102
#define RC_INVALID	0x0402

static u64 diag308(u64 subcode, void *iplb)
{
	register u64 r2 asm("2") = (u64)iplb;
	register u64 r3 asm("3") = ~0UL;

	asm volatile("diag %[r2],%[sub],0x308"
		     : "+d"(r3) : [r2] "d"(r2), [sub] "d"(subcode) : "memory", "cc");
	return r3;
}

static void test_store_set(u8 *iplb)
{
	u64 rc;

	memset(iplb, 0, PAGE_SIZE);
	rc = diag308(DIAG308_STORE, iplb);
	report(rc == RC_OK || rc == RC_NO_CONF, "store: response %#lx (0x1 stored, 0x102 none set)",
	       rc);
	memset(iplb, 0, PAGE_SIZE);
	rc = diag308(DIAG308_SET, iplb);
	report(rc == RC_INVALID, "set with an empty block: invalid (response %#lx)", rc);
}

static void test_exceptions(u8 *iplb)
{
	static const u64 undefined[] = { 2, 7, 11, 0xff };
	int i;

	for (i = 0; i < ARRAY_SIZE(undefined); i++) {
		expect_pgm_int();
		diag308(undefined[i], iplb);
		check_pgm_int(PGM_INT_CODE_SPECIFICATION, 4, "undefined subcode %lu", undefined[i]);
	}
	expect_pgm_int();
	diag308(DIAG308_STORE, iplb + 8);
	check_pgm_int(PGM_INT_CODE_SPECIFICATION, 4, "store to an unaligned block");
	expect_pgm_int();
	asm volatile("diag 3,%0,0x308" : : "d"((u64)DIAG308_STORE) : "memory", "cc");
	check_pgm_int(PGM_INT_CODE_SPECIFICATION, 4, "odd R1");
	check_privileged(4, "problem state", diag308(DIAG308_STORE, iplb));
}

int main(void)
{
	u8 *iplb = alloc_page();

	report_prefix_push("diag308");
	test_store_set(iplb);
	test_exceptions(iplb);
	report_prefix_pop();
	return report_summary();
}
