/*
 * TEST PROTECTION (PoP ch. 10): cc 0 fetch and store permitted, 1 fetch only, 2
 * neither, 3 translation not available. Checked against storage keys with DAT off,
 * and against DAT protection and invalid pages with DAT on.
 */
#include <libcflat.h>
#include <s390x/psw.h>
#include <s390x/interrupt.h>
#include <s390x/skey.h>
#include <s390x/dat.h>

#define TCG_TPROT_KEYS "tcg-s390x-tprot-keys: TPROT ignores storage keys"

enum { TPROT_RW, TPROT_READ, TPROT_NONE, TPROT_NO_TRANSLATION };

static int tprot(void *addr, u8 key)
{
	u64 ipm;

	asm volatile("	tprot	0(%[addr]),0(%[key])\n"
		     "	ipm	%[ipm]\n"
		     : [ipm] "=d"(ipm) : [addr] "a"(addr), [key] "a"((u64)key << 4) : "cc");
	return CC_FROM_IPM(ipm);
}

static void check_cc(bool known, int want, void *addr, u8 key, const char *what)
{
	int cc = tprot(addr, key);

	report_kfail(known, TCG_TPROT_KEYS, cc == want, "%s: cc %d (got %d)", what, want, cc);
}

static void test_keys(u8 *page)
{
	bool tcg = accel_is("tcg");

	report_prefix_push("keys");
	sske(page, SKEY_ACC(3));
	check_cc(false, TPROT_RW, page, 3, "access key 3 on a key-3 page");
	check_cc(false, TPROT_RW, page, 0, "access key 0 on a key-3 page");
	check_cc(tcg, TPROT_READ, page, 5, "access key 5 on a key-3 page");
	sske(page, SKEY_ACC(3) | SKEY_FP);
	check_cc(tcg, TPROT_NONE, page, 5, "access key 5 on a fetch-protected key-3 page");
	check_cc(false, TPROT_RW, page, 3, "access key 3 on a fetch-protected key-3 page");
	sske(page, 0);
	report_prefix_pop();
}

static void test_dat(u8 *page)
{
	struct dat_space space;

	report_prefix_push("dat");
	dat_enable_identity(&space);
	check_cc(false, TPROT_RW, page, 0, "a mapped page");
	dat_page_flags(&space, (u64)page, DAT_ENTRY_PROTECT, true);
	check_cc(false, TPROT_READ, page, 0, "a DAT-protected page");
	dat_page_flags(&space, (u64)page, DAT_ENTRY_PROTECT, false);
	check_cc(false, TPROT_RW, page, 0, "protection removed again");
	dat_unmap_page(&space, (u64)page);
	check_cc(false, TPROT_NO_TRANSLATION, page, 0, "an invalid page");
	check_cc(false, TPROT_NO_TRANSLATION, (void *)(8 * SZ_1G), 0, "an invalid region");
	dat_disable();
	report_prefix_pop();
}

int main(void)
{
	u8 *page = alloc_page();

	report_prefix_push("tprot");
	test_keys(page);
	test_dat(page);
	report_prefix_pop();
	return report_summary();
}
