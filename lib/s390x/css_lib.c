/*
 * Channel-subsystem instructions and helpers. GR1 carries the subsystem-
 * identification word for the subchannel instructions (PoP ch. 14).
 */
#include <libcflat.h>
#include <s390x/psw.h>
#include <s390x/interrupt.h>
#include <s390x/css.h>

#define SCH_INSN(name, mnemonic)					\
int name(u32 schid, void *block)					\
{									\
	register u64 r1 asm("1") = schid;				\
	u64 ipm;							\
									\
	asm volatile(mnemonic " 0(%[blk])\n"				\
		     "ipm %[ipm]"					\
		     : [ipm] "=d"(ipm)					\
		     : "d"(r1), [blk] "a"(block)			\
		     : "cc", "memory");					\
	return CC_FROM_IPM(ipm);					\
}

static SCH_INSN(stsch_raw, "stsch")
static SCH_INSN(msch_raw, "msch")
static SCH_INSN(ssch_raw, "ssch")
static SCH_INSN(tsch_raw, "tsch")

int stsch(u32 schid, struct schib *schib) { return stsch_raw(schid, schib); }
int msch(u32 schid, struct schib *schib) { return msch_raw(schid, schib); }
int ssch(u32 schid, struct orb *orb) { return ssch_raw(schid, orb); }
int tsch(u32 schid, struct irb *irb) { return tsch_raw(schid, irb); }

#define SCH_INSN_NOARG(name, mnemonic)					\
int name(u32 schid)							\
{									\
	register u64 r1 asm("1") = schid;				\
	u64 ipm;							\
									\
	asm volatile(mnemonic "\n"					\
		     "ipm %[ipm]"					\
		     : [ipm] "=d"(ipm) : "d"(r1) : "cc", "memory");	\
	return CC_FROM_IPM(ipm);					\
}

SCH_INSN_NOARG(hsch, "hsch")
SCH_INSN_NOARG(csch, "csch")
SCH_INSN_NOARG(rsch, "rsch")

int stcrw(struct crw *crw)
{
	u64 ipm;

	asm volatile("stcrw %[crw]\n"
		     "ipm %[ipm]"
		     : [ipm] "=d"(ipm), [crw] "=Q"(*crw) : : "cc", "memory");
	return CC_FROM_IPM(ipm);
}

int tpi(struct tpi_info *info)
{
	u64 ipm;

	asm volatile("tpi 0(%[info])\n"
		     "ipm %[ipm]"
		     : [ipm] "=d"(ipm) : [info] "a"(info) : "cc", "memory");
	return CC_FROM_IPM(ipm);
}

int chsc(void *request)
{
	u64 ipm;

	asm volatile(".insn rre,0xb25f0000,%[req],0\n"
		     "ipm %[ipm]"
		     : [ipm] "=d"(ipm) : [req] "d"(request) : "cc", "memory");
	return CC_FROM_IPM(ipm);
}

/* SET CHANNEL MONITOR: GR1 key (bits 32-35), M (bit 62), D (bit 63); GR2 the origin. */
void schm(void *mbo, u8 key, bool update, bool dct)
{
	register u64 r1 asm("1") = ((u64)key << 28) | (update ? 2 : 0) | (dct ? 1 : 0);
	register u64 r2 asm("2") = (u64)mbo;

	asm volatile("schm" : : "d"(r1), "d"(r2) : "memory");
}

int css_enumerate(u32 *schids, int max)
{
	struct schib schib;
	int nr, n = 0;

	for (nr = 0; nr <= 0xffff && n < max; nr++) {
		if (stsch(SCHID(0, nr), &schib))
			continue;
		if (schib.pmcw.flags & PMCW_DNV)
			schids[n++] = SCHID(0, nr);
	}
	return n;
}

static int css_modify_flags(u32 schid, u16 set, u16 clear, int isc)
{
	struct schib schib;
	int cc;

	cc = stsch(schid, &schib);
	if (cc)
		return cc;
	schib.pmcw.flags &= ~(clear | PMCW_ISC_MASK);
	schib.pmcw.flags |= set | (isc << PMCW_ISC_SHIFT);
	schib.pmcw.intparm = schid;
	return msch(schid, &schib);
}

int css_enable(u32 schid, int isc)
{
	return css_modify_flags(schid, PMCW_ENABLED, 0, isc);
}

int css_disable(u32 schid)
{
	return css_modify_flags(schid, 0, PMCW_ENABLED, 0);
}

int css_start(u32 schid, struct ccw1 *ccws, u32 orb_flags)
{
	struct orb orb = {
		.intparm = schid,
		.ctrl = ORB_CTRL_FMT1 | ORB_CTRL_LPM_ALL | orb_flags,
		.cpa = (u32)(u64)ccws,
	};

	assert((u64)ccws < CSS_BELOW_2G);
	return ssch(schid, &orb);
}

/* Enabled wait for I/O on @isc until an interruption for @schid or the timeout. */
static bool wait_io_int(u32 schid, int isc)
{
	u64 cr6 = ctl_get(6);
	bool got = false;

	io_int_want(true);
	ctl_set(6, CR6_ISC(isc));
	timeout_arm(CSS_IO_TIMEOUT_USECS);
	while (!got && !timeout_expired()) {
		unsigned int seen = io_int_count();

		wait_for_interrupt(PSW_MASK_IO | PSW_MASK_EXT);
		got = io_int_count() != seen && io_int_last().schid == schid;
	}
	timeout_disarm();
	ctl_set(6, cr6);
	io_int_want(false);
	return got;
}

int css_wait_io(u32 schid, int isc, struct irb *irb)
{
	if (!wait_io_int(schid, isc))
		return -1;
	return tsch(schid, irb);
}

int css_run_ccw(u32 schid, int isc, u8 code, u8 flags, void *data, u16 count, struct irb *irb)
{
	struct ccw1 *ccw = alloc_pages_below(0, CSS_BELOW_2G);
	int cc;

	assert(ccw && (u64)data < CSS_BELOW_2G);
	*ccw = (struct ccw1){ .code = code, .flags = flags, .count = count,
			      .data = (u32)(u64)data };
	cc = css_start(schid, ccw, 0);
	if (!cc)
		cc = css_wait_io(schid, isc, irb);
	else
		cc = -2 - cc;	/* SSCH refused: -3 .. -5 */
	free_page(ccw);
	return cc;
}

bool css_irb_clean(const struct irb *irb)
{
	const struct scsw *s = &irb->scsw;

	return (s->ctrl & SCSW_FC_START) &&
	       (s->ctrl & SCSW_SC_PRIMARY) &&
	       (s->dev_stat & (DEV_STAT_CHN_END | DEV_STAT_DEV_END)) ==
		       (DEV_STAT_CHN_END | DEV_STAT_DEV_END) &&
	       !(s->dev_stat & (DEV_STAT_UNIT_CHECK | DEV_STAT_UNIT_EXCEPT)) &&
	       !s->sch_stat;
}

long css_find_cu_type(int isc, u16 cu_type, struct senseid *id)
{
	u32 schids[64];
	struct irb irb;
	int i, n = css_enumerate(schids, ARRAY_SIZE(schids));

	for (i = 0; i < n; i++) {
		if (css_enable(schids[i], isc))
			continue;
		memset(id, 0, sizeof(*id));
		if (css_run_ccw(schids[i], isc, CCW_CMD_SENSE_ID, CCW_F_SLI, id, sizeof(*id),
				&irb) == 0 && id->cu_type == cu_type)
			return schids[i];
		css_disable(schids[i]);
	}
	return -1;
}
