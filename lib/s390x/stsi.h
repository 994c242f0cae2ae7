/*
 * STORE SYSTEM INFORMATION (PoP ch. 10): function code 0 asks for the current
 * configuration level; codes 1-3 with selectors 1 and 2 store a 4 KiB SYSIB.
 */
#ifndef S390X_STSI_H
#define S390X_STSI_H

#include <libcflat.h>
#include <s390x/psw.h>

/* SYSIB 1.2.2, 2.2.2 (after its first 32 bytes) and 3.2.2 (per VM) carry CPU counts. */
struct sysib_cpu_counts {
	u16 total;
	u16 configured;
	u16 standby;
	u16 reserved;
} __packed;

/* Condition code; r0 after the instruction in @r0_out (the level for fc 0). */
static inline int stsi(void *sysib, int fc, int sel1, int sel2, u64 *r0_out)
{
	register u64 r0 asm("0") = (u64)fc << 28 | sel1;
	register u64 r1 asm("1") = sel2;
	u64 ipm;

	asm volatile("stsi 0(%[sysib])\n ipm %[ipm]"
		     : "+d"(r0), [ipm] "=d"(ipm)
		     : "d"(r1), [sysib] "a"(sysib)
		     : "cc", "memory");
	if (r0_out)
		*r0_out = r0;
	return CC_FROM_IPM(ipm);
}

#endif
