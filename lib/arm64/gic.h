/*
 * The Arm Generic Interrupt Controller, versions 2 and 3, as a guest at EL1 sees it.
 *
 * Register offsets and bit positions follow the architecture specifications:
 * GICv2: IHI0048B (section 4: distributor and CPU interface register maps),
 * GICv3/v4: IHI0069 (chapter 12: distributor, redistributor, CPU interface).
 * The version is chosen from the device tree: "arm,cortex-a15-gic"/"arm,gic-400"
 * select v2, "arm,gic-v3" selects v3.
 */
#ifndef ARM64_GIC_H
#define ARM64_GIC_H

#include <libcflat.h>

/* INTID ranges (IHI0069 2.2). */
#define GIC_NR_SGIS		16
#define GIC_FIRST_PPI		16
#define GIC_FIRST_SPI		32
#define GIC_MAX_SPI_INTID	1019
#define GIC_SPURIOUS		1023
#define GIC_FIRST_LPI		8192
#define gic_is_sgi(irq)		((irq) < GIC_FIRST_PPI)
#define gic_is_private(irq)	((irq) < GIC_FIRST_SPI)

/* Distributor, common to v2 and v3 (IHI0048B 4.1.2, IHI0069 12.8). */
#define GICD_CTLR		0x0000
#define GICD_TYPER		0x0004
#define GICD_IIDR		0x0008
#define GICD_IGROUPR		0x0080
#define GICD_ISENABLER		0x0100
#define GICD_ICENABLER		0x0180
#define GICD_ISPENDR		0x0200
#define GICD_ICPENDR		0x0280
#define GICD_ISACTIVER		0x0300
#define GICD_ICACTIVER		0x0380
#define GICD_IPRIORITYR		0x0400
#define GICD_ITARGETSR		0x0800
#define GICD_ICFGR		0x0c00
#define GICD_SGIR		0x0f00	/* v2 only */
#define GICD_CPENDSGIR		0x0f10	/* v2 only */
#define GICD_SPENDSGIR		0x0f20	/* v2 only */
#define GICD_IROUTER		0x6000	/* v3: 64 bits per INTID, valid from INTID 32 */
#define GICD_V2_PIDR2		0x0fe8
#define GICD_V3_PIDR2		0xffe8

#define GICD_CTLR_ENABLE_G0	BIT(0)
#define GICD_CTLR_ENABLE_G1	BIT(1)	/* v2: EnableGrp1; v3 (DS=1): EnableGrp1 */
#define GICD_CTLR_ARE		BIT(4)	/* v3, single security state */
#define GICD_CTLR_DS		BIT(6)	/* v3 */
#define GICD_CTLR_RWP		BIT(31)	/* v3 */

#define GICD_TYPER_ITLINES(t)	((t) & 0x1f)
#define GICD_TYPER_CPUS(t)	((((t) >> 5) & 0x7) + 1)
#define GICD_TYPER_SECEXT	BIT(10)
#define GICD_TYPER_MBIS		BIT(16)	/* v3 */
#define GICD_TYPER_LPIS		BIT(17)	/* v3 */
#define GICD_TYPER_IDBITS(t)	((((t) >> 19) & 0x1f) + 1)	/* v3: INTID width */
#define GICD_TYPER_A3V		BIT(24)	/* v3 */

#define GICD_SGIR_FILTER_LIST		(0U << 24)
#define GICD_SGIR_FILTER_OTHERS		(1U << 24)
#define GICD_SGIR_FILTER_SELF		(2U << 24)
#define GICD_SGIR_TARGETS(mask)		(((mask) & 0xffU) << 16)

#define GICD_IROUTER_IRM	BIT_ULL(31)

/* PIDR2.ArchRev, bits [7:4]: 1 or 2 for v2 implementations, 3 for v3, 4 for v4. */
#define GIC_PIDR2_ARCH(p)	(((p) >> 4) & 0xf)

/* GICv2 CPU interface (IHI0048B 4.1.3). */
#define GICC_CTLR		0x0000
#define GICC_PMR		0x0004
#define GICC_BPR		0x0008
#define GICC_IAR		0x000c
#define GICC_EOIR		0x0010
#define GICC_RPR		0x0014
#define GICC_HPPIR		0x0018
#define GICC_APR		0x00d0
#define GICC_IIDR		0x00fc
#define GICC_DIR		0x1000

