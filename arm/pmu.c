/*
 * PMUv3 event counters (Arm ARM D13), one sub-test per run (argv[1]); README lists what
 * each claims. A claim that needs a common event PMCEID0/1_EL0 does not advertise is a
 * SKIP naming the event and its PMCEID bit. Every sub-test starts and ends with
 * pmu_reset(): nothing counts or interrupts after it returns.
 */
#include <libcflat.h>
#include <clock.h>
#include <migrate.h>
#include <subtest.h>
#include <arm64/gic.h>
#include <arm64/pmu.h>
#include <arm64/sysreg.h>

/* 16 increments before a 32-bit (or, with PMCR_EL0.LP, 64-bit) overflow. */
#define PRE_OVERFLOW_32 0xfffffff0UL
#define PRE_OVERFLOW_64 0xfffffffffffffff0UL
#define ALL_SET_32 0xffffffffUL
#define MASK_32 0xffffffffUL
#define SW_INCRS 100

/* INST_RETIRED over run_loop(): the loop plus the few instructions around it. */
#define LOOP_SLACK 8
#define IRQ_WAIT_MS 1000 /* only waited in full when an interrupt is missing */
#define IRQ_QUIET_MS 20

static bool pmu_present(void)
{
	if (pmu_probe())
		return true;
	report_skip("no PMU: ID_AA64DFR0_EL1.PMUVer = 0x%x", pmu.version);
	return false;
}

/* False with a SKIP naming @ev and its PMCEID bit when the PMU does not implement it. */
static bool need_event(unsigned int ev, const char *claims)
{
	if (pmu_event_supported(ev))
		return true;
	report_skip("%s: event %s (0x%x) not implemented (%s clear)", claims,
		    pmu_event_name(ev), ev, pmu_event_where(ev));
	return false;
}

static bool need_counters(unsigned int n, const char *claims)
{
	if (pmu.nr_counters >= n)
		return true;
	report_skip("%s: needs %u event counters, PMCR_EL0.N = %u", claims, n, pmu.nr_counters);
	return false;
}

/* The first common event (0x0-0x3f) PMCEID does not advertise, or -1. */
static int unimplemented_event(void)
{
	unsigned int ev;

	for (ev = 0; ev < 0x40; ev++)
		if (!pmu_event_supported(ev))
			return ev;
	return -1;
}

/*
 * An event counter started at @start after @incr increments with PMCR_EL0.LP = 0: from
 * PMUv3p5 on it is 64 bits wide (LP only moves the overflow), before it is 32 bits.
 */
static u64 counted_from(u64 start, u64 incr)
{
	return pmu_has_64bit_event_counters() ? start + incr : (start + incr) & MASK_32;
}

static void program(unsigned int n, unsigned int type, u64 value)
{
	pmevtyper_write(n, type);
	pmevcntr_write(n, value);
}

/*
 * Write @pmcr_on (PMCR_EL0.E set), run @loops iterations of a two-instruction loop,
 * write @pmcr_on without E. Counted in between: the isb, 2 * @loops loop instructions
 * and possibly the disabling MSR.
 */
static void run_loop(u64 loops, u64 pmcr_on)
{
	u64 pmcr_off = pmcr_on & ~PMCR_E;

	asm volatile("	msr	pmcr_el0, %[on]\n"
		     "	isb\n"
		     "1:	subs	%[loops], %[loops], #1\n"
		     "	b.ne	1b\n"
		     "	msr	pmcr_el0, %[off]\n"
		     "	isb\n"
		     : [loops] "+r"(loops)
		     : [on] "r"(pmcr_on), [off] "r"(pmcr_off)
		     : "cc", "memory");
}

/* The same with one load per iteration from @addr. */
static void run_load_loop(u64 loops, u64 pmcr_on, const u64 *addr)
{
	u64 pmcr_off = pmcr_on & ~PMCR_E, tmp;

	asm volatile("	msr	pmcr_el0, %[on]\n"
		     "	isb\n"
		     "1:	ldr	%[tmp], [%[addr]]\n"
		     "	subs	%[loops], %[loops], #1\n"
		     "	b.ne	1b\n"
		     "	msr	pmcr_el0, %[off]\n"
		     "	isb\n"
		     : [loops] "+r"(loops), [tmp] "=&r"(tmp)
		     : [on] "r"(pmcr_on), [off] "r"(pmcr_off), [addr] "r"(addr)
		     : "cc", "memory");
}

static void sw_incr(u64 mask, int times)
{
	int i;

	for (i = 0; i < times; i++)
		pmswinc_write(mask);
	isb();
}

/* ---- cycle-counter ---- */

static void check_cycle_counter_runs(void)
{
	u64 prev, now;
	bool monotonic = true;
	int i;

	pmu_reset(PMCR_LC);
	pmcntenset_write(BIT(PMU_CYCLE_IDX));
	pmu_enable();
	prev = pmccntr_read();
	for (i = 0; i < 100; i++) {
		now = pmccntr_read();
		monotonic &= now >= prev;
		prev = now;
	}
	report(monotonic, "PMCCNTR_EL0 never goes backwards over 100 reads");
	report(pmccntr_read() > 0, "PMCCNTR_EL0 counts with PMCR_EL0.E and PMCNTENSET_EL0[31]");

	pmu_disable();
	prev = pmccntr_read();
	mdelay(1);
	report(pmccntr_read() == prev, "PMCR_EL0.E = 0 stops the cycle counter");

	pmu_enable();
	pmcntenclr_write(BIT(PMU_CYCLE_IDX));
	prev = pmccntr_read();
	mdelay(1);
	report(pmccntr_read() == prev, "PMCNTENCLR_EL0[31] stops the cycle counter");

	pmcr_write(pmcr_read() | PMCR_C);
	report(pmccntr_read() == 0, "PMCR_EL0.C zeroes the stopped cycle counter");
}

