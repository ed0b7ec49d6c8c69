/*
 * Request methods evhttp does not know.  libevent 2.1's evhttp parses
 * only GET, POST, HEAD, PUT, DELETE, OPTIONS, TRACE, CONNECT and PATCH;
 * any other method gets 501 and its name is lost.  WebDAV needs PROPFIND,
 * and its write methods must be refused by name, not with a 501.
 *
 * So each HTTPS connection's input is looked at where a request begins,
 * before evhttp reads it: a WebDAV method is replaced by POST (which
 * evhttp reads with its body, framed by its own Content-Length or chunked
 * rules) and remembered by the connection as the request's true method.
 * Where the next request begins is evhttp's own business: it reads exactly
 * one request, answers it, and only then (when the answer has left, see
 * core/web/http.c) reads on, so the connection looks again at that moment.
 * Nothing travels in a header, so a client cannot forge the true method:
 * a POST that says it is a PROPFIND is a POST.
 */
#ifndef MEWS_HTTP_METHOD_H
#define MEWS_HTTP_METHOD_H

struct evbuffer;

enum http_method {
	HTTP_METHOD_NATIVE,	/* evhttp's own: see its command */
	HTTP_METHOD_PROPFIND,
	HTTP_METHOD_PROPPATCH,
	HTTP_METHOD_MKCOL,
	HTTP_METHOD_COPY,
	HTTP_METHOD_MOVE,
	HTTP_METHOD_LOCK,
	HTTP_METHOD_UNLOCK
};

enum http_method_scan {
	HTTP_METHOD_MORE,	/* the method is not all there yet */
	HTTP_METHOD_DONE	/* *method says what it was */
};

/*
 * in begins where a request begins.  A WebDAV method there becomes POST
 * (the rest untouched) and *method names it; anything else is left as it
 * is, *method HTTP_METHOD_NATIVE.
 */
enum http_method_scan http_method_rewrite(struct evbuffer *in,
    enum http_method *method);
const char *http_method_name(enum http_method);

#endif
