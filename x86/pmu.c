/*
 * The architectural performance-monitoring unit (SDM vol. 3 20.2, CPUID.0AH): a general-
 * purpose counter programmed for "instructions retired" counts a known loop, fixed counter
 * 0 counts it too, a disabled counter stays still, and a counter started just below its
 * width overflows into IA32_PERF_GLOBAL_STATUS and a PMI through the APIC's LVT PC.
 * Without an architectural PMU (CPUID.0AH:EAX[7:0] = 0, e.g. QEMU TCG) the test SKIPs.
 */
#include <libcflat.h>
#include <clock.h>
#include <x86/apic.h>
#include <x86/desc.h>
#include <x86/processor.h>

#define MSR_IA32_PMC0 0xc1
#define MSR_IA32_PERFEVTSEL0 0x186
#define MSR_IA32_FIXED_CTR0 0x309
#define MSR_IA32_FIXED_CTR_CTRL 0x38d
#define MSR_IA32_PERF_GLOBAL_STATUS 0x38e
#define MSR_IA32_PERF_GLOBAL_CTRL 0x38f
#define MSR_IA32_PERF_GLOBAL_OVF_CTRL 0x390
#define EVTSEL_INST_RETIRED 0xc0
#define EVTSEL_USR (1U << 16)
#define EVTSEL_OS (1U << 17)
#define EVTSEL_INT (1U << 20)
#define EVTSEL_EN (1U << 22)
#define LOOPS 10000
#define PMI_VECTOR 0x52

struct pmu {
	unsigned int version, gp_counters, gp_width, fixed_counters;
};

static volatile int pmis;

static void pmi_handler(struct ex_regs *regs)
{
	pmis++;
	apic_write(APIC_LVTPC, PMI_VECTOR); /* the PMI masks LVT PC (SDM 20.2.1) */
	apic_eoi();
}

/* LOOPS iterations of 3 instructions (dec, jnz, nop), plus a few around them. */
static void run_loop(void)
{
	unsigned long n = LOOPS;

	asm volatile("1: nop\n\tdec %0\n\tjnz 1b" : "+r"(n) : : "cc");
}

static void enable_global(const struct pmu *p, u64 bits)
{
	if (p->version >= 2)
		wrmsr(MSR_IA32_PERF_GLOBAL_CTRL, bits);
}

static void check_gp_counter(const struct pmu *p)
{
	u64 count;

	wrmsr(MSR_IA32_PERFEVTSEL0, 0);
	wrmsr(MSR_IA32_PMC0, 0);
	enable_global(p, 1);
	wrmsr(MSR_IA32_PERFEVTSEL0, EVTSEL_INST_RETIRED | EVTSEL_USR | EVTSEL_OS | EVTSEL_EN);
	run_loop();
	wrmsr(MSR_IA32_PERFEVTSEL0, 0);
	count = rdmsr(MSR_IA32_PMC0);
	report(count >= 3 * LOOPS && count < 4 * LOOPS,
	       "PMC0 counts the loop's %d instructions (%llu)", 3 * LOOPS,
	       (unsigned long long)count);
	run_loop();
	report(rdmsr(MSR_IA32_PMC0) == count, "a disabled counter stays still");
}

static void check_fixed_counter(const struct pmu *p)
{
	u64 count;

	if (p->version < 2 || p->fixed_counters < 1) {
		report_skip("fixed counters: CPUID.0AH:EDX[4:0] = %u (version %u)",
			    p->fixed_counters, p->version);
		return;
	}
	wrmsr(MSR_IA32_FIXED_CTR0, 0);
	wrmsr(MSR_IA32_FIXED_CTR_CTRL, 3); /* counter 0: OS and USR */
	enable_global(p, 1ULL << 32);
	run_loop();
	wrmsr(MSR_IA32_FIXED_CTR_CTRL, 0);
	count = rdmsr(MSR_IA32_FIXED_CTR0);
	report(count >= 3 * LOOPS && count < 4 * LOOPS,
	       "fixed counter 0 counts the loop's %d instructions (%llu)", 3 * LOOPS,
	       (unsigned long long)count);
}

static void check_overflow(const struct pmu *p)
{
	u64 start = (1ULL << p->gp_width) - 1000;

	if (p->version < 2) {
		report_skip("overflow: IA32_PERF_GLOBAL_STATUS needs PMU version 2 (have %u)",
			    p->version);
		return;
	}
	pmis = 0;
	handle_irq(PMI_VECTOR, pmi_handler);
	apic_write(APIC_LVTPC, PMI_VECTOR);
	wrmsr(MSR_IA32_PERF_GLOBAL_OVF_CTRL, 1);
	wrmsr(MSR_IA32_PMC0, start & 0xffffffffULL); /* a 32-bit write sign-extends */
	enable_global(p, 1);
	wrmsr(MSR_IA32_PERFEVTSEL0, EVTSEL_INST_RETIRED | EVTSEL_USR | EVTSEL_OS | EVTSEL_EN |
				    EVTSEL_INT);
	irq_enable();
	run_loop();
	wait_until(pmis > 0, 100);
	irq_disable();
	wrmsr(MSR_IA32_PERFEVTSEL0, 0);
	report(rdmsr(MSR_IA32_PERF_GLOBAL_STATUS) & 1, "PMC0 overflow sets GLOBAL_STATUS bit 0");
	report(pmis == 1, "and raises one PMI through LVT PC (%d)", pmis);
	wrmsr(MSR_IA32_PERF_GLOBAL_OVF_CTRL, 1);
	report(!(rdmsr(MSR_IA32_PERF_GLOBAL_STATUS) & 1), "GLOBAL_OVF_CTRL clears it");
	apic_write(APIC_LVTPC, APIC_LVT_MASKED);
}

int main(void)
{
	struct cpuid c = cpuid(0).a >= 0xa ? cpuid(0xa) : (struct cpuid){ 0, 0, 0, 0 };
	struct pmu p = { c.a & 0xff, (c.a >> 8) & 0xff, (c.a >> 16) & 0xff, c.d & 0x1f };

	if (!p.version || !p.gp_counters) {
		report_skip("pmu: no architectural PMU (CPUID.0AH:EAX[7:0] version %u, "
			    "EAX[15:8] %u counters)", p.version, p.gp_counters);
		return report_summary();
	}
	report_info("PMU version %u: %u counters of %u bits, %u fixed", p.version, p.gp_counters,
		    p.gp_width, p.fixed_counters);
	check_gp_counter(&p);
	check_fixed_counter(&p);
	check_overflow(&p);
	return report_summary();
}
