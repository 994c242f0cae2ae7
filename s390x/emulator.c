/*
 * Instructions a hypervisor emulates or must intercept correctly, with their
 * exceptions: control registers (LCTLG/STCTG, also a range that wraps from CR15 to
 * CR0), the system mask (STOSM/STNSM), the program mask and condition code (SPM/IPM)
 * with the fixed-point-overflow mask, and privileged instructions in the problem state.
 */
#include <libcflat.h>
#include <s390x/psw.h>
#include <s390x/interrupt.h>

#define PM_FIXED_OVERFLOW	0x8	/* program-mask bit 20 */

static void test_control_registers(void)
{
	u64 saved[2], pair[2] = { 0x1111, 0x2222 }, back[2], val = 0x12345678, read;

	asm volatile("stctg 10,11,%0" : "=Q"(saved));
	asm volatile("lctlg 10,11,%0" : : "Q"(pair));
	asm volatile("stctg 10,11,%0" : "=Q"(back));
	asm volatile("lctlg 10,11,%0" : : "Q"(saved));
	report(back[0] == 0x1111 && back[1] == 0x2222, "LCTLG/STCTG of CR10-11 round trip");

	asm volatile("stctg 15,0,%0" : "=Q"(back));
	report(back[0] == ctl_get(15) && back[1] == ctl_get(0),
	       "STCTG 15,0 wraps around to CR0");

	expect_pgm_int();
	asm volatile("lctlg 8,8,0(%0)" : : "a"((u64)&val + 4) : "memory");
	check_pgm_int(PGM_INT_CODE_SPECIFICATION, 6, "LCTLG of an unaligned operand");
	check_privileged(6, "STCTG in the problem state",
			 asm volatile("stctg 8,8,%0" : "=Q"(read)));
}

static void test_system_mask(void)
{
	u8 old_on, old_off;
	u64 after_on, after_off;

	asm volatile("stosm %0,0x01" : "=Q"(old_on) : : "memory");	/* bit 7: external */
	after_on = psw_mask();
	asm volatile("stnsm %0,0xfe" : "=Q"(old_off) : : "memory");
	after_off = psw_mask();
	report(!(old_on & 0x01) && (after_on & PSW_MASK_EXT), "STOSM sets the external mask");
	report((old_off & 0x01) && !(after_off & PSW_MASK_EXT),
	       "STNSM stores the old mask and clears it");
	check_privileged(4, "STNSM in the problem state",
			 asm volatile("stnsm %0,0xff" : "=Q"(old_off) : : "memory"));
}

/* SPM: bits 2-3 of R1's low word are the cc, bits 4-7 the program mask; IPM reads both. */
static u64 spm_ipm(u64 value)
{
	u64 ipm = 0;

	asm volatile("spm %1\n ipm %0" : "+d"(ipm) : "d"(value) : "cc");
	return (ipm >> 24) & 0x3f;
}

static int add_overflow(void)
{
	int a = 0x7fffffff;

	asm volatile("ar %0,%1" : "+d"(a) : "d"(1) : "cc");
	return a;
}

#define TCG_NO_FIXED_OVERFLOW \
	"tcg-s390x-fixed-point-overflow: no fixed-point-overflow exception with its mask on"

static void test_program_mask(void)
{
	u16 code;
	u64 got = spm_ipm(0x2aUL << 24);	/* cc 2, mask 1010 */

	report(got == 0x2a, "SPM then IPM: condition code and program mask (%#lx)", got);
	spm_ipm((u64)PM_FIXED_OVERFLOW << 24);
	expect_pgm_int();
	add_overflow();
	code = pgm_int_taken();
	report_kfail(accel_is("tcg"), TCG_NO_FIXED_OVERFLOW,
		     code == PGM_INT_CODE_FIXED_POINT_OVERFLOW,
		     "AR overflow with the mask on: fixed-point-overflow exception (got %#x)", code);
	spm_ipm(0);
	expect_pgm_int();
	report(add_overflow() == (int)0x80000000 && !pgm_int_taken(),
	       "AR overflow with the mask off: no interruption, the result wraps");
}

static void test_privileged(void)
{
	struct psw psw = { psw_mask(), 0 };

	check_privileged(4, "LPSWE in the problem state", asm volatile("lpswe %0" : : "Q"(psw)));
	check_privileged(4, "PTLB in the problem state", asm volatile("ptlb" : : : "memory"));
	check_privileged(4, "DIAGNOSE in the problem state",
			 asm volatile("diag 0,0,0x44" : : : "memory"));
}

int main(void)
{
	report_prefix_push("emulator");
	test_control_registers();
	test_system_mask();
	test_program_mask();
	test_privileged();
	report_prefix_pop();
	return report_summary();
}
