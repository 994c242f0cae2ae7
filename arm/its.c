/*
 * GICv3 ITS tests, one sub-test per run (argv[1]):
 *   its-introspection  the ITS's ID registers, ID spaces, GITS_BASER tables, command
 *           queue, and the redistributors' LPI enable
 *   its-trigger  (4+ cpus) ITS commands end to end: INT raises the mapped LPI on the
 *           target cpu only; INV/INVALL, CLEAR, MOVI, MOVALL, DISCARD, MAPD/MAPC V=0;
 *           EventIDs 0, 20, 255 of a device with 8 EventID bits, and 256 mapping nothing
 *   its-migration  (4+ cpus, under the migration harness) mappings made before a
 *           migration deliver the same LPIs to the same cpus after it
 *   its-pending-migration  LPIs left pending (disabled) on two cpus across a
 *           migration are all delivered, once, after it; so are 256 LPIs whose bits
 *           were written into the pending tables of two cpus with LPIs still off
 *   its-migrate-unmapped-collection  a collection left unmapped across a migration
 *           can be mapped afterwards and routes its LPIs; the LPI configuration and
 *           an older route survive; unmapping it again silences the event, and an
 *           event remapped to a new LPI meanwhile delivers that LPI once it is mapped
 * Each needs a GICv3 with an ITS (arm/run picks gic-version=3 for its-* arguments);
 * the prefix names the GIC version the device tree describes.
 */
#include "gic-test.h"
#include <migrate.h>
#include <arm64/gic-v3-its.h>
#include <arm64/processor.h>

#define LPI_WAIT_MS	2000
#define LPI_QUIET_MS	200	/* how long "nothing arrived" is watched for */
#define TRACKED_LPIS	1024

/* lpi_hits[cpu][n]: LPI 8192 + n taken by cpu */
static int lpi_hits[MAX_CPUS][TRACKED_LPIS];
static int lpi_untracked[MAX_CPUS];

static void lpi_handler(u32 irq, int source_cpu)
{
	int me = smp_processor_id();
	u32 n = irq - GIC_FIRST_LPI;

	if (n < TRACKED_LPIS)
		atomic_inc_return(&lpi_hits[me][n]);
	else
		atomic_inc_return(&lpi_untracked[me]);
}

static void irqs_on(void *unused)
{
	local_irq_enable();
}

static void irqs_off(void *unused)
{
	local_irq_disable();
}

static void reset_lpi_counts(void)
{
	memset(lpi_hits, 0, sizeof(lpi_hits));
	smp_mb();
}

static int lpi_count(int cpu, u32 lpi)
{
	return atomic_read(&lpi_hits[cpu][lpi - GIC_FIRST_LPI]);
}

static int lpi_count_all(u32 lpi)
{
	int cpu, sum = 0;

	for (cpu = 0; cpu < nr_cpus; cpu++)
		sum += lpi_count(cpu, lpi);
	return sum;
}

/* @lpi arrives @times on @cpu, and then nowhere else within a settle period. */
static bool lpi_arrived_only_on(u32 lpi, int cpu, int times)
{
	bool ok;
	int c;

	wait_for_count(&lpi_hits[cpu][lpi - GIC_FIRST_LPI], times, LPI_WAIT_MS);
	mdelay(50);
	ok = lpi_count(cpu, lpi) == times && lpi_count_all(lpi) == times;
	if (!ok)
		for (c = 0; c < nr_cpus; c++)
			if (lpi_count(c, lpi))
				report_info("LPI %u: %d on cpu %d", lpi, lpi_count(c, lpi), c);
	return ok;
}

static bool lpi_silent(u32 lpi)
{
	mdelay(LPI_QUIET_MS);
	return lpi_count_all(lpi) == 0;
}

/* A (device, event) pair and what it is mapped to. */
struct its_route {
	struct its_device *dev;
	u32 event;
	u32 lpi;
	int cpu;
};

static bool route_map(struct its_route *r)
{
	struct its_collection *col = its_cpu_collection(r->cpu);
	bool ok;

	if (r->lpi == r->event)
		ok = its_send_mapi(r->dev, r->event, col);
	else
		ok = its_send_mapti(r->dev, r->event, r->lpi, col);
	its_lpi_configure(r->lpi, LPI_PROP_DEFAULT_PRIO, true);
	return ok && its_send_inv(r->dev, r->event) && its_send_sync(col);
}

/* INT, then SYNC on the target so the redistributor has it before we watch. */
static bool route_fire(struct its_route *r)
{
	reset_lpi_counts();
	return its_send_int(r->dev, r->event) && its_send_sync(its_cpu_collection(r->cpu));
}

static bool route_delivers(struct its_route *r)
{
	return route_fire(r) && lpi_arrived_only_on(r->lpi, r->cpu, 1);
}

static bool route_silent(struct its_route *r)
{
	return route_fire(r) && lpi_silent(r->lpi);
}

static void route_set_enabled(struct its_route *r, bool enable)
{
	its_lpi_configure(r->lpi, LPI_PROP_DEFAULT_PRIO, enable);
}

