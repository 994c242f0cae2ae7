/*
 * 64-bit MSR values (x86_64 only): the MSRs that hold linear addresses or 64-bit fields keep
 * every bit written, refuse non-canonical addresses with #GP at the processor's linear-address
 * width, refuse reserved bits with #GP, and the CPU uses all 64 bits of the segment bases it
 * loads from them (FS, GS, SWAPGS, RDFSBASE/WRFSBASE). Intel SDM vol. 2B "WRMSR", vol. 3A
 * 3.4.4 and 5.8.8, vol. 4 table 2-2; AMD APM vol. 2 3.1.7 and 6.1.1.
 */
#include <libcflat.h>
#include <subtest.h>
#include <x86/desc.h>
#include <x86/fault.h>
#include <x86/processor.h>

#ifdef __x86_64__
/* QEMU 7.2 TCG does no reserved-bit or canonical checks in WRMSR (docs/known-deviations.md). */
#define TCG_NO_CHECKS \
	"tcg-msr-gp: QEMU 7.2 TCG WRMSR/RDMSR do no reserved-bit, canonical or unknown-MSR checks"
#define TCG_WRFSBASE "tcg-wrfsbase-noncanonical: QEMU 7.2 TCG WRFSBASE loads a non-canonical base"

struct msr {
	u32 index;
	const char *name;
	bool sysenter; /* 64 bits wide on Intel only (AMD APM vol. 2 6.1.1 keeps 32) */
};

/* The MSRs that hold a linear address: WRMSR checks it is canonical (SDM vol. 2B WRMSR). */
static const struct msr address_msrs[] = {
	{ MSR_FS_BASE, "FS_BASE", false },
	{ MSR_GS_BASE, "GS_BASE", false },
	{ MSR_KERNEL_GS_BASE, "KERNEL_GS_BASE", false },
	{ MSR_LSTAR, "LSTAR", false },
	{ MSR_CSTAR, "CSTAR", false },
	{ MSR_IA32_SYSENTER_ESP, "SYSENTER_ESP", true },
	{ MSR_IA32_SYSENTER_EIP, "SYSENTER_EIP", true },
};

static unsigned int va_bits;

/*
 * The width WRMSR checks canonicality against: CPUID.80000008H:EAX[15:8], which is 57 on a
 * processor with 5-level paging whatever CR4.LA57 holds (SDM vol. 3A 4.1.4 and 4.5).
 */
static unsigned int linear_address_bits(void)
{
	if (cpuid_max_ext_leaf() < 0x80000008)
		return 48;
	return (cpuid(0x80000008).a >> 8) & 0xff;
}

static u64 canonical(u64 va)
{
	unsigned int shift = 64 - va_bits;

	return (u64)((s64)(va << shift) >> shift);
}

static bool msr_is_64bit(const struct msr *m)
{
	return !m->sysenter || cpu_vendor_is("GenuineIntel");
}

/* Writes @val, reads it back and compares the bits in @mask; false and *@got on a mismatch. */
static bool round_trip(u32 index, u64 val, u64 mask, u64 *got)
{
	if (wrmsr_safe(index, val) != EXC_NONE || rdmsr_safe(index, got) != EXC_NONE) {
		*got = ~val;
		return false;
	}
	return ((*got ^ val) & mask) == 0;
}

/*
 * Each bit of the lower half alone (bits 0 to width-2), each with the upper half set (bits
 * width-1..63), and two alternating patterns made canonical.
 */
static void check_address_round_trip(const struct msr *m)
{
	u64 mask = msr_is_64bit(m) ? ~0ULL : 0xffffffffULL;
	u64 upper = ~0ULL << (va_bits - 1), old = rdmsr(m->index), val, got = 0;
	u64 patterns[] = { canonical(0x5555555555555555ULL), canonical(0xaaaaaaaaaaaaaaaaULL) };
	unsigned int i, n = 0, bad = 0;
	u64 bad_val = 0, bad_got = 0;

	for (i = 0; i < 2 * (va_bits - 1) + ARRAY_SIZE(patterns); i++, n++) {
		if (i < va_bits - 1)
			val = 1ULL << i;
		else if (i < 2 * (va_bits - 1))
			val = upper | (1ULL << (i - (va_bits - 1)));
		else
			val = patterns[i - 2 * (va_bits - 1)];
		if (!round_trip(m->index, val, mask, &got) && !bad++) {
			bad_val = val;
			bad_got = got;
		}
	}
	wrmsr(m->index, old);
	report(bad == 0, "%s: %u canonical values read back (%s bits)", m->name, n,
	       mask == ~0ULL ? "all 64" : "the low 32");
	if (bad)
		report_info("%s: first mismatch: %#llx written, %#llx read", m->name,
			    (unsigned long long)bad_val, (unsigned long long)bad_got);
}

