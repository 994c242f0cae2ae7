/*
 * MSR read/write round trips and the #GP cases the architecture defines (Intel SDM
 * vol. 4 and vol. 3 "WRMSR", AMD APM vol. 2). Where a QEMU accelerator is known to
 * deviate, the claim is kept and reported as a known failure on that accelerator only.
 */
#include <libcflat.h>
#include <x86/desc.h>
#include <x86/processor.h>

#define NON_CANONICAL 0x8000000000000000ULL
#define MSR_NONEXISTENT 0x4b564d7fU /* in no vendor's range */

static bool on_tcg, on_kvm, on_pvm; /* on_pvm: the nested kvm_pvm host */

/*
 * Known deviations of QEMU 7.2 TCG and of the kvm_pvm module (docs/known-deviations.md). A
 * claim stays a claim: it is a known failure only on the accelerator named, and an
 * ordinary PASS/FAIL anywhere else.
 */
#define TCG_NO_CHECKS \
	"tcg-msr-gp: QEMU 7.2 TCG WRMSR/RDMSR do no reserved-bit, canonical or unknown-MSR checks"
#define TCG_PAT "tcg-pat: QEMU 7.2 TCG stores any IA32_PAT value"
#define KVM_PAT "kvm-pvm-pat: kvm_pvm stores any IA32_PAT value"
#define TCG_TSC "tcg-tsc-write: QEMU 7.2 TCG ignores WRMSR to IA32_TSC"
#define KVM_TSC "kvm-pvm-tsc-write: kvm_pvm ignores WRMSR to IA32_TSC"

/* A claim with the known deviation of TCG (@tcg_why) and/or of the kvm_pvm module (@kvm_why). */
static bool __printf(4, 5) report_dev(const char *tcg_why, const char *kvm_why, bool pass,
				       const char *fmt, ...)
{
	const char *why = on_tcg ? tcg_why : on_pvm ? kvm_why : NULL;
	char msg[160];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return report_kfail(why != NULL, why ? why : "", pass, "%s", msg);
}

static bool ext_feature(u32 edx_bit)
{
	return cpuid_max_ext_leaf() >= 0x80000001 && (cpuid(0x80000001).d & edx_bit);
}

static bool is_64bit(void)
{
#ifdef __x86_64__
	return true;
#else
	return false;
#endif
}

/* Writes @val, reads it back, restores the old value. */
static void check_round_trip(u32 index, const char *name, u64 val)
{
	u64 old, got = 0;
	int wvec, rvec;

	if (rdmsr_safe(index, &old) != EXC_NONE) {
		report_fail("%s: rdmsr raised %s", name, exception_name(exc_vector()));
		return;
	}
	wvec = wrmsr_safe(index, val);
	rvec = rdmsr_safe(index, &got);
	wrmsr_safe(index, old);
	report(wvec == EXC_NONE && rvec == EXC_NONE && got == val,
	       "%s: %#llx written, %#llx read back", name, (unsigned long long)val,
	       (unsigned long long)got);
}

/* WRMSR of @val must raise #GP; the old value is put back whatever happened. */
static bool wrmsr_raises_gp(u32 index, u64 val)
{
	u64 old;
	int vec;

	rdmsr_safe(index, &old);
	vec = wrmsr_safe(index, val);
	if (vec == EXC_NONE)
		wrmsr_safe(index, old);
	return vec == GP_VECTOR;
}

static void check_sysenter(void)
{
	if (!(cpuid(1).d & CPUID_1_EDX_SEP)) {
		report_skip("SYSENTER MSRs: no SEP in CPUID");
		return;
	}
	check_round_trip(MSR_IA32_SYSENTER_CS, "SYSENTER_CS", 0x1234);
	check_round_trip(MSR_IA32_SYSENTER_ESP, "SYSENTER_ESP", 0x12345678);
	check_round_trip(MSR_IA32_SYSENTER_EIP, "SYSENTER_EIP", 0x87654320);
}

/*
 * Intel reserves TSC_AUX bits 63:32 (#GP, SDM vol. 4 table 2-2); AMD's APM (vol. 3, RDTSCP)
 * defines bits 31:0 only and AMD CPUs drop the rest. Either is right off Intel; keeping is not.
 */
