/* The generic timer (Arm ARM D11) as QEMU's /timer node describes it. */
#ifndef ARM64_TIMER_H
#define ARM64_TIMER_H

#include <libcflat.h>

/* CNT{P,V}_CTL_EL0 bits. */
#define CNT_CTL_ENABLE BIT(0)
#define CNT_CTL_IMASK BIT(1)
#define CNT_CTL_ISTATUS BIT(2)

/* PPI numbers (0-15, add 16 for the GIC INTID) and trigger flags from /timer "interrupts". */
struct timer_ppis {
	int sec_phys, phys, virt, hyp;
	u32 phys_flags, virt_flags; /* the third cell: 4 = level high, 8 = level low */
	bool found;
};
extern struct timer_ppis timer_ppis;
#define PPI_INTID(ppi) ((ppi) + 16)

#endif
