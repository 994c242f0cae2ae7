/*
 * The GICv3 Interrupt Translation Service (IHI0069 chapter 5 and 12.19): it turns a
 * (DeviceID, EventID) pair into a physical LPI delivered to the redistributor its
 * collection names. Software talks to it through a command queue in memory and gives
 * it memory for its tables (devices, collections); the redistributors read the LPI
 * configuration (property) table and keep LPI pending state in per-CPU pending tables.
 *
 * Memory the ITS and the redistributors read or write (command queue, device and
 * collection tables, ITTs, property and pending tables) is allocated from normal RAM,
 * which the identity map makes Normal write-back, inner shareable (mmu.h). We program
 * the same attributes in GITS_CBASER, GITS_BASER<n>, GICR_PROPBASER and GICR_PENDBASER:
 * InnerCache = Normal inner write-back read/write-allocate (0b111), OuterCache = same as
 * inner (0b000), Shareability = Inner Shareable (0b01). An implementation may make the
 * shareability field read as Non-shareable (IHI0069 12.19.3); then the ITS's accesses
 * are not coherent with our caches and every update is cleaned to the point of coherency
 * (see its_tables_need_cleaning()).
 */
#ifndef ARM64_GIC_V3_ITS_H
#define ARM64_GIC_V3_ITS_H

#include <arm64/gic.h>

/* ITS control frame (ITS_base), IHI0069 12.19. */
#define GITS_CTLR		0x0000
#define GITS_IIDR		0x0004
#define GITS_TYPER		0x0008	/* 64 bits */
#define GITS_CBASER		0x0080	/* 64 bits */
#define GITS_CWRITER		0x0088	/* 64 bits */
#define GITS_CREADR		0x0090	/* 64 bits */
#define GITS_BASER(n)		(0x0100 + 8 * (n))	/* 64 bits, n = 0..7 */
#define GITS_NR_BASERS		8
#define GITS_PIDR2		0xffe8
/* The translation frame, 64 KiB above ITS_base, holds GITS_TRANSLATER. */
#define GITS_TRANSLATER		0x10040
#define GITS_FRAMES_SIZE	(2 * SZ_64K)

#define GITS_CTLR_ENABLED	BIT(0)
#define GITS_CTLR_QUIESCENT	BIT(31)

/* GITS_TYPER, IHI0069 12.19.20. */
#define GITS_TYPER_PHYSICAL		BIT_ULL(0)
#define GITS_TYPER_VIRTUAL		BIT_ULL(1)
#define GITS_TYPER_ITT_ENTRY_SIZE(t)	((unsigned int)(((t) >> 4) & 0xf) + 1)
#define GITS_TYPER_ID_BITS(t)		((unsigned int)(((t) >> 8) & 0x1f) + 1)
#define GITS_TYPER_DEV_BITS(t)		((unsigned int)(((t) >> 13) & 0x1f) + 1)
#define GITS_TYPER_PTA			BIT_ULL(19)
#define GITS_TYPER_HCC(t)		((unsigned int)(((t) >> 24) & 0xff))
#define GITS_TYPER_CID_BITS(t)		((unsigned int)(((t) >> 32) & 0xf) + 1)
#define GITS_TYPER_CIL			BIT_ULL(36)

/* GITS_BASER<n>, IHI0069 12.19.1. */
#define GITS_BASER_VALID		BIT_ULL(63)
#define GITS_BASER_INDIRECT		BIT_ULL(62)
#define GITS_BASER_TYPE(b)		((unsigned int)(((b) >> 56) & 0x7))
#define GITS_BASER_ENTRY_SIZE(b)	((unsigned int)(((b) >> 48) & 0x1f) + 1)
#define GITS_BASER_PAGE_SIZE_SHIFT	8
#define GITS_BASER_PAGE_SIZE_MASK	(3ULL << GITS_BASER_PAGE_SIZE_SHIFT)
#define GITS_BASER_SIZE_MASK		0xffULL
#define GITS_BASER_PA_MASK		GENMASK_ULL(47, 12)
/* The attribute fields and RO type/entry size, kept when the rest is rewritten. */
#define GITS_BASER_RO_MASK		(GENMASK_ULL(58, 56) | GENMASK_ULL(52, 48))

enum its_table_type {
	GITS_BASER_TYPE_NONE = 0,
	GITS_BASER_TYPE_DEVICE = 1,
	GITS_BASER_TYPE_VPE = 2,
	GITS_BASER_TYPE_COLLECTION = 4,
};

