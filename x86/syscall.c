/*
 * Fast system calls (SDM vol. 2B SYSCALL/SYSRET, SYSENTER/SYSEXIT): SYSCALL needs
 * EFER.SCE (#UD without); it saves RIP in RCX and RFLAGS in R11, masks RFLAGS with
 * IA32_FMASK and enters at IA32_LSTAR with CS/SS from IA32_STAR; SYSRET returns to CPL 3.
 * SYSENTER needs a non-null IA32_SYSENTER_CS (#GP(0) otherwise), enters at
 * IA32_SYSENTER_EIP/ESP with CS/SS derived from it; SYSEXIT returns to CPL 3 at EDX/ECX.
 */
#include <libcflat.h>
#include <x86/desc.h>
#include <x86/fault.h>
#include <x86/processor.h>
#include <x86/vm.h>

/* What the kernel entry points saw, written at CPL 0. */
unsigned long entry_cx, entry_r11, entry_flags, entry_sp;
u16 entry_cs, entry_ss;
static u8 sysenter_stack[1024] __aligned(16);

#ifdef __x86_64__
#define FMASK (X86_EFLAGS_AC | X86_EFLAGS_TF | (1UL << 10) /* DF */)

extern char syscall_entry[], user_syscall_next[], user_syscall_end[];

asm(".pushsection .text\n"
    "syscall_entry:\n\t"
    "mov %rcx, entry_cx(%rip)\n\t"
    "mov %r11, entry_r11(%rip)\n\t"
    "mov %cs, entry_cs(%rip)\n\t"
    "mov %ss, entry_ss(%rip)\n\t"
    "pushfq\n\tpopq entry_flags(%rip)\n\t"
    "sysretq\n"
    ".popsection");

/* Sets AC and DF (FMASK clears them at entry), then SYSCALL; stores CS after SYSRET at *arg. */
asm(".pushsection .usertext, \"ax\"\n"
    "user_syscall:\n\t"
    "pushfq\n\torq $0x40400, (%rsp)\n\tpopfq\n\t"
    "syscall\n"
    "user_syscall_next:\n\t"
    "cld\n\t"
    "mov %cs, (%rdi)\n\t"
    "mov %ss, 2(%rdi)\n\t"
    "ret\n"
    ".popsection");
extern char user_syscall[];

static void __user_text user_syscall_ud(void *arg)
{
	asm volatile("syscall" ::: "rcx", "r11", "memory");
}

static void check_syscall(u16 *after)
{
	u64 efer = rdmsr(MSR_EFER);
	struct fault f;

	report_prefix_push("syscall");
	if (!require_feature(X86_FEATURE_SYSCALL, "syscall"))
		goto out;
	wrmsr(MSR_EFER, efer & ~EFER_SCE);
	report(run_in_user(user_syscall_ud, NULL, &f) == UD_VECTOR, "EFER.SCE=0: #UD");
	wrmsr(MSR_EFER, efer | EFER_SCE);
	wrmsr(MSR_STAR, (u64)USER_CS32 << 48 | (u64)KERNEL_CS << 32);
	wrmsr(MSR_LSTAR, (unsigned long)syscall_entry);
	wrmsr(MSR_SYSCALL_MASK, FMASK);
	report(run_in_user((fragment_t)user_syscall, after, &f) == EXC_NONE,
	       "SYSCALL then SYSRET run without an exception");
	report(entry_cx == (unsigned long)user_syscall_next, "RCX holds the return RIP");
	report((entry_r11 & FMASK) == (X86_EFLAGS_AC | (1UL << 10)),
	       "R11 holds the caller's RFLAGS (AC and DF set: %#lx)", entry_r11);
	report(!(entry_flags & FMASK), "IA32_FMASK bits are clear at entry (%#lx)", entry_flags);
	report(entry_cs == KERNEL_CS && entry_ss == KERNEL_DS,
	       "entry CS/SS come from STAR[47:32] (%#x/%#x)", entry_cs, entry_ss);
	report(after[0] == (USER_CS64 | 3) && after[1] == (USER_DS | 3),
	       "SYSRET: CS = STAR[63:48] + 16, SS = + 8, RPL 3 (%#x/%#x)", after[0], after[1]);
	wrmsr(MSR_EFER, efer);
out:
	report_prefix_pop();
}
#define SYSEXIT "sysexitq"
#define CX "%rcx"
#define DX "%rdx"
#define USER_SYSEXIT_CS (KERNEL_CS + 32)
#else
#define SYSEXIT "sysexit"
#define CX "%ecx"
#define DX "%edx"
#define USER_SYSEXIT_CS (KERNEL_CS + 16)
#endif