static bool tsc_aux_drops_bit_32(void)
{
	u64 old = 0, got = 0;
	bool kept;

	rdmsr_safe(MSR_TSC_AUX, &old);
	kept = wrmsr_safe(MSR_TSC_AUX, 0x1234 | (1ULL << 32)) == EXC_NONE &&
	       rdmsr_safe(MSR_TSC_AUX, &got) == EXC_NONE && (got >> 32);
	wrmsr_safe(MSR_TSC_AUX, old);
	return !kept;
}

static void check_tsc_aux(void)
{
	u32 aux, lo, hi;

	if (!ext_feature(CPUID_8001_EDX_RDTSCP)) {
		report_skip("TSC_AUX: no RDTSCP in CPUID");
		return;
	}
	check_round_trip(MSR_TSC_AUX, "TSC_AUX", 0x5a5a);
	wrmsr(MSR_TSC_AUX, 0x1234);
	asm volatile("rdtscp" : "=a"(lo), "=d"(hi), "=c"(aux));
	report(aux == 0x1234, "RDTSCP returns TSC_AUX in ECX (%#x)", aux);
	if (cpu_vendor_is("GenuineIntel"))
		report_dev(TCG_NO_CHECKS, NULL, wrmsr_raises_gp(MSR_TSC_AUX, 1ULL << 32),
			   "TSC_AUX bits 63:32 reserved: #GP");
	else
		report_dev(TCG_NO_CHECKS, NULL, tsc_aux_drops_bit_32(),
			   "TSC_AUX bit 32: #GP or dropped");
}

static void check_long_mode_msrs(void)
{
	if (!is_64bit()) {
		report_skip("FS/GS/KERNEL_GS_BASE, STAR, LSTAR, CSTAR, SFMASK: 64-bit only");
		return;
	}
	check_round_trip(MSR_FS_BASE, "FS_BASE", 0xffff800012345000ULL);
	check_round_trip(MSR_GS_BASE, "GS_BASE", 0x00007fffabcde000ULL);
	check_round_trip(MSR_KERNEL_GS_BASE, "KERNEL_GS_BASE", 0xffffffff80001000ULL);
	check_round_trip(MSR_STAR, "STAR", 0x0023001000000000ULL);
	check_round_trip(MSR_LSTAR, "LSTAR", 0xffffffff81000000ULL);
	check_round_trip(MSR_CSTAR, "CSTAR", 0xffffffff81000040ULL);
	check_round_trip(MSR_SYSCALL_MASK, "SFMASK", 0x47700);
}

static void check_non_canonical(void)
{
	static const struct {
		u32 index;
		const char *name;
	} msrs[] = {
		{ MSR_FS_BASE, "FS_BASE" },
		{ MSR_GS_BASE, "GS_BASE" },
		{ MSR_KERNEL_GS_BASE, "KERNEL_GS_BASE" },
		{ MSR_LSTAR, "LSTAR" },
		{ MSR_CSTAR, "CSTAR" },
		{ MSR_IA32_SYSENTER_ESP, "SYSENTER_ESP" },
		{ MSR_IA32_SYSENTER_EIP, "SYSENTER_EIP" },
	};
	int i;

	if (!is_64bit()) {
		report_skip("non-canonical addresses: 64-bit only");
		return;
	}
	for (i = 0; i < ARRAY_SIZE(msrs); i++) {
		bool sysenter = msrs[i].index == MSR_IA32_SYSENTER_ESP ||
				msrs[i].index == MSR_IA32_SYSENTER_EIP;

		/* Intel checks these (SDM WRMSR); AMD keeps 32 bits of them (APM 6.1.1). */
		if (sysenter && !cpu_vendor_is("GenuineIntel")) {
			report_skip("%s: non-canonical #GP is Intel's, this CPU is not", msrs[i].name);
			continue;
		}
		report_dev(TCG_NO_CHECKS, NULL, wrmsr_raises_gp(msrs[i].index, NON_CANONICAL),
			   "%s: non-canonical %#llx: #GP", msrs[i].name, NON_CANONICAL);
	}
}

#define PAT_RESET 0x0007040600070406ULL