static void check_cycle_filter(void)
{
	u64 before;

	if (current_el() != 1) {
		report_skip("PMCCFILTR_EL0.P: running at EL%u, not EL1", current_el());
		return;
	}
	pmu_reset(PMCR_LC);
	pmccfiltr_write(PMEVTYPER_P);
	pmcntenset_write(BIT(PMU_CYCLE_IDX));
	before = pmccntr_read();
	run_loop(10000, pmcr_read() | PMCR_E);
	report(pmccntr_read() == before, "PMCCFILTR_EL0.P: no cycles counted at EL1");
	pmccfiltr_write(0);
	run_loop(10000, pmcr_read() | PMCR_E);
	report(pmccntr_read() > before, "PMCCFILTR_EL0 = 0: cycles counted at EL1");
}

/* PMCR_EL0.LC: the overflow flag of the cycle counter at bit 31 or bit 63. */
static void check_cycle_overflow(void)
{
	pmu_reset(0);
	pmcntenset_write(BIT(PMU_CYCLE_IDX));
	pmccntr_write(PRE_OVERFLOW_32);
	run_loop(1000, pmcr_read() | PMCR_E);
	report(pmovsset_read() == BIT(PMU_CYCLE_IDX) && pmccntr_read() > MASK_32,
	       "LC = 0: carry out of bit 31 sets PMOVSSET_EL0[31], the counter keeps 64 bits");

	pmu_reset(PMCR_LC);
	pmcntenset_write(BIT(PMU_CYCLE_IDX));
	pmccntr_write(PRE_OVERFLOW_32);
	run_loop(1000, pmcr_read() | PMCR_E);
	report(pmovsset_read() == 0 && pmccntr_read() > MASK_32,
	       "LC = 1: carry out of bit 31 is no overflow");
	pmccntr_write(PRE_OVERFLOW_64);
	run_loop(1000, pmcr_read() | PMCR_E);
	report(pmovsset_read() == BIT(PMU_CYCLE_IDX) && pmccntr_read() < 1UL << 32,
	       "LC = 1: carry out of bit 63 wraps and sets PMOVSSET_EL0[31]");
}

static u64 measure_cycles(u64 loops)
{
	pmu_reset(PMCR_LC);
	pmcntenset_write(BIT(PMU_CYCLE_IDX));
	run_loop(loops, pmcr_read() | PMCR_E);
	return pmccntr_read();
}

/*
 * Cycles per instruction of the two-instruction loop. With @cpi > 0 (under TCG with
 * -icount shift=S the cycle counter runs at 1 GHz of virtual time, so CPI = 2^S
 * exactly) the count must match it within a few instructions of the measured region;
 * without, the ratio is only printed (it is the host's timing).
 */
static void check_cpi(unsigned long cpi)
{
	static const u64 sizes[] = { 10, 100, 1000, 10000 };
	bool counted = true;
	unsigned int i;

	measure_cycles(sizes[0]); /* warm up: TCG translates the loop on first use */
	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		u64 instrs = 2 * sizes[i], cycles = measure_cycles(sizes[i]);

		report_info("%lu instructions: %lu cycles (%lu.%02lu cycles/instruction)", instrs,
			    cycles, cycles / instrs, cycles * 100 / instrs % 100);
		counted &= cycles > 0;
		if (cpi)
			report(cycles >= cpi * instrs && cycles <= cpi * (instrs + LOOP_SLACK),
			       "%lu instructions take %lu cycles at CPI %lu (counted %lu)",
			       instrs, cpi * instrs, cpi, cycles);
	}
	report(counted, "every loop counted cycles");
}

static void test_cycle_counter(int argc, char **argv)
{
	unsigned long cpi = argc > 1 ? strtoul(argv[1], NULL, 0) : 0;

	check_cycle_counter_runs();
	check_cycle_filter();
	check_cycle_overflow();
	check_cpi(cpi);
}

/* ---- event-introspection ---- */

static bool known_pmu_version(unsigned int v)
{
	return v == PMUVER_V3 || (v >= PMUVER_V3P1 && v <= 0x8);
}

static void check_pmcr_fields(void)
{
	u64 pmcr = pmcr_read();

	report(pmu.nr_counters <= PMU_MAX_EVENT_COUNTERS, "PMCR_EL0.N = %u, at most 31",
	       pmu.nr_counters);
	pmcr_write(~pmcr & PMCR_RO_MASK);
	report((pmcr_read() & PMCR_RO_MASK) == pmu.pmcr_ro,
	       "PMCR_EL0 IMP, IDCODE and N ignore writes");
	pmcr_write(PMCR_P | PMCR_C);
	report(!(pmcr_read() & (PMCR_P | PMCR_C)), "PMCR_EL0.P and .C read as zero");
	pmcr_write(PMCR_E);
	report(pmcr_read() & PMCR_E, "PMCR_EL0.E reads back 1");
	pmcr_write(0);
	report(!(pmcr_read() & PMCR_E), "PMCR_EL0.E reads back 0");
}

