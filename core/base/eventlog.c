#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "base/clock.h"
#include "base/csv.h"
#include "base/eventlog.h"
#include "base/log.h"
#include "base/net.h"

/* The most rotated files looked for when the setting shrinks. */
#define EVENTS_FILES_MAX	100
/* A record: the fields' limits, quoted and doubled at worst. */
#define EVENTS_RECORD_MAX	(2 * (EVENTS_DETAIL_MAX + 3 * 64 + \
				 NET_PEER_MAX) + 128)

static const char *const kind_names[] = { "alarm_raised", "alarm_cleared",
    "alarm_ack", "login", "login_failed", "locked", "unlocked", "puk_alarm",
    "logout", "config_changed", "command", "gateway_write", "reload",
    "start", "stop", "total_glitch", "total_reset" };
_Static_assert(sizeof(kind_names) / sizeof(kind_names[0]) == EVENT_NKINDS,
    "a name for each kind of event");
static const char *const header_names[] = { "kind", "profile", "address",
    "device", "detail" };

struct eventlog {
	struct event_base	*base;
	char			*path;		/* state_dir/events/events.csv */
	int			 fd;		/* -1: not writing */
	off_t			 size;
	off_t			 max_bytes;
	int			 max_files;
	struct csv_format	 fmt;
	int			 dirty;		/* written since the last sync */
	int			 failing;	/* a write failed: said once */
	struct event		*sync;
	char			 actor[32];
	char			 actor_addr[NET_PEER_MAX];
	char			 actor_what[128];
};

/* A record made in memory before its one write(2). */
struct eventlog_buf {
	size_t	len;
	char	data[EVENTS_RECORD_MAX];
};

static int
eventlog_buf_sink(void *arg, const char *data, size_t len)
{
	struct eventlog_buf *b = arg;

	if (len > sizeof(b->data) - b->len)
		return -1;
	memcpy(b->data + b->len, data, len);
	b->len += len;
	return 0;
}

const char *
eventlog_kind_name(enum eventlog_kind k)
{
	return kind_names[k];
}

int
eventlog_kind_parse(const char *s)
{
	int i;

	for (i = 0; i < EVENT_NKINDS; i++)
		if (strcmp(kind_names[i], s) == 0)
			return i;
	return -1;
}

/*
 * src as one line of valid UTF-8: control characters become spaces and
 * bytes that are not UTF-8 become '?', so the record stays one line and
 * the API can hand it to JSON.
 */
