/*
 * MMIO accessors. Device memory is mapped Device-nGnRE (see mmu.h), so accesses to
 * one device arrive in program order; the barriers here order MMIO against normal
 * memory: writeX() makes earlier normal-memory stores visible before the device
 * sees the write (a DMA descriptor, a value another CPU reads after an IPI), and
 * readX() completes the device read before later normal-memory loads.
 * The __raw_ variants have no barriers.
 */
#ifndef ARM64_IO_H
#define ARM64_IO_H

#include <libcflat.h>
#include <arm64/sysreg.h>

#define __rmb() dsb(ld)
#define __wmb() dsb(st)
#define mb() dsb(sy)
#define rmb() dsb(ld)
#define wmb() dsb(st)

static inline void __raw_writeb(u8 v, volatile void *a)
{
	asm volatile("strb %w0, [%1]" : : "rZ"(v), "r"(a) : "memory");
}

static inline void __raw_writew(u16 v, volatile void *a)
{
	asm volatile("strh %w0, [%1]" : : "rZ"(v), "r"(a) : "memory");
}

static inline void __raw_writel(u32 v, volatile void *a)
{
	asm volatile("str %w0, [%1]" : : "rZ"(v), "r"(a) : "memory");
}

static inline void __raw_writeq(u64 v, volatile void *a)
{
	asm volatile("str %x0, [%1]" : : "rZ"(v), "r"(a) : "memory");
}

static inline u8 __raw_readb(const volatile void *a)
{
	u8 v;

	asm volatile("ldrb %w0, [%1]" : "=r"(v) : "r"(a) : "memory");
	return v;
}

static inline u16 __raw_readw(const volatile void *a)
{
	u16 v;

	asm volatile("ldrh %w0, [%1]" : "=r"(v) : "r"(a) : "memory");
	return v;
}

static inline u32 __raw_readl(const volatile void *a)
{
	u32 v;

	asm volatile("ldr %w0, [%1]" : "=r"(v) : "r"(a) : "memory");
	return v;
}

static inline u64 __raw_readq(const volatile void *a)
{
	u64 v;

	asm volatile("ldr %x0, [%1]" : "=r"(v) : "r"(a) : "memory");
	return v;
}

#define writeb(v, a) ({ __wmb(); __raw_writeb(v, a); })
#define writew(v, a) ({ __wmb(); __raw_writew(v, a); })
#define writel(v, a) ({ __wmb(); __raw_writel(v, a); })
#define writeq(v, a) ({ __wmb(); __raw_writeq(v, a); })
#define readb(a) ({ u8 __v = __raw_readb(a); __rmb(); __v; })
#define readw(a) ({ u16 __v = __raw_readw(a); __rmb(); __v; })
#define readl(a) ({ u32 __v = __raw_readl(a); __rmb(); __v; })
#define readq(a) ({ u64 __v = __raw_readq(a); __rmb(); __v; })

/*
 * Map @size bytes of MMIO at physical @phys as Device-nGnRE and return the (identity)
 * address. Everything below the start of RAM is already mapped so at boot; this is for
 * frames elsewhere (e.g. high GICv3 redistributors).
 */
void *ioremap(phys_addr_t phys, size_t size);

#endif
