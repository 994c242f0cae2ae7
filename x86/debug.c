/*
 * Debug exceptions (SDM vol. 3 17): single-step traps after each instruction with DR6.BS,
 * none right after MOV SS (the shadow delays it one instruction), one right after STI;
 * ICEBP is a #DB trap; DR0-DR3 instruction breakpoints fault at the instruction and data
 * watchpoints trap after the access, each with its DR6 bit; DR7.GD makes a MOV to a debug
 * register fault with DR6.BD; DR4/DR5 alias DR6/DR7 unless CR4.DE (then #UD).
 */
#include <libcflat.h>
#include <x86/desc.h>
#include <x86/fault.h>
#include <x86/processor.h>

#define DR6_B(n) (1UL << (n))
#define DR6_BD (1UL << 13)
#define DR6_BS (1UL << 14)
#define DR6_RESERVED 0xffff0ff0UL /* bits that read as 1 (SDM 17.2.3) */
#define DR7_L(n) (1UL << (2 * (n)))
#define DR7_GD (1UL << 13)
#define DR7_RW_SHIFT(n) (16 + 4 * (n))
#define DR7_RW_WRITE 1UL
#define DR7_RW_RW 3UL
#define DR7_LEN4 3UL

#define GD_DEVIATION "tcg-dr7-gd: QEMU 7.2 ignores DR7.GD"

static bool tcg;

#ifdef __x86_64__
#define SET_TF "pushf\n\torq $0x100, (%%rsp)\n\tpopf\n\t"
#else
#define SET_TF "pushf\n\torl $0x100, (%%esp)\n\tpopf\n\t"
#endif

/* Single-step traps seen by the handler: where each one reported, and DR6 then. */
static unsigned long step_ips[8], step_dr6[8];
static int steps;
static unsigned long step_end;

static void single_step_handler(struct ex_regs *regs)
{
	if (steps < ARRAY_SIZE(step_ips)) {
		step_ips[steps] = regs->ip;
		step_dr6[steps] = read_dr6();
	}
	steps++;
	write_dr6(0);
	if (regs->ip == step_end || steps >= ARRAY_SIZE(step_ips))
		regs->flags &= ~X86_EFLAGS_TF;
}

extern char ss_after_nop1[], ss_after_nop2[], ss_end[];
extern char shadow_after_read[], shadow_after_mov[], shadow_end[];
extern char sti_after[], sti_end[];

static void start_steps(ex_handler_t *old, unsigned long end)
{
	steps = 0;
	step_end = end;
	write_dr6(0);
	*old = handle_exception(DB_VECTOR, single_step_handler);
}

static void check_single_step(void)
{
	ex_handler_t old;
	unsigned long flags = read_flags();

	report_prefix_push("single-step");
#ifndef __x86_64__
	/* TF set by the handler's POPF traps again after its RET: the counts would be off. */
	report_skip("i386 returns from exceptions with POPF; RET, not IRET "
		    "(known deviation kvm-pvm-iret32)");
	report_prefix_pop();
	return;
#endif
	start_steps(&old, (unsigned long)ss_end);
	asm volatile(SET_TF "nop\nss_after_nop1: nop\nss_after_nop2: nop\nss_end:" ::: "memory");
	handle_exception(DB_VECTOR, old);
	report(steps == 3, "three instructions after POPF set TF: three traps (%d)", steps);
	report(step_ips[0] == (unsigned long)ss_after_nop1 &&
	       step_ips[1] == (unsigned long)ss_after_nop2 && step_ips[2] == (unsigned long)ss_end,
	       "each trap reports the next instruction");
	report((step_dr6[0] & DR6_BS) && (step_dr6[2] & DR6_BS), "DR6.BS is set for each");

	start_steps(&old, (unsigned long)shadow_end);
	asm volatile(SET_TF "mov %%ss, %%eax\nshadow_after_read: mov %%eax, %%ss\n"
		     "shadow_after_mov: nop\nshadow_end:" ::: "eax", "memory");
	handle_exception(DB_VECTOR, old);
	report(steps == 2 && step_ips[0] == (unsigned long)shadow_after_read &&
	       step_ips[1] == (unsigned long)shadow_end,
	       "MOV SS: no trap after it, the next instruction's trap comes instead (%d traps)",
	       steps);

	start_steps(&old, (unsigned long)sti_end);
	asm volatile("cli\n\t" SET_TF "sti\nsti_after: cli\nsti_end:" ::: "memory");
	handle_exception(DB_VECTOR, old);
	report_kfail(tcg, "tcg-sti-single-step: QEMU 7.2 drops the single-step trap of STI",
		     steps == 2 && step_ips[0] == (unsigned long)sti_after,
	       "STI: its shadow does not hold back the single-step trap (%d traps, first at %#lx, "
	       "STI's next %#lx)", steps, step_ips[0], (unsigned long)sti_after);
	asm volatile("push %0; popf" : : "g"(flags) : "memory", "cc");
	report_prefix_pop();
}