/* NULL when the ITS is enabled with LPIs routed to lpi_handler, else why it is not. */
static const char *its_unusable(void)
{
	if (gic_version() != 3)
		return "the ITS needs a GICv3";
	if (!its_enable_defaults())
		return "no usable ITS (see INFO above)";
	gic_set_handler(GIC_FIRST_LPI, lpi_handler);
	return NULL;
}

/* The ITS tests' subject: without 4 CPUs and a usable ITS, the whole test is a SKIP. */
static void require_4_cpus(void)
{
	if (nr_cpus < 4)
		report_skip_all("needs 4 cpus, have %d", nr_cpus);
}

static void require_its(void)
{
	const char *why = its_unusable();

	if (why)
		report_skip_all("%s", why);
}

/* ---- its-introspection ---- */

static void check_read_only64(void *reg, const char *name)
{
	u64 before = readq(reg);

	writeq(~before, reg);
	report(readq(reg) == before, "%s is read-only (%#lx)", name, (unsigned long)before);
	writeq(before, reg);
}

/* CIDbits is RES0 unless CIL says the ITS has fewer than 16 (IHI0069 12.19.20). */
static void check_id_spaces(void)
{
	u64 typer = its.typer;

	report_info("DeviceID bits %u, EventID bits %u, collection ID bits %u (CIL %d), HCC %u, "
		    "ITT entry %u bytes, targets by %s", its.device_id_bits, its.event_id_bits,
		    its.collection_id_bits, !!(typer & GITS_TYPER_CIL), GITS_TYPER_HCC(typer),
		    its.itt_entry_size, its.pta ? "address (PTA=1)" : "processor number (PTA=0)");
	report(typer & GITS_TYPER_PHYSICAL, "GITS_TYPER.Physical: physical LPIs supported");
	if (typer & GITS_TYPER_CIL)
		report(its.collection_id_bits <= 16, "CIL=1: CIDbits gives at most 16 bits");
	else
		report(((typer >> 32) & 0xf) == 0, "CIL=0: CIDbits is RES0 and reads 0");
	report(GITS_TYPER_HCC(typer) <= (1U << its.collection_id_bits),
	       "HCC fits in the collection ID space");
	/* an ITT entry names at least an LPI (14+ bits) and a collection (16 bits or CIDbits) */
	report(its.itt_entry_size * 8 >= 14 + its.collection_id_bits,
	       "an ITT entry (%u bytes) can hold an LPI INTID and a collection ID",
	       its.itt_entry_size);
}

/*
 * Type and Entry_Size are read-only (IHI0069 12.19.1). Checked before the ITS is
 * enabled: writing GITS_BASER<n> while it is enabled is UNPREDICTABLE.
 */
static void check_baser_fields_read_only(void)
{
	int n;

	for (n = 0; n < GITS_NR_BASERS; n++) {
		void *reg = its.base + GITS_BASER(n);
		u64 before = readq(reg);

		if (!GITS_BASER_TYPE(before))
			continue;
		writeq(before ^ GITS_BASER_RO_MASK, reg);
		report((readq(reg) & GITS_BASER_RO_MASK) == (before & GITS_BASER_RO_MASK),
		       "GITS_BASER%d (type %u): Type and Entry_Size are read-only", n,
		       GITS_BASER_TYPE(before));
		writeq(before, reg);
	}
}

static void check_table(const struct its_table *t, const char *name, unsigned int min_entry)
{
	u64 want_pa = (uintptr_t)t->base & GITS_BASER_PA_MASK;

	report_prefix_push(name);
	report(t->index >= 0, "found in a GITS_BASER<n>");
	if (t->index < 0) {
		report_prefix_pop();
		return;
	}
	report_info("GITS_BASER%d %#lx: entry %u bytes, %u pages of %u KiB, %lu entries",
		    t->index, (unsigned long)t->baser, t->entry_size, t->nr_pages,
		    t->page_size / 1024, (unsigned long)t->nr_entries);
	report(t->entry_size >= min_entry, "an entry (%u bytes) can hold its content (%u)",
	       t->entry_size, min_entry);
	report((t->baser & GITS_BASER_VALID) && (t->baser & GITS_BASER_PA_MASK) == want_pa,
	       "reads back Valid and the table's address");
	report((t->baser & GITS_BASER_SIZE_MASK) == t->nr_pages - 1, "reads back Size");
	report(!(t->baser & GITS_BASER_INDIRECT), "flat (Indirect reads 0)");
	report_prefix_pop();
}

static void check_baser_tables(void)
{
	/* a device entry holds an ITT address [51:8], its size (5 bits) and a valid bit */
	check_table(&its.device_table, "device table", 7);
	if (its.collection_table.index >= 0)
		/* a collection entry: a valid bit and an address [51:16] or a processor number */
		check_table(&its.collection_table, "collection table", its.pta ? 5 : 3);
	else
		report(GITS_TYPER_HCC(its.typer) >= nr_cpus,
		       "no collection table: HCC (%u) covers our %d collections",
		       GITS_TYPER_HCC(its.typer), nr_cpus);
}

