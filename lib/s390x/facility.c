/* STORE FACILITY LIST EXTENDED, cached for test_facility(). */
#include <libcflat.h>
#include <s390x/psw.h>
#include <s390x/facility.h>

static u64 list[FACILITY_LIST_DWORDS];
static bool fetched;

/* R0 bits 56-63: doublewords to store minus one; afterwards, what the list needs minus one. */
int stfle(u64 *dst, int dwords, int *needed)
{
	register u64 r0 asm("0") = dwords - 1;
	u64 ipm;

	asm volatile("	.insn	s,0xb2b00000,%[list]\n"
		     "	ipm	%[ipm]\n"
		     : [list] "=Q"(*(u64 (*)[FACILITY_LIST_DWORDS])dst), "+d"(r0), [ipm] "=d"(ipm)
		     : : "cc", "memory");
	if (needed)
		*needed = (r0 & 0xff) + 1;
	return CC_FROM_IPM(ipm);
}

const u64 *facility_list(void)
{
	if (!fetched) {
		stfle(list, FACILITY_LIST_DWORDS, NULL);
		fetched = true;
	}
	return list;
}

bool test_facility(int nr)
{
	if (nr < 0 || nr >= FACILITY_LIST_DWORDS * 64)
		return false;
	return facility_list()[nr / 64] & (1UL << (63 - nr % 64));
}
