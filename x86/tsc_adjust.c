/*
 * IA32_TSC_ADJUST (SDM vol. 3 17.17.3): it starts at 0; adding X to it adds X to the TSC;
 * writing IA32_TSC adds the same difference to it.
 */
#include <libcflat.h>
#include <x86/desc.h>
#include <x86/processor.h>

#define MSR_IA32_TSC_ADJUST 0x3b
#define STEP (1ULL << 40)

int main(void)
{
	u64 adjust, t0, t1;

	if (!require_feature(X86_FEATURE_TSC_ADJUST, "tsc_adjust"))
		return report_summary();
	report(rdmsr_safe(MSR_IA32_TSC_ADJUST, &adjust) == EXC_NONE, "RDMSR IA32_TSC_ADJUST works");
	report(adjust == 0, "it is 0 after reset (%#llx)", (unsigned long long)adjust);

	t0 = rdtsc();
	wrmsr(MSR_IA32_TSC_ADJUST, adjust + STEP);
	t1 = rdtsc();
	report(rdmsr(MSR_IA32_TSC_ADJUST) == adjust + STEP, "a write reads back");
	report(t1 - t0 >= STEP && t1 - t0 < STEP + (1ULL << 32),
	       "adding 2^40 to it moves the TSC forward by 2^40 (by %#llx)",
	       (unsigned long long)(t1 - t0));

	t0 = rdtsc();
	wrmsr(MSR_IA32_TSC, t0 - STEP);
	adjust = rdmsr(MSR_IA32_TSC_ADJUST);
	/* 2^40 minus 2^40 and the cycles between the reads: close to 0, either side. */
	report((s64)adjust > -(1LL << 32) && (s64)adjust < (1LL << 32),
	       "writing IA32_TSC 2^40 lower takes 2^40 off IA32_TSC_ADJUST (now %#llx)",
	       (unsigned long long)adjust);
	return report_summary();
}
