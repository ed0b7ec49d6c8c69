/*
 * What a WebDAV client controls: the bytes where a request begins (the
 * method rewrite of http_method.c, fed in pieces as TLS records arrive),
 * a PROPFIND body, a Range header, and the names turned into hrefs.  The
 * first byte picks which; for the rewrite, the second says where the
 * input is cut into pieces.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/http.h>

#include "share/dav_path.h"
#include "share/dav_xml.h"
#include "web/http_method.h"
#include "web/http_range.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * As a connection does: after each piece, while the request's start is
 * not settled, try again.  Then the buffer must be the input, with a
 * WebDAV method (and only one) replaced by POST.
 */
static void
fuzz_method(const uint8_t *data, size_t size)
{
	struct evbuffer *in = evbuffer_new();
	enum http_method m = HTTP_METHOD_NATIVE;
	size_t step, off, n, len;
	const char *name;
	unsigned char *out;
	int at_start = 1;

	if (in == NULL || size < 1)
		goto out;
	step = data[0] % 16 + 1;
	data++;
	size--;
	for (off = 0; off < size; off += n) {
		n = size - off < step ? size - off : step;
		evbuffer_add(in, data + off, n);
		if (at_start && http_method_rewrite(in, &m) == HTTP_METHOD_DONE)
			at_start = 0;
	}
	len = evbuffer_get_length(in);
	out = evbuffer_pullup(in, -1);
	if (m == HTTP_METHOD_NATIVE) {
		if (len != size || (len > 0 && memcmp(out, data, len) != 0))
			abort();
		goto out;
	}
	name = http_method_name(m);
	n = strlen(name);
	if (size <= n || memcmp(data, name, n) != 0 || data[n] != ' ' ||
	    len != size - n + 4 || memcmp(out, "POST", 4) != 0 ||
	    memcmp(out + 4, data + n, size - n) != 0)
		abort();
out:
	if (in != NULL)
		evbuffer_free(in);
}

static void
fuzz_propfind(const char *s, size_t len)
{
	struct dav_xml_propfind *pf = malloc(sizeof(*pf));
	char err[160];
	size_t i;

	if (pf == NULL)
		return;
	if (dav_xml_propfind(s, len, pf, err, sizeof(err)) == 0) {
		if (pf->nprops > DAV_XML_PROPS_MAX)
			abort();
		for (i = 0; i < pf->nprops; i++)
			if (pf->props[i].name[0] == '\0' ||
			    strchr(pf->props[i].name, ':') != NULL ||
			    strpbrk(pf->props[i].name, "<>&\"' /=") != NULL)
				abort();
	} else if (memchr(err, '\0', sizeof(err)) == NULL || err[0] == '\0')
		abort();
	free(pf);
}

static void
fuzz_range(const char *s)
{
	uint64_t first = 0, len = 0, size;

	for (size = 0; size < 2000; size = size * 3 + 1)
		switch (http_range_parse(s, size, &first, &len)) {
		case HTTP_RANGE_PART:
			if (len == 0 || first >= size || len > size - first)
				abort();
			break;
		case HTTP_RANGE_NONE:
		case HTTP_RANGE_ALL:
			break;
		}
}

/* An href holds only what needs no escaping, and decodes back. */
static void
fuzz_href(const char *s)
{
	char href[DAV_PATH_HREF_MAX], *dec, want[2 * DAV_PATH_MAX + 2];
	const char *p, *seg;
	size_t i, n = 0, len;

	if (strlen(s) > DAV_PATH_MAX ||
	    dav_path_href(href, sizeof(href), s, NULL, 1) == -1)
		return;
	if (strncmp(href, DAV_PATH_PREFIX, strlen(DAV_PATH_PREFIX)) != 0)
		abort();
	for (i = 0; href[i] != '\0'; i++)
		if (strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
		    "0123456789-._~%/", href[i]) == NULL)
			abort();
	/* The path's non-empty segments, each followed by '/'. */
	want[0] = '/';
	n = 1;
	for (seg = s; *seg != '\0'; seg = p + (*p == '/')) {
		p = seg + strcspn(seg, "/");
		len = (size_t)(p - seg);
		if (len == 0)
			continue;
		memcpy(want + n, seg, len);
		n += len;
		want[n++] = '/';
	}
	want[n] = '\0';
	if ((dec = evhttp_uridecode(href + strlen(DAV_PATH_PREFIX) - 1, 0,
	    &len)) == NULL)
		return;
	if (len != n || memcmp(dec, want, n) != 0)
		abort();
	free(dec);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s;

	if (size < 1 || (s = malloc(size)) == NULL)
		return 0;
	memcpy(s, data + 1, size - 1);
	s[size - 1] = '\0';
	switch (data[0] % 4) {
	case 0:
		fuzz_method(data + 1, size - 1);
		break;
	case 1:
		fuzz_propfind(s, size - 1);
		break;
	case 2:
		fuzz_range(s);
		break;
	default:
		fuzz_href(s);
		break;
	}
	free(s);
	return 0;
}
