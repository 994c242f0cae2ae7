/* What gic.c shares with its version back ends, gic-v2.c and gic-v3.c. */
#ifndef ARM64_GIC_INTERNAL_H
#define ARM64_GIC_INTERNAL_H

#include <clock.h>
#include <arm64/gic.h>
#include <arm64/io.h>
#include <arm64/sysreg.h>

/* How long a register handshake (RWP, ProcessorSleep) may take before it counts as hung. */
#define GIC_WAIT_MS 5000

struct gic_ops {
	void (*dist_init)(void);
	void (*cpu_init)(void);		/* on the calling CPU */
	void *(*private_base)(void);	/* frame with the calling CPU's SGI/PPI registers */
	void (*wait_for_disable)(u32 irq);
	u32 (*read_iar)(void);
	void (*write_eoir)(u32 iar);
	void (*write_dir)(u32 iar);
	void (*set_eoi_split)(bool split);
	void (*set_pmr)(u8 pmr);
	u8 (*get_pmr)(void);
	void (*ipi_send_mask)(u32 sgi, u64 cpu_mask);
	void (*ipi_send_all_but_self)(u32 sgi);
	void (*spi_target)(u32 irq, int cpu);
	int (*source_cpu)(u32 iar);
};

extern const struct gic_ops gic_v2_ops;
extern const struct gic_ops gic_v3_ops;

/* What each CPU learns about itself in its own cpu_init. */
struct gic_cpu {
	bool ready;
	u64 mpidr;
	u8 v2_iface_mask;	/* this CPU's bit in GICD_ITARGETSR */
	void *rd_base;		/* v3 RD_base */
	int spurious;
	int unhandled;
};

extern struct gic_info gic_found;
extern void *gic_dist;
extern void *gic_cpuif;
extern struct gic_cpu gic_cpus[MAX_CPUS];

#endif