/* WRMSR of @val raises #GP; the old value is put back whatever happened. */
static bool wrmsr_raises_gp(u32 index, u64 val)
{
	u64 old;
	int vec;

	rdmsr_safe(index, &old);
	vec = wrmsr_safe(index, val);
	if (vec != GP_VECTOR)
		wrmsr_safe(index, old);
	return vec == GP_VECTOR;
}

/* The canonical boundary on both sides, and each bit from va_bits-1 up alone (SDM WRMSR). */
static void check_non_canonical(const struct msr *m)
{
	u64 top_low = (1ULL << (va_bits - 1)) - 1, got;
	unsigned int bit, refused = 0, n = 0;

	if (!msr_is_64bit(m)) {
		report_skip("%s: non-canonical #GP is Intel's (AMD keeps 32 bits), this CPU is not",
			    m->name);
		return;
	}
	report(round_trip(m->index, top_low, ~0ULL, &got) &&
	       round_trip(m->index, ~top_low, ~0ULL, &got),
	       "%s: %#llx and %#llx (the last canonical addresses) accepted", m->name,
	       (unsigned long long)top_low, (unsigned long long)~top_low);
	wrmsr(m->index, 0);
	for (bit = va_bits - 1; bit < 64; bit++, n++)
		refused += wrmsr_raises_gp(m->index, 1ULL << bit);
	refused += wrmsr_raises_gp(m->index, top_low + 1);
	refused += wrmsr_raises_gp(m->index, ~top_low - 1);
	n += 2;
	report_kfail(accel_is("tcg"), TCG_NO_CHECKS, refused == n,
		     "%s: %u non-canonical values (each bit %u-63 alone, %#llx, %#llx): #GP"
		     " (%u did)",
		     m->name, n, va_bits - 1, (unsigned long long)(top_low + 1),
		     (unsigned long long)(~top_low - 1), refused);
}

static void test_addresses(int argc, char **argv)
{
	int i;

	report_prefix_push("addresses");
	report_info("linear addresses: %u bits (CPUID.80000008H:EAX[15:8])", va_bits);
	for (i = 0; i < ARRAY_SIZE(address_msrs); i++) {
		if (address_msrs[i].sysenter && !cpu_has(X86_FEATURE_SEP)) {
			report_skip("%s: %s is clear", address_msrs[i].name,
				    feature_str(X86_FEATURE_SEP));
			continue;
		}
		check_address_round_trip(&address_msrs[i]);
		check_non_canonical(&address_msrs[i]);
	}
	report_prefix_pop();
}

/* Each bit of a 64-bit MSR with no reserved bits alone, and all of them (vol. 4 table 2-2). */
static void check_all_bits(u32 index, const char *name, u64 mask)
{
	u64 old = rdmsr(index), got = 0;
	unsigned int bit, bad = 0, n = 0;

	for (bit = 0; bit < 64; bit++) {
		if (!(mask & (1ULL << bit)))
			continue;
		n++;
		bad += !round_trip(index, 1ULL << bit, ~0ULL, &got);
	}
	n++;
	bad += !round_trip(index, mask, ~0ULL, &got);
	wrmsr(index, old);
	report(bad == 0, "%s: each of its %u writable bits alone and all together read back",
	       name, n - 1);
}

static void test_fields(int argc, char **argv)
{
	report_prefix_push("fields");
	/* STAR: SYSRET CS/SS in 63:48, SYSCALL CS/SS in 47:32, the 32-bit SYSCALL EIP in 31:0. */
	check_all_bits(MSR_STAR, "STAR", ~0ULL);
	/*
	 * IA32_FMASK (SFMASK): the EFLAGS mask is bits 31:0; bits 63:32 are reserved, but neither
	 * the SDM nor the APM says whether writing them faults, so they are not claimed.
	 */
	check_all_bits(MSR_SYSCALL_MASK, "SFMASK", 0xffffffffULL);
	report_prefix_pop();
}

