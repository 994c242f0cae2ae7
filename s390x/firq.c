/*
 * Floating interruptions go to a CPU that is enabled for them (PoP ch. 6 "Floating
 * Interruption Conditions"): with three CPUs, only CPU 2 enabled for service signals
 * (CR0 bit 54 and the PSW external mask), an SCLP command's service signal must arrive
 * there, once, and on no other CPU. The cfg runs it with CPU addresses in linear and
 * non-linear order (-device ...,core-id=N).
 */
#include <libcflat.h>
#include <clock.h>
#include <s390x/smp.h>
#include <s390x/psw.h>
#include <s390x/arch.h>
#include <s390x/interrupt.h>
#include <s390x/sclp.h>
#include <s390x/smp.h>

#define TARGET_CPU 2

static volatile bool waiter_ready, waiter_done;
static u8 sccb[PAGE_SIZE] __aligned(PAGE_SIZE);

static int servc(u32 cmd, void *block)
{
	u64 ipm;

	asm volatile(".insn rre,0xb2200000,%[cmd],%[sccb]\n ipm %[ipm]"
		     : [ipm] "=d"(ipm) : [cmd] "d"((u64)cmd), [sccb] "a"(block) : "cc", "memory");
	return CC_FROM_IPM(ipm);
}

/* On CPU 2: enabled for service signals only, until one came or 10 s passed. */
static void wait_for_service_signal(void)
{
	u64 end = clock_ns() + 10 * NSEC_PER_SEC;

	ctl_set_bits(0, CR0_SERVICE_SIGNAL);
	psw_mask_load(psw_mask() | PSW_MASK_EXT);
	waiter_ready = true;
	while (!service_signal_count(TARGET_CPU) && clock_ns() < end)
		cpu_relax();
	psw_mask_load(psw_mask() & ~PSW_MASK_EXT);
	ctl_clear_bits(0, CR0_SERVICE_SIGNAL);
	waiter_done = true;
}

int main(void)
{
	struct sccb_header *h = (void *)sccb;
	int cc, cpu;
	unsigned int before[TARGET_CPU], after[TARGET_CPU + 1];
	bool done;

	report_prefix_push("firq");
	if (nr_cpus < 3) {
		report_skip("needs 3 CPUs, have %d", nr_cpus);
		return report_summary();
	}
	report_info("cpu addresses: %d %d %d", cpu_addr(0), cpu_addr(1), cpu_addr(2));
	report(smp_cpu_start(TARGET_CPU, wait_for_service_signal) == 0, "CPU 2 started");
	report(wait_until(waiter_ready, 5000), "CPU 2 waits enabled for service signals");

	memset(sccb, 0, sizeof(sccb));
	h->length = sizeof(sccb);
	/* Nothing may print until CPU 2 is done: the console would enable CPU 0. */
	for (cpu = 0; cpu < TARGET_CPU; cpu++)
		before[cpu] = service_signal_count(cpu);
	cc = servc(SCLP_CMD_READ_SCP_INFO, sccb);
	done = wait_until(waiter_done, 15000);
	for (cpu = 0; cpu <= TARGET_CPU; cpu++)
		after[cpu] = service_signal_count(cpu);
	report(cc == 0, "Read SCP Info accepted on CPU 0, which is not enabled (cc %d)", cc);
	report(done, "CPU 2 finished waiting");
	report(after[TARGET_CPU] == 1, "the service signal came to CPU 2, once (%u)",
	       after[TARGET_CPU]);
	for (cpu = 0; cpu < TARGET_CPU; cpu++)
		report(after[cpu] == before[cpu], "none came to CPU %d", cpu);
	report(h->response_code == SCLP_RC_NORMAL_READ_COMPLETION,
	       "the command completed (response %#x)", h->response_code);
	report_prefix_pop();
	return report_summary();
}
