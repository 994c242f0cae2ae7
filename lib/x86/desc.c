/* GDT, per-CPU TSS, IDT and the C side of exception dispatch. */
#include <libcflat.h>
#include <x86/desc.h>
#include <x86/processor.h>
#include <x86/fault.h>

#define GDT_ENTRIES (FIRST_TSS_SEL / 8 + MAX_CPUS * TSS_DESC_SIZE / 8)
#define IST_STACK_SIZE 4096

/* Segment descriptors (SDM 3.4.5): flat base 0, limit 4 GiB unless noted. */
#define DESC_CODE64 0x00af9a000000ffffULL
#define DESC_DATA 0x00cf92000000ffffULL
#define DESC_CODE32 0x00cf9a000000ffffULL
#define DESC_CODE16 0x00009a000000ffffULL /* limit 64 KiB, byte granular */
#define DESC_DATA16 0x000092000000ffffULL
#define DESC_USER_CODE32 0x00cffa000000ffffULL
#define DESC_USER_DATA 0x00cff2000000ffffULL
#define DESC_USER_CODE64 0x00affa000000ffffULL

u64 gdt[GDT_ENTRIES] __aligned(16) = {
#ifdef __x86_64__
	[KERNEL_CS / 8] = DESC_CODE64,
#else
	[KERNEL_CS / 8] = DESC_CODE32,
#endif
	[KERNEL_DS / 8] = DESC_DATA,
	[KERNEL_CS32 / 8] = DESC_CODE32,
	[KERNEL_CS16 / 8] = DESC_CODE16,
	[KERNEL_DS16 / 8] = DESC_DATA16,
	[USER_CS32 / 8] = DESC_USER_CODE32,
	[USER_DS / 8] = DESC_USER_DATA,
	[USER_CS64 / 8] = DESC_USER_CODE64,
};

struct descriptor_ptr gdt_descr = {
	.limit = sizeof(gdt) - 1,
	.base = (unsigned long)gdt,
};

#ifdef __x86_64__
typedef struct {
	u32 reserved0;
	u64 rsp[3];
	u64 reserved1;
	u64 ist[7];
	u64 reserved2;
	u16 reserved3;
	u16 iomap_base;
} __packed cpu_tss_t;

struct idt_gate {
	u16 offset0;
	u16 selector;
	u8 ist;
	u8 type_attr;
	u16 offset1;
	u32 offset2;
	u32 reserved;
};
#else
typedef struct tss32 cpu_tss_t;

struct idt_gate {
	u16 offset0;
	u16 selector;
	u8 zero;
	u8 type_attr;
	u16 offset1;
};
#endif

#define GATE_INTERRUPT 0x8e /* present, DPL 0, interrupt gate: IF cleared on entry */
#define GATE_INTERRUPT_DPL3 0xee

static struct idt_gate idt[256] __aligned(16);
struct descriptor_ptr idt_descr = {
	.limit = sizeof(idt) - 1,
	.base = (unsigned long)idt,
};

struct x86_cpu x86_cpus[MAX_CPUS];
unsigned long x86_ram_top = 0x100000000ULL - 1; /* set from fw_cfg at boot */
static cpu_tss_t tss[MAX_CPUS] __aligned(128);
static u8 ist_stacks[MAX_CPUS][IST_STACK_SIZE] __aligned(16);
#ifdef __x86_64__
#define RING0_STACK_SIZE 8192
/* Where exceptions from CPL 3 arrive (TSS.RSP0); i386 uses the ESP0 stack below. */
static u8 ring0_stacks[MAX_CPUS][RING0_STACK_SIZE] __aligned(16);
#endif
static ex_handler_t handlers[256];

extern u8 isr_stubs[];
struct ex_fixup {
	unsigned long at, resume;
};
extern struct ex_fixup __ex_fixup_start[], __ex_fixup_end[];

static const char *const exception_names[32] = {
	"#DE divide error", "#DB debug", "NMI", "#BP breakpoint", "#OF overflow",
	"#BR bound range", "#UD invalid opcode", "#NM device not available", "#DF double fault",
	"coprocessor segment overrun", "#TS invalid TSS", "#NP segment not present",
	"#SS stack fault", "#GP general protection", "#PF page fault", "reserved 15",
	"#MF x87 error", "#AC alignment check", "#MC machine check", "#XM SIMD error",
	"#VE virtualization", "#CP control protection",
};

