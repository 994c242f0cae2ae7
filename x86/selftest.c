/*
 * The x86 runtime checks itself: command line, exception delivery and recovery,
 * paging helpers. Sub-tests are chosen by the first argument.
 */
#include <libcflat.h>
#include <subtest.h>
#include <x86/desc.h>
#include <x86/processor.h>
#include <x86/vm.h>
#include <x86/fwcfg.h>

#ifdef __x86_64__
#define MOV_PTR "movq" /* imm32 sign-extended: the image is below 2 GiB */
#define SP_REG "rsp"
#else
#define MOV_PTR "movl"
#define SP_REG "esp"
#endif

static void check_args(int argc, char **argv)
{
	/* unittests.cfg: test_args = args one TWO=2 "three four"; argv[0] is "args" */
	report(argc == 4, "argc is 4 (got %d)", argc);
	if (argc != 4)
		return;
	report(!strcmp(argv[0], "args") && !strcmp(argv[1], "one"), "plain words");
	report(!strcmp(argv[2], "TWO=2"), "KEY=VALUE after the first word stays in argv");
	report(!strcmp(argv[3], "three four"), "quotes group words");
	report(argv[4] == NULL, "argv[argc] is NULL");
	report(getenv("TWO") == NULL, "and is not in the environment");
	report(qemu_accel() != NULL, "QEMU_ACCEL came through the environment (%s)",
	       qemu_accel() ? qemu_accel() : "none");
}

/* test_args = setup <cpus> <MiB>: what fw_cfg reports must match smp and -m. */
static void check_setup(int argc, char **argv)
{
	long cpus = argc > 1 ? atol(argv[1]) : 0, mib = argc > 2 ? atol(argv[2]) : 0;
	size_t free_mib = page_alloc_free_count() * PAGE_SIZE / SZ_1M;

	report(fwcfg_present(), "fw_cfg signature is QEMU");
	report(fwcfg_nr_cpus() == cpus, "fw_cfg: %d CPUs (want %ld)", fwcfg_nr_cpus(), cpus);
	report(fwcfg_ram_size() == (u64)mib * SZ_1M, "fw_cfg: %llu MiB RAM (want %ld)",
	       (unsigned long long)(fwcfg_ram_size() / SZ_1M), mib);
	/* all RAM but the first MiB, the image and the 4 MiB left to firmware */
	report(free_mib > mib - 8 && free_mib < mib, "page allocator holds %zu MiB", free_mib);
	report(smp_processor_id() == 0, "boot CPU is cpu 0");
}

static int divide(unsigned int num, unsigned int den)
{
	unsigned int quot = 0;

	exc_clear();
	asm volatile("1: divl %[den]\n2:\n\t" EXC_FIXUP("1b", "2b")
		     : "=a"(quot) : "a"(num), "d"(0), [den] "rm"(den));
	return exc_vector();
}

static int undefined_opcode(void)
{
	exc_clear();
	asm volatile("1: ud2\n2:\n\t" EXC_FIXUP("1b", "2b"));
	return exc_vector();
}

/* #BP is a trap: the CPU reports the instruction after INT3 (SDM 6.5), so mark that. */
static int breakpoint_trap(unsigned long *reported_ip, unsigned long *expected_ip)
{
	unsigned long next;

	exc_clear();
	asm volatile("int3\n2:\n\t" EXC_FIXUP("2b", "2b") "lea 2b, %0" : "=r"(next));
	*reported_ip = this_cpu()->caught.ip;
	*expected_ip = next;
	return exc_vector();
}

/* A selector past the GDT limit: #GP with the selector index as error code (SDM 6.13). */
static int load_bad_selector(u16 sel)
{
	exc_clear();
	asm volatile("1: mov %0, %%fs\n2:\n\t" EXC_FIXUP("1b", "2b") : : "r"(sel));
	return exc_vector();
}

/* Paging is always on for x86_64; i386 turns it on here, which a hypervisor may refuse. */
static bool paging_available(void)
{
	int vec = vm_enable_paging();

	if (vec != EXC_NONE)
		report_skip("paging: enabling it raised %s: %s", exception_name(vec),
			    "the hypervisor refuses 32-bit paging (known: kvm-pvm-paging32)");
	return vec == EXC_NONE;
}

