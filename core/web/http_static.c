#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/http.h>

#include "base/log.h"
#include "web/http.h"
#include "web/http_static.h"

#define HTTP_STATIC_SEGMENT_MAX	128

static const struct {
	const char	*ext;
	const char	*type;
} http_static_types[] = {
	{ ".html", "text/html; charset=utf-8" },
	{ ".css", "text/css; charset=utf-8" },
	{ ".js", "text/javascript; charset=utf-8" },
	{ ".json", "application/json" },
	{ ".svg", "image/svg+xml" },
	{ ".png", "image/png" },
	{ ".ico", "image/x-icon" },
	{ ".txt", "text/plain; charset=utf-8" },
	{ ".woff2", "font/woff2" },
};

static const char *
http_static_type(const char *path)
{
	const char *dot = strrchr(path, '.');
	size_t i;

	for (i = 0; dot != NULL && i < sizeof(http_static_types) /
	    sizeof(http_static_types[0]); i++)
		if (strcmp(dot, http_static_types[i].ext) == 0)
			return http_static_types[i].type;
	return NULL;
}

int
http_static_path(const char *root, const char *path, char *out, size_t size)
{
	const char *seg, *end;
	size_t n;
	int len;

	if (path[0] != '/')
		return -1;
	for (seg = path + 1; *seg != '\0'; seg = end + (*end == '/')) {
		end = strchr(seg, '/');
		if (end == NULL)
			end = seg + strlen(seg);
		n = (size_t)(end - seg);
		if (n == 0 && *end == '/')
			return -1;	/* "//" */
		if (n > HTTP_STATIC_SEGMENT_MAX || (n > 0 && seg[0] == '.') ||
		    memchr(seg, '\\', n) != NULL)
			return -1;
	}
	len = snprintf(out, size, "%s%s%s", root, path,
	    path[strlen(path) - 1] == '/' ? "index.html" : "");
	if (len < 0 || (size_t)len >= size || http_static_type(out) == NULL)
		return -1;
	return 0;
}

void
http_static_send(struct evhttp_request *req, int code)
{
	struct evkeyvalq *out = evhttp_request_get_output_headers(req);
	struct evbuffer *buf = evhttp_request_get_output_buffer(req);
	char len[32];

	if (evhttp_request_get_command(req) == EVHTTP_REQ_HEAD) {
		snprintf(len, sizeof(len), "%zu", evbuffer_get_length(buf));
		evhttp_remove_header(out, "Content-Length");
		evhttp_add_header(out, "Content-Length", len);
		evbuffer_drain(buf, evbuffer_get_length(buf));
	}
	evhttp_send_reply(req, code, NULL, NULL);
}

void
http_static_text(struct evhttp_request *req, int code, const char *msg)
{
	evhttp_add_header(evhttp_request_get_output_headers(req),
	    "Content-Type", "text/plain; charset=utf-8");
	evbuffer_add_printf(evhttp_request_get_output_buffer(req), "%s\n",
	    msg);
	http_static_send(req, code);
}

void
http_static_etag(const struct stat *st, char *out, size_t size)
{
	snprintf(out, size, "\"%llx-%llx\"", (unsigned long long)st->st_size,
	    (unsigned long long)st->st_mtim.tv_sec * 1000000000ULL +
	    (unsigned long long)st->st_mtim.tv_nsec);
}

void
http_static_serve(struct evhttp_request *req, const char *root,
    const char *path)
{
	enum evhttp_cmd_type cmd = evhttp_request_get_command(req);
	struct evkeyvalq *out = evhttp_request_get_output_headers(req);
	const char *inm;
	char file[4096], etag[64];
	struct stat st;
	int fd;

	if (cmd != EVHTTP_REQ_GET && cmd != EVHTTP_REQ_HEAD) {
		evhttp_add_header(out, "Allow", "GET, HEAD");
		http_static_text(req, 405, "method not allowed");
		return;
	}
	if (http_static_path(root, path, file, sizeof(file)) == -1) {
		http_static_text(req, 404, "not found");
		return;
	}
	if ((fd = open(file, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) == -1) {
		if (errno != ENOENT && errno != ENOTDIR)
			log_warn("https: %s", file);
		http_static_text(req, 404, "not found");
		return;
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		close(fd);
		http_static_text(req, 404, "not found");
		return;
	}
	http_static_etag(&st, etag, sizeof(etag));
	evhttp_add_header(out, "ETag", etag);
	evhttp_add_header(out, "Cache-Control", "no-cache");
	evhttp_add_header(out, "Content-Type", http_static_type(file));
	inm = evhttp_find_header(evhttp_request_get_input_headers(req),
	    "If-None-Match");
	if (inm != NULL && strcmp(inm, etag) == 0) {
		close(fd);
		evhttp_send_reply(req, 304, "Not Modified", NULL);
		return;
	}
	if (cmd == EVHTTP_REQ_HEAD || st.st_size == 0) {
		close(fd);
		if (cmd == EVHTTP_REQ_HEAD) {
			char len[32];

			snprintf(len, sizeof(len), "%lld",
			    (long long)st.st_size);
			evhttp_add_header(out, "Content-Length", len);
		}
		evhttp_send_reply(req, 200, "OK", NULL);
		return;
	}
	/* The buffer owns fd from here. */
	if (evbuffer_add_file(evhttp_request_get_output_buffer(req), fd, 0,
	    st.st_size) == -1) {
		http_static_text(req, 500, "cannot read the file");
		return;
	}
	evhttp_send_reply(req, 200, "OK", NULL);
}
