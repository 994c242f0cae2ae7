#include <libcflat.h>
#include <x86/desc.h>
#include <x86/processor.h>
#include <x86/vm.h>

#ifdef __x86_64__
#define TOP_LEVEL 4
#else
#define TOP_LEVEL 3 /* PAE: CR3 -> PDPT (4 entries) -> PD -> PT */
#endif

static unsigned int level_shift(int level)
{
	return PAGE_SHIFT + 9 * (level - 1);
}

static unsigned int pt_index(const void *va, int level)
{
	return ((unsigned long)va >> level_shift(level)) & 511;
}

static pteval_t *table_of(pteval_t e)
{
	return (pteval_t *)(unsigned long)(e & PT_ADDR_MASK);
}

static bool is_leaf(pteval_t e, int level)
{
	return level == 1 || !(e & PT_PRESENT) || ((e & PT_PAGE_SIZE) && level < TOP_LEVEL);
}

pteval_t *vm_walk(const void *va, int *level)
{
	pteval_t *table = (pteval_t *)(unsigned long)pt_root;
	int l;

	for (l = TOP_LEVEL;; l--) {
		pteval_t *e = &table[pt_index(va, l)];

		if (is_leaf(*e, l)) {
			*level = l;
			return e;
		}
		table = table_of(*e);
	}
}

/* Non-leaf entries allow everything; the leaf decides (PAE PDPTEs have no such bits). */
static pteval_t table_entry(void *table, int level)
{
	pteval_t flags = PT_PRESENT;

#ifndef __x86_64__
	if (level == TOP_LEVEL)
		return (unsigned long)table | flags;
#endif
	return (unsigned long)table | flags | PT_WRITABLE | PT_USER;
}

/* Replace the large-page leaf *e at @level by a table of @level - 1 mapping the same. */
static void split_large_page(pteval_t *e, int level)
{
	pteval_t *table = alloc_page(), base = *e & PT_ADDR_MASK;
	pteval_t flags = *e & ~PT_ADDR_MASK;
	int i;

	assert(table);
	if (level - 1 == 1)
		flags &= ~PT_PAGE_SIZE; /* bit 7 is PAT in a 4 KiB PTE (SDM 4.5) */
	for (i = 0; i < 512; i++)
		table[i] = (base + ((pteval_t)i << level_shift(level - 1))) | flags;
	*e = table_entry(table, level);
}

pteval_t *vm_pte(const void *va)
{
	pteval_t *table = (pteval_t *)(unsigned long)pt_root;
	int l;

	for (l = TOP_LEVEL; l > 1; l--) {
		pteval_t *e = &table[pt_index(va, l)];

		if (!(*e & PT_PRESENT)) {
			void *t = alloc_page();

			assert(t);
			*e = table_entry(t, l);
		} else if (*e & PT_PAGE_SIZE && l < TOP_LEVEL) {
			split_large_page(e, l);
		}
		table = table_of(*e);
	}
	return &table[pt_index(va, 1)];
}

void vm_flush_tlb(void)
{
	write_cr3(read_cr3());
}

void vm_map_page(void *va, phys_addr_t pa, pteval_t flags)
{
	pteval_t *pte = vm_pte(va);

	*pte = ((pteval_t)pa & PT_ADDR_MASK) | flags | PT_PRESENT;
	invlpg(va);
}

void vm_unmap_page(void *va)
{
	*vm_pte(va) = 0;
	invlpg(va);
}

pteval_t vm_change_flags(void *va, pteval_t set, pteval_t clear)
{
	pteval_t *pte = vm_pte(va);

	*pte = (*pte | set) & ~clear;
	invlpg(va);
	return *pte;
}

phys_addr_t vm_virt_to_phys(const void *va)
{
	int level;
	pteval_t e = *vm_walk(va, &level);
	unsigned long offset_mask = (1UL << level_shift(level)) - 1;

	if (!(e & PT_PRESENT))
		return (phys_addr_t)-1;
	return (phys_addr_t)((e & PT_ADDR_MASK & ~(pteval_t)offset_mask) |
			     ((unsigned long)va & offset_mask));
}

int vm_enable_paging(void)
{
	unsigned long cr0 = read_cr0() | X86_CR0_PG | X86_CR0_WP, cr4 = read_cr4();

	if (vm_paging_enabled())
		return EXC_NONE;
	write_cr4(cr4 | X86_CR4_PAE);
	write_cr3(pt_root);
	if (cpu_has_nx())
		wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_NXE);
	exc_clear();
	asm volatile("1: mov %0, %%cr0\n2:\n\t" EXC_FIXUP("1b", "2b") : : "r"(cr0) : "memory");
	if (exc_vector() != EXC_NONE) {
		write_cr4(cr4);
		return exc_vector();
	}
	WRITE_ONCE(paging_enabled, 1);
	return EXC_NONE;
}

bool vm_require_paging(void)
{
	int vec = vm_enable_paging();

	if (vec != EXC_NONE)
		report_skip("paging: enabling it raised %s: the hypervisor refuses 32-bit paging "
			    "(known: kvm-pvm-paging32)", exception_name(vec));
	return vec == EXC_NONE;
}
