/* clock_ns() from the TOD clock: bit 51 ticks once a microsecond (PoP, "TOD Clock"). */
#include <clock.h>
#include <s390x/arch.h>

u64 clock_ns(void)
{
	u64 tod = stckf();

	return (tod >> 12) * NSEC_PER_USEC + ((tod & 0xfff) * NSEC_PER_USEC >> 12);
}
