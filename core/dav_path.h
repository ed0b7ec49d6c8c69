/*
 * The share's names: a request's decoded path below /dav/ to a file or
 * folder under state_dir/csv without ever leaving it, and back to the
 * percent-encoded href a multistatus answer carries.
 *
 * Only what core/csvfiles.c writes is shown: folders whose names do not
 * start with '.', and files ending in ".csv" (not the temporary files
 * beside them while one is rewritten, see atomic.h).  Anything else is
 * not found: "." and ".." segments, empty segments, hidden names,
 * symbolic links anywhere on the way, control characters, names longer
 * than DAV_PATH_NAME_MAX bytes, paths longer than DAV_PATH_MAX, and
 * anything but folders and regular files.
 */
#ifndef MEWS_DAV_PATH_H
#define MEWS_DAV_PATH_H

#include <sys/stat.h>

#include <stddef.h>

#define DAV_PATH_MAX		1024
#define DAV_PATH_NAME_MAX	255
#define DAV_PATH_PREFIX		"/dav/"
#define DAV_PATH_HREF_MAX	(3 * (DAV_PATH_MAX + DAV_PATH_NAME_MAX + 2) + 8)

/* Does the share show an entry of that name and kind? */
int dav_path_visible(const char *name, int is_dir);
/*
 * rel ("", "a/b", "a/b/": a trailing '/' asks for a folder) below the
 * folder rootfd: an open descriptor and *st, or -1 with errno (ENOENT
 * for anything refused, ENOTDIR for a file asked for as a folder).
 */
int dav_path_open(int rootfd, const char *rel, struct stat *st);
/*
 * "/dav/" then rel and name (either may be "" or NULL), each segment
 * percent-encoded, and a '/' after a folder's, into out: 0, or -1 when it
 * does not fit in size (DAV_PATH_HREF_MAX always does) or out of memory.
 */
int dav_path_href(char *out, size_t size, const char *rel, const char *name,
    int is_dir);

#endif
