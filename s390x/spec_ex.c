/*
 * Specification exceptions (PoP ch. 6 "Specification Exception"): invalid PSWs loaded
 * by LOAD PSW EXTENDED (bit 12 set, an invalid addressing mode, an odd instruction
 * address) and invalid operands (odd register pair, unaligned quadword), each with
 * the old PSW and instruction length the architecture gives it.
 */
#include <libcflat.h>
#include <s390x/psw.h>
#include <s390x/interrupt.h>

static struct psw bad_psw;

/* Known deviations of QEMU 7.2's TCG (docs/known-deviations.md). */
#define TCG_PSW_BIT12 "tcg-s390x-psw-bit12: LPSWE loads a PSW with bit 12 set"
#define TCG_ODD_PSW \
	"tcg-s390x-odd-psw: an odd PSW address is fetched from (operation exception), not refused"

/*
 * LPSWE a PSW with @set/@clear applied to the current mask and the address of the
 * instruction after it (plus @addr_offset). Loaded anyway, it just goes on; refused,
 * the expected interruption resumes there with the right mask.
 */
static void check_invalid_psw(const char *what, u64 set, u64 clear, int addr_offset,
			      bool known)
{
	u64 saved = psw_mask();
	u64 mask = (saved | set) & ~clear;
	u64 next, ipm;
	u16 code;

	asm volatile("	larl	%[next],1f\n" : [next] "=a"(next));
	expect_pgm_int_resume((void *)next);
	bad_psw = (struct psw){ mask, next + addr_offset };
	asm volatile("	lpswe	%[psw]\n"
		     "1:	ipm	%[ipm]\n"
		     : [ipm] "=d"(ipm) : [psw] "Q"(bad_psw) : "memory", "cc");
	psw_mask_load(saved);
	code = pgm_int_taken();
	/* An early PSW exception has ILC 0; for an odd address the ILC is not checked. */
	report_kfail(known, addr_offset ? TCG_ODD_PSW : TCG_PSW_BIT12,
		     code == PGM_INT_CODE_SPECIFICATION && (addr_offset || pgm_int_ilc() == 0),
		     "%s: specification exception%s (got %#x, ILC %d)", what,
		     addr_offset ? "" : ", ILC 0", code, pgm_int_ilc());
	report_kfail(known, addr_offset ? TCG_ODD_PSW : TCG_PSW_BIT12,
		     code && pgm_int_old_psw()->addr == bad_psw.addr &&
		     pgm_int_old_psw()->mask == mask,
		     "%s: old PSW is the loaded one (%016lx %016lx)", what, pgm_int_old_psw()->mask,
		     pgm_int_old_psw()->addr);
}

static void test_invalid_psws(void)
{
	bool tcg = accel_is("tcg");

	check_invalid_psw("PSW bit 12 set", PSW_BIT(12), 0, 0, tcg);
	check_invalid_psw("odd instruction address", 0, 0, 1, tcg);
	/* QEMU 7.2 TCG aborts (an assertion in its translator) on such a PSW. */
	if (tcg)
		report_skip("extended addressing without basic: not loaded, it aborts QEMU "
			    "(known: tcg-s390x-ea-psw-abort)");
	else
		check_invalid_psw("extended addressing without basic", PSW_MASK_EA, PSW_MASK_BA, 0,
				  false);
}

static void test_odd_pair(void)
{
	expect_pgm_int();
	asm volatile(".insn rre,0xb9870000,1,2" : : : "r1", "r2", "cc");	/* DLGR 1,2 */
	check_pgm_int(PGM_INT_CODE_SPECIFICATION, 4, "DLGR with an odd register pair");
}

static void test_unaligned_quadword(void)
{
	static u64 quad[3] __aligned(16);

	expect_pgm_int();
	asm volatile("lpq %%r2,%0" : : "T"(quad[1]) : "r2", "r3");
	check_pgm_int(PGM_INT_CODE_SPECIFICATION, 6, "LPQ of an unaligned quadword");
}

int main(void)
{
	report_prefix_push("spec_ex");
	test_invalid_psws();
	test_odd_pair();
	test_unaligned_quadword();
	report_prefix_pop();
	return report_summary();
}