static void check_required_events(void)
{
	bool retired = pmu_event_supported(EV_INST_RETIRED);

	report(pmu_event_supported(EV_SW_INCR), "SW_INCR (0x0) implemented");
	report(pmu_event_supported(EV_CPU_CYCLES), "CPU_CYCLES (0x11) implemented");
	report_kfail(accel_is("tcg"), "tcg-pmu-inst-retired: INST_RETIRED only with -icount",
		     retired || pmu_event_supported(EV_INST_SPEC),
		     "INST_RETIRED (0x8) or INST_SPEC (0x1b) implemented");
	if (pmu.version < PMUVER_V3P1) {
		report_skip("STALL_FRONTEND/STALL_BACKEND: required from PMUv3p1, PMUVer = 0x%x",
			    pmu.version);
		return;
	}
	report(pmu_event_supported(EV_STALL_FRONTEND) && pmu_event_supported(EV_STALL_BACKEND),
	       "PMUv3p1: STALL_FRONTEND (0x23) and STALL_BACKEND (0x24) implemented");
}

static void test_event_introspection(int argc, char **argv)
{
	report(known_pmu_version(pmu.version), "ID_AA64DFR0_EL1.PMUVer 0x%x is a PMUv3 version",
	       pmu.version);
	report(pmu.version >= PMUVER_V3P1 || !(pmu.pmceid[0] >> 32 | pmu.pmceid[1] >> 32),
	       "events 0x4000-0x403f advertised only from PMUv3p1");
	check_pmcr_fields();
	check_required_events();
}

/* ---- event-counter-config ---- */

static u64 counter_pattern(unsigned int n)
{
	return 0xc0de0000UL + n * 0x111;
}

static void check_direct_indirect(void)
{
	bool typer_ok = true, cntr_ok = true;
	unsigned int n;

	pmu_reset(0);
	for (n = 0; n < pmu.nr_counters; n++) {
		u64 type = (n % 2 ? EV_CPU_CYCLES : EV_SW_INCR) | (n % 3 ? PMEVTYPER_U : 0);

		pmevtyper_write(n, type);
		typer_ok &= pmu_indirect_typer_read(n) == type;
		pmu_indirect_typer_write(n, type ^ PMEVTYPER_U);
		typer_ok &= pmevtyper_read(n) == (type ^ PMEVTYPER_U);

		pmevcntr_write(n, counter_pattern(n));
		cntr_ok &= pmu_indirect_cntr_read(n) == counter_pattern(n);
		pmu_indirect_cntr_write(n, counter_pattern(n) + 1);
		cntr_ok &= pmevcntr_read(n) == counter_pattern(n) + 1;
	}
	report(typer_ok, "PMEVTYPER<n>_EL0 and PMSELR_EL0 + PMXEVTYPER_EL0 are the same register");
	report(cntr_ok, "PMEVCNTR<n>_EL0 and PMSELR_EL0 + PMXEVCNTR_EL0 are the same register");

	pmselr_write(PMU_CYCLE_IDX);
	pmxevtyper_write(PMEVTYPER_U);
	report(pmccfiltr_read() == PMEVTYPER_U,
	       "PMSELR_EL0.SEL = 31: PMXEVTYPER_EL0 writes PMCCFILTR_EL0");
	pmccfiltr_write(0);
}

static void check_unimplemented_event(void)
{
	int ev = unimplemented_event();

	if (ev < 0) {
		report_skip("unimplemented event: every common event 0x0-0x3f is implemented");
		return;
	}
	pmu_reset(0);
	program(0, ev, 0);
	report(pmevtyper_read(0) == (u64)ev, "unimplemented event 0x%x reads back", ev);
	pmcntenset_write(BIT(0));
	run_loop(1000, pmcr_read() | PMCR_E);
	sw_incr(BIT(0), 10);
	report(pmevcntr_read(0) == 0, "unimplemented event 0x%x counts nothing", ev);
}

static void check_mask(const char *name, u64 (*read)(void), void (*set)(u64),
		       void (*clr)(u64))
{
	u64 implemented = pmu_implemented_mask();

	set(~0UL);
	report(read() == implemented, "%s set to all ones reads 0x%lx (counters 0..%u and 31)",
	       name, implemented, pmu.nr_counters - 1);
	clr(~0UL);
	report(read() == 0, "%s cleared through its CLR register reads 0", name);
}

static void test_event_counter_config(int argc, char **argv)
{
	check_direct_indirect();
	check_unimplemented_event();
	/* E = 0 and IRQs masked: the overflow flags set here interrupt nobody. */
	pmu_reset(0);
	check_mask("PMCNTENSET_EL0", pmcntenset_read, pmcntenset_write, pmcntenclr_write);
	check_mask("PMINTENSET_EL1", pmintenset_read, pmintenset_write, pmintenclr_write);
	check_mask("PMOVSSET_EL0", pmovsset_read, pmovsset_write, pmovsclr_write);
}

/* ---- basic-event-count ---- */

static bool in_loop_range(u64 count, u64 loops)
{
	return count >= 2 * loops && count <= 2 * loops + LOOP_SLACK;
}

/* Counter 0: INST_RETIRED, counter 1: CPU_CYCLES; the others programmed but disabled. */
static void program_basic(u64 pmcr_flags, u64 start0, u64 start1)
{
	unsigned int n;

	pmu_reset(pmcr_flags);
	program(0, EV_INST_RETIRED, start0);
	program(1, EV_CPU_CYCLES, start1);
	for (n = 2; n < pmu.nr_counters; n++)
		program(n, EV_CPU_CYCLES, 0);
	pmcntenset_write(BIT(0) | BIT(1));
}

