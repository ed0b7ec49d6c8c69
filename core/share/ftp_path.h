/*
 * Paths of the FTP share.  A client names files by virtual paths, "/" being
 * state_dir/csv; they are normalised here without touching the disk (".",
 * "..", repeated slashes), and a path that would climb above "/" is
 * refused, not clamped, so a client that tries learns it.  Names must be
 * UTF-8 without control characters, at most FTP_NAME_MAX bytes each and
 * FTP_PATH_MAX in all.
 *
 * Opening walks the path one name at a time with openat() and O_NOFOLLOW
 * from the root's descriptor: a symbolic link anywhere under the root is
 * never followed, whatever it points to, and nothing is resolved by a
 * path string the kernel could be made to read otherwise.  The share shows
 * folders and regular .csv files only: hidden names (a leading dot), the
 * CSV writer's temporary files (name.csv.XXXXXX), devices and FIFOs are
 * neither listed nor opened.
 */
#ifndef MEWS_FTP_PATH_H
#define MEWS_FTP_PATH_H

#include <stddef.h>
#include <sys/stat.h>

#define FTP_PATH_MAX	1024	/* a virtual path, with its slashes */
#define FTP_NAME_MAX	255	/* one name, as Linux file systems allow */

enum ftp_path_error {
	FTP_PATH_OK = 0,
	FTP_PATH_OUTSIDE = -1,	/* ".." above the root */
	FTP_PATH_LONG = -2,	/* a name or the whole path too long */
	FTP_PATH_NAME = -3	/* not UTF-8, or a control character */
};

/*
 * arg taken from cwd (itself normalised), normalised into out ("/" or
 * "/a/b", at most FTP_PATH_MAX bytes).  FTP_PATH_OK or an error.
 */
int ftp_path_join(const char *cwd, const char *arg, char *out, size_t size);
/* What the error means, for the reply. */
const char *ftp_path_error(int);
/* The last name of a normalised path ("" for "/"). */
const char *ftp_path_base(const char *path);
/* 1 when the share shows this entry: a folder, or a regular *.csv file. */
int ftp_path_visible(const char *name, const struct stat *);
/*
 * Open a normalised path under root, read only, following no symbolic
 * link: a descriptor (its stat in *st), or -1 with errno (ENOENT also for
 * what the share does not show, ELOOP for a symbolic link).
 */
int ftp_path_open(const char *root, const char *path, struct stat *st);

#endif
