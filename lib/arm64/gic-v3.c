/*
 * GICv3: memory-mapped distributor and redistributors, system-register CPU interface
 * (IHI0069). With affinity routing (ARE) on, a CPU's SGIs and PPIs live in the SGI_base
 * frame of its own redistributor, SPIs are routed by GICD_IROUTER, and everything we
 * configure is Group 1 (non-secure), acknowledged through ICC_IAR1_EL1.
 */
#include <arm64/gic-internal.h>

/* CPU interface registers by encoding, so no assembler GIC support is needed. */
#define ICC_PMR_EL1	S3_0_C4_C6_0
#define ICC_DIR_EL1	S3_0_C12_C11_1
#define ICC_SGI1R_EL1	S3_0_C12_C11_5
#define ICC_IAR1_EL1	S3_0_C12_C12_0
#define ICC_EOIR1_EL1	S3_0_C12_C12_1
#define ICC_BPR1_EL1	S3_0_C12_C12_3
#define ICC_CTLR_EL1	S3_0_C12_C12_4
#define ICC_SRE_EL1	S3_0_C12_C12_5
#define ICC_IGRPEN1_EL1	S3_0_C12_C12_7

#define MAX_REDISTS 512
static void *rd_frames[MAX_REDISTS];
static int nr_rd_frames;

static void wait_rwp(void *reg, u32 rwp_bit)
{
	assert_msg(wait_until(!(readl(reg) & rwp_bit), GIC_WAIT_MS),
		   "GIC register write never completed");
}

static void wait_dist_rwp(void)
{
	wait_rwp(gic_dist + GICD_CTLR, GICD_CTLR_RWP);
}

/* A frame is 2x64K (RD_base + SGI_base), 4x64K when it also has the v4 VLPI frames. */
static u64 redist_stride(u64 typer)
{
	return (typer & GICR_TYPER_VLPIS) ? 4 * GICR_FRAME_SIZE : 2 * GICR_FRAME_SIZE;
}

static void map_region(phys_addr_t base, u64 size)
{
	void *rd = ioremap(base, size);
	void *end = rd + size;
	u64 typer;

	while (rd < end && nr_rd_frames < MAX_REDISTS) {
		rd_frames[nr_rd_frames++] = rd;
		typer = readq(rd + GICR_TYPER);
		if (typer & GICR_TYPER_LAST)
			break;
		rd += redist_stride(typer);
	}
}

static void find_redistributors(void)
{
	int i;

	for (i = 0; i < gic_found.nr_redist_regions; i++)
		map_region(gic_found.redist_base[i], gic_found.redist_size[i]);
}

static u32 mpidr_to_affinity(u64 mpidr)
{
	return (mpidr & 0xffffff) | ((mpidr >> 32) & 0xff) << 24;
}

static void *redist_of_mpidr(u64 mpidr)
{
	u32 aff = mpidr_to_affinity(mpidr);
	int i;

	for (i = 0; i < nr_rd_frames; i++)
		if (GICR_TYPER_AFFINITY(readq(rd_frames[i] + GICR_TYPER)) == aff)
			return rd_frames[i];
	return NULL;
}

static void v3_dist_init(void)
{
	u64 route = get_mpidr() & MPIDR_HWID_MASK;
	u32 irq;

	writel(0, gic_dist + GICD_CTLR);
	wait_dist_rwp();
	for (irq = GIC_FIRST_SPI; irq < gic_found.nr_irqs; irq += 32) {
		writel(~0U, gic_dist + GICD_ICENABLER + irq / 8);
		writel(~0U, gic_dist + GICD_ICPENDR + irq / 8);
		writel(~0U, gic_dist + GICD_ICACTIVER + irq / 8);
		writel(~0U, gic_dist + GICD_IGROUPR + irq / 8);
	}
	wait_dist_rwp();
	for (irq = GIC_FIRST_SPI; irq < gic_found.nr_irqs; irq += 4)
		writel(GIC_DEFAULT_PRIORITY * 0x01010101U, gic_dist + GICD_IPRIORITYR + irq);
	/*
	 * Bits 0, 1 and 4 enable both groups and affinity routing whether the GIC has a
	 * single security state (DS=1: EnableGrp0, EnableGrp1, ARE) or we are its
	 * non-secure side (EnableGrp1, EnableGrp1A, ARE_NS) (IHI0069 12.9.4).
	 */
	writel(GICD_CTLR_ARE | GICD_CTLR_ENABLE_G1 | GICD_CTLR_ENABLE_G0, gic_dist + GICD_CTLR);
	wait_dist_rwp();
	for (irq = GIC_FIRST_SPI; irq < gic_found.nr_irqs; irq++)
		writeq(route, gic_dist + GICD_IROUTER + irq * 8);
	find_redistributors();
}

