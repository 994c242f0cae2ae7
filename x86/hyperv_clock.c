/*
 * Hyper-V's partition reference time (Hyper-V TLFS 6.0, "Partition Reference Counter" and
 * "Reference TSC Page"), as KVM offers it with -cpu ...,hv-time: HV_X64_MSR_TIME_REF_COUNT
 * counts 100 ns units, never backwards, at that rate against the ACPI PM timer; the
 * reference TSC page, once enabled, gives the same time from the TSC (scale and offset)
 * within a millisecond of the MSR. Without the Hyper-V CPUID leaves the test SKIPs.
 */
#include <libcflat.h>
#include <x86/desc.h>
#include <x86/pmtimer.h>
#include <x86/processor.h>

#define HV_CPUID_VENDOR 0x40000000
#define HV_CPUID_FEATURES 0x40000003
#define HV_TIME_REF_COUNT_AVAILABLE (1U << 1)
#define HV_REFERENCE_TSC_AVAILABLE (1U << 9)
#define HV_X64_MSR_GUEST_OS_ID 0x40000000
#define HV_X64_MSR_TIME_REF_COUNT 0x40000020
#define HV_X64_MSR_REFERENCE_TSC 0x40000021
#define READS 10000

struct tsc_page {
	u32 sequence;
	u32 reserved;
	u64 scale;
	s64 offset;
} __packed;

static volatile struct tsc_page page __aligned(4096);

/* The high 64 bits of a * b, in 32-bit pieces (i386 has no 128-bit type). */
static u64 mul_high(u64 a, u64 b)
{
	u64 al = (u32)a, ah = a >> 32, bl = (u32)b, bh = b >> 32;
	u64 ll = al * bl, lh = al * bh, hl = ah * bl, hh = ah * bh;
	u64 mid = (ll >> 32) + (u32)lh + (u32)hl;

	return hh + (lh >> 32) + (hl >> 32) + (mid >> 32);
}

static void check_ref_count(void)
{
	u16 port = pm_timer_port();
	u64 prev = rdmsr(HV_X64_MSR_TIME_REF_COUNT), now, t0, t1;
	u32 start, ticks;
	int i, backwards = 0;

	for (i = 0; i < READS; i++) {
		now = rdmsr(HV_X64_MSR_TIME_REF_COUNT);
		backwards += now < prev;
		prev = now;
	}
	report(backwards == 0, "TIME_REF_COUNT: %d reads never go backwards", READS);
	if (!port) {
		report_skip("rate: no PIIX4 PM timer to compare with");
		return;
	}
	start = inl(port);
	t0 = rdmsr(HV_X64_MSR_TIME_REF_COUNT);
	do {
		ticks = (inl(port) - start) & PM_TMR_MASK;
	} while (ticks < PM_TMR_HZ / 20);
	t1 = rdmsr(HV_X64_MSR_TIME_REF_COUNT);
	/* 50 ms is 500000 units of 100 ns; allow 5%. */
	report(t1 - t0 > 475000 && t1 - t0 < 525000,
	       "TIME_REF_COUNT advances 100 ns per unit (%llu units in 50 ms)",
	       (unsigned long long)(t1 - t0));
}

static void check_tsc_page(void)
{
	u64 msr_time, page_time;
	u32 seq;

	wrmsr(HV_X64_MSR_REFERENCE_TSC, (unsigned long)&page | 1);
	seq = READ_ONCE(page.sequence);
	report(seq != 0 && seq != 0xffffffff, "the reference TSC page is valid (sequence %#x)",
	       seq);
	if (seq == 0 || seq == 0xffffffff)
		goto out;
	do {
		seq = READ_ONCE(page.sequence);
		barrier();
		page_time = mul_high(rdtsc(), page.scale) + page.offset;
		msr_time = rdmsr(HV_X64_MSR_TIME_REF_COUNT);
		barrier();
	} while (seq != READ_ONCE(page.sequence));
	report(msr_time >= page_time && msr_time - page_time < 10000,
	       "the page's time is within 1 ms of TIME_REF_COUNT (%llu vs %llu)",
	       (unsigned long long)page_time, (unsigned long long)msr_time);
out:
	wrmsr(HV_X64_MSR_REFERENCE_TSC, 0);
}

int main(void)
{
	u32 features;

	if (!cpu_hypervisor_is("Microsoft Hv")) {
		report_skip("hyperv_clock: no Hyper-V signature at CPUID %#x (needs -cpu ...,hv-time"
			    " under KVM)", HV_CPUID_VENDOR);
		return report_summary();
	}
	features = cpuid(HV_CPUID_FEATURES).a;
	wrmsr(HV_X64_MSR_GUEST_OS_ID, 1ULL << 63 | 0x1234); /* an open-source guest id */
	if (features & HV_TIME_REF_COUNT_AVAILABLE)
		check_ref_count();
	else
		report_skip("CPUID %#x:EAX[1] (TIME_REF_COUNT) is clear", HV_CPUID_FEATURES);
	if (features & HV_REFERENCE_TSC_AVAILABLE)
		check_tsc_page();
	else
		report_skip("CPUID %#x:EAX[9] (reference TSC page) is clear", HV_CPUID_FEATURES);
	return report_summary();
}