static bool others_zero(unsigned int first)
{
	unsigned int n;

	for (n = first; n < pmu.nr_counters; n++)
		if (pmevcntr_read(n))
			return false;
	return true;
}

static void check_basic_counts(bool retired)
{
	u64 loops = 1000;

	program_basic(0, 0, 0);
	pmcntenset_write(BIT(PMU_CYCLE_IDX));
	run_loop(loops, pmcr_read() | PMCR_E);
	if (retired)
		report(in_loop_range(pmevcntr_read(0), loops),
		       "INST_RETIRED: %lu for a loop of %lu instructions", pmevcntr_read(0),
		       2 * loops);
	report(pmevcntr_read(1) > 0, "CPU_CYCLES counted %lu", pmevcntr_read(1));
	report(others_zero(2), "disabled counters 2..%u did not count", pmu.nr_counters - 1);
	report(pmovsset_read() == 0, "no overflow from zero");

	pmcr_write(pmcr_read() | PMCR_P);
	report(pmevcntr_read(0) == 0 && pmevcntr_read(1) == 0 && pmccntr_read() != 0,
	       "PMCR_EL0.P zeroes the event counters, not the cycle counter");
}

/* A counter started 16 below 2^32 that overflowed once: its width is counted_from()'s. */
static void check_wrapped(const char *what, u64 value)
{
	u64 counted = (value & MASK_32) + 16;

	report(value == counted_from(PRE_OVERFLOW_32, counted),
	       "%s counted on past bit 31 to 0x%lx (%u-bit counter)", what, value,
	       pmu_has_64bit_event_counters() ? 64 : 32);
}

static void check_basic_overflow(bool retired)
{
	u64 loops = 1000, expect = retired ? BIT(0) | BIT(1) : BIT(1);

	program_basic(0, PRE_OVERFLOW_32, PRE_OVERFLOW_32);
	run_loop(loops, pmcr_read() | PMCR_E);
	report(pmovsset_read() == expect, "PMOVSSET_EL0 = 0x%lx (expected 0x%lx) after overflow",
	       pmovsset_read(), expect);
	check_wrapped("CPU_CYCLES", pmevcntr_read(1));
	if (retired) {
		check_wrapped("INST_RETIRED", pmevcntr_read(0));
		report(in_loop_range((pmevcntr_read(0) & MASK_32) + 16, loops),
		       "INST_RETIRED counted the loop across the overflow");
	}
}

/* PMUv3p5 PMCR_EL0.LP: event counters overflow at 64 bits. */
static void check_basic_64bit(void)
{
	if (!pmu_has_64bit_event_counters()) {
		report_skip("64-bit event counters: PMUVer 0x%x below PMUv3p5 (0x6)", pmu.version);
		return;
	}
	program_basic(PMCR_LP, 0, PRE_OVERFLOW_32);
	run_loop(1000, pmcr_read() | PMCR_E);
	report(pmovsset_read() == 0 && pmevcntr_read(1) > MASK_32,
	       "LP = 1: CPU_CYCLES carries into bit 32, no overflow");
	program_basic(PMCR_LP, 0, PRE_OVERFLOW_64);
	run_loop(1000, pmcr_read() | PMCR_E);
	report(pmovsset_read() == BIT(1) && pmevcntr_read(1) < PRE_OVERFLOW_64,
	       "LP = 1: CPU_CYCLES wraps at 64 bits and overflows");
}

static void test_basic_event_count(int argc, char **argv)
{
	bool retired;

	if (!need_event(EV_CPU_CYCLES, "event counting") || !need_counters(2, "event counting"))
		return;
	retired = need_event(EV_INST_RETIRED, "INST_RETIRED counts");
	check_basic_counts(retired);
	check_basic_overflow(retired);
	check_basic_64bit();
}

/* ---- mem-access ---- */

static void test_mem_access(int argc, char **argv)
{
	static u64 data = 42;
	u64 loads = 20;

	if (!need_event(EV_MEM_ACCESS, "memory accesses") || !need_counters(2, "mem-access"))
		return;
	pmu_reset(0);
	program(0, EV_MEM_ACCESS, 0);
	program(1, EV_MEM_ACCESS, 0);
	pmcntenset_write(BIT(0) | BIT(1));
	run_load_loop(loads, pmcr_read() | PMCR_E, &data);
	report(pmevcntr_read(0) >= loads && pmevcntr_read(1) >= loads,
	       "MEM_ACCESS counts %lu and %lu for %lu loads", pmevcntr_read(0),
	       pmevcntr_read(1), loads);
	report(pmovsset_read() == 0, "no overflow from zero");

	pmu_reset(0);
	program(0, EV_MEM_ACCESS, PRE_OVERFLOW_32);
	program(1, EV_MEM_ACCESS, PRE_OVERFLOW_32);
	pmcntenset_write(BIT(0) | BIT(1));
	run_load_loop(loads, pmcr_read() | PMCR_E, &data);
	report(pmovsset_read() == (BIT(0) | BIT(1)), "both counters overflow from 0x%lx",
	       PRE_OVERFLOW_32);
}

/* ---- sw-incr ---- */

