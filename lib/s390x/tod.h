/*
 * TOD clock, clock comparator and CPU timer (PoP ch. 4 "Timing"). Bit 51 of the TOD
 * clock ticks once a microsecond (TOD_PER_USEC); the clock comparator raises external
 * interruption 0x1004 while TOD > comparator, the CPU timer 0x1005 while it is negative.
 */
#ifndef S390X_TOD_H
#define S390X_TOD_H

#include <libcflat.h>
#include <s390x/psw.h>
#include <s390x/arch.h>

/* STORE CLOCK EXTENDED: epoch index, the 104-bit clock, programmable field. */
struct tod_ext {
	u8 epoch_idx;
	u64 tod;	/* bits 8-71 of the stored clock: the same value STCK stores */
	u8 low[5];
	u16 pf;
} __packed;
_Static_assert(sizeof(struct tod_ext) == 16, "STCKE stores 16 bytes");

static inline int stck(u64 *tod)
{
	u64 ipm;

	asm volatile("stck %[tod]\n ipm %[ipm]" : [tod] "=Q"(*tod), [ipm] "=d"(ipm) : : "cc");
	return CC_FROM_IPM(ipm);
}

static inline int stcke(struct tod_ext *ext)
{
	u64 ipm;

	asm volatile("stcke %[ext]\n ipm %[ipm]" : [ext] "=Q"(*ext), [ipm] "=d"(ipm) : : "cc");
	return CC_FROM_IPM(ipm);
}

/* SET CLOCK: privileged; cc 0 when the clock was set. */
static inline int sck(u64 tod)
{
	u64 ipm;

	asm volatile("sck %[tod]\n ipm %[ipm]" : [ipm] "=d"(ipm) : [tod] "Q"(tod) : "cc");
	return CC_FROM_IPM(ipm);
}

static inline u64 stckc(void)
{
	u64 ckc;

	asm volatile("stckc %0" : "=Q"(ckc));
	return ckc;
}

static inline void spt(u64 timer)
{
	asm volatile("spt %0" : : "Q"(timer));
}

static inline u64 stpt(void)
{
	u64 timer;

	asm volatile("stpt %0" : "=Q"(timer));
	return timer;
}

#endif
