/*
 * cfg: the unittests.cfg parser (format: the comment at the top of scripts/host/cfg.c).
 */
#ifndef HOST_CFG_H
#define HOST_CFG_H

#include <stdbool.h>
#include <stddef.h>

struct cfg_test {
	char *name;
	int line;		/* of its [name] header */
	char *file;		/* image, relative to the arch's test directory */
	int smp;		/* default 1 */
	char *test_args;	/* NULL when none or empty; one pair of outer quotes dropped */
	char **qemu_params;	/* split like the shell; NULL-terminated, never NULL */
	char *groups;		/* " g1 g2 " (leading and trailing blank), " " when none */
	int timeout_s;		/* default 90; a larger one than INT_MAX is an error */
	char *accel;		/* NULL: any */
	char *arch;		/* NULL: any */
	char **checks;		/* "PATH=VALUE" words, NULL-terminated, never NULL */
	char *skip_on_kvm_modules;	/* "kvm_pvm,kvm_amd" or NULL */
	char *skip_on_kvm_reason;	/* the text after the modules, or NULL */
	char *migration_mode;	/* NULL, "precopy" or "postcopy" */
	bool expect_abort;
};

struct cfg {
	char *path;
	struct cfg_test *tests;	/* in file order */
	size_t ntests;
};

/* Parse PATH. On the first error print "PATH:LINE: message" (or "test list PATH not
 * found") to stderr and return false. */
bool cfg_parse(struct cfg *cfg, const char *path);
struct cfg_test *cfg_find(const struct cfg *cfg, const char *name);
/* true when some test of CFG is in GROUP */
bool cfg_group_exists(const struct cfg *cfg, const char *group);
bool cfg_in_group(const struct cfg_test *t, const char *group);
/* NULL when every check = PATH=VALUE holds here, else a malloc'd "needs PATH = VALUE" */
char *cfg_check_host(const struct cfg_test *t);
void cfg_free(struct cfg *cfg);

#endif
