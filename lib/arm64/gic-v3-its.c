/*
 * ITS discovery, its memory tables, the LPI property and pending tables, and the
 * device / collection objects. The command queue is in gic-v3-its-cmd.c.
 */
#include <clock.h>
#include <arm64/gic-v3-its.h>
#include <arm64/devicetree.h>
#include <arm64/io.h>
#include <arm64/processor.h>
#include <arm64/sysreg.h>

/* How long the ITS may take to finish its work once disabled before it counts as hung. */
#define ITS_QUIESCENT_MS 5000

struct its_info its;

/* Flat tables only; a table is at most 256 pages of its page size (GITS_BASER.Size). */
#define MAX_TABLE_PAGES		256
/* We never need more than these IDs; keeps the flat tables small. */
#define MAX_DEVICE_IDS		(1U << 16)
#define MAX_COLLECTION_IDS	256
/* INTIDs up to 2^16: 57344 LPIs, a 56 KiB property table, 8 KiB pending tables. */
#define MAX_LPI_ID_BITS		16
#define CMDQ_PAGES_ORDER	4	/* 64 KiB: 2048 commands */

static int find_its_node(void)
{
	int gic = dt_find_compatible("arm,gic-v3"), node;

	if (gic < 0)
		return gic;
	for (node = dt_first_subnode(gic); node >= 0; node = dt_next_subnode(node))
		if (dt_node_is_compatible(node, "arm,gic-v3-its"))
			return node;
	return -1;
}

static void decode_typer(void)
{
	u64 typer = its.typer;

	its.itt_entry_size = GITS_TYPER_ITT_ENTRY_SIZE(typer);
	its.event_id_bits = GITS_TYPER_ID_BITS(typer);
	its.device_id_bits = GITS_TYPER_DEV_BITS(typer);
	/* Without CIL, collection IDs are 16 bits wide (IHI0069 12.19.20, CIDbits) */
	its.collection_id_bits = (typer & GITS_TYPER_CIL) ? GITS_TYPER_CID_BITS(typer) : 16;
	its.pta = typer & GITS_TYPER_PTA;
}

bool its_probe(void)
{
	int node = find_its_node();
	u64 base, size;

	if (its.base)
		return true;
	if (node < 0 || dt_get_reg(node, 0, &base, &size))
		return false;
	its.phys = base;
	its.base = ioremap(base, MAX(size, (u64)GITS_FRAMES_SIZE));
	its.typer = readq(its.base + GITS_TYPER);
	its.iidr = readl(its.base + GITS_IIDR);
	its.device_table.index = -1;
	its.collection_table.index = -1;
	decode_typer();
	return true;
}

/* ------------------------------------------------------------ GITS_BASER<n> */

static unsigned int page_size_of(u64 baser)
{
	static const unsigned int sizes[] = { SZ_4K, 16 * SZ_1K, SZ_64K, SZ_64K };

	return sizes[(baser & GITS_BASER_PAGE_SIZE_MASK) >> GITS_BASER_PAGE_SIZE_SHIFT];
}

static u64 page_size_field(unsigned int size)
{
	u64 code = size == SZ_4K ? 0 : size == 16 * SZ_1K ? 1 : 2;

	return code << GITS_BASER_PAGE_SIZE_SHIFT;
}

/*
 * Page_Size may be read-only or accept only some values: the field reads back what the
 * ITS supports (IHI0069 12.19.1). Try 4K, 16K, 64K in turn.
 */
static unsigned int probe_page_size(int n)
{
	static const unsigned int sizes[] = { SZ_4K, 16 * SZ_1K, SZ_64K };
	void *reg = its.base + GITS_BASER(n);
	u64 baser = readq(reg) & ~GITS_BASER_VALID;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		writeq((baser & ~GITS_BASER_PAGE_SIZE_MASK) | page_size_field(sizes[i]), reg);
		if (page_size_of(readq(reg)) == sizes[i])
			return sizes[i];
	}
	return page_size_of(readq(reg));
}

static unsigned int order_of(size_t bytes)
{
	unsigned int order = 0;

	while ((PAGE_SIZE << order) < bytes)
		order++;
	return order;
}

static void clean_to_poc(const void *p, size_t size)
{
	uintptr_t line, end = (uintptr_t)p + size;

	for (line = ALIGN_DOWN((uintptr_t)p, 64); line < end; line += 64)
		asm volatile("dc civac, %0" : : "r"(line) : "memory");
	dsb(ish);
}

