/*
 * SMAP and SMEP (SDM vol. 3 4.6): with CR4.SMAP, supervisor data accesses to user pages
 * fault unless EFLAGS.AC is set (STAC/CLAC, both #UD at CPL 3); with CR4.SMEP, supervisor
 * instruction fetches from user pages fault. Each fault has the right error code and CR2.
 */
#include <libcflat.h>
#include <x86/desc.h>
#include <x86/fault.h>
#include <x86/processor.h>
#include <x86/vm.h>

static void do_read(void *p)
{
	(void)*(volatile unsigned long *)p;
}

static void do_write(void *p)
{
	*(volatile unsigned long *)p = 1;
}

static void do_read_stac(void *p)
{
	asm volatile("stac" ::: "cc");
	(void)*(volatile unsigned long *)p;
	asm volatile("clac" ::: "cc");
}

static void do_write_stac(void *p)
{
	asm volatile("stac" ::: "cc");
	*(volatile unsigned long *)p = 2;
	asm volatile("clac" ::: "cc");
}

static void __user_text user_stac(void *p)
{
	asm volatile("stac" ::: "cc");
}

static void __user_text user_clac(void *p)
{
	asm volatile("clac" ::: "cc");
}

static void expect_pf(int vec, struct fault *f, void *addr, u32 code, const char *what)
{
	report(vec == PF_VECTOR && f->error_code == code && f->cr2 == (unsigned long)addr,
	       "%s: #PF, error code %#x, CR2 the address (got vector %d, code %#x)", what, code,
	       vec, f->error_code);
}

static void check_smap(u8 *user_page)
{
	unsigned long cr4 = read_cr4();
	void *p = user_page + 16;
	struct fault f;

	report_prefix_push("smap");
	if (!require_feature(X86_FEATURE_SMAP, "smap"))
		goto out;
	report(run_catching(do_read, p, NULL) == EXC_NONE, "SMAP=0: kernel reads a user page");
	write_cr4(cr4 | X86_CR4_SMAP);
	expect_pf(run_catching(do_read, p, &f), &f, p, PFERR_PRESENT, "SMAP=1: kernel read");
	expect_pf(run_catching(do_write, p, &f), &f, p, PFERR_PRESENT | PFERR_WRITE,
		  "SMAP=1: kernel write");
	report(run_catching(do_read_stac, p, NULL) == EXC_NONE, "SMAP=1, AC=1: kernel read works");
	report(run_catching(do_write_stac, p, NULL) == EXC_NONE, "SMAP=1, AC=1: kernel write works");
	report(run_catching(do_read, p, NULL) == PF_VECTOR, "after CLAC: kernel read faults again");
	report(run_catching(do_read, user_page - PAGE_SIZE, NULL) == EXC_NONE,
	       "SMAP=1: a supervisor page is not affected");
	report(run_in_user(user_stac, NULL, &f) == UD_VECTOR, "stac at CPL 3: #UD");
	report(run_in_user(user_clac, NULL, &f) == UD_VECTOR, "clac at CPL 3: #UD");
	write_cr4(cr4);
	report(*(volatile unsigned long *)p == 2, "the write with AC=1 reached memory");
out:
	report_prefix_pop();
}

static void check_smep(u8 *user_page)
{
	unsigned long cr4 = read_cr4();
	struct fault f;

	report_prefix_push("smep");
	if (!require_feature(X86_FEATURE_SMEP, "smep"))
		goto out;
	user_page[0] = 0xc3; /* ret */
	report(run_catching((fragment_t)user_page, NULL, NULL) == EXC_NONE,
	       "SMEP=0: kernel runs code in a user page");
	write_cr4(cr4 | X86_CR4_SMEP);
	expect_pf(run_catching((fragment_t)user_page, NULL, &f), &f, user_page,
		  PFERR_PRESENT | PFERR_FETCH, "SMEP=1: kernel fetch");
	report(f.ip == (unsigned long)user_page, "SMEP=1: reported at the user page");
	report(run_catching(do_read, user_page, NULL) == EXC_NONE,
	       "SMEP=1: kernel data reads of the page still work");
	write_cr4(cr4);
out:
	report_prefix_pop();
}

int main(void)
{
	u8 *pages = alloc_pages(1), *user_page = pages + PAGE_SIZE;

	if (!vm_require_paging())
		return report_summary();
	vm_change_flags(user_page, PT_USER | PT_WRITABLE, PT_NX);
	check_smap(user_page);
	check_smep(user_page);
	return report_summary();
}
