/*
 * The ITS command queue (IHI0069 5.3 and 12.19.2-12.19.4): a ring of 32-byte commands
 * in memory between GITS_CREADR (the ITS's position) and GITS_CWRITER (ours).
 * We send one command at a time and wait until the ITS has consumed it.
 */
#include <clock.h>
#include <arm64/gic-v3-its.h>
#include <arm64/io.h>
#include <arm64/processor.h>
#include <arm64/sysreg.h>

#define ITS_CMD_SIZE		32
#define ITS_CMD_TIMEOUT_MS	2000

struct its_cmd {
	u64 dw[4];
};

/* ---- encoders (field positions: IHI0069 5.3, one table per command) ---- */

static void set_cmd_nr(struct its_cmd *c, enum its_cmd_nr nr)
{
	c->dw[0] |= nr;
}

static void set_device_id(struct its_cmd *c, u32 id)
{
	c->dw[0] |= (u64)id << 32;
}

static void set_event_id(struct its_cmd *c, u32 event)
{
	c->dw[1] |= event;
}

static void set_physical_id(struct its_cmd *c, u32 lpi)
{
	c->dw[1] |= (u64)lpi << 32;
}

static void set_itt_size(struct its_cmd *c, unsigned int event_bits)
{
	c->dw[1] |= (event_bits - 1) & 0x1f;
}

static void set_itt_addr(struct its_cmd *c, void *itt)
{
	c->dw[2] |= (uintptr_t)itt & GENMASK_ULL(51, 8);
}

static void set_valid(struct its_cmd *c, bool valid)
{
	c->dw[2] |= valid ? BIT_ULL(63) : 0;
}

static void set_icid(struct its_cmd *c, u16 icid)
{
	c->dw[2] |= icid;
}

/*
 * RDbase occupies bits [51:16]: with GITS_TYPER.PTA = 1 it holds the physical address
 * of RD_base (64 KiB aligned, so the address itself), with PTA = 0 the processor
 * number, which must be shifted into the field (IHI0069 5.3.2 "RDbase").
 */
static u64 rdbase_field(u64 rdbase)
{
	return its.pta ? rdbase & GENMASK_ULL(51, 16) : (rdbase << 16) & GENMASK_ULL(51, 16);
}

static void set_target(struct its_cmd *c, int dw, u64 rdbase)
{
	c->dw[dw] |= rdbase_field(rdbase);
}

/* ---- the queue ---- */

static const char *cmd_name(const struct its_cmd *c)
{
	switch (c->dw[0] & 0xff) {
	case ITS_CMD_MOVI: return "MOVI";
	case ITS_CMD_INT: return "INT";
	case ITS_CMD_CLEAR: return "CLEAR";
	case ITS_CMD_SYNC: return "SYNC";
	case ITS_CMD_MAPD: return "MAPD";
	case ITS_CMD_MAPC: return "MAPC";
	case ITS_CMD_MAPTI: return "MAPTI";
	case ITS_CMD_MAPI: return "MAPI";
	case ITS_CMD_INV: return "INV";
	case ITS_CMD_INVALL: return "INVALL";
	case ITS_CMD_MOVALL: return "MOVALL";
	case ITS_CMD_DISCARD: return "DISCARD";
	default: return "command";
	}
}

static void describe(const struct its_cmd *c, const char *what, char *buf, size_t size)
{
	snprintf(buf, size, "%s [%016lx %016lx %016lx %016lx]", what ? what : cmd_name(c),
		 (unsigned long)c->dw[0], (unsigned long)c->dw[1], (unsigned long)c->dw[2],
		 (unsigned long)c->dw[3]);
}

/* The ITS read up to @offset, or stalled on a command; *@creadr: what it read. */
static bool cmdq_settled(u64 offset, u64 *creadr)
{
	*creadr = readq(its.base + GITS_CREADR);
	return (*creadr & GITS_CREADR_STALLED) || (*creadr & GITS_CQ_OFFSET_MASK) == offset;
}

static enum its_cmd_result wait_consumed(u64 offset, u64 *creadr)
{
	if (!wait_until(cmdq_settled(offset, creadr), ITS_CMD_TIMEOUT_MS))
		return ITS_CMD_TIMED_OUT;
	return *creadr & GITS_CREADR_STALLED ? ITS_CMD_STALLED : ITS_CMD_DONE;
}

static enum its_cmd_result submit(const struct its_cmd *c)
{
	struct its_cmd *slot;
	enum its_cmd_result res;
	u64 creadr;

	assert_msg(its.cmdq, "its_setup_cmdq() (or its_enable_defaults()) first");
	if (its.cmdq_broken)
		return ITS_CMD_NOT_SENT;
	slot = its.cmdq + its.cmdq_write;
	*slot = *c;
	its_clean_range(slot, sizeof(*slot));
	its.cmdq_write = (its.cmdq_write + ITS_CMD_SIZE) % its.cmdq_size;
	writeq(its.cmdq_write, its.base + GITS_CWRITER);
	res = wait_consumed(its.cmdq_write, &creadr);
	its.cmdq_broken = res != ITS_CMD_DONE;
	its.last_creadr = creadr;
	return res;
}

