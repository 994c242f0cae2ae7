/* The guest's command line, environment and accelerator (lib/argv.c). */
#ifndef CFLAT_ARGV_H
#define CFLAT_ARGV_H

#include <cflat/types.h>

/* Command line: -append "..." becomes argv[1..]; words KEY=VALUE before the first
 * other word also land in the environment (getenv). argv[0] is the image name. */
extern int __argc;
extern char *__argv[];
extern char *__environ[];
void setup_args(const char *cmdline);
void setup_args_progname(const char *name);
char *getenv(const char *name);
/*
 * The accelerator QEMU runs this guest with, as the run script tells it through the
 * QEMU_ACCEL=tcg|kvm environment word; NULL when started some other way. Tests use it
 * only to classify a known hypervisor deviation (report_kfail), never to pick a verdict.
 */
const char *qemu_accel(void);
bool accel_is(const char *name);
/* Under KVM, the host's KVM module as the run script saw it (KVM_MODULE=kvm_intel, kvm_amd,
 * kvm_pvm...): for deviations of one kind of KVM host only. */
bool kvm_module_is(const char *name);
/* Tests define main(void), main(argc, argv) or main(argc, argv, envp): no prototype. */
int main();

#endif
