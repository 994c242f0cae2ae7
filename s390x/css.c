/*
 * Channel-subsystem I/O against a virtio-ccw device (control-unit type 0x3832):
 * enumeration, enabling, SENSE ID, a data-transferring read, status handling,
 * architected errors of the I/O instructions, and channel monitoring.
 * Run with a virtio-ccw device (unittests.cfg: virtio-blk-ccw on a null backend).
 */
#include <libcflat.h>
#include <s390x/psw.h>
#include <s390x/interrupt.h>
#include <s390x/css.h>

#define VIRTIO_CCW_CU_TYPE	0x3832
#define VIRTIO_CCW_READ_FEAT	0x12
#define ISC			CSS_DEFAULT_ISC
#define ABSENT_SUBCHANNEL	SCHID(0, 0xffff)
#define FILL			0xa5

#define CHSC_SCSC		0x0010	/* store channel-subsystem characteristics */
#define CHSC_RESPONSE_OK	0x0001

struct virtio_feature_desc {
	u32 features;	/* little endian */
	u8 index;
} __packed;

static u32 schid;
static struct irb irb;

static void *io_page(void)
{
	void *p = alloc_pages_below(0, CSS_BELOW_2G);

	assert(p);
	return p;
}

static bool report_irb(bool ok, const char *what)
{
	if (!ok)
		css_dump_irb(what, &irb);
	return report(ok, "%s", what);
}

/* Sets schid to the virtio-ccw device's subchannel; NULL, or why there is none (in @why). */
static const char *find_device(char *why, size_t size)
{
	u32 schids[16];
	struct schib schib;
	struct senseid *id = io_page();
	long found;
	int n;

	report_prefix_push("enumerate");
	n = css_enumerate(schids, ARRAY_SIZE(schids));
	if (!n) {
		report_prefix_pop();
		free_page(id);
		return "no subchannel with a device number (run with a virtio-ccw device, see unittests.cfg)";
	}
	report_info("%d subchannel(s) with a device number", n);
	report(stsch(ABSENT_SUBCHANNEL, &schib) == 3, "STSCH of an absent subchannel: cc 3");
	found = css_find_cu_type(ISC, VIRTIO_CCW_CU_TYPE, id);
	report(found >= 0, "SENSE ID finds control-unit type %#x", VIRTIO_CCW_CU_TYPE);
	report_prefix_pop();
	free_page(id);
	if (found < 0) {
		snprintf(why, size, "%d subchannel(s), none with control-unit type %#x (virtio-ccw)",
			 n, VIRTIO_CCW_CU_TYPE);
		return why;
	}
	schid = found;
	report_info("virtio-ccw device on subchannel %#x", schid);
	return NULL;
}

static void check_enable(void)
{
	struct schib schib;

	report_prefix_push("enable");
	report(css_disable(schid) == 0, "MSCH disabling: cc 0");
	report(stsch(schid, &schib) == 0 && !(schib.pmcw.flags & PMCW_ENABLED),
	       "STSCH shows the subchannel disabled");
	report(css_start(schid, io_page(), 0) == 3, "SSCH on a disabled subchannel: cc 3");
	report(css_enable(schid, ISC) == 0, "MSCH enabling with ISC %d: cc 0", ISC);
	stsch(schid, &schib);
	report((schib.pmcw.flags & PMCW_ENABLED) &&
	       (schib.pmcw.flags & PMCW_ISC_MASK) >> PMCW_ISC_SHIFT == ISC,
	       "STSCH shows it enabled with ISC %d", ISC);
	report(schib.pmcw.intparm == schid, "and the interruption parameter set by MSCH");
	report_prefix_pop();
}

static void check_sense_id(void)
{
	struct senseid *id = io_page();
	int cc;

	report_prefix_push("sense id");
	memset(id, 0, sizeof(*id));
	cc = css_run_ccw(schid, ISC, CCW_CMD_SENSE_ID, CCW_F_SLI, id, sizeof(*id), &irb);
	report(cc == 0, "I/O interruption and TSCH cc 0 (got %d)", cc);
	report_irb(css_irb_clean(&irb), "channel end, device end, no checks");
	report(id->reserved == 0xff, "byte 0 is 0xff");
	report(id->cu_type == VIRTIO_CCW_CU_TYPE, "control-unit type %#x (got %#x)",
	       VIRTIO_CCW_CU_TYPE, id->cu_type);
	report(irb.scsw.count < sizeof(*id), "data transferred (residual %u of %zu)",
	       irb.scsw.count, sizeof(*id));
	report_prefix_pop();
	free_page(id);
}

