/*
 * EXECUTE and EXECUTE RELATIVE LONG (PoP ch. 7): the target instruction runs with
 * bits 8-15 ORed with bits 56-63 of R1 (R1 = 0: unmodified); relative addresses in
 * the target are relative to the target, the link address of a branch is the one
 * after the EXECUTE. Execute of an execute and an odd target address are exceptions.
 */
#include <libcflat.h>
#include <s390x/psw.h>
#include <s390x/interrupt.h>
#include <s390x/facility.h>

static u8 src[16] = "0123456789abcdef";
static u8 dst[16];

/* MVC with length field 0 (one byte), its length taken from @len_mod by EX. */
static void ex_mvc(u64 len_mod)
{
	asm volatile("	larl	%%r1,0f\n"
		     "	ex	%[mod],0(%%r1)\n"
		     "	j	1f\n"
		     "0:	mvc	0(1,%[dst]),0(%[src])\n"
		     "1:\n"
		     : : [mod] "a"(len_mod), [dst] "a"(dst), [src] "a"(src) : "r1", "memory");
}

static void exrl_mvc(u64 len_mod)
{
	asm volatile("	exrl	%[mod],0f\n"
		     "	j	1f\n"
		     "0:	mvc	0(1,%[dst]),0(%[src])\n"
		     "1:\n"
		     : : [mod] "d"(len_mod), [dst] "a"(dst), [src] "a"(src) : "memory");
}

static bool copied(int n)
{
	return !memcmp(dst, src, n) && (n == sizeof(dst) || dst[n] == 0);
}

static void test_modify(void)
{
	memset(dst, 0, sizeof(dst));
	ex_mvc(0);
	report(copied(1), "EX with R1 = 0: the target unmodified (1 byte)");
	memset(dst, 0, sizeof(dst));
	ex_mvc(7);
	report(copied(8), "EX with R1 bits 56-63 = 7: length ORed in (8 bytes)");
	memset(dst, 0, sizeof(dst));
	ex_mvc(0xff00 | 3);
	report(copied(4), "only bits 56-63 of R1 are used (4 bytes)");
	if (!test_facility(FAC_EXECUTE_EXTENSIONS)) {
		report_skip("EXRL: execute-extensions facility (STFLE bit 35) not installed");
		return;
	}
	memset(dst, 0, sizeof(dst));
	exrl_mvc(15);
	report(copied(16), "EXRL: length ORed in (16 bytes)");
}

/* The target BRAS: link after the EXRL, branch relative to the target. */
static void test_relative(void)
{
	u64 link, after_exrl, larl_result, target_label;

	asm volatile("	larl	%[after],1f\n"
		     "	exrl	0,0f\n"
		     "1:	j	3f\n"
		     "0:	bras	%[link],2f\n"
		     "	j	4f\n"
		     "2:	j	3f\n"
		     "3:	nopr	%%r7\n"
		     "4:\n"
		     : [link] "=&d"(link), [after] "=&a"(after_exrl) : : "memory");
	report(link == after_exrl, "link of an executed BRAS is the address after EXRL");

	asm volatile("	exrl	0,0f\n"
		     "	larl	%[lbl],0f\n"
		     "	j	1f\n"
		     "0:	larl	%[res],0\n"
		     "1:\n"
		     : [res] "=&d"(larl_result), [lbl] "=&d"(target_label) : : "memory");
	report(larl_result == target_label, "LARL executed: relative to the target (%#lx)",
	       larl_result);
}

#define TCG_EX_ODD "tcg-s390x-ex-odd-target: EX runs a target at an odd address"

static void test_exceptions(void)
{
	u16 code;

	expect_pgm_int();
	asm volatile("	larl	%%r1,0f\n"
		     "	ex	0,0(%%r1)\n"
		     "	j	1f\n"
		     "0:	ex	0,0(%%r1)\n"
		     "1:\n" : : : "r1", "memory");
	check_pgm_int(PGM_INT_CODE_EXECUTE, 4, "EX of an EX");
	expect_pgm_int();
	asm volatile("	larl	%%r1,0f\n"
		     "	ex	0,1(%%r1)\n"
		     "	j	1f\n"
		     "0:	nopr	%%r7\n"
		     "1:\n" : : : "r1", "memory");
	code = pgm_int_taken();
	report_kfail(accel_is("tcg"), TCG_EX_ODD, code == PGM_INT_CODE_SPECIFICATION,
		     "EX of an odd target address: specification exception (got %#x)", code);
	expect_pgm_int();
	asm volatile("	exrl	0,0f\n"
		     "	j	1f\n"
		     "0:	exrl	0,0b\n"
		     "1:\n" : : : "memory");
	check_pgm_int(PGM_INT_CODE_EXECUTE, 6, "EXRL of an EXRL");
}

int main(void)
{
	report_prefix_push("execute");
	test_modify();
	test_relative();
	test_exceptions();
	report_prefix_pop();
	return report_summary();
}