static u64 wanted_entries(unsigned int type)
{
	if (type == GITS_BASER_TYPE_DEVICE)
		return MIN(1ULL << its.device_id_bits, (u64)MAX_DEVICE_IDS);
	return MIN(1ULL << its.collection_id_bits, (u64)MAX_COLLECTION_IDS);
}

static bool program_table(int n, unsigned int type, struct its_table *t)
{
	void *reg = its.base + GITS_BASER(n);
	u64 baser, bytes;

	t->index = n;
	t->page_size = probe_page_size(n);
	t->entry_size = GITS_BASER_ENTRY_SIZE(readq(reg));
	bytes = ALIGN_UP(wanted_entries(type) * t->entry_size, (u64)t->page_size);
	t->nr_pages = MIN(bytes / t->page_size, (u64)MAX_TABLE_PAGES);
	t->nr_entries = (u64)t->nr_pages * t->page_size / t->entry_size;
	t->base = alloc_pages(order_of((size_t)t->nr_pages * t->page_size));
	baser = (readq(reg) & (GITS_BASER_RO_MASK | GITS_BASER_PAGE_SIZE_MASK)) |
		GITS_BASER_VALID | GITS_ATTRS_WB_INNER_SHAREABLE |
		((u64)(uintptr_t)t->base & GITS_BASER_PA_MASK) | (t->nr_pages - 1);
	writeq(baser, reg);
	t->baser = readq(reg);
	if ((t->baser & GITS_SHARE_MASK) != GITS_SHARE_INNER)
		its.tables_uncached = true;
	return (t->baser & GITS_BASER_VALID) &&
	       (t->baser & GITS_BASER_PA_MASK) == ((uintptr_t)t->base & GITS_BASER_PA_MASK);
}

bool its_setup_baser_tables(void)
{
	bool ok = true;
	int n;

	assert_msg(!its_is_enabled(), "GITS_BASER<n> are programmed with the ITS disabled");
	for (n = 0; n < GITS_NR_BASERS; n++) {
		unsigned int type = GITS_BASER_TYPE(readq(its.base + GITS_BASER(n)));

		if (type == GITS_BASER_TYPE_DEVICE && its.device_table.index < 0)
			ok &= program_table(n, type, &its.device_table);
		else if (type == GITS_BASER_TYPE_COLLECTION && its.collection_table.index < 0)
			ok &= program_table(n, type, &its.collection_table);
	}
	return ok && its.device_table.index >= 0;
}

/* ------------------------------------------------------------ enable */

bool its_is_enabled(void)
{
	return readl(its.base + GITS_CTLR) & GITS_CTLR_ENABLED;
}

void its_enable(void)
{
	writel(readl(its.base + GITS_CTLR) | GITS_CTLR_ENABLED, its.base + GITS_CTLR);
}

/* After Enabled is cleared the ITS finishes what it was doing, then reads Quiescent. */
void its_disable(void)
{
	writel(readl(its.base + GITS_CTLR) & ~GITS_CTLR_ENABLED, its.base + GITS_CTLR);
	assert_msg(wait_until(readl(its.base + GITS_CTLR) & GITS_CTLR_QUIESCENT, ITS_QUIESCENT_MS),
		   "the ITS never became quiescent");
}

void its_setup_cmdq(void)
{
	its.cmdq_size = PAGE_SIZE << CMDQ_PAGES_ORDER;
	its.cmdq = alloc_pages(CMDQ_PAGES_ORDER);
	its.cmdq_write = 0;
	its.cmdq_broken = false;
	/* Size counts 4 KiB pages, minus one (IHI0069 12.19.2) */
	writeq(GITS_CBASER_VALID | GITS_ATTRS_WB_INNER_SHAREABLE |
	       ((uintptr_t)its.cmdq & GITS_CBASER_PA_MASK) | ((its.cmdq_size / SZ_4K) - 1),
	       its.base + GITS_CBASER);
	if ((readq(its.base + GITS_CBASER) & GITS_SHARE_MASK) != GITS_SHARE_INNER)
		its.tables_uncached = true;
	writeq(0, its.base + GITS_CWRITER);
}

bool its_tables_need_cleaning(void)
{
	return its.tables_uncached;
}

void its_clean_range(const void *p, size_t size)
{
	if (its.tables_uncached)
		clean_to_poc(p, size);
	else
		dsb(ishst);
}

/* ------------------------------------------------------------ LPI tables */

