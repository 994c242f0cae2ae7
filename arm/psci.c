/*
 * PSCI (Arm DEN0022) as the hypervisor implements it: version, an unknown function,
 * CPU_ON of CPUs that are on, CPU_OFF of a secondary and CPU_ON again.
 */
#include <libcflat.h>
#include <clock.h>
#include <arm64/processor.h>
#include <arm64/psci.h>
#include <arm64/smp.h>
#include <arm64/sysreg.h>

#define UNKNOWN_PSCI_FN 0x8400001fU /* in the PSCI SMC32 range, not allocated in DEN0022 1.1 */
#define AFFINITY_WAIT_SECONDS 10

/* Poll AFFINITY_INFO until it reports @state; false after AFFINITY_WAIT_SECONDS. */
static bool wait_affinity(int cpu, long state)
{
	return wait_until(psci_affinity_info(cpus[cpu].mpidr, 0) == state,
			  AFFINITY_WAIT_SECONDS * 1000);
}

static void check_version(void)
{
	long ver = psci_invoke(PSCI_VERSION, 0, 0, 0);

	report_info("PSCI version %ld.%ld (%s conduit)", ver >> 16, ver & 0xffff,
		    psci_use_hvc ? "hvc" : "smc");
	report(ver >= 0x2, "PSCI_VERSION is 0.2 or later");
}

static void check_unknown_function(void)
{
	report(psci_invoke(UNKNOWN_PSCI_FN, 0, 0, 0) == PSCI_RET_NOT_SUPPORTED,
	       "unallocated function id %#x returns NOT_SUPPORTED", UNKNOWN_PSCI_FN);
}

static void check_features(void)
{
	long ver = psci_invoke(PSCI_VERSION, 0, 0, 0);

	if (ver < 0x10000) {
		report_skip("PSCI_FEATURES: needs PSCI 1.0");
		return;
	}
	report(psci_invoke(PSCI_FEATURES, PSCI_CPU_ON, 0, 0) >= 0, "PSCI_FEATURES: CPU_ON is implemented");
	report(psci_invoke(PSCI_FEATURES, UNKNOWN_PSCI_FN, 0, 0) == PSCI_RET_NOT_SUPPORTED,
	       "PSCI_FEATURES: the unallocated id is NOT_SUPPORTED");
}

static void check_cpu_on_of_online_cpus(void)
{
	extern char secondary_entry[];
	int cpu;
	long ret;
	bool all_already_on = true;

	for (cpu = 0; cpu < nr_cpus; cpu++) {
		ret = psci_cpu_on(cpus[cpu].mpidr, (u64)secondary_entry, cpu);
		if (ret != PSCI_RET_ALREADY_ON) {
			report_info("CPU_ON of online cpu %d returned %ld", cpu, ret);
			all_already_on = false;
		}
	}
	report(all_already_on, "CPU_ON of each online CPU (the caller included) returns ALREADY_ON");
}

static void check_cpu_on_invalid_mpidr(void)
{
	extern char secondary_entry[];
	u64 absent = 0xff00fefdUL; /* Aff3/Aff2 QEMU virt never assigns */

	report(mpidr_to_cpu(absent) < 0 &&
	       psci_cpu_on(absent, (u64)secondary_entry, 0) == PSCI_RET_INVALID_PARAMETERS,
	       "CPU_ON of an MPIDR with no CPU returns INVALID_PARAMETERS");
}

static int ran_on;

static void note_cpu(void *arg)
{
	WRITE_ONCE(ran_on, smp_processor_id());
}

static bool wait_boots_above(int cpu, int boots)
{
	return wait_until(atomic_read(&cpus[cpu].boots) != boots, AFFINITY_WAIT_SECONDS * 1000);
}

static void check_cpu_off_on(int cpu, int round)
{
	int boots = atomic_read(&cpus[cpu].boots);

	report_prefix_pushf("cpu %d off and on, round %d", cpu, round);
	report(psci_affinity_info(cpus[cpu].mpidr, 0) == PSCI_AFFINITY_ON, "AFFINITY_INFO is ON before");
	smp_request_cpu_off(cpu);
	report(wait_affinity(cpu, PSCI_AFFINITY_OFF), "AFFINITY_INFO is OFF after its CPU_OFF");
	report(smp_boot_cpu(cpu) == PSCI_RET_SUCCESS, "CPU_ON returns SUCCESS");
	report(wait_affinity(cpu, PSCI_AFFINITY_ON), "AFFINITY_INFO is ON again");
	report(wait_boots_above(cpu, boots) && atomic_read(&cpus[cpu].boots) == boots + 1,
	       "it entered at the CPU_ON entry point once");
	WRITE_ONCE(ran_on, -1);
	on_cpu(cpu, note_cpu, NULL);
	report(READ_ONCE(ran_on) == cpu, "it runs work again");
	report_prefix_pop();
}

int main(int argc, char **argv, char **envp)
{
	report_prefix_push("psci");
	check_version();
	check_unknown_function();
	check_features();
	check_cpu_on_invalid_mpidr();
	if (nr_cpus < 2) {
		report_skip("CPU_ON/CPU_OFF: needs smp >= 2");
		return report_summary();
	}
	check_cpu_on_of_online_cpus();
	check_cpu_off_on(nr_cpus - 1, 1);
	check_cpu_off_on(nr_cpus - 1, 2);
	return report_summary();
}
