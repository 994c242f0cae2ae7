/* printf family: enough of C99 for test output, written for a freestanding guest. */
#include <libcflat.h>

struct outbuf {
	char *buf;
	size_t size; /* capacity, including the terminating NUL */
	size_t len;  /* characters produced so far (may exceed size) */
};

static void out_char(struct outbuf *o, char c)
{
	if (o->len + 1 < o->size)
		o->buf[o->len] = c;
	o->len++;
}

struct spec {
	bool left, zero, plus, space, alt;
	int width;
	int precision; /* -1: none */
	int length;    /* 0 int, 1 long, 2 long long, 3 size_t, -1 short, -2 char */
};

static void out_padded(struct outbuf *o, const char *s, size_t n, const struct spec *sp)
{
	int pad = sp->width > (int)n ? sp->width - (int)n : 0;

	if (!sp->left)
		while (pad-- > 0)
			out_char(o, ' ');
	while (n--)
		out_char(o, *s++);
	while (pad-- > 0)
		out_char(o, ' ');
}

/* Power-of-two bases by shifting, decimal by 64-bit division (lib/div64.c on 32-bit). */
static int utoa(unsigned long long v, unsigned base, bool upper, char *tmp)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	int n = 0;

	do {
		tmp[n++] = digits[v % base];
		v /= base;
	} while (v);
	return n;
}

static void out_number(struct outbuf *o, unsigned long long v, bool neg, unsigned base,
		       bool upper, const struct spec *sp)
{
	char digits[24], prefix[3];
	int ndig = 0, npre = 0, zeros = 0, pad, i;

	if (!(sp->precision == 0 && v == 0))
		ndig = utoa(v, base, upper, digits);
	if (neg)
		prefix[npre++] = '-';
	else if (sp->plus)
		prefix[npre++] = '+';
	else if (sp->space)
		prefix[npre++] = ' ';
	if (sp->alt && v && base == 16) {
		prefix[npre++] = '0';
		prefix[npre++] = upper ? 'X' : 'x';
	} else if (sp->alt && base == 8 && (ndig == 0 || digits[ndig - 1] != '0')) {
		digits[ndig++] = '0';
	}
	if (sp->precision > ndig)
		zeros = sp->precision - ndig;
	pad = sp->width - npre - zeros - ndig;
	if (sp->zero && !sp->left && sp->precision < 0 && pad > 0) {
		zeros += pad;
		pad = 0;
	}
	if (!sp->left)
		while (pad-- > 0)
			out_char(o, ' ');
	for (i = 0; i < npre; i++)
		out_char(o, prefix[i]);
	while (zeros-- > 0)
		out_char(o, '0');
	while (ndig-- > 0)
		out_char(o, digits[ndig]);
	while (pad-- > 0)
		out_char(o, ' ');
}

static const char *parse_spec(const char *f, struct spec *sp, va_list *ap)
{
	*sp = (struct spec){ .precision = -1 };
	for (;; f++) {
		if (*f == '-')
			sp->left = true;
		else if (*f == '0')
			sp->zero = true;
		else if (*f == '+')
			sp->plus = true;
		else if (*f == ' ')
			sp->space = true;
		else if (*f == '#')
			sp->alt = true;
		else
			break;
	}
	if (*f == '*') {
		sp->width = va_arg(*ap, int);
		if (sp->width < 0) {
			sp->left = true;
			sp->width = -sp->width;
		}
		f++;
	} else {
		while (isdigit(*f))
			sp->width = sp->width * 10 + (*f++ - '0');
	}
	if (*f == '.') {
		f++;
		sp->precision = 0;
		if (*f == '*') {
			sp->precision = va_arg(*ap, int);
			f++;
		} else {
			while (isdigit(*f))
				sp->precision = sp->precision * 10 + (*f++ - '0');
		}
	}
	for (;; f++) {
		if (*f == 'l')
			sp->length++;
		else if (*f == 'h')
			sp->length--;
		else if (*f == 'z' || *f == 't')
			sp->length = 3;
		else
			break;
	}
	return f;
}

