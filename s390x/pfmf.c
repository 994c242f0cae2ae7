/*
 * PERFORM FRAME MANAGEMENT FUNCTION (with EDAT-1, STFLE bit 8; PoP ch. 10): R1 says
 * what to do (bit 46 set key, bit 47 clear frame, bits 50-51 frame size 4 KiB or
 * 1 MiB, bits 56-62 the key), R2 the frame. A 1 MiB function may stop early: R2 then
 * points at the next 4 KiB block, and the program repeats it to the boundary.
 */
#include <libcflat.h>
#include <s390x/psw.h>
#include <s390x/interrupt.h>
#include <s390x/facility.h>
#include <s390x/skey.h>

#define PFMF_SET_KEY	0x20000UL
#define PFMF_CLEAR	0x10000UL
#define PFMF_FSC_4K	0x00000UL
#define PFMF_FSC_1M	0x01000UL
#define PFMF_FSC_BAD	0x03000UL
#define KEY		(SKEY_ACC(3) | SKEY_FP)

static u64 pfmf(u64 r1, u64 addr)
{
	asm volatile(".insn rre,0xb9af0000,%[r1],%[r2]"
		     : [r2] "+a"(addr) : [r1] "d"(r1) : "memory");
	return addr;
}

static void pfmf_1m(u64 r1, u8 *frame)
{
	u64 next = (u64)frame, end = next + SZ_1M;

	while (next < end)
		next = pfmf(r1 | PFMF_FSC_1M, next);
}

static int pages_not(u8 *frame, int pages, u8 key, int byte)
{
	int i, j, bad = 0;

	for (i = 0; i < pages; i++) {
		u8 *page = frame + i * PAGE_SIZE;

		if (key != 0xff && (iske(page) & (SKEY_ACC(15) | SKEY_FP)) != key)
			bad++;
		for (j = 0; byte >= 0 && j < PAGE_SIZE; j++)
			if (page[j] != byte) {
				bad++;
				break;
			}
	}
	return bad;
}

int main(void)
{
	u8 *frame;

	report_prefix_push("pfmf");
	if (!test_facility(FAC_EDAT1)) {
		report_skip("PFMF needs EDAT-1 (STFLE bit 8), not installed");
		return report_summary();
	}
	frame = alloc_pages(8);	/* 1 MiB, naturally aligned */
	memset(frame, 0x42, SZ_1M);

	pfmf(PFMF_SET_KEY | PFMF_FSC_4K | KEY, (u64)frame);
	report(!pages_not(frame, 1, KEY, 0x42), "4K: key set, data kept");
	report(!pages_not(frame + PAGE_SIZE, 1, 0, -1), "4K: the next page's key unchanged");
	pfmf(PFMF_CLEAR | PFMF_FSC_4K, (u64)frame);
	report(!pages_not(frame, 1, KEY, 0), "4K: cleared, key kept");

	pfmf_1m(PFMF_SET_KEY | KEY, frame);
	report(!pages_not(frame, 256, KEY, -1), "1M: every page's key set");
	pfmf_1m(PFMF_CLEAR, frame);
	report(!pages_not(frame, 256, 0xff, 0), "1M: every page cleared");

	expect_pgm_int();
	pfmf(PFMF_CLEAR | PFMF_FSC_BAD, (u64)frame);
	check_pgm_int(PGM_INT_CODE_SPECIFICATION, 4, "frame-size code 3");
	check_privileged(4, "problem state", pfmf(PFMF_CLEAR, (u64)frame));
	pfmf_1m(PFMF_SET_KEY, frame);
	free_pages(frame, 8);
	report_prefix_pop();
	return report_summary();
}