extern char icebp_after[], exec_bp[], watch_after[];

static void do_icebp(void *arg)
{
	asm volatile(".byte 0xf1\nicebp_after:" ::: "memory");
}

static void do_exec_bp(void *arg)
{
	asm volatile("exec_bp: nop" ::: "memory");
}

static volatile u32 watched;

static void do_write_watched(void *arg)
{
	asm volatile("movl $1, %0\nwatch_after:" : "=m"(watched) : : "memory");
}

static void do_read_watched(void *arg)
{
	(void)READ_ONCE(watched);
}

static void check_breakpoints(void)
{
	struct fault f;
	unsigned long dr6;

	report_prefix_push("breakpoints");
	write_dr6(0);
	if (kvm_module_is("kvm_pvm")) {
		/* ICEBP is a software interrupt (INT1), which hangs kvm_pvm guests at CPL 0. */
		report_skip("ICEBP: not run on kvm_pvm (known: kvm-pvm-int-n)");
	} else {
		run_catching(do_icebp, NULL, &f);
		report_kfail(tcg, "tcg-icebp-ud: QEMU 7.2 raises #UD for ICEBP",
			     f.vector == DB_VECTOR && f.ip == (unsigned long)icebp_after,
			     "ICEBP: #DB trap at the next instruction (vector %d at %#lx, next %#lx)",
			     f.vector, f.ip, (unsigned long)icebp_after);
	}

	write_dr0((unsigned long)exec_bp);
	write_dr7(DR7_L(0));
	write_dr6(0);
	run_catching(do_exec_bp, NULL, &f);
	dr6 = read_dr6();
	write_dr7(0);
	report(f.vector == DB_VECTOR && f.ip == (unsigned long)exec_bp,
	       "DR0 instruction breakpoint: #DB fault at the instruction");
	report(dr6 & DR6_B(0), "DR6.B0 is set (DR6 %#lx)", dr6);

	write_dr1((unsigned long)&watched);
	write_dr7(DR7_L(1) | DR7_RW_WRITE << DR7_RW_SHIFT(1) | DR7_LEN4 << (DR7_RW_SHIFT(1) + 2));
	write_dr6(0);
	report(run_catching(do_read_watched, NULL, NULL) == EXC_NONE,
	       "DR1 write watchpoint: a read passes");
	run_catching(do_write_watched, NULL, &f);
	dr6 = read_dr6();
	report(f.vector == DB_VECTOR && f.ip == (unsigned long)watch_after && watched == 1,
	       "DR1 write watchpoint: #DB trap after the write, which happened");
	report(dr6 & DR6_B(1), "DR6.B1 is set (DR6 %#lx)", dr6);
	write_dr7(DR7_L(1) | DR7_RW_RW << DR7_RW_SHIFT(1) | DR7_LEN4 << (DR7_RW_SHIFT(1) + 2));
	report(run_catching(do_read_watched, NULL, NULL) == DB_VECTOR,
	       "DR1 read/write watchpoint: a read traps");
	write_dr7(0);
	report_prefix_pop();
}

static void do_write_dr0(void *arg)
{
	write_dr0(0);
}

static void do_read_dr4(void *arg)
{
	unsigned long v;

	asm volatile("mov %%dr4, %0" : "=r"(v));
	*(unsigned long *)arg = v;
}

static void check_registers(void)
{
	unsigned long cr4 = read_cr4(), v = 0, dr6;
	struct fault f;

	report_prefix_push("registers");
	write_dr6(0);
	report((read_dr6() & DR6_RESERVED) == DR6_RESERVED, "DR6 reserved bits read as 1 (%#lx)",
	       read_dr6());
	write_dr7(DR7_GD);
	run_catching(do_write_dr0, NULL, &f);
	dr6 = read_dr6();
	report_kfail(tcg, GD_DEVIATION, f.vector == DB_VECTOR && (dr6 & DR6_BD),
		     "DR7.GD: MOV to DR0 faults, DR6.BD set");
	report_kfail(tcg, GD_DEVIATION, !(read_dr7() & DR7_GD), "the #DB cleared DR7.GD");
	write_dr7(0);

	write_cr4(cr4 & ~X86_CR4_DE);
	write_dr6(0);
	report(run_catching(do_read_dr4, &v, NULL) == EXC_NONE && v == read_dr6(),
	       "CR4.DE=0: DR4 reads DR6");
	write_cr4(cr4 | X86_CR4_DE);
	report(run_catching(do_read_dr4, &v, NULL) == UD_VECTOR, "CR4.DE=1: DR4 raises #UD");
	write_cr4(cr4);
	report_prefix_pop();
}

int main(void)
{
	tcg = accel_is("tcg");
	check_single_step();
	check_breakpoints();
	check_registers();
	return report_summary();
}
