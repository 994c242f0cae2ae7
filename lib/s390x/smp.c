/*
 * SMP through SIGNAL PROCESSOR (PoP ch. 4 "Signal-Processor Orders"): a CPU is
 * stopped, given its own prefix area (SET PREFIX only works on a stopped CPU), and
 * started with RESTART: it takes a restart interruption and loads the restart new
 * PSW of its new prefix area, which points at secondary_entry.
 */
#include <libcflat.h>
#include <s390x/psw.h>
#include <s390x/arch.h>
#include <s390x/lowcore.h>
#include <s390x/interrupt.h>
#include <s390x/smp.h>

#define CPU_STACK_ORDER 4	/* 64 KiB */

struct cpu_slot {
	u16 addr;
	u8 *prefix;
	u8 *stack;
};

static struct cpu_slot cpus[MAX_CPUS];
extern char secondary_entry[], restart_int_entry[];

u16 cpu_addr(int cpu)
{
	return cpus[cpu].addr;
}

int smp_processor_id(void)
{
	return LC_FIELD(u32, LC_SW_CPU_ID);
}

void cpu_relax(void)
{
	barrier();
}

/* The idle loop sleeps in an enabled wait; arch_kick_cpu's emergency signal ends it. */
void arch_idle_wait(void)
{
	wait_for_interrupt(PSW_MASK_EXT);
}

void arch_kick_cpu(int cpu)
{
	sigp_retry(cpus[cpu].addr, SIGP_EMERGENCY_SIGNAL, 0, NULL);
}

bool smp_cpu_stopped(int cpu)
{
	u32 status = 0;
	int cc = sigp_retry(cpus[cpu].addr, SIGP_SENSE, 0, &status);

	return cc == SIGP_CC_STATUS_STORED && (status & SIGP_STATUS_STOPPED);
}

int smp_cpu_stop(int cpu)
{
	int cc = sigp_retry(cpus[cpu].addr, SIGP_STOP, 0, NULL);

	if (cc)
		return cc;
	while (!smp_cpu_stopped(cpu))
		cpu_relax();
	return 0;
}

void smp_stop_self(void)
{
	for (;;)
		sigp(stap(), SIGP_STOP, 0, NULL);
}

/* C entry of a started CPU, on its own stack (from entry.S). */
void secondary_start(void (*fn)(void))
{
	*(struct psw *)(lowcore() + LC_RESTART_NEW_PSW) =
		(struct psw){ PSW_MASK_64, (u64)restart_int_entry };
	interrupts_init_cpu(smp_processor_id());
	fn();
	smp_stop_self();
}

static void prepare_prefix(int cpu, void (*fn)(void))
{
	struct cpu_slot *c = &cpus[cpu];
	u8 *lc = c->prefix;
	int i;

	/* New PSWs and the rest of the architected area come from this CPU's. */
	memcpy(lc, lowcore(), LOWCORE_SIZE);
	*(u32 *)(lc + LC_SW_CPU_ID) = cpu;
	*(u64 *)(lc + LC_SW_START_STACK) = (u64)c->stack + (PAGE_SIZE << CPU_STACK_ORDER);
	*(u64 *)(lc + LC_SW_START_FN) = (u64)fn;
	for (i = 0; i < 16; i++)
		((u64 *)(lc + LC_SW_START_CRS))[i] = ctl_get(i);
	((u64 *)(lc + LC_SW_START_CRS))[6] = 0;	/* no I/O interruptions on a new CPU */
	*(struct psw *)(lc + LC_RESTART_NEW_PSW) = (struct psw){ PSW_MASK_64, (u64)secondary_entry };
}

int smp_cpu_start(int cpu, void (*fn)(void))
{
	struct cpu_slot *c = &cpus[cpu];
	int cc;

	assert(cpu > 0 && cpu < nr_cpus && cpu != smp_processor_id());
	if (!c->prefix) {
		/* The prefix is a 31-bit, 8 KiB-aligned address (PoP ch. 3 "Prefixing"). */
		c->prefix = alloc_pages_below(1, 1UL << 31);
		c->stack = alloc_pages(CPU_STACK_ORDER);
		assert(c->prefix && c->stack);
	}
	cc = smp_cpu_stop(cpu);
	if (cc)
		return cc;
	/*
	 * A CPU stopped in a wait state can keep QEMU's halted flag through SIGP RESTART
	 * and never run (known deviation tcg-s390x-restart-halted); an initial CPU reset
	 * clears it and gives a clean start (PoP ch. 4 "CPU Reset").
	 */
	cc = sigp_retry(c->addr, SIGP_INITIAL_CPU_RESET, 0, NULL);
	if (cc)
		return cc;
	prepare_prefix(cpu, fn);
	smp_mb();
	cc = sigp_retry(c->addr, SIGP_SET_PREFIX, (u64)c->prefix, NULL);
	if (cc)
		return cc;
	return sigp_retry(c->addr, SIGP_RESTART, 0, NULL);
}

static void secondary_idle(void)
{
	smp_mark_online(smp_processor_id());
	smp_idle_loop();
}

int smp_cpu_start_idle(int cpu)
{
	int cc = smp_cpu_start(cpu, secondary_idle);

	while (!cc && !cpu_is_online(cpu))
		cpu_relax();
	return cc;
}

void smp_boot_secondaries(const u16 *addrs, int n)
{
	u16 self = stap();
	int i, next = 1;

	cpus[0].addr = self;
	for (i = 0; i < n && next < MAX_CPUS; i++)
		if (addrs[i] != self)
			cpus[next++].addr = addrs[i];
	nr_cpus = next;
	for (i = 1; i < nr_cpus; i++)
		if (smp_cpu_start_idle(i))
			printf("INFO: cpu %d (address %d) did not start\n", i, cpus[i].addr);
}
