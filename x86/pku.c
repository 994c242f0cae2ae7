/*
 * Protection keys for user pages (SDM vol. 3 4.6.2): with CR4.PKE, PKRU's AD and WD bits
 * for a page's key (PTE bits 62:59) deny data reads and writes of user pages, from CPL 3
 * and from the kernel, with the PK bit in the #PF error code; key 0 is unaffected;
 * RDPKRU/WRPKRU need CR4.PKE and ECX (and EDX) zero.
 */
#include <libcflat.h>
#include <x86/desc.h>
#include <x86/fault.h>
#include <x86/processor.h>
#include <x86/vm.h>

#define PFERR_PK (1U << 5)
#define PTE_PKEY_SHIFT 59
#define PKRU_AD(key) (1U << (2 * (key)))
#define PKRU_WD(key) (1U << (2 * (key) + 1))

static void wrpkru(u32 val)
{
	asm volatile(".byte 0x0f, 0x01, 0xef" : : "a"(val), "c"(0), "d"(0) : "memory");
}

static void do_rdpkru(void *arg)
{
	u32 val;

	asm volatile(".byte 0x0f, 0x01, 0xee" : "=a"(val) : "c"(0) : "rdx");
	*(u32 *)arg = val;
}

static void do_wrpkru_ecx(void *arg)
{
	asm volatile(".byte 0x0f, 0x01, 0xef" : : "a"(0), "c"(1), "d"(0) : "memory");
}

static void __user_text user_read(void *p)
{
	(void)*(volatile unsigned long *)p;
}

static void __user_text user_write(void *p)
{
	*(volatile unsigned long *)p = 3;
}

static void kernel_read(void *p)
{
	(void)*(volatile unsigned long *)p;
}

static void expect_pk(int vec, struct fault *f, void *p, u32 code, const char *what)
{
	report(vec == PF_VECTOR && f->error_code == (code | PFERR_PK | PFERR_PRESENT) &&
	       f->cr2 == (unsigned long)p, "%s: #PF with PK, error code %#x (got %d, %#x)", what,
	       code | PFERR_PK | PFERR_PRESENT, vec, f->error_code);
}

static void check_keys(u8 *key1, u8 *key0)
{
	struct fault f;

	wrpkru(PKRU_AD(1));
	expect_pk(run_in_user(user_read, key1, &f), &f, key1, PFERR_USER, "AD(1): user read");
	expect_pk(run_in_user(user_write, key1, &f), &f, key1, PFERR_USER | PFERR_WRITE,
		  "AD(1): user write");
	expect_pk(run_catching(kernel_read, key1, &f), &f, key1, 0, "AD(1): kernel read of it");
	report(run_in_user(user_read, key0, NULL) == EXC_NONE, "AD(1): a key 0 page is readable");

	wrpkru(PKRU_WD(1));
	report(run_in_user(user_read, key1, NULL) == EXC_NONE, "WD(1): user read works");
	expect_pk(run_in_user(user_write, key1, &f), &f, key1, PFERR_USER | PFERR_WRITE,
		  "WD(1): user write");
	report(run_in_user(user_write, key0, NULL) == EXC_NONE, "WD(1): a key 0 page is writable");

	wrpkru(0);
	report(run_in_user(user_write, key1, NULL) == EXC_NONE, "PKRU=0: user write works");
}

int main(void)
{
	unsigned long cr4 = read_cr4();
	u8 *pages = alloc_pages(1), *key1 = pages, *key0 = pages + PAGE_SIZE;
	u32 pkru = ~0U;

	if (!require_feature(X86_FEATURE_PKU, "pku") || !vm_require_paging())
		return report_summary();
	report(run_catching(do_rdpkru, &pkru, NULL) == UD_VECTOR, "CR4.PKE=0: RDPKRU raises #UD");
	write_cr4(cr4 | X86_CR4_PKE);
	report(cpu_has(X86_FEATURE_OSPKE), "CR4.PKE=1: CPUID reports %s",
	       feature_str(X86_FEATURE_OSPKE));
	report(run_catching(do_rdpkru, &pkru, NULL) == EXC_NONE, "CR4.PKE=1: RDPKRU works");
	report(run_catching(do_wrpkru_ecx, NULL, NULL) == GP_VECTOR, "WRPKRU with ECX=1: #GP");
	wrpkru(0x12345678);
	do_rdpkru(&pkru);
	report(pkru == 0x12345678, "WRPKRU then RDPKRU round trip (%#x)", pkru);
	wrpkru(0);

	vm_change_flags(key1, PT_USER | PT_WRITABLE | (1ULL << PTE_PKEY_SHIFT), 0);
	vm_change_flags(key0, PT_USER | PT_WRITABLE, 0);
	check_keys(key1, key0);
	write_cr4(cr4);
	report(run_in_user(user_read, key1, NULL) == EXC_NONE, "CR4.PKE=0: keys are ignored");
	return report_summary();
}