/* The length of the UTF-8 sequence at s, or 0 when it is not one. */
static size_t
eventlog_utf8(const unsigned char *s)
{
	unsigned long c;
	size_t n, k;

	if (*s >= 0xc2 && *s <= 0xdf)
		n = 2;
	else if (*s >= 0xe0 && *s <= 0xef)
		n = 3;
	else if (*s >= 0xf0 && *s <= 0xf4)
		n = 4;
	else
		return 0;
	c = *s & (0x7f >> n);
	for (k = 1; k < n; k++) {
		if ((s[k] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (s[k] & 0x3f);
	}
	/* Overlong forms, surrogates and past U+10FFFF are not text. */
	if ((n == 3 && c < 0x800) || (n == 4 && c < 0x10000) ||
	    (c >= 0xd800 && c <= 0xdfff) || c > 0x10ffff)
		return 0;
	return n;
}

static void
eventlog_clean(char *dst, size_t size, const char *src)
{
	const unsigned char *s = (const unsigned char *)(src ? src : "");
	size_t o = 0, n;

	while (*s != '\0' && o + 1 < size) {
		if (*s < 0x80) {
			dst[o++] = *s < 0x20 || *s == 0x7f ? ' ' : (char)*s;
			s++;
		} else if ((n = eventlog_utf8(s)) == 0) {
			dst[o++] = '?';
			s++;
		} else if (o + n < size) {
			memcpy(dst + o, s, n);
			o += n;
			s += n;
		} else
			break;
	}
	dst[o] = '\0';
}

static int
eventlog_header(const struct eventlog *ev, struct eventlog_buf *b)
{
	b->len = 0;
	return csv_header(&ev->fmt, header_names, NULL,
	    sizeof(header_names) / sizeof(header_names[0]), eventlog_buf_sink,
	    b);
}

static int
eventlog_rotated(const struct eventlog *ev, int i, char *out, size_t size)
{
	int n = snprintf(out, size, i ? "%s.%d" : "%s", ev->path, i);

	return n < 0 || (size_t)n >= size ? -1 : 0;
}

int
eventlog_path(const struct eventlog *ev, int i, char *out, size_t size)
{
	if (ev == NULL || ev->path == NULL || i < 0 || i > ev->max_files)
		return -1;
	return eventlog_rotated(ev, i, out, size);
}

char
eventlog_separator(const struct eventlog *ev)
{
	return ev != NULL ? ev->fmt.separator : ';';
}

static void
eventlog_sync_now(struct eventlog *ev)
{
	if (ev->fd != -1 && ev->dirty && fdatasync(ev->fd) == -1)
		log_warn("events: cannot sync %s", ev->path);
	ev->dirty = 0;
}

static void
eventlog_sync_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	eventlog_sync_now(arg);
}

/* The rename of a rotation survives a power cut. */
static void
eventlog_sync_dir(const char *path)
{
	char dir[PATH_MAX], *slash;
	int fd;

	snprintf(dir, sizeof(dir), "%s", path);
	if ((slash = strrchr(dir, '/')) != NULL)
		*slash = '\0';
	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return;
	if (fsync(fd) == -1)
		log_warn("events: cannot sync %s", dir);
	close(fd);
}

/* Open events.csv, a new one with its header when empty. */
static int
eventlog_open(struct eventlog *ev)
{
	struct eventlog_buf b;
	struct stat st;

	ev->fd = open(ev->path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC,
	    0600);
	if (ev->fd == -1 || fstat(ev->fd, &st) == -1) {
		log_warn("events: cannot open %s: not recording events",
		    ev->path);
		if (ev->fd != -1)
			close(ev->fd);
		ev->fd = -1;
		return -1;
	}
	ev->size = st.st_size;
	if (ev->size > 0)
		return 0;
	if (eventlog_header(ev, &b) == -1 ||
	    write(ev->fd, b.data, b.len) != (ssize_t)b.len) {
		log_warn("events: cannot write %s", ev->path);
		return -1;
	}
	ev->size = (off_t)b.len;
	ev->dirty = 1;
	return 0;
}

/*
 * events.csv becomes events.csv.1, and so on; the oldest goes.  Between
 * two records, so none is split or lost.
 */
static void
eventlog_rotate(struct eventlog *ev)
{
	char from[PATH_MAX], to[PATH_MAX];
	int i;

	eventlog_sync_now(ev);
	if (ev->fd != -1)
		close(ev->fd);
	ev->fd = -1;
	for (i = EVENTS_FILES_MAX; i >= ev->max_files; i--)
		if (eventlog_rotated(ev, i, to, sizeof(to)) == 0 &&
		    unlink(to) == -1 && errno != ENOENT)
			log_warn("events: cannot remove %s", to);
	for (i = ev->max_files - 1; i >= 0; i--)
		if (eventlog_rotated(ev, i, from, sizeof(from)) == 0 &&
		    eventlog_rotated(ev, i + 1, to, sizeof(to)) == 0 &&
		    rename(from, to) == -1 && errno != ENOENT)
			log_warn("events: cannot rename %s to %s", from, to);
	eventlog_sync_dir(ev->path);
	log_info("events: %s rotated (%d older kept)", ev->path,
	    ev->max_files);
	eventlog_open(ev);
}

/* Is the file's header the one the present format writes? */
static int
eventlog_same_format(const struct eventlog *ev)
{
	struct eventlog_buf want;
	char got[sizeof(want.data)];
	ssize_t n;
	int fd;

	if (eventlog_header(ev, &want) == -1 ||
	    (fd = open(ev->path, O_RDONLY | O_CLOEXEC)) == -1)
		return 1;
	n = read(fd, got, want.len);
	close(fd);
	return n <= 0 || ((size_t)n == want.len &&
	    memcmp(got, want.data, want.len) == 0);
}

struct eventlog *
eventlog_new(struct event_base *base)
{
	struct eventlog *ev;

	if ((ev = calloc(1, sizeof(*ev))) == NULL)
		return NULL;
	ev->base = base;
	ev->fd = -1;
	if ((ev->sync = evtimer_new(base, eventlog_sync_cb, ev)) == NULL) {
		free(ev);
		return NULL;
	}
	return ev;
}

void
eventlog_configure(struct eventlog *ev, const char *state_dir,
    int max_kb, int max_files, const struct csv_format *fmt)
{
	char dir[PATH_MAX], *path;

	if (ev == NULL)
		return;
	ev->max_bytes = (off_t)max_kb * 1024;
	ev->max_files = max_files;
	ev->fmt.separator = fmt->separator;
	ev->fmt.decimal = fmt->decimal;
	ev->fmt.bom = fmt->bom;
	snprintf(dir, sizeof(dir), "%s/" EVENTS_DIR, state_dir);
	if (asprintf(&path, "%s/" EVENTS_FILE, dir) == -1) {
		log_warnx("events: out of memory: not recording events");
		return;
	}
	if (ev->path != NULL && strcmp(ev->path, path) == 0 && ev->fd != -1) {
		free(path);
		if (!eventlog_same_format(ev))
			eventlog_rotate(ev);
		return;
	}
	eventlog_sync_now(ev);
	if (ev->fd != -1)
		close(ev->fd);
	ev->fd = -1;
	free(ev->path);
	ev->path = path;
	if (mkdir(dir, 0700) == -1 && errno != EEXIST) {
		log_warn("events: cannot make %s: not recording events", dir);
		return;
	}
	if (!eventlog_same_format(ev)) {
		eventlog_rotate(ev);
		return;
	}
	eventlog_open(ev);
}

void
eventlog_free(struct eventlog *ev)
{
	if (ev == NULL)
		return;
	eventlog_sync_now(ev);
	if (ev->fd != -1)
		close(ev->fd);
	event_free(ev->sync);
	free(ev->path);
	free(ev);
}

static void
eventlog_write(struct eventlog *ev, enum eventlog_kind k, const char *profile,
    const char *address, const char *device, const char *detail)
{
	struct timeval later = { EVENTS_SYNC_S, 0 };
	char clean[4][EVENTS_DETAIL_MAX];
	const char *fields[5];
	struct eventlog_buf b;
	ssize_t n;

	if (ev == NULL || ev->fd == -1)
		return;
	eventlog_clean(clean[0], 64, profile);
	eventlog_clean(clean[1], NET_PEER_MAX, address);
	eventlog_clean(clean[2], 64, device);
	eventlog_clean(clean[3], EVENTS_DETAIL_MAX, detail);
	fields[0] = kind_names[k];
	fields[1] = clean[0];
	fields[2] = clean[1];
	fields[3] = clean[2];
	fields[4] = clean[3];
	b.len = 0;
	if (csv_record(&ev->fmt, clock_wall(), fields, 5, eventlog_buf_sink,
	    &b) == -1)
		return;
	/* One write: O_APPEND puts the whole record at the end. */
	if ((n = write(ev->fd, b.data, b.len)) != (ssize_t)b.len) {
		if (!ev->failing)
			log_warn("events: cannot write %s (%s event lost)",
			    ev->path, kind_names[k]);
		ev->failing = 1;
		/* A short write (a full disk) leaves a partial line: end it. */
		if (n > 0 && write(ev->fd, "\r\n", 2) == 2)
			ev->size += n + 2;
		return;
	}
	if (ev->failing)
		log_info("events: writing %s again", ev->path);
	ev->failing = 0;
	ev->size += n;
	ev->dirty = 1;
	if (!evtimer_pending(ev->sync, NULL))
		evtimer_add(ev->sync, &later);
	if (ev->size > ev->max_bytes)
		eventlog_rotate(ev);
}

void
eventlog_add(struct eventlog *ev, enum eventlog_kind k, const char *profile,
    const char *address, const char *device, const char *fmt, ...)
{
	char detail[EVENTS_DETAIL_MAX];
	va_list ap;

	if (ev == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	eventlog_write(ev, k, profile, address, device, detail);
}

void
eventlog_actor(struct eventlog *ev, const char *profile,
    const struct sockaddr *peer, const char *what)
{
	if (ev == NULL)
		return;
	ev->actor[0] = '\0';
	ev->actor_addr[0] = '\0';
	ev->actor_what[0] = '\0';
	if (profile == NULL)
		return;
	snprintf(ev->actor, sizeof(ev->actor), "%s", profile);
	if (peer != NULL)
		net_peer(peer, 0, ev->actor_addr, sizeof(ev->actor_addr));
	if (what != NULL)
		snprintf(ev->actor_what, sizeof(ev->actor_what), "%s", what);
}

void
eventlog_note(struct eventlog *ev, enum eventlog_kind k, const char *device,
    const char *fmt, ...)
{
	char detail[EVENTS_DETAIL_MAX];
	size_t len = 0;
	va_list ap;

	if (ev == NULL)
		return;
	if (ev->actor_what[0] != '\0')
		len = (size_t)snprintf(detail, sizeof(detail), "%s: ",
		    ev->actor_what);
	va_start(ap, fmt);
	vsnprintf(detail + len, sizeof(detail) - len, fmt, ap);
	va_end(ap);
	eventlog_write(ev, k, ev->actor, ev->actor_addr, device, detail);
}