/* A stalled queue or a timeout is a FAIL line naming the command. */
static bool queue_command(const struct its_cmd *c, const char *what)
{
	enum its_cmd_result res = submit(c);
	char desc[128];

	if (res == ITS_CMD_DONE)
		return true;
	describe(c, what, desc, sizeof(desc));
	if (res == ITS_CMD_NOT_SENT)
		report_info("ITS: %s not sent: the command queue failed earlier", desc);
	else if (res == ITS_CMD_STALLED)
		report_fail("ITS: %s: the command queue stalled (GITS_CREADR %#lx): "
			    "the ITS rejected the command", desc, (unsigned long)its.last_creadr);
	else
		report_fail("ITS: %s: not consumed after %d ms (GITS_CREADR %#lx, GITS_CWRITER "
			    "%#lx)", desc, ITS_CMD_TIMEOUT_MS, (unsigned long)its.last_creadr,
			    (unsigned long)its.cmdq_write);
	return false;
}

enum its_cmd_result its_submit_raw(const u64 cmd[4])
{
	struct its_cmd c = { { cmd[0], cmd[1], cmd[2], cmd[3] } };

	return submit(&c);
}

bool its_send_raw(const u64 cmd[4], const char *what)
{
	struct its_cmd c = { { cmd[0], cmd[1], cmd[2], cmd[3] } };

	return queue_command(&c, what);
}

static bool send_device_event(enum its_cmd_nr nr, struct its_device *dev, u32 event)
{
	struct its_cmd c = { 0 };

	set_cmd_nr(&c, nr);
	set_device_id(&c, dev->id);
	set_event_id(&c, event);
	return queue_command(&c, NULL);
}

bool its_send_mapd(struct its_device *dev, bool valid)
{
	struct its_cmd c = { 0 };

	set_cmd_nr(&c, ITS_CMD_MAPD);
	set_device_id(&c, dev->id);
	set_itt_size(&c, dev->event_bits);
	if (valid)
		set_itt_addr(&c, dev->itt);
	set_valid(&c, valid);
	return queue_command(&c, NULL);
}

bool its_send_mapc(struct its_collection *col, bool valid)
{
	struct its_cmd c = { 0 };

	set_cmd_nr(&c, ITS_CMD_MAPC);
	set_icid(&c, col->id);
	set_target(&c, 2, col->rdbase);
	set_valid(&c, valid);
	return queue_command(&c, NULL);
}

bool its_send_mapti(struct its_device *dev, u32 event, u32 lpi, struct its_collection *col)
{
	struct its_cmd c = { 0 };

	set_cmd_nr(&c, ITS_CMD_MAPTI);
	set_device_id(&c, dev->id);
	set_event_id(&c, event);
	set_physical_id(&c, lpi);
	set_icid(&c, col->id);
	return queue_command(&c, NULL);
}

/* MAPI is MAPTI with the LPI INTID equal to the EventID (IHI0069 5.3.9). */
bool its_send_mapi(struct its_device *dev, u32 event, struct its_collection *col)
{
	struct its_cmd c = { 0 };

	set_cmd_nr(&c, ITS_CMD_MAPI);
	set_device_id(&c, dev->id);
	set_event_id(&c, event);
	set_icid(&c, col->id);
	return queue_command(&c, NULL);
}

bool its_send_movi(struct its_device *dev, u32 event, struct its_collection *col)
{
	struct its_cmd c = { 0 };

	set_cmd_nr(&c, ITS_CMD_MOVI);
	set_device_id(&c, dev->id);
	set_event_id(&c, event);
	set_icid(&c, col->id);
	return queue_command(&c, NULL);
}

bool its_send_discard(struct its_device *dev, u32 event)
{
	return send_device_event(ITS_CMD_DISCARD, dev, event);
}

bool its_send_inv(struct its_device *dev, u32 event)
{
	return send_device_event(ITS_CMD_INV, dev, event);
}

bool its_send_int(struct its_device *dev, u32 event)
{
	return send_device_event(ITS_CMD_INT, dev, event);
}

bool its_send_clear(struct its_device *dev, u32 event)
{
	return send_device_event(ITS_CMD_CLEAR, dev, event);
}

bool its_send_invall(struct its_collection *col)
{
	struct its_cmd c = { 0 };

	set_cmd_nr(&c, ITS_CMD_INVALL);
	set_icid(&c, col->id);
	return queue_command(&c, NULL);
}

bool its_send_sync(struct its_collection *col)
{
	struct its_cmd c = { 0 };

	set_cmd_nr(&c, ITS_CMD_SYNC);
	set_target(&c, 2, col->rdbase);
	return queue_command(&c, NULL);
}

bool its_send_movall(int from_cpu, int to_cpu)
{
	struct its_cmd c = { 0 };

	set_cmd_nr(&c, ITS_CMD_MOVALL);
	set_target(&c, 2, its_rdbase_of(from_cpu));
	set_target(&c, 3, its_rdbase_of(to_cpu));
	return queue_command(&c, NULL);
}
