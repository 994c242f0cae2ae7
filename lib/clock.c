#include <clock.h>

void udelay(u64 us)
{
	u64 end = clock_ns() + us * NSEC_PER_USEC;

	while (clock_ns() < end)
		cpu_relax();
}

void mdelay(u64 ms)
{
	udelay(ms * 1000);
}