static void check_pat(void)
{
	if (!(cpuid(1).d & CPUID_1_EDX_PAT)) {
		report_skip("PAT: no PAT in CPUID");
		return;
	}
	/* Memory types 0 (UC), 1 (WC), 4 (WT), 5 (WP), 6 (WB), 7 (UC-) are valid (SDM 11.12.2). */
	check_round_trip(MSR_IA32_CR_PAT, "PAT", 0x0007050401000607ULL);
	report_dev(TCG_PAT, KVM_PAT, wrmsr_raises_gp(MSR_IA32_CR_PAT, (PAT_RESET & ~0xffULL) | 2),
		   "PAT: memory type 2 in PA0: #GP");
	report_dev(TCG_PAT, KVM_PAT,
		   wrmsr_raises_gp(MSR_IA32_CR_PAT, (PAT_RESET & ~(0xffULL << 56)) | (3ULL << 56)),
		   "PAT: memory type 3 in PA7: #GP");
	report_dev(TCG_PAT, KVM_PAT, wrmsr_raises_gp(MSR_IA32_CR_PAT, PAT_RESET | 0x08),
		   "PAT: reserved bit 3: #GP");
}

static void check_tsc(void)
{
	u64 target = 1ULL << 40, first, second;

	report(wrmsr_safe(MSR_IA32_TSC, target) == EXC_NONE, "TSC: written");
	first = rdtsc();
	second = rdtsc();
	/* a few seconds of a GHz clock at most between the write and the reads */
	report_dev(TCG_TSC, KVM_TSC, first >= target && first - target < (1ULL << 36),
		   "TSC: counts on from the written %#llx (read %#llx)",
		   (unsigned long long)target, (unsigned long long)first);
	report(second >= first, "TSC: monotonic");
}

static void check_efer(void)
{
	u64 efer = rdmsr(MSR_EFER);

	if (is_64bit())
		report((efer & (EFER_LME | EFER_LMA)) == (EFER_LME | EFER_LMA), "EFER: LME and LMA set");
	if (ext_feature(CPUID_8001_EDX_SYSCALL)) {
		wrmsr(MSR_EFER, efer ^ EFER_SCE);
		report((rdmsr(MSR_EFER) ^ efer) == EFER_SCE, "EFER: SCE toggles");
		wrmsr(MSR_EFER, efer);
	} else {
		report_skip("EFER.SCE: no SYSCALL in CPUID");
	}
	if (cpu_has_nx()) {
		wrmsr(MSR_EFER, efer ^ EFER_NXE);
		report((rdmsr(MSR_EFER) ^ efer) == EFER_NXE, "EFER: NXE toggles");
		wrmsr(MSR_EFER, efer);
	} else {
		report_skip("EFER.NXE: no NX in CPUID");
	}
	report_dev(TCG_NO_CHECKS, NULL, wrmsr_raises_gp(MSR_EFER, efer | (1ULL << 9)),
		   "EFER: reserved bit 9: #GP");
	report_dev(TCG_NO_CHECKS, NULL, wrmsr_raises_gp(MSR_EFER, efer | (1ULL << 63)),
		   "EFER: reserved bit 63: #GP");
	/* SDM 9.8.5: LME may change only with paging off. */
	if (is_64bit())
		report_dev(TCG_NO_CHECKS, NULL, wrmsr_raises_gp(MSR_EFER, efer & ~EFER_LME),
			   "EFER: clearing LME with paging on: #GP");
}

static void check_nonexistent(void)
{
	u64 v;

	report_dev(TCG_NO_CHECKS, NULL, rdmsr_safe(MSR_NONEXISTENT, &v) == GP_VECTOR,
		   "rdmsr %#x: #GP", MSR_NONEXISTENT);
	report_dev(TCG_NO_CHECKS, NULL, wrmsr_safe(MSR_NONEXISTENT, 0) == GP_VECTOR,
		   "wrmsr %#x: #GP", MSR_NONEXISTENT);
}

int main(int argc, char **argv, char **envp)
{
	on_tcg = cpu_hypervisor_is("TCGTCGTCGTCG");
	on_kvm = cpu_hypervisor_is("KVMKVMKVM");
	on_pvm = on_kvm && kvm_module_is("kvm_pvm");
	report_info("hypervisor: %s", on_tcg ? "QEMU TCG" :
		    on_kvm ? "KVM" : "other or none");
	report_prefix_push("msr");
	check_sysenter();
	check_tsc_aux();
	check_long_mode_msrs();
	check_pat();
	check_tsc();
	check_efer();
	check_nonexistent();
	check_non_canonical();
	report_prefix_pop();
	return report_summary();
}