static void check_page_fault_vector(void)
{
	u8 *page = alloc_page();
	unsigned long v;

	if (!paging_available())
		return;
	vm_unmap_page(page);
	report(read_ulong_safe(page + 8, &v) == PF_VECTOR, "read of an unmapped page: #PF");
	report(exc_cr2() == (unsigned long)(page + 8), "CR2 is the address read");
	vm_map_page(page, (phys_addr_t)page, PT_WRITABLE);
	report(read_ulong_safe(page + 8, &v) == EXC_NONE, "mapped again: no fault");
	free_page(page);
}

static volatile int handler_calls;
static volatile unsigned long handler_ip;

/* Records the exception and resumes after the 2-byte instruction that raised it. */
static void skip_two_bytes(struct ex_regs *regs)
{
	handler_calls++;
	handler_ip = regs->ip;
	regs->ip += 2;
}

static void check_ud_handler(void)
{
	ex_handler_t old = handle_exception(UD_VECTOR, skip_two_bytes);
	unsigned long at;

	handler_calls = 0;
	asm volatile("lea 1f, %0\n1: ud2" : "=r"(at));
	handle_exception(UD_VECTOR, old);
	report(handler_calls == 1, "installed #UD handler ran once");
	report(handler_ip == at, "it saw the faulting instruction and skipped it");
}

static void count_breakpoint(struct ex_regs *regs)
{
	handler_calls++;
	handler_ip = regs->ip;
}

static void check_bp_handler(void)
{
	ex_handler_t old = handle_exception(BP_VECTOR, count_breakpoint);
	unsigned long after;

	handler_calls = 0;
	asm volatile("int3\n1:\n\tlea 1b, %0" : "=r"(after));
	handle_exception(BP_VECTOR, old);
	report(handler_calls == 1, "installed #BP handler ran once");
	report(handler_ip == after, "it saw the trap's next instruction and resumed there");
}

/*
 * INT n is its own sub-test: under the kvm_pvm module any INT n at CPL 0 hangs the guest
 * (known deviation kvm-pvm-int-n), so its cfg entry skips there.
 */
static void check_breakpoint(void)
{
	unsigned long reported, expected;

	report_prefix_push("breakpoint");
	report(breakpoint_trap(&reported, &expected) == BP_VECTOR, "int3 raises #BP");
	report(reported == expected, "#BP reports the next instruction (%#lx)", reported);
	check_bp_handler();
	report_prefix_pop();
}

static void check_vectors(void)
{
	report_prefix_push("vectors");
	report(divide(10, 0) == DE_VECTOR, "div by zero raises #DE");
	report(divide(10, 2) == EXC_NONE, "div by two raises nothing");
	report(undefined_opcode() == UD_VECTOR, "ud2 raises #UD");
	report(load_bad_selector(0xfff8) == GP_VECTOR, "selector past the GDT limit: #GP");
	report(exc_error_code() == 0xfff8, "#GP error code is the selector (%#x)", exc_error_code());
	report(load_bad_selector(0) == EXC_NONE, "a null selector into FS raises nothing");
	check_page_fault_vector();
	check_ud_handler();
	report_prefix_pop();
}

static volatile unsigned long df_resume;
static volatile bool df_seen, df_on_ist;
static volatile unsigned long df_error_code;

static void recover_double_fault(struct ex_regs *regs)
{
	asm volatile("lidt %0" : : "m"(idt_descr));
	df_seen = true;
	df_on_ist = on_ist_stack(regs);
	df_error_code = regs->error_code;
	regs->ip = df_resume; /* #DF is an abort: continue at a known place (SDM 6.15) */
}

/*
 * A #GP whose IDT gate lies past the IDT limit raises #GP while delivering #GP, which
 * escalates to #DF (SDM table 6-5); #DF's gate (vector 8) is still inside the limit.
 */
