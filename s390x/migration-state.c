/*
 * s390x state across live migration (group migration; docs/HACKING.md "Migration").
 * Sub-tests, by the first argument:
 *   regs             control registers, access registers, the FPC, vector registers
 *                    16-31, the clock comparator and the CPU timer survive
 *   sck              the TOD clock never goes back, keeps a value SET CLOCK gave it, and
 *                    stays monotonic while the host migrates back and forth
 *   skey-sequential  storage keys set before a migration are there after it
 *   skey-parallel    keys the guest keeps changing during continuous migration are the
 *                    last ones it set
 *   cmm              ESSA page states survive (where ESSA is installed)
 */
#include <libcflat.h>
#include <clock.h>
#include <migrate.h>
#include <subtest.h>
#include <s390x/psw.h>
#include <s390x/interrupt.h>
#include <s390x/facility.h>
#include <s390x/skey.h>
#include <s390x/tod.h>

#define CR0_EXTRACTION_AUTHORITY CR_BIT(36)
#define CR0_VECTOR		CR_BIT(46)
#define SECOND			(1000000UL * TOD_PER_USEC)
#define SKEY_PAGES		64	/* alloc_pages(6) */
#define CONTINUOUS_MIGRATIONS	3
#define CONTINUOUS_TIMEOUT_MS	90000

#define VX(insn) ".machine push\n .machine z13\n " insn "\n .machine pop\n"

static u64 pattern(int i)
{
	return 0x0123456789abcdefUL ^ ((u64)i * 0x9e3779b97f4a7c15UL);
}

static void check_vector_registers(void)
{
	u64 in[32], out[32];
	int i, bad = 0;

	if (!test_facility(FAC_VECTOR)) {
		report_skip("vector registers: vector facility (STFLE bit 129) not installed");
		migrate();
		return;
	}
	for (i = 0; i < 32; i++)
		in[i] = pattern(i + 100);
	ctl_set_bits(0, CR0_VECTOR);
	asm volatile(VX("vlm %%v16,%%v31,%0") : : "Q"(*(u64 (*)[32])in) : "memory");
	migrate();
	asm volatile(VX("vstm %%v16,%%v31,%0") : "=Q"(*(u64 (*)[32])out) : : "memory");
	ctl_clear_bits(0, CR0_VECTOR);
	for (i = 0; i < 32; i++)
		bad += in[i] != out[i];
	report(!bad, "vector registers 16-31 survive (%d of 32 doublewords differ)", bad);
}

static void test_regs(int argc, char **argv)
{
	u32 ars_in[12], ars_out[12];
	u64 cr[3] = { 0x0000000011110007UL, 0x0000000077770007UL, 0x00000000dddd0007UL };
	u64 ckc = stckf() + 3600 * SECOND, timer_before, timer_after;
	u32 fpc_in = 0x00000001, fpc_out = 0;
	int i;

	for (i = 0; i < 12; i++)
		ars_in[i] = pattern(i);
	ctl_set(1, cr[0]);
	ctl_set(7, cr[1]);
	ctl_set(13, cr[2]);
	ctl_set_bits(0, CR0_EXTRACTION_AUTHORITY);
	asm volatile("lam 4,15,%0" : : "Q"(ars_in));
	asm volatile("lfpc %0" : : "Q"(fpc_in));
	sckc(ckc);
	spt(7200 * SECOND);
	timer_before = stpt();

	check_vector_registers();

	asm volatile("stam 4,15,%0" : "=Q"(ars_out));
	asm volatile("stfpc %0" : "=Q"(fpc_out));
	timer_after = stpt();
	report(ctl_get(1) == cr[0] && ctl_get(7) == cr[1] && ctl_get(13) == cr[2],
	       "CR1, CR7, CR13 survive");
	report(ctl_get(0) & CR0_EXTRACTION_AUTHORITY, "CR0 bit 36 survives");
	report(!memcmp(ars_in, ars_out, sizeof(ars_in)), "access registers 4-15 survive");
	report(fpc_out == fpc_in, "the FPC survives (%#x)", fpc_out);
	report(stckc() == ckc, "the clock comparator survives");
	report(timer_after < timer_before && timer_before - timer_after < 600 * SECOND,
	       "the CPU timer kept counting down (%lu ms)",
	       (timer_before - timer_after) / TOD_PER_USEC / 1000);
	sckc(~0UL);
	ctl_set(1, 0);
	ctl_set(7, 0);
	ctl_set(13, 0);
}

static void test_sck(int argc, char **argv)
{
	u64 before, after, set, prev, now, deadline;
	int samples = 0, backwards = 0;

	before = stckf();
	migrate();
	after = stckf();
	report(after >= before, "TOD after a migration >= before (+%lu ms)",
	       (after - before) / TOD_PER_USEC / 1000);

	set = stckf() + 3600 * SECOND;
	report(sck(set) == 0, "SET CLOCK one hour ahead");
	migrate();
	now = stckf();
	report(now >= set && now - set < 600 * SECOND, "the destination keeps the set clock");

	deadline = clock_ns() + CONTINUOUS_TIMEOUT_MS * NSEC_PER_MSEC;
	prev = stckf();
	migrate_begin_continuous();
	while (migrate_continuous_progress() < CONTINUOUS_MIGRATIONS && clock_ns() < deadline) {
		now = stckf();
		backwards += now < prev;
		prev = now;
		samples++;
	}
	report(migrate_end_continuous() >= 1, "the host migrated while the guest read the clock");
	report(!backwards, "the clock never went back in %d reads", samples);
	sck(stckf() - 3600 * SECOND);
}

