/*
 * KVM's paravirtual clock (Linux Documentation/virt/kvm/x86/msr.rst, cpuid.rst): with
 * KVM_FEATURE_CLOCKSOURCE2 the guest registers a pvclock area with MSR_KVM_SYSTEM_TIME_NEW;
 * the time it gives is consistent (even version), never goes backwards, and advances at
 * one nanosecond per nanosecond against the ACPI PM timer; MSR_KVM_WALL_CLOCK_NEW gives a
 * plausible wall-clock time. Without KVM's CPUID leaves the test SKIPs naming them.
 */
#include <libcflat.h>
#include <x86/desc.h>
#include <x86/pmtimer.h>
#include <x86/processor.h>

#define KVM_CPUID_SIGNATURE 0x40000000
#define KVM_CPUID_FEATURES 0x40000001
#define KVM_FEATURE_CLOCKSOURCE2 (1U << 3)
#define MSR_KVM_WALL_CLOCK_NEW 0x4b564d00
#define MSR_KVM_SYSTEM_TIME_NEW 0x4b564d01
#define PVCLOCK_TSC_STABLE (1U << 0)
#define READS 100000
#define YEAR_2020 1577836800U /* seconds since the epoch at 2020-01-01 */

struct pvclock {
	u32 version;
	u32 pad0;
	u64 tsc_timestamp;
	u64 system_time;
	u32 tsc_to_system_mul;
	s8 tsc_shift;
	u8 flags;
	u8 pad[2];
} __packed;

struct wall_clock {
	u32 version;
	u32 sec;
	u32 nsec;
} __packed;

static volatile struct pvclock clock __aligned(64);
static volatile struct wall_clock wall __aligned(16);

static u64 scale(u64 delta, u32 mul, s8 shift)
{
	if (shift < 0)
		delta >>= -shift;
	else
		delta <<= shift;
	/* (delta * mul) >> 32 in 64-bit pieces: i386 has no 128-bit type. */
	return (delta >> 32) * mul + (((delta & 0xffffffffULL) * mul) >> 32);
}

/* The pvclock time in ns; *retries counts reads that had to start over. */
static u64 pvclock_ns(int *retries)
{
	u32 version;
	u64 ns;

	do {
		version = READ_ONCE(clock.version);
		barrier();
		ns = clock.system_time + scale(rdtsc() - clock.tsc_timestamp,
					       clock.tsc_to_system_mul, clock.tsc_shift);
		barrier();
		*retries += (version & 1) || version != READ_ONCE(clock.version);
	} while ((version & 1) || version != READ_ONCE(clock.version));
	return ns;
}

static void check_rate(void)
{
	u16 port = pm_timer_port();
	u32 start, ticks;
	u64 t0, t1;
	int retries = 0;

	if (!port) {
		report_skip("rate: no PIIX4 PM timer to compare with");
		return;
	}
	start = inl(port);
	t0 = pvclock_ns(&retries);
	do {
		ticks = (inl(port) - start) & PM_TMR_MASK;
	} while (ticks < PM_TMR_HZ / 20); /* 50 ms */
	t1 = pvclock_ns(&retries);
	/* PM ticks to ns: ticks * 10^9 / PM_TMR_HZ; allow 5%. */
	report((t1 - t0) * 20 > (u64)ticks * 19 * (1000000000ULL / PM_TMR_HZ) &&
	       (t1 - t0) * 20 < (u64)ticks * 21 * (1000000000ULL / PM_TMR_HZ + 1),
	       "50 ms of PM timer are %llu ns of kvmclock (within 5%%)",
	       (unsigned long long)(t1 - t0));
}

int main(void)
{
	u64 prev, now;
	int i, backwards = 0, retries = 0;
	unsigned long pa = (unsigned long)&clock;

	if (!cpu_hypervisor_is("KVMKVMKVM")) {
		report_skip("kvmclock: no KVM signature at CPUID %#x", KVM_CPUID_SIGNATURE);
		return report_summary();
	}
	if (!(cpuid(KVM_CPUID_FEATURES).a & KVM_FEATURE_CLOCKSOURCE2)) {
		report_skip("kvmclock: CPUID %#x:EAX[3] (KVM_FEATURE_CLOCKSOURCE2) is clear",
			    KVM_CPUID_FEATURES);
		return report_summary();
	}
	report(wrmsr_safe(MSR_KVM_SYSTEM_TIME_NEW, pa | 1) == EXC_NONE,
	       "MSR_KVM_SYSTEM_TIME_NEW accepts the area");
	report(!(clock.version & 1) && clock.version != 0, "the area is filled (version %u)",
	       clock.version);
	report(clock.tsc_to_system_mul != 0, "TSC multiplier %u, shift %d, flags %#x",
	       clock.tsc_to_system_mul, clock.tsc_shift, clock.flags);
	prev = pvclock_ns(&retries);
	for (i = 0; i < READS; i++) {
		now = pvclock_ns(&retries);
		backwards += now < prev;
		prev = now;
	}
	report(backwards == 0, "%d reads never go backwards (%d retried)", READS, retries);
	check_rate();
	wrmsr(MSR_KVM_SYSTEM_TIME_NEW, 0);

	report(wrmsr_safe(MSR_KVM_WALL_CLOCK_NEW, (unsigned long)&wall) == EXC_NONE &&
	       !(wall.version & 1) && wall.sec > YEAR_2020,
	       "MSR_KVM_WALL_CLOCK_NEW: boot time %u s after the epoch, after 2020", wall.sec);
	return report_summary();
}
