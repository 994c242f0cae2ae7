/*
 * Protection keys for supervisor pages (CPUID.7.0:ECX[31], CR4.PKS, IA32_PKRS): the AD and
 * WD bits for a supervisor page's key deny kernel reads and writes with PK in the #PF error
 * code (WD only with CR0.WP); user pages and key 0 are unaffected.
 */
#include <libcflat.h>
#include <x86/desc.h>
#include <x86/fault.h>
#include <x86/processor.h>
#include <x86/vm.h>

#define MSR_IA32_PKRS 0x6e1
#define PFERR_PK (1U << 5)
#define PTE_PKEY_SHIFT 59
#define PKRS_AD(key) (1ULL << (2 * (key)))
#define PKRS_WD(key) (1ULL << (2 * (key) + 1))

static void do_read(void *p)
{
	(void)*(volatile unsigned long *)p;
}

static void do_write(void *p)
{
	*(volatile unsigned long *)p = 5;
}

static void expect_pk(int vec, struct fault *f, void *p, u32 code, const char *what)
{
	u32 want = code | PFERR_PK | PFERR_PRESENT;

	report(vec == PF_VECTOR && f->error_code == want && f->cr2 == (unsigned long)p,
	       "%s: #PF with PK, error code %#x (got %d, %#x)", what, want, vec, f->error_code);
}

int main(void)
{
	unsigned long cr4 = read_cr4();
	u8 *pages = alloc_pages(2), *key1 = pages, *key0 = pages + PAGE_SIZE;
	u8 *user1 = pages + 2 * PAGE_SIZE;
	struct fault f;

	if (!require_feature(X86_FEATURE_PKS, "pks") || !vm_require_paging())
		return report_summary();
	vm_change_flags(key1, (1ULL << PTE_PKEY_SHIFT) | PT_WRITABLE, 0);
	vm_change_flags(user1, (1ULL << PTE_PKEY_SHIFT) | PT_WRITABLE | PT_USER, 0);
	write_cr4(cr4 | X86_CR4_PKS);
	wrmsr(MSR_IA32_PKRS, PKRS_AD(1));
	report(rdmsr(MSR_IA32_PKRS) == PKRS_AD(1), "IA32_PKRS reads back");
	expect_pk(run_catching(do_read, key1, &f), &f, key1, 0, "AD(1): kernel read");
	expect_pk(run_catching(do_write, key1, &f), &f, key1, PFERR_WRITE, "AD(1): kernel write");
	report(run_catching(do_read, key0, NULL) == EXC_NONE, "AD(1): a key 0 page is readable");
	report(run_catching(do_read, user1, NULL) == EXC_NONE,
	       "AD(1): a user page with key 1 is not governed by IA32_PKRS");
	wrmsr(MSR_IA32_PKRS, PKRS_WD(1));
	report(run_catching(do_read, key1, NULL) == EXC_NONE, "WD(1): kernel read works");
	expect_pk(run_catching(do_write, key1, &f), &f, key1, PFERR_WRITE, "WD(1): kernel write");
	write_cr4(cr4);
	report(run_catching(do_write, key1, NULL) == EXC_NONE, "CR4.PKS=0: keys are ignored");
	wrmsr(MSR_IA32_PKRS, 0);
	return report_summary();
}
