/*
 * Interruption handling. Every class enters through lib/s390x/entry.S, which saves
 * the interrupted state in a struct int_regs on the current stack and calls a C
 * dispatcher; the dispatcher calls the handle_*_int hook, which a test may replace
 * (the library's versions are weak). Handlers may enable interruptions again, so
 * interruptions nest.
 */
#ifndef S390X_INTERRUPT_H
#define S390X_INTERRUPT_H

/* struct int_regs layout, shared with entry.S. */
#define REGS_GRS	0
#define REGS_ACRS	128
#define REGS_FPRS	192
#define REGS_FPC	320
#define REGS_CRS	328
#define REGS_PSW	456
#define REGS_SIZE	480
#define STACK_FRAME_SIZE 160	/* ELF ABI register save area + back chain */

/* Program-interruption codes (PoP ch. 6 "Program-Interruption Conditions"). */
#define PGM_INT_CODE_OPERATION		0x01
#define PGM_INT_CODE_PRIVILEGED_OPERATION 0x02
#define PGM_INT_CODE_EXECUTE		0x03
#define PGM_INT_CODE_PROTECTION		0x04
#define PGM_INT_CODE_ADDRESSING		0x05
#define PGM_INT_CODE_SPECIFICATION	0x06
#define PGM_INT_CODE_DATA		0x07
#define PGM_INT_CODE_FIXED_POINT_OVERFLOW 0x08
#define PGM_INT_CODE_FIXED_POINT_DIVIDE	0x09
#define PGM_INT_CODE_TRANSLATION_SPEC	0x12
#define PGM_INT_CODE_SPECIAL_OPERATION	0x13
#define PGM_INT_CODE_OPERAND		0x15
#define PGM_INT_CODE_VECTOR_PROCESSING	0x1b
#define PGM_INT_CODE_SEGMENT_TRANSLATION 0x10
#define PGM_INT_CODE_PAGE_TRANSLATION	0x11
#define PGM_INT_CODE_ASCE_TYPE		0x38
#define PGM_INT_CODE_REGION_FIRST_TRANS	0x39
#define PGM_INT_CODE_REGION_SECOND_TRANS 0x3a
#define PGM_INT_CODE_REGION_THIRD_TRANS	0x3b
#define PGM_INT_CODE_PER		0x80	/* flag: a PER event came with the code */

/* External-interruption codes (PoP ch. 6 "External Interruption"). */
#define EXT_CODE_EMERGENCY_SIGNAL	0x1201
#define EXT_CODE_EXTERNAL_CALL		0x1202
#define EXT_CODE_CLOCK_COMPARATOR	0x1004
#define EXT_CODE_CPU_TIMER		0x1005
#define EXT_CODE_SERVICE_SIGNAL		0x2401

#ifndef __ASSEMBLY__
#include <libcflat.h>
#include <s390x/psw.h>

struct int_regs {
	u64 grs[16];
	u32 acrs[16];
	u64 fprs[16];
	u32 fpc;
	u32 pad;
	u64 crs[16];	/* saved for the dump only: handlers may change control state */
	struct psw psw;	/* the old PSW: where the interrupted code resumes */
	u8 pad2[REGS_SIZE - REGS_PSW - 16];
};
_Static_assert(sizeof(struct int_regs) == REGS_SIZE, "entry.S layout");

struct io_int_info {
	u32 schid;	/* subsystem-identification word */
	u32 intparm;
	u32 iiw;	/* interruption-identification word: ISC in bits 2-4 */
};

/* Hooks (weak in the library; a test can define its own). */
void handle_pgm_int(struct int_regs *regs, u16 code);
void handle_ext_int(struct int_regs *regs, u16 code, u32 param);
void handle_io_int(struct int_regs *regs, const struct io_int_info *info);
void handle_svc_int(struct int_regs *regs, u16 code);
void handle_mcck_int(struct int_regs *regs, u64 mcic);
void handle_restart_int(struct int_regs *regs);

/* Report an interruption nobody expected (old PSW, code, registers, backtrace); exit 3. */
void unexpected_int(const char *class, struct int_regs *regs, u64 code) __noreturn;

/*
 * Program interruptions a test provokes on purpose:
 *	expect_pgm_int();
 *	<instruction>;
 *	check_pgm_int_code(PGM_INT_CODE_SPECIFICATION);
 * The handler resumes after the instruction (for nullifying conditions it steps over it).
 */
void expect_pgm_int(void);
/*
 * Like expect_pgm_int(), but the interrupted code resumes at @resume with the PSW mask
 * of this call: for conditions whose old PSW cannot be continued (an odd address, an
 * invalid PSW).
 */
void expect_pgm_int_resume(void *resume);
u16 pgm_int_taken(void);		/* code of the expected interruption, 0 if none; disarms */
bool check_pgm_int_code(u16 code);	/* report(taken == code) */
/*
 * report() that exactly one program interruption with @code came since expect_pgm_int()
 * for the operation @what describes, with instruction length @ilc bytes (2, 4, 6; 0 for
 * an interruption with ILC 0). Disarms.
 * A second interruption while armed is an unexpected one (the test aborts).
 */
bool check_pgm_int(u16 code, int ilc, const char *what, ...) __printf(3, 4);
const struct psw *pgm_int_old_psw(void);	/* the old PSW of the last expected one */
int pgm_int_ilc(void);			/* its instruction length in bytes */
/*
 * Its translation-exception identification (real lowcore 0xa8): bits 0-51 are the page
 * of the failing address, bits 62-63 the address space (PoP ch. 6 "Exception Access").
 */
u64 pgm_int_trans_id(void);
#define TEID_ADDR_MASK	(~0xfffUL)
#define TEID_ASCE_MASK	3UL

/* Problem state: leave_pstate() is SVC SVC_LEAVE_PSTATE, which the library handles. */
#define SVC_LEAVE_PSTATE 255
static inline void enter_pstate(void)
{
	psw_mask_load(psw_mask() | PSW_MASK_PSTATE);
}

static inline void leave_pstate(void)
{
	asm volatile("svc %[code]" : : [code] "i"(SVC_LEAVE_PSTATE) : "memory");
}

/* Run the statement in the problem state; report its privileged-operation exception. */
#define check_privileged(ilc, what, ...)					\
	do {									\
		expect_pgm_int();						\
		enter_pstate();							\
		__VA_ARGS__;							\
		leave_pstate();							\
		check_pgm_int(PGM_INT_CODE_PRIVILEGED_OPERATION, ilc, what);	\
	} while (0)

/* I/O interruptions a test waits for: the default handler records them while wanted. */
void io_int_want(bool want);
unsigned int io_int_count(void);
struct io_int_info io_int_last(void);

/* Service signals (floating SCLP interruptions) @cpu took since it (re)started. */
unsigned int service_signal_count(int cpu);

/* Wait (enabled wait state) for one interruption of the classes in @irq_mask. */
void wait_for_interrupt(u64 irq_mask);

/* A one-shot timeout on this CPU through the clock comparator (ext 0x1004). */
void timeout_arm(u64 usecs);
bool timeout_expired(void);
void timeout_disarm(void);

/* Interruption nesting depth of this CPU (0: not in a handler). */
int irq_depth(void);

void interrupts_init(void);		/* new PSWs in this CPU's prefix area */
void interrupts_init_cpu(int cpu);	/* per-CPU state of a (re)starting CPU */

#endif
#endif