static unsigned long long arg_unsigned(const struct spec *sp, va_list *ap)
{
	switch (sp->length) {
	case 1: return va_arg(*ap, unsigned long);
	case 2: return va_arg(*ap, unsigned long long);
	case 3: return va_arg(*ap, size_t);
	case -1: return (unsigned short)va_arg(*ap, unsigned int);
	case -2: return (unsigned char)va_arg(*ap, unsigned int);
	default: return va_arg(*ap, unsigned int);
	}
}

static long long arg_signed(const struct spec *sp, va_list *ap)
{
	switch (sp->length) {
	case 1: return va_arg(*ap, long);
	case 2: return va_arg(*ap, long long);
	case 3: return va_arg(*ap, ssize_t);
	case -1: return (short)va_arg(*ap, int);
	case -2: return (signed char)va_arg(*ap, int);
	default: return va_arg(*ap, int);
	}
}

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap_in)
{
	struct outbuf o = { .buf = buf, .size = size };
	struct spec sp;
	va_list ap;
	const char *s;
	long long sv;
	char c;

	va_copy(ap, ap_in);
	while (*fmt) {
		if (*fmt != '%') {
			out_char(&o, *fmt++);
			continue;
		}
		fmt = parse_spec(fmt + 1, &sp, &ap);
		switch (*fmt) {
		case 'd':
		case 'i':
			sv = arg_signed(&sp, &ap);
			out_number(&o, sv < 0 ? -(unsigned long long)sv : (unsigned long long)sv,
				   sv < 0, 10, false, &sp);
			break;
		case 'u':
			out_number(&o, arg_unsigned(&sp, &ap), false, 10, false, &sp);
			break;
		case 'x':
		case 'X':
			out_number(&o, arg_unsigned(&sp, &ap), false, 16, *fmt == 'X', &sp);
			break;
		case 'o':
			out_number(&o, arg_unsigned(&sp, &ap), false, 8, false, &sp);
			break;
		case 'p':
			sp.alt = true;
			out_number(&o, (uintptr_t)va_arg(ap, void *), false, 16, false, &sp);
			break;
		case 's':
			s = va_arg(ap, const char *);
			if (!s)
				s = "(null)";
			out_padded(&o, s, sp.precision >= 0 ? strnlen(s, sp.precision) : strlen(s), &sp);
			break;
		case 'c':
			c = (char)va_arg(ap, int);
			out_padded(&o, &c, 1, &sp);
			break;
		case '%':
			out_char(&o, '%');
			break;
		case '\0':
			fmt--;
			break;
		default:
			out_char(&o, '%');
			out_char(&o, *fmt);
			break;
		}
		fmt++;
	}
	va_end(ap);
	if (size)
		buf[o.len < size ? o.len : size - 1] = '\0';
	return (int)o.len;
}

int snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

int sprintf(char *buf, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, SIZE_MAX / 2, fmt, ap);
	va_end(ap);
	return n;
}

/*
 * The console lock is re-entrant on one CPU: an exception taken while this CPU prints (a
 * fault inside arch_puts, say) must still get its dump out, not spin on its own lock.
 */
static struct spinlock console_lock;
static int console_owner = -1;
static int console_depth;

static void console_enter(void)
{
	int cpu = smp_processor_id();

	if (atomic_read(&console_owner) == cpu) {
		console_depth++;
		return;
	}
	spin_lock(&console_lock);
	atomic_set(&console_owner, cpu);
	console_depth = 1;
}

static void console_leave(void)
{
	if (--console_depth)
		return;
	atomic_set(&console_owner, -1);
	spin_unlock(&console_lock);
}

static void console_write(const char *s)
{
	console_enter();
	arch_puts(s);
	console_leave();
}

int vprintf(const char *fmt, va_list ap)
{
	char buf[512];
	int n = vsnprintf(buf, sizeof(buf), fmt, ap);

	console_write(buf);
	return n;
}

int printf(const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vprintf(fmt, ap);
	va_end(ap);
	return n;
}

int puts(const char *s)
{
	console_enter();
	arch_puts(s);
	arch_puts("\n");
	console_leave();
	return 0;
}

int putchar(int c)
{
	char s[2] = { (char)c, 0 };

	console_write(s);
	return c;
}