static void check_cmdq(void)
{
	u64 cbaser = readq(its.base + GITS_CBASER);
	u64 before;

	report_prefix_push("command queue");
	report((cbaser & GITS_CBASER_VALID) &&
	       (cbaser & GITS_CBASER_PA_MASK) == ((uintptr_t)its.cmdq & GITS_CBASER_PA_MASK),
	       "GITS_CBASER reads back Valid and the queue's address");
	report(its_is_enabled(), "GITS_CTLR.Enabled reads 1");
	before = readq(its.base + GITS_CREADR);
	report(its_send_sync(its_cpu_collection(0)) &&
	       readq(its.base + GITS_CREADR) == ((before + 32) % its.cmdq_size),
	       "a SYNC moves GITS_CREADR on by one 32-byte command");
	report_prefix_pop();
}

/* EnableLPIs may stay set once set unless GICR_CTLR.CES is 1 (IHI0069 12.11.2). */
static void check_redist_lpi_enable(void)
{
	int cpu = nr_cpus - 1;
	u32 ctlr = readl(gic_redist_base(cpu) + GICR_CTLR);
	bool cleared;

	report_prefix_pushf("redistributor of cpu %d", cpu);
	report(ctlr & GICR_CTLR_ENABLE_LPIS, "GICR_CTLR.EnableLPIs reads 1 after enabling");
	cleared = its_redist_disable_lpis(cpu);
	report_info("GICR_CTLR %#x, CES=%d; after writing EnableLPIs=0 and waiting for RWP: "
		    "EnableLPIs reads %d", ctlr, !!(ctlr & GICR_CTLR_CES),
		    its_redist_lpis_enabled(cpu));
	if (ctlr & GICR_CTLR_CES)
		report(cleared, "CES=1: EnableLPIs can be cleared");
	if (cleared) {
		its_redist_enable_lpis(cpu);
		report(its_redist_lpis_enabled(cpu), "EnableLPIs can be set again");
	}
	report_prefix_pop();
}

/*
 * A command error (here: INT for a DeviceID never mapped) is either ignored or stalls
 * the queue with GITS_CREADR.Stalled (IHI0069 5.3.2); the ITS must not just stop.
 * Run last: after a stall the library sends nothing more.
 */
static void check_command_error(void)
{
	u64 cmd[4] = { ITS_CMD_INT | ((u64)(its.device_table.nr_entries - 1) << 32), 0, 0, 0 };
	static const char *const outcome[] = { "consumed (ignored)", "stalled", "timed out",
					       "not sent" };
	enum its_cmd_result res = its_submit_raw(cmd);

	report_prefix_push("command error");
	report_info("INT for unmapped DeviceID %lu: %s, GITS_CREADR %#lx",
		    (unsigned long)its.device_table.nr_entries - 1, outcome[res],
		    (unsigned long)its.last_creadr);
	report(res == ITS_CMD_DONE || res == ITS_CMD_STALLED,
	       "INT for an unmapped device is ignored or stalls the queue");
	if (res == ITS_CMD_DONE) {
		its.cmdq_broken = false;
		report(its_send_sync(its_cpu_collection(0)), "the queue keeps working after it");
	}
	report_prefix_pop();
}

static void test_its_introspection(int argc, char **argv)
{
	const char *why;

	gic_test_begin(argv[0]);
	if (gic_version() != 3 || !its_probe())
		report_skip_all("no ITS in the device tree");
	report_info("ITS at %#lx, GITS_IIDR %#x, GITS_TYPER %#lx", (unsigned long)its.phys,
		    its.iidr, (unsigned long)its.typer);
	check_read_only(its.base + GITS_IIDR, "GITS_IIDR");
	check_read_only64(its.base + GITS_TYPER, "GITS_TYPER");
	check_id_spaces();
	if (!its_is_enabled())
		check_baser_fields_read_only();
	why = its_unusable();
	if (why) {
		/* the ITS was there to introspect: only the claims that need it enabled skip */
		report_skip("%s", why);
		return;
	}
	check_baser_tables();
	check_cmdq();
	check_redist_lpi_enable();
	check_command_error();
}

/* ---- its-trigger ---- */

#define DEV_A_ID	2	/* one event per cpu, event n -> cpu n */
#define DEV_B_ID	5	/* two events on cpus 1 and 3 */
#define DEV_C_ID	9	/* MAPI: EventID == LPI INTID */
#define LPI_A(n)	(GIC_FIRST_LPI + (n))
#define LPI_B(n)	(GIC_FIRST_LPI + 32 + (n))
#define LPI_C		(GIC_FIRST_LPI + 40)
#define NR_A_EVENTS	4

static struct its_route route_a[NR_A_EVENTS], route_b[2], route_c;
static bool have_mapi;

static bool setup_routes(void)
{
	struct its_device *a = its_create_device(DEV_A_ID, NR_A_EVENTS);
	struct its_device *b = its_create_device(DEV_B_ID, 2);
	bool ok = its_send_mapd(a, true) && its_send_mapd(b, true);
	int n;

	for (n = 0; n < NR_A_EVENTS; n++) {
		route_a[n] = (struct its_route){ a, n, LPI_A(n), n };
		ok &= route_map(&route_a[n]);
	}
	route_b[0] = (struct its_route){ b, 0, LPI_B(0), 1 };
	route_b[1] = (struct its_route){ b, 1, LPI_B(1), 3 };
	ok &= route_map(&route_b[0]) && route_map(&route_b[1]);
	/* MAPI needs EventIDs as large as the LPI INTID */
	have_mapi = its.event_id_bits >= 14;
	if (have_mapi) {
		struct its_device *c = its_create_device(DEV_C_ID, LPI_C + 1);

		route_c = (struct its_route){ c, LPI_C, LPI_C, 2 };
		ok &= its_send_mapd(c, true) && route_map(&route_c);
	}
	return ok;
}

