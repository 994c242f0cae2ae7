/*
 * XSAVE and XCR0 (SDM vol. 1 13): XGETBV/XSETBV need CR4.OSXSAVE (#UD without); XCR0 bit 0
 * must stay set, AVX needs SSE, bits CPUID.0DH does not report are reserved (#GP); XSETBV
 * is privileged and only XCR0 exists; XSAVE/XRSTOR round-trip x87 state, and XRSTOR
 * checks the header.
 */
#include <libcflat.h>
#include <x86/desc.h>
#include <x86/fault.h>
#include <x86/processor.h>

#define XCR0_X87 (1ULL << 0)
#define XCR0_SSE (1ULL << 1)
#define XCR0_AVX (1ULL << 2)
#define XSTATE_BV_OFFSET 512
#define CPUID_1_ECX_OSXSAVE (1U << 27)

struct xcr_args {
	u32 index;
	u64 value;
};

static void do_xgetbv(void *arg)
{
	struct xcr_args *a = arg;
	u32 lo, hi;

	asm volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(a->index));
	a->value = lo | (u64)hi << 32;
}

static void do_xsetbv(void *arg)
{
	struct xcr_args *a = arg;

	asm volatile("xsetbv" : : "a"((u32)a->value), "d"((u32)(a->value >> 32)), "c"(a->index));
}

static void __user_text user_xsetbv(void *arg)
{
	asm volatile("xsetbv" : : "a"(1), "d"(0), "c"(0));
}

static int xsetbv(u32 index, u64 value)
{
	struct xcr_args a = { index, value };

	return run_catching(do_xsetbv, &a, NULL);
}

static void do_xrstor(void *area)
{
	asm volatile("xrstor (%0)" : : "r"(area), "a"(-1), "d"(-1) : "memory");
}

static void check_xcr0_rules(u64 supported)
{
	struct xcr_args a = { 0, 0 };

	report(run_catching(do_xgetbv, &a, NULL) == EXC_NONE && a.value == XCR0_X87,
	       "XCR0 is 1 (x87 only) after reset (%#llx)", (unsigned long long)a.value);
	report(xsetbv(0, 0) == GP_VECTOR, "XCR0 = 0 (x87 clear): #GP");
	report(xsetbv(0, XCR0_X87 | XCR0_SSE) == EXC_NONE, "XCR0 = x87|SSE works");
	do_xgetbv(&a);
	report(a.value == (XCR0_X87 | XCR0_SSE), "XGETBV returns it");
	if (supported & XCR0_AVX) {
		report(xsetbv(0, XCR0_X87 | XCR0_AVX) == GP_VECTOR, "AVX without SSE: #GP");
		report(xsetbv(0, XCR0_X87 | XCR0_SSE | XCR0_AVX) == EXC_NONE, "x87|SSE|AVX works");
	} else {
		report(xsetbv(0, XCR0_X87 | XCR0_SSE | XCR0_AVX) == GP_VECTOR,
		       "AVX, which CPUID.0DH does not report: #GP");
	}
	report(xsetbv(0, XCR0_X87 | (1ULL << 62)) == GP_VECTOR, "reserved bit 62: #GP");
	report(xsetbv(1, XCR0_X87) == GP_VECTOR, "XSETBV of XCR1: #GP");
	a.index = 2;
	report(run_catching(do_xgetbv, &a, NULL) == GP_VECTOR, "XGETBV of an undefined XCR: #GP");
	report(run_in_user(user_xsetbv, NULL, NULL) == GP_VECTOR, "XSETBV at CPL 3: #GP");
	xsetbv(0, XCR0_X87);
}

static void check_xsave(void)
{
	u8 *area = alloc_page(); /* 64-byte aligned, larger than the x87+SSE area */
	u16 fcw = 0x27f, restored = 0;
	u64 *xstate_bv = (u64 *)(area + XSTATE_BV_OFFSET);

	xsetbv(0, XCR0_X87 | XCR0_SSE);
	asm volatile("fninit\n\tfldcw %0" : : "m"(fcw));
	asm volatile("xsave (%0)" : : "r"(area), "a"(-1), "d"(-1) : "memory");
	report(*(u16 *)area == fcw, "XSAVE stores the x87 control word (%#x)", *(u16 *)area);
	report(*xstate_bv & XCR0_X87, "XSTATE_BV says x87 state is present");
	asm volatile("fninit");
	asm volatile("xrstor (%0)\n\tfnstcw %1" : : "r"(area), "m"(restored), "a"(-1), "d"(-1)
		     : "memory");
	report(restored == fcw, "XRSTOR brings the control word back (%#x)", restored);
	*xstate_bv |= 1ULL << 63; /* reserved in the header (SDM 13.8) */
	report(run_catching(do_xrstor, area, NULL) == GP_VECTOR,
	       "XRSTOR with a reserved XSTATE_BV bit: #GP");
	asm volatile("fninit");
	xsetbv(0, XCR0_X87);
	free_page(area);
}

int main(void)
{
	unsigned long cr4 = read_cr4();
	struct xcr_args a = { 0, 0 };
	u64 supported;

	if (!require_feature(X86_FEATURE_XSAVE, "xsave"))
		return report_summary();
	supported = cpuid_indexed(0xd, 0).a | (u64)cpuid_indexed(0xd, 0).d << 32;
	write_cr4(cr4 & ~X86_CR4_OSXSAVE);
	report(run_catching(do_xgetbv, &a, NULL) == UD_VECTOR, "CR4.OSXSAVE=0: XGETBV raises #UD");
	report(!(cpuid(1).c & CPUID_1_ECX_OSXSAVE), "CR4.OSXSAVE=0: CPUID.1:ECX[27] is clear");
	write_cr4(cr4 | X86_CR4_OSXSAVE | X86_CR4_OSFXSR);
	report(cpuid(1).c & CPUID_1_ECX_OSXSAVE, "CR4.OSXSAVE=1: CPUID.1:ECX[27] is set");
	report(supported & XCR0_X87 && supported & XCR0_SSE, "CPUID.0DH reports x87 and SSE (%#llx)",
	       (unsigned long long)supported);
	check_xcr0_rules(supported);
	check_xsave();
	write_cr4(cr4);
	return report_summary();
}
