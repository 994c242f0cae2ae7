/*
 * SIGP STORE ADDITIONAL STATUS AT ADDRESS (order 0x17; PoP ch. 4): a stopped CPU's
 * vector registers (512 bytes) land at a 1 KiB-aligned address. An operating target is
 * an incorrect state, a misaligned or out-of-range address an invalid parameter, an
 * absent CPU not operational. Run with -smp 2. With -append "no-vec-no-gs" (and a CPU
 * model without vector and guarded-storage facilities) the order itself is invalid.
 */
#include <libcflat.h>
#include <clock.h>
#include <s390x/smp.h>
#include <s390x/psw.h>
#include <s390x/arch.h>
#include <s390x/interrupt.h>
#include <s390x/smp.h>
#include <s390x/facility.h>

#define SIGP_STORE_ADDITIONAL_STATUS	0x17
#define CR0_VECTOR			CR_BIT(46)
#define ABSENT_CPU_ADDR			0xfff0
#define VX(insn) ".machine push\n .machine z13\n " insn "\n .machine pop\n"

static u64 vregs[64] __aligned(8);	/* what CPU 1 loads: 32 registers of 16 bytes */
static u8 area[2048] __aligned(1024);

/* One asm statement: compiled code between the load and the stop may use FPRs 0-15. */
static void load_vregs_and_stop(void)
{
	ctl_set_bits(0, CR0_VECTOR);
	asm volatile(VX("vlm %%v0,%%v15,0(%[v])\n vlm %%v16,%%v31,256(%[v])\n"
			"0: sigp %%r0,%[self],%[stop]\n j 0b")
		     : : [v] "a"(vregs), [self] "d"((u64)stap()), [stop] "i"(SIGP_STOP)
		     : "r0", "memory");
}

static void check_status(int cc, u32 status, u32 want, const char *what)
{
	report(cc == SIGP_CC_STATUS_STORED && status == want,
	       "%s: cc 1, status %#x (got cc %d, %#x)", what, want, cc, status);
}

static void test_orders(void)
{
	u32 status = 0;
	int cc, i;

	wait_cpus_idle();
	cc = sigp(cpu_addr(1), SIGP_STORE_ADDITIONAL_STATUS, (u64)area, &status);
	check_status(cc, status, SIGP_STATUS_INCORRECT_STATE, "operating target");
	cc = sigp(ABSENT_CPU_ADDR, SIGP_STORE_ADDITIONAL_STATUS, (u64)area, &status);
	report(cc == SIGP_CC_NOT_OPERATIONAL, "absent CPU: cc 3 (got %d)", cc);

	for (i = 0; i < ARRAY_SIZE(vregs); i++)
		vregs[i] = 0x5a5a000000000000UL | i;
	smp_cpu_start(1, load_vregs_and_stop);
	report(wait_until(smp_cpu_stopped(1), 5000), "CPU 1 loaded its vector registers, stopped");

	cc = sigp(cpu_addr(1), SIGP_STORE_ADDITIONAL_STATUS, (u64)area + 256, &status);
	check_status(cc, status, SIGP_STATUS_INVALID_PARAMETER, "address not on 1 KiB");

	memset(area, 0, sizeof(area));
	cc = sigp_retry(cpu_addr(1), SIGP_STORE_ADDITIONAL_STATUS, (u64)area, &status);
	report(cc == SIGP_CC_ACCEPTED, "stopped target, aligned address: accepted (cc %d)", cc);
	report(!memcmp(area, vregs, sizeof(vregs)), "the 512 bytes are CPU 1's vector registers");
	report(smp_cpu_start_idle(1) == 0, "CPU 1 back to work");
}

static void test_no_facilities(void)
{
	u32 status = 0;
	int cc;

	report(!test_facility(FAC_VECTOR) && !test_facility(FAC_GUARDED_STORAGE),
	       "STFLE bits 129 (vector) and 133 (guarded storage) are off");
	smp_cpu_stop(1);
	cc = sigp(cpu_addr(1), SIGP_STORE_ADDITIONAL_STATUS, (u64)area, &status);
	check_status(cc, status, SIGP_STATUS_INVALID_ORDER, "neither facility: the order");
	report(smp_cpu_start_idle(1) == 0, "CPU 1 back to work");
}

int main(int argc, char **argv)
{
	bool no_facilities = argc > 1 && !strcmp(argv[1], "no-vec-no-gs");

	report_prefix_push("adtl-status");
	if (nr_cpus < 2) {
		report_skip("needs 2 CPUs, have %d", nr_cpus);
		return report_summary();
	}
	if (no_facilities)
		test_no_facilities();
	else if (!test_facility(FAC_VECTOR))
		report_skip("vector facility (STFLE bit 129) not installed: no registers to store");
	else
		test_orders();
	report_prefix_pop();
	return report_summary();
}
