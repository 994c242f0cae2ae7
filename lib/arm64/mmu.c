/*
 * Stage 1 translation for EL1&0: 4 KiB granule, 39-bit VA (T0SZ = 25), walks start at
 * level 1 (Arm ARM D8.2, "Translation table walk"). Two maps: a boot map of 1 GiB
 * blocks built with the MMU off (static, in bss) so that C runs with caches and
 * unaligned accesses before the device tree is read, then the final map of mmu.h.
 */
#include <libcflat.h>
#include <arm64/io.h>
#include <arm64/mmu.h>
#include <arm64/sysreg.h>

#define PTRS_PER_TABLE 512
#define L1_SHIFT 30
#define L2_SHIFT 21
#define L3_SHIFT 12
#define VA_BITS 39

/* Descriptor bits (Arm ARM D8.3, VMSAv8-64 translation table format descriptors). */
#define DESC_VALID BIT(0)
#define DESC_TABLE (BIT(0) | BIT(1)) /* a table at levels 0-2, a page at level 3 */
#define DESC_BLOCK BIT(0)
#define DESC_ATTRINDX(i) ((u64)(i) << 2)
#define DESC_AP_EL0 BIT(6)  /* AP[1]: EL0 access */
#define DESC_AP_RO BIT(7)   /* AP[2]: read-only */
#define DESC_SH_INNER (3UL << 8)
#define DESC_AF BIT(10)
#define DESC_PXN BIT_ULL(53)
#define DESC_UXN BIT_ULL(54)
#define DESC_ADDR_MASK GENMASK_ULL(47, 12)

#define DESC_DEVICE (DESC_ATTRINDX(MT_DEVICE_nGnRE) | DESC_AF | DESC_PXN | DESC_UXN)
#define DESC_NORMAL (DESC_ATTRINDX(MT_NORMAL) | DESC_SH_INNER | DESC_AF)

/* MAIR_EL1 encodings: nGnRnE 0x00, nGnRE 0x04, Normal NC 0x44, Normal WB RW-allocate 0xff. */
#define MAIR_VALUE ((0x00UL << (8 * MT_DEVICE_nGnRnE)) | (0x04UL << (8 * MT_DEVICE_nGnRE)) | \
		    (0x44UL << (8 * MT_NORMAL_NC)) | (0xffUL << (8 * MT_NORMAL)))

/* TCR_EL1: T0SZ/T1SZ = 25, inner/outer WBWA inner-shareable walks, TTBR1 walks disabled. */
#define TCR_TxSZ(x) ((u64)(x) | ((u64)(x) << 16))
#define TCR_WALK_ATTRS ((1UL << 8) | (1UL << 10) | (3UL << 12))
#define TCR_EPD1 BIT(23)
#define TCR_TBI0 BIT_ULL(37)
#define MAIR_NORMAL_TAGGED 0xf0UL
#define TCR_IPS_SHIFT 32

/* SCTLR_EL1 (Arm ARM D17.2.118): M, C, SA, SA0, I, DZE, UCT, nTWI, nTWE, UCI, the RES1
 * bits, and SPAN so that taking an exception does not set PSTATE.PAN (the image's text
 * is EL0-readable, and a PAN=1 handler could not read its own rodata). */
#define SCTLR_MMU_ON (BIT(0) | BIT(2) | BIT(3) | BIT(4) | BIT(12) | BIT(14) | BIT(15) | \
		      BIT(16) | BIT(18) | BIT(26) | BIT(23) | 0x30d00800UL)

struct mmu_regs {
	u64 ttbr0, tcr, mair, sctlr;
};
struct mmu_regs mmu_regs;
void mmu_load(struct mmu_regs *regs);

static u64 boot_l1[PTRS_PER_TABLE] __aligned(PAGE_SIZE);
static u64 *pgtable;
static phys_addr_t ram_lo, ram_hi;
static struct spinlock pt_lock;

extern char _start[], _etext[], _end[];

static u64 tcr_value(void)
{
	u64 parange = read_sysreg(id_aa64mmfr0_el1) & 0xf;

	/* 52-bit output needs LPA/LPA2 descriptors: stay at 48 bits (PARange 0b0101). */
	return TCR_TxSZ(64 - VA_BITS) | TCR_WALK_ATTRS | TCR_EPD1 | (MIN(parange, 5UL) << TCR_IPS_SHIFT);
}

