/* Boot in C: interruptions, console, memory, command line, CPUs; then main(). */
#include <libcflat.h>
#include <s390x/psw.h>
#include <s390x/arch.h>
#include <s390x/lowcore.h>
#include <s390x/interrupt.h>
#include <s390x/sclp.h>
#include <s390x/smp.h>

/*
 * Disabled wait (PoP ch. 4 "Wait State") with every CPU stopped or waiting: QEMU
 * shuts down cleanly (exit status 0) when the PSW address is 0xfff, and treats any
 * other address as a guest panic (with -action panic=exit-failure: exit status 1).
 */
#define QEMU_SHUTDOWN_WAIT_ADDR	0xfff
#define PANIC_WAIT_ADDR		0xdead

extern char boot_cmdline[], __bss_start[], __bss_end[], __image_end[];

static struct sclp_machine_info machine;

void arch_exit(int code)
{
	struct psw wait = { .mask = PSW_MASK_64 | PSW_MASK_WAIT };
	int cpu, self = smp_processor_id();

	for (cpu = 0; cpu < nr_cpus; cpu++)
		if (cpu != self)
			sigp_retry(cpu_addr(cpu), SIGP_STOP, 0, NULL);
	wait.addr = code ? PANIC_WAIT_ADDR : QEMU_SHUTDOWN_WAIT_ADDR;
	for (;;)
		asm volatile("lpswe %0" : : "Q"(wait) : "memory");
}

/* s390x ELF ABI with -mbackchain: word 0 of a frame points at the caller's frame,
 * and the caller's frame holds our return address in its r14 slot. */
int arch_backtrace_from(unsigned long sp, unsigned long *pcs, int max)
{
	int n = 0;

	while (sp && n < max && IS_ALIGNED(sp, 8)) {
		unsigned long *frame = (unsigned long *)sp;
		unsigned long caller = frame[0];

		if (!caller || caller <= sp)
			break;
		pcs[n++] = ((unsigned long *)caller)[14];
		sp = caller;
	}
	return n;
}

int arch_backtrace(unsigned long *pcs, int max)
{
	unsigned long sp;

	asm volatile("lgr %0,%%r15" : "=d"(sp));
	return arch_backtrace_from(sp, pcs, max);
}

u64 memory_end(void)
{
	return machine.memory_size ? machine.memory_size : 128 * SZ_1M;
}

static void init_memory(void)
{
	u64 end = machine.memory_size;

	if (!end) {
		end = 128 * SZ_1M;
		printf("INFO: SCLP gave no memory size, assuming 128 MiB\n");
	}
	page_alloc_init((phys_addr_t)__image_end, end);
}

void boot_main(void)
{

	memset(__bss_start, 0, __bss_end - __bss_start);
	LC_FIELD(u32, LC_SW_CPU_ID) = 0;
	interrupts_init();
	interrupts_init_cpu(0);
	ctl_set(6, 0);
	sclp_console_init();
	if (sclp_read_info(&machine))
		printf("INFO: SCLP Read SCP Info failed\n");
	init_memory();
	setup_args(boot_cmdline);
	smp_mark_online(0);
	smp_boot_secondaries(machine.cpu_addr, machine.nr_cpus);
	exit(main(__argc, __argv, __environ));
}
