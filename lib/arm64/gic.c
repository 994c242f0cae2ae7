/*
 * GIC discovery from the device tree, per-INTID state, and IRQ dispatch: the parts
 * that are the same on v2 and v3. The per-INTID registers (enable, pending, active,
 * priority, group, config) sit at the same offsets in the v2/v3 distributor and the
 * v3 redistributor SGI_base frame (IHI0069 12.10.1), so only the frame differs.
 */
#include <arm64/gic-internal.h>
#include <arm64/devicetree.h>
#include <arm64/processor.h>

struct gic_info gic_found;
void *gic_dist;
void *gic_cpuif;
struct gic_cpu gic_cpus[MAX_CPUS];

static const struct gic_ops *ops;
static struct spinlock gic_rmw_lock;

#define NR_HANDLERS (GIC_MAX_SPI_INTID + 1)
static gic_handler_t handlers[NR_HANDLERS];
static gic_handler_t lpi_handler;

static const char *const v2_compatibles[] = { "arm,cortex-a15-gic", "arm,gic-400" };

static int find_gic_node(int *version)
{
	unsigned int i;
	int node;

	for (i = 0; i < ARRAY_SIZE(v2_compatibles); i++) {
		node = dt_find_compatible(v2_compatibles[i]);
		if (node >= 0) {
			*version = 2;
			return node;
		}
	}
	node = dt_find_compatible("arm,gic-v3");
	*version = node >= 0 ? 3 : 0;
	return node;
}

static int probe_v3_redists(int node, struct gic_info *info)
{
	int i, regions = dt_get_u32(node, "#redistributor-regions", 1);
	u64 base, size;

	for (i = 0; i < regions && i < (int)ARRAY_SIZE(info->redist_base); i++) {
		if (dt_get_reg(node, i + 1, &base, &size))
			break;
		info->redist_base[i] = base;
		info->redist_size[i] = size;
	}
	info->nr_redist_regions = i;
	return i ? 3 : 0;
}

static int probe_from_dt(struct gic_info *info)
{
	int node, version;
	u64 base, size;

	memset(info, 0, sizeof(*info));
	node = find_gic_node(&version);
	if (node < 0 || dt_get_reg(node, 0, &base, &size))
		return 0;
	info->dist_base = base;
	if (version == 3) {
		info->version = probe_v3_redists(node, info);
		return info->version;
	}
	if (dt_get_reg(node, 1, &base, &size))
		return 0;
	info->cpu_base = base;
	info->version = 2;
	return 2;
}

int gic_probe(struct gic_info *info)
{
	return probe_from_dt(info);
}

int gic_version(void)
{
	return gic_found.version;
}

const struct gic_info *gic_get_info(void)
{
	return &gic_found;
}

void *gic_dist_base(void)
{
	return gic_dist;
}

void *gic_cpu_base(void)
{
	return gic_cpuif;
}

static void dispatch_irq(struct pt_regs *regs)
{
	gic_handle_irq();
}

int gic_init(void)
{
	if (ops)
		return gic_found.version;
	if (!gic_probe(&gic_found))
		return 0;
	gic_dist = ioremap(gic_found.dist_base, SZ_64K);
	if (gic_found.version == 2) {
		gic_cpuif = ioremap(gic_found.cpu_base, 2 * SZ_4K);
		ops = &gic_v2_ops;
	} else {
		ops = &gic_v3_ops;
	}
	gic_found.nr_irqs = MIN(32 * (GICD_TYPER_ITLINES(readl(gic_dist + GICD_TYPER)) + 1),
				GIC_MAX_SPI_INTID + 1);
	ops->dist_init();
	install_irq_handler(dispatch_irq);
	gic_enable_defaults();
	return gic_found.version;
}

void gic_enable_defaults(void)
{
	struct gic_cpu *me = &gic_cpus[smp_processor_id()];

	assert_msg(ops, "gic_init() first");
	if (me->ready)
		return;
	me->mpidr = get_mpidr() & MPIDR_HWID_MASK;
	ops->cpu_init();
	smp_wmb();
	WRITE_ONCE(me->ready, true);
}

