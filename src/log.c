/* log.c: one-line messages on stderr. Only vsnprintf and write(2): safe after fork. */
#include "config.h"

#include "log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

bool log_verbose;

/* Length of the valid UTF-8 sequence at s (2 to 4), or 0 if it is not one or encodes a C1
 * control character (U+0080..U+009F, which some terminals act on like ESC sequences). */
static size_t utf8_printable_len(const unsigned char *s)
{
	size_t n;
	unsigned long cp;

	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		n = 2;
		cp = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		n = 3;
		cp = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		n = 4;
		cp = s[0] & 0x07;
	} else {
		return 0;
	}
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	/* overlong forms, surrogates, beyond U+10FFFF, C1 controls */
	if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp < 0xa0)
		return 0;
	return n;
}

size_t log_escape(char *dst, size_t dstlen, const char *src)
{
	static const char named[] = { ['\a'] = 'a', ['\b'] = 'b', ['\t'] = 't', ['\n'] = 'n',
				      ['\v'] = 'v', ['\f'] = 'f', ['\r'] = 'r' };
	const unsigned char *s = (const unsigned char *)src;
	size_t o = 0;

	if (dstlen == 0)
		return 0;
	while (*s) {
		char esc[5];
		const char *piece = esc;
		size_t len;

		if (*s >= 0x20 && *s < 0x7f) {
			piece = (const char *)s;
			len = 1;
		} else if (*s >= 0x80 && (len = utf8_printable_len(s)) > 0) {
			piece = (const char *)s;
		} else if (*s < sizeof(named) && named[*s]) {
			esc[0] = '\\';
			esc[1] = named[*s];
			len = 2;
		} else {
			esc[0] = '\\';
			esc[1] = (char)('0' + (*s >> 6));
			esc[2] = (char)('0' + ((*s >> 3) & 7));
			esc[3] = (char)('0' + (*s & 7));
			len = 4;
		}
		if (o + len >= dstlen)
			break;
		memcpy(dst + o, piece, len);
		o += len;
		s += piece == esc ? 1 : len;
	}
	dst[o] = '\0';
	return o;
}

const char *log_program = "sandbox";
void (*log_copy)(const char *line, size_t len);

__attribute__((format(printf, 1, 0))) static void emit(const char *fmt, va_list ap, int err)
{
	char text[1024];
	/* "sandbox: ", the text with each byte at most 4 after escaping, "\n" */
	char line[sizeof("sandbox-oci: ") + 4 * sizeof(text) + 1];
	int saved = errno;
	int n = vsnprintf(text, sizeof(text), fmt, ap);

	if (n < 0)
		n = 0;
	if (n > (int)sizeof(text) - 1)
		n = (int)sizeof(text) - 1;
	if (err)
		snprintf(text + n, sizeof(text) - (size_t)n, ": %s", strerror(err));
	size_t len = (size_t)snprintf(line, sizeof(line), "%s: ", log_program);
	len += log_escape(line + len, sizeof(line) - len - 1, text);
	line[len++] = '\n';
	/* Best effort: there is nowhere else to report a failing stderr. */
	if (write(STDERR_FILENO, line, len) < 0)
		errno = saved;
	if (log_copy)
		log_copy(line, len);
	errno = saved;
}

void warnx(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	emit(fmt, ap, 0);
	va_end(ap);
}

void warn_errno(int err, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	emit(fmt, ap, err);
	va_end(ap);
}

void debug(const char *fmt, ...)
{
	char line[512];
	struct timespec ts;
	va_list ap;
	int n;

	if (!log_verbose)
		return;
	/* A time stamp on every step, so that -v also shows where start-up time goes. */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	n = snprintf(line, sizeof(line), "[%ld.%06ld] ", (long)ts.tv_sec, ts.tv_nsec / 1000);
	va_start(ap, fmt);
	vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
	va_end(ap);
	warnx("%s", line);
}

void die(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	emit(fmt, ap, 0);
	va_end(ap);
	_exit(EXIT_SETUP);
}

void die_errno(int err, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	emit(fmt, ap, err);
	va_end(ap);
	_exit(EXIT_SETUP);
}
