/* PMUv3 probe, indexed counter access and reset (see pmu.h). */
#include <libcflat.h>
#include <arm64/devicetree.h>
#include <arm64/pmu.h>

struct pmu_info pmu = { .intid = -1 };

static const struct {
	unsigned int ev;
	const char *name;
} event_names[] = {
	{ EV_SW_INCR, "SW_INCR" },
	{ EV_L1D_CACHE_REFILL, "L1D_CACHE_REFILL" },
	{ EV_L1D_CACHE, "L1D_CACHE" },
	{ EV_INST_RETIRED, "INST_RETIRED" },
	{ EV_EXC_TAKEN, "EXC_TAKEN" },
	{ EV_BR_MIS_PRED, "BR_MIS_PRED" },
	{ EV_CPU_CYCLES, "CPU_CYCLES" },
	{ EV_BR_PRED, "BR_PRED" },
	{ EV_MEM_ACCESS, "MEM_ACCESS" },
	{ EV_INST_SPEC, "INST_SPEC" },
	{ EV_CHAIN, "CHAIN" },
	{ EV_STALL_FRONTEND, "STALL_FRONTEND" },
	{ EV_STALL_BACKEND, "STALL_BACKEND" },
};

const char *pmu_event_name(unsigned int ev)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(event_names); i++)
		if (event_names[i].ev == ev)
			return event_names[i].name;
	return "event";
}

/*
 * PMCEID0_EL0 holds events 0x00-0x1f in bits [31:0] and 0x4000-0x401f in [63:32];
 * PMCEID1_EL0 events 0x20-0x3f and 0x4020-0x403f (Arm ARM D13.2, PMCEID<n>_EL0).
 */
static bool event_bit(unsigned int ev, unsigned int *reg, unsigned int *bit)
{
	unsigned int low = ev & 0x3f;

	if (ev != low && (ev & ~0x3fU) != 0x4000)
		return false;
	*reg = low / 32;
	*bit = low % 32 + (ev >= 0x4000 ? 32 : 0);
	return true;
}

bool pmu_event_supported(unsigned int ev)
{
	unsigned int reg, bit;

	return event_bit(ev, &reg, &bit) && (pmu.pmceid[reg] & BIT_ULL(bit));
}

const char *pmu_event_where(unsigned int ev)
{
	static char buf[32];
	unsigned int reg, bit;

	if (!event_bit(ev, &reg, &bit))
		return "no PMCEID bit";
	snprintf(buf, sizeof(buf), "PMCEID%u_EL0 bit %u", reg, bit);
	return buf;
}

u64 pmu_implemented_mask(void)
{
	return (BIT_ULL(pmu.nr_counters) - 1) | BIT_ULL(PMU_CYCLE_IDX);
}

bool pmu_has_64bit_event_counters(void)
{
	return pmu.version >= PMUVER_V3P5 && pmu.version != PMUVER_IMP_DEF;
}

/* /pmu "interrupts" = <type number flags>: a PPI (type 1), number 0-15 (INTID + 16). */
static void find_interrupt(void)
{
	int node = dt_find_compatible("arm,armv8-pmuv3"), len;
	const void *irqs;

	if (node < 0)
		return;
	irqs = dt_get_prop(node, "interrupts", &len);
	if (!irqs || len < 3 * 4 || dt_cell(irqs, 0) != 1)
		return;
	pmu.intid = dt_cell(irqs, 1) + 16;
	pmu.irq_level = (dt_cell(irqs, 2) & 0xf) == 4 || (dt_cell(irqs, 2) & 0xf) == 8;
}

static void print_events(void)
{
	char line[256];
	size_t used = 0;
	unsigned int ev;

	for (ev = 0; ev < 0x40; ev++)
		if (pmu_event_supported(ev) && used < sizeof(line))
			used += snprintf(line + used, sizeof(line) - used, " 0x%x", ev);
	for (ev = 0x4000; ev < 0x4040; ev++)
		if (pmu_event_supported(ev) && used < sizeof(line))
			used += snprintf(line + used, sizeof(line) - used, " 0x%x", ev);
	report_info("PMU events:%s", used ? line : " none");
}

bool pmu_probe(void)
{
	u64 pmcr;

	pmu.version = (read_sysreg(id_aa64dfr0_el1) >> ID_DFR0_PMUVER_SHIFT) & 0xf;
	if (pmu.version == PMUVER_NONE || pmu.version == PMUVER_IMP_DEF)
		return false;
	pmcr = pmcr_read();
	pmu.nr_counters = (pmcr >> PMCR_N_SHIFT) & PMCR_N_MASK;
	pmu.pmcr_ro = pmcr & PMCR_RO_MASK;
	pmu.pmceid[0] = read_sysreg(pmceid0_el0);
	pmu.pmceid[1] = read_sysreg(pmceid1_el0);
	find_interrupt();
	report_info("PMU: PMUVer 0x%x, PMCR_EL0 0x%lx (N = %u, IMP 0x%lx), PMCEID0 0x%lx, "
		    "PMCEID1 0x%lx, interrupt %d", pmu.version, pmcr, pmu.nr_counters,
		    (pmcr >> PMCR_IMP_SHIFT) & 0xff, pmu.pmceid[0], pmu.pmceid[1], pmu.intid);
	print_events();
	if (pmu.version >= PMUVER_V3P4)
		report_info("PMMIR_EL1 0x%lx", read_sysreg_s(SYS_PMMIR_EL1));
	return true;
}

