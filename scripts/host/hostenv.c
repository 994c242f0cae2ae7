/*
 * hostenv: config.mak, QEMU, accelerator, CPUs and version for the runner (hostenv.h).
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "arch.h"
#include "hostenv.h"
#include "xalloc.h"

void die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", program_invocation_short_name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(2);
}

bool is_file(const char *path)
{
	struct stat st;

	return !stat(path, &st) && S_ISREG(st.st_mode);
}

static bool is_executable_file(const char *path)
{
	return is_file(path) && !access(path, X_OK);
}

/* The first line of PATH without its newline, malloc'd; NULL when unreadable. */
static char *read_line(const char *path)
{
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;

	if (!f)
		return NULL;
	n = getline(&line, &cap, f);
	fclose(f);
	if (n < 0) {
		free(line);
		return xstrdup("");
	}
	if (n > 0 && line[n - 1] == '\n')
		line[n - 1] = 0;
	return line;
}

static bool is_identifier(const char *s, size_t n)
{
	size_t i;

	if (!n || !(isalpha((unsigned char)s[0]) || s[0] == '_'))
		return false;
	for (i = 1; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '_')
			return false;
	return true;
}

/* config.mak is read, never sourced: KEY=value lines, no quoting */
void build_load(struct build *b, const char *dir)
{
	char *path = xasprintf("%s/config.mak", dir), *line = NULL, *srcdir = NULL;
	size_t cap = 0;
	ssize_t n;
	FILE *f = fopen(path, "r");

	if (!f)
		die("no config.mak in %s: run this from a build directory (./configure first)", dir);
	memset(b, 0, sizeof(*b));
	b->dir = xstrdup(dir);
	while ((n = getline(&line, &cap, f)) >= 0) {
		char *eq = strchr(line, '='), **to = NULL;

		if (n && line[n - 1] == '\n')
			line[--n] = 0;
		if (line[0] == '#' || !eq || !is_identifier(line, eq - line))
			continue;
		*eq = 0;
		if (!strcmp(line, "SRCDIR"))
			to = &srcdir;
		else if (!strcmp(line, "ARCH"))
			to = &b->arch_name;
		else if (!strcmp(line, "TEST_DIR"))
			to = &b->test_dir;
		else if (!strcmp(line, "QEMU"))
			to = &b->config_qemu;
		if (to) {
			free(*to);
			*to = xstrdup(eq + 1);
		}
	}
	free(line);
	fclose(f);
	free(path);
	if (!srcdir || !*srcdir || !b->arch_name || !*b->arch_name || !b->test_dir ||
	    !*b->test_dir)
		die("%s/config.mak lacks SRCDIR, ARCH or TEST_DIR: re-run configure", dir);
	/* an installed tree says SRCDIR=.: relative to the directory of its config.mak */
	b->srcdir = srcdir[0] == '/' ? srcdir : xasprintf("%s/%s", dir, srcdir);
	if (b->srcdir != srcdir)
		free(srcdir);
	if (!b->config_qemu)
		b->config_qemu = xstrdup("");
	b->arch = arch_find(b->arch_name);
	if (!b->arch)
		die("%s/config.mak: unknown ARCH '%s': re-run configure", dir, b->arch_name);
}

/* The first executable NAME in PATH (an empty entry is the current directory), or NULL. */
static char *path_lookup(const char *name)
{
	const char *p = getenv("PATH"), *end;
	char *cand;

	for (p = p ? p : ""; ; p = end + 1) {
		end = strchrnul(p, ':');
		cand = end == p ? xasprintf("./%s", name) : xasprintf("%.*s/%s", (int)(end - p), p, name);
		if (is_executable_file(cand))
			return cand;
		free(cand);
		if (!*end)
			return NULL;
	}
}

char *find_qemu(const struct build *b)
{
	const char *env = getenv("QEMU");
	char *want, *qemu;

	if (env && *env)
		want = xstrdup(env);
	else if (*b->config_qemu)
		want = xstrdup(b->config_qemu);
	else
		want = xasprintf("qemu-system-%s", arch_qemu_suffix(b->arch));
	qemu = want;
	if (!strchr(want, '/')) {
		qemu = path_lookup(want);
		if (!qemu)
			die("QEMU binary '%s' not found in PATH (set QEMU= or configure --qemu=)", want);
	}
	if (!is_executable_file(qemu))
		die("QEMU binary '%s' not found or not executable (set QEMU= or configure --qemu=)",
		    want);
	if (qemu != want)
		free(want);
	return qemu;
}

/* /dev/kvm is a character device that opens read-write (a plain open never creates it) */
static bool kvm_usable(void)
{
	struct stat st;
	int fd;

	if (stat("/dev/kvm", &st) || !S_ISCHR(st.st_mode))
		return false;
	fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return false;
	close(fd);
	return true;
}