static u8 *skey_pages;

static u8 key_for(int page, int round)
{
	return SKEY_ACC((page * 7 + round) % 16) | ((page + round) & 1 ? SKEY_FP : 0);
}

static void set_keys(int round)
{
	int i;

	for (i = 0; i < SKEY_PAGES; i++)
		sske(skey_pages + i * PAGE_SIZE, key_for(i, round));
}

/* Pages whose key (without reference and change bits) is not the one of @round. */
static int wrong_keys(int round)
{
	int i, bad = 0;

	for (i = 0; i < SKEY_PAGES; i++)
		bad += (iske(skey_pages + i * PAGE_SIZE) & ~(SKEY_R | SKEY_C)) != key_for(i, round);
	return bad;
}

static void clear_keys(void)
{
	int i;

	for (i = 0; i < SKEY_PAGES; i++)
		sske(skey_pages + i * PAGE_SIZE, 0);
}

static void test_skey_sequential(int argc, char **argv)
{
	set_keys(0);
	report(!wrong_keys(0), "%d keys set", SKEY_PAGES);
	migrate();
	report(!wrong_keys(0), "keys after the migration (%d of %d wrong)", wrong_keys(0),
	       SKEY_PAGES);
	set_keys(5);
	migrate();
	report(!wrong_keys(5), "keys changed in between, after a second migration (%d wrong)",
	       wrong_keys(5));
	clear_keys();
}

static void test_skey_parallel(int argc, char **argv)
{
	u64 deadline = clock_ns() + CONTINUOUS_TIMEOUT_MS * NSEC_PER_MSEC;
	int round = 0, bad_rounds = 0, done;

	migrate_begin_continuous();
	while (migrate_continuous_progress() < CONTINUOUS_MIGRATIONS && clock_ns() < deadline) {
		round++;
		set_keys(round);
		bad_rounds += wrong_keys(round) != 0;
	}
	done = migrate_end_continuous();
	report(done >= 1, "%d migrations while the guest changed keys (%d rounds)", done, round);
	report(!bad_rounds, "every round read back the keys it set (%d rounds wrong)", bad_rounds);
	report(!wrong_keys(round), "the last round's keys after the migrations (%d wrong)",
	       wrong_keys(round));
	clear_keys();
}

/*
 * EXTRACT AND SET STORAGE ATTRIBUTES (the CMM facility): M3 is the operation, R1 gets
 * the block's state before it. The claims compare states with each other, not with
 * encodings: a page set unused reads back differently from one set stable.
 */
#define ESSA(op, page)								\
	({									\
		u64 __state = 0;						\
		asm volatile(".insn rrf,0xb9ab0000,%[state],%[pg]," #op ",0"	\
			     : [state] "+d"(__state) : [pg] "a"(page) : "memory");	\
		__state;							\
	})
#define ESSA_EXTRACT(page)	ESSA(0, page)
#define ESSA_SET_STABLE(page)	ESSA(1, page)
#define ESSA_SET_UNUSED(page)	ESSA(2, page)

static bool essa_installed(void)
{
	u16 code;

	expect_pgm_int();
	ESSA_EXTRACT(skey_pages);
	code = pgm_int_taken();
	if (code == PGM_INT_CODE_OPERATION)
		return false;
	report(!code, "ESSA extract: no exception (got %#x)", code);
	return true;
}

/* -append "cmm" migrates; "cmm local" does not (the cmm entry outside group migration). */
static void test_cmm(int argc, char **argv)
{
	bool local = argc > 1 && !strcmp(argv[1], "local");
	u8 *stable = skey_pages, *unused = skey_pages + PAGE_SIZE;
	u64 s_stable, s_unused;

	if (!essa_installed()) {
		report_skip("ESSA is not installed (operation exception): no CMM facility");
		if (!local)
			migrate_skip();
		return;
	}
	ESSA_SET_STABLE(stable);
	ESSA_SET_UNUSED(unused);
	s_stable = ESSA_EXTRACT(stable);
	s_unused = ESSA_EXTRACT(unused);
	report(s_stable != s_unused, "a page set unused reads another state than a stable one");
	report(ESSA_EXTRACT(stable) == s_stable, "extracting does not change the state");
	if (local)
		return;
	migrate();
	report(ESSA_EXTRACT(stable) == s_stable && ESSA_EXTRACT(unused) == s_unused,
	       "both states survive the migration");
}

static const struct subtest tests[] = {
	{ "regs", test_regs },
	{ "sck", test_sck },
	{ "skey-sequential", test_skey_sequential },
	{ "skey-parallel", test_skey_parallel },
	{ "cmm", test_cmm },
	{ NULL }
};

int main(int argc, char **argv)
{
	skey_pages = alloc_pages(6);	/* 64 pages */
	report_prefix_push(argc > 1 ? argv[1] : "migration-state");
	return run_subtests(tests, NULL, argc, argv);
}
