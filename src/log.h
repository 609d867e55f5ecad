/* log.h: the tool's messages. Every line is "sandbox: WHAT: WHY". */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/* Exit codes of the contract. */
enum {
	EXIT_SETUP = 125,    /* the sandbox could not be set up */
	EXIT_NOEXEC = 126,   /* COMMAND found but not executable */
	EXIT_NOTFOUND = 127, /* COMMAND not found */
	EXIT_TIMEOUT = 124,  /* --timeout expired */
};

extern bool log_verbose;
/* The name in front of every line ("sandbox"; "sandbox-oci" in the OCI runtime, whose callers
 * look for it), and a copy of each line to somewhere else too (the runtime's --log file), or
 * NULL. Set once, before any message. */
extern const char *log_program;
extern void (*log_copy)(const char *line, size_t len);

/* These use only write(2) on stderr, so they are safe after fork. */
void warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* "sandbox: STEP: strerror(err)" */
void warn_errno(int err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Print and exit(EXIT_SETUP) (or _exit after fork: die() calls _exit, never atexit handlers). */
__attribute__((noreturn, format(printf, 1, 2))) void die(const char *fmt, ...);
__attribute__((noreturn, format(printf, 2, 3))) void die_errno(int err, const char *fmt, ...);

/* Copy src into dst (NUL-terminated, at most dstlen bytes) with every byte a terminal could act
 * on escaped, C-style: \a \b \t \n \v \f \r for those, \ooo (octal) for other C0 controls,
 * DEL, C1 controls (U+0080..U+009F) and bytes that are not valid UTF-8; other UTF-8 text
 * passes. Never cuts an escape or a character in half. Returns the length written. Every
 * message goes through it: names and paths come from the user and the rootfs. */
size_t log_escape(char *dst, size_t dstlen, const char *src);
