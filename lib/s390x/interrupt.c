/*
 * C half of interruption handling: per-CPU bookkeeping, the library's default
 * (weak) handlers, expected program interruptions and the unexpected-interruption
 * report. The assembler half is entry.S.
 */
#include <libcflat.h>
#include <s390x/psw.h>
#include <s390x/lowcore.h>
#include <s390x/interrupt.h>
#include <s390x/arch.h>
#include <s390x/sclp.h>

/* A fault while reporting a fault: stop reporting, just leave. */
#define MAX_IRQ_DEPTH 4

struct irq_state {
	int depth;
	bool pgm_expected;
	u16 pgm_code;
	u8 pgm_ilc;
	u64 pgm_trans_id;
	struct psw pgm_resume;
	struct psw pgm_old_psw;
	bool io_wanted;
	unsigned int io_count;
	struct io_int_info io_last;
	bool timeout_armed;
	bool timeout_hit;
	unsigned int service_signals;
};

static struct irq_state irq_states[MAX_CPUS];

extern char pgm_int_entry[], ext_int_entry[], io_int_entry[], svc_int_entry[];
extern char mcck_int_entry[], restart_int_entry[];

static struct irq_state *this_cpu(void)
{
	return &irq_states[smp_processor_id()];
}

static void set_new_psw(u32 offset, void *entry)
{
	struct psw *psw = (struct psw *)(lowcore() + offset);

	psw->mask = PSW_MASK_64;
	psw->addr = (u64)entry;
}

void interrupts_init(void)
{
	set_new_psw(LC_PGM_NEW_PSW, pgm_int_entry);
	set_new_psw(LC_EXT_NEW_PSW, ext_int_entry);
	set_new_psw(LC_IO_NEW_PSW, io_int_entry);
	set_new_psw(LC_SVC_NEW_PSW, svc_int_entry);
	set_new_psw(LC_MCCK_NEW_PSW, mcck_int_entry);
	set_new_psw(LC_RESTART_NEW_PSW, restart_int_entry);
}

void interrupts_init_cpu(int cpu)
{
	memset(&irq_states[cpu], 0, sizeof(irq_states[cpu]));
}

int irq_depth(void)
{
	return this_cpu()->depth;
}