static void check_double_fault(void)
{
	struct descriptor_ptr small = { .limit = (DF_VECTOR + 1) * (idt_descr.limit + 1) / 256 - 1,
					.base = idt_descr.base };
	ex_handler_t old = handle_exception(DF_VECTOR, recover_double_fault);

	report_prefix_push("doublefault");
	df_seen = false;
	asm volatile(MOV_PTR " $1f, %[resume]\n\t"
		     "lidt %[small]\n\t"
		     "mov %[bad], %%fs\n"
		     "1:"
		     : [resume] "=m"(df_resume) : [small] "m"(small), [bad] "r"((u16)0xfff8) : "memory");
	handle_exception(DF_VECTOR, old);
	report(df_seen, "#GP without an IDT gate escalates to #DF");
	report(df_error_code == 0, "#DF error code is 0 (%#lx)", df_error_code);
#ifdef __x86_64__
	report(df_on_ist, "#DF ran on the IST stack");
#endif
	report_prefix_pop();
}

/* A virtual address nothing maps: x86_64 above the 4 GiB identity map, i386 a hole. */
#ifdef __x86_64__
#define TEST_VA ((u8 *)0x4000000000UL) /* 256 GiB */
#else
#define TEST_VA ((u8 *)0xb0000000UL) /* identity mapped, but neither RAM nor MMIO here */
#endif

static void fill(u8 *p, u8 pattern)
{
	memset(p, pattern, PAGE_SIZE);
}

static void check_mapping(u8 *a, u8 *b)
{
	unsigned long v;

	vm_map_page(TEST_VA, (phys_addr_t)a, PT_WRITABLE);
	report(vm_virt_to_phys(TEST_VA + 0x10) == (phys_addr_t)a + 0x10, "walk finds the page");
	report(read_ulong_safe(TEST_VA, &v) == EXC_NONE && (u8)v == 0xaa, "reads page A");
	report(write_ulong_safe(TEST_VA + 64, 0x5a5a) == EXC_NONE && a[64] == 0x5a,
	       "a write lands in page A");
	vm_map_page(TEST_VA, (phys_addr_t)b, PT_WRITABLE);
	report(read_ulong_safe(TEST_VA, &v) == EXC_NONE && (u8)v == 0xbb,
	       "remapped to page B: invlpg dropped the old translation");
}

static void check_write_protect(void)
{
	pteval_t pte = vm_change_flags(TEST_VA, 0, PT_WRITABLE);
	unsigned long v;

	report(!(pte & PT_WRITABLE), "PTE is read-only");
	report(write_ulong_safe(TEST_VA + 0x18, 1) == PF_VECTOR, "write to it: #PF");
	report(exc_cr2() == (unsigned long)(TEST_VA + 0x18), "CR2 is the address written");
	report((exc_error_code() & (PFERR_PRESENT | PFERR_WRITE | PFERR_USER | PFERR_RSVD)) ==
		       (PFERR_PRESENT | PFERR_WRITE),
	       "error code: present, write, supervisor (%#x)", exc_error_code());
	report(read_ulong_safe(TEST_VA + 0x18, &v) == EXC_NONE, "reads still work");
	vm_change_flags(TEST_VA, PT_WRITABLE, 0);
	report(write_ulong_safe(TEST_VA + 0x18, 1) == EXC_NONE, "writable again");
}

static void check_not_present(void)
{
	unsigned long v;

	vm_unmap_page(TEST_VA);
	report(vm_virt_to_phys(TEST_VA) == (phys_addr_t)-1, "walk finds no mapping");
	report(read_ulong_safe(TEST_VA + 0x123, &v) == PF_VECTOR, "read after unmap: #PF");
	report(exc_cr2() == (unsigned long)(TEST_VA + 0x123), "CR2 is the address read (%#lx)",
	       exc_cr2());
	report((exc_error_code() & (PFERR_PRESENT | PFERR_WRITE | PFERR_FETCH)) == 0,
	       "error code: not present, read (%#x)", exc_error_code());
	report(write_ulong_safe(TEST_VA + 8, 1) == PF_VECTOR, "write after unmap: #PF");
	report((exc_error_code() & (PFERR_PRESENT | PFERR_WRITE)) == PFERR_WRITE,
	       "error code: not present, write (%#x)", exc_error_code());
}

