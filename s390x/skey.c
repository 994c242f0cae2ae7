/*
 * Storage keys (PoP ch. 3 "Storage Key", "Key-Controlled Protection"; ch. 10 ISKE,
 * SSKE, IVSK): keys set and read back, the change bit after a store, stores and
 * fetches under a PSW key that does not match, and the exceptions of the key
 * instructions.
 */
#include <libcflat.h>
#include <s390x/psw.h>
#include <s390x/interrupt.h>
#include <s390x/skey.h>
#include <s390x/dat.h>

#define TCG_NO_KEY_PROTECTION "tcg-s390x-key-protection: stores and fetches ignore storage keys"
#define TCG_NO_IVSK "tcg-s390x-ivsk: IVSK is not implemented (operation exception)"

static u8 *page;

static void test_set_insert(void)
{
	sske(page, SKEY_ACC(3));
	report((iske(page) & ~(SKEY_R | SKEY_C)) == SKEY_ACC(3), "ACC 3 set and read back (%#x)",
	       iske(page));
	sske(page, SKEY_ACC(9) | SKEY_FP);
	report((iske(page) & ~(SKEY_R | SKEY_C)) == (SKEY_ACC(9) | SKEY_FP),
	       "ACC 9 with fetch protection set and read back (%#x)", iske(page));
	sske(page, 0);
	report(iske(page) == 0, "key 0 without reference and change bits (%#x)", iske(page));
	WRITE_ONCE(*(volatile u64 *)page, 1);
	report(iske(page) & SKEY_C, "a store sets the change bit (%#x)", iske(page));
	sske(page, 0);
}

/* Store @val into @addr under PSW key @key; the key goes back to 0 either way. */
static void store_with_key(u8 key, u8 *addr, u8 val)
{
	asm volatile("	spka	0(%[key])\n"
		     "	stc	%[val],0(%[addr])\n"
		     "	spka	0\n"
		     : : [key] "a"((u64)key << 4), [val] "d"(val), [addr] "a"(addr) : "memory");
}

static u8 fetch_with_key(u8 key, u8 *addr)
{
	u64 val = 0xff;

	asm volatile("	spka	0(%[key])\n"
		     "	ic	%[val],0(%[addr])\n"
		     "	spka	0\n"
		     : [val] "+d"(val) : [key] "a"((u64)key << 4), [addr] "a"(addr) : "memory");
	return val;
}

static void check_key_exception(const char *what, u16 code)
{
	u16 taken = pgm_int_taken();

	report_kfail(accel_is("tcg"), TCG_NO_KEY_PROTECTION, taken == code,
		     "%s: program interruption %#x (got %#x)", what, code, taken);
}

static void test_protection(void)
{
	sske(page, SKEY_ACC(3));
	page[0] = 0;
	store_with_key(3, page, 1);
	report(page[0] == 1, "PSW key 3 stores into a page of key 3");
	store_with_key(0, page, 2);
	report(page[0] == 2, "PSW key 0 stores into any page");
	expect_pgm_int();
	store_with_key(5, page, 3);
	check_key_exception("PSW key 5 stores into a page of key 3", PGM_INT_CODE_PROTECTION);
	report_kfail(accel_is("tcg"), TCG_NO_KEY_PROTECTION, page[0] == 2,
		     "and the page is unchanged");
	page[0] = 4;
	report(fetch_with_key(5, page) == 4, "PSW key 5 fetches from it without fetch protection");

	sske(page, SKEY_ACC(3) | SKEY_FP);
	expect_pgm_int();
	fetch_with_key(5, page);
	check_key_exception("PSW key 5 fetches with fetch protection on", PGM_INT_CODE_PROTECTION);
	report(fetch_with_key(3, page) == 4, "PSW key 3 still fetches");
	sske(page, 0);
}

static void test_exceptions(void)
{
	expect_pgm_int();
	iske((void *)(1UL << 40));
	check_pgm_int(PGM_INT_CODE_ADDRESSING, 4, "ISKE beyond memory");
	check_privileged(4, "SSKE in the problem state", sske(page, 0));
	check_privileged(4, "ISKE in the problem state", iske(page));
}

/* IVSK is there when it does not raise an operation exception. */
static bool ivsk_installed(void)
{
	u16 code;

	expect_pgm_int();
	ivsk(page);
	code = pgm_int_taken();
	report_kfail(accel_is("tcg"), TCG_NO_IVSK, code == PGM_INT_CODE_SPECIAL_OPERATION,
		     "IVSK with DAT off: special-operation exception (got %#x)", code);
	return code != PGM_INT_CODE_OPERATION;
}

static void test_ivsk(void)
{
	struct dat_space space;
	u8 key;

	if (!ivsk_installed()) {
		report_skip("IVSK with DAT on: the instruction is not installed");
		return;
	}
	sske(page, SKEY_ACC(6) | SKEY_FP | SKEY_C);
	dat_enable_identity(&space);
	key = ivsk(page);
	dat_disable();
	report(key == (SKEY_ACC(6) | SKEY_FP), "IVSK with DAT on: ACC and F only (%#x)", key);
	sske(page, 0);
}

int main(void)
{
	page = alloc_page();
	report_prefix_push("skey");
	test_set_insert();
	test_protection();
	test_exceptions();
	test_ivsk();
	report_prefix_pop();
	return report_summary();
}
