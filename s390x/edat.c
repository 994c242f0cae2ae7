/*
 * Dynamic address translation through lib/s390x/dat.c (PoP ch. 3): pages mapped,
 * remapped and unmapped, translation exceptions at each table level with the failing
 * address in the translation-exception identification, DAT protection, the home
 * space, and EDAT-1 (1 MiB segment frames) and EDAT-2 (2 GiB region-third frames)
 * where installed.
 */
#include <libcflat.h>
#include <s390x/psw.h>
#include <s390x/interrupt.h>
#include <s390x/dat.h>
#include <s390x/facility.h>
#include <s390x/sclp.h>

#define VIRT_PAGE	(4 * SZ_1G + 0x123000UL)	/* far above memory */
#define VIRT_NO_SEGMENT	(4 * SZ_1G + 0x500000UL)	/* same region, no page table */
#define VIRT_NO_REGION	(64 * SZ_1G)			/* invalid region-third entry */
#define VIRT_SEGMENT	(6 * SZ_1G)			/* EDAT-1 frame */
#define VIRT_REGION3	(8 * SZ_1G)			/* EDAT-2 frame */
#define TEID_ASCE_HOME	3

static struct dat_space primary, home;

/* L and ST: 4-byte instructions, so the ILC is known. */
static u32 load(u64 addr)
{
	u32 val = 0;

	asm volatile("l %0,0(%1)" : "+d"(val) : "a"(addr) : "memory");
	return val;
}

static void store(u64 addr, u32 val)
{
	asm volatile("st %0,0(%1)" : : "d"(val), "a"(addr) : "memory");
}

static void check_fault(u64 addr, u16 code, u64 asce, const char *what)
{
	u64 teid;

	expect_pgm_int();
	load(addr);
	teid = pgm_int_trans_id();
	check_pgm_int(code, 4, "%s", what);
	report((teid & TEID_ADDR_MASK) == (addr & TEID_ADDR_MASK) &&
	       (teid & TEID_ASCE_MASK) == asce, "%s: failing address %#lx (TEID %#lx)", what,
	       addr & TEID_ADDR_MASK, teid);
}

static void test_map(u32 *a, u32 *b)
{
	*a = 0xaaaa;
	*b = 0xbbbb;
	dat_map_page(&primary, VIRT_PAGE, (u64)a, 0);
	report(load(VIRT_PAGE) == 0xaaaa, "a mapped page reads its frame");
	store(VIRT_PAGE, 0xa1a1);
	report(*a == 0xa1a1, "a store through it lands in the frame");
	dat_map_page(&primary, VIRT_PAGE, (u64)b, 0);
	report(load(VIRT_PAGE) == 0xbbbb, "remapped, it reads the other frame");
	dat_unmap_page(&primary, VIRT_PAGE);
	report(dat_pte(&primary, VIRT_PAGE) && (*dat_pte(&primary, VIRT_PAGE) &
	       DAT_ENTRY_INVALID_PAGE), "IPTE set the entry's invalid bit");
}

static void test_faults(void)
{
	check_fault(VIRT_PAGE, PGM_INT_CODE_PAGE_TRANSLATION, 0, "unmapped page");
	check_fault(VIRT_NO_SEGMENT, PGM_INT_CODE_SEGMENT_TRANSLATION, 0, "no page table");
	check_fault(VIRT_NO_REGION, PGM_INT_CODE_REGION_THIRD_TRANS, 0, "no segment table");
}

static void test_protection(u32 *a)
{
	dat_map_page(&primary, VIRT_PAGE, (u64)a, DAT_MAP_PROTECT);
	*a = 0x1234;
	report(load(VIRT_PAGE) == 0x1234, "a DAT-protected page can be read");
	expect_pgm_int();
	store(VIRT_PAGE, 0x5678);
	check_pgm_int(PGM_INT_CODE_PROTECTION, 4, "store into a DAT-protected page");
	report(*a == 0x1234, "and the frame is unchanged");
	dat_page_flags(&primary, VIRT_PAGE, DAT_ENTRY_PROTECT, false);
	store(VIRT_PAGE, 0x5678);
	report(*a == 0x5678, "protection removed: the store lands");
}

static void test_home_space(u32 *a, u32 *b)
{
	u32 in_primary, in_home;

	dat_map_page(&primary, VIRT_PAGE, (u64)a, 0);
	dat_map_page(&home, VIRT_PAGE, (u64)b, 0);
	*a = 0xaaaa;
	*b = 0xbbbb;
	in_primary = load(VIRT_PAGE);
	dat_set_asc(PSW_ASC_HOME);
	in_home = load(VIRT_PAGE);
	dat_set_asc(PSW_ASC_PRIMARY);
	report(in_primary == 0xaaaa, "primary space: the primary mapping");
	report(in_home == 0xbbbb, "home space: the home mapping");
	report((psw_mask() & PSW_MASK_ASC) == PSW_ASC_PRIMARY, "back in the primary space");

	dat_unmap_page(&home, VIRT_PAGE);
	dat_set_asc(PSW_ASC_HOME);
	check_fault(VIRT_PAGE, PGM_INT_CODE_PAGE_TRANSLATION, TEID_ASCE_HOME,
		    "home space, unmapped page");
	dat_set_asc(PSW_ASC_PRIMARY);
}

static void test_edat1(void)
{
	u8 *frame;

	if (!test_facility(FAC_EDAT1)) {
		report_skip("EDAT-1 (STFLE bit 8) not installed: no 1 MiB frames");
		return;
	}
	frame = alloc_pages(8);	/* 1 MiB, naturally aligned */
	*(u32 *)(frame + 0x45678) = 0xedad;
	report(!dat_map_segment(&primary, VIRT_SEGMENT, (u64)frame, 0), "1 MiB frame mapped");
	report(load(VIRT_SEGMENT + 0x45678) == 0xedad, "an address inside it reads the frame");
	dat_map_segment(&primary, VIRT_SEGMENT, (u64)frame, DAT_MAP_PROTECT);
	expect_pgm_int();
	store(VIRT_SEGMENT + 0x100, 1);
	check_pgm_int(PGM_INT_CODE_PROTECTION, 4, "store into a protected 1 MiB frame");
}

static void test_edat2(void)
{
	static u32 marker = 0xed2;

	if (!test_facility(FAC_EDAT2)) {
		report_skip("EDAT-2 (STFLE bit 78) not installed: no 2 GiB frames");
		return;
	}
	report(!dat_map_region3(&primary, VIRT_REGION3, 0, 0), "2 GiB frame of real 0 mapped");
	report(load(VIRT_REGION3 + (u64)&marker) == 0xed2, "an address inside it reads the frame");
	dat_map_region3(&primary, VIRT_REGION3, 0, DAT_MAP_PROTECT);
	expect_pgm_int();
	store(VIRT_REGION3 + (u64)&marker, 1);
	check_pgm_int(PGM_INT_CODE_PROTECTION, 4, "store into a protected 2 GiB frame");
}

int main(void)
{
	u32 *a = alloc_page(), *b = alloc_page();

	report_prefix_push("edat");
	dat_space_init(&home);
	dat_space_identity(&home, memory_end());
	dat_enable_identity(&primary);
	dat_enable(&primary, &home);
	report(psw_mask() & PSW_MASK_DAT, "DAT is on");
	test_map(a, b);
	test_faults();
	test_protection(a);
	test_home_space(a, b);
	test_edat1();
	test_edat2();
	dat_disable();
	report_prefix_pop();
	return report_summary();
}
