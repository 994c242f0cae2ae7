/* Thin wrappers around x86 instructions: control registers, CPUID, MSRs, port I/O. */
#ifndef X86_PROCESSOR_H
#define X86_PROCESSOR_H

#include "libcflat.h"
#include "msr.h"

#define X86_CR0_PE (1UL << 0)
#define X86_CR0_WP (1UL << 16)
#define X86_CR0_PG (1UL << 31)
#define X86_CR4_PAE (1UL << 5)
#define X86_CR4_PGE (1UL << 7)

#define X86_EFLAGS_IF (1UL << 9)

/* CPUID leaf 1 EDX / ECX, leaf 0x80000001 EDX. */
#define CPUID_1_EDX_MSR (1U << 5)
#define CPUID_1_EDX_PAE (1U << 6)
#define CPUID_1_EDX_SEP (1U << 11)
#define CPUID_1_EDX_PAT (1U << 16)
#define CPUID_1_ECX_HYPERVISOR (1U << 31)
#define CPUID_8001_EDX_SYSCALL (1U << 11)
#define CPUID_8001_EDX_NX (1U << 20)
#define CPUID_8001_EDX_RDTSCP (1U << 27)
#define CPUID_8001_EDX_LM (1U << 29)

struct cpuid {
	u32 a, b, c, d;
};

static inline struct cpuid cpuid_indexed(u32 leaf, u32 index)
{
	struct cpuid r;

	asm volatile("cpuid" : "=a"(r.a), "=b"(r.b), "=c"(r.c), "=d"(r.d) : "0"(leaf), "2"(index));
	return r;
}

static inline struct cpuid cpuid(u32 leaf)
{
	return cpuid_indexed(leaf, 0);
}

static inline u32 cpuid_max_ext_leaf(void)
{
	return cpuid(0x80000000).a;
}

static inline u64 rdmsr(u32 index)
{
	u32 lo, hi;

	asm volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(index) : "memory");
	return lo | ((u64)hi << 32);
}

static inline void wrmsr(u32 index, u64 val)
{
	asm volatile("wrmsr" : : "a"((u32)val), "d"((u32)(val >> 32)), "c"(index) : "memory");
}

static inline u64 rdtsc(void)
{
	u32 lo, hi;

	asm volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return lo | ((u64)hi << 32);
}

#define DEFINE_CR(n) \
	static inline unsigned long read_cr##n(void) \
	{ \
		unsigned long v; \
		asm volatile("mov %%cr" #n ", %0" : "=r"(v)); \
		return v; \
	} \
	static inline void write_cr##n(unsigned long v) \
	{ \
		asm volatile("mov %0, %%cr" #n : : "r"(v) : "memory"); \
	}
DEFINE_CR(0)
DEFINE_CR(2)
DEFINE_CR(3)
DEFINE_CR(4)
#undef DEFINE_CR

static inline unsigned long read_flags(void)
{
	unsigned long f;

	asm volatile("pushf; pop %0" : "=r"(f));
	return f;
}

static inline u16 str(void)
{
	u16 sel;

	asm volatile("str %0" : "=r"(sel));
	return sel;
}

static inline void outb(u8 v, u16 port)
{
	asm volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

static inline void outw(u16 v, u16 port)
{
	asm volatile("outw %0, %1" : : "a"(v), "Nd"(port));
}

static inline void outl(u32 v, u16 port)
{
	asm volatile("outl %0, %1" : : "a"(v), "Nd"(port));
}

static inline u8 inb(u16 port)
{
	u8 v;

	asm volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline u16 inw(u16 port)
{
	u16 v;

	asm volatile("inw %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline u32 inl(u16 port)
{
	u32 v;

	asm volatile("inl %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

/* The TSC's rate in Hz, measured against the ACPI PM timer on first use (lib/x86/clock.c). */
u64 tsc_frequency(void);

static inline void invlpg(const volatile void *va)
{
	asm volatile("invlpg (%0)" : : "r"(va) : "memory");
}

static inline void irq_disable(void)
{
	asm volatile("cli" : : : "memory");
}

static inline void irq_enable(void)
{
	asm volatile("sti" : : : "memory");
}

static inline bool cpu_has_nx(void)
{
	return cpuid_max_ext_leaf() >= 0x80000001 && (cpuid(0x80000001).d & CPUID_8001_EDX_NX);
}

/* Canonical: bits 63..47 all equal (48-bit linear addresses, SDM vol. 1 3.3.7.1). */
static inline bool is_canonical(u64 va)
{
	return (u64)((s64)(va << 16) >> 16) == va;
}

#endif
