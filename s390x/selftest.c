/*
 * The s390x runtime checks itself: command line, memory, program interruptions,
 * SVC round trips with register state, nesting, the clock-comparator timeout.
 * Sub-tests like every arch's selftest: "setup test 123" runs them all; "input test 123"
 * and "crash test 123" add a console read and an unexpected program interruption.
 */
#include <libcflat.h>
#include <subtest.h>
#include <s390x/psw.h>
#include <s390x/arch.h>
#include <s390x/interrupt.h>
#include <s390x/sclp.h>

static bool env_word_in_argv(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++)
		if (!strncmp(argv[i], "QEMU_ACCEL=", strlen("QEMU_ACCEL=")))
			return true;
	return false;
}

static void check_args(int argc, char **argv)
{
	/* unittests.cfg: test_args = setup test 123 (or input/crash for setup) */
	report_prefix_push("args");
	report(argc == 3, "argc is 3 after the sub-test's name (got %d)", argc);
	report(argc > 1 && !strcmp(argv[1], "test"), "argv[1] is \"test\"");
	report(argc > 2 && !strcmp(argv[2], "123"), "argv[2] is \"123\"");
	report(__argv[0] && __argv[0][0], "argv[0] is set (the image name)");
	report(!env_word_in_argv(__argc, __argv), "environment words are not in argv");
	report_prefix_pop();
}

static void check_memory(void)
{
	void *below = alloc_pages_below(0, 1UL << 31);
	void *page = alloc_page();

	report_prefix_push("memory");
	report(below && (u64)below < (1UL << 31), "a page below 2 GiB");
	report(page && IS_ALIGNED((u64)page, PAGE_SIZE), "an aligned page");
	free_page(below);
	free_page(page);
	report_prefix_pop();
}

/* DLGR needs an even R1: R1 = 1 is a specification exception (PoP ch. 7 DIVIDE LOGICAL). */
static u64 odd_pair_divide(void)
{
	u64 insn;

	asm volatile("	larl	%[insn],0f\n"
		     "0:	.insn	rre,0xb9870000,1,2\n"
		     : [insn] "=&d"(insn) : : "r1", "r2", "cc");
	return insn;
}

static void check_pgm(void)
{
	u64 insn;

	report_prefix_push("program interruption");
	expect_pgm_int();
	insn = odd_pair_divide();
	check_pgm_int_code(PGM_INT_CODE_SPECIFICATION);
	report(pgm_int_old_psw()->addr == insn + 4,
	       "old PSW points past the suppressed 4-byte instruction");

	expect_pgm_int();
	asm volatile(".insn e,0x0000");
	check_pgm_int_code(PGM_INT_CODE_OPERATION);

	report(pgm_int_taken() == 0, "nothing recorded without an interruption");
	report_prefix_pop();
}

static volatile int svc_seen;
static volatile int svc_depth;

/* Overrides the library's weak handler. */
void handle_svc_int(struct int_regs *regs, u16 code)
{
	svc_seen = code;
	svc_depth = irq_depth();
	regs->grs[2] = 0x5a5a;	/* the return path must load this */
	asm volatile("lzdr %%f1" : : : "f1");	/* and restore this */
	if (code == 2) {
		expect_pgm_int();
		asm volatile(".insn e,0x0000");
		report(pgm_int_taken() == PGM_INT_CODE_OPERATION,
		       "program interruption inside the SVC handler is caught");
	}
}

static void svc_roundtrip(int which, u64 *gr2, u64 *f1)
{
	register u64 r2 asm("2") = 0;
	double fp = 3.0;

	asm volatile("ldr %%f1,%[fp]\n" : : [fp] "f"(fp) : "f1");
	if (which == 1)
		asm volatile("svc 1" : "+d"(r2) : : "memory");
	else
		asm volatile("svc 2" : "+d"(r2) : : "memory");
	asm volatile("lgdr %0,%%f1" : "=d"(*f1));
	*gr2 = r2;
}

static void check_svc(void)
{
	u64 gr2, f1;
	double three = 3.0;

	report_prefix_push("svc");
	svc_roundtrip(1, &gr2, &f1);
	report(svc_seen == 1, "handler got code 1");
	report(svc_depth == 1, "nesting depth 1 in the handler");
	report(gr2 == 0x5a5a, "GR2 set by the handler is loaded on return");
	report(!memcmp(&f1, &three, sizeof(f1)), "FPR1 clobbered by the handler is restored");
	svc_roundtrip(2, &gr2, &f1);
	report(svc_seen == 2, "handler got code 2");
	report(irq_depth() == 0, "nesting depth back to 0");
	report_prefix_pop();
}

static void check_timeout(void)
{
	u64 start = stckf();

	report_prefix_push("clock comparator");
	timeout_arm(2000);
	while (!timeout_expired())
		wait_for_interrupt(PSW_MASK_EXT);
	timeout_disarm();
	report(stckf() - start >= 2000 * TOD_PER_USEC, "enabled wait ends after 2 ms");
	report(!(psw_mask() & (PSW_MASK_EXT | PSW_MASK_WAIT)), "PSW masks restored after the wait");
	report_prefix_pop();
}

static void check_backtrace(void)
{
	unsigned long pcs[8];
	int n = arch_backtrace(pcs, ARRAY_SIZE(pcs));

	report(n >= 2 && pcs[0] >= 0x10000, "backtrace through the back chain (%d frames)", n);
}

/* The runtime's whole self-check: arguments, memory, interruptions, clock, backtrace. */
static void test_setup(int argc, char **argv)
{
	check_args(argc, argv);
	check_memory();
	check_pgm();
	check_svc();
	check_timeout();
	check_backtrace();
}

/* By hand: echo x | ./s390x-run s390x/selftest.elf -append "input test 123" */
static void test_input(int argc, char **argv)
{
	test_setup(argc, argv);
	report(sclp_wait_char(5000000) == 'x', "console input: read 'x' through SCLP");
}

/* Group crash: must end in an "unexpected program interruption" dump. */
static void test_crash(int argc, char **argv)
{
	test_setup(argc, argv);
	report_info("provoking an unexpected operation exception");
	asm volatile(".insn e,0x0000");
}

static const struct subtest tests[] = {
	{ "setup", test_setup },
	{ "input", test_input },
	{ "crash", test_crash },
	{ NULL },
};

int main(int argc, char **argv)
{
	report_prefix_push("selftest");
	return run_subtests(tests, NULL, argc, argv);
}