const char *exception_name(int vector)
{
	if (vector >= 0 && vector < 32 && exception_names[vector])
		return exception_names[vector];
	return vector < 32 ? "reserved" : "interrupt";
}

static void set_gate(int vector, u8 type_attr, int ist)
{
	unsigned long addr = (unsigned long)isr_stubs + 16 * vector;
	struct idt_gate *g = &idt[vector];

	g->offset0 = addr & 0xffff;
	g->selector = KERNEL_CS;
	g->type_attr = type_attr;
	g->offset1 = (addr >> 16) & 0xffff;
#ifdef __x86_64__
	g->ist = ist;
	g->offset2 = (u64)addr >> 32;
#endif
}

static void init_idt(void)
{
	int v;

	for (v = 0; v < 256; v++)
		set_gate(v, GATE_INTERRUPT, 0);
	/* INT3 and INTO may be used from user mode. */
	set_gate(BP_VECTOR, GATE_INTERRUPT_DPL3, 0);
	set_gate(OF_VECTOR, GATE_INTERRUPT_DPL3, 0);
	/* Fresh known-good stacks for NMI, #DF and #MC, whatever RSP was (SDM 6.14.5). */
	set_gate(NMI_VECTOR, GATE_INTERRUPT, 1);
	set_gate(DF_VECTOR, GATE_INTERRUPT, 1);
	set_gate(MC_VECTOR, GATE_INTERRUPT, 1);
}

/* A 32-bit TSS descriptor, or the low half of a 64-bit one (type 9: available TSS). */
static void set_tss_descriptor(int cpu)
{
	unsigned long base = (unsigned long)&tss[cpu];
	u64 limit = sizeof(cpu_tss_t) - 1;
	u64 *d = &gdt[TSS_SEL(cpu) / 8];

	d[0] = (limit & 0xffff) | ((u64)(base & 0xffffff) << 16) | (0x89ULL << 40) |
	       ((limit >> 16) << 48) | ((u64)((base >> 24) & 0xff) << 56);
#ifdef __x86_64__
	d[1] = (u64)base >> 32;
#endif
}

static void init_tss(int cpu)
{
	cpu_tss_t *t = &tss[cpu];

	memset(t, 0, sizeof(*t));
	t->iomap_base = sizeof(*t); /* no I/O permission bitmap */
#ifdef __x86_64__
	t->ist[0] = (unsigned long)&ist_stacks[cpu][IST_STACK_SIZE];
	t->rsp[0] = (unsigned long)&ring0_stacks[cpu][RING0_STACK_SIZE];
#else
	t->ss0 = KERNEL_DS;
	t->esp0 = (unsigned long)&ist_stacks[cpu][IST_STACK_SIZE];
#endif
	set_tss_descriptor(cpu);
}

void x86_setup_cpu(int cpu)
{
	static bool idt_ready;

	assert(cpu >= 0 && cpu < MAX_CPUS);
	if (!idt_ready) {
		init_idt();
		idt_ready = true;
	}
	x86_cpus[cpu].id = cpu;
	x86_cpus[cpu].caught.vector = EXC_NONE;
	init_tss(cpu);
	asm volatile("lgdt %0" : : "m"(gdt_descr));
	asm volatile("lidt %0" : : "m"(idt_descr));
	asm volatile("ltr %w0" : : "r"(TSS_SEL(cpu)));
}

bool on_ist_stack(const void *p)
{
	const u8 *stack = ist_stacks[smp_processor_id()];

	return (const u8 *)p >= stack && (const u8 *)p < stack + IST_STACK_SIZE;
}

int smp_processor_id(void)
{
	return this_cpu()->id;
}

ex_handler_t handle_exception(int vector, ex_handler_t fn)
{
	ex_handler_t old;

	assert(vector >= 0 && vector < 256);
	old = handlers[vector];
	WRITE_ONCE(handlers[vector], fn);
	return old;
}

ex_handler_t handle_irq(int vector, ex_handler_t fn)
{
	assert_msg(vector >= 32 && vector < 256, "vector %d is not an interrupt vector", vector);
	return handle_exception(vector, fn);
}

