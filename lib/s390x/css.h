/*
 * Channel-subsystem I/O (PoP SA22-7832 ch. 13-16, "I/O Instructions" and
 * "I/O Interruptions"; ESA/390 Common I/O-Device Commands for SENSE ID).
 */
#ifndef S390X_CSS_H
#define S390X_CSS_H

#include <libcflat.h>

/* Subsystem-identification word in GR1: the "one" bit, subchannel-set id, number. */
#define SCHID_ONE		0x00010000U
#define SCHID(ssid, nr)		(SCHID_ONE | ((ssid) << 17) | (nr))

/* Path-management-control word, the first 28 bytes of a SCHIB. */
struct pmcw {
	u32 intparm;
	u16 flags;
#define PMCW_ISC_SHIFT		11
#define PMCW_ISC_MASK		(7 << PMCW_ISC_SHIFT)
#define PMCW_ENABLED		0x0080
#define PMCW_LIMIT_MODE		0x0060
#define PMCW_MME_MASK		0x0018
#define PMCW_MME_ENABLE		0x0008	/* measurement-mode enable, format 0 block */
#define PMCW_MULTIPATH		0x0004
#define PMCW_TIMING		0x0002
#define PMCW_DNV		0x0001	/* device number valid */
	u16 devno;
	u8 lpm;
	u8 pnom;
	u8 lpum;
	u8 pim;
	u16 mbi;	/* measurement-block index */
	u8 pom;
	u8 pam;
	u8 chpid[8];
	u32 flags2;
} __packed;

/* Subchannel-status word (PoP ch. 16 "Subchannel-Status Word"). */
struct scsw {
	u32 ctrl;
#define SCSW_FC_START		0x00004000
#define SCSW_FC_HALT		0x00002000
#define SCSW_FC_CLEAR		0x00001000
#define SCSW_FC_MASK		0x00007000
#define SCSW_AC_RESUME_PEND	0x00000800
#define SCSW_AC_START_PEND	0x00000400
#define SCSW_AC_HALT_PEND	0x00000200
#define SCSW_AC_CLEAR_PEND	0x00000100
#define SCSW_AC_SCH_ACTIVE	0x00000080
#define SCSW_AC_DEV_ACTIVE	0x00000040
#define SCSW_AC_SUSPENDED	0x00000020
#define SCSW_AC_MASK		0x00000fe0
#define SCSW_SC_ALERT		0x00000010
#define SCSW_SC_INTERMEDIATE	0x00000008
#define SCSW_SC_PRIMARY		0x00000004
#define SCSW_SC_SECONDARY	0x00000002
#define SCSW_SC_PENDING		0x00000001
#define SCSW_SC_MASK		0x0000001f
	u32 ccw_addr;
	u8 dev_stat;
#define DEV_STAT_ATTENTION	0x80
#define DEV_STAT_MODIFIER	0x40
#define DEV_STAT_CU_END		0x20
#define DEV_STAT_BUSY		0x10
#define DEV_STAT_CHN_END	0x08
#define DEV_STAT_DEV_END	0x04
#define DEV_STAT_UNIT_CHECK	0x02
#define DEV_STAT_UNIT_EXCEPT	0x01
	u8 sch_stat;
#define SCH_STAT_PCI		0x80
#define SCH_STAT_INCORR_LEN	0x40
#define SCH_STAT_PROG_CHECK	0x20
#define SCH_STAT_PROT_CHECK	0x10
#define SCH_STAT_CHN_DATA_CHK	0x08
#define SCH_STAT_CHN_CTRL_CHK	0x04
#define SCH_STAT_INTF_CTRL_CHK	0x02
#define SCH_STAT_CHAIN_CHECK	0x01
	u16 count;	/* residual count */
} __packed;

struct schib {
	struct pmcw pmcw;
	struct scsw scsw;
	u64 mba;	/* measurement-block address (format 1) */
	u8 mda[4];
} __packed;