static void check_sw_incr_32(int other)
{
	u64 wrapped = counted_from(PRE_OVERFLOW_32, SW_INCRS);

	pmu_reset(0);
	program(0, EV_SW_INCR, PRE_OVERFLOW_32);
	program(1, EV_SW_INCR, 0);
	if (pmu.nr_counters > 2)
		program(2, EV_SW_INCR, 0);
	pmcntenset_write(BIT(0) | BIT(1));
	sw_incr(BIT(0) | BIT(1) | BIT(2), SW_INCRS);
	report(pmevcntr_read(0) == PRE_OVERFLOW_32 && pmevcntr_read(1) == 0,
	       "PMCR_EL0.E = 0: PMSWINC_EL0 increments nothing");

	pmu_enable();
	sw_incr(BIT(0) | BIT(1) | BIT(2), SW_INCRS);
	report(pmevcntr_read(1) == SW_INCRS, "PMCR_EL0.E = 1: %d writes count %lu", SW_INCRS,
	       pmevcntr_read(1));
	report(pmevcntr_read(0) == wrapped, "counter from 0x%lx counts to 0x%lx (is 0x%lx)",
	       PRE_OVERFLOW_32, wrapped, pmevcntr_read(0));
	report(pmovsset_read() == BIT(0), "only the wrapped counter overflowed (PMOVSSET 0x%lx)",
	       pmovsset_read());
	if (pmu.nr_counters > 2)
		report(pmevcntr_read(2) == 0, "a disabled SW_INCR counter stays 0");
	if (other < 0 || pmu.nr_counters < 4)
		return;
	program(3, other, 0);
	pmcntenset_write(BIT(3));
	sw_incr(BIT(3), SW_INCRS);
	report(pmevcntr_read(3) == 0, "PMSWINC_EL0 does not increment a counter of event 0x%x",
	       other);
}

static void check_sw_incr_64(void)
{
	if (!pmu_has_64bit_event_counters()) {
		report_skip("64-bit SW_INCR: PMUVer 0x%x below PMUv3p5 (0x6)", pmu.version);
		return;
	}
	pmu_reset(PMCR_LP);
	program(0, EV_SW_INCR, PRE_OVERFLOW_32);
	pmcntenset_write(BIT(0));
	pmu_enable();
	sw_incr(BIT(0), SW_INCRS);
	report(pmevcntr_read(0) == PRE_OVERFLOW_32 + SW_INCRS && pmovsset_read() == 0,
	       "LP = 1: counter carries into bit 32 (0x%lx), no overflow", pmevcntr_read(0));
	pmevcntr_write(0, PRE_OVERFLOW_64);
	sw_incr(BIT(0), SW_INCRS);
	report(pmevcntr_read(0) == SW_INCRS - 16 && pmovsset_read() == BIT(0),
	       "LP = 1: counter wraps at 64 bits to 0x%lx and overflows", pmevcntr_read(0));
}

static void test_sw_incr(int argc, char **argv)
{
	if (!need_event(EV_SW_INCR, "software increment") || !need_counters(2, "sw-incr"))
		return;
	check_sw_incr_32(unimplemented_event());
	check_sw_incr_64();
}

/* ---- chained counters ---- */

static bool need_chain(const char *claims)
{
	return need_event(EV_CHAIN, claims) && need_counters(2, claims);
}

/* Counter 0: @even_type from @even, counter 1: CHAIN from @odd; both enabled, E = 1. */
static void program_chain(unsigned int even_type, u64 even, u64 odd)
{
	pmu_reset(0);
	program(0, even_type, even);
	program(1, EV_CHAIN, odd);
	pmcntenset_write(BIT(0) | BIT(1));
}

static void test_chained_counters(int argc, char **argv)
{
	if (!need_chain("chained counters") || !need_event(EV_CPU_CYCLES, "chained counters"))
		return;
	program_chain(EV_CPU_CYCLES, PRE_OVERFLOW_32, 0);
	run_loop(1000, pmcr_read() | PMCR_E);
	report(pmevcntr_read(1) == 1, "CHAIN counter incremented once by the overflow (is %lu)",
	       pmevcntr_read(1));
	report(pmovsset_read() == BIT(0), "overflow of the even counter only (PMOVSSET 0x%lx)",
	       pmovsset_read());

	program_chain(EV_CPU_CYCLES, PRE_OVERFLOW_32, ALL_SET_32);
	run_loop(1000, pmcr_read() | PMCR_E);
	report(pmevcntr_read(1) == counted_from(ALL_SET_32, 1),
	       "CHAIN counter carries out of bit 31 (0x%lx)", pmevcntr_read(1));
	report(pmovsset_read() == (BIT(0) | BIT(1)),
	       "the 64-bit pair's overflow sets the odd counter's flag (PMOVSSET 0x%lx)",
	       pmovsset_read());
}

static void test_chained_sw_incr(int argc, char **argv)
{
	u64 wrapped = counted_from(PRE_OVERFLOW_32, SW_INCRS);

	if (!need_chain("chained SW_INCR"))
		return;
	program_chain(EV_SW_INCR, PRE_OVERFLOW_32, 0);
	pmu_enable();
	sw_incr(BIT(0), SW_INCRS);
	report(pmevcntr_read(0) == wrapped && pmevcntr_read(1) == 1,
	       "even counter wrapped (0x%lx), CHAIN counter 1 (is %lu)", pmevcntr_read(0),
	       pmevcntr_read(1));
	report(pmovsset_read() == BIT(0), "overflow of the even counter only (PMOVSSET 0x%lx)",
	       pmovsset_read());

	program_chain(EV_SW_INCR, PRE_OVERFLOW_32, ALL_SET_32);
	pmu_enable();
	sw_incr(BIT(0), SW_INCRS);
	report(pmevcntr_read(0) == wrapped && pmevcntr_read(1) == counted_from(ALL_SET_32, 1),
	       "both counters carry out of bit 31 (0x%lx, 0x%lx)", pmevcntr_read(0),
	       pmevcntr_read(1));
	report(pmovsset_read() == (BIT(0) | BIT(1)), "both flags after the pair wrapped (0x%lx)",
	       pmovsset_read());
}

