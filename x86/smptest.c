/*
 * SMP bring-up: every CPU QEMU was given is online, runs posted work under its own
 * logical id, and left the trampoline in the same mode and address space as the BSP.
 * Optional argument: the CPU count the test expects (the cfg passes -smp's value).
 */
#include <libcflat.h>
#include <x86/apic.h>
#include <x86/desc.h>
#include <x86/processor.h>
#include <x86/smp.h>

struct cpu_state {
	int ran;
	int id;
	u32 apic_id;
	u32 cpuid_apic_id;
	unsigned long cr0, cr3, cr4;
	u64 efer;
};

static struct cpu_state state[MAX_CPUS];
static int on_cpus_calls;
static int on_cpus_seen[MAX_CPUS];

static void record_state(void *unused)
{
	struct cpu_state *s = &state[smp_processor_id()];

	s->id = smp_processor_id();
	s->apic_id = apic_id();
	s->cpuid_apic_id = cpuid_apic_id();
	s->cr0 = read_cr0();
	s->cr3 = read_cr3();
	s->cr4 = read_cr4();
	s->efer = cpuid_max_ext_leaf() >= 0x80000001 && (cpuid(0x80000001).d & CPUID_8001_EDX_LM) ?
			  rdmsr(MSR_EFER) : 0;
	atomic_inc_return(&s->ran);
}

static void count_on_cpus(void *unused)
{
	atomic_inc_return(&on_cpus_calls);
	atomic_inc_return(&on_cpus_seen[smp_processor_id()]);
}

static void check_count(int argc, char **argv)
{
	report_prefix_push("count");
	report(cpus_online() == nr_cpus, "all %d CPUs online (%d)", nr_cpus, cpus_online());
	if (argc > 1)
		report(nr_cpus == atol(argv[1]), "fw_cfg CPU count %d is the expected %s", nr_cpus,
		       argv[1]);
	else
		report_skip("no expected CPU count given on the command line");
	report_prefix_pop();
}

static void check_on_cpu(void)
{
	int cpu, ok_ran = 0, ok_id = 0;

	report_prefix_push("on_cpu");
	for (cpu = 0; cpu < nr_cpus; cpu++) {
		on_cpu(cpu, record_state, NULL);
		ok_ran += state[cpu].ran == 1;
		ok_id += state[cpu].id == cpu;
		report_info("cpu %d: apic id %u", cpu, state[cpu].apic_id);
	}
	report(ok_ran == nr_cpus, "work ran exactly once on each CPU (%d of %d)", ok_ran, nr_cpus);
	report(ok_id == nr_cpus, "each CPU reports the id it was called by");
	report_prefix_pop();
}

static void check_ids(void)
{
	int a, b, distinct = 1, cpuid_match = 1, map_ok = 1;

	report_prefix_push("ids");
	for (a = 0; a < nr_cpus; a++) {
		for (b = a + 1; b < nr_cpus; b++)
			distinct &= state[a].apic_id != state[b].apic_id;
		cpuid_match &= state[a].apic_id == state[a].cpuid_apic_id;
		map_ok &= apic_id_to_cpu(state[a].apic_id) == a && cpu_apic_id(a) == state[a].apic_id;
	}
	report(distinct, "APIC IDs are distinct");
	report(cpuid_match, "APIC ID register matches CPUID's initial APIC ID on every CPU");
	report(map_ok, "APIC ID <-> logical id map agrees with each CPU");
	report_prefix_pop();
}

static void check_ap_mode(void)
{
	int cpu, same_cr = 1, same_efer = 1;

	report_prefix_push("mode");
	for (cpu = 1; cpu < nr_cpus; cpu++) {
		same_cr &= state[cpu].cr0 == state[0].cr0 && state[cpu].cr3 == state[0].cr3 &&
			   state[cpu].cr4 == state[0].cr4;
		same_efer &= state[cpu].efer == state[0].efer;
	}
	report(same_cr, "APs run with the BSP's CR0, CR3 and CR4");
	report(same_efer, "APs run with the BSP's EFER");
#ifdef __x86_64__
	report(state[nr_cpus - 1].efer & EFER_LMA, "last AP is in long mode (EFER.LMA)");
#endif
	report(state[nr_cpus - 1].cr0 & X86_CR0_PE, "last AP is in protected mode (CR0.PE)");
	report_prefix_pop();
}

static void check_on_cpus(void)
{
	int cpu, each_once = 1;

	report_prefix_push("on_cpus");
	on_cpus(count_on_cpus, NULL);
	for (cpu = 0; cpu < nr_cpus; cpu++)
		each_once &= on_cpus_seen[cpu] == 1;
	report(on_cpus_calls == nr_cpus, "called %d times for %d CPUs", on_cpus_calls, nr_cpus);
	report(each_once, "called once on each CPU");
	on_cpus(count_on_cpus, NULL);
	report(on_cpus_calls == 2 * nr_cpus, "a second round reaches every CPU again");
	report_prefix_pop();
}

int main(int argc, char **argv, char **envp)
{
	report_prefix_push("smp");
	check_count(argc, argv);
	check_on_cpu();
	check_ids();
	if (nr_cpus > 1)
		check_ap_mode();
	else
		report_skip("one CPU: no AP to compare with the BSP");
	check_on_cpus();
	report_prefix_pop();
	return report_summary();
}
