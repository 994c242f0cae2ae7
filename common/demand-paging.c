/*
 * Demand paging: N vCPUs, each owning a region of RAM nothing touched since boot,
 * start on one signal and write the first bytes of every page (granule) of their
 * region once; each times its pass with the guest clock. Then every write is checked
 * in place. Modes:
 *   local     the hypervisor's own first-touch path (EPT/stage-2/DAT faults, or
 *             TCG's softmmu and the host's page faults);
 *   postcopy  the guest asks for a postcopy migration that answers as soon as the
 *             guest runs on the destination, so every page it touches is fetched from
 *             the source through the destination's userfaultfd; bandwidth=BYTES caps
 *             the background transfer (max-postcopy-bandwidth), so that more pages
 *             arrive on demand, as a per-fault delay would.
 * Arguments: MODE [vcpus=N] [mem=SIZE per vCPU, a power of two] [granule=base|large]
 *            [bandwidth=BYTES/s]. One "INFO: demand-paging: result ..." line carries the
 *            figures scripts/bench-demand-paging.sh reads.
 */
#include <libcflat.h>
#include <clock.h>
#include <migrate.h>
#include <subtest.h>

/* The arch's large page: what its paging driver maps as one block (x86 and arm64
 * 2 MiB, s390x a 1 MiB segment). */
#if defined(__s390x__)
#define LARGE_PAGE_SIZE SZ_1M
#else
#define LARGE_PAGE_SIZE SZ_2M
#endif

#define DEFAULT_MEM (16 * SZ_1M)
#define START_WAIT_MS 10000
#define TOUCH_MAGIC 0xd1a9000000000000ULL

struct vcpu_region {
	u8 *mem;
	size_t pages;
	u64 start_ns, end_ns;
	int bad_pages;
	size_t first_bad;
	u64 first_bad_value;
};

static struct vcpu_region regions[MAX_CPUS];
static int nr_vcpus;
static size_t granule = PAGE_SIZE, mem_per_vcpu = DEFAULT_MEM;
static u64 bandwidth;
static int ready, finished;
static volatile bool go;

static u64 parse_size(const char *s)
{
	char *end;
	u64 v = strtoull(s, &end, 0);

	switch (*end) {
	case 'G': case 'g': return v << 30;
	case 'M': case 'm': return v << 20;
	case 'K': case 'k': return v << 10;
	default: return v;
	}
}

static bool parse_args(int argc, char **argv)
{
	int i;

	nr_vcpus = nr_cpus;
	for (i = 1; i < argc; i++) {
		if (!strncmp(argv[i], "vcpus=", 6))
			nr_vcpus = strtol(argv[i] + 6, NULL, 0);
		else if (!strncmp(argv[i], "mem=", 4))
			mem_per_vcpu = parse_size(argv[i] + 4);
		else if (!strcmp(argv[i], "granule=large"))
			granule = LARGE_PAGE_SIZE;
		else if (!strcmp(argv[i], "granule=base"))
			granule = PAGE_SIZE;
		else if (!strncmp(argv[i], "bandwidth=", 10))
			bandwidth = parse_size(argv[i] + 10);
		else {
			report_fail("unknown argument '%s' (vcpus=N mem=SIZE granule=base|large bandwidth=N)",
				    argv[i]);
			return false;
		}
	}
	if (nr_vcpus < 1 || nr_vcpus > nr_cpus) {
		report_fail("vcpus=%d, but the guest has %d CPUs", nr_vcpus, nr_cpus);
		return false;
	}
	if (mem_per_vcpu < granule || (mem_per_vcpu & (mem_per_vcpu - 1))) {
		report_fail("mem=%lu: a power of two of at least one granule (%lu) per vCPU",
			    (unsigned long)mem_per_vcpu, (unsigned long)granule);
		return false;
	}
	return true;
}

static unsigned int order_of(size_t bytes)
{
	unsigned int order = 0;

	while ((PAGE_SIZE << order) < bytes)
		order++;
	return order;
}

static bool allocate_regions(void)
{
	int cpu;

	for (cpu = 0; cpu < nr_vcpus; cpu++) {
		regions[cpu].mem = alloc_pages_fresh(order_of(mem_per_vcpu));
		regions[cpu].pages = mem_per_vcpu / granule;
		if (!regions[cpu].mem) {
			report_skip("not enough guest RAM for %d x %lu MiB of untouched memory",
				    nr_vcpus, (unsigned long)(mem_per_vcpu >> 20));
			return false;
		}
	}
	return true;
}

static u64 signature(int cpu, size_t page)
{
	return TOUCH_MAGIC | (u64)cpu << 40 | page;
}

