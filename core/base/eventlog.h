/*
 * The event log: a durable record of what happened on the box and who did
 * it (alarms, logins and lockouts, configuration changes, control
 * commands, writes through the Modbus TCP gateway, reloads, starts and
 * stops, meters' totals held back as bad reads or taken as reset), in
 * state_dir/events/events.csv.
 * Not the log ring (log.h), which is for diagnosis and forgets.
 *
 * One CSV record (RFC 4180, UTF-8, in the configured csv format, csv.h)
 * per event: local ISO time, UNIX time, kind, profile, peer address,
 * device, detail.  Each record is appended with one write(2) on an
 * O_APPEND descriptor as it happens, so a crash of mewsd loses nothing;
 * fdatasync runs at most every EVENTS_SYNC_S seconds (and at a stop), off
 * the path of the request that made the event, so a power cut loses at
 * most those last seconds.  Past events.max_kb the file is rotated
 * between two records (events.csv -> events.csv.1 -> ... ->
 * events.csv.MAX_FILES, the oldest dropped): no record is ever split or
 * lost by a rotation.  Each file starts with the header, and a change of
 * the csv format starts a new file, so each file is one format.
 *
 * Every function takes a NULL events and does nothing: callers need not
 * care whether the log runs.
 */
#ifndef MEWS_EVENTLOG_H
#define MEWS_EVENTLOG_H

#include <stddef.h>
#include <time.h>

struct event_base;
struct csv_format;
struct eventlog;
struct sockaddr;

enum eventlog_kind {
	EVENT_ALARM_RAISED,
	EVENT_ALARM_CLEARED,
	EVENT_ALARM_ACK,
	EVENT_LOGIN,
	EVENT_LOGIN_FAILED,
	EVENT_LOCKED,
	EVENT_UNLOCKED,
	EVENT_PUK_ALARM,	/* wrong PUKs from every address: puk_guard.h */
	EVENT_LOGOUT,
	EVENT_CONFIG_CHANGED,
	EVENT_COMMAND,
	EVENT_GATEWAY_WRITE,
	EVENT_RELOAD,
	EVENT_START,
	EVENT_STOP,
	EVENT_TOTAL_GLITCH,	/* a total's bad reads, not counted: totals.h */
	EVENT_TOTAL_RESET,	/* a total taken at a new level */
	EVENT_NKINDS
};

#define EVENTS_SYNC_S		5
#define EVENTS_DIR		"events"
#define EVENTS_FILE		"events.csv"
#define EVENTS_FIELDS		7	/* time, unix, kind ... detail */
#define EVENTS_DETAIL_MAX	512

struct eventlog *eventlog_new(struct event_base *);
/*
 * A (re)loaded configuration: the log in state_dir/events, rotated past
 * max_kb into at most max_files, its records in CSV format fmt.
 */
void eventlog_configure(struct eventlog *, const char *state_dir,
    int max_kb, int max_files, const struct csv_format *fmt);
/* What is written is synced first. */
void eventlog_free(struct eventlog *);

/*
 * Record an event now.  profile, address and device may be NULL or "";
 * control characters in any field become spaces, so a record is a line.
 */
void eventlog_add(struct eventlog *, enum eventlog_kind, const char *profile,
    const char *address, const char *device, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));
/*
 * Who acts, while a request is handled (the API sets it around each
 * handler, what being its path): eventlog_note records with it, the detail
 * after what; NULL profile ends it.
 */
void eventlog_actor(struct eventlog *, const char *profile,
    const struct sockaddr *peer, const char *what);
void eventlog_note(struct eventlog *, enum eventlog_kind, const char *device,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

const char *eventlog_kind_name(enum eventlog_kind);
/* The kind of that name, or -1. */
int eventlog_kind_parse(const char *);

/*
 * The log's files for the readers: index 0 is events.csv, 1.. the rotated
 * ones, older as it grows; -1 past the last kept or without a log.
 */
int eventlog_path(const struct eventlog *, int i, char *out, size_t size);
/* The csv separator of what is written now. */
char eventlog_separator(const struct eventlog *);

#endif
