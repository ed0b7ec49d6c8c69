#include <sys/stat.h>
#include <sys/statvfs.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <event2/util.h>

#include "base/log.h"
#include "base/net.h"
#include "base/services.h"
#include "config/config.h"
#include "share/dav.h"
#include "share/dav_login.h"
#include "share/dav_path.h"
#include "share/dav_props.h"
#include "share/dav_xml.h"
#include "share/ftp_path.h"
#include "web/answer.h"
#include "web/http.h"
#include "web/http_range.h"
#include "web/http_static.h"

#define DAV_ALLOW	"OPTIONS, GET, HEAD, PROPFIND"
#define DAV_XML_TYPE	"application/xml; charset=utf-8"
#define DAV_ROOT_NAME	"dav"

struct dav {
	struct services		*d;
	struct dav_login	*login;
};

/* A Depth 1 listing on its way out. */
struct dav_list {
	struct answer_stream	 stream;
	DIR			*dir;
	char			 rel[FTP_PATH_MAX + 1];	/* "/a/b" */
	struct statvfs		 fs;
	struct dav_xml_propfind	 pf;
	int			 listed;	/* the last piece is sent */
};

struct dav *
dav_new(struct services *d)
{
	struct dav *dav;

	if ((dav = calloc(1, sizeof(*dav))) == NULL)
		return NULL;
	dav->d = d;
	if ((dav->login = dav_login_new()) == NULL) {
		free(dav);
		return NULL;
	}
	return dav;
}

void
dav_free(struct dav *dav)
{
	if (dav == NULL)
		return;
	dav_login_free(dav->login);
	free(dav);
}

static void
dav_header(struct evhttp_request *req, const char *name, const char *value)
{
	evhttp_add_header(evhttp_request_get_output_headers(req), name, value);
}

static void
dav_options(struct evhttp_request *req)
{
	dav_header(req, "DAV", "1");
	dav_header(req, "MS-Author-Via", "DAV");
	dav_header(req, "Allow", DAV_ALLOW);
	dav_header(req, "Content-Type", "text/plain; charset=utf-8");
	evhttp_send_reply(req, 200, "OK", NULL);
}

/*
 * state_dir/csv into root, made if history has not made it yet (with
 * csvfiles' own mode): 0, or -1 with the 503 sent.
 */
static int
dav_root(struct dav *dav, struct evhttp_request *req, char *root,
    size_t size)
{
	snprintf(root, size, "%s/csv", dav->d->cfg->state_dir);
	if (mkdir(root, 0700) == -1 && errno != EEXIST) {
		log_warn("https: WebDAV: cannot make %s", root);
		http_static_text(req, 503, "the CSV folder cannot be opened");
		return -1;
	}
	return 0;
}

/*
 * The file or folder rel names (a trailing '/' asks for a folder), as the
 * FTP share opens them (ftp_path.h): a descriptor, with the path made
 * plain ("/a/b") in path, or -1 with the 404 sent.
 */
static int
dav_open(struct evhttp_request *req, const char *root, const char *rel,
    char path[FTP_PATH_MAX + 1], struct stat *st)
{
	size_t len = strlen(rel);
	int fd = -1;

	if (ftp_path_join("/", rel, path, FTP_PATH_MAX + 1) == FTP_PATH_OK &&
	    (fd = ftp_path_open(root, path, st)) == -1 && errno != ENOENT &&
	    errno != ENOTDIR && errno != ELOOP && errno != ENAMETOOLONG)
		log_warn("https: WebDAV: %s%s", root, path);
	if (fd != -1 && len > 0 && rel[len - 1] == '/' &&
	    !S_ISDIR(st->st_mode)) {
		close(fd);
		fd = -1;
	}
	if (fd == -1)
		http_static_text(req, 404, "not found");
	return fd;
}

static void
dav_send_file(struct evhttp_request *req, int fd, uint64_t first,
    uint64_t len, int code, const char *reason)
{
	char n[32];

	if (evhttp_request_get_command(req) == EVHTTP_REQ_HEAD || len == 0) {
		close(fd);
		snprintf(n, sizeof(n), "%llu", (unsigned long long)len);
		if (evhttp_request_get_command(req) == EVHTTP_REQ_HEAD)
			dav_header(req, "Content-Length", n);
		evhttp_send_reply(req, code, reason, NULL);
		return;
	}
	/* The buffer owns fd from here, and reads it as it is sent. */
	if (evbuffer_add_file(evhttp_request_get_output_buffer(req), fd,
	    (ev_off_t)first, (ev_off_t)len) == -1) {
		http_static_text(req, 500, "cannot read the file");
		return;
	}
	evhttp_send_reply(req, code, reason, NULL);
}