static void check_route(struct its_route *r, const char *how)
{
	report(route_delivers(r), "%s dev %u event %u: LPI %u on cpu %d only", how, r->dev->id,
	       r->event, r->lpi, r->cpu);
}

static void trigger_int(void)
{
	int n;

	report_prefix_push("int");
	for (n = 0; n < NR_A_EVENTS; n++)
		check_route(&route_a[n], "MAPTI");
	check_route(&route_b[0], "MAPTI");
	check_route(&route_b[1], "MAPTI");
	if (have_mapi)
		check_route(&route_c, "MAPI");
	else
		report_skip("MAPI: the ITS has %u EventID bits, LPI %u needs 14",
			    its.event_id_bits, LPI_C);
	report_prefix_pop();
}

static void trigger_inv(void)
{
	struct its_route *r = &route_a[1];

	report_prefix_push("inv");
	route_set_enabled(r, false);
	its_send_inv(r->dev, r->event);
	report(route_silent(r), "disabled in the property table + INV: INT raises nothing");
	route_set_enabled(r, true);
	reset_lpi_counts();
	its_send_inv(r->dev, r->event);
	report(lpi_arrived_only_on(r->lpi, r->cpu, 1),
	       "re-enabled + INV: the LPI left pending is delivered once, on cpu %d", r->cpu);
	report(route_delivers(r), "re-enabled: a new INT is delivered");
	report_prefix_pop();
}

/* route_a[3] and route_b[1] both go to cpu 3's collection */
static void trigger_invall(void)
{
	struct its_route *r1 = &route_a[3], *r2 = &route_b[1];
	struct its_collection *col = its_cpu_collection(3);

	report_prefix_push("invall");
	route_set_enabled(r1, false);
	route_set_enabled(r2, false);
	its_send_invall(col);
	report(route_silent(r1) && route_silent(r2),
	       "both LPIs of collection 3 disabled + INVALL: INT raises nothing");
	route_set_enabled(r1, true);
	route_set_enabled(r2, true);
	reset_lpi_counts();
	its_send_invall(col);
	report(lpi_arrived_only_on(r1->lpi, 3, 1) && lpi_arrived_only_on(r2->lpi, 3, 1),
	       "re-enabled + INVALL: both pending LPIs are delivered once, on cpu 3");
	report(route_delivers(r1) && route_delivers(r2), "re-enabled: new INTs are delivered");
	report_prefix_pop();
}

static void trigger_clear(void)
{
	struct its_route *r = &route_a[2];

	report_prefix_push("clear");
	route_set_enabled(r, false);
	its_send_inv(r->dev, r->event);
	route_fire(r);
	its_send_clear(r->dev, r->event);
	route_set_enabled(r, true);
	its_send_inv(r->dev, r->event);
	its_send_sync(its_cpu_collection(r->cpu));
	report(lpi_silent(r->lpi), "INT while disabled, CLEAR, re-enable + INV: nothing arrives");
	report(route_delivers(r), "a new INT is delivered");
	report_prefix_pop();
}

static void move_route(struct its_route *r, int cpu)
{
	its_send_movi(r->dev, r->event, its_cpu_collection(cpu));
	its_send_sync(its_cpu_collection(r->cpu));
	r->cpu = cpu;
}

static void trigger_movi(void)
{
	struct its_route *r = &route_a[0];

	report_prefix_push("movi");
	move_route(r, 2);
	check_route(r, "after MOVI to collection 2:");
	/* a pending LPI moves with its mapping (IHI0069 5.3.12) */
	route_set_enabled(r, false);
	its_send_inv(r->dev, r->event);
	route_fire(r);
	move_route(r, 3);
	route_set_enabled(r, true);
	reset_lpi_counts();
	its_send_inv(r->dev, r->event);
	report(lpi_arrived_only_on(r->lpi, 3, 1),
	       "an LPI pending at MOVI is delivered on the new target, cpu 3");
	move_route(r, 0);
	check_route(r, "after MOVI back to collection 0:");
	report_prefix_pop();
}

/*
 * Retargeting a collection: MAPC to the new redistributor, then MOVALL moves what is
 * pending at the old one (IHI0069 5.3.11); the LPI must then arrive at the new one only.
 */
