/*
 * The Memory Tagging Extension at EL1: a pointer whose logical tag differs from the
 * allocation tag of its granule faults at once (mte-sync), sets TFSR_EL1.TF0 without
 * a fault (mte-async), or does one for reads and the other for writes (mte-asymm);
 * a matching tag never does. Needs tag storage: -machine virt,mte=on.
 */
#include <libcflat.h>
#include <subtest.h>
#include <arm64/mmu.h>
#include <arm64/mte.h>
#include <arm64/processor.h>

#define GOOD_TAG 3
#define BAD_TAG 5

static volatile struct {
	int faults;
	u64 esr, far;
} seen;

static u64 *granule;

/* A synchronous tag check fault: record it and skip the access. */
static void record_abort(struct pt_regs *regs, u64 esr)
{
	seen.faults++;
	seen.esr = esr;
	seen.far = read_sysreg(far_el1);
	regs->pc += 4;
}

static void clear_seen(void)
{
	seen.faults = 0;
	seen.esr = seen.far = 0;
}

static u64 load(volatile u64 *p)
{
	return *p;
}

static void store(volatile u64 *p, u64 v)
{
	*p = v;
}

static bool mte_usable(unsigned int needed)
{
	unsigned int v = mte_version();

	if (v >= needed)
		return true;
	report_skip("ID_AA64PFR1_EL1.MTE is %u, needs %u (%s)", v, needed,
		    needed == MTE_ASYMM ? "FEAT_MTE3" : "FEAT_MTE2: tag storage, -machine virt,mte=on");
	return false;
}

/* A page of Normal Tagged memory, every granule tagged GOOD_TAG. */
static void setup_tagged_page(enum mte_mode mode)
{
	void *page = alloc_page();

	assert(page);
	mte_enable(mode);
	mmu_set_page(page, PAGE_TAGGED_RW);
	mte_set_tags(mte_tag_ptr(page, GOOD_TAG), PAGE_SIZE);
	granule = page;
	install_exception_handler(EL1H_SYNC, ESR_EC_DABT_EL1, record_abort);
}

static bool sync_tag_fault_at(const void *p)
{
	return seen.faults == 1 && esr_ec(seen.esr) == ESR_EC_DABT_EL1 &&
	       ESR_FSC(seen.esr) == DFSC_TAG_CHECK &&
	       (seen.far & GENMASK_ULL(55, 0)) == ((u64)p & GENMASK_ULL(55, 0));
}

static void check_tag_instructions(void)
{
	void *good = mte_tag_ptr(granule, GOOD_TAG);
	int i, excluded = 0;

	report(mte_ptr_tag(mte_get_tag(granule)) == GOOD_TAG, "LDG reads back the tag STG stored");
	for (i = 0; i < 32; i++)
		excluded += mte_ptr_tag(mte_random_tag(granule)) == 0;
	report(!excluded, "IRG never picks a tag GCR_EL1 excludes (tag 0 picked %d of 32 times)", excluded);
	mte_set_tag(mte_tag_ptr(granule + 2, BAD_TAG));
	report(mte_ptr_tag(mte_get_tag(granule + 2)) == BAD_TAG &&
	       mte_ptr_tag(mte_get_tag(granule)) == GOOD_TAG,
	       "a tag is per 16-byte granule: retagging one leaves its neighbour");
	mte_set_tag(mte_tag_ptr(granule + 2, GOOD_TAG));
	clear_seen();
	store(good, 0x1111);
	report(!seen.faults && load(good) == 0x1111, "a matching tag: no fault, the data is there");
}

static void check_sync_faults(void)
{
	u64 *bad = mte_tag_ptr(granule, BAD_TAG);

	store(mte_tag_ptr(granule, GOOD_TAG), 0x2222);
	clear_seen();
	load(bad);
	report(sync_tag_fault_at(bad), "a mismatched load: synchronous data abort, DFSC %#x, FAR the address",
	       DFSC_TAG_CHECK);
	clear_seen();
	store(bad, 0xdead);
	report(sync_tag_fault_at(bad), "a mismatched store: synchronous data abort");
	report(load(mte_tag_ptr(granule, GOOD_TAG)) == 0x2222, "the faulting store wrote nothing");
	report(!(mte_read_tfsr() & TFSR_TF0), "TFSR_EL1.TF0 stays clear in synchronous mode");
}

static void check_checks_off(void)
{
	u64 *bad = mte_tag_ptr(granule, BAD_TAG);

	mte_disable();
	mte_clear_tfsr();
	clear_seen();
	store(bad, 0x3333);
	report(!seen.faults && load(bad) == 0x3333 && !(mte_read_tfsr() & TFSR_TF0),
	       "SCTLR_EL1.TCF = 0: a mismatched access neither faults nor sets TFSR");
}

static void test_sync(int argc, char **argv)
{
	report_prefix_push("mte-sync");
	if (mte_usable(MTE_FULL)) {
		setup_tagged_page(MTE_TCF_SYNC);
		check_tag_instructions();
		check_sync_faults();
		check_checks_off();
	}
	report_prefix_pop();
}

static void check_async_store(void)
{
	u64 *bad = mte_tag_ptr(granule, BAD_TAG);

	mte_clear_tfsr();
	clear_seen();
	store(bad, 0x4444);
	report(!seen.faults, "a mismatched store does not fault");
	report(mte_read_tfsr() & TFSR_TF0, "it sets TFSR_EL1.TF0");
	report(load(mte_tag_ptr(granule, GOOD_TAG)) == 0x4444, "and the store happened");
}

static void check_matching_leaves_tfsr(void)
{
	mte_clear_tfsr();
	store(mte_tag_ptr(granule, GOOD_TAG), 0x5555);
	load(mte_tag_ptr(granule, GOOD_TAG));
	report(!(mte_read_tfsr() & TFSR_TF0), "matching accesses leave TFSR_EL1.TF0 clear");
}

static void test_async(int argc, char **argv)
{
	u64 *bad;

	report_prefix_push("mte-async");
	if (mte_usable(MTE_FULL)) {
		setup_tagged_page(MTE_TCF_ASYNC);
		bad = mte_tag_ptr(granule, BAD_TAG);
		check_matching_leaves_tfsr();
		mte_clear_tfsr();
		clear_seen();
		load(bad);
		report(!seen.faults && (mte_read_tfsr() & TFSR_TF0),
		       "a mismatched load does not fault and sets TFSR_EL1.TF0");
		check_async_store();
		check_checks_off();
	}
	report_prefix_pop();
}

static void test_asymm(int argc, char **argv)
{
	u64 *bad;

	report_prefix_push("mte-asymm");
	if (mte_usable(MTE_ASYMM)) {
		setup_tagged_page(MTE_TCF_ASYMM);
		bad = mte_tag_ptr(granule, BAD_TAG);
		check_matching_leaves_tfsr();
		mte_clear_tfsr();
		clear_seen();
		load(bad);
		report(sync_tag_fault_at(bad), "a mismatched load faults synchronously");
		report(!(mte_read_tfsr() & TFSR_TF0), "without setting TFSR_EL1.TF0");
		check_async_store();
		check_checks_off();
	}
	report_prefix_pop();
}

static const struct subtest tests[] = {
	{ "sync", test_sync },
	{ "async", test_async },
	{ "asymm", test_asymm },
	{ NULL },
};

int main(int argc, char **argv)
{
	return run_subtests(tests, NULL, argc, argv);
}
