/*
 * Logging: stderr in the foreground, syslog otherwise.  Messages carry their
 * context in the text, always in the same form so logs can be grepped:
 * "bus rs485: device main (address 1): timeout after 300 ms".
 */
#ifndef MEWS_LOG_H
#define MEWS_LOG_H

#include <stdarg.h>
#include <stddef.h>
#include <time.h>

enum log_level { LOG_LEVEL_WARN, LOG_LEVEL_INFO, LOG_LEVEL_DEBUG };

void log_init(const char *ident, int to_stderr, enum log_level level);
void log_set_level(enum log_level level);
enum log_level log_get_level(void);

#define LOG_RECENT	200

#define LOG_MESSAGE_MAX	256

struct log_entry {
	time_t		 when;
	const char	*level;		/* "info", "warning", ... */
	char		 message[LOG_MESSAGE_MAX];
};
/* The i-th of the recent messages, oldest first; NULL past the last. */
const struct log_entry *log_recent(size_t i);

/* log_warn appends strerror(errno); log_warnx does not. */
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Only for the daemon's own impossible states, never for outside input. */
void fatal(const char *fmt, ...)
	__attribute__((format(printf, 1, 2), noreturn));
void fatalx(const char *fmt, ...)
	__attribute__((format(printf, 1, 2), noreturn));

#endif