static void trigger_movall(void)
{
	struct its_route *r = &route_b[0];
	struct its_collection *col = its_cpu_collection(1), moved = *col;

	report_prefix_push("movall");
	moved.cpu = 3;
	moved.rdbase = its_rdbase_of(3);
	route_set_enabled(r, false);
	its_send_inv(r->dev, r->event);
	route_fire(r);
	its_send_mapc(&moved, true);
	its_send_movall(1, 3);
	its_send_sync(&moved);
	route_set_enabled(r, true);
	reset_lpi_counts();
	its_send_inv(r->dev, r->event);
	report(lpi_arrived_only_on(r->lpi, 3, 1),
	       "collection 1 moved to cpu 3 (MAPC + MOVALL): the pending LPI arrives on cpu 3 only");
	its_send_mapc(col, true);
	its_send_sync(col);
	check_route(r, "collection 1 back on cpu 1:");
	report_prefix_pop();
}

static void trigger_discard(void)
{
	struct its_route *r = &route_b[0];

	report_prefix_push("discard");
	its_send_discard(r->dev, r->event);
	report(route_silent(r), "after DISCARD, INT raises nothing");
	route_map(r);
	check_route(r, "mapped again:");
	report_prefix_pop();
}

static void trigger_mapd_invalid(void)
{
	struct its_device *old = route_b[0].dev, *fresh;
	int n;

	report_prefix_push("mapd-invalid");
	its_send_mapd(old, false);
	report(route_silent(&route_b[0]) && route_silent(&route_b[1]),
	       "device %u unmapped (MAPD V=0): its events raise nothing", old->id);
	/* after V=0 the old ITT's content is not to be relied on: start from a new one */
	fresh = its_create_device(DEV_B_ID, 2);
	its_send_mapd(fresh, true);
	for (n = 0; n < 2; n++) {
		route_b[n].dev = fresh;
		route_map(&route_b[n]);
	}
	check_route(&route_b[0], "mapped again (new ITT):");
	check_route(&route_b[1], "mapped again (new ITT):");
	report_prefix_pop();
}

static void trigger_mapc_invalid(void)
{
	struct its_route *r = &route_a[3];
	struct its_collection *col = its_cpu_collection(3);

	report_prefix_push("mapc-invalid");
	its_send_mapc(col, false);
	its_send_sync(its_cpu_collection(0));
	reset_lpi_counts();
	its_send_int(r->dev, r->event);
	its_send_sync(its_cpu_collection(0));
	report(lpi_silent(r->lpi), "collection 3 unmapped (MAPC V=0): INT raises nothing");
	its_send_mapc(col, true);
	check_route(r, "collection 3 mapped again:");
	report_prefix_pop();
}

#define DEV_EDGE_ID	17	/* 8 EventID bits: events 0 .. 255 */
#define EDGE_EVENT_BITS	8
#define LPI_EDGE(n)	(GIC_FIRST_LPI + 48 + (n))

static const u32 edge_events[] = { 0, 20, 255 };

/*
 * A property-table change without INV: the redistributor may cache LPI configuration
 * (IHI0069 5.1.1), so it may or may not see the change before INV: printed, not claimed.
 * After INV it must (trigger_inv claims that).
 */
static void observe_config_without_inv(struct its_route *r)
{
	route_set_enabled(r, false);
	route_fire(r);
	mdelay(LPI_QUIET_MS);
	report_info("LPI %u disabled in the property table without INV: INT %s", r->lpi,
		    lpi_count_all(r->lpi) ? "still delivered (configuration cached)" :
		    "held pending (change seen at once)");
	route_set_enabled(r, true);
	its_send_inv(r->dev, r->event);
	its_send_sync(its_cpu_collection(r->cpu));
	mdelay(LPI_QUIET_MS);
}

/* EventIDs at both ends of a device's range, and one past it. */
static void trigger_event_edges(void)
{
	struct its_route r[ARRAY_SIZE(edge_events)], beyond;
	struct its_device *dev;
	unsigned int n;
	bool ok;

	report_prefix_push("event-edges");
	if (its.event_id_bits < EDGE_EVENT_BITS) {
		report_skip("GITS_TYPER.ID_bits: %u EventID bits, need %u",
			    its.event_id_bits, EDGE_EVENT_BITS);
		report_prefix_pop();
		return;
	}
	dev = its_create_device(DEV_EDGE_ID, 1U << EDGE_EVENT_BITS);
	ok = its_send_mapd(dev, true);
	for (n = 0; n < ARRAY_SIZE(edge_events); n++) {
		r[n] = (struct its_route){ dev, edge_events[n], LPI_EDGE(n), n % nr_cpus };
		ok &= route_map(&r[n]);
	}
	report(ok, "device %u with %u EventID bits: events 0, 20 and 255 mapped", dev->id,
	       dev->event_bits);
	for (n = 0; n < ARRAY_SIZE(edge_events); n++)
		check_route(&r[n], __stringify(EDGE_EVENT_BITS) " EventID bits:");
	/* EventID 256 is out of the device's range: MAPTI and INT are command errors */
	beyond = (struct its_route){ dev, 1U << EDGE_EVENT_BITS, LPI_EDGE(3), 0 };
	its_send_mapti(dev, beyond.event, beyond.lpi, its_cpu_collection(0));
	its_lpi_configure(beyond.lpi, LPI_PROP_DEFAULT_PRIO, true);
	report(route_silent(&beyond), "EventID 256 (out of range): MAPTI + INT raise nothing");
	check_route(&r[0], "after the out-of-range MAPTI, event 0 still:");
	check_route(&r[2], "after the out-of-range MAPTI, event 255 still:");
	observe_config_without_inv(&r[1]);
	check_route(&r[1], "re-enabled + INV:");
	report_prefix_pop();
}