/* ---- chain-promotion ---- */

static void check_chain_enables(void)
{
	program_chain(EV_SW_INCR, PRE_OVERFLOW_32, 0);
	pmcntenclr_write(BIT(0));
	pmu_enable();
	sw_incr(BIT(0), SW_INCRS);
	report(pmevcntr_read(0) == PRE_OVERFLOW_32 && pmevcntr_read(1) == 0,
	       "odd counter enabled alone: nothing counts");

	program_chain(EV_SW_INCR, PRE_OVERFLOW_32, 0);
	pmcntenclr_write(BIT(1));
	pmu_enable();
	sw_incr(BIT(0), SW_INCRS);
	report(pmovsset_read() == BIT(0) && pmevcntr_read(1) == 0,
	       "even counter enabled alone: it overflows, the disabled CHAIN counter stays 0");

	program_chain(EV_SW_INCR, PRE_OVERFLOW_32, 0);
	pmcntenclr_write(BIT(1));
	pmu_enable();
	sw_incr(BIT(0), 8);
	pmcntenset_write(BIT(1));
	sw_incr(BIT(0), SW_INCRS);
	report(pmevcntr_read(1) == 1, "odd counter enabled mid-count: the overflow chains (%lu)",
	       pmevcntr_read(1));
}

static void check_chain_retype(void)
{
	program_chain(EV_SW_INCR, PRE_OVERFLOW_32, 0);
	pmu_enable();
	sw_incr(BIT(0), 8);
	pmevtyper_write(1, EV_SW_INCR);
	sw_incr(BIT(0) | BIT(1), SW_INCRS);
	report(pmevcntr_read(1) == SW_INCRS,
	       "odd counter retyped CHAIN -> SW_INCR: counts increments, not overflows (%lu)",
	       pmevcntr_read(1));

	pmu_reset(0);
	program(0, EV_SW_INCR, 0);
	program(1, EV_SW_INCR, 0);
	pmcntenset_write(BIT(0) | BIT(1));
	pmu_enable();
	sw_incr(BIT(0) | BIT(1), 50);
	pmevtyper_write(1, EV_CHAIN);
	pmevcntr_write(0, PRE_OVERFLOW_32);
	sw_incr(BIT(0) | BIT(1), SW_INCRS);
	report(pmevcntr_read(1) == 51,
	       "odd counter retyped SW_INCR -> CHAIN: counts the one overflow (%lu)",
	       pmevcntr_read(1));
}

/* PMCR_EL0.LP = 1: the even counter is 64 bits wide, so crossing bit 31 chains nothing. */
static void check_chain_64bit(void)
{
	if (!pmu_has_64bit_event_counters()) {
		report_skip("64-bit chain: PMUVer 0x%x below PMUv3p5 (0x6)", pmu.version);
		return;
	}
	program_chain(EV_SW_INCR, PRE_OVERFLOW_32, 0);
	pmcr_write(PMCR_LP | PMCR_E);
	sw_incr(BIT(0), SW_INCRS);
	report(pmevcntr_read(0) == PRE_OVERFLOW_32 + SW_INCRS && pmevcntr_read(1) == 0 &&
	       pmovsset_read() == 0, "LP = 1: carry into bit 32 neither chains nor overflows");
	pmcr_write(PMCR_E);
	pmevcntr_write(0, PRE_OVERFLOW_32);
	sw_incr(BIT(0), SW_INCRS);
	report(pmevcntr_read(1) == 1 && pmovsset_read() == BIT(0),
	       "back to LP = 0: the 32-bit overflow chains again");
}

static void test_chain_promotion(int argc, char **argv)
{
	if (!need_chain("chain promotion"))
		return;
	check_chain_enables();
	check_chain_retype();
	check_chain_64bit();
}

/* ---- overflow-interrupt ---- */

static int irq_hits[32];
static int irq_without_flag;

static void pmu_irq_handler(u32 irq, int source_cpu)
{
	u64 flags = pmovsset_read() & pmintenset_read();
	unsigned int n;

	pmovsclr_write(flags);
	if (!flags)
		irq_without_flag++;
	for (n = 0; n < 32; n++)
		if (flags & BIT(n))
			irq_hits[n]++;
}

static void reset_irq_counts(void)
{
	local_irq_disable();
	memset(irq_hits, 0, sizeof(irq_hits));
	irq_without_flag = 0;
	local_irq_enable();
}

static int irq_total(void)
{
	int n, sum = 0;

	for (n = 0; n < 32; n++)
		sum += READ_ONCE(irq_hits[n]);
	return sum;
}

/* Every counter in @mask interrupted exactly once, no other one and nothing spurious. */
static bool irqs_exactly(u64 mask)
{
	int n, want = __builtin_popcountl(mask);
	bool ok;

	wait_until(irq_total() >= want, IRQ_WAIT_MS);
	mdelay(IRQ_QUIET_MS);
	ok = !READ_ONCE(irq_without_flag);
	for (n = 0; n < 32; n++)
		ok &= READ_ONCE(irq_hits[n]) == !!(mask & BIT(n));
	if (!ok)
		report_info("interrupts per counter: 0:%d 1:%d 2:%d 3:%d 31:%d, without a flag %d",
			    irq_hits[0], irq_hits[1], irq_hits[2], irq_hits[3], irq_hits[31],
			    irq_without_flag);
	return ok;
}

