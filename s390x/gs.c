/*
 * Guarded storage (STFLE bit 133; PoP ch. 4 "Guarded-Storage Facility"): LOAD/STORE
 * GUARDED STORAGE CONTROLS are a special-operation exception while the control in CR2
 * bit 59 is off; with it on, controls loaded are stored back; LOAD GUARDED with guarded
 * storage not enabled loads like LG. (QEMU 7.2 TCG lacks the facility: the test SKIPs
 * there, so these claims have not run on it.)
 */
#include <libcflat.h>
#include <s390x/psw.h>
#include <s390x/interrupt.h>
#include <s390x/facility.h>

#define CR2_GUARDED_STORAGE	CR_BIT(59)

struct gs_controls {
	u64 reserved;
	u64 designation;
	u64 section_mask;
	u64 epl_address;
} __aligned(32);

static void lgsc(struct gs_controls *gsc)
{
	asm volatile(".insn rxy,0xe3000000004d,0,%0" : : "Q"(*gsc) : "memory");
}

static void stgsc(struct gs_controls *gsc)
{
	asm volatile(".insn rxy,0xe30000000049,0,%0" : "=Q"(*gsc) : : "memory");
}

static u64 lgg(u64 *addr)
{
	u64 val;

	asm volatile(".insn rxy,0xe3000000004c,%0,%1" : "=d"(val) : "Q"(*addr) : "memory");
	return val;
}

int main(void)
{
	static struct gs_controls zero, back;
	static u64 word = 0x1234567890abcdefUL;

	report_prefix_push("gs");
	if (!test_facility(FAC_GUARDED_STORAGE)) {
		report_skip("guarded-storage facility (STFLE bit 133) not installed");
		return report_summary();
	}
	ctl_clear_bits(2, CR2_GUARDED_STORAGE);
	expect_pgm_int();
	lgsc(&zero);
	check_pgm_int(PGM_INT_CODE_SPECIAL_OPERATION, 6, "LGSC with CR2 bit 59 off");

	ctl_set_bits(2, CR2_GUARDED_STORAGE);
	lgsc(&zero);
	memset(&back, 0xff, sizeof(back));
	stgsc(&back);
	report(!memcmp(&back, &zero, sizeof(back)), "STGSC stores the controls LGSC loaded");
	report(lgg(&word) == word, "LGG with guarded storage not enabled loads like LG");
	ctl_clear_bits(2, CR2_GUARDED_STORAGE);
	report_prefix_pop();
	return report_summary();
}
