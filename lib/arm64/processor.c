/* Exception dispatch, the dump of an unexpected exception, backtraces and EL0 entry. */
#include <libcflat.h>
#include <arm64/processor.h>
#include <arm64/sysreg.h>
#include <arm64/mmu.h>

#define USR_EXIT_SVC_IMM 0xfff0
#define MAX_NESTING 3

static exception_fn sync_handlers[2][ESR_EC_MAX]; /* [0]: from EL1, [1]: from EL0 */
static irq_fn irq_handler, fiq_handler;
static int nesting[MAX_CPUS];
static u64 usr_caller_daif[MAX_CPUS];

extern char usr_resume[], usr_exit_trampoline[], _start[], _end[];
long __start_usr(long (*fn)(void *), void *arg, void *sp, u64 spsr);

static const char *const vector_names[VECTOR_MAX] = {
	"el1t_sync", "el1t_irq", "el1t_fiq", "el1t_error",
	"el1h_sync", "el1h_irq", "el1h_fiq", "el1h_error",
	"el0_sync_64", "el0_irq_64", "el0_fiq_64", "el0_error_64",
	"el0_sync_32", "el0_irq_32", "el0_fiq_32", "el0_error_32",
};

const char *vector_name(enum vector v)
{
	return v < VECTOR_MAX ? vector_names[v] : "?";
}

const char *esr_ec_name(unsigned int ec)
{
	switch (ec) {
	case ESR_EC_UNKNOWN: return "UNKNOWN (undefined instruction)";
	case ESR_EC_WFX: return "WFI/WFE";
	case ESR_EC_FP_ASIMD: return "FP/ASIMD access";
	case ESR_EC_ILL_STATE: return "ILLEGAL_STATE";
	case ESR_EC_SVC64: return "SVC64";
	case ESR_EC_HVC64: return "HVC64";
	case ESR_EC_SMC64: return "SMC64";
	case ESR_EC_SYS64: return "SYS64 (MSR/MRS/system instruction)";
	case ESR_EC_IABT_EL0: return "IABT_LOW (instruction abort from EL0)";
	case ESR_EC_IABT_EL1: return "IABT_CUR (instruction abort)";
	case ESR_EC_PC_ALIGN: return "PC_ALIGN";
	case ESR_EC_DABT_EL0: return "DABT_LOW (data abort from EL0)";
	case ESR_EC_DABT_EL1: return "DABT_CUR (data abort)";
	case ESR_EC_SP_ALIGN: return "SP_ALIGN";
	case ESR_EC_SERROR: return "SERROR";
	case ESR_EC_BRK64: return "BRK64";
	default: return "other";
	}
}

static int sync_table(enum vector v)
{
	assert_msg(v == EL1H_SYNC || v == EL0_SYNC_64, "no handlers for vector %s", vector_name(v));
	return v == EL0_SYNC_64;
}

void install_exception_handler(enum vector v, unsigned int ec, exception_fn fn)
{
	assert(ec < ESR_EC_MAX);
	WRITE_ONCE(sync_handlers[sync_table(v)][ec], fn);
}

void install_irq_handler(irq_fn fn)
{
	WRITE_ONCE(irq_handler, fn);
}

void install_fiq_handler(irq_fn fn)
{
	WRITE_ONCE(fiq_handler, fn);
}

int backtrace_frame(unsigned long fp, unsigned long *pcs, int max)
{
	int n = 0;

	/* AAPCS64 frame records: {previous fp, lr}, 16-byte aligned, inside the RAM we use. */
	while (n < max && fp && IS_ALIGNED(fp, 16) && fp >= (unsigned long)_start) {
		unsigned long *frame = (unsigned long *)fp;

		if (!frame[1])
			break;
		pcs[n++] = frame[1];
		if (frame[0] <= fp)
			break;
		fp = frame[0];
	}
	return n;
}

int arch_backtrace(unsigned long *pcs, int max)
{
	return backtrace_frame((unsigned long)__builtin_frame_address(0), pcs, max);
}

void show_regs(struct pt_regs *regs)
{
	int i;

	for (i = 0; i < 31; i += 2) {
		if (i == 30)
			printf("x30: %016lx   sp: %016lx\n", regs->regs[30], regs->sp);
		else
			printf("x%-2d: %016lx  x%-2d: %016lx\n", i, regs->regs[i], i + 1, regs->regs[i + 1]);
	}
}

