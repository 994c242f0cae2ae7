/*
 * Descriptor tables and exceptions: the shared GDT, per-CPU TSS, the IDT, handler
 * registration, and catching an expected exception at a known instruction.
 */
#ifndef X86_DESC_H
#define X86_DESC_H

#define KERNEL_CS 0x08 /* 64-bit on x86_64, 32-bit flat on i386 */
#define KERNEL_DS 0x10
#define KERNEL_CS32 0x18
#define KERNEL_CS16 0x20
#define KERNEL_DS16 0x28
#define USER_CS32 0x30
#define USER_DS 0x38
#define USER_CS64 0x40
#define FIRST_TSS_SEL 0x48
#ifdef __x86_64__
#define TSS_DESC_SIZE 16 /* a system descriptor is 16 bytes in long mode (SDM 7.2.3) */
#else
#define TSS_DESC_SIZE 8
#endif
#define TSS_SEL(cpu) (FIRST_TSS_SEL + (cpu) * TSS_DESC_SIZE)

#define DE_VECTOR 0
#define DB_VECTOR 1
#define NMI_VECTOR 2
#define BP_VECTOR 3
#define OF_VECTOR 4
#define BR_VECTOR 5
#define UD_VECTOR 6
#define NM_VECTOR 7
#define DF_VECTOR 8
#define TS_VECTOR 10
#define NP_VECTOR 11
#define SS_VECTOR 12
#define GP_VECTOR 13
#define PF_VECTOR 14
#define MF_VECTOR 16
#define AC_VECTOR 17
#define MC_VECTOR 18
#define XM_VECTOR 19
#define VE_VECTOR 20
#define CP_VECTOR 21

/* No exception was caught (vector numbers start at 0, #DE). */
#define EXC_NONE (-1)

/* #PF error code bits (SDM 4.7). */
#define PFERR_PRESENT (1U << 0)
#define PFERR_WRITE (1U << 1)
#define PFERR_USER (1U << 2)
#define PFERR_RSVD (1U << 3)
#define PFERR_FETCH (1U << 4)

#ifndef __ASSEMBLY__
#include <libcflat.h>

/* What the exception entry saved: general registers, then the CPU's frame. */
struct ex_regs {
	unsigned long ax, bx, cx, dx, si, di, bp;
#ifdef __x86_64__
	unsigned long r8, r9, r10, r11, r12, r13, r14, r15;
#endif
	unsigned long vector, error_code;
	unsigned long ip, cs, flags;
#ifdef __x86_64__
	unsigned long sp, ss; /* always pushed in 64-bit mode */
#endif
};

/* The stack pointer at the time of the exception. */
static inline unsigned long ex_regs_sp(struct ex_regs *regs)
{
#ifdef __x86_64__
	return regs->sp;
#else
	/* Same-privilege interrupt in protected mode pushes no ESP/SS (SDM 6.12.1). */
	return (unsigned long)(&regs->flags + 1);
#endif
}

typedef void (*ex_handler_t)(struct ex_regs *regs);

/* Install @fn for @vector (0-255); NULL restores the default. Returns the old one. */
ex_handler_t handle_exception(int vector, ex_handler_t fn);
/* Same, for interrupt vectors 32-255; the handler sends its own EOI. */
ex_handler_t handle_irq(int vector, ex_handler_t fn);
const char *exception_name(int vector);
void dump_ex_regs(struct ex_regs *regs);

/*
 * Expected exceptions. An asm statement marks an instruction with EXC_FIXUP(at, resume):
 * if an exception is reported with the instruction pointer at label @at, the handler
 * records it (exc_vector() etc.) and resumes at label @resume instead of aborting.
 * Faults report the faulting instruction, traps (#BP, #OF, #DB) the next one: mark that.
 * Call exc_clear() just before the instruction.
 */
#ifdef __x86_64__
#define EXC_ASM_PTR ".quad"
#else
#define EXC_ASM_PTR ".long"
#endif
#define EXC_FIXUP(at, resume) \
	".pushsection .ex_fixup, \"a\"\n\t.balign 8\n\t" EXC_ASM_PTR " " at ", " resume "\n\t.popsection\n\t"

