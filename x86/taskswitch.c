/*
 * Hardware task switches (SDM vol. 3 7.3), 32-bit protected mode only. "calls": a far
 * CALL to a TSS or to a task gate nests (EFLAGS.NT and the back link set, both TSSs busy)
 * and IRET returns; a far JMP does not nest and leaves the old TSS not busy; a CALL to a
 * busy TSS raises #GP(selector). "gates": a task gate in the IDT runs an exception or an
 * INT n as a task, which sees the error code on its stack and returns with IRET.
 */
#include <libcflat.h>
#include <subtest.h>
#include <x86/desc.h>
#include <x86/fault.h>
#include <x86/processor.h>

#define TYPE_TSS_AVAILABLE 0x9
#define TYPE_TSS_BUSY 0xb
#define TYPE_TASK_GATE 0x5
#define STACK_SIZE 2048

struct task {
	struct tss32 tss;
	u16 sel;
	u8 stack[STACK_SIZE] __aligned(16);
};

static struct task tasks[3];
static u16 main_sel;
static struct tss32 *main_tss;

/* What a task saw each time it ran. */
static volatile int runs;
static volatile u32 seen_flags, seen_tr, seen_link, seen_error;

static u64 *gdt_entry(u16 sel)
{
	return &gdt[sel / 8];
}

static unsigned int desc_type(u16 sel)
{
	return (*gdt_entry(sel) >> 40) & 0xf;
}

static u16 free_selector(int i)
{
	return (gdt_descr.limit + 1) - 8 * (i + 1);
}

static void set_system_descriptor(u16 sel, unsigned long base, u32 limit, unsigned int type)
{
	*gdt_entry(sel) = (limit & 0xffff) | ((u64)(base & 0xffffff) << 16) |
			  ((u64)(0x80 | type) << 40) | ((u64)((limit >> 16) & 0xf) << 48) |
			  ((u64)((base >> 24) & 0xff) << 56);
}

static void init_task(struct task *t, int i, void (*entry)(void))
{
	memset(&t->tss, 0, sizeof(t->tss));
	t->tss.eip = (unsigned long)entry;
	t->tss.esp = (unsigned long)(t->stack + STACK_SIZE);
	t->tss.eflags = 2;
	t->tss.cs = KERNEL_CS;
	t->tss.ss = t->tss.ds = t->tss.es = t->tss.fs = t->tss.gs = KERNEL_DS;
	t->tss.cr3 = read_cr3();
	t->tss.iomap_base = sizeof(t->tss);
	t->sel = free_selector(i);
	set_system_descriptor(t->sel, (unsigned long)&t->tss, sizeof(t->tss) - 1,
			      TYPE_TSS_AVAILABLE);
}

static void record(void)
{
	runs++;
	seen_flags = read_flags();
	seen_tr = str();
}

/* Runs as a nested task: records, then IRET back to the caller; resumed there next time. */
static void nested_task(void)
{
	for (;;) {
		record();
		seen_link = tasks[0].tss.link;
		asm volatile("iret" ::: "memory");
	}
}

static void jumped_task(void)
{
	struct {
		u32 offset;
		u16 sel;
	} __packed back = { 0, 0 };

	for (;;) {
		record();
		seen_link = tasks[1].tss.link;
		back.sel = main_sel;
		asm volatile("ljmp *%0" : : "m"(back) : "memory");
	}
}

static void find_main_tss(void)
{
	u64 d;

	main_sel = str();
	d = *gdt_entry(main_sel);
	main_tss = (struct tss32 *)(unsigned long)(((d >> 16) & 0xffffff) | ((d >> 56) << 24));
	main_tss->cr3 = read_cr3(); /* a task switch back loads it */
}

static void far_call(u16 sel)
{
	struct {
		u32 offset;
		u16 sel;
	} __packed target = { 0, sel };

	asm volatile("lcall *%0" : : "m"(target) : "memory", "cc");
}

static void call_main_tss(void *arg)
{
	far_call(main_sel);
}

