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

__attribute__((format(printf, 1, 0))) static void emit(const char *fmt, va_list ap, int err)
{
	char line[1024];
	int n = snprintf(line, sizeof(line), "sandbox: ");
	int saved = errno;

	n += vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
	if (n > (int)sizeof(line) - 2)
		n = (int)sizeof(line) - 2;
	if (err)
		n += snprintf(line + n, sizeof(line) - (size_t)n, ": %s", strerror(err));
	if (n > (int)sizeof(line) - 2)
		n = (int)sizeof(line) - 2;
	line[n++] = '\n';
	/* Best effort: there is nowhere else to report a failing stderr. */
	if (write(STDERR_FILENO, line, (size_t)n) < 0)
		errno = saved;
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
