/*
 * STORE SYSTEM INFORMATION (PoP ch. 10): the current configuration level, the CPU
 * counts of SYSIBs 1.2.2, 2.2.2 and 3.2.2 against the CPUs SCLP reports, and the
 * exceptions (reserved bits, unaligned SYSIB, problem state). Run with -smp 2.
 */
#include <libcflat.h>
#include <s390x/psw.h>
#include <s390x/interrupt.h>
#include <s390x/stsi.h>

#define SYSIB_122_COUNTS	36
#define SYSIB_222_COUNTS	36
#define SYSIB_322_DESC_COUNT	31
#define SYSIB_322_COUNTS	36
#define SYSIB_322_NAME		44
#define EBCDIC_SPACE		0x40

static u8 *sysib;

static void check_level(void)
{
	u64 r0 = 0;
	int cc = stsi(sysib, 0, 0, 0, &r0);
	int level = r0 >> 28;

	report(cc == 0, "function code 0: cc 0 (got %d)", cc);
	report(level >= 1 && level <= 3, "current level %d is 1, 2 or 3", level);
	cc = stsi(sysib, level + 1, 1, 1, NULL);
	report(level == 3 || cc == 3, "a level above the current one: cc 3");
	cc = stsi(sysib, 7, 1, 1, NULL);
	report(cc == 3, "function code 7: cc 3 (got %d)", cc);
	cc = stsi(sysib, 1, 0, 1, NULL);
	report(cc == 3, "selector 1 = 0: cc 3 (got %d)", cc);
}

static bool check_counts(const char *name, const u8 *at)
{
	const struct sysib_cpu_counts *c = (const void *)at;

	return report(c->configured == nr_cpus && c->total >= c->configured,
		      "%s: %d configured of %d total cpus (have %d)", name, c->configured,
		      c->total, nr_cpus);
}

static void check_sysibs(void)
{
	int cc;

	memset(sysib, 0xff, PAGE_SIZE);
	cc = stsi(sysib, 1, 2, 2, NULL);
	if (report(cc == 0, "1.2.2 stored (cc %d)", cc))
		check_counts("1.2.2", sysib + SYSIB_122_COUNTS);

	memset(sysib, 0xff, PAGE_SIZE);
	cc = stsi(sysib, 2, 2, 2, NULL);
	if (report(cc == 0, "2.2.2 stored (cc %d)", cc))
		check_counts("2.2.2", sysib + SYSIB_222_COUNTS);

	memset(sysib, 0xff, PAGE_SIZE);
	cc = stsi(sysib, 3, 2, 2, NULL);
	if (report(cc == 0, "3.2.2 stored (cc %d)", cc)) {
		report(sysib[SYSIB_322_DESC_COUNT] >= 1, "3.2.2: %d VM descriptions",
		       sysib[SYSIB_322_DESC_COUNT]);
		check_counts("3.2.2", sysib + SYSIB_322_COUNTS);
		report(sysib[SYSIB_322_NAME] != 0xff && sysib[SYSIB_322_NAME] != 0 &&
		       sysib[SYSIB_322_NAME] != EBCDIC_SPACE, "3.2.2: the VM has a name");
	}
}

static void check_exceptions(void)
{
	expect_pgm_int();
	stsi(sysib + 8, 1, 1, 1, NULL);
	check_pgm_int(PGM_INT_CODE_SPECIFICATION, 4, "SYSIB not on a 4 KiB boundary");
	expect_pgm_int();
	stsi(sysib, 1, 1 | 0x100, 1, NULL);
	check_pgm_int(PGM_INT_CODE_SPECIFICATION, 4, "reserved bits of r0 set");
	expect_pgm_int();
	stsi(sysib, 1, 1, 1 | 0x10000, NULL);
	check_pgm_int(PGM_INT_CODE_SPECIFICATION, 4, "reserved bits of r1 set");
	check_privileged(4, "problem state", stsi(sysib, 1, 1, 1, NULL));
}

int main(void)
{
	sysib = alloc_page();
	report_prefix_push("stsi");
	check_level();
	check_sysibs();
	check_exceptions();
	report_prefix_pop();
	return report_summary();
}