/* Operation-request block, command mode (PoP ch. 15 "START SUBCHANNEL"). */
struct orb {
	u32 intparm;
	u32 ctrl;
#define ORB_CTRL_KEY_MASK	0xf0000000
#define ORB_CTRL_SUSPEND	0x08000000
#define ORB_CTRL_FMT1		0x00800000	/* format-1 CCWs */
#define ORB_CTRL_PREFETCH	0x00400000
#define ORB_CTRL_INIT_STATUS	0x00200000
#define ORB_CTRL_LPM_SHIFT	8
#define ORB_CTRL_LPM_ALL	(0xff << ORB_CTRL_LPM_SHIFT)
#define ORB_CTRL_ILS		0x00000080	/* incorrect-length suppression */
#define ORB_CTRL_MIDAW		0x00000040
#define ORB_CTRL_RESERVED	0x0000003e	/* must be zero: operand exception */
#define ORB_CTRL_EXTENSION	0x00000001
	u32 cpa;	/* channel-program address, 31 bits */
	u32 ext[5];
} __packed __aligned(4);

/* Format-1 channel-command word. */
struct ccw1 {
	u8 code;
	u8 flags;
#define CCW_F_CD		0x80
#define CCW_F_CC		0x40
#define CCW_F_SLI		0x20
#define CCW_F_SKIP		0x10
#define CCW_F_PCI		0x08
#define CCW_F_IDA		0x04
#define CCW_F_SUSPEND		0x02
	u16 count;
	u32 data;	/* 31-bit data address */
} __packed __aligned(8);

#define CCW_CMD_SENSE_ID	0xe4
#define CCW_CMD_NOOP		0x03

/* Interruption-response block (TEST SUBCHANNEL). */
struct irb {
	struct scsw scsw;
	u32 esw[5];
	u32 ecw[8];
	u32 emw[8];
} __packed __aligned(4);

/* Channel-report word (STORE CHANNEL REPORT WORD). */
struct crw {
	u32 word;
#define CRW_SOLICITED		0x40000000
#define CRW_OVERFLOW		0x20000000
#define CRW_CHAINED		0x10000000
#define CRW_RSC_SHIFT		24
#define CRW_RSC_MASK		0x0f
#define CRW_ERC_SHIFT		16
#define CRW_ERC_MASK		0x3f
#define CRW_RSID_MASK		0xffff
} __packed;

/* SENSE ID data (Common I/O-Device Commands, "Sense ID"). */
struct senseid {
	u8 reserved;	/* 0xff */
	u16 cu_type;
	u8 cu_model;
	u16 dev_type;
	u8 dev_model;
	u8 unused;
	u32 ciw[8];
} __packed;

/* TEST PENDING INTERRUPTION's interruption code. */
struct tpi_info {
	u32 schid;
	u32 intparm;
	u32 iiw;
} __packed __aligned(4);

/* Instruction wrappers: each returns the condition code. */
int stsch(u32 schid, struct schib *schib);
int msch(u32 schid, struct schib *schib);
int ssch(u32 schid, struct orb *orb);
int tsch(u32 schid, struct irb *irb);
int hsch(u32 schid);
int csch(u32 schid);
int rsch(u32 schid);
int stcrw(struct crw *crw);
int tpi(struct tpi_info *info);
int chsc(void *request);
void schm(void *mbo, u8 key, bool update, bool dct);

/* Helpers. */
#define CSS_DEFAULT_ISC		3
#define CSS_IO_TIMEOUT_USECS	2000000
#define CSS_BELOW_2G		(1UL << 31)

/* Subchannels with a valid device number in subchannel set 0; returns how many. */
int css_enumerate(u32 *schids, int max);
int css_enable(u32 schid, int isc);
int css_disable(u32 schid);
/* SSCH of a format-1 channel program with @orb_flags added to the ORB control word. */
int css_start(u32 schid, struct ccw1 *ccws, u32 orb_flags);
/* Enabled wait for the I/O interruption of @schid on @isc, then TSCH into @irb.
 * Returns TSCH's cc, or -1 if no interruption came within the timeout. */
int css_wait_io(u32 schid, int isc, struct irb *irb);
/* Start a single CCW and wait for its interruption. */
int css_run_ccw(u32 schid, int isc, u8 code, u8 flags, void *data, u16 count, struct irb *irb);
/* True when the IRB says: start function done, channel end and device end, no checks. */
bool css_irb_clean(const struct irb *irb);
/* The first subchannel whose SENSE ID reports @cu_type; -1 if none. */
long css_find_cu_type(int isc, u16 cu_type, struct senseid *id);

void css_dump_schib(const char *what, const struct schib *schib);
void css_dump_irb(const char *what, const struct irb *irb);

#endif
