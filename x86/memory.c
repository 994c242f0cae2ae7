/*
 * Cache-line flush and fence instructions against CPUID: each one CPUID reports runs
 * without an exception and leaves the data intact, each one it does not report raises
 * #UD; CLFLUSH of a not-present page raises #PF like a read (SDM vol. 2 CLFLUSH,
 * CLFLUSHOPT, CLWB).
 */
#include <libcflat.h>
#include <x86/desc.h>
#include <x86/fault.h>
#include <x86/processor.h>
#include <x86/vm.h>

static volatile unsigned long line[8] __aligned(64);

static void do_clflush(void *p)
{
	asm volatile("clflush (%0)" : : "r"(p) : "memory");
}

static void do_clflushopt(void *p)
{
	asm volatile(".byte 0x66; clflush (%0)" : : "r"(p) : "memory");
}

static void do_clwb(void *p)
{
	asm volatile(".byte 0x66, 0x0f, 0xae, 0x30" : : "a"(p) : "memory"); /* clwb (%eax/%rax) */
}

static void do_fences(void *p)
{
	asm volatile("sfence\n\tlfence\n\tmfence" : : : "memory");
}

static void check_flush(const char *name, struct x86_feature f, fragment_t flush)
{
	bool present = cpu_has(f);
	int vec;

	line[0] = 0x1234;
	vec = run_catching(flush, (void *)line, NULL);
	if (present) {
		report(vec == EXC_NONE, "%s: CPUID has %s, it runs", name, feature_str(f));
		report(line[0] == 0x1234, "%s: the flushed line still holds its data", name);
	} else {
		report(vec == UD_VECTOR, "%s: CPUID lacks %s, it raises #UD (got %d)", name,
		       feature_str(f), vec);
	}
}

static void check_not_present(void)
{
	u8 *page = alloc_page();
	struct fault f;

	if (!cpu_has(X86_FEATURE_CLFLUSH) || !vm_require_paging())
		return;
	vm_unmap_page(page);
	run_catching(do_clflush, page + 64, &f);
	report_kfail(accel_is("tcg"), "tcg-clflush-nowalk: QEMU 7.2 runs CLFLUSH without a page walk",
		     f.vector == PF_VECTOR, "clflush of a not-present page: #PF");
	if (f.vector == PF_VECTOR)
		report(f.cr2 == (unsigned long)(page + 64) && !(f.error_code & PFERR_WRITE),
		       "the #PF is a read at that address (error code %#x)", f.error_code);
	vm_map_page(page, (phys_addr_t)page, PT_WRITABLE);
	free_page(page);
}

int main(void)
{
	check_flush("clflush", X86_FEATURE_CLFLUSH, do_clflush);
	check_flush("clflushopt", X86_FEATURE_CLFLUSHOPT, do_clflushopt);
	check_flush("clwb", X86_FEATURE_CLWB, do_clwb);
	if (cpuid(1).d & (1U << 26)) /* SSE2: LFENCE and MFENCE */
		report(run_catching(do_fences, NULL, NULL) == EXC_NONE, "sfence/lfence/mfence run");
	else
		report_skip("fences: CPUID.1:EDX[26] (SSE2) is clear");
	check_not_present();
	return report_summary();
}