/* Clearing ProcessorSleep powers the redistributor's interface up (IHI0069 12.11.42). */
static void wake_redistributor(void *rd)
{
	writel(readl(rd + GICR_WAKER) & ~GICR_WAKER_PROCESSOR_SLEEP, rd + GICR_WAKER);
	assert_msg(wait_until(!(readl(rd + GICR_WAKER) & GICR_WAKER_CHILDREN_ASLEEP), GIC_WAIT_MS),
		   "redistributor never woke up");
}

static void init_private_irqs(void *sgi)
{
	u32 irq;

	writel(~0U, sgi + GICR_ICENABLER0);
	wait_rwp(sgi - GICR_SGI_BASE_OFFSET + GICR_CTLR, GICR_CTLR_RWP);
	writel(~0U, sgi + GICR_ICPENDR0);
	writel(~0U, sgi + GICR_ICACTIVER0);
	writel(~0U, sgi + GICR_IGROUPR0);
	for (irq = 0; irq < GIC_FIRST_SPI; irq += 4)
		writel(GIC_DEFAULT_PRIORITY * 0x01010101U, sgi + GICR_IPRIORITYR0 + irq);
}

static void init_cpu_interface(void)
{
	write_sysreg(read_sysreg(ICC_SRE_EL1) | ICC_SRE_SRE, ICC_SRE_EL1);
	isb();
	assert_msg(read_sysreg(ICC_SRE_EL1) & ICC_SRE_SRE,
		   "the GICv3 system register interface cannot be enabled at EL1");
	write_sysreg(GIC_LOWEST_PMR, ICC_PMR_EL1);
	write_sysreg(0, ICC_BPR1_EL1);
	write_sysreg(read_sysreg(ICC_CTLR_EL1) & ~ICC_CTLR_EOIMODE, ICC_CTLR_EL1);
	write_sysreg(1, ICC_IGRPEN1_EL1);
	isb();
}

static void v3_cpu_init(void)
{
	struct gic_cpu *me = &gic_cpus[smp_processor_id()];

	me->rd_base = redist_of_mpidr(me->mpidr);
	assert_msg(me->rd_base, "no redistributor for MPIDR %#lx", (unsigned long)me->mpidr);
	wake_redistributor(me->rd_base);
	init_private_irqs(me->rd_base + GICR_SGI_BASE_OFFSET);
	init_cpu_interface();
}

static void *v3_private_base(void)
{
	return gic_cpus[smp_processor_id()].rd_base + GICR_SGI_BASE_OFFSET;
}

static void v3_wait_for_disable(u32 irq)
{
	if (gic_is_private(irq))
		wait_rwp(gic_cpus[smp_processor_id()].rd_base + GICR_CTLR, GICR_CTLR_RWP);
	else
		wait_dist_rwp();
}

static u32 v3_read_iar(void)
{
	u32 iar = read_sysreg(ICC_IAR1_EL1);

	/* the handler's loads of what the sender published come after the acknowledge */
	dsb(sy);
	return iar;
}

static void v3_write_eoir(u32 iar)
{
	write_sysreg(iar, ICC_EOIR1_EL1);
	isb();
}

static void v3_write_dir(u32 iar)
{
	write_sysreg(iar, ICC_DIR_EL1);
	isb();
}