/* Each reserved bit of @name alone on top of its current value: #GP. */
static void check_reserved_bits(u32 index, const char *name, u64 reserved, const char *spec)
{
	u64 cur = rdmsr(index);
	unsigned int bit, n = 0, refused = 0;

	for (bit = 0; bit < 64; bit++) {
		if (!(reserved & (1ULL << bit)))
			continue;
		n++;
		refused += wrmsr_raises_gp(index, cur | (1ULL << bit));
	}
	report_kfail(accel_is("tcg"), TCG_NO_CHECKS, refused == n,
		     "%s: each of its %u reserved bits (%#llx) alone: #GP (%u did; %s)", name, n,
		     (unsigned long long)reserved, refused, spec);
}

/*
 * Intel reserves TSC_AUX bits 63:32 (#GP); AMD's APM (vol. 3, RDTSCP) defines only bits 31:0
 * and AMD CPUs ignore the rest, reading them as zero. Either is acceptable, keeping them is not.
 */
static void check_tsc_aux_upper_dropped(void)
{
	u64 old = rdmsr(MSR_TSC_AUX), got;
	unsigned int bit, kept = 0;
	int vec;

	for (bit = 32; bit < 64; bit++) {
		vec = wrmsr_safe(MSR_TSC_AUX, 0x1234 | (1ULL << bit));
		kept += vec == EXC_NONE && rdmsr_safe(MSR_TSC_AUX, &got) == EXC_NONE && got >> 32;
	}
	wrmsr(MSR_TSC_AUX, old);
	report_kfail(accel_is("tcg"), TCG_NO_CHECKS, kept == 0,
		     "TSC_AUX: each of bits 63:32 alone: #GP or dropped (%u of 32 kept)", kept);
}

static void test_reserved(int argc, char **argv)
{
	u64 efer_reserved = 0xfeULL | (1ULL << 9) | (~0ULL << 32);

	report_prefix_push("reserved");
	/* Bits 1-7, 9 and 63:32 are reserved on every vendor; the rest depends on it. */
	check_reserved_bits(MSR_EFER, "EFER", efer_reserved, "SDM vol. 3A 2.2.1, APM vol. 2 3.1.7");
	if (!cpu_has(X86_FEATURE_RDTSCP) && !cpu_has(X86_FEATURE_RDPID))
		report_skip("TSC_AUX: %s and %s are clear", feature_str(X86_FEATURE_RDTSCP),
			    feature_str(X86_FEATURE_RDPID));
	else if (cpu_vendor_is("GenuineIntel"))
		check_reserved_bits(MSR_TSC_AUX, "TSC_AUX", ~0ULL << 32, "SDM vol. 4 table 2-2");
	else
		check_tsc_aux_upper_dropped();
	report_prefix_pop();
}

/* Loads a quadword at %fs:@offset (or %gs:) for run_catching(). */
struct seg_load {
	bool gs;
	unsigned long offset;
	u64 value;
};

static void load_through_segment(void *arg)
{
	struct seg_load *l = arg;

	if (l->gs)
		asm volatile("mov %%gs:(%1), %0" : "=r"(l->value) : "r"(l->offset) : "memory");
	else
		asm volatile("mov %%fs:(%1), %0" : "=r"(l->value) : "r"(l->offset) : "memory");
}

/*
 * A base of buf - 4 GiB (bits 63:32 all set) with an offset of 4 GiB reaches buf only when
 * the CPU adds all 64 bits of the base (SDM vol. 3A 3.4.4); with bits 63:32 of the base
 * dropped the address would be buf + 4 GiB, beyond the identity map: #PF.
 */
