/*
 * Self-tests of the arm64 runtime: what boot found (CPUs, RAM), exception vectors at
 * EL1 and EL0, SMP bring-up, and (nodefault) the dump of an unexpected abort.
 */
#include <libcflat.h>
#include <subtest.h>
#include <arm64/mmu.h>
#include <arm64/processor.h>
#include <arm64/sysreg.h>

#define SVC_IMM_EL1 0x123
#define SVC_IMM_EL0 0x55
#define USR_RETURN 42
#define USR_ABORTED 99

/* What the handlers saw: one exception at a time. */
static struct {
	int count;
	unsigned int ec;
	u64 esr, far, pc;
} seen;

static void reset_seen(void)
{
	memset(&seen, 0, sizeof(seen));
}

static void record(struct pt_regs *regs, u64 esr)
{
	seen.count++;
	seen.ec = esr_ec(esr);
	seen.esr = esr;
	seen.far = read_sysreg(far_el1);
	seen.pc = regs->pc;
}

static void skip_insn(struct pt_regs *regs, u64 esr)
{
	record(regs, esr);
	regs->pc += 4;
}

static void just_record(struct pt_regs *regs, u64 esr)
{
	record(regs, esr);
}

/* An instruction abort on a branch: resume at the branch's return address. */
static void return_to_lr(struct pt_regs *regs, u64 esr)
{
	record(regs, esr);
	regs->pc = regs->regs[30];
}

static void back_to_el1(struct pt_regs *regs, u64 esr)
{
	record(regs, esr);
	usr_return_to_el1(regs, USR_ABORTED);
}

static void call_address(void *addr)
{
	asm volatile("blr %0" : : "r"(addr) : "x30", "memory");
}

static bool parse_number_arg(const char *arg, const char *key, unsigned long *val)
{
	size_t n = strlen(key);

	if (strncmp(arg, key, n) || arg[n] != '=')
		return false;
	*val = strtoul(arg + n + 1, NULL, 0);
	return true;
}

static void check_setup(int argc, char **argv)
{
	unsigned long smp = 0, mem = 0;
	bool have_smp = false, have_mem = false;
	int i;

	report_prefix_push("setup");
	for (i = 1; i < argc; i++) { /* argv[0] is "setup" */
		have_smp |= parse_number_arg(argv[i], "smp", &smp);
		have_mem |= parse_number_arg(argv[i], "mem", &mem);
	}
	if (have_smp)
		report(nr_cpus == (int)smp, "nr_cpus %d is smp=%lu", nr_cpus, smp);
	else
		report_fail("no smp=N argument to check nr_cpus against");
	if (have_mem)
		report(ram_end - ram_start == mem * SZ_1M, "RAM %lu MiB is mem=%lu",
		       (unsigned long)((ram_end - ram_start) / SZ_1M), mem);
	else
		report_fail("no mem=MiB argument to check the RAM size against");
	report(current_el() == 1, "running at EL1");
	report(mmu_enabled(), "MMU on");
	report(cpus_online() == nr_cpus, "all %d CPUs online", nr_cpus);
	report_prefix_pop();
}

static void check_undef_el1(void)
{
	u64 insn;

	reset_seen();
	install_exception_handler(EL1H_SYNC, ESR_EC_UNKNOWN, skip_insn);
	asm volatile("adr %0, 1f\n1: udf #0" : "=r"(insn) : : "memory");
	install_exception_handler(EL1H_SYNC, ESR_EC_UNKNOWN, NULL);
	report(seen.count == 1 && seen.ec == ESR_EC_UNKNOWN, "undefined instruction: EC UNKNOWN");
	report(seen.pc == insn, "undefined instruction: ELR is the instruction");
}

static void check_svc_el1(void)
{
	u64 next;

	reset_seen();
	install_exception_handler(EL1H_SYNC, ESR_EC_SVC64, just_record);
	asm volatile("svc #" __stringify(SVC_IMM_EL1) "\n adr %0, ." : "=r"(next) : : "memory");
	install_exception_handler(EL1H_SYNC, ESR_EC_SVC64, NULL);
	report(seen.count == 1 && seen.ec == ESR_EC_SVC64, "svc: EC SVC64");
	report((seen.esr & 0xffff) == SVC_IMM_EL1, "svc: ISS holds the immediate");
	report(seen.pc == next, "svc: ELR is the next instruction");
}