static void enable_defaults_cb(void *unused)
{
	gic_enable_defaults();
}

int gic_init_all_cpus(void)
{
	int version = gic_init();

	if (version)
		on_cpus(enable_defaults_cb, NULL);
	return version;
}

/* ---- per-INTID registers ---- */

static void *irq_frame(u32 irq)
{
	assert_msg(ops, "gic_init() first");
	assert_msg(irq < gic_found.nr_irqs, "INTID %u does not exist (%u)", irq, gic_found.nr_irqs);
	return gic_is_private(irq) ? ops->private_base() : gic_dist;
}

static void *bit_reg(u32 irq, u32 offset)
{
	return irq_frame(irq) + offset + (irq / 32) * 4;
}

static void set_bit_reg(u32 irq, u32 offset)
{
	writel(BIT(irq % 32), bit_reg(irq, offset));
}

static bool test_bit_reg(u32 irq, u32 offset)
{
	return readl(bit_reg(irq, offset)) & BIT(irq % 32);
}

void gic_irq_enable(u32 irq)
{
	set_bit_reg(irq, GICD_ISENABLER);
}

void gic_irq_disable(u32 irq)
{
	set_bit_reg(irq, GICD_ICENABLER);
	if (ops->wait_for_disable)
		ops->wait_for_disable(irq);
}

void gic_irq_set_pending(u32 irq)
{
	set_bit_reg(irq, GICD_ISPENDR);
}

void gic_irq_clear_pending(u32 irq)
{
	set_bit_reg(irq, GICD_ICPENDR);
}

void gic_irq_set_active(u32 irq)
{
	set_bit_reg(irq, GICD_ISACTIVER);
}

void gic_irq_clear_active(u32 irq)
{
	set_bit_reg(irq, GICD_ICACTIVER);
}

bool gic_irq_is_enabled(u32 irq)
{
	return test_bit_reg(irq, GICD_ISENABLER);
}

bool gic_irq_is_pending(u32 irq)
{
	return test_bit_reg(irq, GICD_ISPENDR);
}

bool gic_irq_is_active(u32 irq)
{
	return test_bit_reg(irq, GICD_ISACTIVER);
}

/* IPRIORITYR is byte-accessible on v2 and v3 (IHI0048B 4.3.11, IHI0069 12.9.18). */
void gic_irq_set_priority(u32 irq, u8 prio)
{
	writeb(prio, irq_frame(irq) + GICD_IPRIORITYR + irq);
}

u8 gic_irq_get_priority(u32 irq)
{
	return readb(irq_frame(irq) + GICD_IPRIORITYR + irq);
}

static void rmw_reg(void *reg, u32 mask, u32 value)
{
	spin_lock(&gic_rmw_lock);
	writel((readl(reg) & ~mask) | (value & mask), reg);
	spin_unlock(&gic_rmw_lock);
}

void gic_irq_set_group(u32 irq, int group)
{
	rmw_reg(bit_reg(irq, GICD_IGROUPR), BIT(irq % 32), group ? BIT(irq % 32) : 0);
}

int gic_irq_get_group(u32 irq)
{
	return test_bit_reg(irq, GICD_IGROUPR);
}

/* ICFGR: two bits per INTID, the upper one set for edge-triggered (IHI0048B 4.3.13). */
void gic_irq_set_edge(u32 irq, bool edge)
{
	void *reg = irq_frame(irq) + GICD_ICFGR + (irq / 16) * 4;
	u32 bit = BIT((irq % 16) * 2 + 1);

	rmw_reg(reg, bit, edge ? bit : 0);
}

void gic_spi_target(u32 irq, int cpu)
{
	assert_msg(irq >= GIC_FIRST_SPI && irq < gic_found.nr_irqs, "INTID %u is no SPI", irq);
	assert_msg(cpu >= 0 && cpu < nr_cpus && gic_cpus[cpu].ready,
		   "cpu %d has not run gic_enable_defaults()", cpu);
	ops->spi_target(irq, cpu);
}

/* ---- CPU interface ---- */

u32 gic_read_iar(void)
{
	return ops->read_iar();
}

