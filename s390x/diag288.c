/*
 * DIAGNOSE 0x288, the watchdog (QEMU's diag288 device): R1 the function (0 arm,
 * 1 change, 2 cancel), R1 + 1 the timeout in seconds, R3/R3 + 1 an action. Run with
 * -device diag288 -action watchdog=inject-nmi: on expiry the guest gets a restart
 * interruption. Claims: arming, changing and cancelling work, a cancelled watchdog
 * stays quiet, an armed one fires, and the invalid uses are exceptions.
 */
#include <libcflat.h>
#include <clock.h>
#include <s390x/psw.h>
#include <s390x/interrupt.h>

#define WDT_ARM		0
#define WDT_CHANGE	1
#define WDT_CANCEL	2
#define WDT_MIN_SECONDS	15

static volatile int restarts;

void handle_restart_int(struct int_regs *regs)
{
	restarts++;
}

static void diag288(u64 func, u64 seconds)
{
	register u64 r2 asm("2") = func;
	register u64 r3 asm("3") = seconds;
	register u64 r4 asm("4") = 0;
	register u64 r5 asm("5") = 0;

	asm volatile("diag %[r2],%[r4],0x288"
		     : : [r2] "d"(r2), "d"(r3), [r4] "d"(r4), "d"(r5) : "memory", "cc");
}

static void test_exceptions(void)
{
	expect_pgm_int();
	asm volatile("diag 3,4,0x288" : : : "memory");
	check_pgm_int(PGM_INT_CODE_SPECIFICATION, 4, "odd R1");
	expect_pgm_int();
	diag288(7, WDT_MIN_SECONDS);
	check_pgm_int(PGM_INT_CODE_SPECIFICATION, 4, "unknown function 7");
	expect_pgm_int();
	diag288(WDT_CANCEL, 0);
	check_pgm_int(PGM_INT_CODE_SPECIFICATION, 4, "cancel while not armed");
	expect_pgm_int();
	diag288(WDT_CHANGE, WDT_MIN_SECONDS);
	check_pgm_int(PGM_INT_CODE_SPECIFICATION, 4, "change while not armed");
	check_privileged(4, "problem state", diag288(WDT_ARM, WDT_MIN_SECONDS));
}

static void test_cancel(void)
{
	expect_pgm_int();
	diag288(WDT_ARM, WDT_MIN_SECONDS);
	report(!pgm_int_taken(), "arm for 15 s accepted");
	expect_pgm_int();
	diag288(WDT_CHANGE, WDT_MIN_SECONDS + 5);
	report(!pgm_int_taken(), "change to 20 s accepted");
	expect_pgm_int();
	diag288(WDT_CANCEL, 0);
	report(!pgm_int_taken(), "cancel accepted");
	expect_pgm_int();
	diag288(WDT_CANCEL, 0);
	check_pgm_int(PGM_INT_CODE_SPECIFICATION, 4, "a second cancel: not armed any more");
}

static void test_expiry(void)
{
	u64 start = clock_ns(), waited;
	bool fired;

	restarts = 0;
	diag288(WDT_ARM, WDT_MIN_SECONDS);
	fired = wait_until(restarts > 0, (WDT_MIN_SECONDS + 10) * 1000);
	waited = (clock_ns() - start) / NSEC_PER_MSEC;
	report(fired, "an armed watchdog fires: restart interruption (after %lu ms)", waited);
	report(waited >= WDT_MIN_SECONDS * 1000 - 100, "not before its 15 s");
	mdelay(100);
	report(restarts == 1, "once (%d)", restarts);
}

int main(void)
{
	report_prefix_push("diag288");
	test_exceptions();
	test_cancel();
	test_expiry();
	report_prefix_pop();
	return report_summary();
}
