/*
 * Boot of the primary CPU, in C: MMU on with the boot map, then the device tree
 * (memory, UART, PSCI conduit, timer PPIs, CPUs, bootargs), the final map, the
 * secondaries, main().
 */
#include <libcflat.h>
#include <arm64/devicetree.h>
#include <arm64/processor.h>
#include <arm64/psci.h>
#include <arm64/sysreg.h>
#include <arm64/timer.h>

void mmu_enable_boot(void);
void mmu_setup_final(phys_addr_t ram_start, phys_addr_t ram_end);
int dt_init(const void *blob, void *dest, size_t *size);
void uart_init_from_dt(void);
void smp_boot_secondaries(void);
void boot_start(void *fdt) __noreturn;

extern char _start[], _end[];
extern const char image_name[];
extern unsigned long __stack_chk_guard;

struct cpu_info cpus[MAX_CPUS];
struct timer_ppis timer_ppis;
phys_addr_t ram_start, ram_end;

static void __noreturn boot_fail(const char *what, int err)
{
	printf("arm64 boot: %s (%d)\n", what, err);
	exit(EXIT_ABORT);
}

static bool is_device_type(int node, const char *type)
{
	const char *t = dt_get_string(node, "device_type");

	return t && !strcmp(t, type);
}

/* The memory bank holding the image (QEMU virt has one, at 0x40000000). */
static void find_memory(void)
{
	int node, i;
	u64 addr, size;

	for (node = dt_first_subnode(0); node >= 0; node = dt_next_subnode(node)) {
		if (!is_device_type(node, "memory"))
			continue;
		for (i = 0; dt_get_reg(node, i, &addr, &size) == 0; i++) {
			if ((u64)_start >= addr && (u64)_start < addr + size) {
				ram_start = addr;
				ram_end = addr + size;
				return;
			}
		}
	}
	boot_fail("no memory node holds the image", node);
}

static void find_psci(void)
{
	int node = dt_find_compatible("arm,psci-0.2");
	const char *method;

	if (node < 0)
		node = dt_find_compatible("arm,psci");
	if (node < 0)
		boot_fail("no /psci node", node);
	method = dt_get_string(node, "method");
	if (!method || (strcmp(method, "hvc") && strcmp(method, "smc")))
		boot_fail("/psci method is neither hvc nor smc", 0);
	psci_use_hvc = !strcmp(method, "hvc");
}

/* /timer "interrupts": 4 triples <type ppi flags>: secure phys, phys, virt, hyp (timer binding). */
static void find_timer(void)
{
	int node = dt_find_compatible("arm,armv8-timer"), len;
	const void *irqs;

	if (node < 0)
		return;
	irqs = dt_get_prop(node, "interrupts", &len);
	if (!irqs || len < 4 * 3 * 4)
		return;
	timer_ppis.sec_phys = dt_cell(irqs, 1);
	timer_ppis.phys = dt_cell(irqs, 4);
	timer_ppis.phys_flags = dt_cell(irqs, 5);
	timer_ppis.virt = dt_cell(irqs, 7);
	timer_ppis.virt_flags = dt_cell(irqs, 8);
	timer_ppis.hyp = dt_cell(irqs, 10);
	timer_ppis.found = true;
}

/* Logical ids in /cpus order, then the boot CPU swapped into slot 0. */
static void find_cpus(void)
{
	int cpus_node = dt_find_path("/cpus"), node, n = 0, boot = -1;
	u64 self = get_mpidr() & MPIDR_HWID_MASK, mpidr;
	struct cpu_info tmp;

	if (cpus_node < 0)
		boot_fail("no /cpus node", cpus_node);
	for (node = dt_first_subnode(cpus_node); node >= 0; node = dt_next_subnode(node)) {
		if (!is_device_type(node, "cpu") || dt_get_reg(node, 0, &mpidr, NULL))
			continue;
		assert_msg(n < MAX_CPUS, "more than %d CPUs", MAX_CPUS);
		cpus[n].mpidr = mpidr & MPIDR_HWID_MASK;
		if (cpus[n].mpidr == self)
			boot = n;
		n++;
	}
	if (boot < 0)
		boot_fail("the boot CPU's MPIDR is not in /cpus", (int)self);
	tmp = cpus[0];
	cpus[0] = cpus[boot];
	cpus[boot] = tmp;
	cpus[0].boots = 1;
	nr_cpus = n;
}

int mpidr_to_cpu(u64 mpidr)
{
	int i;

	for (i = 0; i < nr_cpus; i++)
		if (cpus[i].mpidr == (mpidr & MPIDR_HWID_MASK))
			return i;
	return -1;
}

static const char *bootargs(void)
{
	int chosen = dt_find_path("/chosen");

	return chosen < 0 ? NULL : dt_get_string(chosen, "bootargs");
}

void boot_start(void *fdt)
{
	size_t fdt_size;
	phys_addr_t free_start;
	int ret;

	mmu_enable_boot();
	__stack_chk_guard ^= read_sysreg(cntvct_el0) << 16;
	/* keep the tree above the image, where the page allocator will not hand it out */
	ret = dt_init(fdt, (void *)ALIGN_UP((phys_addr_t)_end, PAGE_SIZE), &fdt_size);
	if (ret)
		boot_fail("no valid device tree in x0", ret);
	free_start = ALIGN_UP((phys_addr_t)_end, PAGE_SIZE) + ALIGN_UP(fdt_size, PAGE_SIZE);
	uart_init_from_dt();
	find_memory();
	find_psci();
	find_timer();
	find_cpus();
	page_alloc_init(free_start, ram_end);
	mmu_setup_final(ram_start, ram_end);
	setup_args_progname(image_name);
	setup_args(bootargs());
	smp_boot_secondaries();
	exit(main(__argc, __argv, __environ));
}
