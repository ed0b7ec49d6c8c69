/*
 * The share's hrefs: a path of the share ("/a/b", as ftp_path_join()
 * makes it, or "a/b") turned into the percent-encoded href a multistatus
 * answer carries, under /dav/.  Which names exist and may be opened is
 * the FTP share's rule, shared (ftp_path.h): folders and .csv files, no
 * hidden names, no symbolic links.
 */
#ifndef MEWS_DAV_PATH_H
#define MEWS_DAV_PATH_H

#include <stddef.h>

#define DAV_PATH_MAX		1024	/* FTP_PATH_MAX */
#define DAV_PATH_NAME_MAX	255	/* FTP_NAME_MAX */
#define DAV_PATH_PREFIX		"/dav/"
#define DAV_PATH_HREF_MAX	(3 * (DAV_PATH_MAX + DAV_PATH_NAME_MAX + 2) + 8)

/*
 * "/dav/" then rel and name (either may be "" or NULL), each segment
 * percent-encoded, and a '/' after a folder's, into out: 0, or -1 when it
 * does not fit in size (DAV_PATH_HREF_MAX always does) or out of memory.
 */
int dav_path_href(char *out, size_t size, const char *rel, const char *name,
    int is_dir);

#endif
