/*
 * CSV files of history, written by themselves for people and for the FTP
 * and WebDAV shares (issue 7), under state_dir/csv:
 *
 *	DEVICE/day/2026-11-24.csv	the local day, a row a minute
 *	DEVICE/month/2026-11.csv	the local month, a row an hour
 *	DEVICE/year/2026.csv		the local year, a row a local day
 *
 * Names sort by time and never change.  Folders are 0700 and files 0600,
 * as everything in state_dir (it holds PIN hashes and the TLS key): they
 * reach people through mewsd's own shares, not through the folder.
 *
 * A file holds every metric of its device, in its profile's order, in the
 * format of core/base/csv.h (csv.separator, csv.decimal, csv.bom).  A row
 * is one step of the calendar in local time, named by its start: 00:00 is the
 * minute 00:00-00:01, a row of the year file a whole local day (23, 24 or
 * 25 hours).  Totals (energy, volumes, trips) are the meter's index at that
 * instant, so a row's consumption is the next row's index minus its own,
 * as with a meter read at midnight; every other metric is the average over
 * the row's step, unknown when more than half of it is missing (history's
 * own rule).  A blank is a gap, never a zero.  Where the archives no longer
 * hold the file's own step (rrdplan.h: a small history.max_mb keeps a day
 * of minutes and a week of hours), the coarser rows left are used, each in
 * the file's row it falls in: sparser, never wrong.  The archives' hours
 * are UTC's: where the offset is not whole hours (India, Newfoundland), a
 * month's or year's rows are off by that half hour.
 *
 * When: a plan runs each minute, 50 s after history's step (written within
 * 40 s).  The current period's files are rewritten every
 * CSVFILES_REFRESH_S (each minute for the first CSVFILES_REFRESH_S after a
 * start or reload, so they appear as soon as history has a row), with the
 * rows complete by then; a month's or year's only when it gained a row.
 * Once a period has closed, its files are written once more, whole, and
 * never again: FTP clients see closed files stable.  At a start or reload,
 * and when a period closes, the files of the last CSVFILES_DAYS_BACK days,
 * the last month and the last year are made if missing, and made again if
 * they were written before their period closed (the daemon was down then),
 * from what history holds.  A period with no history gets no file.
 *
 * Each file is read and written whole in one turn of the loop, one file a
 * turn: a day of 28 metrics is about 3 ms of reading and 20 ms of writing
 * and syncing 400 kB.  Files go through atomic.h: a reader sees the
 * previous version or the new one.  A failed write (full disk, folder not
 * writable) leaves the previous file, is logged now and then with its path
 * and reason, and is tried again a minute later; an archive that cannot be
 * read leaves its column blank.
 */
#ifndef MEWS_CSVFILES_H
#define MEWS_CSVFILES_H

#include <stddef.h>
#include <time.h>

struct event_base;
struct config;
struct poller;
struct history;
struct csvfiles;

enum csvfiles_kind {
	CSVFILES_DAY,
	CSVFILES_MONTH,
	CSVFILES_YEAR,
	CSVFILES_NKINDS
};

#define CSVFILES_REFRESH_S	300
#define CSVFILES_DAYS_BACK	7

struct csvfiles *csvfiles_new(struct event_base *);
/*
 * A (re)loaded configuration, the poller whose devices to write and the
 * history they are read from (NULL: none).  Nothing is written while
 * history is disabled.  The local time zone is read again (tzset).
 */
void csvfiles_configure(struct csvfiles *, const struct config *,
    const struct poller *, const struct history *);
void csvfiles_free(struct csvfiles *);

/*
 * For the reports (report.c): a device's file of a period, its path, and
 * making it now, in this turn, when it is missing (one file: tens of
 * milliseconds).  0, or -1: not configured, a name too long, or (make) a
 * failed write, logged.  A period with no history still gets no file.
 */
int csvfiles_file(const struct csvfiles *, const char *device,
    enum csvfiles_kind, time_t period, char *out, size_t size);
int csvfiles_make(struct csvfiles *, const char *device,
    enum csvfiles_kind, time_t period);

#endif
