/*
 * run_catching() and run_in_user(): a per-CPU context armed around the fragment; the first
 * exception (vector below 32) while it is armed is recorded and longjmp()s back to the
 * caller. A CPL 3 fragment returns to user_return, whose UD2 ends the run the same way.
 * Ring 3 is entered with a far RET to the outer privilege level (SDM vol. 2 RET: pops
 * CS:IP, then SS:SP), which needs no IRET emulation from the hypervisor.
 */
#include <libcflat.h>
#include <x86/desc.h>
#include <x86/fault.h>
#include <x86/processor.h>
#include <x86/setjmp.h>
#include <x86/vm.h>

#define USER_STACK_ORDER 1

struct catch_context {
	jmp_buf env;
	struct fault *fault;
	bool armed;
	bool in_user;
};

static struct catch_context contexts[MAX_CPUS];
static void *user_stacks[MAX_CPUS];
static bool user_text_mapped;
static struct spinlock user_setup_lock;

extern char user_trampoline[], user_return[];

#ifdef __x86_64__
asm(".pushsection .usertext, \"ax\"\n"
    "user_trampoline:\n\t"
    "call *%rsi\n"
    "user_return:\n\t"
    "ud2\n"
    ".popsection");
#else
asm(".pushsection .usertext, \"ax\"\n"
    "user_trampoline:\n\t"
    "push %eax\n\t"
    "call *%edx\n"
    "user_return:\n\t"
    "ud2\n"
    ".popsection");
#endif

bool fault_catch(struct ex_regs *regs)
{
	struct catch_context *c = &contexts[smp_processor_id()];
	struct fault *f = c->fault;

	if (!c->armed || regs->vector >= 32)
		return false;
	c->armed = false;
	if (c->in_user && regs->vector == UD_VECTOR && regs->ip == (unsigned long)user_return) {
		f->vector = EXC_NONE;
	} else {
		f->vector = regs->vector;
		f->error_code = regs->error_code;
		f->cr2 = regs->vector == PF_VECTOR ? read_cr2() : 0;
		f->ip = regs->ip;
		f->cpl = regs->cs & 3;
	}
	longjmp(c->env, 1);
}

/* Back at CPL 0 after a longjmp: the data segments and flags the caller had. */
static void restore_kernel_state(unsigned long flags)
{
	asm volatile("mov %0, %%ds\n\tmov %0, %%es\n\tmov %0, %%fs\n\tmov %0, %%gs\n\t"
		     "mov %0, %%ss" : : "r"(KERNEL_DS) : "memory");
	asm volatile("push %0\n\tpopf" : : "g"(flags) : "memory", "cc");
}

static struct catch_context *arm(struct fault *f, bool in_user)
{
	struct catch_context *c = &contexts[smp_processor_id()];

	assert_msg(!c->armed, "fragments do not nest");
	memset(f, 0, sizeof(*f));
	f->vector = EXC_NONE;
	c->fault = f;
	c->in_user = in_user;
	return c;
}

/* Locals of the caller of setjmp() are not trusted after the longjmp: start over from here. */
static int finish(unsigned long flags)
{
	restore_kernel_state(flags);
	return contexts[smp_processor_id()].fault->vector;
}

static void fep_nop(void *arg)
{
	asm volatile(FEP "nop" ::: "memory");
}

bool forced_emulation_available(void)
{
	return run_catching(fep_nop, NULL, NULL) == EXC_NONE;
}

int run_catching(fragment_t fn, void *arg, struct fault *f)
{
	struct fault local;
	struct catch_context *c = arm(f ? f : &local, false);
	unsigned long flags = read_flags();

	if (setjmp(c->env))
		return finish(flags);
	WRITE_ONCE(c->armed, true);
	fn(arg);
	WRITE_ONCE(c->armed, false);
	return c->fault->vector;
}

static void map_user_text(void)
{
	char *p;

	spin_lock(&user_setup_lock);
	if (!user_text_mapped) {
		for (p = __user_text_start; p < __user_text_end; p += PAGE_SIZE)
			vm_change_flags(p, PT_USER, 0);
		user_text_mapped = true;
	}
	spin_unlock(&user_setup_lock);
}

static void *user_stack_top(void)
{
	int cpu = smp_processor_id();
	char *stack = user_stacks[cpu];
	int i;

	if (!stack) {
		stack = alloc_pages(USER_STACK_ORDER);
		assert(stack);
		for (i = 0; i < 1 << USER_STACK_ORDER; i++)
			vm_change_flags(stack + i * PAGE_SIZE, PT_USER | PT_WRITABLE, 0);
		user_stacks[cpu] = stack;
	}
	return stack + (PAGE_SIZE << USER_STACK_ORDER);
}

static void __noreturn enter_user(fragment_t fn, void *arg, void *sp)
{
#ifdef __x86_64__
	asm volatile("pushq %[ss]\n\tpushq %[sp]\n\tpushq %[cs]\n\tpushq %[ip]\n\tlretq"
		     : : [ss] "i"(USER_DS | 3), [sp] "r"(sp), [cs] "i"(USER_CS64 | 3),
		       [ip] "r"(user_trampoline), "D"(arg), "S"(fn) : "memory");
#else
	asm volatile("mov %[ds], %%ds\n\tmov %[ds], %%es\n\t"
		     "pushl %[ss]\n\tpushl %[sp]\n\tpushl %[cs]\n\tpushl %[ip]\n\tlret"
		     : : [ds] "r"(USER_DS | 3), [ss] "i"(USER_DS | 3), [sp] "r"(sp),
		       [cs] "i"(USER_CS32 | 3), [ip] "r"(user_trampoline), "a"(arg), "d"(fn)
		     : "memory");
#endif
	__builtin_unreachable();
}

int run_in_user(fragment_t fn, void *arg, struct fault *f)
{
	struct fault local;
	struct catch_context *c;
	unsigned long flags = read_flags();
	void *sp;

	map_user_text();
	sp = user_stack_top();
	c = arm(f ? f : &local, true);
	if (setjmp(c->env))
		return finish(flags);
	WRITE_ONCE(c->armed, true);
	enter_user(fn, arg, sp);
}