/* An If-Modified-Since date (RFC 1123, as every client sends it). */
static int
dav_not_modified_since(const char *ims, time_t mtime)
{
	struct tm tm;
	const char *end;

	memset(&tm, 0, sizeof(tm));
	if (ims == NULL || (end = strptime(ims, "%a, %d %b %Y %H:%M:%S GMT",
	    &tm)) == NULL || *end != '\0')
		return 0;
	return mtime <= timegm(&tm);
}

static void
dav_get(struct dav *dav, struct evhttp_request *req, const char *rel)
{
	struct evkeyvalq *in = evhttp_request_get_input_headers(req);
	const char *inm = evhttp_find_header(in, "If-None-Match");
	const char *ims = evhttp_find_header(in, "If-Modified-Since");
	const char *ifr = evhttp_find_header(in, "If-Range");
	char etag[64], modified[64], cr[96], root[4096];
	char path[FTP_PATH_MAX + 1];
	uint64_t first = 0, len;
	struct stat st;
	struct tm tm;
	int fd;

	if (dav_root(dav, req, root, sizeof(root)) == -1 ||
	    (fd = dav_open(req, root, rel, path, &st)) == -1)
		return;
	if (S_ISDIR(st.st_mode)) {
		close(fd);
		http_static_text(req, 200, "a folder of the mews WebDAV share: "
		    "open it as a network drive");
		return;
	}
	http_static_etag(&st, etag, sizeof(etag));
	gmtime_r(&st.st_mtime, &tm);
	evutil_date_rfc1123(modified, sizeof(modified), &tm);
	dav_header(req, "ETag", etag);
	dav_header(req, "Last-Modified", modified);
	dav_header(req, "Accept-Ranges", "bytes");
	dav_header(req, "Cache-Control", "no-cache");
	dav_header(req, "Content-Type", "text/csv; charset=utf-8");
	if ((inm != NULL && (strcmp(inm, etag) == 0 || strcmp(inm, "*") ==
	    0)) || (inm == NULL && dav_not_modified_since(ims, st.st_mtime))) {
		close(fd);
		evhttp_send_reply(req, 304, "Not Modified", NULL);
		return;
	}
	len = (uint64_t)st.st_size;
	/* A Range for another version of the file: all of this one. */
	if (ifr != NULL && strcmp(ifr, etag) != 0 && strcmp(ifr, modified) != 0)
		ifr = "";
	switch (http_range_parse(ifr != NULL && ifr[0] == '\0' ? NULL :
	    evhttp_find_header(in, "Range"), len, &first, &len)) {
	case HTTP_RANGE_NONE:
		close(fd);
		snprintf(cr, sizeof(cr), "bytes */%lld", (long long)st.st_size);
		dav_header(req, "Content-Range", cr);
		http_static_text(req, 416, "the range is past the end of the "
		    "file");
		return;
	case HTTP_RANGE_PART:
		snprintf(cr, sizeof(cr), "bytes %llu-%llu/%lld",
		    (unsigned long long)first,
		    (unsigned long long)(first + len - 1),
		    (long long)st.st_size);
		dav_header(req, "Content-Range", cr);
		dav_send_file(req, fd, first, len, 206, "Partial Content");
		return;
	case HTTP_RANGE_ALL:
		break;
	}
	dav_send_file(req, fd, 0, len, 200, "OK");
}

/* 0 or 1; else -1 with the 403 (or 400) sent. */
static int
dav_depth(struct evhttp_request *req)
{
	const char *v = evhttp_find_header(evhttp_request_get_input_headers(
	    req), "Depth");

	if (v != NULL && strcmp(v, "0") == 0)
		return 0;
	if (v != NULL && strcmp(v, "1") == 0)
		return 1;
	if (v != NULL && strcasecmp(v, "infinity") != 0) {
		http_static_text(req, 400, "Depth must be 0, 1 or infinity");
		return -1;
	}
	dav_header(req, "Content-Type", DAV_XML_TYPE);
	evbuffer_add_printf(evhttp_request_get_output_buffer(req),
	    "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
	    "<D:error xmlns:D=\"DAV:\"><D:propfind-finite-depth/></D:error>\n");
	evhttp_send_reply(req, 403, "Forbidden", NULL);
	return -1;
}

