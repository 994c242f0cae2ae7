/* Thin wrappers around x86 instructions: control registers, CPUID, MSRs, port I/O. */
#ifndef X86_PROCESSOR_H
#define X86_PROCESSOR_H

#include <libcflat.h>
#include <clock.h>
#include <x86/msr.h>

#define X86_CR0_PE (1UL << 0)
#define X86_CR0_MP (1UL << 1)
#define X86_CR0_EM (1UL << 2)
#define X86_CR0_TS (1UL << 3)
#define X86_CR0_NE (1UL << 5)
#define X86_CR0_WP (1UL << 16)
#define X86_CR0_AM (1UL << 18)
#define X86_CR0_NW (1UL << 29)
#define X86_CR0_CD (1UL << 30)
#define X86_CR0_PG (1UL << 31)
#define X86_CR4_VME (1UL << 0)
#define X86_CR4_TSD (1UL << 2)
#define X86_CR4_DE (1UL << 3)
#define X86_CR4_PSE (1UL << 4)
#define X86_CR4_PAE (1UL << 5)
#define X86_CR4_PGE (1UL << 7)
#define X86_CR4_OSFXSR (1UL << 9)
#define X86_CR4_UMIP (1UL << 11)
#define X86_CR4_LA57 (1UL << 12)
#define X86_CR4_FSGSBASE (1UL << 16)
#define X86_CR4_PCIDE (1UL << 17)
#define X86_CR4_OSXSAVE (1UL << 18)
#define X86_CR4_SMEP (1UL << 20)
#define X86_CR4_SMAP (1UL << 21)
#define X86_CR4_PKE (1UL << 22)
#define X86_CR4_PKS (1UL << 24)

#define X86_EFLAGS_CF (1UL << 0)
#define X86_EFLAGS_ZF (1UL << 6)
#define X86_EFLAGS_TF (1UL << 8)
#define X86_EFLAGS_IF (1UL << 9)
#define X86_EFLAGS_NT (1UL << 14)
#define X86_EFLAGS_RF (1UL << 16)
#define X86_EFLAGS_AC (1UL << 18)

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

/* One CPUID feature bit, with the name a SKIP message gives it. */
enum cpuid_reg { CPUID_EAX, CPUID_EBX, CPUID_ECX, CPUID_EDX };
struct x86_feature {
	u32 leaf;
	u32 index;
	enum cpuid_reg reg;
	u8 bit;
	const char *name;
};
#define X86_FEATURE(l, i, r, b, n) ((struct x86_feature){ (l), (i), CPUID_##r, (b), (n) })
#define X86_FEATURE_CLFLUSH X86_FEATURE(1, 0, EDX, 19, "CLFSH")
#define X86_FEATURE_TSC X86_FEATURE(1, 0, EDX, 4, "TSC")
#define X86_FEATURE_SEP X86_FEATURE(1, 0, EDX, 11, "SEP")
#define X86_FEATURE_PCID X86_FEATURE(1, 0, ECX, 17, "PCID")
#define X86_FEATURE_X2APIC X86_FEATURE(1, 0, ECX, 21, "x2APIC")
#define X86_FEATURE_MOVBE X86_FEATURE(1, 0, ECX, 22, "MOVBE")
#define X86_FEATURE_TSC_DEADLINE X86_FEATURE(1, 0, ECX, 24, "TSC-deadline")
#define X86_FEATURE_XSAVE X86_FEATURE(1, 0, ECX, 26, "XSAVE")
#define X86_FEATURE_CX16 X86_FEATURE(1, 0, ECX, 13, "CMPXCHG16B")
#define X86_FEATURE_CX8 X86_FEATURE(1, 0, EDX, 8, "CX8")
#define X86_FEATURE_FSGSBASE X86_FEATURE(7, 0, EBX, 0, "FSGSBASE")
#define X86_FEATURE_TSC_ADJUST X86_FEATURE(7, 0, EBX, 1, "IA32_TSC_ADJUST")
#define X86_FEATURE_SMEP X86_FEATURE(7, 0, EBX, 7, "SMEP")
#define X86_FEATURE_INVPCID X86_FEATURE(7, 0, EBX, 10, "INVPCID")
#define X86_FEATURE_SMAP X86_FEATURE(7, 0, EBX, 20, "SMAP")
#define X86_FEATURE_CLFLUSHOPT X86_FEATURE(7, 0, EBX, 23, "CLFLUSHOPT")
#define X86_FEATURE_CLWB X86_FEATURE(7, 0, EBX, 24, "CLWB")
#define X86_FEATURE_UMIP X86_FEATURE(7, 0, ECX, 2, "UMIP")
#define X86_FEATURE_PKU X86_FEATURE(7, 0, ECX, 3, "PKU")
#define X86_FEATURE_OSPKE X86_FEATURE(7, 0, ECX, 4, "OSPKE")
#define X86_FEATURE_LA57 X86_FEATURE(7, 0, ECX, 16, "LA57")
#define X86_FEATURE_RDPID X86_FEATURE(7, 0, ECX, 22, "RDPID")
#define X86_FEATURE_PKS X86_FEATURE(7, 0, ECX, 31, "PKS")
#define X86_FEATURE_XSAVEOPT X86_FEATURE(0xd, 1, EAX, 0, "XSAVEOPT")
#define X86_FEATURE_SYSCALL X86_FEATURE(0x80000001, 0, EDX, 11, "SYSCALL")
#define X86_FEATURE_NX X86_FEATURE(0x80000001, 0, EDX, 20, "NX")
#define X86_FEATURE_GBPAGES X86_FEATURE(0x80000001, 0, EDX, 26, "Page1GB")
#define X86_FEATURE_RDTSCP X86_FEATURE(0x80000001, 0, EDX, 27, "RDTSCP")
#define X86_FEATURE_LM X86_FEATURE(0x80000001, 0, EDX, 29, "LM")
#define X86_FEATURE_RDPRU X86_FEATURE(0x80000008, 0, EBX, 4, "RDPRU")