static void report_no_stray_interrupts(void)
{
	int cpu, untracked = 0;

	for (cpu = 0; cpu < nr_cpus; cpu++)
		untracked += atomic_read(&lpi_untracked[cpu]);
	report(untracked == 0, "no LPI we did not map was taken");
	report(sum_per_cpu(gic_unhandled_count) == 0, "no unexpected INTID");
}

static void test_its_trigger(int argc, char **argv)
{
	gic_test_begin(argv[0]);
	require_4_cpus();
	require_its();
	report(setup_routes(), "MAPD/MAPTI/MAPI of all routes completed");
	on_cpus(irqs_on, NULL);
	trigger_int();
	trigger_inv();
	trigger_invall();
	trigger_clear();
	trigger_movi();
	trigger_movall();
	trigger_discard();
	trigger_mapd_invalid();
	trigger_mapc_invalid();
	trigger_event_edges();
	report_no_stray_interrupts();
	on_cpus(irqs_off, NULL);
}

/* ---- its migration tests (group migration: run under the migration harness) ---- */

#define BALLAST_ORDER	15	/* 128 MiB */

/*
 * Migrate with half of RAM holding non-zero data: the first precopy pass then takes
 * long enough for a postcopy switch to happen during it (an idle, mostly zero guest
 * can finish precopy before the host's switch request arrives).
 */
static void migrate_with_ballast(void)
{
	static u64 *ballast;
	size_t i, words = (PAGE_SIZE << BALLAST_ORDER) / sizeof(u64);

	if (!ballast)
		ballast = alloc_pages(BALLAST_ORDER);
	for (i = 0; i < words; i += 8)
		ballast[i] = i | 1;
	migrate();
}

static void check_all_routes(const char *when)
{
	int n;

	for (n = 0; n < NR_A_EVENTS; n++)
		check_route(&route_a[n], when);
	check_route(&route_b[0], when);
	check_route(&route_b[1], when);
	if (have_mapi)
		check_route(&route_c, when);
}

/* Device and collection mappings made before migration still route after it. */
static void test_its_migration(int argc, char **argv)
{
	gic_test_begin(argv[0]);
	require_4_cpus();
	require_its();
	report(setup_routes(), "MAPD/MAPTI/MAPI of all routes completed");
	on_cpus(irqs_on, NULL);
	check_all_routes("before migration:");
	migrate_with_ballast();
	check_all_routes("after migration:");
	report_no_stray_interrupts();
	on_cpus(irqs_off, NULL);
}

#define PENDING_DEV_ID		12
#define NR_PENDING_LPIS		64
#define PENDING_LPI(n)		(GIC_FIRST_LPI + 256 + (n))

static struct its_route pending_route[NR_PENDING_LPIS];

/* Even events to @cpu0, odd ones to @cpu1; all LPIs disabled in the property table. */
static bool map_pending_routes(int cpu0, int cpu1)
{
	struct its_device *dev = its_create_device(PENDING_DEV_ID, NR_PENDING_LPIS);
	bool ok = its_send_mapd(dev, true);
	int n;

	for (n = 0; n < NR_PENDING_LPIS; n++) {
		struct its_route *r = &pending_route[n];

		*r = (struct its_route){ dev, n, PENDING_LPI(n), n % 2 ? cpu1 : cpu0 };
		ok &= its_send_mapti(dev, n, r->lpi, its_cpu_collection(r->cpu));
		route_set_enabled(r, false);
	}
	return ok && its_send_invall(its_cpu_collection(cpu0)) &&
	       its_send_invall(its_cpu_collection(cpu1));
}

static bool fire_all_pending_routes(int cpu0, int cpu1)
{
	bool ok = true;
	int n;

	for (n = 0; n < NR_PENDING_LPIS; n++)
		ok &= its_send_int(pending_route[n].dev, n);
	return ok && its_send_sync(its_cpu_collection(cpu0)) &&
	       its_send_sync(its_cpu_collection(cpu1));
}

static int pending_routes_taken(void)
{
	int n, sum = 0;

	for (n = 0; n < NR_PENDING_LPIS; n++)
		sum += lpi_count_all(pending_route[n].lpi);
	return sum;
}

static bool pending_routes_each_once_on_target(void)
{
	u64 deadline = clock_ns() + LPI_WAIT_MS * NSEC_PER_MSEC;
	bool ok = true;
	int n;

	for (n = 0; n < NR_PENDING_LPIS; n++) {
		struct its_route *r = &pending_route[n];

		wait_for_count(&lpi_hits[r->cpu][r->lpi - GIC_FIRST_LPI], 1, ms_until(deadline));
	}
	mdelay(50);
	for (n = 0; n < NR_PENDING_LPIS; n++) {
		struct its_route *r = &pending_route[n];

		if (lpi_count(r->cpu, r->lpi) != 1 || lpi_count_all(r->lpi) != 1) {
			report_info("LPI %u: %d on cpu %d, %d in all", r->lpi,
				    lpi_count(r->cpu, r->lpi), r->cpu, lpi_count_all(r->lpi));
			ok = false;
		}
	}
	return ok;
}