static void v3_set_eoi_split(bool split)
{
	u64 ctlr = read_sysreg(ICC_CTLR_EL1);

	ctlr = split ? ctlr | ICC_CTLR_EOIMODE : ctlr & ~ICC_CTLR_EOIMODE;
	write_sysreg(ctlr, ICC_CTLR_EL1);
	isb();
}

static void v3_set_pmr(u8 pmr)
{
	write_sysreg(pmr, ICC_PMR_EL1);
	isb();
}

static u8 v3_get_pmr(void)
{
	return read_sysreg(ICC_PMR_EL1);
}

/*
 * ICC_SGI1R_EL1 names up to 16 CPUs of one Aff3.Aff2.Aff1 cluster at a time: the
 * TargetList bit is Aff0 % 16 and RS selects Aff0 / 16 (IHI0069 12.2.23).
 */
static u64 sgi1r_cluster(u64 mpidr)
{
	return ICC_SGI1R_AFF3(mpidr >> 32) | ICC_SGI1R_AFF2(mpidr >> 16) |
	       ICC_SGI1R_AFF1(mpidr >> 8) | ICC_SGI1R_RS((mpidr & 0xff) >> 4);
}

static u64 take_cluster(u64 *cpu_mask, u64 cluster, u16 *targets)
{
	int cpu;

	*targets = 0;
	for (cpu = 0; cpu < nr_cpus; cpu++) {
		if (!(*cpu_mask & BIT_ULL(cpu)) || sgi1r_cluster(gic_cpus[cpu].mpidr) != cluster)
			continue;
		*targets |= BIT(gic_cpus[cpu].mpidr & 0xf);
		*cpu_mask &= ~BIT_ULL(cpu);
	}
	return cluster;
}

static void write_sgi1r(u64 value)
{
	dsb(ishst);	/* what the receiver will read is visible before the SGI */
	write_sysreg(value, ICC_SGI1R_EL1);
	isb();
}

static void v3_ipi_send_mask(u32 sgi, u64 cpu_mask)
{
	u64 cluster;
	u16 targets;
	int cpu;

	for (cpu = 0; cpu < nr_cpus && cpu_mask; cpu++) {
		if (!(cpu_mask & BIT_ULL(cpu)))
			continue;
		cluster = take_cluster(&cpu_mask, sgi1r_cluster(gic_cpus[cpu].mpidr), &targets);
		write_sgi1r(cluster | ICC_SGI1R_INTID(sgi) | ICC_SGI1R_TARGETS(targets));
	}
}

static void v3_ipi_send_all_but_self(u32 sgi)
{
	write_sgi1r(ICC_SGI1R_IRM | ICC_SGI1R_INTID(sgi));
}

static void v3_spi_target(u32 irq, int cpu)
{
	writeq(gic_cpus[cpu].mpidr & MPIDR_HWID_MASK, gic_dist + GICD_IROUTER + irq * 8);
}

static int v3_source_cpu(u32 iar)
{
	return -1;
}

void *gic_redist_base(int cpu)
{
	return gic_cpus[cpu].rd_base;
}

void *gic_redist_sgi_base(int cpu)
{
	return gic_cpus[cpu].rd_base ? gic_cpus[cpu].rd_base + GICR_SGI_BASE_OFFSET : NULL;
}

int gic_nr_redists(void)
{
	return nr_rd_frames;
}

void *gic_redist_frame(int n)
{
	return n >= 0 && n < nr_rd_frames ? rd_frames[n] : NULL;
}

const struct gic_ops gic_v3_ops = {
	.dist_init = v3_dist_init,
	.cpu_init = v3_cpu_init,
	.private_base = v3_private_base,
	.wait_for_disable = v3_wait_for_disable,
	.read_iar = v3_read_iar,
	.write_eoir = v3_write_eoir,
	.write_dir = v3_write_dir,
	.set_eoi_split = v3_set_eoi_split,
	.set_pmr = v3_set_pmr,
	.get_pmr = v3_get_pmr,
	.ipi_send_mask = v3_ipi_send_mask,
	.ipi_send_all_but_self = v3_ipi_send_all_but_self,
	.spi_target = v3_spi_target,
	.source_cpu = v3_source_cpu,
};
