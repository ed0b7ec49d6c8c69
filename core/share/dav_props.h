/*
 * The share's live properties (RFC 4918, 15) and the multistatus answer
 * of a PROPFIND that lists them.  Every entry has resourcetype,
 * displayname, getlastmodified (RFC 1123), creationdate (ISO 8601: the
 * modification time, since the files are rewritten in place of
 * themselves), getetag (as the web pages': size and modification time),
 * getcontenttype, empty supportedlock and lockdiscovery (no locks: class
 * 1); files getcontentlength; folders, when asked by name,
 * quota-available-bytes and quota-used-bytes (RFC 4331) of the file
 * system.  Windows' Win32FileAttributes, asked by name, marks files
 * read-only.  Anything else asked for is listed as 404 Not Found.
 */
#ifndef MEWS_DAV_PROPS_H
#define MEWS_DAV_PROPS_H

#include <sys/stat.h>
#include <sys/statvfs.h>

struct evbuffer;
struct dav_xml_propfind;

struct dav_props_entry {
	const char		*href;	/* already percent-encoded */
	const char		*name;	/* displayname */
	const struct stat	*st;
	const struct statvfs	*fs;	/* NULL: no quota */
};

/* The XML declaration and <multistatus>: 0, or -1 out of memory. */
int dav_props_begin(struct evbuffer *);
/* One <response> for e, with what pf asks for. */
int dav_props_response(struct evbuffer *, const struct dav_props_entry *e,
    const struct dav_xml_propfind *pf);
int dav_props_end(struct evbuffer *);
/* text, with &, <, >, " and ' escaped. */
int dav_props_escape(struct evbuffer *, const char *text);

#endif