#define GICC_CTLR_ENABLE_G0	BIT(0)
#define GICC_CTLR_ENABLE_G1	BIT(1)
#define GICC_CTLR_EOIMODE	BIT(9)	/* EOImodeNS when the GIC has no Security Extensions */
#define GICC_IAR_INTID(iar)	((iar) & 0x3ff)
#define GICC_IAR_CPUID(iar)	(((iar) >> 10) & 0x7)	/* source CPU of an SGI */

/*
 * GICv3 redistributor: each CPU has an RD_base frame and, 64K above it, an SGI_base
 * frame (IHI0069 12.10); GICv4 adds two more frames (VLPI and a reserved one).
 */
#define GICR_FRAME_SIZE		SZ_64K
#define GICR_SGI_BASE_OFFSET	SZ_64K
#define GICR_CTLR		0x0000
#define GICR_IIDR		0x0004
#define GICR_TYPER		0x0008	/* 64 bits */
#define GICR_STATUSR		0x0010
#define GICR_WAKER		0x0014
#define GICR_SETLPIR		0x0040	/* 64 bits */
#define GICR_CLRLPIR		0x0048	/* 64 bits */
#define GICR_PROPBASER		0x0070	/* 64 bits */
#define GICR_PENDBASER		0x0078	/* 64 bits */
#define GICR_INVLPIR		0x00a0	/* 64 bits */
#define GICR_INVALLR		0x00b0	/* 64 bits */
#define GICR_SYNCR		0x00c0
#define GICR_PIDR2		0xffe8

#define GICR_CTLR_ENABLE_LPIS	BIT(0)
#define GICR_CTLR_RWP		BIT(3)

#define GICR_TYPER_PLPIS	BIT_ULL(0)
#define GICR_TYPER_VLPIS	BIT_ULL(1)
#define GICR_TYPER_DIRECT_LPI	BIT_ULL(3)
#define GICR_TYPER_LAST		BIT_ULL(4)
#define GICR_TYPER_PROCNUM(t)	(((t) >> 8) & 0xffff)
#define GICR_TYPER_AFFINITY(t)	((u32)((t) >> 32))	/* Aff3.Aff2.Aff1.Aff0 */

#define GICR_WAKER_PROCESSOR_SLEEP	BIT(1)
#define GICR_WAKER_CHILDREN_ASLEEP	BIT(2)

#define GICR_SYNCR_BUSY		BIT(0)

/* GICR_PROPBASER / GICR_PENDBASER fields (IHI0069 12.11.27, 12.11.30). */
#define GICR_PROPBASER_IDBITS(bits)	((u64)((bits) - 1) & 0x1f)
#define GICR_BASER_INNER_SHIFT		7
#define GICR_BASER_SHARE_SHIFT		10
#define GICR_BASER_OUTER_SHIFT		56
#define GICR_BASER_INNER_WAWB		(7ULL << GICR_BASER_INNER_SHIFT)
#define GICR_BASER_SHARE_INNER		(1ULL << GICR_BASER_SHARE_SHIFT)
#define GICR_PROPBASER_PA_MASK		GENMASK_ULL(51, 12)
#define GICR_PENDBASER_PA_MASK		GENMASK_ULL(51, 16)
#define GICR_PENDBASER_PTZ		BIT_ULL(62)

/* The SGI_base frame repeats the distributor's banked layout for INTIDs 0-31. */
#define GICR_IGROUPR0		GICD_IGROUPR
#define GICR_ISENABLER0		GICD_ISENABLER
#define GICR_ICENABLER0		GICD_ICENABLER
#define GICR_ISPENDR0		GICD_ISPENDR
#define GICR_ICPENDR0		GICD_ICPENDR
#define GICR_ISACTIVER0		GICD_ISACTIVER
#define GICR_ICACTIVER0		GICD_ICACTIVER
#define GICR_IPRIORITYR0	GICD_IPRIORITYR
#define GICR_ICFGR0		GICD_ICFGR
#define GICR_ICFGR1		(GICD_ICFGR + 4)
#define GICR_IGRPMODR0		0x0d00

/* ICC_SGI1R_EL1 (IHI0069 12.2.23). */
#define ICC_SGI1R_TARGETS(list)	((u64)(list) & 0xffff)
#define ICC_SGI1R_AFF1(a)	((u64)((a) & 0xff) << 16)
#define ICC_SGI1R_INTID(i)	((u64)((i) & 0xf) << 24)
#define ICC_SGI1R_AFF2(a)	((u64)((a) & 0xff) << 32)
#define ICC_SGI1R_IRM		BIT_ULL(40)
#define ICC_SGI1R_RS(rs)	((u64)((rs) & 0xf) << 44)
#define ICC_SGI1R_AFF3(a)	((u64)((a) & 0xff) << 48)