/* Lock-free output for fatal paths: the console lock may be held by the faulting code. */
static void __printf(1, 2) fatal_printf(const char *fmt, ...)
{
	char buf[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	arch_puts(buf);
}

static void dump_regs(struct int_regs *regs)
{
	int i;

	fatal_printf("  old PSW: %016lx %016lx\n", regs->psw.mask, regs->psw.addr);
	for (i = 0; i < 16; i += 4)
		fatal_printf("  GR%02d-%02d: %016lx %016lx %016lx %016lx\n", i, i + 3,
			     regs->grs[i], regs->grs[i + 1], regs->grs[i + 2], regs->grs[i + 3]);
	for (i = 0; i < 16; i += 4)
		fatal_printf("  CR%02d-%02d: %016lx %016lx %016lx %016lx\n", i, i + 3,
			     regs->crs[i], regs->crs[i + 1], regs->crs[i + 2], regs->crs[i + 3]);
	fatal_printf("  AR00-03: %08x %08x %08x %08x  FPC: %08x\n",
		     regs->acrs[0], regs->acrs[1], regs->acrs[2], regs->acrs[3], regs->fpc);
}

int arch_backtrace_from(unsigned long sp, unsigned long *pcs, int max);

static void backtrace_regs(struct int_regs *regs)
{
	unsigned long pcs[16];
	int i, n = arch_backtrace_from(regs->grs[15], pcs, ARRAY_SIZE(pcs));

	fatal_printf("  backtrace: %#lx", regs->psw.addr);
	for (i = 0; i < n; i++)
		fatal_printf(" %#lx", pcs[i]);
	fatal_printf("\n");
}

void unexpected_int(const char *class, struct int_regs *regs, u64 code)
{
	if (this_cpu()->depth >= MAX_IRQ_DEPTH)
		arch_exit(EXIT_ABORT);
	sclp_console_recover();
	fatal_printf("unexpected %s interruption on cpu %d (depth %d): code %#lx\n",
		     class, smp_processor_id(), this_cpu()->depth, code);
	dump_regs(regs);
	backtrace_regs(regs);
	/* The last line before EXIT: the runner quotes it as the reason of the FAIL. */
	fatal_printf("unexpected %s interruption, code %#lx, at psw %#lx on cpu %d\n", class,
		     code, regs->psw.addr, smp_processor_id());
	exit(EXIT_ABORT);
}

void expect_pgm_int_resume(void *resume)
{
	struct irq_state *s = this_cpu();

	s->pgm_code = 0;
	s->pgm_ilc = 0;
	s->pgm_trans_id = 0;
	s->pgm_resume = (struct psw){ psw_mask(), (u64)resume };
	s->pgm_old_psw = (struct psw){ 0, 0 };
	barrier();
	s->pgm_expected = true;
	barrier();
}

void expect_pgm_int(void)
{
	expect_pgm_int_resume(NULL);
}

u16 pgm_int_taken(void)
{
	struct irq_state *s = this_cpu();
	u16 code;

	barrier();
	s->pgm_expected = false;
	code = s->pgm_code;
	s->pgm_code = 0;
	return code;
}

bool check_pgm_int_code(u16 code)
{
	u16 taken = pgm_int_taken();

	return report(taken == code, "program interruption code %#x (got %#x)", code, taken);
}

bool check_pgm_int(u16 code, int ilc, const char *what, ...)
{
	int taken_ilc = this_cpu()->pgm_ilc;
	u16 taken = pgm_int_taken();
	char buf[128];
	va_list ap;

	va_start(ap, what);
	vsnprintf(buf, sizeof(buf), what, ap);
	va_end(ap);
	return report(taken == code && taken_ilc == ilc,
		      "%s: program interruption %#x, ILC %d (got %#x, ILC %d)", buf, code, ilc,
		      taken, taken ? taken_ilc : -1);
}

const struct psw *pgm_int_old_psw(void)
{
	return &this_cpu()->pgm_old_psw;
}

int pgm_int_ilc(void)
{
	return this_cpu()->pgm_ilc;
}

u64 pgm_int_trans_id(void)
{
	return this_cpu()->pgm_trans_id;
}

/*
 * Nullifying conditions leave the old PSW at the failing instruction (PoP ch. 6
 * "Program-Interruption Conditions"): step over it so the test goes on.
 */
static bool pgm_code_nullifies(u16 code)
{
	switch (code & ~PGM_INT_CODE_PER) {
	case PGM_INT_CODE_SEGMENT_TRANSLATION:
	case PGM_INT_CODE_PAGE_TRANSLATION:
	case PGM_INT_CODE_ASCE_TYPE:
	case PGM_INT_CODE_REGION_FIRST_TRANS:
	case PGM_INT_CODE_REGION_SECOND_TRANS:
	case PGM_INT_CODE_REGION_THIRD_TRANS:
		return true;
	}
	return false;
}

void __weak handle_pgm_int(struct int_regs *regs, u16 code)
{
	struct irq_state *s = this_cpu();
	u8 ilc = LC_FIELD(u8, LC_PGM_ILC) & 0x6;

	if (!s->pgm_expected || s->pgm_code) {
		const char *where = s->depth > 1 ? "program (inside a handler)" : "program";

		unexpected_int(where, regs, code);
	}
	s->pgm_code = code;
	s->pgm_ilc = ilc;
	s->pgm_trans_id = LC_FIELD(u64, LC_TRANS_EXC);
	s->pgm_old_psw = regs->psw;
	if (s->pgm_resume.addr)
		regs->psw = s->pgm_resume;
	else if (pgm_code_nullifies(code))
		regs->psw.addr += ilc;
}

void __weak handle_ext_int(struct int_regs *regs, u16 code, u32 param)
{
	unexpected_int("external", regs, code);
}

void __weak handle_io_int(struct int_regs *regs, const struct io_int_info *info)
{
	struct irq_state *s = this_cpu();

	if (!s->io_wanted)
		unexpected_int("I/O", regs, info->schid);
	s->io_last = *info;
	s->io_count++;
}

void __weak handle_svc_int(struct int_regs *regs, u16 code)
{
	unexpected_int("supervisor-call", regs, code);
}

void __weak handle_mcck_int(struct int_regs *regs, u64 mcic)
{
	unexpected_int("machine-check", regs, mcic);
}

void __weak handle_restart_int(struct int_regs *regs)
{
	unexpected_int("restart", regs, 0);
}

void do_pgm_int(struct int_regs *regs)
{
	u16 code = LC_FIELD(u16, LC_PGM_CODE);

	this_cpu()->depth++;
	handle_pgm_int(regs, code);
	this_cpu()->depth--;
}

/* Library-owned external interruptions; the rest go to the hook. */
static bool lib_ext_int(u16 code, u32 param)
{
	struct irq_state *s = this_cpu();

	switch (code) {
	case EXT_CODE_SERVICE_SIGNAL:
		s->service_signals++;
		sclp_handle_service_signal(param);
		return true;
	case EXT_CODE_EMERGENCY_SIGNAL:
	case EXT_CODE_EXTERNAL_CALL:
		return true;	/* a wake-up: the waiter re-checks its condition */
	case EXT_CODE_CLOCK_COMPARATOR:
		if (!s->timeout_armed)
			return false;
		s->timeout_hit = true;
		sckc(~0UL);
		return true;
	}
	return false;
}

void do_ext_int(struct int_regs *regs)
{
	u16 code = LC_FIELD(u16, LC_EXT_CODE);
	u32 param = LC_FIELD(u32, LC_EXT_PARAM);

	this_cpu()->depth++;
	if (!lib_ext_int(code, param))
		handle_ext_int(regs, code, param);
	this_cpu()->depth--;
}

void do_io_int(struct int_regs *regs)
{
	struct io_int_info info = {
		.schid = LC_FIELD(u32, LC_SUBSYS_ID),
		.intparm = LC_FIELD(u32, LC_IO_PARAM),
		.iiw = LC_FIELD(u32, LC_IO_ID),
	};

	this_cpu()->depth++;
	handle_io_int(regs, &info);
	this_cpu()->depth--;
}

void do_svc_int(struct int_regs *regs)
{
	u16 code = LC_FIELD(u16, LC_SVC_CODE);

	this_cpu()->depth++;
	if (code == SVC_LEAVE_PSTATE && (regs->psw.mask & PSW_MASK_PSTATE))
		regs->psw.mask &= ~PSW_MASK_PSTATE;
	else
		handle_svc_int(regs, code);
	this_cpu()->depth--;
}

void do_mcck_int(struct int_regs *regs)
{
	u64 mcic = LC_FIELD(u64, LC_MCCK_CODE);

	this_cpu()->depth++;
	handle_mcck_int(regs, mcic);
	this_cpu()->depth--;
}

void do_restart_int(struct int_regs *regs)
{
	this_cpu()->depth++;
	handle_restart_int(regs);
	this_cpu()->depth--;
}

unsigned int service_signal_count(int cpu)
{
	return READ_ONCE(irq_states[cpu].service_signals);
}

void io_int_want(bool want)
{
	this_cpu()->io_wanted = want;
}

unsigned int io_int_count(void)
{
	return READ_ONCE(this_cpu()->io_count);
}

struct io_int_info io_int_last(void)
{
	return this_cpu()->io_last;
}

void wait_for_interrupt(u64 irq_mask)
{
	u64 saved = psw_mask();
	struct psw wait = { .mask = saved | irq_mask | PSW_MASK_WAIT };

	asm volatile("	larl	%%r1,0f\n"
		     "	stg	%%r1,8(%[psw])\n"
		     "	lpswe	0(%[psw])\n"
		     "0:\n"
		     : : [psw] "a"(&wait) : "r1", "memory", "cc");
	psw_mask_load(saved);
}

void timeout_arm(u64 usecs)
{
	struct irq_state *s = this_cpu();

	s->timeout_hit = false;
	s->timeout_armed = true;
	sckc(stckf() + usecs * TOD_PER_USEC);
	ctl_set_bits(0, CR0_CLOCK_COMPARATOR);
}

bool timeout_expired(void)
{
	return READ_ONCE(this_cpu()->timeout_hit);
}

void timeout_disarm(void)
{
	struct irq_state *s = this_cpu();

	ctl_clear_bits(0, CR0_CLOCK_COMPARATOR);
	sckc(~0UL);
	s->timeout_armed = false;
}