static void test_calls(int argc, char **argv)
{
	u16 gate = free_selector(3);
	struct fault f;

	find_main_tss();
	init_task(&tasks[0], 0, nested_task);
	init_task(&tasks[1], 1, jumped_task);

	runs = 0;
	far_call(tasks[0].sel);
	report(runs == 1, "far CALL to a TSS runs the task once");
	report(seen_tr == tasks[0].sel, "TR is the new task's selector while it runs");
	report(seen_flags & X86_EFLAGS_NT, "the called task runs with EFLAGS.NT set");
	report(seen_link == main_sel, "its back link is the caller's TSS (%#x)", seen_link);
	report(str() == main_sel && desc_type(main_sel) == TYPE_TSS_BUSY,
	       "IRET returned to the caller, whose TSS is busy");
	report(desc_type(tasks[0].sel) == TYPE_TSS_AVAILABLE, "the returning task is not busy");
	far_call(tasks[0].sel);
	report(runs == 2, "a second CALL resumes the task after its IRET");

	set_system_descriptor(gate, 0, 0, TYPE_TASK_GATE);
	*gdt_entry(gate) |= (u64)tasks[0].sel << 16;
	far_call(gate);
	report(runs == 3 && seen_tr == tasks[0].sel, "far CALL through a task gate runs the task");

	run_catching(call_main_tss, NULL, &f);
	report(f.vector == GP_VECTOR && f.error_code == main_sel,
	       "far CALL to the busy current TSS: #GP(selector) (vector %d, code %#x)", f.vector,
	       f.error_code);

	runs = 0;
	{
		struct {
			u32 offset;
			u16 sel;
		} __packed target = { 0, tasks[1].sel };

		asm volatile("ljmp *%0\n1:" : : "m"(target) : "memory", "cc");
	}
	report(runs == 1 && seen_tr == tasks[1].sel, "far JMP to a TSS runs the task");
	report(!(seen_flags & X86_EFLAGS_NT) && seen_link == 0,
	       "a jumped-to task does not nest: NT clear, no back link");
	report(str() == main_sel, "its far JMP back resumes the first task after its JMP");
	report(desc_type(tasks[1].sel) == TYPE_TSS_AVAILABLE, "the task left by JMP is not busy");
}

/* IDT task gates (lib/x86/desc.c's IDT): 8-byte gates on i386. */
static u64 *idt_gate(int vector)
{
	return (u64 *)idt_descr.base + vector;
}

static void set_task_gate(int vector, u16 sel)
{
	*idt_gate(vector) = (u64)sel << 16 | (u64)(0x80 | TYPE_TASK_GATE) << 40;
}

extern char gp_fault_at[], gp_fault_next[];
static volatile u32 seen_eip;

/*
 * #GP handled as a task: the CPU pushed the error code on the task's fresh stack (its top
 * word); the caller's TSS holds the faulting EIP, which the task moves past the fault.
 */
static void gp_task(void)
{
	for (;;) {
		record();
		seen_error = *(u32 *)(tasks[1].stack + STACK_SIZE - 4);
		seen_eip = main_tss->eip;
		main_tss->eip = (unsigned long)gp_fault_next;
		asm volatile("iret" ::: "memory");
	}
}

static void int_task(void)
{
	for (;;) {
		record();
		asm volatile("iret" ::: "memory");
	}
}

static void test_gates(int argc, char **argv)
{
	u64 saved_gp = *idt_gate(GP_VECTOR), saved_int = *idt_gate(0x80);

	find_main_tss();
	init_task(&tasks[0], 0, int_task);
	set_task_gate(0x80, tasks[0].sel);
	runs = 0;
	asm volatile("int $0x80" ::: "memory");
	report(runs == 1 && seen_tr == tasks[0].sel, "INT n through a task gate runs the task");
	report(seen_flags & X86_EFLAGS_NT, "the task runs nested (NT set)");
	report(str() == main_sel, "IRET came back after the INT");
	*idt_gate(0x80) = saved_int;

	init_task(&tasks[1], 1, gp_task);
	set_task_gate(GP_VECTOR, tasks[1].sel);
	runs = 0;
	asm volatile("mov $0xfff8, %%ecx\ngp_fault_at: mov %%ecx, %%fs\ngp_fault_next:"
		     ::: "ecx", "memory");
	*idt_gate(GP_VECTOR) = saved_gp;
	report(runs == 1 && seen_tr == tasks[1].sel, "#GP through a task gate runs the task");
	report(seen_error == 0xfff8, "the task finds the error code on its stack (%#x)",
	       seen_error);
	report(seen_eip == (unsigned long)gp_fault_at,
	       "the interrupted task's TSS holds the faulting EIP");
	report(str() == main_sel, "IRET resumed the interrupted task");
}

static const struct subtest tests[] = {
	{ "calls", test_calls },
	{ "gates", test_gates },
	{ NULL },
};

int main(int argc, char **argv)
{
#ifdef __x86_64__
	report_skip("hardware task switching does not exist in IA-32e mode");
	return report_summary();
#endif
	return run_subtests(tests, NULL, argc, argv);
}
