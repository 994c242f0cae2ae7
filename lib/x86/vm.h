/*
 * Paging helpers over the boot identity map (x86_64: 4-level, i386: PAE 3-level).
 * Page-table pages come from the page allocator and are identity mapped.
 */
#ifndef X86_VM_H
#define X86_VM_H

#include <libcflat.h>

typedef u64 pteval_t;

#define PT_PRESENT (1ULL << 0)
#define PT_WRITABLE (1ULL << 1)
#define PT_USER (1ULL << 2)
#define PT_PWT (1ULL << 3)
#define PT_PCD (1ULL << 4)
#define PT_ACCESSED (1ULL << 5)
#define PT_DIRTY (1ULL << 6)
#define PT_PAGE_SIZE (1ULL << 7) /* large page in a PD/PDPT entry */
#define PT_GLOBAL (1ULL << 8)
#define PT_NX (1ULL << 63)
#define PT_ADDR_MASK 0x000ffffffffff000ULL
#define PT_CACHE_MASK (PT_PWT | PT_PCD)
#define PT_UNCACHED (PT_PWT | PT_PCD) /* UC with the reset PAT (SDM 11.12.3) */

extern u32 pt_root;
extern u32 paging_enabled;

static inline bool vm_paging_enabled(void)
{
	return READ_ONCE(paging_enabled);
}

/*
 * Turn paging on with the identity map if it is not on yet (i386). Returns EXC_NONE,
 * or the vector the CPU raised (#GP where the hypervisor refuses 32-bit paging: known
 * deviation kvm-pvm-paging32).
 */
int vm_enable_paging(void);
/* vm_enable_paging(), or a SKIP line naming the vector the CPU raised and false. */
bool vm_require_paging(void);

/* The entry that maps @va at whatever level it is (leaf or not present); *level 1 = PTE. */
pteval_t *vm_walk(const void *va, int *level);
/* The 4 KiB PTE for @va, splitting a large page or adding a page table as needed. */
pteval_t *vm_pte(const void *va);

void vm_map_page(void *va, phys_addr_t pa, pteval_t flags); /* PT_PRESENT implied */
void vm_unmap_page(void *va);
/* Set then clear flag bits on the 4 KiB mapping of @va; returns the new entry. */
pteval_t vm_change_flags(void *va, pteval_t set, pteval_t clear);
phys_addr_t vm_virt_to_phys(const void *va); /* (phys_addr_t)-1 if unmapped */
void vm_flush_tlb(void);

#endif
