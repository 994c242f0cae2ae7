/*
 * Bringing up the application processors and idling them.
 *
 * The BSP copies the real-mode trampoline (trampoline.S) below 1 MiB, wakes every
 * AP with one broadcast INIT-SIPI-SIPI, then lets them out of the trampoline one
 * at a time: boot.S's ap_start32 has a single boot slot (ap_boot_cpu, ap_boot_stack).
 * Each AP takes the next logical id, so ids follow the order of arrival.
 */
#include <libcflat.h>
#include <x86/apic.h>
#include <x86/desc.h>
#include <x86/fwcfg.h>
#include <x86/processor.h>
#include <x86/smp.h>

/* A CPU that has not left the trampoline by then is reported missing. */
#define AP_BOOT_TIMEOUT_TSC 20000000000ULL
/* Fallback trampoline page when the allocator has nothing below 1 MiB (qboot keeps
 * conventional memory from 0x500 to 0x9fc00 free once the kernel runs). */
#define FIXED_TRAMPOLINE_PAGE 0x8000UL

extern char ap_trampoline_start[], ap_trampoline_end[];
extern char ap_trampoline_lock[], ap_trampoline_gdt[];
extern u32 ap_boot_cpu, ap_boot_stack;
void *alloc_cpu_stack(void);

struct gdt_ptr32 {
	u16 limit;
	u32 base;
} __packed;

static int kick_pending[MAX_CPUS];

u32 cpu_apic_id(int cpu)
{
	assert(cpu >= 0 && cpu < MAX_CPUS);
	return x86_cpus[cpu].apic_id;
}

int apic_id_to_cpu(u32 apic_id)
{
	int cpu;

	for (cpu = 0; cpu < nr_cpus; cpu++)
		if (cpu_is_online(cpu) && x86_cpus[cpu].apic_id == apic_id)
			return cpu;
	return -1;
}

static void kick_handler(struct ex_regs *regs)
{
	apic_eoi();
}

/*
 * Idle with HLT rather than spinning: with more vCPUs than host cores a spinning
 * idle CPU steals time from the one doing the work. The wake-up cannot be lost:
 * kick_pending is tested with interrupts off, and a kick IPI arriving after the
 * test stays pending in the IRR until STI;HLT, whose interrupt shadow delivers it
 * only once the CPU halts, which ends the HLT (SDM Vol. 2B, STI and HLT).
 * Work posted through on_cpu() starts with interrupts disabled.
 */
void arch_idle_wait(void)
{
	int *pending = &kick_pending[smp_processor_id()];

	irq_disable();
	if (!__atomic_exchange_n(pending, 0, __ATOMIC_SEQ_CST))
		safe_halt();
	irq_disable();
}

void arch_kick_cpu(int cpu)
{
	atomic_set(&kick_pending[cpu], 1);
	apic_send_ipi(cpu_apic_id(cpu), SMP_KICK_VECTOR);
}

void ap_main(void)
{
	int cpu = smp_processor_id();

	enable_apic();
	x86_cpus[cpu].apic_id = apic_id();
	smp_mark_online(cpu);
	smp_idle_loop();
}

static void *trampoline_page(void)
{
	void *page = alloc_pages_below(0, SZ_1M);

	return page ? page : (void *)FIXED_TRAMPOLINE_PAGE;
}

static u16 *install_trampoline(void *page)
{
	size_t size = ap_trampoline_end - ap_trampoline_start;
	struct gdt_ptr32 *gdt_ptr;

	assert(size <= PAGE_SIZE);
	memcpy(page, ap_trampoline_start, size);
	gdt_ptr = (void *)((char *)page + (ap_trampoline_gdt - ap_trampoline_start));
	gdt_ptr->limit = gdt_descr.limit;
	gdt_ptr->base = gdt_descr.base;
	return (u16 *)((char *)page + (ap_trampoline_lock - ap_trampoline_start));
}

static void tsc_delay(u64 cycles)
{
	u64 start = rdtsc();

	while (rdtsc() - start < cycles)
		cpu_relax();
}

/*
 * INIT, then two STARTUPs (SDM Vol. 3A, 9.4.4.1). The SDM's 10 ms / 200 us waits
 * are for real hardware; a CPU that already started ignores the second SIPI.
 */
static void wake_all_aps(phys_addr_t start)
{
	apic_send_init_allbutself();
	tsc_delay(1000000);
	apic_send_sipi_allbutself(start);
	tsc_delay(100000);
	apic_send_sipi_allbutself(start);
}

/* Let one AP out of the trampoline as @cpu; false if none came within the timeout. */
static bool release_one_ap(u16 *lock, int cpu)
{
	u64 start;

	WRITE_ONCE(ap_boot_cpu, cpu);
	WRITE_ONCE(ap_boot_stack, (u32)(unsigned long)alloc_cpu_stack());
	__atomic_store_n(lock, 0, __ATOMIC_RELEASE);
	start = rdtsc();
	while (!cpu_is_online(cpu)) {
		if (rdtsc() - start > AP_BOOT_TIMEOUT_TSC)
			return false;
		cpu_relax();
	}
	return true;
}

void smp_boot_secondaries(void)
{
	int want = fwcfg_present() ? fwcfg_nr_cpus() : 1;
	u16 *lock;
	int cpu;

	enable_apic();
	x86_cpus[0].apic_id = apic_id();
	handle_irq(SMP_KICK_VECTOR, kick_handler);
	smp_mark_online(0);
	assert_msg(want >= 1 && want <= MAX_CPUS, "fw_cfg reports %d CPUs", want);
	nr_cpus = want;
	if (want == 1)
		return;
	lock = install_trampoline(trampoline_page());
	wake_all_aps((phys_addr_t)lock & ~(PAGE_SIZE - 1));
	for (cpu = 1; cpu < want; cpu++) {
		if (!release_one_ap(lock, cpu)) {
			printf("smp: only %d of %d CPUs came up\n", cpu, want);
			return;
		}
	}
}
