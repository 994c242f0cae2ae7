/* clock_ns() from the generic timer's virtual count (Arm ARM D11.1.2). */
#include <clock.h>
#include <arm64/sysreg.h>

u64 clock_ns(void)
{
	u64 freq = read_sysreg(cntfrq_el0);
	u64 count;

	isb();
	count = read_sysreg(cntvct_el0);
	return count / freq * NSEC_PER_SEC + count % freq * NSEC_PER_SEC / freq;
}
