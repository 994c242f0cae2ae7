/*
 * clock_ns() from the TSC, whose rate is measured once against the ACPI PM timer
 * (a fixed 3.579545 MHz, unlike the TSC rate, which neither QEMU nor KVM announce
 * reliably).
 */
#include <clock.h>
#include <x86/pmtimer.h>
#include <x86/processor.h>

#define CALIBRATION_PM_TICKS (PM_TMR_HZ / 50) /* 20 ms */
#define FALLBACK_TSC_HZ 1000000000ULL

static u64 tsc_hz, tsc_at_zero;
static struct spinlock calibration_lock;

static u64 measure_tsc_hz(void)
{
	u16 port = pm_timer_port();
	u32 start, ticks;
	u64 tsc0, tsc1;

	if (!port) {
		printf("clock: no PIIX4 PM timer, assuming a 1 GHz TSC\n");
		return FALLBACK_TSC_HZ;
	}
	start = inl(port);
	tsc0 = rdtsc();
	do {
		ticks = (inl(port) - start) & PM_TMR_MASK;
	} while (ticks < CALIBRATION_PM_TICKS);
	tsc1 = rdtsc();
	return (tsc1 - tsc0) * PM_TMR_HZ / ticks;
}

static void calibrate_once(void)
{
	spin_lock(&calibration_lock);
	if (!READ_ONCE(tsc_hz)) {
		tsc_at_zero = rdtsc();
		WRITE_ONCE(tsc_hz, measure_tsc_hz());
	}
	spin_unlock(&calibration_lock);
}

u64 tsc_frequency(void)
{
	if (!READ_ONCE(tsc_hz))
		calibrate_once();
	return tsc_hz;
}

u64 clock_ns(void)
{
	u64 hz = tsc_frequency();
	u64 delta = rdtsc() - tsc_at_zero;

	return delta / hz * NSEC_PER_SEC + delta % hz * NSEC_PER_SEC / hz;
}
