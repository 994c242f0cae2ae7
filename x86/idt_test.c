/*
 * Exception delivery through the IDT: each fragment raises one exception, at CPL 0 or
 * CPL 3, and the test checks the vector, the error code, the instruction the CPU reports
 * (faults: the faulting one; traps: the next one) and the privilege level it came from
 * (SDM vol. 3 6.5, 6.13, 6.15).
 */
#include <libcflat.h>
#include <x86/desc.h>
#include <x86/fault.h>
#include <x86/processor.h>
#include <x86/vm.h>

/*
 * A fragment written in assembly: NAME moves its argument to %ecx/%rcx, runs BODY and
 * returns; BODY puts the label NAME_at on the instruction the CPU must report.
 */
#define FRAGMENT(name, section, body)                                          \
	extern char name[], name##_at[];                                        \
	asm(".pushsection " section ", \"ax\"\n" #name ":\n\t" ARG body "\n\tret\n" \
	    ".popsection")
#define KERNEL_FRAGMENT(name, body) FRAGMENT(name, ".text", body)
#define USER_FRAGMENT(name, body) FRAGMENT(name, ".usertext", body)

#ifdef __x86_64__
#define ARG "mov %rdi, %rcx\n"
#define CX "%rcx"
#define NONCANONICAL "0x8000000000000000"
#else
#define ARG "mov 4(%esp), %ecx\n"
#define CX "%ecx"
#endif

KERNEL_FRAGMENT(divide_by_zero, "xor %ecx, %ecx\n\tmov $1, %eax\n\tcltd\n"
		"divide_by_zero_at: divl %ecx");
KERNEL_FRAGMENT(undefined_opcode, "undefined_opcode_at: ud2");
KERNEL_FRAGMENT(load_fs, "load_fs_at: mov %ecx, %fs");
KERNEL_FRAGMENT(load_tr, "load_tr_at: ltr %cx");
KERNEL_FRAGMENT(read_at, "read_at_at: mov (" CX "), %eax");
KERNEL_FRAGMENT(write_at, "write_at_at: mov %eax, (" CX ")");
KERNEL_FRAGMENT(nothing, "nothing_at: nop");
USER_FRAGMENT(user_int3, "int3\nuser_int3_at: nop");
USER_FRAGMENT(user_int_kernel_gate, "user_int_kernel_gate_at: int $0x20");
USER_FRAGMENT(user_hlt, "user_hlt_at: hlt");
USER_FRAGMENT(user_cli, "user_cli_at: cli");
USER_FRAGMENT(user_mov_cr3, "user_mov_cr3_at: mov %cr3, " CX);
USER_FRAGMENT(user_outb, "mov $0x80, %dx\nuser_outb_at: outb %al, %dx");
USER_FRAGMENT(user_read, "user_read_at: mov (" CX "), %eax");
USER_FRAGMENT(user_nothing, "user_nothing_at: nop");
#ifdef __x86_64__
KERNEL_FRAGMENT(noncanonical_read, "movabs $" NONCANONICAL ", %rcx\n"
		"noncanonical_read_at: mov (%rcx), %rax");
KERNEL_FRAGMENT(noncanonical_stack, "push %rbp\n\tmovabs $" NONCANONICAL ", %rbp\n"
		"noncanonical_stack_at: mov (%rbp), %rax\n\tpop %rbp");
USER_FRAGMENT(user_into, "user_into_at: .byte 0xce"); /* INTO is invalid in 64-bit mode */
#else
USER_FRAGMENT(user_into, "mov $0x7f, %al\n\tadd $1, %al\n\tinto\nuser_into_at: nop");
#endif

#ifdef __x86_64__
#define IDT_INDEX_DEVIATION "tcg-idt-index-scale: QEMU 7.2 scales the IDT index by the 16-byte gate size"
#else
#define IDT_INDEX_DEVIATION NULL
#endif

struct expectation {
	const char *what;
	char *fragment, *at;
	bool user;
	int vector;
	u32 error_code;
	unsigned long arg;
	const char *tcg_deviation; /* non-NULL: a known QEMU TCG deviation in vector or code */
};

static void check(const struct expectation *e)
{
	int (*run)(fragment_t, void *, struct fault *) = e->user ? run_in_user : run_catching;
	struct fault f;

	bool known = e->tcg_deviation && accel_is("tcg");

	run((fragment_t)e->fragment, (void *)e->arg, &f);
	report_kfail(known, e->tcg_deviation, f.vector == e->vector, "%s: %s (got %s)", e->what,
	       e->vector == EXC_NONE ? "no exception" : exception_name(e->vector),
	       f.vector == EXC_NONE ? "none" : exception_name(f.vector));
	if (f.vector == EXC_NONE || f.vector != e->vector)
		return;
	report(f.ip == (unsigned long)e->at, "%s: reported at %s instruction", e->what,
	       e->vector == BP_VECTOR || e->vector == OF_VECTOR ? "the next" : "the faulting");
	report_kfail(known, e->tcg_deviation, f.error_code == e->error_code,
		     "%s: error code %#x (got %#x)", e->what, e->error_code, f.error_code);
	report(f.cpl == (e->user ? 3 : 0), "%s: from CPL %d", e->what, e->user ? 3 : 0);
	if (e->vector == PF_VECTOR)
		report(f.cr2 == e->arg, "%s: CR2 is the address (%#lx)", e->what, f.cr2);
}