/*
 * 128 LPIs per CPU made pending by writing their bits straight into the pending tables
 * of two redistributors whose EnableLPIs is still 0 (software may write a pending table
 * only then, IHI0069 12.11.30; PENDBASER.PTZ = 0 says the table holds data).
 */
#define TABLE_LPIS_PER_CPU	128
#define TABLE_LPI(n)		(GIC_FIRST_LPI + 512 + (n))
#define TABLE_CPUS		(BIT_ULL(0) | BIT_ULL(1))

static int table_lpi_cpu(int n)
{
	return n / TABLE_LPIS_PER_CPU;
}

static void write_pending_tables(void)
{
	int n;

	for (n = 0; n < 2 * TABLE_LPIS_PER_CPU; n++) {
		int cpu = table_lpi_cpu(n);
		u8 *pend = its.pend_table[cpu];
		u32 lpi = TABLE_LPI(n);

		if (n % TABLE_LPIS_PER_CPU == 0)
			writeq(readq(gic_redist_base(cpu) + GICR_PENDBASER) & ~GICR_PENDBASER_PTZ,
			       gic_redist_base(cpu) + GICR_PENDBASER);
		pend[lpi / 8] |= BIT(lpi % 8);
		its_lpi_configure(lpi, LPI_PROP_DEFAULT_PRIO, true);
	}
	its_clean_range(its.pend_table[0], (TABLE_LPI(2 * TABLE_LPIS_PER_CPU) + 7) / 8);
	its_clean_range(its.pend_table[1], (TABLE_LPI(2 * TABLE_LPIS_PER_CPU) + 7) / 8);
}

static bool table_bits_all_set(void)
{
	int n;

	for (n = 0; n < 2 * TABLE_LPIS_PER_CPU; n++)
		if (!its_lpi_is_pending(table_lpi_cpu(n), TABLE_LPI(n)))
			return false;
	return true;
}

static int table_lpis_taken(void)
{
	int n, sum = 0;

	for (n = 0; n < 2 * TABLE_LPIS_PER_CPU; n++)
		sum += lpi_count_all(TABLE_LPI(n));
	return sum;
}

static bool table_lpis_each_once_on_their_cpu(void)
{
	u64 deadline = clock_ns() + LPI_WAIT_MS * NSEC_PER_MSEC;
	int n, wrong = 0;

	for (n = 0; n < 2 * TABLE_LPIS_PER_CPU; n++)
		wait_for_count(&lpi_hits[table_lpi_cpu(n)][TABLE_LPI(n) - GIC_FIRST_LPI], 1,
				     ms_until(deadline));
	mdelay(50);
	for (n = 0; n < 2 * TABLE_LPIS_PER_CPU; n++) {
		u32 lpi = TABLE_LPI(n);
		int cpu = table_lpi_cpu(n);

		if (lpi_count(cpu, lpi) == 1 && lpi_count_all(lpi) == 1)
			continue;
		if (wrong++ < 8)
			report_info("LPI %u: %d on cpu %d, %d in all", lpi, lpi_count(cpu, lpi), cpu,
				    lpi_count_all(lpi));
	}
	return wrong == 0;
}

/*
 * LPIs made pending while disabled (through the ITS) stay pending across migration, and
 * so do pending bits written into the pending tables of redistributors with LPIs off.
 */
static void test_its_pending_migration(int argc, char **argv)
{
	int cpu0 = nr_cpus - 2, cpu1 = nr_cpus - 1, n;

	gic_test_begin(argv[0]);
	require_4_cpus();
	its_hold_lpis_off(TABLE_CPUS);
	require_its();
	report(map_pending_routes(cpu0, cpu1), "%d LPIs mapped to cpus %d and %d, disabled",
	       NR_PENDING_LPIS, cpu0, cpu1);
	on_cpus(irqs_on, NULL);
	reset_lpi_counts();
	report(fire_all_pending_routes(cpu0, cpu1), "INT for all %d events completed",
	       NR_PENDING_LPIS);
	write_pending_tables();
	mdelay(LPI_QUIET_MS);
	report(pending_routes_taken() == 0, "before migration: none delivered while disabled");
	report(table_lpis_taken() == 0,
	       "before migration: %d LPIs written into the pending tables of cpus 0 and 1 "
	       "(EnableLPIs = 0) delivered nothing", 2 * TABLE_LPIS_PER_CPU);
	migrate_with_ballast();
	for (n = 0; n < NR_PENDING_LPIS; n++)
		route_set_enabled(&pending_route[n], true);
	its_send_invall(its_cpu_collection(cpu0));
	its_send_invall(its_cpu_collection(cpu1));
	report(pending_routes_each_once_on_target(),
	       "after migration, enabled + INVALL: all %d pending LPIs delivered once, on their cpu",
	       NR_PENDING_LPIS);
	report(table_lpis_taken() == 0 && table_bits_all_set(),
	       "after migration: the written pending bits are still there, nothing delivered");
	its_redist_enable_lpis(0);
	its_redist_enable_lpis(1);
	report(table_lpis_each_once_on_their_cpu(),
	       "EnableLPIs on cpus 0 and 1: each of the %d written LPIs delivered once, on its cpu",
	       2 * TABLE_LPIS_PER_CPU);
	report_no_stray_interrupts();
	on_cpus(irqs_off, NULL);
}