/* CPUID 0's vendor string ("GenuineIntel", "AuthenticAMD", ...) is @vendor. */
bool cpu_vendor_is(const char *vendor);
/* CPUID.1:ECX[31] is set and CPUID 0x40000000 holds the signature @sig ("KVMKVMKVM"). */
bool cpu_hypervisor_is(const char *sig);

/* The register @reg of a CPUID result. */
u32 cpuid_reg_value(struct cpuid r, enum cpuid_reg reg);
/* Whether CPUID reports @f (false when its leaf is above the maximum). */
bool cpu_has(struct x86_feature f);
/* "CPUID.(EAX=0x7,ECX=0):EBX[20] (SMAP)", for SKIP messages (a ring of 4 buffers). */
const char *feature_str(struct x86_feature f);
/* cpu_has(), or a SKIP line "@what: needs <feature_str> (clear)" and false. */
bool require_feature(struct x86_feature f, const char *what);

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

/* read_cr0() ... write_dr7(): moves to and from control and debug registers. */
#define DEFINE_MOV_REG(kind, n) \
	static inline unsigned long read_##kind##n(void) \
	{ \
		unsigned long v; \
		asm volatile("mov %%" #kind #n ", %0" : "=r"(v)); \
		return v; \
	} \
	static inline void write_##kind##n(unsigned long v) \
	{ \
		asm volatile("mov %0, %%" #kind #n : : "r"(v) : "memory"); \
	}
DEFINE_MOV_REG(cr, 0)
DEFINE_MOV_REG(cr, 2)
DEFINE_MOV_REG(cr, 3)
DEFINE_MOV_REG(cr, 4)
DEFINE_MOV_REG(dr, 0)
DEFINE_MOV_REG(dr, 1)
DEFINE_MOV_REG(dr, 2)
DEFINE_MOV_REG(dr, 3)
DEFINE_MOV_REG(dr, 6)
DEFINE_MOV_REG(dr, 7)
#undef DEFINE_MOV_REG

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

/* wait_until() with interrupts enabled, so that what @cond waits for is taken; off after. */
#define wait_until_irqs_on(cond, timeout_ms)                    \
	({                                                      \
		bool __irqs_ok;                                 \
		irq_enable();                                   \
		__irqs_ok = wait_until(cond, timeout_ms);       \
		irq_disable();                                  \
		__irqs_ok;                                      \
	})

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
