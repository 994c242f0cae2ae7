/*
 * Self-hosted debug at EL1: hardware breakpoints, watchpoints and software step
 * (Arm ARM D2), each with its syndrome, only when enabled, for every implemented
 * register; the *-migration sub-tests program the registers, migrate, and only then
 * expect the exception, so the debug state is proven to survive a migration.
 */
#include <libcflat.h>
#include <migrate.h>
#include <subtest.h>
#include <arm64/debug.h>
#include <arm64/processor.h>
#include <arm64/sysreg.h>

static volatile struct {
	int hits;
	u64 pc, esr, far;
} seen;

static volatile u64 watched[2] __aligned(16);

/* bp_target: a function of two NOPs, so a breakpoint on either has a known address. */
extern char bp_target[], bp_target_second[];
asm(".pushsection .text\n"
    ".globl bp_target\n"
    "bp_target: nop\n"
    ".globl bp_target_second\n"
    "bp_target_second: nop\n"
    "	ret\n"
    ".popsection");

/*
 * sstep_block: an SVC whose handler starts stepping, then the stepped instructions,
 * a taken branch among them. Steps end at sstep_end (a step exception before each
 * instruction after the first: sstep_i2, sstep_i3, sstep_i5, sstep_end).
 */
extern char sstep_block[], sstep_i2[], sstep_i3[], sstep_i5[], sstep_end[];
asm(".pushsection .text\n"
    ".globl sstep_block\n"
    "sstep_block: svc #0\n"
    "	nop\n"
    ".globl sstep_i2\n"
    "sstep_i2: add x9, x9, #1\n"
    ".globl sstep_i3\n"
    "sstep_i3: b sstep_i5\n"
    "	nop\n"
    ".globl sstep_i5\n"
    "sstep_i5: nop\n"
    ".globl sstep_end\n"
    "sstep_end: ret\n"
    ".popsection");

#define MAX_STEPS 16
static volatile u64 step_pcs[MAX_STEPS];
static volatile u64 step_esr_bad;

static void clear_seen(void)
{
	seen.hits = 0;
	seen.pc = seen.esr = seen.far = 0;
}

/* Record the exception and return with PSTATE.D set, so it does not fire again. */
static void record_debug_exception(struct pt_regs *regs, u64 esr)
{
	seen.hits++;
	seen.pc = regs->pc;
	seen.esr = esr;
	seen.far = read_sysreg(far_el1);
	regs->pstate |= PSR_D;
}

static void call_bp_target(void)
{
	((void (*)(void))bp_target)();
}

static void install_debug_handlers(void)
{
	install_exception_handler(EL1H_SYNC, ESR_EC_BKPT_CUR, record_debug_exception);
	install_exception_handler(EL1H_SYNC, ESR_EC_WATCHPT_CUR, record_debug_exception);
}

static bool hit_once_at(const void *pc, unsigned int ec)
{
	return seen.hits == 1 && seen.pc == (u64)pc && esr_ec(seen.esr) == ec;
}

/* Breakpoint @n armed on @pc and enabled: one exception there. */
static void check_breakpoint_fires(int n, const void *pc)
{
	debug_reset();
	debug_set_breakpoint(n, pc);
	debug_enable();
	clear_seen();
	call_bp_target();
	report(hit_once_at(pc, ESR_EC_BKPT_CUR),
	       "breakpoint %d: one exception at %p with EC %#x (hits %d, pc %#lx, EC %#x)", n, pc,
	       ESR_EC_BKPT_CUR, seen.hits, (unsigned long)seen.pc, esr_ec(seen.esr));
}

static void check_breakpoint_readback(int n)
{
	debug_reset();
	debug_set_breakpoint(n, bp_target);
	report(debug_read_bvr(n) == (u64)bp_target && debug_read_bcr(n) == debug_bcr_value(),
	       "breakpoint %d: DBGBVR/DBGBCR read back as written", n);
}

static int hits_with(void (*arm)(void))
{
	debug_reset();
	debug_set_breakpoint(0, bp_target);
	arm();
	clear_seen();
	call_bp_target();
	debug_reset();
	return seen.hits;
}

static void arm_bcr_disabled(void)
{
	debug_write_bcr(0, debug_bcr_value() & ~1UL);
	debug_enable();
}

static void arm_mde_clear(void)
{
	debug_enable();
	write_sysreg(MDSCR_KDE, mdscr_el1);
	isb();
}

static void arm_pstate_d_set(void)
{
	debug_enable();
	asm volatile("msr daifset, #8" ::: "memory");
}

static void check_breakpoint_gates(void)
{
	report(hits_with(arm_bcr_disabled) == 0, "DBGBCR.E clear: no breakpoint exception");
	report(hits_with(arm_mde_clear) == 0, "MDSCR_EL1.MDE clear: no breakpoint exception");
	report(hits_with(arm_pstate_d_set) == 0, "PSTATE.D set: no breakpoint exception");
}

