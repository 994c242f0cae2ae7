/*
 * GIC tests, one sub-test per run (argv[1]):
 *   ipi     every CPU sends SGIs to every other CPU: one at a time, to all others,
 *           as a target list, and all CPUs at once; none lost, duplicated or spurious
 *   active  the active state is visible while a handler runs and gone after EOI
 *           (and, with EOImode=1, only after DIR); an active interrupt is not re-signalled
 *   mmio    distributor (and v3 redistributor) registers: reset values, read-only
 *           registers, byte access, ITARGETSR masking, routing registers
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
 * The GIC version comes from the device tree; the prefix names it.
 */
#include <libcflat.h>
#include <arm64/gic.h>
#include <arm64/gic-v3-its.h>
#include <migrate.h>
#include <arm64/io.h>
#include <arm64/processor.h>
#include <arm64/sysreg.h>

/* QEMU_ACCEL=tcg from the run script: only used to classify known deviations. */
static bool on_tcg;

static u64 now_ms(void)
{
	return read_sysreg(cntvct_el0) * 1000 / read_sysreg(cntfrq_el0);
}

/* Spin until *@counter reaches @target or the clock passes @deadline (ms). */
static bool wait_for_count_until(const int *counter, int target, u64 deadline)
{
	while (atomic_read(counter) < target) {
		if (now_ms() > deadline)
			return false;
		cpu_relax();
	}
	return true;
}

static bool wait_for_count(const int *counter, int target, u64 ms)
{
	return wait_for_count_until(counter, target, now_ms() + ms);
}

static int other_cpus(void)
{
	return nr_cpus - 1;
}

static u64 all_cpus_but(int self)
{
	return (nr_cpus == 64 ? ~0ULL : BIT_ULL(nr_cpus) - 1) & ~BIT_ULL(self);
}

/* ------------------------------------------------------------------ ipi */

#define IPI_TIMEOUT_MS 5000

/* received[s][r]: SGIs from sender s taken by receiver r; the SGI number is s. */
static int received[MAX_CPUS][MAX_CPUS];
static int received_total[MAX_CPUS];
static int wrong_source[MAX_CPUS];

static void ipi_handler(u32 irq, int source_cpu)
{
	int me = smp_processor_id();

	if (gic_version() == 2 && source_cpu != (int)irq)
		atomic_inc_return(&wrong_source[me]);
	atomic_inc_return(&received[irq][me]);
	atomic_inc_return(&received_total[me]);
}

static void ipi_listen(void *unused)
{
	int sgi;

	gic_enable_defaults();
	for (sgi = 0; sgi < nr_cpus; sgi++)
		gic_irq_enable(sgi);
	local_irq_enable();
}

static void ipi_stop_listening(void *unused)
{
	local_irq_disable();
}

static void reset_ipi_counts(void)
{
	memset(received, 0, sizeof(received));
	memset(received_total, 0, sizeof(received_total));
	memset(wrong_source, 0, sizeof(wrong_source));
	gic_reset_counts();
	smp_mb();
}

/* One SGI at a time, waiting for each, so no two can merge in a pending bit. */
static void send_one_by_one(void *unused)
{
	int me = smp_processor_id(), cpu;

	for (cpu = 0; cpu < nr_cpus; cpu++) {
		if (cpu == me)
			continue;
		gic_ipi_send_single(me, cpu);
		wait_for_count(&received[me][cpu], 1, IPI_TIMEOUT_MS);
	}
}

static void send_all_but_self(void *unused)
{
	gic_ipi_send_all_but_self(smp_processor_id());
}

static void send_target_list(void *unused)
{
	gic_ipi_send_mask(smp_processor_id(), all_cpus_but(smp_processor_id()));
}

static bool sender_reached_each_other_once(int sender)
{
	u64 deadline = now_ms() + IPI_TIMEOUT_MS;
	bool ok = true;
	int cpu;

	for (cpu = 0; cpu < nr_cpus; cpu++) {
		if (cpu == sender)
			continue;
		wait_for_count_until(&received[sender][cpu], 1, deadline);
		if (atomic_read(&received[sender][cpu]) != 1) {
			report_info("cpu %d -> cpu %d: received %d times", sender, cpu,
				    atomic_read(&received[sender][cpu]));
			ok = false;
		}
	}
	return ok;
}

static bool nobody_received_own(void)
{
	int cpu;

	for (cpu = 0; cpu < nr_cpus; cpu++)
		if (atomic_read(&received[cpu][cpu]))
			return false;
	return true;
}

