/*
 * EXTRACT PSW (PoP ch. 10): bits 0-31 of the current PSW into bits 32-63 of R1, bits
 * 32-63 into bits 32-63 of R2, the high halves untouched; R2 = 0 stores only R1. In
 * the problem state it needs the extraction-authority control (CR0 bit 36).
 */
#include <libcflat.h>
#include <s390x/psw.h>
#include <s390x/interrupt.h>

#define CR0_EXTRACTION_AUTHORITY CR_BIT(36)
#define HIGH_MARK 0xa5a5a5a5UL

/* Known deviations of QEMU 7.2's TCG (docs/known-deviations.md). */
#define TCG_EPSW_CC "tcg-s390x-epsw-cc: EPSW stores a stale condition code"
#define TCG_EPSW_AUTHORITY \
	"tcg-s390x-epsw-authority: EPSW ignores the extraction-authority control in problem state"

struct epsw_result {
	u64 r1, r2;
};

static struct epsw_result epsw_marked(void)
{
	struct epsw_result r = { HIGH_MARK << 32, HIGH_MARK << 32 };

	asm volatile("epsw %0,%1" : "+d"(r.r1), "+d"(r.r2));
	return r;
}

static u64 epsw_r1_only(void)
{
	register u64 r0 asm("0") = HIGH_MARK;
	u64 r1 = HIGH_MARK << 32;

	asm volatile(".insn rre,0xb98d0000,%[r1],0" : [r1] "+d"(r1), "+d"(r0));
	report(r0 == HIGH_MARK, "R2 = 0: general register 0 untouched");
	return r1;
}

static void check_fields(void)
{
	u64 want = psw_mask();
	struct epsw_result r = epsw_marked();

	report((r.r1 >> 32) == HIGH_MARK && (r.r2 >> 32) == HIGH_MARK, "high halves unchanged");
	report((r.r1 & 0xffffffff) == want >> 32, "R1: PSW bits 0-31 (%08lx)", r.r1 & 0xffffffff);
	report((r.r2 & 0xffffffff) == (want & 0xffffffff), "R2: PSW bits 32-63 (%08lx)",
	       r.r2 & 0xffffffff);
	report((r.r2 & 0xffffffff) == 0x80000000, "R2 shows basic addressing mode only");
	report((epsw_r1_only() & 0xffffffff) == want >> 32, "R2 = 0: R1 still stored");
}

/* Condition code 2 (bits 18-19 = 10) after comparing 2 with 1. */
static void check_condition_code(void)
{
	struct epsw_result r = { 0, 0 };
	int two = 2;

	asm volatile("	chi	%[two],1\n"
		     "	epsw	%[r1],%[r2]\n"
		     : [r1] "+d"(r.r1), [r2] "+d"(r.r2) : [two] "d"(two) : "cc");
	report_kfail(accel_is("tcg"), TCG_EPSW_CC, ((r.r1 >> 12) & 3) == 2,
		     "condition code 2 in bits 18-19 (%08lx)", r.r1);
}

static void check_masks(void)
{
	u64 saved = psw_mask();
	struct epsw_result r;

	ctl_clear_bits(0, ~0UL);
	ctl_set(6, 0);
	psw_mask_load(saved | PSW_MASK_IO | PSW_MASK_EXT);
	r = epsw_marked();
	psw_mask_load(saved);
	ctl_set_bits(0, CR0_AFP_REGISTERS | CR0_EMERGENCY_SIGNAL | CR0_EXTERNAL_CALL);
	report(r.r1 & (PSW_MASK_IO >> 32), "I/O mask (bit 6) shows");
	report(r.r1 & (PSW_MASK_EXT >> 32), "external mask (bit 7) shows");
}

static void check_problem_state(void)
{
	struct epsw_result r = { 0, 0 };
	u16 code;

	ctl_clear_bits(0, CR0_EXTRACTION_AUTHORITY);
	expect_pgm_int();
	enter_pstate();
	asm volatile("epsw %0,%1" : "+d"(r.r1), "+d"(r.r2));
	leave_pstate();
	code = pgm_int_taken();
	report_kfail(accel_is("tcg"), TCG_EPSW_AUTHORITY, code == PGM_INT_CODE_PRIVILEGED_OPERATION,
		     "problem state without extraction authority: privileged-operation (got %#x)",
		     code);

	ctl_set_bits(0, CR0_EXTRACTION_AUTHORITY);
	enter_pstate();
	r = epsw_marked();
	leave_pstate();
	ctl_clear_bits(0, CR0_EXTRACTION_AUTHORITY);
	report(r.r1 & (PSW_MASK_PSTATE >> 32), "with extraction authority: problem-state bit 15");
}

int main(void)
{
	report_prefix_push("epsw");
	check_fields();
	check_condition_code();
	check_masks();
	check_problem_state();
	report_prefix_pop();
	return report_summary();
}