static void check_iabt_unmapped_el1(void)
{
	void *page = alloc_page();

	reset_seen();
	mmu_unmap_page(page);
	install_exception_handler(EL1H_SYNC, ESR_EC_IABT_EL1, return_to_lr);
	call_address(page);
	install_exception_handler(EL1H_SYNC, ESR_EC_IABT_EL1, NULL);
	mmu_map_page(page);
	free_page(page);
	report(seen.count == 1 && seen.ec == ESR_EC_IABT_EL1, "branch to unmapped: instruction abort");
	report(seen.far == (u64)page && seen.pc == (u64)page, "branch to unmapped: FAR and ELR are the target");
	report(FSC_TRANSLATION_FAULT(ESR_FSC(seen.esr)), "branch to unmapped: translation fault");
}

/* Make @page hold a single "ret" that instruction fetch will see (Arm ARM D7.5.9.1). */
static void write_ret_insn(u32 *page)
{
	page[0] = 0xd65f03c0; /* ret */
	asm volatile("dc cvau, %0\n dsb ish\n ic ivau, %0\n dsb ish\n isb" : : "r"(page) : "memory");
}

static void check_iabt_xn_el1(void)
{
	u32 *page = alloc_page();

	write_ret_insn(page);
	reset_seen();
	mmu_set_page(page, PAGE_KERNEL_XN);
	install_exception_handler(EL1H_SYNC, ESR_EC_IABT_EL1, return_to_lr);
	call_address(page);
	report(seen.count == 1 && FSC_PERMISSION_FAULT(ESR_FSC(seen.esr)),
	       "execute-never page: permission fault");
	mmu_set_page(page, PAGE_NORMAL_RW);
	call_address(page);
	install_exception_handler(EL1H_SYNC, ESR_EC_IABT_EL1, NULL);
	report(seen.count == 1, "same page executable again: the ret ran without a fault");
	free_page(page);
}

static void check_dabt_unmapped_el1(void)
{
	volatile u64 *page = alloc_page();

	reset_seen();
	mmu_unmap_page((void *)page);
	install_exception_handler(EL1H_SYNC, ESR_EC_DABT_EL1, skip_insn);
	(void)*page;
	install_exception_handler(EL1H_SYNC, ESR_EC_DABT_EL1, NULL);
	mmu_map_page((void *)page);
	free_page((void *)page);
	report(seen.count == 1 && seen.ec == ESR_EC_DABT_EL1, "load from unmapped: data abort");
	report(seen.far == (u64)page, "load from unmapped: FAR is the address");
}

static void check_vectors_kernel(void)
{
	report_prefix_push("vectors-kernel");
	check_undef_el1();
	check_svc_el1();
	check_iabt_unmapped_el1();
	check_iabt_xn_el1();
	check_dabt_unmapped_el1();
	report_prefix_pop();
}

/* EL0 code: no globals, no printf (mmu.h: EL0 sees text and rodata only). */
static long usr_undef(void *arg)
{
	asm volatile("udf #0" ::: "memory");
	return USR_RETURN;
}

static long usr_svc(void *arg)
{
	asm volatile("svc #" __stringify(SVC_IMM_EL0) ::: "memory");
	return USR_RETURN;
}

static long usr_call(void *addr)
{
	call_address(addr);
	return USR_RETURN;
}

static long usr_read(void *addr)
{
	return *(volatile long *)addr;
}

static long usr_current_el_probe(void *arg)
{
	/* MRS CurrentEL is UNDEFINED at EL0 (Arm ARM C5.2.1): traps with EC 0x18 or 0x0 */
	return read_sysreg(CurrentEL);
}

static void check_undef_el0(void)
{
	long ret;

	reset_seen();
	install_exception_handler(EL0_SYNC_64, ESR_EC_UNKNOWN, skip_insn);
	ret = start_usr(usr_undef, NULL, NULL);
	install_exception_handler(EL0_SYNC_64, ESR_EC_UNKNOWN, NULL);
	report(seen.count == 1 && seen.ec == ESR_EC_UNKNOWN, "undefined instruction: EC UNKNOWN at the EL0 vector");
	report(ret == USR_RETURN, "undefined instruction: EL0 resumed and returned");
}

static void check_svc_el0(void)
{
	long ret;

	reset_seen();
	install_exception_handler(EL0_SYNC_64, ESR_EC_SVC64, just_record);
	ret = start_usr(usr_svc, NULL, NULL);
	install_exception_handler(EL0_SYNC_64, ESR_EC_SVC64, NULL);
	report(seen.count == 1 && seen.ec == ESR_EC_SVC64, "svc: EC SVC64 at the EL0 vector");
	report((seen.esr & 0xffff) == SVC_IMM_EL0, "svc: ISS holds the immediate");
	report(ret == USR_RETURN, "svc: EL0 resumed and returned");
}