/* MRS/MSR encode the register in the instruction: one case per counter number. */
#define PMU_CASE_READ(n, reg)	\
	case n: return read_sysreg(reg##n##_el0)
#define PMU_CASE_WRITE(n, reg, v)	\
	case n: write_sysreg(v, reg##n##_el0); break
#define PMU_READ_FN(fn, reg)							\
u64 fn(unsigned int n)								\
{										\
	switch (n) {								\
	PMU_CASE_READ(0, reg); PMU_CASE_READ(1, reg); PMU_CASE_READ(2, reg);	\
	PMU_CASE_READ(3, reg); PMU_CASE_READ(4, reg); PMU_CASE_READ(5, reg);	\
	PMU_CASE_READ(6, reg); PMU_CASE_READ(7, reg); PMU_CASE_READ(8, reg);	\
	PMU_CASE_READ(9, reg); PMU_CASE_READ(10, reg); PMU_CASE_READ(11, reg);	\
	PMU_CASE_READ(12, reg); PMU_CASE_READ(13, reg); PMU_CASE_READ(14, reg);	\
	PMU_CASE_READ(15, reg); PMU_CASE_READ(16, reg); PMU_CASE_READ(17, reg);	\
	PMU_CASE_READ(18, reg); PMU_CASE_READ(19, reg); PMU_CASE_READ(20, reg);	\
	PMU_CASE_READ(21, reg); PMU_CASE_READ(22, reg); PMU_CASE_READ(23, reg);	\
	PMU_CASE_READ(24, reg); PMU_CASE_READ(25, reg); PMU_CASE_READ(26, reg);	\
	PMU_CASE_READ(27, reg); PMU_CASE_READ(28, reg); PMU_CASE_READ(29, reg);	\
	PMU_CASE_READ(30, reg);							\
	}									\
	assert_msg(false, "no event counter %u", n);				\
	return 0;								\
}

#define PMU_WRITE_FN(fn, reg)							\
void fn(unsigned int n, u64 v)							\
{										\
	switch (n) {								\
	PMU_CASE_WRITE(0, reg, v); PMU_CASE_WRITE(1, reg, v);			\
	PMU_CASE_WRITE(2, reg, v); PMU_CASE_WRITE(3, reg, v);			\
	PMU_CASE_WRITE(4, reg, v); PMU_CASE_WRITE(5, reg, v);			\
	PMU_CASE_WRITE(6, reg, v); PMU_CASE_WRITE(7, reg, v);			\
	PMU_CASE_WRITE(8, reg, v); PMU_CASE_WRITE(9, reg, v);			\
	PMU_CASE_WRITE(10, reg, v); PMU_CASE_WRITE(11, reg, v);			\
	PMU_CASE_WRITE(12, reg, v); PMU_CASE_WRITE(13, reg, v);			\
	PMU_CASE_WRITE(14, reg, v); PMU_CASE_WRITE(15, reg, v);			\
	PMU_CASE_WRITE(16, reg, v); PMU_CASE_WRITE(17, reg, v);			\
	PMU_CASE_WRITE(18, reg, v); PMU_CASE_WRITE(19, reg, v);			\
	PMU_CASE_WRITE(20, reg, v); PMU_CASE_WRITE(21, reg, v);			\
	PMU_CASE_WRITE(22, reg, v); PMU_CASE_WRITE(23, reg, v);			\
	PMU_CASE_WRITE(24, reg, v); PMU_CASE_WRITE(25, reg, v);			\
	PMU_CASE_WRITE(26, reg, v); PMU_CASE_WRITE(27, reg, v);			\
	PMU_CASE_WRITE(28, reg, v); PMU_CASE_WRITE(29, reg, v);			\
	PMU_CASE_WRITE(30, reg, v);						\
	default: assert_msg(false, "no event counter %u", n);			\
	}									\
	isb();									\
}

PMU_READ_FN(pmevcntr_read, pmevcntr)
PMU_WRITE_FN(pmevcntr_write, pmevcntr)
PMU_READ_FN(pmevtyper_read, pmevtyper)
PMU_WRITE_FN(pmevtyper_write, pmevtyper)

static void select_counter(unsigned int n)
{
	pmselr_write(n);
}

u64 pmu_indirect_cntr_read(unsigned int n)
{
	select_counter(n);
	return pmxevcntr_read();
}

void pmu_indirect_cntr_write(unsigned int n, u64 v)
{
	select_counter(n);
	pmxevcntr_write(v);
}

u64 pmu_indirect_typer_read(unsigned int n)
{
	select_counter(n);
	return pmxevtyper_read();
}

void pmu_indirect_typer_write(unsigned int n, u64 v)
{
	select_counter(n);
	pmxevtyper_write(v);
}

void pmu_reset(u64 pmcr_flags)
{
	unsigned int n;

	pmcr_write(pmcr_read() & ~PMCR_E);
	pmcntenclr_write(~0UL);
	pmintenclr_write(~0UL);
	pmovsclr_write(~0UL);
	for (n = 0; n < pmu.nr_counters; n++)
		pmevtyper_write(n, 0);
	pmccfiltr_write(0);
	pmselr_write(0);
	pmuserenr_write(0);
	pmcr_write(pmcr_flags | PMCR_P | PMCR_C);
	/* Clear what counting between the first write and now could have flagged. */
	pmovsclr_write(~0UL);
}
