/*
 * Program-status word and control-register bits, by name (PoP SA22-7832, ch. 4
 * "Program-Status Word" and "Control Registers"). Bit numbers in comments are the
 * PoP's: bit 0 is the most significant bit of the 64-bit mask or register.
 */
#ifndef S390X_PSW_H
#define S390X_PSW_H

#define PSW_BIT(n) (1UL << (63 - (n)))

#define PSW_MASK_PER		PSW_BIT(1)
#define PSW_MASK_DAT		PSW_BIT(5)
#define PSW_MASK_IO		PSW_BIT(6)
#define PSW_MASK_EXT		PSW_BIT(7)
#define PSW_MASK_KEY		(0xfUL << (63 - 11))
#define PSW_MASK_MCHECK		PSW_BIT(13)
#define PSW_MASK_WAIT		PSW_BIT(14)
#define PSW_MASK_PSTATE		PSW_BIT(15)
#define PSW_MASK_ASC		(3UL << (63 - 17))
#define PSW_MASK_CC		(3UL << (63 - 19))
#define PSW_MASK_PM		(0xfUL << (63 - 23))
#define PSW_MASK_EA		PSW_BIT(31)
#define PSW_MASK_BA		PSW_BIT(32)

/* 64-bit addressing mode needs both EA and BA. */
#define PSW_MASK_64		(PSW_MASK_EA | PSW_MASK_BA)
/* The interruptions a PSW can enable; program, SVC and restart cannot be masked. */
#define PSW_MASK_ALL_IRQS	(PSW_MASK_IO | PSW_MASK_EXT | PSW_MASK_MCHECK)

/* Control register 0: external-interruption subclass masks and AFP. */
#define CR_BIT(n)			(1UL << (63 - (n)))
#define CR0_AFP_REGISTERS		CR_BIT(45)
#define CR0_EMERGENCY_SIGNAL		CR_BIT(49)
#define CR0_EXTERNAL_CALL		CR_BIT(50)
#define CR0_CLOCK_COMPARATOR		CR_BIT(52)
#define CR0_CPU_TIMER			CR_BIT(53)
#define CR0_SERVICE_SIGNAL		CR_BIT(54)

/* Control register 6: I/O-interruption subclass masks, one per ISC 0..7 (bits 32-39). */
#define CR6_ISC(isc)			CR_BIT(32 + (isc))
#define CR6_ALL_ISCS			(0xffUL << (63 - 39))

/* Byte 1 of the PSW holds the wait bit (bit 14): what return paths clear. */
#define PSW_BYTE1_WAIT			0x02

#ifndef __ASSEMBLY__
#include <libcflat.h>

struct psw {
	u64 mask;
	u64 addr;
} __aligned(8);

/* The current PSW mask (EXTRACT PSW: bits 0-31 into R1, 32-63 into R2). */
static inline u64 psw_mask(void)
{
	u64 hi, lo;

	asm volatile("epsw %0,%1" : "=d"(hi), "=d"(lo));
	return (hi & 0xffffffffUL) << 32 | (lo & 0xffffffffUL);
}

/* Load @mask as the current PSW mask, continuing at the next instruction. */
static inline void psw_mask_load(u64 mask)
{
	struct psw psw = { .mask = mask };

	asm volatile("	larl	%%r1,0f\n"
		     "	stg	%%r1,8(%[psw])\n"
		     "	lpswe	0(%[psw])\n"
		     "0:\n"
		     : : [psw] "a"(&psw) : "r1", "memory", "cc");
}

static inline u64 ctl_get(int cr)
{
	u64 val;

	switch (cr) {
#define CASE_CR(n) case n: asm volatile("stctg " #n "," #n ",%0" : "=Q"(val)); break
	CASE_CR(0); CASE_CR(1); CASE_CR(2); CASE_CR(3); CASE_CR(4); CASE_CR(5);
	CASE_CR(6); CASE_CR(7); CASE_CR(8); CASE_CR(9); CASE_CR(10); CASE_CR(11);
	CASE_CR(12); CASE_CR(13); CASE_CR(14); CASE_CR(15);
#undef CASE_CR
	default: val = 0;
	}
	return val;
}

static inline void ctl_set(int cr, u64 val)
{
	switch (cr) {
#define CASE_CR(n) case n: asm volatile("lctlg " #n "," #n ",%0" : : "Q"(val) : "memory"); break
	CASE_CR(0); CASE_CR(1); CASE_CR(2); CASE_CR(3); CASE_CR(4); CASE_CR(5);
	CASE_CR(6); CASE_CR(7); CASE_CR(8); CASE_CR(9); CASE_CR(10); CASE_CR(11);
	CASE_CR(12); CASE_CR(13); CASE_CR(14); CASE_CR(15);
#undef CASE_CR
	}
}

static inline void ctl_set_bits(int cr, u64 bits)
{
	ctl_set(cr, ctl_get(cr) | bits);
}

static inline void ctl_clear_bits(int cr, u64 bits)
{
	ctl_set(cr, ctl_get(cr) & ~bits);
}

/* Condition code of the last instruction, after an "ipm": shared by the wrappers. */
#define CC_FROM_IPM(ipm) ((int)((ipm) >> 28) & 3)

#endif /* __ASSEMBLY__ */
#endif
