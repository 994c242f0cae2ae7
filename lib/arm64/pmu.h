/*
 * The PMUv3 (Arm ARM D13, "The Performance Monitors Extension"): probe, register
 * accessors, event numbers and a reset helper. Counters 0..N-1 are the event counters
 * (PMEVCNTR<n>_EL0), index 31 is the cycle counter (PMCCNTR_EL0) in every mask register.
 */
#ifndef ARM64_PMU_H
#define ARM64_PMU_H

#include <libcflat.h>
#include <arm64/sysreg.h>

/* ID_AA64DFR0_EL1.PMUVer, bits [11:8] */
#define ID_DFR0_PMUVER_SHIFT 8
#define PMUVER_NONE 0x0
#define PMUVER_V3 0x1
#define PMUVER_V3P1 0x4
#define PMUVER_V3P4 0x5
#define PMUVER_V3P5 0x6
#define PMUVER_IMP_DEF 0xf

/* PMMIR_EL1 (PMUv3p4): PMU machine identification; SLOTS in bits [7:0]. */
#define SYS_PMMIR_EL1 S3_0_C9_C14_6

/* PMCR_EL0 */
#define PMCR_E BIT(0)	/* enable counting (event counters below MDCR_EL2.HPMN, cycle counter) */
#define PMCR_P BIT(1)	/* write 1: event counters to zero (reads as 0) */
#define PMCR_C BIT(2)	/* write 1: cycle counter to zero (reads as 0) */
#define PMCR_D BIT(3)	/* cycle counter counts every 64th cycle */
#define PMCR_X BIT(4)
#define PMCR_DP BIT(5)
#define PMCR_LC BIT(6)	/* cycle counter overflows at 64 bits, not 32 */
#define PMCR_LP BIT(7)	/* event counters overflow at 64 bits (PMUv3p5) */
#define PMCR_N_SHIFT 11
#define PMCR_N_MASK 0x1f
#define PMCR_IDCODE_SHIFT 16
#define PMCR_IMP_SHIFT 24
/* IMP, IDCODE and N: fixed by the implementation (or, for N, by EL2's MDCR_EL2.HPMN). */
#define PMCR_RO_MASK 0xfffff800UL

#define PMU_CYCLE_IDX 31
#define PMU_MAX_EVENT_COUNTERS 31

/* Common event numbers (Arm ARM D13.11.2, "Common event numbers"). */
#define EV_SW_INCR 0x00
#define EV_L1D_CACHE_REFILL 0x03
#define EV_L1D_CACHE 0x04
#define EV_INST_RETIRED 0x08
#define EV_EXC_TAKEN 0x09
#define EV_BR_MIS_PRED 0x10
#define EV_CPU_CYCLES 0x11
#define EV_BR_PRED 0x12
#define EV_MEM_ACCESS 0x13
#define EV_INST_SPEC 0x1b
#define EV_CHAIN 0x1e
#define EV_STALL_FRONTEND 0x23
#define EV_STALL_BACKEND 0x24

/* PMEVTYPER<n>_EL0 / PMCCFILTR_EL0 filter bits */
#define PMEVTYPER_P BIT(31)	/* do not count at EL1 */
#define PMEVTYPER_U BIT(30)	/* do not count at EL0 */
#define PMEVTYPER_EVTCOUNT_MASK 0xffffUL

struct pmu_info {
	unsigned int version;	/* ID_AA64DFR0_EL1.PMUVer */
	unsigned int nr_counters;	/* PMCR_EL0.N */
	u64 pmcr_ro;		/* PMCR_EL0 & PMCR_RO_MASK at probe */
	u64 pmceid[2];		/* PMCEID0_EL0, PMCEID1_EL0 */
	int intid;		/* the overflow interrupt's INTID from the device tree, or -1 */
	bool irq_level;		/* the device tree says level-sensitive */
};
extern struct pmu_info pmu;

/*
 * Fill @pmu from the ID registers, PMCR_EL0, PMCEID0/1_EL0 and the arm,armv8-pmuv3
 * node; print an INFO line. False when PMUVer says no (architected) PMU.
 */
bool pmu_probe(void);
/* Whether PMCEID0/1_EL0 advertise common event @ev (0x0-0x3f or 0x4000-0x403f). */
bool pmu_event_supported(unsigned int ev);
/* "PMCEID0_EL0 bit 8" for @ev: where the advertisement lives, for SKIP messages. */
const char *pmu_event_where(unsigned int ev);
const char *pmu_event_name(unsigned int ev);
/* Event counters 0..N-1 and the cycle counter, as the bits of PMCNTENSET_EL0. */
u64 pmu_implemented_mask(void);
/* PMUv3p5 or later: PMCR_EL0.LP and 64-bit event counters exist. */
bool pmu_has_64bit_event_counters(void);

/*
 * Everything off: counters disabled, overflow flags and interrupt enables cleared,
 * event counters and the cycle counter zeroed, event types and filters 0, PMCR_EL0
 * with only @pmcr_flags (e.g. PMCR_LC) among its writable fields. Sub-tests start and
 * end with it, so a counter left running by one cannot count into or interrupt the next.
 */
void pmu_reset(u64 pmcr_flags);

/* Register accessors. Writes are followed by an isb. */
#define PMU_SYSREG_RW(name, reg)					\
	static inline u64 name##_read(void) { return read_sysreg(reg); } \
	static inline void name##_write(u64 v) { write_sysreg(v, reg); isb(); }

PMU_SYSREG_RW(pmcr, pmcr_el0)
PMU_SYSREG_RW(pmcntenset, pmcntenset_el0)
PMU_SYSREG_RW(pmcntenclr, pmcntenclr_el0)
PMU_SYSREG_RW(pmovsset, pmovsset_el0)
PMU_SYSREG_RW(pmovsclr, pmovsclr_el0)
PMU_SYSREG_RW(pmintenset, pmintenset_el1)
PMU_SYSREG_RW(pmintenclr, pmintenclr_el1)
PMU_SYSREG_RW(pmselr, pmselr_el0)
PMU_SYSREG_RW(pmxevtyper, pmxevtyper_el0)
PMU_SYSREG_RW(pmxevcntr, pmxevcntr_el0)
PMU_SYSREG_RW(pmccntr, pmccntr_el0)
PMU_SYSREG_RW(pmccfiltr, pmccfiltr_el0)
PMU_SYSREG_RW(pmuserenr, pmuserenr_el0)

/* PMSWINC_EL0 is write-only. */
static inline void pmswinc_write(u64 mask)
{
	write_sysreg(mask, pmswinc_el0);
}

/* PMEVCNTR<n>_EL0 and PMEVTYPER<n>_EL0 by number (direct access, no PMSELR_EL0). */
u64 pmevcntr_read(unsigned int n);
void pmevcntr_write(unsigned int n, u64 v);
u64 pmevtyper_read(unsigned int n);
void pmevtyper_write(unsigned int n, u64 v);

/* The same through PMSELR_EL0 + PMXEVCNTR_EL0 / PMXEVTYPER_EL0. */
u64 pmu_indirect_cntr_read(unsigned int n);
void pmu_indirect_cntr_write(unsigned int n, u64 v);
u64 pmu_indirect_typer_read(unsigned int n);
void pmu_indirect_typer_write(unsigned int n, u64 v);

/* PMCR_EL0.E on or off, keeping the other writable fields. */
static inline void pmu_enable(void)
{
	pmcr_write(pmcr_read() | PMCR_E);
}

static inline void pmu_disable(void)
{
	pmcr_write(pmcr_read() & ~PMCR_E);
}

#endif