static u64 event_counters_mask(void)
{
	return BIT_ULL(pmu.nr_counters) - 1;
}

static void program_all_sw_incr(u64 pmcr_flags, u64 start)
{
	unsigned int n;

	pmu_reset(pmcr_flags);
	for (n = 0; n < pmu.nr_counters; n++)
		program(n, EV_SW_INCR, start);
	pmcntenset_write(event_counters_mask());
	reset_irq_counts();
}

/* The PMU's PPI from the device tree, and a GIC to take it. */
static bool have_interrupt(const char *claims)
{
	if (pmu.intid < 0) {
		report_skip("%s: no arm,armv8-pmuv3 node with a PPI in the device tree", claims);
		return false;
	}
	if (!gic_init()) {
		report_skip("%s: no GIC in the device tree", claims);
		return false;
	}
	return true;
}

static void check_overflow_irqs_32(void)
{
	u64 all = event_counters_mask(), even = all & 0x5555555555555555UL;

	program_all_sw_incr(0, PRE_OVERFLOW_32);
	pmu_enable();
	sw_incr(all, 20);
	report(pmovsset_read() == all && irqs_exactly(0),
	       "PMINTENSET_EL1 clear: every counter overflows, no interrupt");

	program_all_sw_incr(0, PRE_OVERFLOW_32);
	pmintenset_write(all);
	sw_incr(all, 20);
	report(irqs_exactly(0), "PMCR_EL0.E = 0: nothing counts, no interrupt");
	pmu_enable();
	sw_incr(all, 20);
	report(irqs_exactly(all), "PMINTENSET_EL1 set: one interrupt per overflowing counter");
	report(pmovsset_read() == 0, "the handler's PMOVSCLR_EL0 write cleared every flag");

	program_all_sw_incr(0, PRE_OVERFLOW_32);
	pmintenset_write(even);
	pmu_enable();
	sw_incr(all, 20);
	report(irqs_exactly(even), "only counters with PMINTENSET_EL1 set interrupt");
	reset_irq_counts();
	pmintenset_write(all);
	report(irqs_exactly(all & ~even),
	       "setting PMINTENSET_EL1 for already-overflowed counters interrupts once each");
}

static void check_overflow_irq_cycles(void)
{
	pmu_reset(0);
	reset_irq_counts();
	pmcntenset_write(BIT(PMU_CYCLE_IDX));
	pmintenset_write(BIT(PMU_CYCLE_IDX));
	pmccntr_write(PRE_OVERFLOW_32);
	pmu_enable();
	report(irqs_exactly(BIT(PMU_CYCLE_IDX)), "the cycle counter's overflow interrupts once");
}

static void check_overflow_irqs_64(void)
{
	u64 all = event_counters_mask();

	if (!pmu_has_64bit_event_counters()) {
		report_skip("64-bit overflow: PMUVer 0x%x below PMUv3p5 (0x6)", pmu.version);
		return;
	}
	program_all_sw_incr(PMCR_LP, PRE_OVERFLOW_32);
	pmintenset_write(all);
	pmu_enable();
	sw_incr(all, 20);
	report(irqs_exactly(0), "LP = 1: carry into bit 32 does not interrupt");
	program_all_sw_incr(PMCR_LP, PRE_OVERFLOW_64);
	pmintenset_write(all);
	pmu_enable();
	sw_incr(all, 20);
	report(irqs_exactly(all), "LP = 1: the 64-bit overflow interrupts once per counter");
}

static void test_overflow_interrupt(int argc, char **argv)
{
	if (!need_event(EV_SW_INCR, "overflow interrupts") || !have_interrupt("overflow interrupts"))
		return;
	report_info("PMU interrupt: INTID %d, %s-sensitive", pmu.intid,
		    pmu.irq_level ? "level" : "edge");
	pmu_reset(0);
	setup_irq(pmu.intid, pmu_irq_handler);
	local_irq_enable();
	check_overflow_irqs_32();
	check_overflow_irq_cycles();
	check_overflow_irqs_64();
	pmu_reset(0);
	local_irq_disable();
}

/* ---- pmu-migration ---- */

/*
 * Counter 0: SW_INCR, counting; counter 1: SW_INCR with an overflow flagged while its
 * interrupt is disabled; counters 2/3: SW_INCR chained by CHAIN (when implemented);
 * the cycle counter running with LC = 1. Kept in globals: compared after migration.
 */
struct pmu_state {
	u64 pmcr, cnten, inten, ovs, ccfiltr;
	u64 type[4], cnt[4], cycles;
};
static struct pmu_state before;

static void save_state(struct pmu_state *s, unsigned int counters)
{
	unsigned int n;

	s->pmcr = pmcr_read() & ~PMCR_RO_MASK;
	s->cnten = pmcntenset_read();
	s->inten = pmintenset_read();
	s->ovs = pmovsset_read();
	s->ccfiltr = pmccfiltr_read();
	for (n = 0; n < counters; n++) {
		s->type[n] = pmevtyper_read(n);
		s->cnt[n] = pmevcntr_read(n);
	}
	s->cycles = pmccntr_read();
}