static void dcache_inval_range(void *start, void *end)
{
	u64 line = 4UL << ((read_sysreg(ctr_el0) >> 16) & 0xf);
	u64 p;

	for (p = ALIGN_DOWN((u64)start, line); p < (u64)end; p += line)
		asm volatile("dc ivac, %0" : : "r"(p) : "memory");
	dsb(sy);
}

static void dcache_clean_range(void *start, void *end)
{
	u64 line = 4UL << ((read_sysreg(ctr_el0) >> 16) & 0xf);
	u64 p;

	for (p = ALIGN_DOWN((u64)start, line); p < (u64)end; p += line)
		asm volatile("dc cvac, %0" : : "r"(p) : "memory");
	dsb(sy);
}

/*
 * Called with the MMU off: device memory below 1 GiB, normal memory from 1 GiB to 8 GiB
 * (RAM starts at 1 GiB on QEMU virt; this map lives only until mmu_setup_final()).
 */
void mmu_enable_boot(void)
{
	u64 i;

	boot_l1[0] = 0 | DESC_BLOCK | DESC_DEVICE;
	for (i = 1; i < 8; i++)
		boot_l1[i] = (i << L1_SHIFT) | DESC_BLOCK | DESC_NORMAL;
	/* what we wrote with the MMU off is in memory; drop stale lines over it */
	dcache_inval_range(_start, _end);
	mmu_regs.ttbr0 = (u64)boot_l1;
	mmu_regs.tcr = tcr_value();
	mmu_regs.mair = MAIR_VALUE;
	mmu_regs.sctlr = SCTLR_MMU_ON;
	mmu_load(&mmu_regs);
}

static u64 *table_of(u64 desc)
{
	return (u64 *)(desc & DESC_ADDR_MASK);
}

static u64 *next_table(u64 *entry)
{
	if (!(*entry & DESC_VALID)) {
		u64 *t = alloc_page();

		assert_msg(t, "out of memory for page tables");
		*entry = (u64)t | DESC_TABLE;
	}
	assert_msg((*entry & DESC_TABLE) == DESC_TABLE, "splitting a block mapping");
	return table_of(*entry);
}

static u64 *pte_of(u64 *l1, u64 va, bool create)
{
	u64 *e = &l1[(va >> L1_SHIFT) % PTRS_PER_TABLE];

	if (!create && (*e & DESC_TABLE) != DESC_TABLE)
		return NULL;
	e = &next_table(e)[(va >> L2_SHIFT) % PTRS_PER_TABLE];
	if (!create && (*e & DESC_TABLE) != DESC_TABLE)
		return NULL;
	return &next_table(e)[(va >> L3_SHIFT) % PTRS_PER_TABLE];
}

static u64 page_desc(u64 pa, int attr)
{
	u64 d = pa | DESC_TABLE | DESC_NORMAL;

	switch (attr) {
	case PAGE_USER_RW:
		return d | DESC_AP_EL0 | DESC_UXN | DESC_PXN;
	case PAGE_KERNEL_XN:
		return d | DESC_UXN | DESC_PXN;
	case PAGE_USER_RX:
		return d | DESC_AP_EL0 | DESC_AP_RO;
	case PAGE_TAGGED_RW:
		d &= ~DESC_ATTRINDX(7);
		return d | DESC_ATTRINDX(MT_NORMAL_TAGGED) | DESC_UXN | DESC_PXN;
	default:
		return d | DESC_UXN;
	}
}

static bool in_image_text(u64 pa)
{
	return pa >= (u64)_start && pa < (u64)_etext;
}

/* Build the final map of [ram_start, ram_end) + device space below RAM and switch to it. */
void mmu_setup_final(phys_addr_t ram_start, phys_addr_t ram_end)
{
	u64 pa, gb;

	ram_lo = ram_start;
	ram_hi = ram_end;
	pgtable = alloc_page();
	assert(pgtable);
	assert_msg(ram_end <= (1UL << VA_BITS), "RAM beyond the 39-bit identity map");
	for (gb = 0; gb < ALIGN_DOWN(ram_start, SZ_1G) >> L1_SHIFT; gb++)
		pgtable[gb] = (gb << L1_SHIFT) | DESC_BLOCK | DESC_DEVICE;
	for (pa = ALIGN_DOWN(ram_start, SZ_1G); pa < ram_start; pa += SZ_2M)
		*(&next_table(&pgtable[pa >> L1_SHIFT])[(pa >> L2_SHIFT) % PTRS_PER_TABLE]) =
			pa | DESC_BLOCK | DESC_DEVICE;
	for (pa = ram_start; pa < ram_end; pa += PAGE_SIZE)
		*pte_of(pgtable, pa, true) = page_desc(pa, in_image_text(pa) ? PAGE_USER_RX : PAGE_NORMAL_RW);
	dsb(ishst);
	mmu_regs.ttbr0 = (u64)pgtable;
	/* secondaries read mmu_regs with their MMU off */
	dcache_clean_range(&mmu_regs, &mmu_regs + 1);
	mmu_load(&mmu_regs);
}

