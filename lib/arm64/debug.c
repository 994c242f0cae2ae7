#include <arm64/debug.h>
#include <arm64/sysreg.h>

#define ID_DFR0_BRPS(v) ((((v) >> 12) & 0xf) + 1)
#define ID_DFR0_WRPS(v) ((((v) >> 20) & 0xf) + 1)

/* DBGBCR/DBGWCR fields (Arm ARM D17.3.4, D17.3.10). */
#define DBGxCR_E BIT(0)
#define DBGxCR_PRIV_EL1_EL0 (3UL << 1) /* PMC / PAC = 0b11 with HMC=0, SSC=0 */
#define DBGBCR_BAS_A64 (0xfUL << 5)
#define DBGWCR_LSC_SHIFT 3
#define DBGWCR_BAS_SHIFT 5

/*
 * The debug registers are distinct system registers per index: an MSR/MRS names
 * its register in the instruction, so each accessor switches over the 16 indexes.
 */
#define DBG_CASE_READ(reg, i) case i: return read_sysreg(reg##i##_el1);
#define DBG_CASE_WRITE(reg, i, v) case i: write_sysreg(v, reg##i##_el1); break;
#define DBG_CASES(op, ...)                                                          \
	op(__VA_ARGS__, 0) op(__VA_ARGS__, 1) op(__VA_ARGS__, 2) op(__VA_ARGS__, 3)     \
	op(__VA_ARGS__, 4) op(__VA_ARGS__, 5) op(__VA_ARGS__, 6) op(__VA_ARGS__, 7)     \
	op(__VA_ARGS__, 8) op(__VA_ARGS__, 9) op(__VA_ARGS__, 10) op(__VA_ARGS__, 11)   \
	op(__VA_ARGS__, 12) op(__VA_ARGS__, 13) op(__VA_ARGS__, 14) op(__VA_ARGS__, 15)
#define READ_ONE(reg, i) DBG_CASE_READ(reg, i)
#define WRITE_ONE(reg, v, i) DBG_CASE_WRITE(reg, i, v)

#define DEFINE_DBG_ACCESSORS(name, reg)                     \
	u64 debug_read_##name(int n)                         \
	{                                                    \
		switch (n) {                                 \
			DBG_CASES(READ_ONE, reg)             \
		}                                            \
		assert_msg(0, "no debug register %d", n);    \
	}                                                    \
	void debug_write_##name(int n, u64 v)                \
	{                                                    \
		switch (n) {                                 \
			DBG_CASES(WRITE_ONE, reg, v)         \
		default:                                     \
			assert_msg(0, "no debug register %d", n); \
		}                                            \
		isb();                                       \
	}

DEFINE_DBG_ACCESSORS(bvr, dbgbvr)
DEFINE_DBG_ACCESSORS(bcr, dbgbcr)
DEFINE_DBG_ACCESSORS(wvr, dbgwvr)
DEFINE_DBG_ACCESSORS(wcr, dbgwcr)

int debug_nr_breakpoints(void)
{
	return ID_DFR0_BRPS(read_sysreg(id_aa64dfr0_el1));
}

int debug_nr_watchpoints(void)
{
	return ID_DFR0_WRPS(read_sysreg(id_aa64dfr0_el1));
}

void debug_reset(void)
{
	int i;

	asm volatile("msr daifset, #8" ::: "memory");
	write_sysreg(0, mdscr_el1);
	write_sysreg(0, oslar_el1);
	for (i = 0; i < debug_nr_breakpoints(); i++) {
		debug_write_bcr(i, 0);
		debug_write_bvr(i, 0);
	}
	for (i = 0; i < debug_nr_watchpoints(); i++) {
		debug_write_wcr(i, 0);
		debug_write_wvr(i, 0);
	}
	isb();
}

void debug_enable(void)
{
	write_sysreg(read_sysreg(mdscr_el1) | MDSCR_KDE | MDSCR_MDE, mdscr_el1);
	isb();
	asm volatile("msr daifclr, #8" ::: "memory");
}

void debug_disable(void)
{
	asm volatile("msr daifset, #8" ::: "memory");
	write_sysreg(0, mdscr_el1);
	isb();
}

u64 debug_bcr_value(void)
{
	return DBGBCR_BAS_A64 | DBGxCR_PRIV_EL1_EL0 | DBGxCR_E;
}

u64 debug_wcr_value(const void *addr, int len, int lsc)
{
	u64 bas = ((1UL << len) - 1) << ((unsigned long)addr & 7);

	return bas << DBGWCR_BAS_SHIFT | (u64)lsc << DBGWCR_LSC_SHIFT | DBGxCR_PRIV_EL1_EL0 |
	       DBGxCR_E;
}

void debug_set_breakpoint(int n, const void *pc)
{
	debug_write_bvr(n, (u64)pc);
	debug_write_bcr(n, debug_bcr_value());
}

void debug_set_watchpoint(int n, const void *addr, int len, int lsc)
{
	assert(len >= 1 && ((unsigned long)addr & 7) + len <= 8);
	debug_write_wvr(n, (u64)addr & ~7UL);
	debug_write_wcr(n, debug_wcr_value(addr, len, lsc));
}
