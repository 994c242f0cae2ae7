/*
 * hostenv: what the runner learns before it runs anything: the build directory's
 * config.mak, the QEMU binary, the accelerator and KVM module, the host's CPUs, the
 * project's version. Setup errors end the program: "PROG: message", exit status 2, where
 * PROG is program_invocation_short_name (the runner sets it to the name users type).
 */
#ifndef HOST_HOSTENV_H
#define HOST_HOSTENV_H

#include <stdbool.h>


struct arch;

struct build {
	char *dir;		/* absolute: the directory of config.mak */
	char *srcdir;		/* absolute (config.mak's SRCDIR, relative to dir) */
	char *arch_name, *test_dir;
	char *config_qemu;	/* config.mak's QEMU, "" when none */
	const struct arch *arch;
};

/* Print "PROG: FORMAT..." on stderr, exit 2. */
void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

/* Read DIR/config.mak (DIR: absolute); dies when it lacks SRCDIR, ARCH or TEST_DIR. */
void build_load(struct build *b, const char *dir);
/* $QEMU, else config.mak's QEMU, else qemu-system-<arch> from PATH; malloc'd. Dies when
 * it does not exist. */
char *find_qemu(const struct build *b);
/* $ACCEL (validated), else kvm when KVM runs the arch's guests here, else tcg. */
const char *pick_accel(const struct build *b);
/* Under KVM the loaded module (kvm_pvm, kvm_intel, kvm_amd, kvm), else "". */
const char *kvm_module(const char *accel);
/* The CPUs this process may run on. */
int host_cpus(void);
/* SRCDIR/VERSION, plus "-g<commit>" when SRCDIR is a git checkout (read from .git without
 * running git); malloc'd. */
char *project_version(const char *srcdir);
/* PATH is a regular file (after symlinks) */
bool is_file(const char *path);
/* 16 random hex digits: a run's EXIT_TOKEN. */
void exit_token(char out[17]);

#endif
