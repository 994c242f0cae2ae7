/*
 * arch: each arch's QEMU command line and exit rule (interface: arch.h; docs/HACKING.md,
 * "Run scripts"). The command line is
 *
 *   QEMU -nodefaults -no-reboot -display none -accel ACCEL <machine> <devices> -m MiB
 *        <defaults> <caller's args> -kernel IMAGE
 *        -append "QEMU_ACCEL=ACCEL [KVM_MODULE=MODULE] EXIT_TOKEN=TOKEN <caller's -append words>"
 *
 * where the caller's "-append TEXT" pairs join into one text, and <defaults> are what an
 * arch adds when the caller's arguments lack it (a -cpu model, a GIC version).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "arch.h"
#include "xalloc.h"

/* qboot boots x86 guests in a fraction of SeaBIOS's time (docs/HACKING.md, "Host notes") */
#define X86_BIOS "/usr/share/qemu/qboot.rom"

struct cmd {
	char **argv;
	size_t n;
};

struct arch {
	const char *name, *qemu_suffix;
	const char *const *machine, *const *devices;
	const char *memory;
	/* adds the defaults the caller's args (and -append text) leave to the arch */
	void (*defaults)(struct cmd *c, const struct run_request *req, char *const *user,
			 const char *append);
	/* QEMU's exit status for "EXIT: STATUS=code" */
	bool (*exit_ok)(int qemu_status, int guest_code);
};

static void cmd_add(struct cmd *c, const char *arg)
{
	strv_push(&c->argv, &c->n, xstrdup(arg));
}

static void cmd_add_list(struct cmd *c, const char *const *args)
{
	for (; *args; args++)
		cmd_add(c, *args);
}

static bool has_arg(char *const *args, const char *arg)
{
	for (; *args; args++) {
		if (!strcmp(*args, arg))
			return true;
	}
	return false;
}

static bool has_arg_containing(char *const *args, const char *text)
{
	for (; *args; args++) {
		if (strstr(*args, text))
			return true;
	}
	return false;
}

/* i386 guests need PAE and NX, which the default CPU model lacks in 32-bit mode. */
static void i386_defaults(struct cmd *c, const struct run_request *req, char *const *user,
			  const char *append)
{
	(void)req;
	(void)append;
	if (!has_arg(user, "-cpu")) {
		cmd_add(c, "-cpu");
		cmd_add(c, "qemu32,+pae,+nx");
	}
}

/*
 * -cpu max (host under KVM) unless the caller chose one; gic.flat's ITS sub-tests (test
 * arguments its-*) need a GICv3 with an ITS, and virt's default GIC is v2.
 */
static void arm64_defaults(struct cmd *c, const struct run_request *req, char *const *user,
			   const char *append)
{
	bool kvm = !strcmp(req->accel, "kvm");
	char *words = xasprintf(" %s ", append);

	if (!has_arg(user, "-cpu")) {
		cmd_add(c, "-cpu");
		cmd_add(c, kvm ? "host" : "max");
	}
	if (!has_arg_containing(user, "gic-version=") && strstr(words, " its-")) {
		cmd_add(c, "-machine");
		cmd_add(c, kvm ? "gic-version=host" : "gic-version=3");
	}
	free(words);
}

/* isa-debug-exit: QEMU exits with (value << 1) | 1, so never 0 (QEMU ended otherwise) */
static bool x86_exit_ok(int qemu_status, int guest_code)
{
	return qemu_status == (long long)guest_code * 2 + 1;
}

/* PSCI SYSTEM_OFF: QEMU exits 0 whatever the guest's code */
static bool arm64_exit_ok(int qemu_status, int guest_code)
{
	(void)guest_code;
	return qemu_status == 0;
}

/* disabled wait: address 0xfff is a clean shutdown (0), any other a panic (exit-failure: 1) */
static bool s390x_exit_ok(int qemu_status, int guest_code)
{
	return qemu_status == (guest_code == 0 ? 0 : 1);
}

static const char *const x86_devices[] = {
	"-serial", "stdio", "-device", "isa-debug-exit,iobase=0xf4,iosize=0x4", NULL
};
/* the BIOS is added when it is installed (x86_machine) */
static const char *const x86_machine[] = { "-machine", "pc", NULL };
static const char *const arm64_machine[] = { "-machine", "virt", NULL };
static const char *const arm64_devices[] = { "-serial", "stdio", NULL };
static const char *const s390x_machine[] = {
	"-machine", "s390-ccw-virtio", "-action", "panic=exit-failure", NULL
};
static const char *const s390x_devices[] = {
	"-chardev", "stdio,id=con0", "-device", "sclpconsole,chardev=con0", NULL
};

static const struct arch arches[] = {
	{ "x86_64", "x86_64", x86_machine, x86_devices, "256", NULL, x86_exit_ok },
	{ "i386", "x86_64", x86_machine, x86_devices, "256", i386_defaults, x86_exit_ok },
	{ "arm64", "aarch64", arm64_machine, arm64_devices, "256", arm64_defaults, arm64_exit_ok },
	{ "s390x", "s390x", s390x_machine, s390x_devices, "128", NULL, s390x_exit_ok },
};

const struct arch *arch_find(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(arches) / sizeof(arches[0]); i++) {
		if (!strcmp(arches[i].name, name))
			return &arches[i];
	}
	return NULL;
}

const char *arch_name(const struct arch *a)
{
	return a->name;
}

const char *arch_qemu_suffix(const struct arch *a)
{
	return a->qemu_suffix;
}

