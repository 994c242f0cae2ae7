/*
 * The vector facility (STFLE bit 129; PoP ch. 21): vector instructions raise a data
 * exception with DXC 0xfe while CR0 bit 46 (vector enablement) is off; once on, all
 * 32 registers hold their values, FPR n is the left half of vector register n, and
 * vector loads, stores and adds give their results.
 */
#include <libcflat.h>
#include <s390x/psw.h>
#include <s390x/interrupt.h>
#include <s390x/lowcore.h>
#include <s390x/facility.h>

#define CR0_VECTOR		CR_BIT(46)
#define LC_DATA_EXC_CODE	0x93	/* u8 DXC (PoP ch. 6 "Data Exception") */
#define DXC_VECTOR_DISABLED	0xfe

#define VX(insn) ".machine push\n .machine z13\n " insn "\n .machine pop\n"

/* VLVGG / VLGVG on register @n: the doubleword element 0. */
#define DEFINE_VREG_ACCESS(n)						\
	static void vset_##n(u64 v)					\
	{								\
		asm volatile(VX("vlvgg %%v" #n ",%0,0") : : "d"(v));	\
	}								\
	static u64 vget_##n(void)					\
	{								\
		u64 v;							\
		asm volatile(VX("vlgvg %0,%%v" #n ",0") : "=d"(v));	\
		return v;						\
	}

DEFINE_VREG_ACCESS(0)
DEFINE_VREG_ACCESS(15)
DEFINE_VREG_ACCESS(16)
DEFINE_VREG_ACCESS(31)

static void test_disabled(void)
{
	u8 dxc;

	ctl_clear_bits(0, CR0_VECTOR);
	expect_pgm_int();
	vset_16(1);
	dxc = LC_FIELD(u8, LC_DATA_EXC_CODE);
	check_pgm_int(PGM_INT_CODE_DATA, 6, "VLVGG with CR0 bit 46 off");
	report(dxc == DXC_VECTOR_DISABLED, "data-exception code 0xfe (got %#x)", dxc);
}

static void test_registers(void)
{
	u64 f0;

	asm volatile(VX("vlvgg %%v0,%1,0\n lgdr %0,%%f0") : "=d"(f0) : "d"(0xf0f0UL) : "v0");
	report(f0 == 0xf0f0, "FPR 0 is the left half of V0 (%#lx)", f0);
	vset_0(0x1000);
	vset_15(0x1515);
	vset_16(0x1616);
	vset_31(0x3131);
	report(vget_0() == 0x1000 && vget_15() == 0x1515, "V0 and V15 hold their values");
	report(vget_16() == 0x1616 && vget_31() == 0x3131,
	       "V16 and V31 (no FPR twins) hold theirs");
}

static void test_load_store_add(void)
{
	u64 a[2] __aligned(16) = { 1, 0x7fffffffffffffffUL };
	u64 b[2] __aligned(16) = { 2, 1 };
	u64 sum[2] __aligned(16) = { 0, 0 };

	asm volatile(VX("vl %%v20,%[a]\n vl %%v21,%[b]\n vag %%v22,%%v20,%%v21\n vst %%v22,%[s]")
		     : [s] "=Q"(sum) : [a] "Q"(a), [b] "Q"(b) : "v20", "v21", "v22");
	report(sum[0] == 3 && sum[1] == 0x8000000000000000UL,
	       "VL, VAG, VST: doubleword sums without carries between elements");
}

int main(void)
{
	report_prefix_push("vector");
	if (!test_facility(FAC_VECTOR)) {
		report_skip("vector facility (STFLE bit 129) not installed");
		return report_summary();
	}
	test_disabled();
	ctl_set_bits(0, CR0_VECTOR);
	test_registers();
	test_load_store_add();
	ctl_clear_bits(0, CR0_VECTOR);
	report_prefix_pop();
	return report_summary();
}