u32 its_nr_lpis(void)
{
	return (1U << its.lpi_id_bits) - GIC_FIRST_LPI;
}

void its_alloc_lpi_tables(void)
{
	u32 dist_bits = GICD_TYPER_IDBITS(readl(gic_dist_base() + GICD_TYPER));
	int cpu;

	if (its.prop_table)
		return;
	its.lpi_id_bits = MIN(dist_bits, (u32)MAX_LPI_ID_BITS);
	its.prop_table = alloc_pages(order_of(its_nr_lpis()));
	memset(its.prop_table, LPI_PROP_DEFAULT_PRIO | LPI_PROP_RES1, its_nr_lpis());
	clean_to_poc(its.prop_table, its_nr_lpis());
	/* one bit per INTID from 0; 64 KiB aligned (IHI0069 12.11.30) */
	for (cpu = 0; cpu < nr_cpus; cpu++)
		its.pend_table[cpu] = alloc_pages(order_of(MAX((1U << its.lpi_id_bits) / 8, SZ_64K)));
}

static u64 gicr_wb_inner_shareable(void)
{
	return GICR_BASER_INNER_WAWB | GICR_BASER_SHARE_INNER;
}

/* PROPBASER and PENDBASER may only change while EnableLPIs is 0 (IHI0069 12.11.27). */
void its_redist_setup_lpi_tables(int cpu)
{
	void *rd = gic_redist_base(cpu);
	u64 prop, pend;

	assert_msg(rd, "cpu %d has no redistributor yet: gic_init_all_cpus() first", cpu);
	its_alloc_lpi_tables();
	prop = ((uintptr_t)its.prop_table & GICR_PROPBASER_PA_MASK) | gicr_wb_inner_shareable() |
	       GICR_PROPBASER_IDBITS(its.lpi_id_bits);
	writeq(prop, rd + GICR_PROPBASER);
	/* the table is all zeroes: PTZ lets the redistributor skip reading it */
	pend = ((uintptr_t)its.pend_table[cpu] & GICR_PENDBASER_PA_MASK) |
	       gicr_wb_inner_shareable() | GICR_PENDBASER_PTZ;
	writeq(pend, rd + GICR_PENDBASER);
	if ((readq(rd + GICR_PROPBASER) & GICR_BASER_SHARE_MASK) != GICR_BASER_SHARE_INNER)
		its.tables_uncached = true;
}

static bool wait_redist_rwp(void *rd)
{
	return wait_until(!(readl(rd + GICR_CTLR) & GICR_CTLR_RWP), 1000);
}

void its_redist_enable_lpis(int cpu)
{
	void *rd = gic_redist_base(cpu);

	writel(readl(rd + GICR_CTLR) | GICR_CTLR_ENABLE_LPIS, rd + GICR_CTLR);
}

/*
 * Clearing EnableLPIs may be refused (GICR_CTLR.CES = 0 allows an implementation to
 * keep it set); when it is accepted, RWP reads 1 until the change took effect
 * (IHI0069 12.11.2).
 */
bool its_redist_disable_lpis(int cpu)
{
	void *rd = gic_redist_base(cpu);

	writel(readl(rd + GICR_CTLR) & ~GICR_CTLR_ENABLE_LPIS, rd + GICR_CTLR);
	if (!wait_redist_rwp(rd))
		return false;
	return !its_redist_lpis_enabled(cpu);
}

bool its_redist_lpis_enabled(int cpu)
{
	return readl(gic_redist_base(cpu) + GICR_CTLR) & GICR_CTLR_ENABLE_LPIS;
}

static u8 *config_byte(u32 intid)
{
	assert_msg(intid >= GIC_FIRST_LPI && intid - GIC_FIRST_LPI < its_nr_lpis(),
		   "INTID %u is not an LPI we have a configuration for", intid);
	return &its.prop_table[intid - GIC_FIRST_LPI];
}

/*
 * Only the configuration byte changes; the redistributors may cache it, so the
 * change takes effect after an INV/INVALL (or GICR_INVLPIR), the caller's job.
 */
void its_lpi_configure(u32 intid, u8 prio, bool enable)
{
	u8 *cfg = config_byte(intid);

	WRITE_ONCE(*cfg, (prio & 0xfc) | LPI_PROP_RES1 | (enable ? LPI_PROP_ENABLED : 0));
	its_clean_range(cfg, 1);
}

void its_lpi_enable(u32 intid)
{
	its_lpi_configure(intid, READ_ONCE(*config_byte(intid)), true);
}