static void
dav_send_multistatus(struct evhttp_request *req, struct evbuffer *body)
{
	dav_header(req, "Content-Type", DAV_XML_TYPE);
	evhttp_send_reply(req, 207, "Multi-Status", body);
}

static void
dav_list_free(struct dav_list *s)
{
	answer_stream_end(&s->stream);
	if (s->dir != NULL)
		closedir(s->dir);
	free(s);
}

/* One entry of the folder, when the share shows it: 0, or -1. */
static int
dav_list_entry(struct dav_list *s, const char *name)
{
	char href[DAV_PATH_HREF_MAX];
	struct dav_props_entry e;
	struct stat st;

	if (fstatat(dirfd(s->dir), name, &st, AT_SYMLINK_NOFOLLOW) == -1 ||
	    !ftp_path_visible(name, &st))
		return 0;
	if (dav_path_href(href, sizeof(href), s->rel, name,
	    S_ISDIR(st.st_mode)) == -1)
		return 0;
	e.href = href;
	e.name = name;
	e.st = &st;
	e.fs = &s->fs;
	return dav_props_response(s->stream.chunk, &e, &s->pf);
}

static void
dav_list_turn(evutil_socket_t fd, short what, void *arg)
{
	struct dav_list *s = arg;
	struct evhttp_request *req = answer_stream_req(&s->stream);
	struct dirent *de = NULL;
	size_t k;

	(void)fd;
	(void)what;
	if (req == NULL) {
		dav_list_free(s);
		return;
	}
	/* The end in a turn of its own, once the last piece has left. */
	if (s->listed) {
		evhttp_send_reply_end(req);
		dav_list_free(s);
		return;
	}
	for (k = 0; k < DAV_LIST_PER_TURN; k++) {
		errno = 0;
		if ((de = readdir(s->dir)) == NULL)
			break;
		if (dav_list_entry(s, de->d_name) == -1)
			break;
	}
	if (de == NULL && errno != 0)
		log_warn("https: WebDAV: reading the folder %s", s->rel);
	/*
	 * Out of memory (an entry not listed): the client gets a truncated
	 * answer, ended as any other.
	 */
	if (de != NULL && k < DAV_LIST_PER_TURN)
		s->listed = 1;
	if (de == NULL) {
		dav_props_end(s->stream.chunk);
		s->listed = 1;
	}
	answer_stream_send(&s->stream, req);
}

/* The folder's own response is in body; its entries follow in batches. */
static void
dav_list_start(struct dav *dav, struct evhttp_request *req, int fd,
    const char *rel, const struct dav_xml_propfind *pf,
    const struct statvfs *fs, struct evbuffer *body)
{
	struct dav_list *s;

	if ((s = calloc(1, sizeof(*s))) == NULL ||
	    (s->dir = fdopendir(fd)) == NULL) {
		close(fd);
		free(s);
		http_static_text(req, 500, "out of memory");
		return;
	}
	if (answer_stream_begin(&s->stream, dav->d->answers, req,
	    dav_list_turn, s) == -1) {
		dav_list_free(s);
		http_static_text(req, 500, "out of memory");
		return;
	}
	snprintf(s->rel, sizeof(s->rel), "%s", rel);
	s->pf = *pf;
	s->fs = *fs;
	evbuffer_add_buffer(s->stream.chunk, body);
	dav_header(req, "Content-Type", DAV_XML_TYPE);
	evhttp_send_reply_start(req, 207, "Multi-Status");
	answer_stream_next(&s->stream);
}

/* The site's root: a folder holding dav/, for the clients' probes. */
static void
dav_propfind_site(struct evhttp_request *req, const char *root, int depth,
    const struct dav_xml_propfind *pf, struct evbuffer *body)
{
	struct dav_props_entry e;
	struct stat st;

	if (stat(root, &st) == -1) {
		http_static_text(req, 500, "cannot read the CSV folder");
		return;
	}
	e.href = "/";
	e.name = "";
	e.st = &st;
	e.fs = NULL;
	if (dav_props_begin(body) == -1 || dav_props_response(body, &e, pf) ==
	    -1)
		goto fail;
	e.href = DAV_PATH_PREFIX;
	e.name = DAV_ROOT_NAME;
	if ((depth == 1 && dav_props_response(body, &e, pf) == -1) ||
	    dav_props_end(body) == -1)
		goto fail;
	dav_send_multistatus(req, body);
	return;
fail:
	http_static_text(req, 500, "out of memory");
}

