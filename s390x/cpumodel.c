/*
 * STFLE and the CPU model agree (PoP ch. 4 "Facility Indications"): STFLE itself
 * behaves (cc, doubleword count, STFL's first word), every facility bit this test can
 * probe matches whether its instruction executes, and the bits the command line names
 * (-append "absent N,N present N") are as the QEMU -cpu option set them.
 */
#include <libcflat.h>
#include <s390x/psw.h>
#include <s390x/interrupt.h>
#include <s390x/lowcore.h>
#include <s390x/facility.h>

#define LC_STFL_LIST	0xc8	/* u32 where STFL stores facilities 0-31 */
#define CR0_VECTOR	CR_BIT(46)

#define TCG_ABSENT_EXECUTES \
	"tcg-s390x-absent-facility-executes: instructions of a facility turned off run"

static void probe_stckf(void)
{
	u64 tod;

	asm volatile("stckf %0" : "=Q"(tod) : : "cc");
}

static void probe_eimm(void)
{
	asm volatile(".insn ril,0xc00900000000,1,0x12345678" : : : "r1");	/* IILF */
}

static void probe_exrl(void)
{
	asm volatile(".insn ril,0xc60000000000,0,0f\n j 1f\n 0: nopr %%r7\n 1:" : : : "memory");
}

static void probe_ginsn(void)
{
	static u32 word;

	asm volatile(".insn sil,0xe54c00000000,%0,0" : "=Q"(word));	/* MVHI */
}

static void probe_vector(void)
{
	ctl_set_bits(0, CR0_VECTOR);
	asm volatile(".machine push\n .machine z13\n vzero %%v16\n .machine pop" : : : "v16");
	ctl_clear_bits(0, CR0_VECTOR);
}

static const struct {
	int bit;
	const char *name;
	void (*probe)(void);
} probes[] = {
	{ FAC_EXTENDED_IMMEDIATE, "extended-immediate (IILF)", probe_eimm },
	{ FAC_STCKF, "store-clock-fast (STCKF)", probe_stckf },
	{ FAC_GENERAL_INSN_EXT, "general-instructions-extension (MVHI)", probe_ginsn },
	{ FAC_EXECUTE_EXTENSIONS, "execute-extensions (EXRL)", probe_exrl },
	{ FAC_VECTOR, "vector (VZERO)", probe_vector },
};

static void test_stfle(void)
{
	u64 list[FACILITY_LIST_DWORDS], one = 0;
	int cc, needed, needed_short;
	u32 stfl;

	cc = stfle(list, FACILITY_LIST_DWORDS, &needed);
	report(cc == 0 || cc == 3, "STFLE: cc %d", cc);
	report(needed >= 2 && (cc == 3) == (needed > FACILITY_LIST_DWORDS),
	       "R0 says the list has %d doublewords", needed);
	cc = stfle(&one, 1, &needed_short);
	report(needed < 2 || cc == 3, "a 1-doubleword buffer for a longer list: cc 3 (got %d)", cc);
	report(needed_short == needed, "and R0 still says %d doublewords", needed_short);
	report(one == list[0], "the first doubleword is stored anyway");
	report(list[0] & (1UL << (63 - FAC_ZARCH)), "bit 2: z/Architecture mode active");
	report(list[0] & (1UL << (63 - FAC_STFLE)), "bit 7: STFLE installed (we just ran it)");

	asm volatile("stfl 0" : : : "memory");
	stfl = LC_FIELD(u32, LC_STFL_LIST);
	report(stfl == list[0] >> 32, "STFL stores facilities 0-31 of the STFLE list (%08x)", stfl);
	expect_pgm_int();
	asm volatile(".insn s,0xb2b00000,%0" : "=Q"(*(u8 *)((u64)list + 4)) : : "cc", "memory");
	check_pgm_int(PGM_INT_CODE_SPECIFICATION, 4, "STFLE to an unaligned list");
}

static void test_probes(void)
{
	int i;
	u16 code;

	for (i = 0; i < ARRAY_SIZE(probes); i++) {
		bool installed = test_facility(probes[i].bit);

		expect_pgm_int();
		probes[i].probe();
		code = pgm_int_taken();
		report_kfail(!installed && accel_is("tcg"), TCG_ABSENT_EXECUTES,
			     installed ? code == 0 : code == PGM_INT_CODE_OPERATION,
			     "bit %d %s: %s %s (got %#x)", probes[i].bit,
			     installed ? "set" : "clear", probes[i].name,
			     installed ? "executes" : "is an operation exception", code);
	}
}

/* -append "absent 129 present 7": each bit as the CPU model was configured. */
static void test_model(int argc, char **argv)
{
	bool want = true;
	int i;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "absent") || !strcmp(argv[i], "present")) {
			want = argv[i][0] == 'p';
			continue;
		}
		report(test_facility(atol(argv[i])) == want, "CPU model: facility %s is %s",
		       argv[i], want ? "installed" : "absent");
	}
}

int main(int argc, char **argv)
{
	report_prefix_push("cpumodel");
	test_stfle();
	test_probes();
	test_model(argc, argv);
	report_prefix_pop();
	return report_summary();
}