static int sum_per_cpu(int (*count)(int cpu))
{
	int cpu, sum = 0;

	for (cpu = 0; cpu < nr_cpus; cpu++)
		sum += count(cpu);
	return sum;
}

static int wrong_source_count(int cpu)
{
	return atomic_read(&wrong_source[cpu]);
}

static void report_clean_delivery(void)
{
	report(nobody_received_own(), "no SGI reached its sender");
	report(sum_per_cpu(gic_spurious_count) == 0, "no spurious interrupt (INTID 1023)");
	report(sum_per_cpu(gic_unhandled_count) == 0, "no unexpected INTID");
	if (gic_version() == 2)
		report(sum_per_cpu(wrong_source_count) == 0, "GICC_IAR.CPUID names the sender");
}

/* Every sender reached every other CPU exactly @per_pair times, and never itself. */
static bool counts_exact(int per_pair)
{
	bool ok = true;
	int s, r;

	for (s = 0; s < nr_cpus; s++)
		for (r = 0; r < nr_cpus; r++) {
			int want = s == r ? 0 : per_pair;

			if (atomic_read(&received[s][r]) != want) {
				report_info("cpu %d -> cpu %d: %d of %d", s, r,
					    atomic_read(&received[s][r]), want);
				ok = false;
			}
		}
	return ok;
}

/* Give SGIs still in flight time to arrive before the counts are final. */
static void settle(void)
{
	u64 until = now_ms() + 50;

	while (now_ms() < until)
		cpu_relax();
}

/* Each sender in turn; every other CPU must see exactly one SGI from it. */
static void ipi_round(const char *how, void (*send)(void *))
{
	int sender;

	report_prefix_push(how);
	reset_ipi_counts();
	for (sender = 0; sender < nr_cpus; sender++) {
		on_cpu(sender, send, NULL);
		report(sender_reached_each_other_once(sender),
		       "from cpu %d: each other cpu received it once", sender);
	}
	settle();
	report(counts_exact(1), "no late duplicate arrived");
	report_clean_delivery();
	report_prefix_pop();
}

#define STORM_ROUNDS 20
static int storm_arrived;
static int storm_broken;	/* a CPU timed out: the others stop waiting too */

/*
 * All CPUs at once, in rounds; a CPU enters the next round only when every CPU got
 * all SGIs of this one, so no SGI can find its own earlier copy still pending.
 */
static void storm(void *unused)
{
	int me = smp_processor_id(), round;

	for (round = 0; round < STORM_ROUNDS && !atomic_read(&storm_broken); round++) {
		gic_ipi_send_mask(me, all_cpus_but(me));
		if (!wait_for_count(&received_total[me], (round + 1) * other_cpus(), IPI_TIMEOUT_MS))
			atomic_set(&storm_broken, 1);
		atomic_inc_return(&storm_arrived);
		if (!wait_for_count(&storm_arrived, (round + 1) * nr_cpus, IPI_TIMEOUT_MS))
			atomic_set(&storm_broken, 1);
	}
}

static void ipi_storm(void)
{
	report_prefix_push("concurrent");
	reset_ipi_counts();
	atomic_set(&storm_arrived, 0);
	atomic_set(&storm_broken, 0);
	on_cpus(storm, NULL);
	settle();
	report(counts_exact(STORM_ROUNDS), "%d rounds, every cpu to every other: all received once",
	       STORM_ROUNDS);
	report_clean_delivery();
	report_prefix_pop();
}

static void test_ipi(void)
{
	int sgi;

	if (nr_cpus < 2 || nr_cpus > GIC_NR_SGIS) {
		report_skip("needs 2 to %d cpus, have %d", GIC_NR_SGIS, nr_cpus);
		return;
	}
	for (sgi = 0; sgi < nr_cpus; sgi++)
		gic_set_handler(sgi, ipi_handler);
	on_cpus(ipi_listen, NULL);
	ipi_round("unicast", send_one_by_one);
	ipi_round("all-but-self", send_all_but_self);
	ipi_round("target-list", send_target_list);
	ipi_storm();
	on_cpus(ipi_stop_listening, NULL);
}

/* --------------------------------------------------------------- active */

struct seen_in_handler {
	int calls;
	bool active;
	bool pending;
	bool active_elsewhere;	/* an SPI's state as another CPU reads it */
};
static struct seen_in_handler seen;

static void peek_active(void *irq)
{
	seen.active_elsewhere = gic_irq_is_active((u32)(unsigned long)irq);
}