extern char sysenter_entry[], user_sysenter[], user_sysenter_next[];

asm(".pushsection .text\n"
    "sysenter_entry:\n\t"
    "mov %cs, entry_cs\n\t"
    "mov %ss, entry_ss\n\t"
    "mov %esp, entry_sp\n\t"
    SYSEXIT "\n"
    ".popsection");

/* SYSENTER with EDX = where to come back, ECX = the stack; stores CS after SYSEXIT at *arg. */
#ifdef __x86_64__
asm(".pushsection .usertext, \"ax\"\n"
    "user_sysenter:\n\t"
    "lea user_sysenter_next(%rip), %rdx\n\t"
    "mov %rsp, %rcx\n\t"
    "sysenter\n"
    "user_sysenter_next:\n\t"
    "mov %cs, (%rdi)\n\t"
    "ret\n"
    ".popsection");
#else
asm(".pushsection .usertext, \"ax\"\n"
    "user_sysenter:\n\t"
    "mov 4(%esp), %eax\n\t"
    "mov $user_sysenter_next, %edx\n\t"
    "mov %esp, %ecx\n\t"
    "sysenter\n"
    "user_sysenter_next:\n\t"
    "mov %cs, (%eax)\n\t"
    "ret\n"
    ".popsection");
#endif

/* AMD CPUs (and QEMU's AMD-vendor models) have no SYSENTER in long mode (APM vol. 3). */
static bool long_mode_amd(void)
{
#ifdef __x86_64__
	return cpu_vendor_is("AuthenticAMD") || cpu_vendor_is("HygonGenuine");
#else
	return false;
#endif
}

static void check_sysenter(u16 *after)
{
	struct fault f;

	report_prefix_push("sysenter");
	if (!require_feature(X86_FEATURE_SEP, "sysenter"))
		goto out;
	wrmsr(MSR_IA32_SYSENTER_CS, 0);
	wrmsr(MSR_IA32_SYSENTER_EIP, (unsigned long)sysenter_entry);
	wrmsr(MSR_IA32_SYSENTER_ESP, (unsigned long)(sysenter_stack + sizeof(sysenter_stack)));
	if (long_mode_amd()) {
		wrmsr(MSR_IA32_SYSENTER_CS, KERNEL_CS);
		report(run_in_user((fragment_t)user_sysenter, after, &f) == UD_VECTOR,
		       "AMD CPU in 64-bit mode: SYSENTER raises #UD");
		goto out;
	}
	report(run_in_user((fragment_t)user_sysenter, after, &f) == GP_VECTOR &&
	       f.error_code == 0, "IA32_SYSENTER_CS = 0: #GP(0)");
	wrmsr(MSR_IA32_SYSENTER_CS, KERNEL_CS);
	entry_cs = entry_ss = 0;
	run_in_user((fragment_t)user_sysenter, after, &f);
	report(f.vector == EXC_NONE, "SYSENTER then SYSEXIT run without an exception (vector %d)",
	       f.vector);
	report(entry_cs == KERNEL_CS && entry_ss == KERNEL_CS + 8,
	       "entry CS = SYSENTER_CS, SS = + 8 (%#x/%#x)", entry_cs, entry_ss);
	report(entry_sp == (unsigned long)(sysenter_stack + sizeof(sysenter_stack)),
	       "entry stack is IA32_SYSENTER_ESP");
	report(after[0] == (USER_SYSEXIT_CS | 3), "SYSEXIT returns with CS %#x, RPL 3 (%#x)",
	       USER_SYSEXIT_CS | 3, after[0]);
out:
	wrmsr(MSR_IA32_SYSENTER_CS, 0);
	report_prefix_pop();
}

int main(void)
{
	u16 *after = alloc_page(); /* the user fragments write here */

	vm_change_flags(after, PT_USER | PT_WRITABLE, 0);
#ifdef __x86_64__
	check_syscall(after);
#endif
	check_sysenter(after);
	return report_summary();
}