static void add_machine(struct cmd *c, const struct arch *a)
{
	struct stat st;

	cmd_add_list(c, a->machine);
	if (a->machine == x86_machine && !stat(X86_BIOS, &st) && S_ISREG(st.st_mode)) {
		cmd_add(c, "-bios");
		cmd_add(c, X86_BIOS);
	}
}

/* The caller's arguments without the -append pairs, and their texts joined; false for a
 * dangling -append. */
static bool split_append(const struct run_request *req, struct cmd *user, char **append)
{
	char *joined;
	int i;

	*append = xstrdup("");
	for (i = 0; i < req->nargs; i++) {
		if (strcmp(req->args[i], "-append")) {
			cmd_add(user, req->args[i]);
			continue;
		}
		if (++i == req->nargs) {
			fprintf(stderr, "%s: -append wants a value\n",
				program_invocation_short_name);
			return false;
		}
		joined = xasprintf("%s%s%s", *append, **append ? " " : "", req->args[i]);
		free(*append);
		*append = joined;
	}
	return true;
}

char **arch_build_cmd(const struct arch *a, const struct run_request *req)
{
	struct cmd c = { strv_new(), 0 }, user = { strv_new(), 0 };
	const char *module = req->kvm_module && *req->kvm_module ? req->kvm_module : NULL;
	char *append;

	if (!split_append(req, &user, &append)) {
		strv_free(user.argv);
		strv_free(c.argv);
		free(append);
		return NULL;
	}
	cmd_add_list(&c, (const char *const[]){ req->qemu, "-nodefaults", "-no-reboot",
						 "-display", "none", "-accel", req->accel, NULL });
	add_machine(&c, a);
	cmd_add_list(&c, a->devices);
	cmd_add_list(&c, (const char *const[]){ "-m", a->memory, NULL });
	if (a->defaults)
		a->defaults(&c, req, user.argv, append);
	cmd_add_list(&c, (const char *const *)user.argv);
	cmd_add_list(&c, (const char *const[]){ "-kernel", req->image, "-append", NULL });
	/* the guest's environment comes first on its command line (docs/HACKING.md) */
	strv_push(&c.argv, &c.n, xasprintf("QEMU_ACCEL=%s%s%s EXIT_TOKEN=%s%s%s", req->accel,
					   module ? " KVM_MODULE=" : "", module ? module : "",
					   req->token, *append ? " " : "", append));
	strv_free(user.argv);
	free(append);
	return c.argv;
}

void argv_free(char **argv)
{
	strv_free(argv);
}

bool arch_exit_ok(const struct arch *a, int qemu_status, int guest_code)
{
	return a->exit_ok(qemu_status, guest_code);
}

/* ---- shell quoting, as bash's printf %q gives it in the C locale */

struct buf {
	char *s;
	size_t len;
};

static void buf_add(struct buf *b, const char *s, size_t n)
{
	b->s = xrealloc(b->s, b->len + n + 1);
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

static void buf_addc(struct buf *b, char c)
{
	buf_add(b, &c, 1);
}

static bool printable(unsigned char c)
{
	return c >= 0x20 && c < 0x7f;
}

/* $'...': C escapes for control characters, octal for the other unprintable bytes */
static void quote_ansi_c(struct buf *b, const char *w)
{
	static const char from[] = "\033\a\v\b\f\n\r\t\\'", to[] = "Eavbfnrt\\'";
	const unsigned char *s;
	const char *e;
	char oct[5];

	buf_add(b, "$'", 2);
	for (s = (const unsigned char *)w; *s; s++) {
		e = strchr(from, *s);
		if (e) {
			buf_addc(b, '\\');
			buf_addc(b, to[e - from]);
		} else if (!printable(*s)) {
			snprintf(oct, sizeof(oct), "\\%03o", *s);
			buf_add(b, oct, 4);
		} else {
			buf_addc(b, (char)*s);
		}
	}
	buf_addc(b, '\'');
}

/* backslashes before the shell's special characters */
static void quote_backslash(struct buf *b, const char *w)
{
	const char *s;

	for (s = w; *s; s++) {
		if (strchr("\t\n !\"$&'()*,;<>?[\\]^`{|} ", *s) || (*s == '#' && s == w) ||
		    (*s == '~' && (s == w || s[-1] == ':' || s[-1] == '=')))
			buf_addc(b, '\\');
		buf_addc(b, *s);
	}
}

static bool needs_ansi_c(const char *w)
{
	for (; *w; w++) {
		if (!printable((unsigned char)*w))
			return true;
	}
	return false;
}

#define PLAIN_CHARS "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_./,=:+@%-"

/* One word: as it is when plain, else in '...' where that works, else like printf %q. */
static void quote_word(struct buf *b, const char *w)
{
	if (*w && !w[strspn(w, PLAIN_CHARS)]) {
		buf_add(b, w, strlen(w));
	} else if (!strpbrk(w, "'\n\t")) {
		buf_addc(b, '\'');
		buf_add(b, w, strlen(w));
		buf_addc(b, '\'');
	} else if (needs_ansi_c(w)) {
		quote_ansi_c(b, w);
	} else {
		quote_backslash(b, w);
	}
}

char *argv_quote(char *const *argv)
{
	struct buf b = { xstrdup(""), 0 };

	for (; *argv; argv++) {
		if (b.len)
			buf_addc(&b, ' ');
		quote_word(&b, *argv);
	}
	return b.s;
}