static void print_backtrace_from(struct pt_regs *regs)
{
	unsigned long pcs[24];
	int i, n = backtrace_frame(regs->regs[29], pcs, ARRAY_SIZE(pcs));

	printf("backtrace: %#lx", (unsigned long)regs->pc);
	for (i = 0; i < n; i++)
		printf(" %#lx", pcs[i]);
	printf("\n");
}

static void __noreturn unexpected(struct pt_regs *regs, enum vector v)
{
	u64 esr = read_sysreg(esr_el1), far = read_sysreg(far_el1);
	bool has_ec = v % 4 == 0 || v % 4 == 3; /* ESR is meaningful for sync and SError */
	unsigned int ec = esr_ec(esr);

	printf("\nUnexpected exception on cpu %d: vector %s", smp_processor_id(), vector_name(v));
	if (has_ec)
		printf(", EC %#x %s", ec, esr_ec_name(ec));
	printf("\nESR: %016lx  FAR: %016lx\nELR: %016lx  SPSR: %016lx\n", esr, far, regs->pc, regs->pstate);
	show_regs(regs);
	/* one line that says it all: the runner quotes the last line before EXIT */
	printf("unexpected %s%s%s at pc %#lx, far %#lx on cpu %d\n", vector_name(v),
	       has_ec ? " " : "", has_ec ? esr_ec_name(ec) : "", regs->pc, far, smp_processor_id());
	print_backtrace_from(regs);
	exit(EXIT_ABORT);
}

/* An exception inside the exception dump would recurse forever: stop with the raw console. */
static void check_nesting(int cpu)
{
	if (++nesting[cpu] < MAX_NESTING)
		return;
	arch_puts("\nrecursive exceptions, giving up\nEXIT: STATUS=3\n");
	arch_exit(EXIT_ABORT);
}

static bool is_usr_exit(struct pt_regs *regs, u64 esr)
{
	return esr_ec(esr) == ESR_EC_SVC64 && (esr & 0xffff) == USR_EXIT_SVC_IMM &&
	       regs->pc == (u64)usr_exit_trampoline + 4;
}

static void do_sync(struct pt_regs *regs, enum vector v)
{
	u64 esr = read_sysreg(esr_el1);
	exception_fn fn;

	if (v != EL1H_SYNC && v != EL0_SYNC_64)
		unexpected(regs, v);
	if (v == EL0_SYNC_64 && is_usr_exit(regs, esr)) {
		usr_return_to_el1(regs, regs->regs[0]);
		return;
	}
	fn = READ_ONCE(sync_handlers[sync_table(v)][esr_ec(esr)]);
	if (!fn)
		unexpected(regs, v);
	fn(regs, esr);
}

static void do_interrupt(struct pt_regs *regs, enum vector v, irq_fn fn)
{
	if (!fn)
		unexpected(regs, v);
	fn(regs);
}

void do_exception(struct pt_regs *regs, enum vector v)
{
	int cpu = smp_processor_id();

	check_nesting(cpu);
	switch (v) {
	case EL1H_SYNC:
	case EL0_SYNC_64:
		do_sync(regs, v);
		break;
	case EL1H_IRQ:
	case EL0_IRQ_64:
		do_interrupt(regs, v, READ_ONCE(irq_handler));
		break;
	case EL1H_FIQ:
	case EL0_FIQ_64:
		do_interrupt(regs, v, READ_ONCE(fiq_handler));
		break;
	default:
		unexpected(regs, v);
	}
	nesting[cpu]--;
}

void usr_return_to_el1(struct pt_regs *regs, long ret)
{
	assert_msg((regs->pstate & PSR_MODE_MASK) == PSR_MODE_EL0t, "not an exception from EL0");
	regs->regs[0] = ret;
	regs->pc = (u64)usr_resume;
	regs->pstate = PSR_MODE_EL1h | usr_caller_daif[smp_processor_id()];
}

long start_usr(long (*fn)(void *), void *arg, void *sp_top)
{
	u64 daif = read_sysreg(daif);
	void *page = NULL;
	long ret;

	if (!sp_top) {
		page = alloc_page();
		assert(page);
		mmu_set_page(page, PAGE_USER_RW);
		sp_top = (char *)page + PAGE_SIZE;
	}
	usr_caller_daif[smp_processor_id()] = daif;
	ret = __start_usr(fn, arg, sp_top, PSR_MODE_EL0t | daif);
	if (page) {
		mmu_set_page(page, PAGE_NORMAL_RW);
		free_page(page);
	}
	return ret;
}
