/*
 * Listings of the FTP share: LIST in `ls -l` style (what every client
 * parses), NLST as bare names, MLSD/MLST as RFC 3659 facts (type, size,
 * modify, perm).  Times are UTC, as MDTM and MLSD require; LIST shows them
 * as ls does (hour and minute within six months, else the year).  The
 * share is read only, so modes are shown as r-x/r-- for everyone, whatever
 * the files' own modes (0600, since state_dir holds secrets too).
 *
 * A folder's names are read and sorted at once (a day folder gains one
 * file a day: 3650 names after ten years), then stat'ed and formatted a
 * batch at a time as the data connection drains.
 */
#ifndef MEWS_FTP_LIST_H
#define MEWS_FTP_LIST_H

#include <stddef.h>
#include <sys/stat.h>
#include <time.h>

struct evbuffer;

enum ftp_list_format {
	FTP_LIST_LONG,		/* LIST */
	FTP_LIST_NAMES,		/* NLST */
	FTP_LIST_FACTS		/* MLSD */
};

#define FTP_LIST_FACTS_MAX	96
#define FTP_LIST_LINE_MAX	(FTP_LIST_FACTS_MAX + 256 + 2)
#define FTP_LIST_BATCH		64	/* entries formatted per turn */
#define FTP_LIST_ENTRIES_MAX	100000	/* names read from one folder */

/* "YYYYMMDDHHMMSS" (UTC) into out, 15 bytes with the NUL. */
void ftp_list_time(time_t, char *out, size_t size);
/* "type=file;size=N;modify=T;perm=r; " for MLST and MLSD. */
int ftp_list_facts(const struct stat *, char *out, size_t size);
/*
 * One entry as its line, CRLF included: its length, or 0 when it does not
 * fit or name has a CR or LF (which no listing could carry).
 */
size_t ftp_list_line(enum ftp_list_format, const char *name,
    const struct stat *, time_t now, char *out, size_t size);

struct ftp_list;

/*
 * A listing of the folder open at dirfd (taken over; closed by
 * ftp_list_free), or of its one entry only named so (a LIST of a file).
 * NULL with errno on failure.
 */
struct ftp_list *ftp_list_new(int dirfd, enum ftp_list_format,
    const char *only);
/* Up to FTP_LIST_BATCH more lines into out: 1 while more remain, else 0. */
int ftp_list_more(struct ftp_list *, struct evbuffer *out, time_t now);
void ftp_list_free(struct ftp_list *);

#endif
