/* System registers, barriers and interrupt masking on AArch64. */
#ifndef ARM64_SYSREG_H
#define ARM64_SYSREG_H

#include <libcflat.h>

#define __stringify_1(x) #x
#define __stringify(x) __stringify_1(x)

#define read_sysreg(r) ({ u64 __v; asm volatile("mrs %0, " #r : "=r"(__v)); __v; })
#define write_sysreg(v, r) asm volatile("msr " #r ", %x0" : : "rZ"((u64)(v)))
/*
 * The same for a register given as a macro that expands to its S3_<op1>_C<n>_C<m>_<op2>
 * encoding (registers older assemblers do not know by name): read_sysreg_s(SYS_PMMIR_EL1).
 */
#define read_sysreg_s(r) ({ u64 __v; asm volatile("mrs %0, " __stringify(r) : "=r"(__v)); __v; })
#define write_sysreg_s(v, r) asm volatile("msr " __stringify(r) ", %x0" : : "rZ"((u64)(v)))

#define isb() asm volatile("isb" ::: "memory")
#define dsb(opt) asm volatile("dsb " #opt ::: "memory")
#define dmb(opt) asm volatile("dmb " #opt ::: "memory")
#define sev() asm volatile("sev" ::: "memory")
#define wfe() asm volatile("wfe" ::: "memory")
#define wfi() asm volatile("wfi" ::: "memory")

/* Ordering of normal memory accesses between CPUs. */
#define smp_rmb() dmb(ishld)
#define smp_wmb() dmb(ishst)

static inline void local_irq_enable(void)
{
	asm volatile("msr daifclr, #2" ::: "memory");
}

static inline void local_irq_disable(void)
{
	asm volatile("msr daifset, #2" ::: "memory");
}

static inline bool irqs_enabled(void)
{
	return !(read_sysreg(daif) & BIT(7));
}

static inline unsigned int current_el(void)
{
	return (read_sysreg(CurrentEL) >> 2) & 3;
}

static inline u64 get_mpidr(void)
{
	return read_sysreg(mpidr_el1);
}

/* The affinity fields of MPIDR_EL1 (Aff3 at [39:32], Aff2..Aff0 at [23:0]). */
#define MPIDR_HWID_MASK 0xff00ffffffUL

#endif