/* Attribute fields shared by GITS_CBASER and GITS_BASER<n> (IHI0069 12.19.1, 12.19.2). */
#define GITS_INNER_CACHE_SHIFT		59
#define GITS_OUTER_CACHE_SHIFT		53
#define GITS_SHARE_SHIFT		10
#define GITS_CACHE_WAWB			7ULL
#define GITS_SHARE_MASK			(3ULL << GITS_SHARE_SHIFT)
#define GITS_SHARE_INNER		(1ULL << GITS_SHARE_SHIFT)
#define GITS_ATTRS_WB_INNER_SHAREABLE \
	((GITS_CACHE_WAWB << GITS_INNER_CACHE_SHIFT) | GITS_SHARE_INNER)

#define GITS_CBASER_VALID		BIT_ULL(63)
#define GITS_CBASER_PA_MASK		GENMASK_ULL(51, 12)
#define GITS_CQ_OFFSET_MASK		GENMASK_ULL(19, 5)	/* CWRITER / CREADR */
#define GITS_CREADR_STALLED		BIT_ULL(0)
#define GITS_CWRITER_RETRY		BIT_ULL(0)

/* GICR_CTLR.CES: EnableLPIs can be cleared once set (IHI0069 12.11.2). */
#define GICR_CTLR_CES			BIT(1)
#define GICR_BASER_SHARE_MASK		(3ULL << GICR_BASER_SHARE_SHIFT)

/* An LPI configuration byte (IHI0069 5.1.1): priority [7:2], bit 1 RES1, enable bit 0. */
#define LPI_PROP_ENABLED		BIT(0)
#define LPI_PROP_RES1			BIT(1)
#define LPI_PROP_DEFAULT_PRIO		0xa0

/* ITS command numbers (IHI0069 5.3). */
enum its_cmd_nr {
	ITS_CMD_MOVI = 0x01,
	ITS_CMD_INT = 0x03,
	ITS_CMD_CLEAR = 0x04,
	ITS_CMD_SYNC = 0x05,
	ITS_CMD_MAPD = 0x08,
	ITS_CMD_MAPC = 0x09,
	ITS_CMD_MAPTI = 0x0a,
	ITS_CMD_MAPI = 0x0b,
	ITS_CMD_INV = 0x0c,
	ITS_CMD_INVALL = 0x0d,
	ITS_CMD_MOVALL = 0x0e,
	ITS_CMD_DISCARD = 0x0f,
};

/* One table the ITS asked for through a GITS_BASER<n>. */
struct its_table {
	int index;		/* n of GITS_BASER<n>; -1: the ITS has none of this type */
	unsigned int entry_size;
	unsigned int page_size;	/* what the ITS accepted: 4, 16 or 64 KiB */
	unsigned int nr_pages;
	u64 nr_entries;
	void *base;
	u64 baser;		/* the value read back after programming */
};

struct its_collection {
	u16 id;
	int cpu;		/* the logical CPU whose redistributor it targets */
	u64 rdbase;		/* target field of MAPC/SYNC/MOVALL, per GITS_TYPER.PTA */
};

struct its_device {
	u32 id;
	unsigned int event_bits;	/* EventIDs 0 .. 2^event_bits - 1 */
	void *itt;
	size_t itt_size;
};

struct its_info {
	phys_addr_t phys;
	void *base;
	u64 typer;
	u32 iidr;
	unsigned int itt_entry_size;
	unsigned int event_id_bits;
	unsigned int device_id_bits;
	unsigned int collection_id_bits;
	bool pta;
	struct its_table device_table;
	struct its_table collection_table;
	/* command queue */
	void *cmdq;
	size_t cmdq_size;
	u64 cmdq_write;		/* offset of the next free slot */
	bool cmdq_broken;	/* a command stalled or timed out: nothing is sent anymore */
	u64 last_creadr;	/* GITS_CREADR when the last command finished waiting */
	/* LPIs */
	unsigned int lpi_id_bits;	/* INTIDs below 2^lpi_id_bits exist */
	u8 *prop_table;
	void *pend_table[MAX_CPUS];
	bool tables_uncached;	/* the GIC reads our tables non-coherently: clean them */
	u64 lpis_held_off;	/* its_hold_lpis_off(): CPUs left with EnableLPIs = 0 */
	struct its_collection cpu_collection[MAX_CPUS];
};