void mmu_enable_tagged(void)
{
	mmu_regs.mair |= MAIR_NORMAL_TAGGED << (8 * MT_NORMAL_TAGGED);
	mmu_regs.tcr |= TCR_TBI0;
	dcache_clean_range(&mmu_regs, &mmu_regs + 1);
	write_sysreg(mmu_regs.mair, mair_el1);
	write_sysreg(mmu_regs.tcr, tcr_el1);
	isb();
	asm volatile("tlbi vmalle1is" ::: "memory");
	dsb(ish);
	isb();
}

void mmu_enable_secondary(void)
{
	mmu_load(&mmu_regs);
}

bool mmu_enabled(void)
{
	return read_sysreg(sctlr_el1) & BIT(0);
}

static void flush_tlb_page(u64 va)
{
	dsb(ishst);
	asm volatile("tlbi vaae1is, %0" : : "r"(va >> 12) : "memory");
	dsb(ish);
	isb();
}

/* Break-before-make (Arm ARM D8.14.1): invalidate, flush the TLBs, then write the new entry. */
static void set_pte(u64 *pte, u64 va, u64 desc)
{
	WRITE_ONCE(*pte, 0);
	flush_tlb_page(va);
	WRITE_ONCE(*pte, desc);
	dsb(ishst);
	isb();
}

static u64 *ram_pte(const void *va)
{
	u64 a = (u64)va;

	assert_msg(a >= ram_lo && a < ram_hi, "%p is not in RAM", va);
	return pte_of(pgtable, a, false);
}

void mmu_set_page(void *va, int page_attr)
{
	u64 a = ALIGN_DOWN((u64)va, PAGE_SIZE);

	spin_lock(&pt_lock);
	set_pte(ram_pte(va), a, page_desc(a, page_attr));
	spin_unlock(&pt_lock);
}

void mmu_unmap_page(void *va)
{
	u64 a = ALIGN_DOWN((u64)va, PAGE_SIZE);

	spin_lock(&pt_lock);
	set_pte(ram_pte(va), a, 0);
	spin_unlock(&pt_lock);
}

void mmu_map_page(void *va)
{
	u64 a = ALIGN_DOWN((u64)va, PAGE_SIZE);

	mmu_set_page(va, in_image_text(a) ? PAGE_USER_RX : PAGE_NORMAL_RW);
}

u64 mmu_get_pte(const void *va)
{
	u64 a = (u64)va, *e = &pgtable[(a >> L1_SHIFT) % PTRS_PER_TABLE];

	if ((*e & DESC_TABLE) == DESC_BLOCK)
		return *e;
	if (!(*e & DESC_VALID))
		return 0;
	e = &table_of(*e)[(a >> L2_SHIFT) % PTRS_PER_TABLE];
	if ((*e & DESC_TABLE) == DESC_BLOCK)
		return *e;
	if (!(*e & DESC_VALID))
		return 0;
	return table_of(*e)[(a >> L3_SHIFT) % PTRS_PER_TABLE];
}

void *ioremap(phys_addr_t phys, size_t size)
{
	u64 pa, *l1e, *l2e;

	if (!pgtable) {
		assert_msg(phys + size <= SZ_1G, "ioremap %#lx before the final map", phys);
		return (void *)phys;
	}
	spin_lock(&pt_lock);
	for (pa = ALIGN_DOWN(phys, SZ_2M); pa < phys + size; pa += SZ_2M) {
		assert_msg(pa >> VA_BITS == 0, "ioremap %#lx: beyond the identity map", pa);
		l1e = &pgtable[pa >> L1_SHIFT];
		if ((*l1e & DESC_TABLE) == DESC_BLOCK)
			continue;
		l2e = &next_table(l1e)[(pa >> L2_SHIFT) % PTRS_PER_TABLE];
		if (*l2e & DESC_VALID)
			continue;
		WRITE_ONCE(*l2e, pa | DESC_BLOCK | DESC_DEVICE);
	}
	dsb(ishst);
	isb();
	spin_unlock(&pt_lock);
	return (void *)phys;
}