static void observe_state_handler(u32 irq, int source_cpu)
{
	seen.calls++;
	seen.active = gic_irq_is_active(irq);
	seen.pending = gic_irq_is_pending(irq);
	if (!gic_is_private(irq) && nr_cpus > 1)
		on_cpu(smp_processor_id() == 0 ? 1 : 0, peek_active, (void *)(unsigned long)irq);
}

static bool pending_before;	/* what take_once() read before unmasking IRQs */

/* Make @irq pending with IRQs masked, then unmask and let the handler look. */
static void take_once(u32 irq, void (*make_pending)(u32 irq))
{
	memset(&seen, 0, sizeof(seen));
	make_pending(irq);
	pending_before = gic_irq_is_pending(irq);
	local_irq_enable();
	wait_for_count(&seen.calls, 1, 1000);
	local_irq_disable();
}

static void sgi_to_self(u32 irq)
{
	gic_ipi_send_single(irq, smp_processor_id());
}

#define TCG_PPI_ISPENDR \
	"tcg-gicv2-ppi-ispendr: QEMU 7.2 GICv2 with 2+ cpus ignores GICD_ISPENDR for PPIs"

/* Known deviation tcg-gicv2-ppi-ispendr: with one CPU the write works, with more it is dropped. */
static bool ppi_ispendr_known_broken(u32 irq)
{
	return on_tcg && gic_version() == 2 && nr_cpus > 1 && !gic_is_sgi(irq) &&
	       gic_is_private(irq);
}

static void check_active_cycle(const char *kind, u32 irq, void (*make_pending)(u32 irq))
{
	bool known = ppi_ispendr_known_broken(irq);

	report_prefix_pushf("%s %u", kind, irq);
	setup_irq(irq, observe_state_handler);
	take_once(irq, make_pending);
	report_kfail(known, TCG_PPI_ISPENDR, pending_before, "pending while IRQs are masked");
	report_kfail(known, TCG_PPI_ISPENDR, seen.calls == 1, "handler ran once");
	report_kfail(known, TCG_PPI_ISPENDR, seen.active, "active while the handler runs");
	report(!seen.pending, "not pending while the handler runs");
	if (!gic_is_private(irq) && nr_cpus > 1)
		report(seen.active_elsewhere, "another cpu reads it active meanwhile");
	report(!gic_irq_is_active(irq), "inactive after EOI");
	report(!gic_irq_is_pending(irq), "not pending after EOI");
	gic_irq_disable(irq);
	report_prefix_pop();
}

/* With EOImode=1, EOIR only drops the running priority; DIR deactivates (IHI0069 4.1.1). */
static void check_split_eoi(u32 spi)
{
	report_prefix_pushf("split EOI, SPI %u", spi);
	setup_irq(spi, observe_state_handler);
	gic_set_eoi_split(true);
	take_once(spi, gic_irq_set_pending);
	report(seen.calls == 1 && seen.active, "active while the handler runs");
	report(gic_irq_is_active(spi), "still active after EOIR");
	gic_write_dir(spi);
	report(!gic_irq_is_active(spi), "inactive after DIR");
	gic_set_eoi_split(false);
	gic_irq_disable(spi);
	report_prefix_pop();
}

/* An active interrupt that becomes pending again is not signalled until deactivated. */
static void check_active_blocks_delivery(u32 spi)
{
	report_prefix_pushf("active and pending, SPI %u", spi);
	setup_irq(spi, observe_state_handler);
	memset(&seen, 0, sizeof(seen));
	gic_irq_set_active(spi);
	gic_irq_set_pending(spi);
	local_irq_enable();
	wait_for_count(&seen.calls, 1, 200);
	report(seen.calls == 0, "not taken while active");
	report(gic_irq_is_active(spi) && gic_irq_is_pending(spi), "reads active and pending");
	gic_irq_clear_active(spi);
	wait_for_count(&seen.calls, 1, 1000);
	local_irq_disable();
	report(seen.calls == 1, "taken once deactivated through ICACTIVER");
	report(!gic_irq_is_active(spi) && !gic_irq_is_pending(spi), "idle afterwards");
	gic_irq_disable(spi);
	report_prefix_pop();
}

#define TEST_SGI 5
#define TEST_PPI 20	/* no device of QEMU virt drives PPI 20 (INTID 20) */

static u32 test_spi(void)
{
	return gic_get_info()->nr_irqs - 1;	/* the last SPI: no device behind it */
}

