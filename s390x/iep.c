/*
 * Instruction-execution protection (STFLE bit 130; PoP ch. 3): with CR0 bit 43 on, an
 * instruction fetched from a page whose page-table entry has bit 55 set is a
 * protection exception; data accesses to the page still work, and with CR0 bit 20
 * off the bit is ignored.
 */
#include <libcflat.h>
#include <s390x/psw.h>
#include <s390x/interrupt.h>
#include <s390x/dat.h>
#include <s390x/facility.h>

#define VIRT_CODE (4 * SZ_1G)

/* LGHI %r2,42; BR %r14: a function returning 42. */
static const u8 ret42[] = { 0xa7, 0x29, 0x00, 0x2a, 0x07, 0xfe };

static struct dat_space space;

static long call_at(u64 addr)
{
	return ((long (*)(void))addr)();
}

/*
 * Call @addr; when the call faults, the expected interruption resumes at
 * guarded_call_return and the call returns -1 (r2 is set before the branch).
 */
long guarded_call(u64 addr);
extern char guarded_call_return[];
asm("	.text\n"
    "guarded_call:\n"
    "	stg	%r14,112(%r15)\n"
    "	lgr	%r1,%r2\n"
    "	lghi	%r2,-1\n"
    "	basr	%r14,%r1\n"
    "guarded_call_return:\n"
    "	lg	%r14,112(%r15)\n"
    "	br	%r14\n");

static void test_iep(u8 *frame)
{
	long ret;
	u64 teid;
	u16 code;

	dat_map_page(&space, VIRT_CODE, (u64)frame, 0);
	report(call_at(VIRT_CODE) == 42, "code on an executable page runs");
	dat_map_page(&space, VIRT_CODE, (u64)frame, DAT_MAP_NOEXEC);
	report(*(volatile u8 *)VIRT_CODE == ret42[0], "a no-execute page can still be read");

	ctl_clear_bits(0, CR0_IEP);
	report(call_at(VIRT_CODE) == 42, "CR0 bit 43 off: the no-execute bit is ignored");

	ctl_set_bits(0, CR0_IEP);
	expect_pgm_int_resume(guarded_call_return);
	ret = guarded_call(VIRT_CODE);
	teid = pgm_int_trans_id();
	code = pgm_int_taken();
	ctl_clear_bits(0, CR0_IEP);
	report(ret == -1 && code == PGM_INT_CODE_PROTECTION,
	       "fetch from a no-execute page: protection exception (got %#x)", code);
	report((teid & TEID_ADDR_MASK) == VIRT_CODE, "failing address is the page (TEID %#lx)",
	       teid);
	report(guarded_call(VIRT_CODE) == 42, "CR0 bit 43 off again: it runs");
}

int main(void)
{
	u8 *code = alloc_page();

	report_prefix_push("iep");
	if (!test_facility(FAC_IEP)) {
		report_skip("instruction-execution protection (STFLE bit 130) not installed");
		return report_summary();
	}
	memcpy(code, ret42, sizeof(ret42));
	dat_enable_identity(&space);
	test_iep(code);
	dat_disable();
	report_prefix_pop();
	return report_summary();
}