/* A data segment descriptor with P clear in a GDT slot no CPU uses: #NP on load. */
static u16 not_present_selector(void)
{
	u16 sel = (gdt_descr.limit + 1) - 8;

	gdt[sel / 8] = 0x00cf12000000ffffULL;
	return sel;
}

static void check_kernel(void)
{
	u16 np = not_present_selector();
	const struct expectation cases[] = {
		{ "div by zero", divide_by_zero, divide_by_zero_at, false, DE_VECTOR, 0, 0, NULL },
		{ "ud2", undefined_opcode, undefined_opcode_at, false, UD_VECTOR, 0, 0, NULL },
		{ "FS = selector past the GDT limit", load_fs, load_fs_at, false, GP_VECTOR,
		  0xfff8, 0xfff8, NULL },
		{ "FS = not-present segment", load_fs, load_fs_at, false, NP_VECTOR, np, np, NULL },
		{ "LTR of the busy TSS", load_tr, load_tr_at, false, GP_VECTOR, str(), str(), NULL },
		{ "nothing raised", nothing, nothing_at, false, EXC_NONE, 0, 0, NULL },
#ifdef __x86_64__
		{ "non-canonical read", noncanonical_read, noncanonical_read_at, false,
		  GP_VECTOR, 0, 0, NULL },
		{ "non-canonical stack access", noncanonical_stack, noncanonical_stack_at, false,
		  SS_VECTOR, 0, 0, "tcg-noncanonical-ss: QEMU 7.2 raises #GP for every non-canonical access" },
#endif
	};
	int i;

	report_prefix_push("cpl0");
	for (i = 0; i < ARRAY_SIZE(cases); i++)
		check(&cases[i]);
	report_prefix_pop();
}

static void check_user(void)
{
	/* Index = vector, IDT bit set, EXT clear (SDM 6.13), whatever the gate size. */
	u16 gate_code = 0x20 << 3 | 2;
	const struct expectation cases[] = {
		{ "int3", user_int3, user_int3_at, true, BP_VECTOR, 0, 0, NULL },
#ifdef __x86_64__
		{ "INTO in 64-bit mode", user_into, user_into_at, true, UD_VECTOR, 0, 0, NULL },
#else
		{ "INTO with OF set", user_into, user_into_at, true, OF_VECTOR, 0, 0, NULL },
#endif
		{ "INT to a DPL 0 gate", user_int_kernel_gate, user_int_kernel_gate_at, true,
		  GP_VECTOR, gate_code, 0, IDT_INDEX_DEVIATION },
		{ "hlt", user_hlt, user_hlt_at, true, GP_VECTOR, 0, 0, NULL },
		{ "cli with IOPL 0", user_cli, user_cli_at, true, GP_VECTOR, 0, 0, NULL },
		{ "mov from CR3", user_mov_cr3, user_mov_cr3_at, true, GP_VECTOR, 0, 0, NULL },
		{ "outb with IOPL 0 and no I/O bitmap", user_outb, user_outb_at, true, GP_VECTOR, 0, 0, NULL },
		{ "nothing raised", user_nothing, user_nothing_at, true, EXC_NONE, 0, 0, NULL },
	};
	int i;

	report_prefix_push("cpl3");
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		/* Software interrupts are what hangs kvm_pvm at CPL 0; CPL 3 is not known safe. */
		if (kvm_module_is("kvm_pvm") &&
		    (cases[i].fragment == user_int3 || cases[i].fragment == user_int_kernel_gate)) {
			report_skip("%s: not run on kvm_pvm (known: kvm-pvm-int-n)", cases[i].what);
			continue;
		}
		check(&cases[i]);
	}
	report_prefix_pop();
}

static void check_page_faults(void)
{
	char *page = alloc_page();
	unsigned long addr = (unsigned long)page + 0x18;
	const struct expectation cases[] = {
		{ "read of an unmapped page", read_at, read_at_at, false, PF_VECTOR, 0, addr, NULL },
		{ "write to a read-only page", write_at, write_at_at, false, PF_VECTOR,
		  PFERR_PRESENT | PFERR_WRITE, addr, NULL },
		{ "user read of a supervisor page", user_read, user_read_at, true, PF_VECTOR,
		  PFERR_PRESENT | PFERR_USER, addr, NULL },
	};

	if (!vm_require_paging())
		return;
	report_prefix_push("page fault");
	vm_unmap_page(page);
	check(&cases[0]);
	vm_map_page(page, (phys_addr_t)page, 0);
	check(&cases[1]);
	check(&cases[2]);
	vm_map_page(page, (phys_addr_t)page, PT_WRITABLE);
	report_prefix_pop();
}

int main(void)
{
	check_kernel();
	check_user();
	check_page_faults();
	return report_summary();
}