static void test_active(void)
{
	u32 spi = test_spi();

	gic_spi_target(spi, smp_processor_id());
	gic_irq_set_edge(spi, true);
	check_active_cycle("SGI", TEST_SGI, sgi_to_self);
	check_active_cycle("PPI", TEST_PPI, gic_irq_set_pending);
	check_active_cycle("SPI", spi, gic_irq_set_pending);
	check_split_eoi(spi);
	check_active_blocks_delivery(spi);
	report(gic_spurious_count(smp_processor_id()) == 0, "no spurious interrupt");
	report(gic_unhandled_count(smp_processor_id()) == 0, "no unexpected INTID");
}

/* ----------------------------------------------------------------- mmio */

static void check_read_only(void *reg, const char *name)
{
	u32 before = readl(reg);

	writel(~before, reg);
	report(readl(reg) == before, "%s is read-only (%#x)", name, before);
	writel(before, reg);
}

static u32 irqs_of(void *dist)
{
	return MIN(32 * (GICD_TYPER_ITLINES(readl(dist + GICD_TYPER)) + 1), GIC_MAX_SPI_INTID + 1);
}

/* The registers of @offset covering SPIs, @per_word INTIDs a word, all read zero. */
static bool spi_words_zero(void *dist, u32 offset, u32 per_word)
{
	u32 irq, nr = irqs_of(dist);

	for (irq = GIC_FIRST_SPI; irq < nr; irq += per_word)
		if (readl(dist + offset + irq / per_word * 4))
			return false;
	return true;
}

/* Reset state the v2 spec fixes (IHI0048B table 4-1 and table 4-33). */
static void check_v2_reset_values(const struct gic_info *info)
{
	void *dist = ioremap(info->dist_base, SZ_64K);
	void *cpu = ioremap(info->cpu_base, 2 * SZ_4K);

	report_prefix_push("reset");
	report(readl(dist + GICD_CTLR) == 0, "GICD_CTLR is 0");
	report(spi_words_zero(dist, GICD_ISPENDR, 32), "no SPI pending");
	report(spi_words_zero(dist, GICD_ISACTIVER, 32), "no SPI active");
	report(spi_words_zero(dist, GICD_IPRIORITYR, 4), "SPI priorities are 0");
	report(spi_words_zero(dist, GICD_ITARGETSR, 4), "SPI targets are 0");
	report(readl(cpu + GICC_CTLR) == 0, "GICC_CTLR is 0");
	report(readl(cpu + GICC_PMR) == 0, "GICC_PMR is 0");
	report_prefix_pop();
}

/* A redistributor comes out of reset asleep with LPIs off (IHI0069 12.11.2, 12.11.42). */
static void check_v3_reset_values(const struct gic_info *info)
{
	void *rd = ioremap(info->redist_base[0], 2 * GICR_FRAME_SIZE);
	u32 waker = readl(rd + GICR_WAKER);

	report_prefix_push("reset");
	report(waker & GICR_WAKER_PROCESSOR_SLEEP, "GICR_WAKER.ProcessorSleep is 1");
	report(waker & GICR_WAKER_CHILDREN_ASLEEP, "GICR_WAKER.ChildrenAsleep is 1");
	report(!(readl(rd + GICR_CTLR) & GICR_CTLR_ENABLE_LPIS), "GICR_CTLR.EnableLPIs is 0");
	report_prefix_pop();
}

static int fls8(u8 v)
{
	return v ? 32 - __builtin_clz(v) : 0;
}

/*
 * Writing 0xff to a priority byte reads back the implemented bits, which are the
 * top ones: the low bits are RAZ/WI (IHI0048B 3.3, IHI0069 4.8).
 */
static void check_priority_bytes(void *frame, u32 irq, int min_bits)
{
	void *word = frame + GICD_IPRIORITYR + ALIGN_DOWN(irq, 4);
	u8 *byte = frame + GICD_IPRIORITYR + irq;
	unsigned int shift = irq % 4 * 8;
	u32 saved = readl(word);
	u8 mask, unimplemented;

	report_prefix_pushf("IPRIORITYR INTID %u", irq);
	writel(0, word);
	writeb(0xff, byte);
	mask = readb(byte);
	unimplemented = ~mask;
	report_info("implemented priority bits %#x", mask);
	report(fls8(mask) == 8 && (unimplemented & (unimplemented + 1)) == 0,
	       "implemented bits are the top bits");
	report(__builtin_popcount(mask) >= min_bits, "at least %d bits", min_bits);
	report(readl(word) == (u32)mask << shift, "a byte write leaves the other bytes alone");
	writel(0x80808080U, word);
	writeb(0, byte);
	report(readl(word) == (0x80808080U & ~(0xffU << shift)), "a byte write of 0 clears one byte");
	writel(saved, word);
	report_prefix_pop();
}