static void check_iabt_el0(void)
{
	void *page = alloc_page();
	long ret;

	reset_seen();
	mmu_unmap_page(page);
	install_exception_handler(EL0_SYNC_64, ESR_EC_IABT_EL0, back_to_el1);
	ret = start_usr(usr_call, page, NULL);
	install_exception_handler(EL0_SYNC_64, ESR_EC_IABT_EL0, NULL);
	mmu_map_page(page);
	free_page(page);
	report(seen.count == 1 && seen.ec == ESR_EC_IABT_EL0, "branch to unmapped: instruction abort from EL0");
	report(seen.far == (u64)page, "branch to unmapped: FAR is the target");
	report(ret == USR_ABORTED, "handler ended EL0 execution early");
}

static void check_el1_data_hidden_from_el0(void)
{
	static long kernel_data = 1;
	long ret;

	reset_seen();
	install_exception_handler(EL0_SYNC_64, ESR_EC_DABT_EL0, back_to_el1);
	ret = start_usr(usr_read, &kernel_data, NULL);
	install_exception_handler(EL0_SYNC_64, ESR_EC_DABT_EL0, NULL);
	report(seen.count == 1 && FSC_PERMISSION_FAULT(ESR_FSC(seen.esr)) && ret == USR_ABORTED,
	       "EL0 read of EL1-only data: permission fault");
}

static void check_el0_is_el0(void)
{
	long ret;

	reset_seen();
	install_exception_handler(EL0_SYNC_64, ESR_EC_UNKNOWN, back_to_el1);
	install_exception_handler(EL0_SYNC_64, ESR_EC_SYS64, back_to_el1);
	ret = start_usr(usr_current_el_probe, NULL, NULL);
	install_exception_handler(EL0_SYNC_64, ESR_EC_UNKNOWN, NULL);
	install_exception_handler(EL0_SYNC_64, ESR_EC_SYS64, NULL);
	report(seen.count == 1 && ret == USR_ABORTED, "MRS CurrentEL traps: the code really ran at EL0");
}

static void check_vectors_user(void)
{
	report_prefix_push("vectors-user");
	check_el0_is_el0();
	check_undef_el0();
	check_svc_el0();
	check_iabt_el0();
	check_el1_data_hidden_from_el0();
	report_prefix_pop();
}

static u64 mpidr_seen[MAX_CPUS];
static int cpus_ran;

static void record_mpidr(void *arg)
{
	mpidr_seen[smp_processor_id()] = get_mpidr() & MPIDR_HWID_MASK;
	atomic_inc_return(&cpus_ran);
}

static bool mpidrs_distinct(void)
{
	int i, j;

	for (i = 0; i < nr_cpus; i++)
		for (j = i + 1; j < nr_cpus; j++)
			if (mpidr_seen[i] == mpidr_seen[j])
				return false;
	return true;
}

static void check_smp(void)
{
	int cpu, mismatches = 0;

	report_prefix_push("smp");
	report_info("%d CPUs", nr_cpus);
	on_cpus(record_mpidr, NULL);
	report(atomic_read(&cpus_ran) == nr_cpus, "all %d CPUs ran the function", nr_cpus);
	for (cpu = 0; cpu < nr_cpus; cpu++) {
		report_info("cpu %d: MPIDR %#lx (device tree %#lx)", cpu, mpidr_seen[cpu], cpus[cpu].mpidr);
		if (mpidr_seen[cpu] != cpus[cpu].mpidr || mpidr_to_cpu(mpidr_seen[cpu]) != cpu)
			mismatches++;
	}
	report(mpidrs_distinct(), "MPIDRs are distinct");
	report(mismatches == 0, "each CPU's MPIDR matches its device-tree entry");
	report_prefix_pop();
}

/* No handler: this must end in the exception dump and EXIT: STATUS=3. */
static void check_unmapped_dump(void)
{
	volatile u64 *page = alloc_page();

	report_prefix_push("unmapped");
	report_info("loading from unmapped %p: expect an exception dump and exit status 3", page);
	mmu_unmap_page((void *)page);
	(void)*page;
	report_fail("the load from an unmapped page did not fault");
	report_prefix_pop();
}

static void test_setup(int argc, char **argv)
{
	check_setup(argc, argv);
}

static void test_vectors_kernel(int argc, char **argv)
{
	check_vectors_kernel();
}

static void test_vectors_user(int argc, char **argv)
{
	check_vectors_user();
}

static void test_smp(int argc, char **argv)
{
	check_smp();
}

static void test_unmapped(int argc, char **argv)
{
	check_unmapped_dump();
}

static const struct subtest tests[] = {
	{ "setup", test_setup },
	{ "vectors-kernel", test_vectors_kernel },
	{ "vectors-user", test_vectors_user },
	{ "smp", test_smp },
	{ "unmapped", test_unmapped },
	{ NULL },
};

int main(int argc, char **argv)
{
	report_prefix_push("selftest");
	return run_subtests(tests, NULL, argc, argv);
}