static void check_segment_base(bool gs)
{
	static volatile u64 buf = 0x0123456789abcdefULL;
	u32 index = gs ? MSR_GS_BASE : MSR_FS_BASE;
	u64 old = rdmsr(index), base = (unsigned long)&buf - (1ULL << 32);
	struct seg_load l = { .gs = gs, .offset = 1UL << 32 };
	struct fault f;
	int vec;

	wrmsr(index, base);
	vec = run_catching(load_through_segment, &l, &f);
	wrmsr(index, old);
	report(vec == EXC_NONE && l.value == buf,
	       "%s base %#llx: a load at offset 4 GiB reads the quadword at %#lx (%s)",
	       gs ? "GS" : "FS", (unsigned long long)base, (unsigned long)&buf,
	       vec == EXC_NONE ? "read" : exception_name(vec));
}

static void check_swapgs(void)
{
	u64 old_gs = rdmsr(MSR_GS_BASE), old_kgs = rdmsr(MSR_KERNEL_GS_BASE);
	u64 a = 0xffffc90012345000ULL, b = 0x00007ffe87654000ULL, gs, kgs;

	wrmsr(MSR_GS_BASE, a);
	wrmsr(MSR_KERNEL_GS_BASE, b);
	asm volatile("swapgs" ::: "memory");
	gs = rdmsr(MSR_GS_BASE);
	kgs = rdmsr(MSR_KERNEL_GS_BASE);
	asm volatile("swapgs" ::: "memory");
	report(gs == b && kgs == a && rdmsr(MSR_GS_BASE) == a && rdmsr(MSR_KERNEL_GS_BASE) == b,
	       "SWAPGS exchanges all 64 bits of GS_BASE and KERNEL_GS_BASE (and back)");
	wrmsr(MSR_GS_BASE, old_gs);
	wrmsr(MSR_KERNEL_GS_BASE, old_kgs);
}

static void wrfsbase_fragment(void *arg)
{
	asm volatile("wrfsbase %0" : : "r"(*(u64 *)arg) : "memory");
}

/* RDFSBASE/WRFSBASE and the MSR are one register; WRFSBASE checks canonicality (SDM vol. 2D). */
static void check_fsgsbase(void)
{
	u64 old = rdmsr(MSR_FS_BASE), val = 0xffff888012345678ULL, got, bad;
	unsigned long cr4 = read_cr4();
	int vec;

	if (!cpu_has(X86_FEATURE_FSGSBASE)) {
		report_skip("RDFSBASE/WRFSBASE: %s is clear", feature_str(X86_FEATURE_FSGSBASE));
		return;
	}
	write_cr4(cr4 | X86_CR4_FSGSBASE);
	wrmsr(MSR_FS_BASE, val);
	asm volatile("rdfsbase %0" : "=r"(got));
	report(got == val, "RDFSBASE returns the 64-bit FS_BASE written by WRMSR (%#llx)",
	       (unsigned long long)got);
	val = 0x00007f0087654321ULL;
	asm volatile("wrfsbase %0" : : "r"(val) : "memory");
	report(rdmsr(MSR_FS_BASE) == val, "RDMSR returns the 64-bit FS base written by WRFSBASE");
	bad = 1ULL << 62;
	vec = run_catching(wrfsbase_fragment, &bad, NULL);
	report_kfail(accel_is("tcg"), TCG_WRFSBASE, vec == GP_VECTOR,
		     "WRFSBASE %#llx (non-canonical): #GP (%s)",
		     (unsigned long long)bad, vec == EXC_NONE ? "none" : exception_name(vec));
	wrmsr(MSR_FS_BASE, old);
	write_cr4(cr4);
}

static void test_use(int argc, char **argv)
{
	report_prefix_push("use");
	check_segment_base(false);
	check_segment_base(true);
	check_swapgs();
	check_fsgsbase();
	report_prefix_pop();
}

static void test_all(int argc, char **argv)
{
	test_addresses(argc, argv);
	test_fields(argc, argv);
	test_reserved(argc, argv);
	test_use(argc, argv);
}

static const struct subtest tests[] = {
	{ "all", test_all },
	{ "addresses", test_addresses },
	{ "fields", test_fields },
	{ "reserved", test_reserved },
	{ "use", test_use },
	{ NULL },
};

int main(int argc, char **argv)
{
	va_bits = linear_address_bits();
	report_prefix_push("msr64");
	return run_subtests(tests, "all", argc, argv);
}
#else
int main(void)
{
	report_skip_all("msr64: FS/GS/KERNEL_GS_BASE, LSTAR, CSTAR and 64-bit MSR values exist only"
			" in IA-32e mode");
}
#endif