/* SGIs are edge-triggered and their ICFGR fields read-only 0b10 (IHI0048B 4.3.13). */
static void check_sgi_config(void *frame)
{
	void *reg = frame + GICD_ICFGR;

	report(readl(reg) == 0xaaaaaaaa, "ICFGR0 reads all SGIs edge-triggered (%#x)", readl(reg));
	writel(0, reg);
	report(readl(reg) == 0xaaaaaaaa, "ICFGR0 ignores writes to SGI fields");
}

static void check_enable_registers(u32 irq)
{
	gic_irq_enable(irq);
	report(gic_irq_is_enabled(irq), "INTID %u: ISENABLER reads the set bit", irq);
	gic_irq_disable(irq);
	report(!gic_irq_is_enabled(irq), "INTID %u: ICENABLER clears it", irq);
}

/* ---- v2 ---- */

static u8 own_iface_byte[MAX_CPUS];
static u32 own_iface_word[MAX_CPUS];
static bool iface_word_ignored_write[MAX_CPUS];

/* GICD_ITARGETSR0-7: read-only, each byte the reading CPU's own bit (IHI0048B 4.3.12). */
static void read_private_targets(void *unused)
{
	void *reg = gic_dist_base() + GICD_ITARGETSR;
	int me = smp_processor_id();

	own_iface_byte[me] = readb(reg + me % 4);
	own_iface_word[me] = readl(reg + 28);
	writel(0, reg + 28);
	iface_word_ignored_write[me] = readl(reg + 28) == own_iface_word[me];
}

/* One CPU interface: ITARGETSR0-7 are RAZ/WI (IHI0048B 4.3.12). */
static bool private_targets_raz(void)
{
	return own_iface_byte[0] == 0 && own_iface_word[0] == 0;
}

static bool private_targets_distinct(void)
{
	u32 seen = 0;
	bool ok = true;
	int cpu;

	for (cpu = 0; cpu < nr_cpus; cpu++) {
		u8 b = own_iface_byte[cpu];

		if (__builtin_popcount(b) != 1 || (seen & b) || own_iface_word[cpu] != b * 0x01010101U) {
			report_info("cpu %d: byte %#x word %#x", cpu, b, own_iface_word[cpu]);
			ok = false;
		}
		seen |= b;
	}
	return ok;
}

static void check_v2_private_targets(void)
{
	bool ok = true;
	int cpu;

	on_cpus(read_private_targets, NULL);
	if (nr_cpus == 1)
		report(private_targets_raz(), "ITARGETSR0-7 read 0 with one cpu interface");
	else
		report(private_targets_distinct(),
		       "ITARGETSR0-7 read each cpu's own, distinct bit in every byte");
	ok = true;
	for (cpu = 0; cpu < nr_cpus; cpu++)
		ok &= iface_word_ignored_write[cpu];
	report(ok, "ITARGETSR0-7 ignore writes");
}

/*
 * Target bits of CPU interfaces that do not exist are RAZ/WI; with one CPU interface
 * the whole register is RAZ/WI (IHI0048B 4.3.12).
 */
static void check_v2_spi_targets(u32 spi)
{
	u8 *byte = gic_dist_base() + GICD_ITARGETSR + spi;
	void *word = gic_dist_base() + GICD_ITARGETSR + ALIGN_DOWN(spi, 4);
	u8 expect = nr_cpus == 1 ? 0 : (BIT(MIN(nr_cpus, 8)) - 1);
	u32 saved = readl(word);
	unsigned int shift = spi % 4 * 8;
	u8 got;

	report_prefix_pushf("ITARGETSR INTID %u", spi);
	writel(0, word);
	writeb(0xff, byte);
	got = readb(byte);
	report_kfail(on_tcg && nr_cpus > 1,
		     "tcg-gicv2-itargetsr: QEMU 7.2 keeps target bits of absent cpus",
		     got == expect, "0xff reads %#x with %d cpu(s) (want %#x)", got, nr_cpus, expect);
	report(readl(word) == (u32)got << shift, "a byte write leaves the other bytes alone");
	writel(saved, word);
	report_prefix_pop();
}

