/*
 * GIC tests, one sub-test per run (argv[1]):
 *   ipi     every CPU sends SGIs to every other CPU: one at a time, to all others,
 *           as a target list, and all CPUs at once; none lost, duplicated or spurious
 *   active  the active state is visible while a handler runs and gone after EOI
 *           (and, with EOImode=1, only after DIR); an active interrupt is not re-signalled
 *   mmio    distributor (and v3 redistributor) registers: reset values, read-only
 *           registers, byte access, ITARGETSR masking, routing registers
 * The ITS sub-tests (its-*) are arm/its.c. The GIC version comes from the device tree;
 * the prefix names it.
 */
#include "gic-test.h"
#include <arm64/processor.h>
#include <arm64/sysreg.h>

/* QEMU_ACCEL=tcg from the run script: only used to classify known deviations. */
static bool on_tcg;
/* What gic_probe() found, before any sub-test ran. */
static struct gic_info gic_test_info;

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
	u64 deadline = clock_ns() + IPI_TIMEOUT_MS * NSEC_PER_MSEC;
	bool ok = true;
	int cpu;

	for (cpu = 0; cpu < nr_cpus; cpu++) {
		if (cpu == sender)
			continue;
		wait_for_count(&received[sender][cpu], 1, ms_until(deadline));
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
	mdelay(50);
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

static void test_ipi(int argc, char **argv)
{
	int sgi;

	gic_test_begin(argv[0]);
	if (nr_cpus < 2 || nr_cpus > GIC_NR_SGIS)
		report_skip_all("needs 2 to %d cpus, have %d", GIC_NR_SGIS, nr_cpus);
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

static void test_active(int argc, char **argv)
{
	u32 spi;

	gic_test_begin(argv[0]);
	spi = test_spi();
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

static void check_v2_mmio(void)
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

static void check_v3_mmio(void)
{
	u32 spi = gic_get_info()->nr_irqs - 1;

	check_v3_distributor();
	check_priority_bytes(gic_dist_base(), spi, 4);
	check_enable_registers(spi);
	check_v3_itargetsr_ignored(spi);
	check_v3_irouter(spi);
	check_v3_redistributors();
}

static void test_mmio(int argc, char **argv)
{
	bool v2 = gic_test_info.version == 2;

	report_prefix_push(argv[0]);
	/* before gic_init_all_cpus() changes them */
	if (v2)
		check_v2_reset_values(&gic_test_info);
	else
		check_v3_reset_values(&gic_test_info);
	gic_init_all_cpus();
	if (v2)
		check_v2_mmio();
	else
		check_v3_mmio();
}

static const struct subtest gic_subtests[] = {
	{ "ipi", test_ipi },
	{ "active", test_active },
	{ "mmio", test_mmio },
	{ NULL },
};

#define MAX_SUBTESTS 16

/* One table: the GIC sub-tests, then the ITS ones of arm/its.c. */
static const struct subtest *all_subtests(void)
{
	static struct subtest all[MAX_SUBTESTS + 1];
	const struct subtest *tables[] = { gic_subtests, its_subtests }, *t;
	int n = 0, i;

	for (i = 0; i < ARRAY_SIZE(tables); i++)
		for (t = tables[i]; t->name; t++) {
			assert(n < MAX_SUBTESTS);
			all[n++] = *t;
		}
	return all;
}

/* Sub-test, then the GIC version the device tree must describe (cfg test_args). */
int main(int argc, char **argv)
{
	int version = gic_probe(&gic_test_info);

	on_tcg = accel_is("tcg");
	if (!version)
		report_skip_all("no GIC in the device tree");
	report_prefix_pushf("gicv%d", version);
	if (argc > 2)
		report(version == atol(argv[2]), "the device tree describes a GICv%s", argv[2]);
	return run_subtests(all_subtests(), NULL, argc, argv);
}