/* KVM runs ARCH's guests on this host's machine type */
static bool kvm_runs_natively(const char *arch)
{
	struct utsname u;
	const char *m;

	if (uname(&u))
		return false;
	m = u.machine;
	if (!strcmp(arch, "x86_64"))
		return !strcmp(m, "x86_64");
	if (!strcmp(arch, "i386"))
		return !strcmp(m, "x86_64") ||
		       (m[0] == 'i' && m[1] && !strcmp(m + 2, "86"));
	if (!strcmp(arch, "arm64"))
		return !strcmp(m, "aarch64");
	return !strcmp(arch, "s390x") && !strcmp(m, "s390x");
}

const char *pick_accel(const struct build *b)
{
	const char *accel = getenv("ACCEL");

	if (accel && *accel) {
		if (strcmp(accel, "kvm") && strcmp(accel, "tcg"))
			die("ACCEL must be kvm or tcg, not '%s'", accel);
		return accel;
	}
	return kvm_runs_natively(b->arch_name) && kvm_usable() ? "kvm" : "tcg";
}

/* Tests classify deviations of one host kind (e.g. the nested kvm_pvm) as known only
 * there; the guest is told KVM_MODULE=... (docs/HACKING.md). */
const char *kvm_module(const char *accel)
{
	static const char *const modules[] = { "kvm_pvm", "kvm_intel", "kvm_amd", "kvm", NULL };
	struct stat st;
	char path[64];
	int i;

	if (strcmp(accel, "kvm"))
		return "";
	for (i = 0; modules[i]; i++) {
		snprintf(path, sizeof(path), "/sys/module/%s", modules[i]);
		if (!stat(path, &st) && S_ISDIR(st.st_mode))
			return modules[i];
	}
	return "";
}

int host_cpus(void)
{
	cpu_set_t set;
	long n;

	if (!sched_getaffinity(0, sizeof(set), &set) && CPU_COUNT(&set) > 0)
		return CPU_COUNT(&set);
	n = sysconf(_SC_NPROCESSORS_ONLN);
	return n > 0 ? (int)n : 1;
}

/* The commit REF names: the loose ref in GIT or COMMON, else COMMON's packed-refs. */
static char *resolve_ref(const char *git, const char *common, const char *ref)
{
	const char *const dirs[] = { git, common };
	char *path, *sha, *line = NULL;
	size_t cap = 0, rlen = strlen(ref), i;
	ssize_t n;
	FILE *f;

	for (i = 0; i < 2; i++) {
		path = xasprintf("%s/%s", dirs[i], ref);
		sha = is_file(path) ? read_line(path) : NULL;
		free(path);
		if (sha)
			return sha;
	}
	path = xasprintf("%s/packed-refs", common);
	f = fopen(path, "r");
	free(path);
	sha = NULL;
	while (f && (n = getline(&line, &cap, f)) >= 0) {
		char *space = strchr(line, ' ');

		if (n && line[n - 1] == '\n')
			line[--n] = 0;
		if (space && strlen(space + 1) == rlen && !memcmp(space + 1, ref, rlen)) {
			sha = xstrndup(line, space - line);
			break;
		}
	}
	free(line);
	if (f)
		fclose(f);
	return sha;
}

char *project_version(const char *srcdir)
{
	char *path = xasprintf("%s/VERSION", srcdir), *base = read_line(path), *git, *line;
	char *head, *common, *sha = NULL, *version;

	free(path);
	git = xasprintf("%s/.git", srcdir);
	if (is_file(git) && (line = read_line(git))) { /* a worktree: "gitdir: PATH" */
		const char *dir = strncmp(line, "gitdir: ", 8) ? line : line + 8;

		free(git);
		git = dir[0] == '/' ? xstrdup(dir) : xasprintf("%s/%s", srcdir, dir);
		free(line);
	}
	path = xasprintf("%s/HEAD", git);
	head = is_file(path) ? read_line(path) : NULL;
	free(path);
	if (head) {
		path = xasprintf("%s/commondir", git);
		line = is_file(path) ? read_line(path) : NULL;
		free(path);
		common = !line ? xstrdup(git) : line[0] == '/' ? xstrdup(line) :
			 xasprintf("%s/%s", git, line);
		free(line);
		sha = strncmp(head, "ref: ", 5) ? xstrdup(head) : resolve_ref(git, common, head + 5);
		free(common);
		free(head);
	}
	version = xasprintf("%s%s%.12s", base && *base ? base : "unknown", sha && *sha ? "-g" : "",
			    sha ? sha : "");
	free(git);
	free(base);
	free(sha);
	return version;
}

void exit_token(char out[17])
{
	unsigned int r[2] = { 0, 0 };

	if (getrandom(r, sizeof(r), 0) != sizeof(r)) {
		struct timespec ts;

		clock_gettime(CLOCK_MONOTONIC, &ts);
		r[0] = (unsigned int)ts.tv_nsec ^ (unsigned int)getpid();
		r[1] = (unsigned int)ts.tv_sec * 2654435761u;
	}
	snprintf(out, 17, "%08x%08x", r[0], r[1]);
}
