/*
 * MOVE PAGE (PoP ch. 10): copies a 4 KiB page, cc 0. Under DAT an invalid or protected
 * operand is a translation or protection exception naming that operand's page; with
 * the condition-code option (R0 bit 55) an invalid operand sets a condition code
 * instead, cc 1 for the first operand (destination) and cc 2 for the second (source),
 * and nothing is copied.
 */
#include <libcflat.h>
#include <s390x/psw.h>
#include <s390x/interrupt.h>
#include <s390x/dat.h>

#define MVPG_CCO	0x100UL
#define VIRT_SRC	(4 * SZ_1G)
#define VIRT_DST	(4 * SZ_1G + 0x10000UL)

static struct dat_space space;

static int mvpg(u64 r0, u64 dst, u64 src)
{
	register u64 reg0 asm("0") = r0;
	u64 ipm;

	asm volatile("mvpg %[dst],%[src]\n ipm %[ipm]"
		     : [ipm] "=d"(ipm) : [dst] "a"(dst), [src] "a"(src), "d"(reg0)
		     : "cc", "memory");
	return CC_FROM_IPM(ipm);
}

static void test_copy(u8 *src, u8 *dst)
{
	int cc;

	memset(src, 0xa5, PAGE_SIZE);
	memset(dst, 0, PAGE_SIZE);
	cc = mvpg(0, (u64)dst, (u64)src);
	report(cc == 0 && !memcmp(src, dst, PAGE_SIZE), "DAT off: a page copied, cc 0 (cc %d)", cc);
	expect_pgm_int();
	mvpg(0, (u64)dst, 1UL << 40);
	check_pgm_int(PGM_INT_CODE_ADDRESSING, 4, "DAT off: source beyond memory");
}

static void check_fault(u64 dst, u64 src, u16 code, u64 addr, const char *what)
{
	u64 teid;

	expect_pgm_int();
	mvpg(0, dst, src);
	teid = pgm_int_trans_id();
	check_pgm_int(code, 4, "%s", what);
	report((teid & TEID_ADDR_MASK) == addr, "%s: the TEID names %#lx (%#lx)", what, addr, teid);
}

static void test_dat(u8 *src, u8 *dst)
{
	int cc;

	dat_enable_identity(&space);
	dat_map_page(&space, VIRT_SRC, (u64)src, 0);
	dat_map_page(&space, VIRT_DST, (u64)dst, 0);
	memset(src, 0x3c, PAGE_SIZE);
	cc = mvpg(0, VIRT_DST, VIRT_SRC);
	report(cc == 0 && dst[100] == 0x3c, "DAT on: a page copied through mappings");

	dat_unmap_page(&space, VIRT_SRC);
	check_fault(VIRT_DST, VIRT_SRC, PGM_INT_CODE_PAGE_TRANSLATION, VIRT_SRC, "invalid source");
	memset(dst, 0, PAGE_SIZE);
	cc = mvpg(MVPG_CCO, VIRT_DST, VIRT_SRC);
	report(cc == 2 && dst[100] == 0, "invalid source with CCO: cc 2, nothing copied (cc %d)",
	       cc);
	dat_map_page(&space, VIRT_SRC, (u64)src, 0);

	dat_unmap_page(&space, VIRT_DST);
	check_fault(VIRT_DST, VIRT_SRC, PGM_INT_CODE_PAGE_TRANSLATION, VIRT_DST,
		    "invalid destination");
	cc = mvpg(MVPG_CCO, VIRT_DST, VIRT_SRC);
	report(cc == 1 && dst[100] == 0, "invalid destination with CCO: cc 1 (cc %d)", cc);

	dat_map_page(&space, VIRT_DST, (u64)dst, DAT_MAP_PROTECT);
	check_fault(VIRT_DST, VIRT_SRC, PGM_INT_CODE_PROTECTION, VIRT_DST, "protected destination");
	report(dst[100] == 0, "and nothing was copied");
	dat_disable();
}

int main(void)
{
	u8 *src = alloc_page(), *dst = alloc_page();

	report_prefix_push("mvpg");
	test_copy(src, dst);
	test_dat(src, dst);
	report_prefix_pop();
	return report_summary();
}
