/*
 * STORE HYPERVISOR INFORMATION (STFLE bit 74): function code 0 in R1 stores a 4 KiB
 * response at the address in R2 with cc 0 and return code 0 in R1 + 1; an unsupported
 * function code is cc 3 with return code 4; an odd or equal register pair and an
 * unaligned buffer are specification exceptions.
 */
#include <libcflat.h>
#include <s390x/psw.h>
#include <s390x/interrupt.h>
#include <s390x/facility.h>

#define STHYI_RC_UNSUPPORTED 4

static int sthyi(u64 fc, void *buf, u64 *rc)
{
	register u64 r2 asm("2") = fc;
	register u64 r3 asm("3") = ~0UL;
	register u64 r4 asm("4") = (u64)buf;
	u64 ipm;

	asm volatile(".insn rre,0xb2560000,2,4\n ipm %[ipm]"
		     : [ipm] "=d"(ipm), "+d"(r3) : "d"(r2), "d"(r4) : "cc", "memory");
	*rc = r3;
	return CC_FROM_IPM(ipm);
}

int main(void)
{
	u8 *buf = alloc_page();
	u64 rc;
	int cc;

	report_prefix_push("sthyi");
	if (!test_facility(FAC_STHYI)) {
		report_skip("STHYI (STFLE bit 74) not installed");
		return report_summary();
	}
	memset(buf, 0xff, PAGE_SIZE);
	cc = sthyi(0, buf, &rc);
	report(cc == 0 && rc == 0, "function code 0: cc 0, return code 0 (cc %d, rc %lu)", cc, rc);
	report(buf[0] != 0xff || buf[1] != 0xff, "a response was stored");
	cc = sthyi(1, buf, &rc);
	report(cc == 3 && rc == STHYI_RC_UNSUPPORTED, "function code 1: cc 3, return code 4 "
	       "(cc %d, rc %lu)", cc, rc);
	expect_pgm_int();
	sthyi(0, buf + 8, &rc);
	check_pgm_int(PGM_INT_CODE_SPECIFICATION, 4, "unaligned response buffer");
	expect_pgm_int();
	asm volatile(".insn rre,0xb2560000,3,4" : : : "r3", "r4", "cc", "memory");
	check_pgm_int(PGM_INT_CODE_SPECIFICATION, 4, "odd R1");
	report_prefix_pop();
	return report_summary();
}