static void
dav_propfind(struct dav *dav, struct evhttp_request *req, int site,
    const char *rel)
{
	struct evbuffer *in = evhttp_request_get_input_buffer(req);
	struct dav_xml_propfind *pf = NULL;
	struct evbuffer *body = NULL;
	char href[DAV_PATH_HREF_MAX], err[160], root[4096];
	char path[FTP_PATH_MAX + 1];
	struct dav_props_entry e;
	struct statvfs fs;
	struct stat st;
	int depth, fd = -1;

	if ((depth = dav_depth(req)) == -1)
		return;
	if ((pf = malloc(sizeof(*pf))) == NULL ||
	    (body = evbuffer_new()) == NULL) {
		http_static_text(req, 500, "out of memory");
		goto out;
	}
	if (dav_xml_propfind((const char *)evbuffer_pullup(in, -1),
	    evbuffer_get_length(in), pf, err, sizeof(err)) == -1) {
		snprintf(href, sizeof(href), "the PROPFIND body: %s", err);
		http_static_text(req, 400, href);
		goto out;
	}
	if (dav_root(dav, req, root, sizeof(root)) == -1)
		goto out;
	if (site) {
		dav_propfind_site(req, root, depth, pf, body);
		goto out;
	}
	if ((fd = dav_open(req, root, rel, path, &st)) == -1)
		goto out;
	if (statvfs(root, &fs) == -1)
		memset(&fs, 0, sizeof(fs));
	if (dav_path_href(href, sizeof(href), path, NULL, S_ISDIR(st.st_mode)) ==
	    -1) {
		http_static_text(req, 404, "not found");
		goto out;
	}
	e.href = href;
	e.name = strcmp(path, "/") == 0 ? DAV_ROOT_NAME : ftp_path_base(path);
	e.st = &st;
	e.fs = &fs;
	if (dav_props_begin(body) == -1 || dav_props_response(body, &e, pf) ==
	    -1) {
		http_static_text(req, 500, "out of memory");
		goto out;
	}
	if (depth == 1 && S_ISDIR(st.st_mode)) {
		dav_list_start(dav, req, fd, path, pf, &fs, body);
		fd = -1;	/* the listing's now */
		goto out;
	}
	if (dav_props_end(body) == -1) {
		http_static_text(req, 500, "out of memory");
		goto out;
	}
	dav_send_multistatus(req, body);
out:
	if (fd != -1)
		close(fd);
	if (body != NULL)
		evbuffer_free(body);
	free(pf);
}

void
dav_serve(void *arg, struct evhttp_request *req, const char *path)
{
	struct dav *dav = arg;
	enum http_method m = http_request_method(req);
	enum evhttp_cmd_type cmd = evhttp_request_get_command(req);
	const char *rel = "";
	char peer[NET_PEER_MAX];

	if (m == HTTP_METHOD_NATIVE && cmd == EVHTTP_REQ_OPTIONS) {
		dav_options(req);
		return;
	}
	if (dav_login_check(dav->login, dav->d->auth, dav->d->guard,
	    dav->d->events, req) == -1)
		return;
	if (strncmp(path, DAV_PATH_PREFIX, strlen(DAV_PATH_PREFIX)) == 0)
		rel = path + strlen(DAV_PATH_PREFIX);
	if (m == HTTP_METHOD_PROPFIND) {
		dav_propfind(dav, req, strcmp(path, "/") == 0, rel);
		return;
	}
	if (m == HTTP_METHOD_NATIVE && (cmd == EVHTTP_REQ_GET ||
	    cmd == EVHTTP_REQ_HEAD) && strcmp(path, "/") != 0) {
		dav_get(dav, req, rel);
		return;
	}
	http_peer_name(req, peer, sizeof(peer));
	log_info("https: %s: WebDAV: %s %s refused: the share is read-only",
	    peer, m != HTTP_METHOD_NATIVE ? http_method_name(m) :
	    cmd == EVHTTP_REQ_PUT ? "PUT" : cmd == EVHTTP_REQ_DELETE ?
	    "DELETE" : "POST", path);
	dav_header(req, "Allow", DAV_ALLOW);
	http_static_text(req, 403, "the WebDAV share is read-only");
}