static void check_read(void)
{
	struct virtio_feature_desc *feat = io_page();
	int cc;

	report_prefix_push("read");
	memset(feat, FILL, sizeof(*feat));
	feat->index = 0;
	cc = css_run_ccw(schid, ISC, VIRTIO_CCW_READ_FEAT, 0, feat, sizeof(*feat), &irb);
	report(cc == 0, "READ_FEAT: I/O interruption and TSCH cc 0 (got %d)", cc);
	report_irb(css_irb_clean(&irb), "READ_FEAT: clean status");
	report(irb.scsw.count == 0, "READ_FEAT: residual count 0 (got %u)", irb.scsw.count);
	report(feat->features != 0 && feat->features != 0xa5a5a5a5,
	       "READ_FEAT: feature bits stored (%#x)", feat->features);
	report_prefix_pop();
	free_page(feat);
}

static void check_status_handling(void)
{
	struct schib schib;
	struct tpi_info tpi_info = { 0 };
	int cc;

	report_prefix_push("status");
	cc = tsch(schid, &irb);
	report(cc == 1, "TSCH after the status was taken: cc 1, not status pending (got %d)", cc);
	stsch(schid, &schib);
	report(!(schib.scsw.ctrl & SCSW_SC_PENDING), "STSCH: no status pending");
	report(tpi(&tpi_info) == 0, "TPI with nothing pending: cc 0");
	report_prefix_pop();
}

static void check_orb_errors(void)
{
	struct ccw1 *ccw = io_page();
	u8 *buf = io_page();
	struct orb *orb = (struct orb *)(buf + 64);
	struct orb *misaligned = (struct orb *)(buf + 130);
	int cc;

	report_prefix_push("orb");
	*ccw = (struct ccw1){ .code = CCW_CMD_SENSE_ID, .flags = CCW_F_SLI, .count = 8,
			      .data = (u32)(u64)(buf + 2048) };
	*orb = (struct orb){ .intparm = schid, .cpa = (u32)(u64)ccw,
			     .ctrl = ORB_CTRL_FMT1 | ORB_CTRL_LPM_ALL };

	memcpy(misaligned, orb, sizeof(*orb));
	report_prefix_push("ORB off a word boundary");
	expect_pgm_int();
	ssch(schid, misaligned);
	check_pgm_int_code(PGM_INT_CODE_SPECIFICATION);
	report_prefix_pop();

	report_prefix_push("ORB reserved bits set");
	orb->ctrl |= ORB_CTRL_RESERVED;
	expect_pgm_int();
	ssch(schid, orb);
	check_pgm_int_code(PGM_INT_CODE_OPERAND);
	orb->ctrl &= ~ORB_CTRL_RESERVED;
	report_prefix_pop();

	report_prefix_push("invalid subsystem-id word");
	expect_pgm_int();
	ssch(0x12345678, orb);
	check_pgm_int_code(PGM_INT_CODE_OPERAND);
	report_prefix_pop();
	report_prefix_pop();

	report_prefix_push("ccw address");
	orb->cpa = (u32)(u64)ccw + 4;	/* CCWs are doubleword aligned */
	cc = ssch(schid, orb);
	report(cc == 0, "SSCH of a misaligned channel program: cc 0 (got %d)", cc);
	cc = css_wait_io(schid, ISC, &irb);
	report(cc == 0, "I/O interruption and TSCH cc 0 (got %d)", cc);
	report_irb(irb.scsw.sch_stat & SCH_STAT_PROG_CHECK, "channel-program check in the SCSW");
	report_prefix_pop();
	free_page(ccw);
	free_page(buf);
}

