# Top-level build. Run ./configure first; it writes config.mak in the build directory.

ifeq ($(wildcard config.mak),)
$(error no config.mak here: run ./configure (or ../configure from a build directory) first)
endif
include config.mak

# No VPATH: build products are looked up in this build directory only, sources only under
# $(SRCDIR). An in-tree build and any number of out-of-tree builds never see each other's
# objects, archives or images.
.DEFAULT_GOAL := all
.SUFFIXES:
.DELETE_ON_ERROR:

# gcc's own freestanding headers only: no host libc headers leak into guests.
GCC_INCLUDE := $(shell $(CC) -print-file-name=include)

common_cflags = -std=gnu11 -ffreestanding -nostdinc -isystem $(GCC_INCLUDE) \
	-I$(SRCDIR)/lib \
	-O2 -g -Wall -Wextra -Wno-unused-parameter -Wno-sign-compare -Werror \
	-fno-omit-frame-pointer -fno-stack-protector -fno-pic -fno-builtin-printf \
	-fno-strict-aliasing -fno-common -fno-tree-loop-distribute-patterns -MMD -MP

libobjs = lib/printf.o lib/string.o lib/report.o lib/argv.o lib/abort.o \
	lib/page_alloc.o lib/malloc.o lib/smp.o lib/div64.o lib/migrate.o \
	lib/subtest.o lib/clock.o lib/pci.o

# Tests shared by every arch: common/NAME.c becomes each arch's NAME image (its object is
# $(TEST_DIR)/NAME.o, linked by the arch's image rule like the arch's own tests).
common_tests := $(patsubst $(SRCDIR)/common/%.c,%,$(wildcard $(SRCDIR)/common/*.c))

# Per-arch: tests, arch_libobjs, arch_cflags, arch_ldflags, LIBARCH and the image rules.
include $(SRCDIR)/$(TEST_DIR)/Makefile.inc

CFLAGS = $(common_cflags) $(arch_cflags)
ASFLAGS = $(CFLAGS) -D__ASSEMBLY__

lib/libcflat.a: $(libobjs) $(arch_libobjs)
	@mkdir -p $(dir $@)
	rm -f $@
	$(AR) rcs $@ $^

# DIR/x.o in the build directory from $(SRCDIR)/DIR/x.c or .S, one rule pair per top-level
# source folder: a target pattern without a slash would make prefix the prerequisite with the
# target's directory (GNU make manual, "How Patterns Match").
src_tops := $(sort $(foreach f,$(wildcard $(SRCDIR)/*/*.[cS] $(SRCDIR)/*/*/*.[cS]), \
	$(firstword $(subst /, ,$(patsubst $(SRCDIR)/%,%,$(f))))))

define compile_rules
$(1)/%.o: $$(SRCDIR)/$(1)/%.c
	@mkdir -p $$(dir $$@)
	$$(CC) $$(CFLAGS) -c -o $$@ $$<

$(1)/%.o: $$(SRCDIR)/$(1)/%.S
	@mkdir -p $$(dir $$@)
	$$(CC) $$(ASFLAGS) -c -o $$@ $$<
endef
$(foreach d,$(src_tops),$(eval $(call compile_rules,$(d))))

# Their dependency files are NAME.common.d: a NAME.d left by a build from before the test
# moved to common/ names a source that no longer exists and is not read.
$(TEST_DIR)/%.o: $(SRCDIR)/common/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -MF $(TEST_DIR)/$*.common.d -c -o $@ $<

# Host programs: the runner (host/runner; run_tests.sh and <arch>/run start it), the
# process supervisor, the migration harness, the results tool.
# Sources in scripts/host/<name>.c, binaries in host/<name> of the build directory. Sources
# listed in host_shared are objects (host/<name>.o) that programs link, not programs:
# host_objs_<name> lists what program <name> links besides its own source.
host_shared = qmp image cfg arch verdict farm hostenv resultsfile
host_tools = $(filter-out $(addprefix host/,$(host_shared)), \
	$(patsubst $(SRCDIR)/scripts/host/%.c,host/%,$(wildcard $(SRCDIR)/scripts/host/*.c)))
HOST_CFLAGS = -O2 -g -Wall -Wextra -Werror -std=gnu11
host_objs_runner = host/hostenv.o host/cfg.o host/arch.o host/verdict.o host/farm.o \
	host/resultsfile.o
host_objs_migrate = host/qmp.o
host_objs_results = host/resultsfile.o host/farm.o host/cfg.o
host_objs_supervise = host/image.o
host_libs_migrate = -ljansson
# Static: the runner and supervise start once per run and per test, and dynamic loading is
# a fifth of their start-up; installed trees run on hosts without libjansson.
host_libs_runner = -static -ljansson
host_libs_results = -static -ljansson
host_libs_supervise = -static
host_headers = $(wildcard $(SRCDIR)/scripts/host/*.h)
.SECONDARY: $(addprefix host/,$(addsuffix .o,$(host_shared)))

host/%.o: $(SRCDIR)/scripts/host/%.c $(host_headers)
	@mkdir -p $(dir $@)
	$(HOST_CC) $(HOST_CFLAGS) -c -o $@ $<

.SECONDEXPANSION:
host/%: $(SRCDIR)/scripts/host/%.c $$(host_objs_$$*) $(host_headers)
	@mkdir -p $(dir $@)
	$(HOST_CC) $(HOST_CFLAGS) -o $@ $< $(host_objs_$(notdir $@)) $(host_libs_$(notdir $@))

all: $(tests) $(host_tools)

# An out-of-tree build directory's run_tests.sh: configure links it to the source's launcher
# script, make to host/runner itself (one program start per run instead of two).
ifneq ($(realpath $(SRCDIR)),$(realpath $(CURDIR)))
all: run_tests.sh-link
run_tests.sh-link: host/runner
	@[ "$$(readlink run_tests.sh)" = host/runner ] || ln -sfn host/runner run_tests.sh
endif

# A relocatable tree that runs without this source or a compiler (scripts/install-tree.sh):
# "make install [PREFIX=/usr/local] [DESTDIR=]" puts it in $(PREFIX)/libexec/guest-tests/ARCH,
# "make standalone" in ./standalone/ARCH of the build directory.
PREFIX ?= /usr/local
installdir = $(PREFIX)/libexec/guest-tests/$(ARCH)

install: all
	$(SRCDIR)/scripts/install-tree.sh . $(DESTDIR)$(installdir)

standalone: all
	rm -rf standalone/$(ARCH)
	$(SRCDIR)/scripts/install-tree.sh . standalone/$(ARCH)

clean:
	rm -f lib/*.o lib/*.d lib/*/*.o lib/*/*.d lib/libcflat.a
	rm -f $(TEST_DIR)/*.o $(TEST_DIR)/*.d $(TEST_DIR)/*.flat $(TEST_DIR)/*.elf $(TEST_DIR)/*.img
	rm -f $(TEST_DIR)/*.tmp
	rm -rf host standalone
	[ "$(realpath $(SRCDIR))" = "$(realpath $(CURDIR))" ] || ln -sfn $(SRCDIR)/run_tests.sh run_tests.sh

.PHONY: all clean install standalone run_tests.sh-link

-include $(filter-out $(common_tests:%=$(TEST_DIR)/%.d),$(wildcard lib/*.d lib/*/*.d $(TEST_DIR)/*.d))