static void test_bp(int argc, char **argv)
{
	int n, nr = debug_nr_breakpoints();

	report_prefix_push("debug-bp");
	report_info("%d breakpoints (ID_AA64DFR0_EL1.BRPs %d)", nr, nr - 1);
	install_debug_handlers();
	for (n = 0; n < nr; n++) {
		check_breakpoint_readback(n);
		check_breakpoint_fires(n, n & 1 ? bp_target_second : bp_target);
	}
	check_breakpoint_gates();
	debug_reset();
	report_prefix_pop();
}

static void store_watched(void)
{
	watched[0] = 0x1234;
}

static u64 load_watched(void)
{
	return watched[0];
}

static void check_watchpoint(int n, int lsc)
{
	const char *kind = lsc == WP_STORE ? "store" : "load";
	bool store_hit, load_hit;

	debug_reset();
	debug_set_watchpoint(n, (const void *)&watched[0], 8, lsc);
	report(debug_read_wvr(n) == (u64)&watched[0] &&
	       debug_read_wcr(n) == debug_wcr_value((const void *)&watched[0], 8, lsc),
	       "watchpoint %d (%s): DBGWVR/DBGWCR read back as written", n, kind);
	debug_enable();

	clear_seen();
	load_watched();
	load_hit = seen.hits;
	debug_enable();
	clear_seen();
	store_watched();
	store_hit = seen.hits;
	debug_reset();

	if (lsc == WP_STORE) {
		report(!load_hit && store_hit == 1, "watchpoint %d on stores: the store fires once, the load not", n);
		report(esr_ec(seen.esr) == ESR_EC_WATCHPT_CUR && (seen.esr & ESR_WATCHPT_WNR) &&
		       seen.far == (u64)&watched[0],
		       "watchpoint %d: EC %#x, WnR set, FAR the address (EC %#x, FAR %#lx)", n,
		       ESR_EC_WATCHPT_CUR, esr_ec(seen.esr), (unsigned long)seen.far);
	} else {
		report(load_hit == 1 && !store_hit, "watchpoint %d on loads: the load fires once, the store not", n);
	}
}

static void check_watchpoint_load_syndrome(void)
{
	debug_reset();
	debug_set_watchpoint(0, (const void *)&watched[0], 8, WP_LOAD);
	debug_enable();
	clear_seen();
	load_watched();
	debug_reset();
	report(seen.hits == 1 && esr_ec(seen.esr) == ESR_EC_WATCHPT_CUR &&
	       !(seen.esr & ESR_WATCHPT_WNR) && seen.far == (u64)&watched[0],
	       "load watchpoint: WnR clear, FAR the address");
}

static void check_watchpoint_disabled(void)
{
	debug_reset();
	debug_set_watchpoint(0, (const void *)&watched[0], 8, WP_ACCESS);
	debug_write_wcr(0, debug_read_wcr(0) & ~1UL);
	debug_enable();
	clear_seen();
	store_watched();
	load_watched();
	debug_reset();
	report(seen.hits == 0, "DBGWCR.E clear: no watchpoint exception");
}

static void check_watchpoint_other_address(void)
{
	debug_reset();
	debug_set_watchpoint(0, (const void *)&watched[1], 8, WP_ACCESS);
	debug_enable();
	clear_seen();
	store_watched();
	load_watched();
	debug_reset();
	report(seen.hits == 0, "an access to the neighbouring doubleword does not fire");
}

static void test_wp(int argc, char **argv)
{
	int n, nr = debug_nr_watchpoints();

	report_prefix_push("debug-wp");
	report_info("%d watchpoints (ID_AA64DFR0_EL1.WRPs %d)", nr, nr - 1);
	install_debug_handlers();
	for (n = 0; n < nr; n++) {
		check_watchpoint(n, WP_STORE);
		check_watchpoint(n, WP_LOAD);
	}
	check_watchpoint_load_syndrome();
	check_watchpoint_disabled();
	check_watchpoint_other_address();
	report_prefix_pop();
}

static volatile int nr_steps;

/* The SVC at sstep_block: return into the block with PSTATE.SS set and debug unmasked. */
static void start_stepping(struct pt_regs *regs, u64 esr)
{
	regs->pstate = (regs->pstate | PSR_SS) & ~PSR_D;
}

static void record_step(struct pt_regs *regs, u64 esr)
{
	if (nr_steps < MAX_STEPS)
		step_pcs[nr_steps] = regs->pc;
	nr_steps++;
	if ((esr & (ESR_SSTEP_ISV | ESR_SSTEP_EX)) != ESR_SSTEP_ISV)
		step_esr_bad = esr;
	if (regs->pc == (u64)sstep_end || nr_steps >= MAX_STEPS) {
		write_sysreg(0, mdscr_el1);
		isb();
		regs->pstate &= ~PSR_SS;
	} else {
		regs->pstate |= PSR_SS;
	}
}

/*
 * MDSCR_EL1.SS is set while PSTATE.D masks debug: with debug unmasked and
 * PSTATE.SS clear, software step is active-pending and would fire at once (D2.12.3).
 */
