/*
 * The pages: files under the www folder, GET and HEAD only.  A path is
 * refused unless each of its segments is a plain name (no "..", no hidden
 * file, no backslash), and the file must be a regular file reached without
 * following a symbolic link at the end.  Answers carry an ETag so a
 * browser revalidates cheaply.
 */
#ifndef MEWS_HTTP_STATIC_H
#define MEWS_HTTP_STATIC_H

#include <stddef.h>

struct evhttp_request;
struct stat;

/*
 * The file under root for a decoded URL path ("/" is index.html): 0 with
 * out set, or -1 when the path is not one we serve.  Pure: outside input.
 */
int http_static_path(const char *root, const char *path, char *out,
    size_t size);
/* Answers carry this ETag: size and modification time. */
void http_static_etag(const struct stat *, char *out, size_t size);
/*
 * Send what the output buffer holds.  A HEAD gets the headers alone, with
 * the length the body would have had: evhttp 2.1 would send the body,
 * and the client would read it as the next answer.
 */
void http_static_send(struct evhttp_request *, int code);
/* A line of plain text. */
void http_static_text(struct evhttp_request *, int code, const char *msg);
void http_static_serve(struct evhttp_request *, const char *root,
    const char *path);

#endif
