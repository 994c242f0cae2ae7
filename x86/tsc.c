/*
 * The time-stamp counter: RDTSC never goes backwards and ticks at a steady rate against
 * the ACPI PM timer; writing IA32_TSC moves it; RDTSCP returns IA32_TSC_AUX; CR4.TSD
 * makes RDTSC privileged (SDM vol. 3 17.17).
 */
#include <libcflat.h>
#include <x86/desc.h>
#include <x86/fault.h>
#include <x86/pmtimer.h>
#include <x86/processor.h>

#define READS 100000

static void check_monotonic(void)
{
	u64 prev = rdtsc(), now;
	int i, backwards = 0;

	for (i = 0; i < READS; i++) {
		now = rdtsc();
		backwards += now < prev;
		prev = now;
	}
	report(backwards == 0, "%d back-to-back reads never go backwards", READS);
}

/* TSC ticks per PM timer tick over @pm_ticks. */
static u64 tsc_per_pm_ticks(u16 port, u32 pm_ticks)
{
	u32 start = inl(port), elapsed;
	u64 t0 = rdtsc();

	do {
		elapsed = (inl(port) - start) & PM_TMR_MASK;
	} while (elapsed < pm_ticks);
	return (rdtsc() - t0) / elapsed;
}

#define RATE_WINDOWS 5

static bool within_10_percent(u64 v, u64 ref)
{
	return v * 10 > ref * 9 && v * 10 < ref * 11;
}

/*
 * Five 10 ms windows: a steady TSC gives the same rate within 10% in each. A vCPU the host
 * deschedules between its PM timer and TSC reads skews one window, so the claim is that
 * most windows (at least 4 of 5) agree with their median, not that every pair does.
 */
static void check_rate(void)
{
	u16 port = pm_timer_port();
	u64 rate[RATE_WINDOWS], median, t;
	int i, j, agree = 0;

	if (!port) {
		report_skip("rate: no PIIX4 PM timer to compare with");
		return;
	}
	for (i = 0; i < RATE_WINDOWS; i++)
		rate[i] = tsc_per_pm_ticks(port, PM_TMR_HZ / 100);
	report(rate[0] > 0, "the TSC advances while the PM timer does (%llu TSC per PM tick)",
	       (unsigned long long)rate[0]);
	for (i = 1; i < RATE_WINDOWS; i++)
		for (j = i; j > 0 && rate[j - 1] > rate[j]; j--) {
			t = rate[j];
			rate[j] = rate[j - 1];
			rate[j - 1] = t;
		}
	median = rate[RATE_WINDOWS / 2];
	for (i = 0; i < RATE_WINDOWS; i++)
		agree += within_10_percent(rate[i], median);
	report(median && agree >= RATE_WINDOWS - 1,
	       "the rate is steady: %d of %d windows within 10%% of %llu (%llu..%llu)", agree,
	       RATE_WINDOWS, (unsigned long long)median, (unsigned long long)rate[0],
	       (unsigned long long)rate[RATE_WINDOWS - 1]);
}

static void check_write(void)
{
	u64 target = 1ULL << 40, now;

	wrmsr(MSR_IA32_TSC, target);
	now = rdtsc();
	report_kfail(accel_is("tcg"), "tcg-tsc-write: QEMU 7.2 ignores writes to IA32_TSC",
		     now >= target && now - target < (1ULL << 32),
		     "after writing IA32_TSC = 2^40, RDTSC reads just above it (%#llx)",
		     (unsigned long long)now);
	wrmsr(MSR_IA32_TSC, 0);
	report(rdtsc() < (1ULL << 32), "writing 0 moves it back down");
}

static void check_rdtscp(void)
{
	u32 lo, hi, aux;
	u64 before, value;

	if (!require_feature(X86_FEATURE_RDTSCP, "rdtscp"))
		return;
	wrmsr(MSR_TSC_AUX, 0x5a5a);
	before = rdtsc();
	asm volatile("rdtscp" : "=a"(lo), "=d"(hi), "=c"(aux));
	value = lo | (u64)hi << 32;
	report(aux == 0x5a5a, "rdtscp: ECX is IA32_TSC_AUX (%#x)", aux);
	report(value >= before, "rdtscp: not behind an earlier RDTSC");
}

static void check_rdpid(void)
{
	unsigned long id;

	if (!require_feature(X86_FEATURE_RDPID, "rdpid"))
		return;
	wrmsr(MSR_TSC_AUX, 0x77);
	asm volatile("rdpid %0" : "=r"(id));
	report(id == 0x77, "rdpid: returns IA32_TSC_AUX (%#lx)", id);
}

static void __user_text user_rdtsc(void *arg)
{
	asm volatile("rdtsc" : : : "eax", "edx");
}

static void check_tsd(void)
{
	unsigned long cr4 = read_cr4();
	struct fault f;

	report(run_in_user(user_rdtsc, NULL, &f) == EXC_NONE, "CR4.TSD=0: RDTSC at CPL 3 works");
	write_cr4(cr4 | X86_CR4_TSD);
	report(run_in_user(user_rdtsc, NULL, &f) == GP_VECTOR && f.error_code == 0,
	       "CR4.TSD=1: RDTSC at CPL 3 raises #GP(0)");
	report(run_catching(user_rdtsc, NULL, &f) == EXC_NONE, "CR4.TSD=1: RDTSC at CPL 0 works");
	write_cr4(cr4);
}

int main(void)
{
	if (!require_feature(X86_FEATURE_TSC, "tsc"))
		return report_summary();
	check_monotonic();
	check_rate();
	check_write();
	check_rdtscp();
	check_rdpid();
	check_tsd();
	return report_summary();
}