extern struct its_info its;

/* Discovery (device tree, GITS_TYPER/IIDR): false without an ITS. No side effects. */
bool its_probe(void);
/* GITS_BASER<n>: find, size, allocate and enable the device and collection tables. */
bool its_setup_baser_tables(void);
/* GITS_CBASER: allocate the command queue; GITS_CWRITER/CREADR start at 0. */
void its_setup_cmdq(void);
void its_enable(void);
void its_disable(void);
bool its_is_enabled(void);

/* LPIs at the redistributors. */
u32 its_nr_lpis(void);
void its_alloc_lpi_tables(void);
void its_redist_setup_lpi_tables(int cpu);	/* PROPBASER/PENDBASER, LPIs off */
void its_redist_enable_lpis(int cpu);
bool its_redist_disable_lpis(int cpu);		/* false: EnableLPIs still reads 1 */
bool its_redist_lpis_enabled(int cpu);
void its_lpi_configure(u32 intid, u8 prio, bool enable);
void its_lpi_enable(u32 intid);
void its_lpi_disable(u32 intid);
u8 its_lpi_config(u32 intid);
bool its_lpi_is_pending(int cpu, u32 intid);	/* the bit in @cpu's pending table */
bool its_tables_need_cleaning(void);
/* After the CPU wrote memory the ITS/redistributors read: clean or order it. */
void its_clean_range(const void *p, size_t size);

/* Objects. */
struct its_device *its_create_device(u32 id, unsigned int nr_events);
struct its_collection *its_create_collection(u16 id, int cpu);
struct its_collection *its_cpu_collection(int cpu);
u64 its_rdbase_of(int cpu);

/*
 * Commands. Each one is written to the queue, GITS_CWRITER is advanced, and we wait
 * (bounded) for GITS_CREADR to pass it. A stalled queue or a timeout is a FAIL line
 * naming the command; the queue is then considered broken and later commands are
 * not sent (they return false). Commands the ITS silently ignores (IHI0069 5.3.2
 * leaves most command errors to the implementation) complete normally: tests see
 * them through their effects.
 */
bool its_send_mapd(struct its_device *dev, bool valid);
bool its_send_mapc(struct its_collection *col, bool valid);
bool its_send_mapti(struct its_device *dev, u32 event, u32 lpi, struct its_collection *col);
bool its_send_mapi(struct its_device *dev, u32 event, struct its_collection *col);
bool its_send_movi(struct its_device *dev, u32 event, struct its_collection *col);
bool its_send_discard(struct its_device *dev, u32 event);
bool its_send_inv(struct its_device *dev, u32 event);
bool its_send_invall(struct its_collection *col);
bool its_send_int(struct its_device *dev, u32 event);
bool its_send_clear(struct its_device *dev, u32 event);
bool its_send_sync(struct its_collection *col);
bool its_send_movall(int from_cpu, int to_cpu);
/* Any command, raw (four doublewords): for tests of malformed commands. */
bool its_send_raw(const u64 cmd[4], const char *what);
/*
 * The same without a verdict: what became of the command. After anything but
 * ITS_CMD_DONE the queue is considered broken (a stalled ITS only resumes on
 * GITS_CWRITER.Retry or a new GITS_CBASER, IHI0069 12.19.4).
 */
enum its_cmd_result {
	ITS_CMD_DONE,
	ITS_CMD_STALLED,	/* GITS_CREADR.Stalled */
	ITS_CMD_TIMED_OUT,	/* GITS_CREADR did not reach it in time */
	ITS_CMD_NOT_SENT,	/* the queue had failed before */
};
enum its_cmd_result its_submit_raw(const u64 cmd[4]);

/*
 * From reset to: ITS enabled with its tables, LPIs enabled on every online CPU's
 * redistributor (all LPIs start disabled in the property table), and for each CPU n a
 * collection n mapped to CPU n's redistributor. Returns false (after a FAIL line or
 * an INFO line saying why) when any step is impossible.
 */
bool its_enable_defaults(void);
/*
 * Before its_enable_defaults(): the CPUs in @cpu_mask (bit n: logical CPU n) get their
 * PROPBASER/PENDBASER programmed but keep EnableLPIs = 0, for a test that writes their
 * pending tables itself (allowed only while EnableLPIs is 0, IHI0069 12.11.30) and enables
 * them later with its_redist_enable_lpis().
 */
void its_hold_lpis_off(u64 cpu_mask);

#endif
