/*
 * RDPRU (AMD APM vol. 3): with CPUID.80000008H:EBX[4] it reads MPERF (ECX=0) and APERF
 * (ECX=1), and returns 0 for registers past CPUID.80000008H:EDX[31:16]; without it the
 * opcode raises #UD.
 */
#include <libcflat.h>
#include <x86/desc.h>
#include <x86/fault.h>
#include <x86/processor.h>

struct rdpru_args {
	u32 reg;
	u64 value;
};

static void do_rdpru(void *arg)
{
	struct rdpru_args *a = arg;
	u32 lo, hi;

	asm volatile(".byte 0x0f, 0x01, 0xfd" : "=a"(lo), "=d"(hi) : "c"(a->reg));
	a->value = lo | (u64)hi << 32;
}

int main(void)
{
	struct rdpru_args a = { 0, 0 };
	u64 first;
	u32 max_reg;

	if (!cpu_has(X86_FEATURE_RDPRU)) {
		report(run_catching(do_rdpru, &a, NULL) == UD_VECTOR,
		       "CPUID lacks %s: RDPRU raises #UD", feature_str(X86_FEATURE_RDPRU));
		report_skip("rdpru: reads need %s", feature_str(X86_FEATURE_RDPRU));
		return report_summary();
	}
	max_reg = cpuid(0x80000008).d >> 16;
	report(run_catching(do_rdpru, &a, NULL) == EXC_NONE, "RDPRU of MPERF runs");
	first = a.value;
	a.reg = 1;
	report(run_catching(do_rdpru, &a, NULL) == EXC_NONE, "RDPRU of APERF runs");
	a.reg = 0;
	do_rdpru(&a);
	report(a.value >= first, "MPERF does not go backwards");
	a.reg = max_reg + 1;
	a.value = ~0ULL;
	report(run_catching(do_rdpru, &a, NULL) == EXC_NONE && a.value == 0,
	       "register %u past the maximum (%u) reads 0", max_reg + 1, max_reg);
	return report_summary();
}
