/* Building and switching DAT tables; see dat.h for the layout. */
#include <libcflat.h>
#include <s390x/psw.h>
#include <s390x/dat.h>
#include <s390x/facility.h>
#include <s390x/sclp.h>

#define TABLE_ENTRIES		2048	/* region-third and segment tables */
#define TABLE_ORDER		2	/* 16 KiB */
#define PAGE_TABLE_ENTRIES	256

#define RX(v)	(((v) >> 31) & 0x7ff)
#define SX(v)	(((v) >> 20) & 0x7ff)
#define PX(v)	(((v) >> 12) & 0xff)

#define ORIGIN_MASK		(~0xfffUL)
#define PAGE_TABLE_ORIGIN_MASK	(~0x7ffUL)

static u64 *alloc_table(u64 empty_entry)
{
	u64 *table = alloc_pages(TABLE_ORDER);
	int i;

	assert(table);
	for (i = 0; i < TABLE_ENTRIES; i++)
		table[i] = empty_entry;
	return table;
}

void dat_space_init(struct dat_space *s)
{
	s->region3 = alloc_table(DAT_ENTRY_INVALID | DAT_ENTRY_TT_REGION3);
	s->asce = (u64)s->region3 | ASCE_DT_REGION3 | DAT_TABLE_LENGTH_FULL;
}

static bool is_frame(u64 entry)
{
	return !(entry & DAT_ENTRY_INVALID) && (entry & DAT_ENTRY_FC);
}

/* The segment table for @virt, created on demand; NULL when a 2 GiB frame maps it. */
static u64 *segment_table(struct dat_space *s, u64 virt, bool create)
{
	u64 *r3e = &s->region3[RX(virt)];

	if (is_frame(*r3e))
		return NULL;
	if (*r3e & DAT_ENTRY_INVALID) {
		if (!create)
			return NULL;
		*r3e = (u64)alloc_table(DAT_ENTRY_INVALID) | DAT_ENTRY_TT_REGION3 |
		       DAT_TABLE_LENGTH_FULL;
	}
	return (u64 *)(*r3e & ORIGIN_MASK);
}

static u64 *page_table(struct dat_space *s, u64 virt, bool create)
{
	u64 *st = segment_table(s, virt, create);
	u64 *ste, *pt;
	int i;

	if (!st)
		return NULL;
	ste = &st[SX(virt)];
	if (is_frame(*ste))
		return NULL;
	if (*ste & DAT_ENTRY_INVALID) {
		if (!create)
			return NULL;
		pt = alloc_page();
		assert(pt);
		for (i = 0; i < PAGE_TABLE_ENTRIES; i++)
			pt[i] = DAT_ENTRY_INVALID_PAGE;
		*ste = (u64)pt;
	}
	return (u64 *)(*ste & PAGE_TABLE_ORIGIN_MASK);
}

u64 *dat_segment_entry(struct dat_space *s, u64 virt)
{
	u64 *st = segment_table(s, virt, false);

	return st ? &st[SX(virt)] : NULL;
}

u64 *dat_pte(struct dat_space *s, u64 virt)
{
	u64 *pt = page_table(s, virt, false);

	return pt ? &pt[PX(virt)] : NULL;
}

static int set_pte(struct dat_space *s, u64 virt, u64 phys, u64 flags)
{
	u64 *pt;

	if (!IS_ALIGNED(virt | phys, PAGE_SIZE))
		return -1;
	pt = page_table(s, virt, true);
	if (!pt)
		return -1;
	pt[PX(virt)] = phys | (flags & (DAT_ENTRY_PROTECT | DAT_ENTRY_NOEXEC));
	return 0;
}

int dat_map_page(struct dat_space *s, u64 virt, u64 phys, u64 flags)
{
	int ret = set_pte(s, virt, phys, flags);

	dat_purge_tlb();
	return ret;
}

int dat_map_segment(struct dat_space *s, u64 virt, u64 phys, u64 flags)
{
	u64 *st;

	if (!IS_ALIGNED(virt | phys, SEGMENT_SIZE))
		return -1;
	st = segment_table(s, virt, true);
	if (!st)
		return -1;
	st[SX(virt)] = phys | DAT_ENTRY_FC | (flags & (DAT_ENTRY_PROTECT | DAT_ENTRY_NOEXEC));
	dat_purge_tlb();
	return 0;
}

int dat_map_region3(struct dat_space *s, u64 virt, u64 phys, u64 flags)
{
	if (!IS_ALIGNED(virt | phys, REGION3_SIZE))
		return -1;
	s->region3[RX(virt)] = phys | DAT_ENTRY_FC | DAT_ENTRY_TT_REGION3 |
			       (flags & (DAT_ENTRY_PROTECT | DAT_ENTRY_NOEXEC));
	dat_purge_tlb();
	return 0;
}

void dat_space_identity(struct dat_space *s, u64 end)
{
	u64 addr;

	for (addr = 0; addr < end; addr += PAGE_SIZE)
		assert(!set_pte(s, addr, addr, 0));
	dat_purge_tlb();
}

/* INVALIDATE PAGE TABLE ENTRY: R1 the page-table origin, R2 the page index bits. */
void dat_unmap_page(struct dat_space *s, u64 virt)
{
	u64 *pt = page_table(s, virt, false);

	if (pt)
		asm volatile("ipte %[pto],%[va]" : : [pto] "a"(pt), [va] "a"(virt) : "memory");
}

void dat_page_flags(struct dat_space *s, u64 virt, u64 flags, bool set)
{
	u64 *pte = dat_pte(s, virt);

	assert(pte);
	if (set)
		*pte |= flags;
	else
		*pte &= ~flags;
	dat_purge_tlb();
}

void dat_purge_tlb(void)
{
	asm volatile("ptlb" : : : "memory");
}

void dat_enable(struct dat_space *primary, struct dat_space *home)
{
	ctl_set(1, primary->asce);
	ctl_set(7, primary->asce);
	ctl_set(13, home->asce);
	if (test_facility(FAC_EDAT1))
		ctl_set_bits(0, CR0_EDAT);
	dat_purge_tlb();
	psw_mask_load(psw_mask() | PSW_MASK_DAT);
}

void dat_disable(void)
{
	psw_mask_load(psw_mask() & ~(PSW_MASK_DAT | PSW_MASK_ASC));
}

void dat_set_asc(u64 asc)
{
	psw_mask_load((psw_mask() & ~PSW_MASK_ASC) | asc);
}

void dat_enable_identity(struct dat_space *s)
{
	dat_space_init(s);
	dat_space_identity(s, memory_end());
	dat_enable(s, s);
}
