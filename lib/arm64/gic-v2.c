/*
 * GICv2: memory-mapped distributor and CPU interface (IHI0048B). SGIs and PPIs are
 * banked per CPU inside the distributor itself, so every CPU uses the same frame.
 * Interrupts stay in Group 0, which reaches the CPU as IRQ while GICC_CTLR.FIQEn is 0.
 */
#include <arm64/gic-internal.h>

static u8 read_own_iface_mask(void);

static void v2_dist_init(void)
{
	u8 boot_cpu = read_own_iface_mask() ?: 1;
	u32 irq;

	writel(0, gic_dist + GICD_CTLR);
	for (irq = GIC_FIRST_SPI; irq < gic_found.nr_irqs; irq += 32) {
		writel(~0U, gic_dist + GICD_ICENABLER + irq / 8);
		writel(~0U, gic_dist + GICD_ICPENDR + irq / 8);
		writel(~0U, gic_dist + GICD_ICACTIVER + irq / 8);
	}
	for (irq = GIC_FIRST_SPI; irq < gic_found.nr_irqs; irq += 4) {
		writel(GIC_DEFAULT_PRIORITY * 0x01010101U, gic_dist + GICD_IPRIORITYR + irq);
		writel(boot_cpu * 0x01010101U, gic_dist + GICD_ITARGETSR + irq);
	}
	writel(GICD_CTLR_ENABLE_G0 | GICD_CTLR_ENABLE_G1, gic_dist + GICD_CTLR);
}

/*
 * GICD_ITARGETSR0-7 are read-only and each byte reads as the mask of the CPU
 * interface doing the read (IHI0048B 4.3.12); that is how a CPU learns its number.
 */
static u8 read_own_iface_mask(void)
{
	return readb(gic_dist + GICD_ITARGETSR);
}

static void v2_cpu_init(void)
{
	struct gic_cpu *me = &gic_cpus[smp_processor_id()];
	u32 irq;

	me->v2_iface_mask = read_own_iface_mask();
	if (!me->v2_iface_mask)		/* uniprocessor GIC: ITARGETSR is RAZ */
		me->v2_iface_mask = 1;
	writel(~0U, gic_dist + GICD_ICACTIVER);
	writel(~0U, gic_dist + GICD_ICPENDR);
	for (irq = 0; irq < GIC_FIRST_SPI; irq += 4)
		writel(GIC_DEFAULT_PRIORITY * 0x01010101U, gic_dist + GICD_IPRIORITYR + irq);
	writel(GIC_LOWEST_PMR, gic_cpuif + GICC_PMR);
	writel(0, gic_cpuif + GICC_BPR);
	writel(GICC_CTLR_ENABLE_G0 | GICC_CTLR_ENABLE_G1, gic_cpuif + GICC_CTLR);
}

static void *v2_private_base(void)
{
	return gic_dist;
}

static u32 v2_read_iar(void)
{
	return readl(gic_cpuif + GICC_IAR);
}

static void v2_write_eoir(u32 iar)
{
	writel(iar, gic_cpuif + GICC_EOIR);
}

static void v2_write_dir(u32 iar)
{
	writel(iar, gic_cpuif + GICC_DIR);
}

static void v2_set_eoi_split(bool split)
{
	u32 ctlr = readl(gic_cpuif + GICC_CTLR);

	ctlr = split ? ctlr | GICC_CTLR_EOIMODE : ctlr & ~GICC_CTLR_EOIMODE;
	writel(ctlr, gic_cpuif + GICC_CTLR);
}

static void v2_set_pmr(u8 pmr)
{
	writel(pmr, gic_cpuif + GICC_PMR);
}

static u8 v2_get_pmr(void)
{
	return readl(gic_cpuif + GICC_PMR);
}

static u8 iface_mask_of(u64 cpu_mask)
{
	u8 targets = 0;
	int cpu;

	for (cpu = 0; cpu < nr_cpus; cpu++)
		if (cpu_mask & BIT_ULL(cpu))
			targets |= gic_cpus[cpu].v2_iface_mask;
	return targets;
}

static void v2_ipi_send_mask(u32 sgi, u64 cpu_mask)
{
	writel(GICD_SGIR_FILTER_LIST | GICD_SGIR_TARGETS(iface_mask_of(cpu_mask)) | sgi,
	       gic_dist + GICD_SGIR);
}

static void v2_ipi_send_all_but_self(u32 sgi)
{
	writel(GICD_SGIR_FILTER_OTHERS | sgi, gic_dist + GICD_SGIR);
}

static void v2_spi_target(u32 irq, int cpu)
{
	writeb(gic_cpus[cpu].v2_iface_mask, gic_dist + GICD_ITARGETSR + irq);
}

static int v2_source_cpu(u32 iar)
{
	if (!gic_is_sgi(GICC_IAR_INTID(iar)))
		return -1;
	return gic_cpu_from_iface(GICC_IAR_CPUID(iar));
}

const struct gic_ops gic_v2_ops = {
	.dist_init = v2_dist_init,
	.cpu_init = v2_cpu_init,
	.private_base = v2_private_base,
	.read_iar = v2_read_iar,
	.write_eoir = v2_write_eoir,
	.write_dir = v2_write_dir,
	.set_eoi_split = v2_set_eoi_split,
	.set_pmr = v2_set_pmr,
	.get_pmr = v2_get_pmr,
	.ipi_send_mask = v2_ipi_send_mask,
	.ipi_send_all_but_self = v2_ipi_send_all_but_self,
	.spi_target = v2_spi_target,
	.source_cpu = v2_source_cpu,
};
