/*
 * SIGNAL PROCESSOR across two CPUs: sense, stop, start at a function with its own
 * stack and prefix area, on_cpu through the idle loop. Run with -smp 2.
 */
#include <libcflat.h>
#include <clock.h>
#include <s390x/arch.h>
#include <s390x/lowcore.h>
#include <s390x/smp.h>

#define ABSENT_CPU_ADDR 0xfff0
#define INVALID_ORDER 0xfe

struct cpu_facts {
	int id;
	u16 addr;
	u32 prefix;
	u64 sp;
};

static struct cpu_facts facts;
static volatile int started_fn_ran;

static u32 stpx(void)
{
	u32 prefix;

	asm volatile("stpx %0" : "=Q"(prefix));
	return prefix;
}

static u64 stack_pointer(void)
{
	u64 sp;

	asm volatile("lgr %0,%%r15" : "=d"(sp));
	return sp;
}

static void record_facts(void *unused)
{
	facts.id = smp_processor_id();
	facts.addr = stap();
	facts.prefix = stpx();
	facts.sp = stack_pointer();
}

static void started_fn(void)
{
	record_facts(NULL);
	started_fn_ran = 1;
}

#define DEADLINE_MS 5000

/* Bounded waits: a CPU that never gets there is a FAIL, not a hang. */
static bool wait_for_flag(volatile int *flag)
{
	return wait_until(*flag, DEADLINE_MS);
}

static bool wait_for_stop(int cpu)
{
	return wait_until(smp_cpu_stopped(cpu), DEADLINE_MS);
}

static int counter;

static void count_cpu(void *unused)
{
	atomic_inc_return(&counter);
}

static void check_on_cpu(void)
{
	report_prefix_push("on_cpu");
	memset(&facts, 0, sizeof(facts));
	on_cpu(1, record_facts, NULL);
	report(facts.id == 1, "function ran as cpu 1");
	report(facts.addr == cpu_addr(1) && facts.addr != stap(), "with cpu 1's address %d",
	       facts.addr);
	report(facts.prefix != stpx(), "with its own prefix area (%#x)", facts.prefix);
	counter = 0;
	on_cpus(count_cpu, NULL);
	report(counter == 2, "on_cpus ran on both cpus");
	report_prefix_pop();
}

static void check_sense(void)
{
	u32 status = 0;
	int cc;

	report_prefix_push("sense");
	cc = sigp(cpu_addr(1), SIGP_SENSE, 0, &status);
	report(cc == SIGP_CC_ACCEPTED, "operating cpu 1: order accepted (cc %d)", cc);
	cc = sigp(ABSENT_CPU_ADDR, SIGP_SENSE, 0, &status);
	report(cc == SIGP_CC_NOT_OPERATIONAL, "absent cpu address: not operational (cc %d)", cc);
	status = 0;
	cc = sigp(cpu_addr(1), INVALID_ORDER, 0, &status);
	report(cc == SIGP_CC_STATUS_STORED && status == SIGP_STATUS_INVALID_ORDER,
	       "unassigned order: invalid-order status (cc %d, status %#x)", cc, status);
	status = 0;
	cc = sigp(cpu_addr(1), SIGP_SET_PREFIX, 0x10000, &status);
	report(cc == SIGP_CC_STATUS_STORED && status == SIGP_STATUS_INCORRECT_STATE,
	       "set prefix of an operating cpu: incorrect state (cc %d, status %#x)", cc, status);
	report_prefix_pop();
}

static void check_stop_start(void)
{
	u64 own_sp = stack_pointer();
	int cc;

	report_prefix_push("stop");
	wait_cpus_idle();
	cc = smp_cpu_stop(1);
	report(cc == 0 && smp_cpu_stopped(1), "cpu 1 stopped (cc %d)", cc);
	report_prefix_pop();

	report_prefix_push("start");
	started_fn_ran = 0;
	memset(&facts, 0, sizeof(facts));
	cc = smp_cpu_start(1, started_fn);
	report(cc == 0, "restart order accepted (cc %d)", cc);
	report(wait_for_flag(&started_fn_ran), "cpu 1 reached the function");
	report(facts.id == 1, "function ran as cpu 1");
	report(facts.sp && (facts.sp > own_sp + SZ_64K || facts.sp + SZ_64K < own_sp),
	       "on its own stack (%#lx)", facts.sp);
	report(facts.prefix && facts.prefix != stpx(), "with its own prefix area (%#x)",
	       facts.prefix);
	report(wait_for_stop(1), "cpu 1 stops itself when the function returns");
	report(smp_cpu_start_idle(1) == 0, "cpu 1 back in the idle loop");
	memset(&facts, 0, sizeof(facts));
	on_cpu(1, record_facts, NULL);
	report(facts.id == 1, "on_cpu works again after the restart");
	report_prefix_pop();
}

int main(int argc, char **argv, char **envp)
{
	report_prefix_push("smp");
	if (nr_cpus < 2) {
		report_skip("needs 2 cpus (run with -smp 2), have %d", nr_cpus);
		return report_summary();
	}
	report(cpu_is_online(1), "cpu 1 came online at boot");
	check_on_cpu();
	check_sense();
	check_stop_start();
	report_prefix_pop();
	return report_summary();
}
