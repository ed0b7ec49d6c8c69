#include <string.h>

#include <event2/buffer.h>

#include "web/http_method.h"

#define HTTP_METHOD_CARRIER	"POST"
#define HTTP_METHOD_TOKEN_MAX	9	/* "PROPPATCH", the longest */

static const char *const http_method_names[] = {
	[HTTP_METHOD_NATIVE] = "",
	[HTTP_METHOD_PROPFIND] = "PROPFIND",
	[HTTP_METHOD_PROPPATCH] = "PROPPATCH",
	[HTTP_METHOD_MKCOL] = "MKCOL",
	[HTTP_METHOD_COPY] = "COPY",
	[HTTP_METHOD_MOVE] = "MOVE",
	[HTTP_METHOD_LOCK] = "LOCK",
	[HTTP_METHOD_UNLOCK] = "UNLOCK",
};

#define HTTP_METHOD_COUNT \
	(sizeof(http_method_names) / sizeof(http_method_names[0]))

const char *
http_method_name(enum http_method m)
{
	return (size_t)m < HTTP_METHOD_COUNT ? http_method_names[m] : "";
}

enum http_method_scan
http_method_rewrite(struct evbuffer *in, enum http_method *method)
{
	char head[HTTP_METHOD_TOKEN_MAX + 1];
	ev_ssize_t got;
	size_t n, i;

	*method = HTTP_METHOD_NATIVE;
	if ((got = evbuffer_copyout(in, head, sizeof(head))) <= 0)
		return HTTP_METHOD_MORE;
	/* Methods are case-sensitive and end at the first space. */
	for (n = 0; n < (size_t)got && head[n] != ' ' && head[n] != '\r' &&
	    head[n] != '\n'; n++)
		;
	if (n == (size_t)got)
		return n < sizeof(head) ? HTTP_METHOD_MORE : HTTP_METHOD_DONE;
	if (head[n] != ' ')
		return HTTP_METHOD_DONE;
	for (i = 1; i < HTTP_METHOD_COUNT; i++)
		if (strlen(http_method_names[i]) == n &&
		    memcmp(head, http_method_names[i], n) == 0)
			break;
	if (i == HTTP_METHOD_COUNT)
		return HTTP_METHOD_DONE;
	if (evbuffer_drain(in, n) == -1 || evbuffer_prepend(in,
	    HTTP_METHOD_CARRIER, sizeof(HTTP_METHOD_CARRIER) - 1) == -1) {
		/* Out of memory: a garbled line, which evhttp refuses. */
		return HTTP_METHOD_DONE;
	}
	*method = (enum http_method)i;
	return HTTP_METHOD_DONE;
}