void its_lpi_disable(u32 intid)
{
	its_lpi_configure(intid, READ_ONCE(*config_byte(intid)), false);
}

u8 its_lpi_config(u32 intid)
{
	return READ_ONCE(*config_byte(intid));
}

bool its_lpi_is_pending(int cpu, u32 intid)
{
	const u8 *pend = its.pend_table[cpu];

	if (its.tables_uncached)
		clean_to_poc(pend + intid / 8, 1);
	return READ_ONCE(pend[intid / 8]) & BIT(intid % 8);
}

/* ------------------------------------------------------------ objects */

/* The target of a collection: RD_base's address (PTA=1) or the processor number. */
u64 its_rdbase_of(int cpu)
{
	void *rd = gic_redist_base(cpu);

	if (its.pta)
		return (uintptr_t)rd;
	return GICR_TYPER_PROCNUM(readq(rd + GICR_TYPER));
}

static unsigned int bits_for(unsigned int n)
{
	unsigned int bits = 1;

	while ((1U << bits) < n)
		bits++;
	return bits;
}

/* The ITT: one entry per EventID, at least 256 bytes, 256-byte aligned (IHI0069 5.3.7). */
struct its_device *its_create_device(u32 id, unsigned int nr_events)
{
	struct its_device *dev = calloc(1, sizeof(*dev));

	assert_msg(id < its.device_table.nr_entries, "DeviceID %u beyond the device table (%lu)",
		   id, (unsigned long)its.device_table.nr_entries);
	dev->id = id;
	dev->event_bits = bits_for(nr_events);
	assert_msg(dev->event_bits <= its.event_id_bits, "%u EventIDs: more than the ITS has",
		   nr_events);
	dev->itt_size = MAX((size_t)its.itt_entry_size << dev->event_bits, (size_t)256);
	dev->itt = alloc_pages(order_of(dev->itt_size));
	its_clean_range(dev->itt, dev->itt_size);
	return dev;
}

struct its_collection *its_create_collection(u16 id, int cpu)
{
	struct its_collection *col = calloc(1, sizeof(*col));

	col->id = id;
	col->cpu = cpu;
	col->rdbase = its_rdbase_of(cpu);
	return col;
}

struct its_collection *its_cpu_collection(int cpu)
{
	assert_msg(cpu >= 0 && cpu < nr_cpus, "cpu %d", cpu);
	return &its.cpu_collection[cpu];
}

/* ------------------------------------------------------------ defaults */

static bool lpis_supported(void)
{
	if (!(its.typer & GITS_TYPER_PHYSICAL)) {
		report_info("ITS: GITS_TYPER.Physical is 0: no physical LPIs");
		return false;
	}
	if (!(readq(gic_redist_base(0) + GICR_TYPER) & GICR_TYPER_PLPIS)) {
		report_info("ITS: GICR_TYPER.PLPIS is 0: the redistributors have no LPIs");
		return false;
	}
	return true;
}

static void enable_lpis_everywhere(void)
{
	int cpu;

	for (cpu = 0; cpu < nr_cpus; cpu++) {
		if (its_redist_lpis_enabled(cpu))
			continue;
		its_redist_setup_lpi_tables(cpu);
		if (!(its.lpis_held_off & BIT_ULL(cpu)))
			its_redist_enable_lpis(cpu);
	}
}

void its_hold_lpis_off(u64 cpu_mask)
{
	its.lpis_held_off = cpu_mask;
}

static bool map_cpu_collections(void)
{
	bool ok = true;
	int cpu;

	for (cpu = 0; cpu < nr_cpus; cpu++) {
		struct its_collection *col = &its.cpu_collection[cpu];

		col->id = cpu;
		col->cpu = cpu;
		col->rdbase = its_rdbase_of(cpu);
		ok &= its_send_mapc(col, true);
		ok &= its_send_sync(col);
	}
	return ok;
}

bool its_enable_defaults(void)
{
	if (gic_init_all_cpus() != 3 || !its_probe()) {
		report_info("ITS: no GICv3 ITS in the device tree");
		return false;
	}
	if (!lpis_supported())
		return false;
	if (!its.cmdq) {
		if (!its_setup_baser_tables()) {
			report_fail("ITS: GITS_BASER: device/collection tables could not be set up");
			return false;
		}
		its_setup_cmdq();
	}
	enable_lpis_everywhere();
	its_enable();
	return map_cpu_collections();
}