static void test_v2_mmio(void)
{
	void *dist = gic_dist_base();
	u32 typer = readl(dist + GICD_TYPER);
	u32 spi = gic_get_info()->nr_irqs - 1;

	check_read_only(dist + GICD_TYPER, "GICD_TYPER");
	check_read_only(dist + GICD_IIDR, "GICD_IIDR");
	report(GICD_TYPER_CPUS(typer) == nr_cpus, "GICD_TYPER.CPUNumber: %d cpus",
	       GICD_TYPER_CPUS(typer));
	report(GIC_PIDR2_ARCH(readl(dist + GICD_V2_PIDR2)) == 2, "GICD_PIDR2.ArchRev is 2 (%#x)",
	       readl(dist + GICD_V2_PIDR2));
	check_priority_bytes(dist, spi, 4);
	check_priority_bytes(dist, 3, 4);
	check_sgi_config(dist);
	check_enable_registers(spi);
	check_v2_private_targets();
	check_v2_spi_targets(spi);
	check_v2_spi_targets(GIC_FIRST_SPI + 1);
}

/* ---- v3 ---- */

static void check_v3_distributor(void)
{
	void *dist = gic_dist_base();
	u32 typer = readl(dist + GICD_TYPER);
	u32 arch = GIC_PIDR2_ARCH(readl(dist + GICD_V3_PIDR2));

	check_read_only(dist + GICD_TYPER, "GICD_TYPER");
	check_read_only(dist + GICD_IIDR, "GICD_IIDR");
	report(arch == 3 || arch == 4, "GICD_PIDR2.ArchRev is 3 or 4 (%u)", arch);
	report(readl(dist + GICD_CTLR) & GICD_CTLR_ARE, "GICD_CTLR.ARE is set");
	report_info("GICD_TYPER %#x: LPIs %s, %u INTID bits, %u SPI INTIDs", typer,
		    typer & GICD_TYPER_LPIS ? "yes" : "no", GICD_TYPER_IDBITS(typer),
		    gic_get_info()->nr_irqs);
	if (typer & GICD_TYPER_LPIS)
		report(GICD_TYPER_IDBITS(typer) >= 14, "with LPIs, at least 14 INTID bits");
}

/* With ARE set, GICD_ITARGETSR is RES0 (IHI0069 12.9.24): it must not act as a target. */
static void check_v3_itargetsr_ignored(u32 spi)
{
	u8 *byte = gic_dist_base() + GICD_ITARGETSR + spi;

	writeb(0xff, byte);
	report(readb(byte) == 0, "ITARGETSR INTID %u reads 0 with ARE set", spi);
}

static void check_v3_irouter(u32 spi)
{
	void *reg = gic_dist_base() + GICD_IROUTER + spi * 8;
	u64 saved = readq(reg);
	bool ok = true;
	int cpu;

	for (cpu = 0; cpu < nr_cpus; cpu++) {
		gic_spi_target(spi, cpu);
		ok &= readq(reg) == cpus[cpu].mpidr;
	}
	report(ok, "IROUTER INTID %u reads back each cpu's affinity", spi);
	writeq(GICD_IROUTER_IRM, reg);
	report(readq(reg) & GICD_IROUTER_IRM, "IROUTER.IRM can be set");
	writeq(saved, reg);
}

static int redist_index_of(void *rd)
{
	int i;

	for (i = 0; i < gic_nr_redists(); i++)
		if (gic_redist_frame(i) == rd)
			return i;
	return -1;
}

static bool last_bit_only_on_last_frame(void)
{
	int i, n = gic_nr_redists();

	for (i = 0; i < n; i++) {
		bool last = readq(gic_redist_frame(i) + GICR_TYPER) & GICR_TYPER_LAST;

		if (last != (i == n - 1))
			return false;
	}
	return true;
}

static bool redists_match_cpus(void)
{
	u32 seen_numbers[MAX_CPUS];
	int cpu, i;

	for (cpu = 0; cpu < nr_cpus; cpu++) {
		void *rd = gic_redist_base(cpu);
		u64 typer = readq(rd + GICR_TYPER);
		u64 mpidr = cpus[cpu].mpidr;
		u32 aff = (mpidr & 0xffffff) | ((mpidr >> 32) & 0xff) << 24;

		if (redist_index_of(rd) < 0 || GICR_TYPER_AFFINITY(typer) != aff)
			return false;
		seen_numbers[cpu] = GICR_TYPER_PROCNUM(typer);
		for (i = 0; i < cpu; i++)
			if (seen_numbers[i] == seen_numbers[cpu])
				return false;
	}
	return true;
}

