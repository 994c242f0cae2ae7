/*
 * The TOD clock (PoP ch. 4 "Timing"): STCK, STCKE and STCKF agree and move forward,
 * SET CLOCK sets it and it keeps running, the clock comparator interrupts once the
 * clock passes it and not before, the CPU timer once it goes negative; the exceptions
 * of SCK and SCKC.
 */
#include <libcflat.h>
#include <clock.h>
#include <s390x/psw.h>
#include <s390x/interrupt.h>
#include <s390x/tod.h>

#define SECOND	(1000000UL * TOD_PER_USEC)
#define MSEC	(1000UL * TOD_PER_USEC)

#define TCG_CKC_BEFORE_BASE \
	"tcg-s390x-ckc-before-base: a comparator below the TOD value at VM start never fires"

static volatile u16 ext_code;
static volatile u64 ext_tod;
static volatile int ext_count;

void handle_ext_int(struct int_regs *regs, u16 code, u32 param)
{
	ext_tod = stckf();
	ext_code = code;
	ext_count++;
	if (code == EXT_CODE_CLOCK_COMPARATOR)
		sckc(~0UL);		/* the condition stays while TOD > comparator */
	else if (code == EXT_CODE_CPU_TIMER)
		spt(~0UL >> 1);		/* likewise while the timer is negative */
	else
		unexpected_int("external", regs, code);
}

static void test_store(void)
{
	struct tod_ext ext;
	u64 a, b, c;
	int cc_a, cc_e;

	cc_a = stck(&a);
	cc_e = stcke(&ext);
	b = stckf();
	stck(&c);
	report(cc_a == 0 && cc_e == 0, "STCK and STCKE: cc 0, the clock is set (%d, %d)", cc_a,
	       cc_e);
	report(a <= ext.tod && ext.tod <= b && b <= c, "STCK <= STCKE <= STCKF <= STCK");
	report(c - a < SECOND, "within a second of each other");
	report(ext.epoch_idx == 0, "epoch index 0");
	mdelay(2);
	report(stckf() - c >= 2 * MSEC, "the clock advances 2 ms in a 2 ms delay");
}

static void test_set(void)
{
	u64 start = stckf(), target = start + 3600 * SECOND, now;
	int cc;

	cc = sck(target);
	now = stckf();
	report(cc == 0, "SCK: cc 0");
	report(now >= target && now - target < SECOND, "the clock reads the value set (+%lu us)",
	       (now - target) / TOD_PER_USEC);
	mdelay(1);
	report(stckf() > now, "and keeps running");

	expect_pgm_int();
	asm volatile("sck 1(%0)" : : "a"(&now) : "cc");
	check_pgm_int(PGM_INT_CODE_SPECIFICATION, 4, "SCK of an unaligned operand");
	check_privileged(4, "SCK in the problem state", sck(start));
	sck(start + (stckf() - target));
}

static bool wait_ext(u64 cr0_bit, u64 timeout_ms)
{
	u64 end = stckf() + timeout_ms * MSEC;

	ctl_set_bits(0, cr0_bit);
	psw_mask_load(psw_mask() | PSW_MASK_EXT);
	while (!ext_count && stckf() < end)
		cpu_relax();
	psw_mask_load(psw_mask() & ~PSW_MASK_EXT);
	ctl_clear_bits(0, cr0_bit);
	return ext_count;
}

static void test_comparator(void)
{
	u64 deadline = stckf() + 20 * MSEC;

	sckc(deadline);
	report(stckc() == deadline, "STCKC reads back the comparator");
	ext_count = 0;
	ext_code = 0;
	report(wait_ext(CR0_CLOCK_COMPARATOR, 2000), "clock-comparator interruption came");
	report(ext_code == EXT_CODE_CLOCK_COMPARATOR, "with code 0x1004 (got %#x)", ext_code);
	report(ext_count == 1, "once (%d)", ext_count);
	report(ext_tod >= deadline, "not before the comparator value (%ld us after)",
	       (long)(ext_tod - deadline) / (long)TOD_PER_USEC);

	sckc(stckf() + MSEC);
	mdelay(3);
	ext_count = 0;
	report(wait_ext(CR0_CLOCK_COMPARATOR, 100),
	       "a comparator passed while disabled interrupts once enabled");
	sckc(stckf() - MSEC);
	ext_count = 0;
	report(wait_ext(CR0_CLOCK_COMPARATOR, 100), "a comparator in the past interrupts at once");
	sckc(1);
	ext_count = 0;
	report_kfail(accel_is("tcg"), TCG_CKC_BEFORE_BASE, wait_ext(CR0_CLOCK_COMPARATOR, 100),
		     "a comparator before the guest started interrupts at once");

	sckc(stckf() + 10 * MSEC);
	ext_count = 0;
	psw_mask_load(psw_mask() | PSW_MASK_EXT);
	mdelay(30);
	psw_mask_load(psw_mask() & ~PSW_MASK_EXT);
	report(ext_count == 0, "subclass mask off (CR0 bit 52): no interruption");
	sckc(~0UL);

	expect_pgm_int();
	asm volatile("sckc 4(%0)" : : "a"(&deadline));
	check_pgm_int(PGM_INT_CODE_SPECIFICATION, 4, "SCKC of an unaligned operand");
}

static void test_cpu_timer(void)
{
	u64 t1, t2, start;

	spt(SECOND);
	t1 = stpt();
	mdelay(2);
	t2 = stpt();
	report(t1 <= SECOND && t2 < t1 && t1 - t2 >= 2 * MSEC, "the CPU timer counts down");
	ext_count = 0;
	ext_code = 0;
	start = stckf();
	spt(10 * MSEC);
	report(wait_ext(CR0_CPU_TIMER, 2000), "CPU-timer interruption came");
	report(ext_code == EXT_CODE_CPU_TIMER, "with code 0x1005 (got %#x)", ext_code);
	report(ext_tod - start >= 10 * MSEC, "not before the timer ran out (%lu us)",
	       (ext_tod - start) / TOD_PER_USEC);
}

int main(void)
{
	report_prefix_push("sck");
	test_store();
	test_set();
	test_comparator();
	test_cpu_timer();
	report_prefix_pop();
	return report_summary();
}
