/*
 * PCID and INVPCID against CPUID (SDM vol. 3 4.10.1, vol. 2 INVPCID). CR4.PCIDE can be set
 * only with CPUID.PCID, in IA-32e mode, with CR3[11:0] zero; with it, CR3[11:0] is the
 * current PCID and bit 63 of a CR3 write (no-flush) does not stick. INVPCID exists only with
 * CPUID.INVPCID (#UD otherwise), takes types 0-3 (#GP for others), and with CR4.PCIDE clear
 * a non-zero PCID in types 0 and 1 is a #GP. An INVPCID of one address makes a changed
 * mapping visible.
 */
#include <libcflat.h>
#include <x86/desc.h>
#include <x86/fault.h>
#include <x86/processor.h>
#include <x86/vm.h>

#define CR3_NOFLUSH (1ULL << 63)

struct invpcid_desc {
	u64 pcid;
	u64 addr;
};

struct invpcid_args {
	unsigned long type;
	struct invpcid_desc desc;
};

static void do_invpcid(void *arg)
{
	struct invpcid_args *a = arg;

	asm volatile("invpcid %1, %0" : : "r"(a->type), "m"(a->desc) : "memory");
}

static int invpcid(unsigned long type, u64 pcid, u64 addr)
{
	struct invpcid_args a = { type, { pcid, addr } };

	return run_catching(do_invpcid, &a, NULL);
}

static void set_pcide(void *arg)
{
	write_cr4(read_cr4() | X86_CR4_PCIDE);
}

static void check_pcide(bool has_pcid)
{
	unsigned long __unused cr3 = read_cr3(), cr4 = read_cr4();

	report_prefix_push("CR4.PCIDE");
	if (!has_pcid) {
		report_kfail(accel_is("tcg"), "tcg-pcide-nocpuid: QEMU 7.2 accepts CR4.PCIDE without CPUID.PCID",
			     run_catching(set_pcide, NULL, NULL) == GP_VECTOR,
			     "CPUID lacks %s: setting it raises #GP", feature_str(X86_FEATURE_PCID));
		write_cr4(cr4);
		goto out;
	}
#ifdef __x86_64__
	write_cr3(cr3 | 1);
	report(run_catching(set_pcide, NULL, NULL) == GP_VECTOR, "with CR3[11:0] = 1: #GP");
	write_cr3(cr3);
	report(run_catching(set_pcide, NULL, NULL) == EXC_NONE, "with CR3[11:0] = 0: set");
	write_cr3(cr3 | 5);
	report((read_cr3() & 0xfff) == 5, "CR3[11:0] holds PCID 5");
	write_cr3(cr3 | 6 | CR3_NOFLUSH);
	report(read_cr3() == (cr3 | 6), "a no-flush CR3 write: PCID 6, bit 63 not kept");
	write_cr3(cr3);
	write_cr4(cr4);
	report(!(read_cr4() & X86_CR4_PCIDE), "clearing it with PCID 0 works");
#else
	report(run_catching(set_pcide, NULL, NULL) == GP_VECTOR, "outside IA-32e mode: #GP");
#endif
out:
	report_prefix_pop();
}

static void check_invpcid(bool has_invpcid)
{
	report_prefix_push("INVPCID");
	if (!has_invpcid) {
		report(invpcid(2, 0, 0) == UD_VECTOR, "CPUID lacks %s: #UD",
		       feature_str(X86_FEATURE_INVPCID));
		goto out;
	}
	report(invpcid(0, 0, 0) == EXC_NONE, "type 0 (one address), PCID 0");
	report(invpcid(1, 0, 0) == EXC_NONE, "type 1 (one context), PCID 0");
	report(invpcid(2, 0, 0) == EXC_NONE, "type 2 (all, with globals)");
	report(invpcid(3, 0, 0) == EXC_NONE, "type 3 (all but globals)");
	report(invpcid(4, 0, 0) == GP_VECTOR, "type 4: #GP");
	report(invpcid(0, 1 << 12, 0) == GP_VECTOR, "PCID above 4095: #GP");
	if (!(read_cr4() & X86_CR4_PCIDE)) {
		report(invpcid(0, 1, 0) == GP_VECTOR, "CR4.PCIDE=0, type 0, PCID 1: #GP");
		report(invpcid(1, 1, 0) == GP_VECTOR, "CR4.PCIDE=0, type 1, PCID 1: #GP");
	}
#ifdef __x86_64__
	report(invpcid(0, 0, 0x8000000000000000ULL) == GP_VECTOR,
	       "type 0 with a non-canonical address: #GP");
#endif
out:
	report_prefix_pop();
}

/* Remap a page behind the TLB's back, then INVPCID that address: the new frame shows. */
static void check_invpcid_flushes(void)
{
	u32 *a = alloc_page(), *b = alloc_page();
	u32 *va = (u32 *)0x60000000UL;

	if (!cpu_has(X86_FEATURE_INVPCID) || !vm_require_paging())
		return;
	*a = 0xaaaa;
	*b = 0xbbbb;
	vm_map_page(va, (phys_addr_t)a, PT_WRITABLE);
	(void)READ_ONCE(*va);
	*vm_pte(va) = (phys_addr_t)b | PT_PRESENT | PT_WRITABLE;
	invpcid(0, 0, (unsigned long)va);
	report(READ_ONCE(*va) == 0xbbbb, "after INVPCID type 0 the new mapping is used");
	vm_unmap_page(va);
}

/*
 * The command line names the CPU model the cfg entry asks for: "enabled" (PCID and INVPCID),
 * "disabled" (neither) or "asymmetric" (INVPCID only). A CPU that differs is a SKIP.
 */
static bool cpu_matches(const char *model, bool has_pcid, bool has_invpcid)
{
	bool want_pcid = !strcmp(model, "enabled");
	bool want_invpcid = want_pcid || !strcmp(model, "asymmetric");

	if (strcmp(model, "enabled") && strcmp(model, "disabled") && strcmp(model, "asymmetric")) {
		report_fail("unknown model '%s' (enabled, disabled, asymmetric)", model);
		return false;
	}
	if (has_pcid != want_pcid) {
		report_skip("pcid-%s: needs %s %s", model, feature_str(X86_FEATURE_PCID),
			    want_pcid ? "set" : "clear");
		return false;
	}
	if (has_invpcid != want_invpcid) {
		report_skip("pcid-%s: needs %s %s", model, feature_str(X86_FEATURE_INVPCID),
			    want_invpcid ? "set" : "clear");
		return false;
	}
	return true;
}

int main(int argc, char **argv)
{
	bool has_pcid = cpu_has(X86_FEATURE_PCID), has_invpcid = cpu_has(X86_FEATURE_INVPCID);

	if (!cpu_matches(argc > 1 ? argv[1] : "", has_pcid, has_invpcid))
		return report_summary();
	check_pcide(has_pcid);
	check_invpcid(has_invpcid);
	check_invpcid_flushes();
	return report_summary();
}