static bool all_redists_awake(void)
{
	int cpu;

	for (cpu = 0; cpu < nr_cpus; cpu++)
		if (readl(gic_redist_base(cpu) + GICR_WAKER) & GICR_WAKER_CHILDREN_ASLEEP)
			return false;
	return true;
}

static void check_v3_redistributors(void)
{
	void *rd = gic_redist_base(0);
	u64 typer = readq(rd + GICR_TYPER);
	bool dist_lpis = readl(gic_dist_base() + GICD_TYPER) & GICD_TYPER_LPIS;
	u32 arch = GIC_PIDR2_ARCH(readl(rd + GICR_PIDR2));

	report_prefix_push("redistributors");
	report(gic_nr_redists() == nr_cpus, "one frame per cpu (%d found)", gic_nr_redists());
	report(last_bit_only_on_last_frame(), "GICR_TYPER.Last only on the last frame");
	report(redists_match_cpus(), "each cpu's frame has its affinity and a distinct number");
	report(all_redists_awake(), "every cpu's redistributor is awake after init");
	report(arch == 3 || arch == 4, "GICR_PIDR2.ArchRev is 3 or 4 (%u)", arch);
	writeq(~typer, rd + GICR_TYPER);
	report(readq(rd + GICR_TYPER) == typer, "GICR_TYPER is read-only");
	report(!!(typer & GICR_TYPER_PLPIS) == dist_lpis, "GICR_TYPER.PLPIS matches GICD_TYPER.LPIS");
	check_priority_bytes(gic_redist_sgi_base(0), 3, 4);
	check_sgi_config(gic_redist_sgi_base(0));
	check_enable_registers(TEST_PPI);
	report_prefix_pop();
}

static void test_v3_mmio(void)
{
	u32 spi = gic_get_info()->nr_irqs - 1;

	check_v3_distributor();
	check_priority_bytes(gic_dist_base(), spi, 4);
	check_enable_registers(spi);
	check_v3_itargetsr_ignored(spi);
	check_v3_irouter(spi);
	check_v3_redistributors();
}

/* ------------------------------------------------------------------ its */

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

static void wait_ms(u64 ms)
{
	u64 until = now_ms() + ms;

	while (now_ms() < until)
		cpu_relax();
}

/* @lpi arrives @times on @cpu, and then nowhere else within a settle period. */
static bool lpi_arrived_only_on(u32 lpi, int cpu, int times)
{
	bool ok;
	int c;

	wait_for_count(&lpi_hits[cpu][lpi - GIC_FIRST_LPI], times, LPI_WAIT_MS);
	wait_ms(50);
	ok = lpi_count(cpu, lpi) == times && lpi_count_all(lpi) == times;
	if (!ok)
		for (c = 0; c < nr_cpus; c++)
			if (lpi_count(c, lpi))
				report_info("LPI %u: %d on cpu %d", lpi, lpi_count(c, lpi), c);
	return ok;
}

