/*
 * 5-level paging (SDM vol. 3 4.5, CR4.LA57 with CPUID.7.0:ECX[16]): CR4.LA57 cannot change
 * in IA-32e mode (#GP); the test leaves IA-32e mode through compatibility mode, turns it on
 * with a PML5 whose entry 0 is the boot PML4, and comes back. Then linear addresses have 57
 * bits: bit 47 no longer makes an address non-canonical (an unmapped one raises #PF with
 * that CR2), bits 63:57 must copy bit 56 (#GP otherwise), and a page mapped through PML5
 * entry 2 is reachable at its 57-bit address.
 */
#include <libcflat.h>
#include <x86/desc.h>
#include <x86/fault.h>
#include <x86/processor.h>
#include <x86/vm.h>

#ifdef __x86_64__
#define STR_(x) #x
#define STR(x) STR_(x)
#define HIGH_VA (1UL << 50) /* PML5 index 2 */

/* la57_switch(cr3, cr4): paging off in compatibility mode, load CR4 and CR3, paging on. */
extern void la57_switch(unsigned long cr3, unsigned long cr4);
asm(".pushsection .text\n"
    "la57_switch:\n\t"
    "pushq $" STR(KERNEL_CS32) "\n\t"
    "pushq $1f\n\t"
    "lretq\n"
    ".code32\n"
    "1:\tmov %cr0, %eax\n\t"
    "and $0x7fffffff, %eax\n\t"
    "mov %eax, %cr0\n\t"
    "mov %esi, %cr4\n\t"
    "mov %edi, %cr3\n\t"
    "or $0x80000000, %eax\n\t"
    "mov %eax, %cr0\n\t"
    "ljmp $" STR(KERNEL_CS) ", $2f\n"
    ".code64\n"
    "2:\tret\n"
    ".popsection");

static void toggle_la57(void *arg)
{
	write_cr4(read_cr4() ^ X86_CR4_LA57);
}

static void read_at(void *p)
{
	(void)*(volatile unsigned long *)p;
}

/* A 4-level tree below one PML5 entry that maps @va to @pa (4 KiB, writable). */
static void map_high(u64 *pml5, unsigned long va, phys_addr_t pa)
{
	u64 *table = pml5;
	int level;

	for (level = 5; level > 1; level--) {
		unsigned int idx = (va >> (12 + 9 * (level - 1))) & 511;

		if (!(table[idx] & PT_PRESENT)) {
			u64 *next = alloc_page();

			memset(next, 0, PAGE_SIZE);
			table[idx] = (unsigned long)next | PT_PRESENT | PT_WRITABLE;
		}
		table = (u64 *)(unsigned long)(table[idx] & PT_ADDR_MASK);
	}
	table[(va >> 12) & 511] = pa | PT_PRESENT | PT_WRITABLE;
}

int main(void)
{
	u64 *pml5 = alloc_page();
	u32 *page = alloc_page();
	unsigned long flags = read_flags();
	struct fault f;

	if (!require_feature(X86_FEATURE_LA57, "la57"))
		return report_summary();
	report(run_catching(toggle_la57, NULL, &f) == GP_VECTOR,
	       "setting CR4.LA57 in IA-32e mode: #GP");

	memset(pml5, 0, PAGE_SIZE);
	pml5[0] = read_cr3() | PT_PRESENT | PT_WRITABLE | PT_USER;
	map_high(pml5, HIGH_VA, (phys_addr_t)page);
	irq_disable();
	la57_switch((unsigned long)pml5, read_cr4() | X86_CR4_LA57);
	asm volatile("push %0; popf" : : "g"(flags) : "memory", "cc");
	report(read_cr4() & X86_CR4_LA57, "back in IA-32e mode with CR4.LA57 set");
	report(rdmsr(MSR_EFER) & EFER_LMA, "EFER.LMA is set again");

	*page = 0x57575757;
	report(*(volatile u32 *)HIGH_VA == 0x57575757,
	       "a page mapped through PML5 entry 2 is reachable at %#lx", HIGH_VA);
	run_catching(read_at, (void *)0x0000800000000000UL, &f);
	report(f.vector == PF_VECTOR && f.cr2 == 0x0000800000000000UL,
	       "bit 47 set, bits 63:48 clear: canonical now, an unmapped #PF (vector %d)",
	       f.vector);
	run_catching(read_at, (void *)0x0100000000000000UL, &f);
	report(f.vector == GP_VECTOR, "bit 56 set, bits 63:57 clear: non-canonical, #GP");
	run_catching(read_at, (void *)0xff00000000000000UL, &f);
	report(f.vector == PF_VECTOR, "bits 63:56 all set: canonical, an unmapped #PF");
	return report_summary();
}
#else
int main(void)
{
	report_skip("5-level paging exists only in IA-32e mode");
	return report_summary();
}
#endif
