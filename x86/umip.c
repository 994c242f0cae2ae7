/*
 * UMIP (SDM vol. 3 2.5, CR4.UMIP): with it set, SGDT, SIDT, SLDT, SMSW and STR at CPL > 0
 * raise #GP(0); at CPL 0, or with it clear, they run.
 */
#include <libcflat.h>
#include <x86/desc.h>
#include <x86/fault.h>
#include <x86/processor.h>
#include <x86/vm.h>

static void __user_text do_sgdt(void *buf)
{
	asm volatile("sgdt (%0)" : : "r"(buf) : "memory");
}

static void __user_text do_sidt(void *buf)
{
	asm volatile("sidt (%0)" : : "r"(buf) : "memory");
}

static void __user_text do_sldt(void *buf)
{
	asm volatile("sldt (%0)" : : "r"(buf) : "memory");
}

static void __user_text do_smsw(void *buf)
{
	asm volatile("smsw (%0)" : : "r"(buf) : "memory");
}

static void __user_text do_str(void *buf)
{
	asm volatile("str (%0)" : : "r"(buf) : "memory");
}

static const struct {
	const char *name;
	fragment_t fn;
} insns[] = {
	{ "sgdt", do_sgdt }, { "sidt", do_sidt }, { "sldt", do_sldt },
	{ "smsw", do_smsw }, { "str", do_str },
};

static void check_all(void *buf, bool umip)
{
	struct fault f;
	int i;

	for (i = 0; i < ARRAY_SIZE(insns); i++) {
		run_in_user(insns[i].fn, buf, &f);
		if (umip)
			report(f.vector == GP_VECTOR && f.error_code == 0,
			       "UMIP=1: %s at CPL 3 raises #GP(0)", insns[i].name);
		else
			report(f.vector == EXC_NONE, "UMIP=0: %s at CPL 3 runs", insns[i].name);
		if (umip)
			report(run_catching(insns[i].fn, buf, NULL) == EXC_NONE,
			       "UMIP=1: %s at CPL 0 runs", insns[i].name);
	}
}

static void set_umip(void *arg)
{
	write_cr4(read_cr4() | X86_CR4_UMIP);
}

int main(void)
{
	unsigned long cr4 = read_cr4();
	char *buf = alloc_page();
	struct descriptor_ptr *gdtr = (struct descriptor_ptr *)buf;

	if (!cpu_has(X86_FEATURE_UMIP)) {
		if (accel_is("tcg"))
			report_skip("CPUID lacks UMIP: setting CR4.UMIP hangs QEMU 7.2 TCG "
				    "(known: tcg-cr4-retry)");
		else
			report(run_catching(set_umip, NULL, NULL) == GP_VECTOR,
			       "CPUID lacks UMIP: setting CR4.UMIP raises #GP");
		write_cr4(cr4);
		report_skip("umip: %s is clear", feature_str(X86_FEATURE_UMIP));
		return report_summary();
	}
	vm_change_flags(buf, PT_USER | PT_WRITABLE, 0);
	run_in_user(do_sgdt, buf, NULL);
	report(gdtr->limit == gdt_descr.limit && gdtr->base == gdt_descr.base,
	       "UMIP=0: SGDT at CPL 3 stores the GDTR");
	check_all(buf, false);
	write_cr4(cr4 | X86_CR4_UMIP);
	report(read_cr4() & X86_CR4_UMIP, "CR4.UMIP sets");
	check_all(buf, true);
	write_cr4(cr4);
	return report_summary();
}
