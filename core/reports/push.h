/*
 * One file uploaded to a report's push destination, on the loop
 * (curlev.h), as commercial energy servers push their files:
 *
 *	ftp://host/dir/		plain FTP (the password in clear: a LAN only)
 *	ftps://host/dir/	FTP with explicit TLS (AUTH TLS), required
 *	sftp://host/dir/	SSH, the server's key checked against host_key
 *	https://host/dir/	HTTP PUT, a 2xx status needed
 *
 * The file goes to the URL's folder plus its remote name (e.g.
 * main/day/2026-11-24.csv, the layout of state_dir/csv), missing folders
 * made on FTP and SFTP servers.
 */
#ifndef MEWS_PUSH_H
#define MEWS_PUSH_H

#include <stddef.h>

#include "base/curlev.h"

struct config_push;

/* The transfer, or NULL with a reason in err (the file cannot be read). */
struct curlev_xfer *push_upload(struct curlev *, const struct config_push *,
    const char *path, const char *remote, curlev_done_cb, void *arg,
    char *err, size_t errlen);

#endif