static void check_other_functions(void)
{
	int cc;

	report_prefix_push("functions");
	cc = rsch(schid);
	report(cc == 2, "RSCH without a suspended start: cc 2 (got %d)", cc);
	cc = csch(schid);
	report(cc == 0, "CSCH of an idle subchannel: cc 0 (got %d)", cc);
	cc = css_wait_io(schid, ISC, &irb);
	report(cc == 0 && (irb.scsw.ctrl & SCSW_FC_CLEAR), "clear function completes with an I/O interruption");
	cc = hsch(schid);
	report(cc == 0, "HSCH of an idle subchannel: cc 0 (got %d)", cc);
	cc = css_wait_io(schid, ISC, &irb);
	report(cc == 0 && (irb.scsw.ctrl & SCSW_FC_HALT), "halt function completes with an I/O interruption");
	report_prefix_pop();
}

static void check_crw(void)
{
	struct crw crw;
	int i, cc = 0;

	report_prefix_push("stcrw");
	for (i = 0; i < 64; i++) {
		crw.word = 0xffffffff;
		cc = stcrw(&crw);
		if (cc)
			break;
		report_info("pending CRW %#x", crw.word);
	}
	report(cc == 1, "no CRW pending: cc 1 (got %d)", cc);
	report(crw.word == 0, "and zeros stored (%#x)", crw.word);
	report_prefix_pop();
}

static void check_chsc(void)
{
	u16 *req = io_page();
	u16 *resp = req + 8;
	int cc;

	report_prefix_push("chsc");
	req[0] = 0x10;		/* request length */
	req[1] = CHSC_SCSC;
	cc = chsc(req);
	report(cc == 0, "store channel-subsystem characteristics: cc 0 (got %d)", cc);
	report(resp[1] == CHSC_RESPONSE_OK, "response code 1 (got %#x)", resp[1]);
	report_prefix_push("request block off a page boundary");
	expect_pgm_int();
	chsc((u8 *)req + 8);
	check_pgm_int_code(PGM_INT_CODE_SPECIFICATION);
	report_prefix_pop();
	report_prefix_pop();
	free_page(req);
}

static int measured_io(void)
{
	u8 *buf = io_page();
	int cc = css_run_ccw(schid, ISC, CCW_CMD_SENSE_ID, CCW_F_SLI, buf, 32, &irb);

	free_page(buf);
	return cc;
}

static int set_mme(u16 mme)
{
	struct schib schib;

	stsch(schid, &schib);
	schib.pmcw.flags = (schib.pmcw.flags & ~PMCW_MME_MASK) | mme;
	schib.pmcw.mbi = 0;
	return msch(schid, &schib);
}

static void check_measurement(void)
{
	volatile u16 *block = io_page();	/* format 0: word 0 is the SSCH+RSCH count */
	struct schib schib;
	u16 before, after;

	report_prefix_push("measurement");
	schm((void *)block, 0, true, false);
	if (set_mme(PMCW_MME_ENABLE) || stsch(schid, &schib) ||
	    !(schib.pmcw.flags & PMCW_MME_ENABLE)) {
		report_skip("measurement mode not accepted by MSCH (no channel monitoring?)");
		goto out;
	}
	report((schib.pmcw.flags & PMCW_MME_MASK) == PMCW_MME_ENABLE,
	       "MSCH enables measurement mode");
	before = block[0];
	report(measured_io() == 0, "a measured SENSE ID completes");
	after = block[0];
	report(after == (u16)(before + 1), "SSCH count %u -> %u", before, after);
	report(set_mme(0) == 0, "MSCH disables measurement mode");
	measured_io();
	report(block[0] == after, "SSCH count stays %u when disabled (got %u)", after, block[0]);
out:
	schm(NULL, 0, false, false);
	report_prefix_pop();
}

int main(int argc, char **argv, char **envp)
{
	char why[128];
	const char *absent;

	report_prefix_push("css");
	absent = find_device(why, sizeof(why));
	if (absent)
		report_skip_all("%s", absent);
	check_enable();
	check_sense_id();
	check_read();
	check_status_handling();
	check_orb_errors();
	check_other_functions();
	check_crw();
	check_chsc();
	check_measurement();
	report_prefix_pop();
	return report_summary();
}
