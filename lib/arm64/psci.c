/* PSCI calls through the SMC Calling Convention (Arm DEN0028): fn id in x0, args x1-x3. */
#include <libcflat.h>
#include <arm64/psci.h>
#include <arm64/sysreg.h>

bool psci_use_hvc = true;

long psci_invoke(u64 fn, u64 a1, u64 a2, u64 a3)
{
	register u64 x0 asm("x0") = fn;
	register u64 x1 asm("x1") = a1;
	register u64 x2 asm("x2") = a2;
	register u64 x3 asm("x3") = a3;

	/* SMCCC 1.0: x0-x3 return values, x4-x17 may be clobbered */
	if (psci_use_hvc)
		asm volatile("hvc #0" : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3) : :
			     "x4", "x5", "x6", "x7", "x8", "x9", "x10", "x11", "x12", "x13",
			     "x14", "x15", "x16", "x17", "memory");
	else
		asm volatile("smc #0" : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3) : :
			     "x4", "x5", "x6", "x7", "x8", "x9", "x10", "x11", "x12", "x13",
			     "x14", "x15", "x16", "x17", "memory");
	/* SMC32 function ids (bit 30 clear) return a 32-bit value in w0 */
	return fn & BIT(30) ? (long)x0 : (long)(s32)x0;
}

long psci_cpu_on(u64 mpidr, u64 entry, u64 context)
{
	return psci_invoke(PSCI_CPU_ON, mpidr, entry, context);
}

long psci_cpu_off(void)
{
	return psci_invoke(PSCI_CPU_OFF, 0, 0, 0);
}

long psci_affinity_info(u64 mpidr, u64 lowest_level)
{
	return psci_invoke(PSCI_AFFINITY_INFO, mpidr, lowest_level, 0);
}

void psci_system_off(void)
{
	psci_invoke(PSCI_SYSTEM_OFF, 0, 0, 0);
	for (;;)
		wfi();
}

void arch_exit(int code)
{
	psci_system_off();
}