static void program_migration(bool chain)
{
	pmu_reset(PMCR_LC);
	program(0, EV_SW_INCR | PMEVTYPER_U, 0);
	program(1, EV_SW_INCR, ALL_SET_32);
	pmcntenset_write(BIT(0) | BIT(1) | BIT(PMU_CYCLE_IDX));
	if (chain) {
		program(2, EV_SW_INCR, PRE_OVERFLOW_32);
		program(3, EV_CHAIN, 7);
		pmcntenset_write(BIT(2) | BIT(3));
	}
	pmintenset_write(BIT(0));
	pmu_enable();
	sw_incr(BIT(0) | BIT(2), 10);
	sw_incr(BIT(1), 1);
}

static void check_state_survived(unsigned int counters)
{
	struct pmu_state after;
	unsigned int n;
	bool types = true, counts = true;

	save_state(&after, counters);
	for (n = 0; n < counters; n++) {
		types &= after.type[n] == before.type[n];
		counts &= after.cnt[n] == before.cnt[n];
	}
	report(after.pmcr == before.pmcr, "PMCR_EL0 0x%lx (was 0x%lx)", after.pmcr, before.pmcr);
	report(types, "event types of counters 0..%u", counters - 1);
	report(counts, "counter values of counters 0..%u", counters - 1);
	report(after.cnten == before.cnten && after.inten == before.inten,
	       "PMCNTENSET_EL0 0x%lx and PMINTENSET_EL1 0x%lx", after.cnten, after.inten);
	report(after.ovs == before.ovs, "the pending overflow: PMOVSSET_EL0 0x%lx (was 0x%lx)",
	       after.ovs, before.ovs);
	report(after.cycles > before.cycles, "the cycle counter continued from %lu (now %lu)",
	       before.cycles, after.cycles);
}

static void check_counting_after(bool chain)
{
	sw_incr(BIT(0) | BIT(2), 10);
	report(pmevcntr_read(0) == before.cnt[0] + 10, "counter 0 counts on from %lu",
	       before.cnt[0]);
	if (chain)
		report(pmevcntr_read(3) == before.cnt[3] + 1,
		       "the chained pair carries on: odd counter %lu (was %lu)", pmevcntr_read(3),
		       before.cnt[3]);
	reset_irq_counts();
	pmintenset_write(BIT(1));
	report(irqs_exactly(BIT(1)), "the overflow flagged before migration interrupts once");
	reset_irq_counts();
	pmevcntr_write(0, ALL_SET_32);
	sw_incr(BIT(0), 1);
	report(irqs_exactly(BIT(0)), "a new overflow interrupts");
}

static void test_pmu_migration(int argc, char **argv)
{
	bool chain;
	unsigned int counters;

	if (!need_counters(2, "pmu-migration") || !need_event(EV_SW_INCR, "pmu-migration") ||
	    !have_interrupt("pmu-migration")) {
		migrate_skip();
		return;
	}
	chain = pmu.nr_counters >= 4 && need_event(EV_CHAIN, "chained pair across migration");
	counters = chain ? 4 : 2;
	setup_irq(pmu.intid, pmu_irq_handler);
	local_irq_enable();
	reset_irq_counts();
	program_migration(chain);
	save_state(&before, counters);
	report(before.ovs == BIT(1) && irq_total() == 0,
	       "before migration: counter 1 overflowed, its interrupt disabled");
	migrate();
	check_state_survived(counters);
	check_counting_after(chain);
	pmu_reset(0);
	local_irq_disable();
}

static void run_pmu_subtest(const char *name, void (*fn)(int argc, char **argv), int argc,
			    char **argv)
{
	report_prefix_push(name);
	if (pmu_present()) {
		pmu_reset(0);
		fn(argc, argv);
		pmu_reset(0);
	} else if (fn == test_pmu_migration) {
		migrate_skip();
	}
	report_prefix_pop();
}

#define PMU_SUBTEST(name, fn)						\
	static void run_##fn(int argc, char **argv)			\
	{								\
		run_pmu_subtest(name, fn, argc, argv);			\
	}

PMU_SUBTEST("cycle-counter", test_cycle_counter)
PMU_SUBTEST("event-introspection", test_event_introspection)
PMU_SUBTEST("event-counter-config", test_event_counter_config)
PMU_SUBTEST("basic-event-count", test_basic_event_count)
PMU_SUBTEST("mem-access", test_mem_access)
PMU_SUBTEST("sw-incr", test_sw_incr)
PMU_SUBTEST("chained-counters", test_chained_counters)
PMU_SUBTEST("chained-sw-incr", test_chained_sw_incr)
PMU_SUBTEST("chain-promotion", test_chain_promotion)
PMU_SUBTEST("overflow-interrupt", test_overflow_interrupt)
PMU_SUBTEST("pmu-migration", test_pmu_migration)

static const struct subtest tests[] = {
	{ "cycle-counter", run_test_cycle_counter },
	{ "event-introspection", run_test_event_introspection },
	{ "event-counter-config", run_test_event_counter_config },
	{ "basic-event-count", run_test_basic_event_count },
	{ "mem-access", run_test_mem_access },
	{ "sw-incr", run_test_sw_incr },
	{ "chained-counters", run_test_chained_counters },
	{ "chained-sw-incr", run_test_chained_sw_incr },
	{ "chain-promotion", run_test_chain_promotion },
	{ "overflow-interrupt", run_test_overflow_interrupt },
	{ "pmu-migration", run_test_pmu_migration },
	{ NULL },
};

int main(int argc, char **argv)
{
	return run_subtests(tests, NULL, argc, argv);
}