u32 gic_iar_irqnr(u32 iar)
{
	return gic_found.version == 2 ? GICC_IAR_INTID(iar) : ICC_IAR_INTID(iar);
}

void gic_write_eoir(u32 iar)
{
	ops->write_eoir(iar);
}

void gic_write_dir(u32 iar)
{
	ops->write_dir(iar);
}

void gic_set_eoi_split(bool split)
{
	ops->set_eoi_split(split);
}

void gic_set_pmr(u8 pmr)
{
	ops->set_pmr(pmr);
}

u8 gic_get_pmr(void)
{
	return ops->get_pmr();
}

static void assert_sgi_target(u32 sgi, int cpu)
{
	assert_msg(sgi < GIC_NR_SGIS, "INTID %u is no SGI", sgi);
	assert_msg(cpu >= 0 && cpu < nr_cpus && gic_cpus[cpu].ready,
		   "cpu %d has not run gic_enable_defaults()", cpu);
}

void gic_ipi_send_single(u32 sgi, int cpu)
{
	assert_sgi_target(sgi, cpu);
	ops->ipi_send_mask(sgi, BIT_ULL(cpu));
}

void gic_ipi_send_mask(u32 sgi, u64 cpu_mask)
{
	int cpu;

	for (cpu = 0; cpu < 64; cpu++)
		if (cpu_mask & BIT_ULL(cpu))
			assert_sgi_target(sgi, cpu);
	ops->ipi_send_mask(sgi, cpu_mask);
}

void gic_ipi_send_all_but_self(u32 sgi)
{
	assert_msg(sgi < GIC_NR_SGIS, "INTID %u is no SGI", sgi);
	ops->ipi_send_all_but_self(sgi);
}

int gic_cpu_from_iface(u32 iface)
{
	int cpu;

	for (cpu = 0; cpu < nr_cpus; cpu++)
		if (gic_cpus[cpu].ready && gic_cpus[cpu].v2_iface_mask == BIT(iface))
			return cpu;
	return -1;
}

/* ---- dispatch ---- */

void gic_set_handler(u32 irq, gic_handler_t handler)
{
	if (irq >= GIC_FIRST_LPI) {
		lpi_handler = handler;
		return;
	}
	assert_msg(irq < NR_HANDLERS, "INTID %u has no handler slot", irq);
	handlers[irq] = handler;
}

void setup_irq(u32 irq, gic_handler_t handler)
{
	gic_set_handler(irq, handler);
	if (irq < GIC_FIRST_LPI)
		gic_irq_enable(irq);
}

static gic_handler_t handler_of(u32 irqnr)
{
	if (irqnr >= GIC_FIRST_LPI)
		return lpi_handler;
	return irqnr < NR_HANDLERS ? handlers[irqnr] : NULL;
}

/*
 * INTIDs 1020-1023 are special (IHI0069 2.2.1): 1023 means nothing was pending
 * (spurious) and carries no EOI; we count 1020-1022 as spurious as well.
 */
void gic_handle_irq(void)
{
	struct gic_cpu *me = &gic_cpus[smp_processor_id()];
	u32 iar = ops->read_iar();
	u32 irqnr = gic_iar_irqnr(iar);
	gic_handler_t handler;

	if (irqnr >= 1020 && irqnr <= GIC_SPURIOUS) {
		me->spurious++;
		return;
	}
	handler = handler_of(irqnr);
	if (handler) {
		handler(irqnr, ops->source_cpu(iar));
	} else {
		me->unhandled++;
		printf("gic: cpu %d: unexpected INTID %u\n", smp_processor_id(), irqnr);
	}
	ops->write_eoir(iar);
}

int gic_spurious_count(int cpu)
{
	return READ_ONCE(gic_cpus[cpu].spurious);
}

int gic_unhandled_count(int cpu)
{
	return READ_ONCE(gic_cpus[cpu].unhandled);
}

void gic_reset_counts(void)
{
	int cpu;

	for (cpu = 0; cpu < MAX_CPUS; cpu++) {
		WRITE_ONCE(gic_cpus[cpu].spurious, 0);
		WRITE_ONCE(gic_cpus[cpu].unhandled, 0);
	}
}