static void arm_stepping(void)
{
	debug_reset();
	write_sysreg(MDSCR_KDE | MDSCR_SS, mdscr_el1);
	isb();
}

static void run_and_check_steps(void)
{
	const u64 expected[] = { (u64)sstep_i2, (u64)sstep_i3, (u64)sstep_i5, (u64)sstep_end };
	int i, matches = 0;

	install_exception_handler(EL1H_SYNC, ESR_EC_SVC64, start_stepping);
	install_exception_handler(EL1H_SYNC, ESR_EC_SSTEP_CUR, record_step);
	nr_steps = 0;
	step_esr_bad = 0;
	asm volatile("bl sstep_block" ::: "x9", "x30", "memory");
	debug_reset();
	install_exception_handler(EL1H_SYNC, ESR_EC_SVC64, NULL);

	for (i = 0; i < ARRAY_SIZE(expected) && i < nr_steps; i++)
		matches += step_pcs[i] == expected[i];
	report(nr_steps == ARRAY_SIZE(expected), "one step exception per instruction (%d, expected %d)",
	       nr_steps, (int)ARRAY_SIZE(expected));
	report(matches == ARRAY_SIZE(expected),
	       "each step stops before the next instruction, the taken branch at its target");
	report(!step_esr_bad, "every step syndrome has ISV set and EX clear (bad ESR %#lx)",
	       (unsigned long)step_esr_bad);
}

static void check_no_step_without_kde(void)
{
	install_exception_handler(EL1H_SYNC, ESR_EC_SVC64, start_stepping);
	install_exception_handler(EL1H_SYNC, ESR_EC_SSTEP_CUR, record_step);
	debug_reset();
	write_sysreg(MDSCR_SS, mdscr_el1);
	isb();
	nr_steps = 0;
	asm volatile("bl sstep_block" ::: "x9", "x30", "memory");
	debug_reset();
	install_exception_handler(EL1H_SYNC, ESR_EC_SVC64, NULL);
	report(nr_steps == 0, "MDSCR_EL1.KDE clear: no step exception at EL1");
}

static void test_sstep(int argc, char **argv)
{
	report_prefix_push("debug-sstep");
	arm_stepping();
	run_and_check_steps();
	check_no_step_without_kde();
	report_prefix_pop();
}

/* The *-migration sub-tests: program, migrate, then check what was programmed. */
static void test_bp_migration(int argc, char **argv)
{
	int n, nr = debug_nr_breakpoints();

	report_prefix_push("debug-bp-migration");
	install_debug_handlers();
	debug_reset();
	for (n = 0; n < nr; n++)
		debug_set_breakpoint(n, bp_target_second);
	debug_enable();
	migrate();
	for (n = 0; n < nr; n++)
		report(debug_read_bvr(n) == (u64)bp_target_second &&
		       debug_read_bcr(n) == debug_bcr_value(),
		       "breakpoint %d: DBGBVR/DBGBCR survived the migration", n);
	report(read_sysreg(mdscr_el1) == (MDSCR_KDE | MDSCR_MDE), "MDSCR_EL1 survived");
	clear_seen();
	call_bp_target();
	report(hit_once_at(bp_target_second, ESR_EC_BKPT_CUR),
	       "the breakpoint fires after the migration (hits %d)", seen.hits);
	debug_reset();
	report_prefix_pop();
}

static void test_wp_migration(int argc, char **argv)
{
	int n, nr = debug_nr_watchpoints();
	const void *addr = (const void *)&watched[0];

	report_prefix_push("debug-wp-migration");
	install_debug_handlers();
	debug_reset();
	for (n = 0; n < nr; n++)
		debug_set_watchpoint(n, addr, 8, WP_STORE);
	debug_enable();
	migrate();
	for (n = 0; n < nr; n++)
		report(debug_read_wvr(n) == (u64)addr &&
		       debug_read_wcr(n) == debug_wcr_value(addr, 8, WP_STORE),
		       "watchpoint %d: DBGWVR/DBGWCR survived the migration", n);
	clear_seen();
	store_watched();
	report(seen.hits == 1 && esr_ec(seen.esr) == ESR_EC_WATCHPT_CUR && seen.far == (u64)addr,
	       "the watchpoint fires after the migration (hits %d)", seen.hits);
	debug_reset();
	report_prefix_pop();
}

static void test_sstep_migration(int argc, char **argv)
{
	report_prefix_push("debug-sstep-migration");
	arm_stepping();
	migrate();
	report(read_sysreg(mdscr_el1) == (MDSCR_KDE | MDSCR_SS), "MDSCR_EL1 survived the migration");
	run_and_check_steps();
	report_prefix_pop();
}

static const struct subtest tests[] = {
	{ "bp", test_bp },
	{ "wp", test_wp },
	{ "sstep", test_sstep },
	{ "bp-migration", test_bp_migration },
	{ "wp-migration", test_wp_migration },
	{ "sstep-migration", test_sstep_migration },
	{ NULL },
};

int main(int argc, char **argv)
{
	return run_subtests(tests, NULL, argc, argv);
}