static bool apply_fixup(struct ex_regs *regs)
{
	struct caught_exception *c = &this_cpu()->caught;
	struct ex_fixup *f;

	for (f = __ex_fixup_start; f < __ex_fixup_end; f++) {
		if (f->at != regs->ip)
			continue;
		c->error_code = regs->error_code;
		c->cr2 = regs->vector == PF_VECTOR ? read_cr2() : 0;
		c->ip = regs->ip;
		WRITE_ONCE(c->vector, regs->vector);
		regs->ip = f->resume;
		return true;
	}
	return false;
}

/* A frame the walk may read: aligned, in RAM (identity mapped), above the previous one. */
static bool frame_ok(unsigned long *frame, unsigned long *prev)
{
	unsigned long a = (unsigned long)frame;

	return a > (unsigned long)prev && IS_ALIGNED(a, sizeof(long)) && a >= 0x1000 &&
	       a + 2 * sizeof(long) <= x86_ram_top;
}

static int backtrace_from(unsigned long bp, unsigned long *pcs, int max)
{
	unsigned long *frame = (unsigned long *)bp, *prev = NULL;
	int n = 0;

	/* Frame pointers: [bp] = caller's bp, [bp + word] = return address. */
	while (n < max && frame_ok(frame, prev) && frame[1]) {
		pcs[n++] = frame[1];
		prev = frame;
		frame = (unsigned long *)frame[0];
	}
	return n;
}

int arch_backtrace(unsigned long *pcs, int max)
{
	return backtrace_from((unsigned long)__builtin_frame_address(0), pcs, max);
}

void dump_ex_regs(struct ex_regs *r)
{
	unsigned long pcs[24];
	int i, n;

	printf("cpu %d: unexpected exception %lu (%s), error code %#lx\n", smp_processor_id(),
	       r->vector, exception_name(r->vector), r->error_code);
	printf("ip=%#lx cs=%#lx flags=%#lx sp=%#lx\n", r->ip, r->cs, r->flags, ex_regs_sp(r));
#ifdef __x86_64__
	printf("rax=%016lx rbx=%016lx rcx=%016lx rdx=%016lx\n", r->ax, r->bx, r->cx, r->dx);
	printf("rsi=%016lx rdi=%016lx rbp=%016lx  r8=%016lx\n", r->si, r->di, r->bp, r->r8);
	printf(" r9=%016lx r10=%016lx r11=%016lx r12=%016lx\n", r->r9, r->r10, r->r11, r->r12);
	printf("r13=%016lx r14=%016lx r15=%016lx\n", r->r13, r->r14, r->r15);
#else
	printf("eax=%08lx ebx=%08lx ecx=%08lx edx=%08lx\n", r->ax, r->bx, r->cx, r->dx);
	printf("esi=%08lx edi=%08lx ebp=%08lx\n", r->si, r->di, r->bp);
#endif
	printf("cr0=%#lx cr2=%#lx cr3=%#lx cr4=%#lx\n", read_cr0(), read_cr2(), read_cr3(),
	       read_cr4());
	n = backtrace_from(r->bp, pcs, ARRAY_SIZE(pcs));
	printf("backtrace: %#lx", r->ip);
	for (i = 0; i < n; i++)
		printf(" %#lx", pcs[i]);
	printf("\n");
}

void do_exception(struct ex_regs *regs)
{
	ex_handler_t fn = READ_ONCE(handlers[regs->vector]);
	static int dumping[MAX_CPUS];
	int cpu = smp_processor_id();

	if (fn) {
		fn(regs);
		return;
	}
	if (apply_fixup(regs))
		return;
	fault_catch(regs); /* returns only if no fragment is waiting for this exception */
	if (dumping[cpu]++) {
		/* Faulted while reporting a fault: say so and stop, never loop. */
		printf("cpu %d: exception %lu (%s) at ip=%#lx while dumping an earlier one\n", cpu,
		       regs->vector, exception_name(regs->vector), regs->ip);
		exit(EXIT_ABORT);
	}
	dump_ex_regs(regs);
	/* The last line before EXIT: the runner quotes it as the reason of the FAIL. */
	if (regs->vector == 14)
		printf("unexpected %s at ip %#lx, cr2 %#lx, error code %#lx on cpu %d\n",
		       exception_name(regs->vector), regs->ip, read_cr2(), regs->error_code, cpu);
	else
		printf("unexpected exception %lu (%s) at ip %#lx, error code %#lx on cpu %d\n",
		       regs->vector, exception_name(regs->vector), regs->ip, regs->error_code, cpu);
	exit(EXIT_ABORT);
}
