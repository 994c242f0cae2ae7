/*
 * The guest clock: a monotonic nanosecond count from each arch's own counter
 * (x86: TSC calibrated against the ACPI PM timer; arm64: CNTVCT_EL0/CNTFRQ_EL0;
 * s390x: the TOD clock), and the delays and bounded waits built on it.
 */
#ifndef LIB_CLOCK_H
#define LIB_CLOCK_H

#include <libcflat.h>

#define NSEC_PER_USEC 1000ULL
#define NSEC_PER_MSEC 1000000ULL
#define NSEC_PER_SEC 1000000000ULL

/* Arch: nanoseconds since an arbitrary point before main(), never going backwards. */
u64 clock_ns(void);

void udelay(u64 us);
void mdelay(u64 ms);

/*
 * Spin (cpu_relax) until @cond holds or @timeout_ms passed; true when @cond held.
 * @cond is checked once more after the deadline, so a condition met exactly at the
 * deadline is not reported as a timeout.
 */
#define wait_until(cond, timeout_ms)                                              \
	({                                                                        \
		u64 __wait_end = clock_ns() + (u64)(timeout_ms) * NSEC_PER_MSEC;  \
		bool __wait_ok;                                                   \
		while (!(__wait_ok = (cond)) && clock_ns() < __wait_end)          \
			cpu_relax();                                              \
		__wait_ok || (cond);                                              \
	})

#endif