struct caught_exception {
	int vector; /* EXC_NONE if nothing was caught since exc_clear() */
	u32 error_code;
	unsigned long cr2;
	unsigned long ip;
};

/* Per-CPU state. smp_processor_id() is derived from TR, so no FS/GS base is used. */
struct x86_cpu {
	int id;
	u32 apic_id; /* for the SMP/APIC code */
	struct caught_exception caught;
};
extern struct x86_cpu x86_cpus[MAX_CPUS];
extern unsigned long x86_ram_top; /* end of RAM below 4 GiB, identity mapped */

static inline struct x86_cpu *this_cpu(void)
{
	u16 tr;

	asm volatile("str %0" : "=r"(tr));
	if (tr < FIRST_TSS_SEL) /* early boot, before x86_setup_cpu() loaded TR */
		return &x86_cpus[0];
	return &x86_cpus[(tr - FIRST_TSS_SEL) / TSS_DESC_SIZE];
}

static inline void exc_clear(void)
{
	WRITE_ONCE(this_cpu()->caught.vector, EXC_NONE);
}

static inline int exc_vector(void)
{
	barrier();
	return READ_ONCE(this_cpu()->caught.vector);
}

static inline u32 exc_error_code(void)
{
	return this_cpu()->caught.error_code;
}

static inline unsigned long exc_cr2(void)
{
	return this_cpu()->caught.cr2;
}

/* RDMSR/WRMSR that return the vector they raised, or EXC_NONE. */
static inline int rdmsr_safe(u32 index, u64 *val)
{
	u32 lo = 0, hi = 0;

	exc_clear();
	asm volatile("1: rdmsr\n2:\n\t" EXC_FIXUP("1b", "2b")
		     : "+a"(lo), "+d"(hi) : "c"(index) : "memory");
	*val = lo | ((u64)hi << 32);
	return exc_vector();
}

static inline int wrmsr_safe(u32 index, u64 val)
{
	exc_clear();
	asm volatile("1: wrmsr\n2:\n\t" EXC_FIXUP("1b", "2b")
		     : : "a"((u32)val), "d"((u32)(val >> 32)), "c"(index) : "memory");
	return exc_vector();
}

/* Loads/stores that return the vector they raised, or EXC_NONE. */
static inline int read_ulong_safe(const volatile void *p, unsigned long *val)
{
	unsigned long v = 0;

	exc_clear();
	asm volatile("1: mov (%1), %0\n2:\n\t" EXC_FIXUP("1b", "2b") : "+r"(v) : "r"(p) : "memory");
	*val = v;
	return exc_vector();
}

static inline int write_ulong_safe(volatile void *p, unsigned long val)
{
	exc_clear();
	asm volatile("1: mov %0, (%1)\n2:\n\t" EXC_FIXUP("1b", "2b") : : "r"(val), "r"(p) : "memory");
	return exc_vector();
}

/* The 32-bit TSS (SDM vol. 3 figure 7-2): i386's per-CPU TSS and hardware task switches. */
struct tss32 {
	u16 link, r0;
	u32 esp0;
	u16 ss0, r1;
	u32 esp1;
	u16 ss1, r2;
	u32 esp2;
	u16 ss2, r3;
	u32 cr3, eip, eflags, eax, ecx, edx, ebx, esp, ebp, esi, edi;
	u16 es, r4, cs, r5, ss, r6, ds, r7, fs, r8, gs, r9, ldt, r10;
	u16 trap, iomap_base;
} __packed;

/* Descriptor tables, for the AP trampoline (docs/x86.md, "Descriptor tables"). */
struct descriptor_ptr {
	u16 limit;
	unsigned long base;
} __packed;
extern u64 gdt[];
extern struct descriptor_ptr gdt_descr, idt_descr;

/* Whether @p is on this CPU's IST stack (x86_64: NMI, #DF and #MC arrive there). */
bool on_ist_stack(const void *p);

/* Load the GDT, this CPU's TSS (with its IST stack) and the IDT on the calling CPU. */
void x86_setup_cpu(int cpu);

#endif /* __ASSEMBLY__ */
#endif