static bool lpi_silent(u32 lpi)
{
	wait_ms(LPI_QUIET_MS);
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

static bool its_ready(void)
{
	if (gic_version() != 3) {
		report_skip("the ITS needs a GICv3");
		return false;
	}
	if (!its_enable_defaults()) {
		report_skip("no usable ITS (see INFO above)");
		return false;
	}
	gic_set_handler(GIC_FIRST_LPI, lpi_handler);
	return true;
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

static void test_its_introspection(void)
{
	bool present = gic_version() == 3 && its_probe();

	if (!present) {
		report_skip("no ITS in the device tree");
		return;
	}
	report_info("ITS at %#lx, GITS_IIDR %#x, GITS_TYPER %#lx", (unsigned long)its.phys,
		    its.iidr, (unsigned long)its.typer);
	check_read_only(its.base + GITS_IIDR, "GITS_IIDR");
	check_read_only64(its.base + GITS_TYPER, "GITS_TYPER");
	check_id_spaces();
	if (!its_is_enabled())
		check_baser_fields_read_only();
	if (!its_ready())
		return;
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
	wait_ms(LPI_QUIET_MS);
	report_info("LPI %u disabled in the property table without INV: INT %s", r->lpi,
		    lpi_count_all(r->lpi) ? "still delivered (configuration cached)" :
		    "held pending (change seen at once)");
	route_set_enabled(r, true);
	its_send_inv(r->dev, r->event);
	its_send_sync(its_cpu_collection(r->cpu));
	wait_ms(LPI_QUIET_MS);
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

static void test_its_trigger(void)
{
	if (nr_cpus < 4) {
		report_skip("needs 4 cpus, have %d", nr_cpus);
		return;
	}
	if (!its_ready())
		return;
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
static void test_its_migration(void)
{
	if (nr_cpus < 4) {
		report_skip("needs 4 cpus, have %d", nr_cpus);
		migrate_skip();
		return;
	}
	if (!its_ready()) {
		migrate_skip();
		return;
	}
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
	u64 deadline = now_ms() + LPI_WAIT_MS;
	bool ok = true;
	int n;

	for (n = 0; n < NR_PENDING_LPIS; n++) {
		struct its_route *r = &pending_route[n];

		wait_for_count_until(&lpi_hits[r->cpu][r->lpi - GIC_FIRST_LPI], 1, deadline);
	}
	wait_ms(50);
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
	u64 deadline = now_ms() + LPI_WAIT_MS;
	int n, wrong = 0;

	for (n = 0; n < 2 * TABLE_LPIS_PER_CPU; n++)
		wait_for_count_until(&lpi_hits[table_lpi_cpu(n)][TABLE_LPI(n) - GIC_FIRST_LPI], 1,
				     deadline);
	wait_ms(50);
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
static void test_its_pending_migration(void)
{
	int cpu0 = nr_cpus - 2, cpu1 = nr_cpus - 1, n;

	if (nr_cpus < 4) {
		report_skip("needs 4 cpus, have %d", nr_cpus);
		migrate_skip();
		return;
	}
	its_hold_lpis_off(TABLE_CPUS);
	if (!its_ready()) {
		migrate_skip();
		return;
	}
	report(map_pending_routes(cpu0, cpu1), "%d LPIs mapped to cpus %d and %d, disabled",
	       NR_PENDING_LPIS, cpu0, cpu1);
	on_cpus(irqs_on, NULL);
	reset_lpi_counts();
	report(fire_all_pending_routes(cpu0, cpu1), "INT for all %d events completed",
	       NR_PENDING_LPIS);
	write_pending_tables();
	wait_ms(LPI_QUIET_MS);
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
static void test_its_migrate_unmapped_collection(void)
{
	int target = nr_cpus - 1;
	struct its_collection *late;
	struct its_route r, kept;
	bool ok;
	u8 config;

	if (nr_cpus < 4) {
		report_skip("needs 4 cpus, have %d", nr_cpus);
		migrate_skip();
		return;
	}
	if (!its_ready()) {
		migrate_skip();
		return;
	}
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

/* ----------------------------------------------------------------- main */

static void check_reset_values(const struct gic_info *info)
{
	if (info->version == 2)
		check_v2_reset_values(info);
	else
		check_v3_reset_values(info);
}

static void usage(void)
{
	printf("usage: gic.flat {ipi|active|mmio|its-introspection|its-trigger|its-migration|\n"
	       "its-pending-migration|its-migrate-unmapped-collection} "
	       "[2|3: the GIC version the DT must describe]\n");
	abort();
}

int main(int argc, char **argv, char **envp)
{
	struct gic_info info;
	int version;

	on_tcg = accel_is("tcg");
	if (argc < 2)
		usage();
	version = gic_probe(&info);
	if (!version) {
		report_skip("no GIC in the device tree");
		return report_summary();
	}
	report_prefix_pushf("gicv%d", version);
	if (argc > 2)
		report(version == atol(argv[2]), "the device tree describes a GICv%s", argv[2]);
	report_prefix_push(argv[1]);
	if (!strcmp(argv[1], "mmio"))
		check_reset_values(&info);
	gic_init_all_cpus();
	if (!strcmp(argv[1], "ipi"))
		test_ipi();
	else if (!strcmp(argv[1], "active"))
		test_active();
	else if (!strcmp(argv[1], "mmio"))
		version == 2 ? test_v2_mmio() : test_v3_mmio();
	else if (!strcmp(argv[1], "its-introspection"))
		test_its_introspection();
	else if (!strcmp(argv[1], "its-trigger"))
		test_its_trigger();
	else if (!strcmp(argv[1], "its-migration"))
		test_its_migration();
	else if (!strcmp(argv[1], "its-pending-migration"))
		test_its_pending_migration();
	else if (!strcmp(argv[1], "its-migrate-unmapped-collection"))
		test_its_migrate_unmapped_collection();
	else
		usage();
	return report_summary();
}
