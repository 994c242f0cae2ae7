/*
 * Service-call logical processor (SCLP): machine information and the console. The
 * SCCB formats follow QEMU's SCLP model (hw/s390x/sclp*, event-facility).
 */
#ifndef S390X_SCLP_H
#define S390X_SCLP_H

#include <libcflat.h>

#define SCLP_CMD_READ_SCP_INFO		0x00020001
#define SCLP_CMD_READ_SCP_INFO_FORCED	0x00120001
#define SCLP_CMD_WRITE_EVENT_DATA	0x00760005
#define SCLP_CMD_READ_EVENT_DATA	0x00770005
#define SCLP_CMD_WRITE_EVENT_MASK	0x00780005

#define SCLP_RC_NORMAL_READ_COMPLETION	0x0010
#define SCLP_RC_NORMAL_COMPLETION	0x0020
#define SCLP_RC_INVALID_COMMAND		0x01f0
#define SCLP_RC_NO_EVENT_BUFFERS	0x60f0

#define SCLP_EVENT_ASCII_CONSOLE	0x1a

struct sccb_header {
	u16 length;
	u8 function_code;
	u8 control_mask[3];
	u16 response_code;
} __packed;

struct sclp_machine_info {
	u64 memory_size;	/* bytes */
	int nr_cpus;
	u16 cpu_addr[MAX_CPUS];
};

/* Issue @cmd on @sccb (page-aligned, below 2 GiB) and wait for its completion. */
int sclp_service_call(u32 cmd, void *sccb);
/* Service signals that never came for a completed command (see sclp.c). */
unsigned int sclp_lost_signals(void);

void sclp_console_init(void);
int sclp_read_info(struct sclp_machine_info *info);
/* The end of guest memory as SCLP reported it at boot. */
u64 memory_end(void);
/* The next character typed on the console, or -1 when there is none now. */
int sclp_read_char(void);
/* Like sclp_read_char, but waits up to @usecs; -1 on timeout. */
int sclp_wait_char(u64 usecs);

/* Called by the external-interruption dispatcher (code 0x2401). */
void sclp_handle_service_signal(u32 param);
/* A fault handler is about to print: drop the console lock if this CPU holds it. */
void sclp_console_recover(void);

#endif