static void touch_region(void *arg)
{
	int cpu = smp_processor_id();
	struct vcpu_region *r = &regions[cpu];
	size_t i;

	atomic_inc_return(&ready);
	while (!go)
		cpu_relax();
	r->start_ns = clock_ns();
	for (i = 0; i < r->pages; i++)
		*(volatile u64 *)(r->mem + i * granule) = signature(cpu, i);
	r->end_ns = clock_ns();
	atomic_inc_return(&finished);
}

static void check_region(int cpu)
{
	struct vcpu_region *r = &regions[cpu];
	size_t i;
	u64 v;

	r->bad_pages = 0;
	for (i = 0; i < r->pages; i++) {
		v = *(volatile u64 *)(r->mem + i * granule);
		if (v != signature(cpu, i) && !r->bad_pages++) {
			r->first_bad = i;
			r->first_bad_value = v;
		}
	}
	if (r->bad_pages)
		report_fail("vCPU %d: %d of %lu pages lost or misplaced; first: page %lu at %p holds %#llx, not %#llx",
			    cpu, r->bad_pages, (unsigned long)r->pages, (unsigned long)r->first_bad,
			    r->mem + r->first_bad * granule, (unsigned long long)r->first_bad_value,
			    (unsigned long long)signature(cpu, r->first_bad));
	else
		report_pass("vCPU %d: every one of its %lu writes is in place", cpu,
			    (unsigned long)r->pages);
}

static u64 per_second(u64 count, u64 ns)
{
	return ns ? count * NSEC_PER_SEC / ns : 0;
}

static void print_figures(const char *mode)
{
	u64 first = ~0ULL, last = 0, pages = 0, ns;
	int cpu;

	for (cpu = 0; cpu < nr_vcpus; cpu++) {
		struct vcpu_region *r = &regions[cpu];

		ns = r->end_ns - r->start_ns;
		report_info("vCPU %d: %lu pages in %llu ns, %llu pages/s", cpu, (unsigned long)r->pages,
			    (unsigned long long)ns, (unsigned long long)per_second(r->pages, ns));
		first = MIN(first, r->start_ns);
		last = MAX(last, r->end_ns);
		pages += r->pages;
	}
	ns = last - first;
	report_info("result mode=%s vcpus=%d granule=%lu pages=%llu ns=%llu pages_per_sec=%llu ns_per_page=%llu",
		    mode, nr_vcpus, (unsigned long)granule, (unsigned long long)pages,
		    (unsigned long long)ns, (unsigned long long)per_second(pages, ns),
		    (unsigned long long)(pages ? ns / pages : 0));
}

/* Start the other vCPUs, release everyone at once, run the BSP's own share. */
static bool run_touches(void)
{
	int cpu;

	for (cpu = 1; cpu < nr_vcpus; cpu++)
		on_cpu_async(cpu, touch_region, NULL);
	if (!wait_until(atomic_read(&ready) == nr_vcpus - 1, START_WAIT_MS)) {
		report_fail("only %d of %d vCPUs reached the start line in %d ms",
			    atomic_read(&ready) + 1, nr_vcpus, START_WAIT_MS);
		return false;
	}
	atomic_inc_return(&ready);
	go = true;
	touch_region(NULL);
	wait_cpus_idle();
	return atomic_read(&finished) == nr_vcpus;
}

static void run(const char *mode, int argc, char **argv, bool postcopy)
{
	int cpu;

	report_prefix_push("demand-paging");
	if (!parse_args(argc, argv) || !allocate_regions())
		goto out;
	report_info("%s: %d vCPUs x %lu MiB, granule %lu bytes", mode, nr_vcpus,
		    (unsigned long)(mem_per_vcpu >> 20), (unsigned long)granule);
	if (postcopy)
		migrate_demand_paged(bandwidth);
	report(run_touches(), "every vCPU finished its pass");
	if (postcopy)
		migrate_settle();
	for (cpu = 0; cpu < nr_vcpus; cpu++)
		check_region(cpu);
	print_figures(mode);
out:
	report_prefix_pop();
}

static void test_local(int argc, char **argv)
{
	if (migrate_mode())
		migrate_skip();
	run("local", argc, argv, false);
}

static void test_postcopy(int argc, char **argv)
{
	const char *mode = migrate_mode();

	if (mode && strcmp(mode, "postcopy")) {
		report_fail("postcopy mode runs under MIGRATION_MODE=postcopy, not %s", mode);
		migrate_skip();
		return;
	}
	run("postcopy", argc, argv, true);
}

static const struct subtest tests[] = {
	{ "local", test_local },
	{ "postcopy", test_postcopy },
	{ NULL },
};

int main(int argc, char **argv)
{
	return run_subtests(tests, NULL, argc, argv);
}
