/* Exceptions, per-CPU identity and EL0 execution on AArch64. */
#ifndef ARM64_PROCESSOR_H
#define ARM64_PROCESSOR_H

#include <libcflat.h>
#include <arm64/sysreg.h>

/* The frame the vector stubs save (lib/arm64/entry.S relies on this layout). */
struct pt_regs {
	u64 regs[31]; /* x0 .. x30 */
	u64 sp;       /* SP of the interrupted context (SP_EL0 when it was EL0) */
	u64 pc;       /* ELR_EL1: where eret resumes */
	u64 pstate;   /* SPSR_EL1 */
};

/*
 * The 16 entries of VBAR_EL1 (Arm ARM D1.10.2): {synchronous, IRQ, FIQ, SError}
 * taken from {current EL with SP_EL0, current EL with SP_ELx, lower EL AArch64,
 * lower EL AArch32}.
 */
enum vector {
	EL1T_SYNC, EL1T_IRQ, EL1T_FIQ, EL1T_ERROR,
	EL1H_SYNC, EL1H_IRQ, EL1H_FIQ, EL1H_ERROR,
	EL0_SYNC_64, EL0_IRQ_64, EL0_FIQ_64, EL0_ERROR_64,
	EL0_SYNC_32, EL0_IRQ_32, EL0_FIQ_32, EL0_ERROR_32,
	VECTOR_MAX,
};

/* ESR_ELx.EC (Arm ARM D17.2.37): the exception classes the tests use. */
#define ESR_EC_SHIFT 26
#define ESR_EC_MASK 0x3fUL
#define ESR_EC_UNKNOWN 0x00
#define ESR_EC_WFX 0x01
#define ESR_EC_FP_ASIMD 0x07
#define ESR_EC_ILL_STATE 0x0e
#define ESR_EC_SVC64 0x15
#define ESR_EC_HVC64 0x16
#define ESR_EC_SMC64 0x17
#define ESR_EC_SYS64 0x18
#define ESR_EC_IABT_EL0 0x20
#define ESR_EC_IABT_EL1 0x21
#define ESR_EC_PC_ALIGN 0x22
#define ESR_EC_DABT_EL0 0x24
#define ESR_EC_DABT_EL1 0x25
#define ESR_EC_SP_ALIGN 0x26
#define ESR_EC_SERROR 0x2f
#define ESR_EC_BRK64 0x3c
#define ESR_EC_MAX 0x40

#define ESR_ISS_MASK 0x1ffffffUL
/* Fault status code of an abort (ISS[5:0]), e.g. 0b0001LL translation fault at level LL. */
#define ESR_FSC(esr) ((esr) & 0x3f)
#define FSC_TRANSLATION_FAULT(fsc) (((fsc) & 0x3c) == 0x04)
#define FSC_PERMISSION_FAULT(fsc) (((fsc) & 0x3c) == 0x0c)

static inline unsigned int esr_ec(u64 esr)
{
	return (esr >> ESR_EC_SHIFT) & ESR_EC_MASK;
}

const char *esr_ec_name(unsigned int ec);
const char *vector_name(enum vector v);

/* SPSR/PSTATE */
#define PSR_MODE_MASK 0xfUL
#define PSR_MODE_EL0t 0x0UL
#define PSR_MODE_EL1h 0x5UL
#define PSR_F BIT(6)
#define PSR_I BIT(7)
#define PSR_A BIT(8)
#define PSR_D BIT(9)

/*
 * A synchronous exception of class @ec arriving at vector @v calls @fn; @fn may edit
 * @regs (e.g. regs->pc += 4 to skip the faulting instruction) and returns to resume.
 * @fn == NULL uninstalls. Handlers are global, not per CPU.
 * Exceptions with no handler print a dump and exit(EXIT_ABORT).
 */
typedef void (*exception_fn)(struct pt_regs *regs, u64 esr);
void install_exception_handler(enum vector v, unsigned int ec, exception_fn fn);

/*
 * IRQs (from EL1 or EL0) call @fn; the GIC library owns acknowledge/EOI/dispatch.
 * NULL uninstalls; an IRQ with no handler is unexpected (dump + exit(3)).
 */
typedef void (*irq_fn)(struct pt_regs *regs);
void install_irq_handler(irq_fn fn);
/* The same for FIQ. */
void install_fiq_handler(irq_fn fn);

/* Print the exception dump of @regs (what an unexpected exception prints). */
void show_regs(struct pt_regs *regs);

/*
 * Run @fn(@arg) at EL0 on the stack whose top is @sp_top (NULL: a fresh page mapped
 * for EL0) and return at EL1 with @fn's return value, when @fn returns or when an
 * exception handler calls usr_return_to_el1(). Code reachable at EL0 is the image's
 * text and rodata only (mapped EL0 read-only/executable): EL0 code may not write
 * globals or call printf; record results from the EL1 handlers instead.
 * IRQ masking of the caller is kept.
 */
long start_usr(long (*fn)(void *), void *arg, void *sp_top);
/* From a handler of an EL0 exception: end start_usr(), returning @ret. */
void usr_return_to_el1(struct pt_regs *regs, long ret);

/* Frame-pointer backtrace from a given frame (arch_backtrace starts at its caller). */
int backtrace_frame(unsigned long fp, unsigned long *pcs, int max);

/* Per-CPU identity: logical ids 0..nr_cpus-1 in device-tree order, cpu 0 the boot CPU. */
struct cpu_info {
	u64 mpidr;          /* affinity of this CPU (MPIDR_HWID_MASK bits), from /cpus/cpu@N reg */
	void *stack_top;    /* its EL1 stack */
	int boots;          /* how many times it came up (psci CPU_ON re-entries count) */
};
extern struct cpu_info cpus[MAX_CPUS];
int mpidr_to_cpu(u64 mpidr); /* -1 when unknown */

#endif
