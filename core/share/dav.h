/*
 * The network drive: a read-only WebDAV share (RFC 4918, class 1) of the
 * CSV files (core/history/csvfiles.h) at https://HOST/dav/, which Windows' "Map
 * network drive", macOS Finder ("Connect to Server") and Linux davfs2
 * mount.  The root of the share is state_dir/csv.
 *
 *   OPTIONS	DAV: 1, the methods, MS-Author-Via; no login needed
 *   PROPFIND	Depth 0 or 1 (infinity, or no Depth, is refused with
 *		403 <DAV:propfind-finite-depth/>); allprop, propname or prop
 *		(dav_props.h says which properties there are)
 *   GET, HEAD	a file, with ETag, Last-Modified, If-None-Match, and a
 *		single byte range (206, or 416 past the end); several
 *		ranges in one request get the whole file (RFC 9110 lets a
 *		server do so).  A folder's GET is a line saying what it is.
 *   anything else (PUT, DELETE, MKCOL, COPY, MOVE, PROPPATCH, LOCK,
 *		UNLOCK, POST): 403, the files untouched.
 *
 * Logins are dav_login.h's.  The probes clients make before opening
 * /dav/ are answered too: OPTIONS and PROPFIND on / (the site's root, a
 * folder holding dav/) and on /dav without its slash (a folder's href
 * always ends with '/').  A Depth 1 listing is written a few hundred
 * entries at a time, each batch once the previous one has left, so a
 * folder of ten years of daily files neither stalls the loop nor sits
 * whole in memory; files go out through evbuffer_add_file, never read
 * whole into memory in one turn.
 */
#ifndef MEWS_DAV_H
#define MEWS_DAV_H

#define DAV_LIST_PER_TURN	256	/* folder entries a turn of the loop */

struct services;
struct evhttp_request;
struct dav;

/* Uses d's event base, profiles and back-off (d->api), and d->cfg. */
struct dav *dav_new(struct services *d);
void dav_free(struct dav *);
/* http_api_cb, for http_set_dav(). */
void dav_serve(void *arg, struct evhttp_request *, const char *path);

#endif
