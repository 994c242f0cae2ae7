/*
 * argv and environment from the kernel command line (-append). Words are split on
 * white space; double quotes group words. Leading KEY=VALUE words become the
 * environment, the rest argv[1..].
 */
#include <libcflat.h>

#define MAX_ARGS 64
#define MAX_ENV 32

int __argc;
char *__argv[MAX_ARGS + 1];
char *__environ[MAX_ENV + 1];
static char args_copy[1024];
static int nr_env;

void setup_args_progname(const char *name)
{
	static char progname[64];

	strncpy(progname, name, sizeof(progname) - 1);
	__argv[0] = progname;
	if (!__argc)
		__argc = 1;
}

static bool is_env_word(const char *w)
{
	const char *eq = strchr(w, '=');

	if (!eq || eq == w)
		return false;
	for (; w < eq; w++)
		if (!((*w >= 'A' && *w <= 'Z') || *w == '_' || isdigit(*w)))
			return false;
	return true;
}

/* Cuts the next word out of *p in place; returns NULL at the end. */
static char *next_word(char **p)
{
	char *s = *p, *w, *out;
	bool quoted = false;

	while (isspace(*s))
		s++;
	if (!*s)
		return NULL;
	w = out = s;
	for (; *s && (quoted || !isspace(*s)); s++) {
		if (*s == '"')
			quoted = !quoted;
		else
			*out++ = *s;
	}
	*p = *s ? s + 1 : s;
	*out = '\0';
	return w;
}

/* Cuts the command line into environment words and argv[1..]. */
static void split_cmdline(const char *cmdline)
{
	char *p = args_copy, *w;
	bool in_env = true;

	strncpy(args_copy, cmdline, sizeof(args_copy) - 1);
	while ((w = next_word(&p))) {
		if (in_env && is_env_word(w) && nr_env < MAX_ENV) {
			__environ[nr_env++] = w;
			continue;
		}
		in_env = false;
		if (__argc < MAX_ARGS)
			__argv[__argc++] = w;
	}
}

void setup_args(const char *cmdline)
{
	if (!__argv[0])
		setup_args_progname("test");
	__argc = 1;
	if (cmdline)
		split_cmdline(cmdline);
	/*
	 * The guest's first word, as soon as the console works and the command line is read
	 * (every arch calls this before main): the runner bounds the wait for it
	 * (FIRST_OUTPUT_TIMEOUT), so an image that never boots fails at once, however long a
	 * test then computes before its first claim.
	 */
	printf("INFO: %s: started\n", __argv[0]);
}

char *getenv(const char *name)
{
	size_t n = strlen(name);
	int i;

	for (i = 0; i < nr_env; i++)
		if (!strncmp(__environ[i], name, n) && __environ[i][n] == '=')
			return __environ[i] + n + 1;
	return NULL;
}

const char *qemu_accel(void)
{
	return getenv("QEMU_ACCEL");
}

bool accel_is(const char *name)
{
	const char *accel = qemu_accel();

	return accel && !strcmp(accel, name);
}

bool kvm_module_is(const char *name)
{
	const char *module = getenv("KVM_MODULE");

	return accel_is("kvm") && module && !strcmp(module, name);
}