#define LATE_DEV_ID	14
#define KEPT_DEV_ID	15
#define LATE_LPI	(GIC_FIRST_LPI + 400)
#define KEPT_LPI	(GIC_FIRST_LPI + 401)
#define REMAPPED_LPI	(GIC_FIRST_LPI + 402)
#define LATE_PRIO	0x80

/* Unmapping the collection again silences its event. */
static void check_collection_unmapped(struct its_route *r, struct its_collection *late)
{
	its_send_mapc(late, false);
	its_send_sync(its_cpu_collection(0));
	reset_lpi_counts();
	its_send_int(r->dev, r->event);
	its_send_sync(its_cpu_collection(0));
	report(lpi_silent(r->lpi), "collection %u unmapped again (MAPC V=0): INT raises nothing",
	       late->id);
}

/*
 * While the collection is unmapped, the device is unmapped and mapped again with a new
 * ITT, and the event goes to a new LPI: once the collection is mapped, INT raises the new
 * LPI only.
 */
static void check_remap_while_unmapped(struct its_route *r, struct its_collection *late)
{
	struct its_device *fresh = its_create_device(LATE_DEV_ID, 4);
	u32 old_lpi = r->lpi;
	bool ok;

	ok = its_send_mapd(r->dev, false) && its_send_mapd(fresh, true) &&
	     its_send_mapti(fresh, r->event, REMAPPED_LPI, late);
	its_lpi_configure(REMAPPED_LPI, LPI_PROP_DEFAULT_PRIO, true);
	report(ok, "while unmapped: device %u mapped again, event %u -> LPI %u", fresh->id,
	       r->event, REMAPPED_LPI);
	r->dev = fresh;
	r->lpi = REMAPPED_LPI;
	ok = its_send_mapc(late, true) && its_send_invall(late) && its_send_sync(late);
	reset_lpi_counts();
	report(ok && its_send_int(r->dev, r->event) && its_send_sync(late) &&
	       lpi_arrived_only_on(r->lpi, r->cpu, 1) && lpi_count_all(old_lpi) == 0,
	       "collection mapped again: INT raises the new LPI %u on cpu %d, not LPI %u",
	       r->lpi, r->cpu, old_lpi);
}

/*
 * A collection mapped only after migration (its events mapped before) works; the LPI
 * configuration and a route mapped before migration survive it.
 */
static void test_its_migrate_unmapped_collection(int argc, char **argv)
{
	int target = nr_cpus - 1;
	struct its_collection *late;
	struct its_route r, kept;
	bool ok;
	u8 config;

	gic_test_begin(argv[0]);
	require_4_cpus();
	require_its();
	late = its_create_collection(nr_cpus + 1, target);
	r = (struct its_route){ its_create_device(LATE_DEV_ID, 4), 3, LATE_LPI, target };
	ok = its_send_mapd(r.dev, true) && its_send_mapti(r.dev, r.event, r.lpi, late);
	its_lpi_configure(r.lpi, LATE_PRIO, true);
	config = its_lpi_config(r.lpi);
	report(ok && its_send_inv(r.dev, r.event), "event mapped to unmapped collection %u",
	       late->id);
	kept = (struct its_route){ its_create_device(KEPT_DEV_ID, 2), 1, KEPT_LPI, 1 };
	report(its_send_mapd(kept.dev, true) && route_map(&kept),
	       "device %u event 1 mapped to collection 1", kept.dev->id);
	on_cpus(irqs_on, NULL);
	check_route(&kept, "before migration:");
	reset_lpi_counts();
	its_send_int(r.dev, r.event);
	its_send_sync(its_cpu_collection(target));
	report(lpi_silent(r.lpi), "before migration: INT raises nothing");
	migrate_with_ballast();
	report(its_lpi_config(r.lpi) == config, "after migration: LPI %u configuration 0x%x (was 0x%x)",
	       r.lpi, its_lpi_config(r.lpi), config);
	check_route(&kept, "after migration:");
	report(its_send_mapc(late, true) && its_send_sync(late),
	       "after migration: MAPC of collection %u completed", late->id);
	reset_lpi_counts();
	report(its_send_int(r.dev, r.event) && its_send_sync(late) &&
	       lpi_arrived_only_on(r.lpi, target, 1),
	       "after migration: INT raises LPI %u on cpu %d only", r.lpi, target);
	check_collection_unmapped(&r, late);
	check_remap_while_unmapped(&r, late);
	report_no_stray_interrupts();
	on_cpus(irqs_off, NULL);
}

/* Linked into gic.flat, whose dispatcher also takes these names (arm/gic.c). */
const struct subtest its_subtests[] = {
	{ "its-introspection", test_its_introspection },
	{ "its-trigger", test_its_trigger },
	{ "its-migration", test_its_migration },
	{ "its-pending-migration", test_its_pending_migration },
	{ "its-migrate-unmapped-collection", test_its_migrate_unmapped_collection },
	{ NULL },
};