static volatile unsigned long nx_resume;
static volatile u32 nx_error_code;
static volatile unsigned long nx_cr2;
static volatile int nx_faults;

/* The fetch fault reports the target page as IP, which no fixup entry names: go to nx_resume. */
static void recover_fetch_fault(struct ex_regs *regs)
{
	if (regs->ip != (unsigned long)TEST_VA) {
		dump_ex_regs(regs);
		exit(EXIT_ABORT);
	}
	nx_faults++;
	nx_error_code = regs->error_code;
	nx_cr2 = read_cr2();
	regs->ip = nx_resume;
}

/* Calls the RET at TEST_VA; on a fault the resume path drops the pushed return address. */
static void call_test_page(void)
{
	ex_handler_t old = handle_exception(PF_VECTOR, recover_fetch_fault);

	asm volatile(MOV_PTR " $2f, %[resume]\n\t"
		     "call *%[target]\n\t"
		     "jmp 1f\n"
		     "2:\tadd %[word], %%" SP_REG "\n"
		     "1:"
		     : [resume] "=m"(nx_resume)
		     : [target] "r"(TEST_VA), [word] "i"(sizeof(long))
		     : "memory", "cc");
	handle_exception(PF_VECTOR, old);
}

static void check_no_execute(u8 *code)
{
	if (!cpu_has_nx()) {
		report_skip("NX: not in CPUID");
		return;
	}
	code[0] = 0xc3; /* ret */
	vm_map_page(TEST_VA, (phys_addr_t)code, 0);
	nx_faults = 0;
	call_test_page();
	report(nx_faults == 0, "a page without NX executes");
	vm_change_flags(TEST_VA, PT_NX, 0);
	call_test_page();
	report(nx_faults == 1, "with NX set, executing it raises #PF");
	report(nx_cr2 == (unsigned long)TEST_VA, "CR2 is the fetched address (%#lx)", nx_cr2);
	report((nx_error_code & (PFERR_PRESENT | PFERR_WRITE | PFERR_FETCH)) ==
		       (PFERR_PRESENT | PFERR_FETCH),
	       "error code: present, instruction fetch (%#x)", nx_error_code);
	vm_unmap_page(TEST_VA);
}

static void check_pagefault(void)
{
	u8 *a = alloc_page(), *b = alloc_page();

	report_prefix_push("pagefault");
	if (paging_available()) {
		fill(a, 0xaa);
		fill(b, 0xbb);
		check_mapping(a, b);
		check_write_protect();
		check_not_present();
		check_no_execute(a);
	}
	free_page(a);
	free_page(b);
	report_prefix_pop();
}

static void test_setup(int argc, char **argv)
{
	report_prefix_push("setup");
	check_setup(argc, argv);
	report_prefix_pop();
}

static void test_args(int argc, char **argv)
{
	report_prefix_push("args");
	check_args(argc, argv);
	report_prefix_pop();
}

static void test_vectors(int argc, char **argv)
{
	check_vectors();
}

static void test_doublefault(int argc, char **argv)
{
	check_double_fault();
}

static void test_breakpoint(int argc, char **argv)
{
	check_breakpoint();
}

static void test_pagefault(int argc, char **argv)
{
	check_pagefault();
}

/* By hand only (group crash): must dump the registers and a backtrace, then exit 3. */
static void test_unexpected(int argc, char **argv)
{
	asm volatile("ud2");
	report_fail("survived an unhandled #UD");
}

static const struct subtest tests[] = {
	{ "setup", test_setup },
	{ "args", test_args },
	{ "vectors", test_vectors },
	{ "doublefault", test_doublefault },
	{ "breakpoint", test_breakpoint },
	{ "pagefault", test_pagefault },
	{ "unexpected", test_unexpected },
	{ NULL },
};

int main(int argc, char **argv)
{
	report_prefix_push("selftest");
	return run_subtests(tests, NULL, argc, argv);
}
