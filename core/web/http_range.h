/*
 * The Range header of a GET (RFC 9110, 14.2), for one range of bytes:
 * "bytes=FIRST-LAST", "bytes=FIRST-" or "bytes=-SUFFIX".  Several ranges
 * in one header, another unit or bad syntax are ignored, and the whole
 * file is sent, as the RFC lets a server do.  Pure: outside input.
 */
#ifndef MEWS_HTTP_RANGE_H
#define MEWS_HTTP_RANGE_H

#include <stdint.h>

enum http_range {
	HTTP_RANGE_ALL,		/* no usable Range: the whole file, 200 */
	HTTP_RANGE_PART,	/* *first and *len: 206 */
	HTTP_RANGE_NONE		/* none of it is in the file: 416 */
};

/* value may be NULL (no header). */
enum http_range http_range_parse(const char *value, uint64_t size,
    uint64_t *first, uint64_t *len);

#endif
