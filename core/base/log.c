#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "base/clock.h"
#include "base/log.h"

static int log_stderr = 1;
static enum log_level log_level = LOG_LEVEL_INFO;

/* The recent events the pages show: a ring, newest at log_next - 1. */
static struct log_entry log_ring[LOG_RECENT];
static size_t log_next, log_count;

static void
log_remember(const char *tag, const char *msg, const char *suffix)
{
	struct log_entry *e = &log_ring[log_next];

	e->when = clock_wall();
	e->level = tag;
	snprintf(e->message, sizeof(e->message), "%.190s%s%.60s", msg,
	    suffix ? ": " : "", suffix ? suffix : "");
	log_next = (log_next + 1) % LOG_RECENT;
	if (log_count < LOG_RECENT)
		log_count++;
}

const struct log_entry *
log_recent(size_t i)
{
	if (i >= log_count)
		return NULL;
	return &log_ring[(log_next + LOG_RECENT - log_count + i) % LOG_RECENT];
}

void
log_init(const char *ident, int to_stderr, enum log_level level)
{
	log_stderr = to_stderr;
	log_level = level;
	if (!to_stderr)
		openlog(ident, LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

void
log_set_level(enum log_level level)
{
	log_level = level;
}

enum log_level
log_get_level(void)
{
	return log_level;
}

static void
log_vwrite(int priority, const char *tag, const char *fmt, va_list ap,
    const char *suffix)
{
	char msg[1024];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	log_remember(tag, msg, suffix);
	if (log_stderr) {
		struct timespec ts;
		struct tm tm;
		char when[32];

		clock_wall_ts(&ts);
		localtime_r(&ts.tv_sec, &tm);
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", &tm);
		fprintf(stderr, "%s.%03ld %s: %s%s%s\n", when,
		    ts.tv_nsec / 1000000, tag, msg, suffix ? ": " : "",
		    suffix ? suffix : "");
		fflush(stderr);
	} else
		syslog(priority, "%s%s%s", msg, suffix ? ": " : "",
		    suffix ? suffix : "");
}

void
log_warn(const char *fmt, ...)
{
	const char *err = strerror(errno);
	va_list ap;

	va_start(ap, fmt);
	log_vwrite(LOG_WARNING, "warning", fmt, ap, err);
	va_end(ap);
}

void
log_warnx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vwrite(LOG_WARNING, "warning", fmt, ap, NULL);
	va_end(ap);
}

void
log_info(const char *fmt, ...)
{
	va_list ap;

	if (log_level < LOG_LEVEL_INFO)
		return;
	va_start(ap, fmt);
	log_vwrite(LOG_INFO, "info", fmt, ap, NULL);
	va_end(ap);
}

void
log_debug(const char *fmt, ...)
{
	va_list ap;

	if (log_level < LOG_LEVEL_DEBUG)
		return;
	va_start(ap, fmt);
	log_vwrite(LOG_DEBUG, "debug", fmt, ap, NULL);
	va_end(ap);
}

void
fatal(const char *fmt, ...)
{
	const char *err = strerror(errno);
	va_list ap;

	va_start(ap, fmt);
	log_vwrite(LOG_CRIT, "fatal", fmt, ap, err);
	va_end(ap);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vwrite(LOG_CRIT, "fatal", fmt, ap, NULL);
	va_end(ap);
	exit(1);
}
