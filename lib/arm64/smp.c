/* Secondary CPUs: PSCI CPU_ON bring-up and the arch half of lib/smp.c's idle loop. */
#include <libcflat.h>
#include <clock.h>
#include <arm64/processor.h>
#include <arm64/psci.h>
#include <arm64/smp.h>
#include <arm64/sysreg.h>

#define SECONDARY_STACK_ORDER 2 /* 16 KiB */
#define BOOT_TIMEOUT_SECONDS 30

extern char secondary_entry[];
u64 secondary_stack_tops[MAX_CPUS]; /* read by cstart.S with the MMU off */
static int off_requested[MAX_CPUS];

void secondary_start(int cpu) __noreturn;

int smp_processor_id(void)
{
	return read_sysreg(tpidr_el1);
}

void cpu_relax(void)
{
	asm volatile("yield" ::: "memory");
}

/*
 * WFE returns on SEV from any CPU, or at once when the event register is already set
 * (Arm ARM D1.6.1 "Wait for Event"): a kick between the caller's check and the WFE is
 * not lost.
 */
void arch_idle_wait(void)
{
	int cpu = smp_processor_id();

	if (cpu && atomic_read(&off_requested[cpu])) {
		atomic_set(&off_requested[cpu], 0);
		psci_cpu_off();
		printf("cpu %d: PSCI CPU_OFF returned\n", cpu);
		abort();
	}
	wfe();
}

void arch_kick_cpu(int cpu)
{
	dsb(ish);
	sev();
}

void smp_request_cpu_off(int cpu)
{
	assert(cpu > 0 && cpu < nr_cpus);
	atomic_set(&off_requested[cpu], 1);
	arch_kick_cpu(cpu);
}

void secondary_start(int cpu)
{
	atomic_inc_return(&cpus[cpu].boots);
	smp_mark_online(cpu);
	smp_idle_loop();
}

static void publish_for_mmu_off_reader(void *p, size_t size)
{
	u64 a;

	for (a = ALIGN_DOWN((u64)p, 64); a < (u64)p + size; a += 64)
		asm volatile("dc civac, %0" : : "r"(a) : "memory");
	dsb(sy);
}

long smp_boot_cpu(int cpu)
{
	char *stack;

	assert(cpu > 0 && cpu < nr_cpus);
	if (!cpus[cpu].stack_top) {
		stack = alloc_pages(SECONDARY_STACK_ORDER);
		assert(stack);
		cpus[cpu].stack_top = stack + (PAGE_SIZE << SECONDARY_STACK_ORDER);
	}
	secondary_stack_tops[cpu] = (u64)cpus[cpu].stack_top;
	publish_for_mmu_off_reader(&secondary_stack_tops[cpu], sizeof(u64));
	return psci_cpu_on(cpus[cpu].mpidr, (u64)secondary_entry, cpu);
}

void smp_boot_secondaries(void)
{
	long ret;
	int cpu;

	for (cpu = 1; cpu < nr_cpus; cpu++) {
		ret = smp_boot_cpu(cpu);
		if (ret != PSCI_RET_SUCCESS) {
			printf("PSCI CPU_ON of cpu %d (mpidr %#lx) failed: %ld\n", cpu, cpus[cpu].mpidr, ret);
			abort();
		}
	}
	if (!wait_until(cpus_online() >= nr_cpus, BOOT_TIMEOUT_SECONDS * 1000)) {
		printf("only %d of %d CPUs came online\n", cpus_online(), nr_cpus);
		abort();
	}
}