#define ICC_SRE_SRE		BIT(0)
#define ICC_CTLR_EOIMODE	BIT(1)
#define ICC_IAR_INTID(iar)	((iar) & 0xffffff)

#define GIC_DEFAULT_PRIORITY	0xa0
#define GIC_LOWEST_PMR		0xff

/* Discovery and bring-up. */
struct gic_info {
	int version;		/* 2 or 3; 0: no GIC in the device tree */
	phys_addr_t dist_base;
	phys_addr_t cpu_base;		/* v2 CPU interface */
	phys_addr_t redist_base[4];	/* v3 redistributor regions */
	u64 redist_size[4];
	int nr_redist_regions;
	unsigned int nr_irqs;	/* INTIDs 0 .. nr_irqs-1 exist (SGIs, PPIs, SPIs) */
};

/* Find the GIC in the device tree without touching it; returns the version or 0. */
int gic_probe(struct gic_info *info);
/* Probe, set the distributor up and init the calling CPU; returns 2, 3 or 0 (no GIC). */
int gic_init(void);
int gic_version(void);
const struct gic_info *gic_get_info(void);
/* Per-CPU interface and redistributor bring-up on the calling CPU (idempotent). */
void gic_enable_defaults(void);
/* gic_init() on this CPU, then gic_enable_defaults() on every online CPU. */
int gic_init_all_cpus(void);

/* Register addresses, for tests and the ITS. */
void *gic_dist_base(void);
void *gic_cpu_base(void);			/* v2 */
void *gic_redist_base(int cpu);			/* v3: RD_base of a logical CPU */
void *gic_redist_sgi_base(int cpu);		/* v3: its SGI_base */
int gic_nr_redists(void);			/* v3: frames found in the regions */
void *gic_redist_frame(int n);			/* v3: the n-th RD_base, in region order */

/* Per-INTID state. SGIs and PPIs are those of the calling CPU. */
void gic_irq_enable(u32 irq);
void gic_irq_disable(u32 irq);
void gic_irq_set_pending(u32 irq);
void gic_irq_clear_pending(u32 irq);
void gic_irq_set_active(u32 irq);
void gic_irq_clear_active(u32 irq);
bool gic_irq_is_enabled(u32 irq);
bool gic_irq_is_pending(u32 irq);
bool gic_irq_is_active(u32 irq);
void gic_irq_set_priority(u32 irq, u8 prio);
u8 gic_irq_get_priority(u32 irq);
void gic_irq_set_group(u32 irq, int group);
int gic_irq_get_group(u32 irq);
void gic_irq_set_edge(u32 irq, bool edge);	/* ICFGR, SPIs and PPIs */
/* Route an SPI to a logical CPU: v2 GICD_ITARGETSR, v3 GICD_IROUTER. */
void gic_spi_target(u32 irq, int cpu);

/* The CPU interface. */
u32 gic_read_iar(void);
u32 gic_iar_irqnr(u32 iar);
void gic_write_eoir(u32 iar);
void gic_write_dir(u32 iar);
void gic_set_eoi_split(bool split);	/* EOImode: EOIR drops priority only, DIR deactivates */
void gic_set_pmr(u8 pmr);
u8 gic_get_pmr(void);

/* SGIs (INTIDs 0-15) to logical CPUs. */
void gic_ipi_send_single(u32 sgi, int cpu);
void gic_ipi_send_mask(u32 sgi, u64 cpu_mask);	/* bit n: logical CPU n */
void gic_ipi_send_all_but_self(u32 sgi);
/* Logical id of the CPU whose interface number (v2) or affinity (v3) is given. */
int gic_cpu_from_iface(u32 iface);		/* v2: GICC_IAR.CPUID -> logical id */

/*
 * Interrupt handling. @source_cpu is the sender of a v2 SGI (logical id), -1
 * otherwise. Handlers run with IRQs masked; gic_handle_irq() EOIs after they return.
 */
typedef void (*gic_handler_t)(u32 irq, int source_cpu);
/* Register @handler for @irq and enable it (for SGIs/PPIs: on the calling CPU). */
void setup_irq(u32 irq, gic_handler_t handler);
void gic_set_handler(u32 irq, gic_handler_t handler);
/* The arch IRQ vector's C hook: acknowledge, dispatch, EOI. */
void gic_handle_irq(void);
/* Counters of the calling CPU, or of @cpu. */
int gic_spurious_count(int cpu);
int gic_unhandled_count(int cpu);
void gic_reset_counts(void);

#endif
