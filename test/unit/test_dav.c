/*
 * The WebDAV share's pure parts: the method rewrite
 * (core/web/http_method.c), Range headers (core/web/http_range.c),
 * PROPFIND bodies as Windows, macOS, davfs2 and cadaver send them
 * (core/share/dav_xml.c), hrefs (core/share/dav_path.c; which names open
 * is ftp_path.c's, tested in test_ftp) and the multistatus of one entry
 * (core/share/dav_props.c).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <sys/stat.h>

#include <event2/buffer.h>

#include "share/dav_path.h"
#include "share/dav_props.h"
#include "share/dav_xml.h"
#include "web/http_method.h"
#include "web/http_range.h"

/* The buffer's content as a string (freed by the caller). */
static char *
text_of(struct evbuffer *b)
{
	size_t n = evbuffer_get_length(b);
	char *s = malloc(n + 1);

	assert_non_null(s);
	evbuffer_copyout(b, s, n);
	s[n] = '\0';
	return s;
}

static void
rewrite(const char *in, enum http_method_scan want_scan,
    enum http_method want, const char *out)
{
	struct evbuffer *b = evbuffer_new();
	enum http_method m;
	char *s;

	evbuffer_add(b, in, strlen(in));
	assert_int_equal(http_method_rewrite(b, &m), want_scan);
	assert_int_equal(m, want);
	s = text_of(b);
	assert_string_equal(s, out);
	free(s);
	evbuffer_free(b);
}

static void
test_method(void **state)
{
	(void)state;
	rewrite("PROPFIND /dav/ HTTP/1.1\r\n", HTTP_METHOD_DONE,
	    HTTP_METHOD_PROPFIND, "POST /dav/ HTTP/1.1\r\n");
	rewrite("PROPPATCH / HTTP/1.1\r\n", HTTP_METHOD_DONE,
	    HTTP_METHOD_PROPPATCH, "POST / HTTP/1.1\r\n");
	rewrite("MKCOL /a HTTP/1.1\r\n", HTTP_METHOD_DONE, HTTP_METHOD_MKCOL,
	    "POST /a HTTP/1.1\r\n");
	rewrite("UNLOCK /a", HTTP_METHOD_DONE, HTTP_METHOD_UNLOCK, "POST /a");
	/* Known to evhttp, or unknown to both: untouched. */
	rewrite("GET /dav/ HTTP/1.1\r\n", HTTP_METHOD_DONE, HTTP_METHOD_NATIVE,
	    "GET /dav/ HTTP/1.1\r\n");
	rewrite("POST /api HTTP/1.1\r\n", HTTP_METHOD_DONE, HTTP_METHOD_NATIVE,
	    "POST /api HTTP/1.1\r\n");
	rewrite("propfind / HTTP/1.1\r\n", HTTP_METHOD_DONE, HTTP_METHOD_NATIVE,
	    "propfind / HTTP/1.1\r\n");
	rewrite("PROPFINDX / HTTP/1.1\r\n", HTTP_METHOD_DONE,
	    HTTP_METHOD_NATIVE, "PROPFINDX / HTTP/1.1\r\n");
	rewrite("PROPFIND\r\n", HTTP_METHOD_DONE, HTTP_METHOD_NATIVE,
	    "PROPFIND\r\n");
	rewrite("\r\nPROPFIND / HTTP/1.1\r\n", HTTP_METHOD_DONE,
	    HTTP_METHOD_NATIVE, "\r\nPROPFIND / HTTP/1.1\r\n");
	rewrite("ABCDEFGHIJK / HTTP/1.1", HTTP_METHOD_DONE, HTTP_METHOD_NATIVE,
	    "ABCDEFGHIJK / HTTP/1.1");
	/* Not all there yet: wait. */
	rewrite("", HTTP_METHOD_MORE, HTTP_METHOD_NATIVE, "");
	rewrite("PROP", HTTP_METHOD_MORE, HTTP_METHOD_NATIVE, "PROP");
	rewrite("PROPFIND", HTTP_METHOD_MORE, HTTP_METHOD_NATIVE, "PROPFIND");
	assert_string_equal(http_method_name(HTTP_METHOD_LOCK), "LOCK");
}

static void
range(const char *v, uint64_t size, enum http_range want, uint64_t first,
    uint64_t len)
{
	uint64_t f = 12345, l = 12345;

	assert_int_equal(http_range_parse(v, size, &f, &l), want);
	if (want == HTTP_RANGE_PART) {
		assert_int_equal(f, first);
		assert_int_equal(l, len);
	}
}

static void
test_range(void **state)
{
	(void)state;
	range(NULL, 100, HTTP_RANGE_ALL, 0, 0);
	range("bytes=0-9", 100, HTTP_RANGE_PART, 0, 10);
	range("bytes=90-", 100, HTTP_RANGE_PART, 90, 10);
	range("bytes=90-1000", 100, HTTP_RANGE_PART, 90, 10);
	range("bytes=-10", 100, HTTP_RANGE_PART, 90, 10);
	range("bytes=-1000", 100, HTTP_RANGE_PART, 0, 100);
	range(" bytes=5-5", 100, HTTP_RANGE_PART, 5, 1);
	range("bytes = 5-5", 100, HTTP_RANGE_ALL, 0, 0);
	range("bytes=99-99", 100, HTTP_RANGE_PART, 99, 1);
	range("bytes=100-", 100, HTTP_RANGE_NONE, 0, 0);
	range("bytes=-0", 100, HTTP_RANGE_NONE, 0, 0);
	range("bytes=0-", 0, HTTP_RANGE_NONE, 0, 0);
	range("bytes=-5", 0, HTTP_RANGE_NONE, 0, 0);
	/* Ignored: the whole file. */
	range("bytes=0-1,5-6", 100, HTTP_RANGE_ALL, 0, 0);
	range("bytes=9-0", 100, HTTP_RANGE_ALL, 0, 0);
	range("items=0-9", 100, HTTP_RANGE_ALL, 0, 0);
	range("bytes=-", 100, HTTP_RANGE_ALL, 0, 0);
	range("bytes=a-b", 100, HTTP_RANGE_ALL, 0, 0);
	range("bytes=0-9x", 100, HTTP_RANGE_ALL, 0, 0);
	range("bytes=99999999999999999999-", 100, HTTP_RANGE_ALL, 0, 0);
}

static struct dav_xml_propfind pf;

static int
parse(const char *body)
{
	char err[160];
	int rc = dav_xml_propfind(body, strlen(body), &pf, err, sizeof(err));

	if (rc == -1)
		print_message("# %s\n", err);
	return rc;
}

static void
has_prop(size_t i, const char *ns, const char *name)
{
	assert_true(i < pf.nprops);
	assert_string_equal(pf.props[i].ns, ns);
	assert_string_equal(pf.props[i].name, name);
}

static void
test_xml_clients(void **state)
{
	(void)state;
	/* Windows' Mini-Redirector. */
	assert_int_equal(parse("<?xml version=\"1.0\" encoding=\"utf-8\" ?>"
	    "<D:propfind xmlns:D=\"DAV:\"><D:prop><D:name/><D:parentname/>"
	    "<D:href/><D:ishidden/><D:isroot/><D:iscollection/>"
	    "<D:getcontentlength/><D:getlastmodified/>"
	    "<D:Win32FileAttributes xmlns:D=\"urn:schemas-microsoft-com:\"/>"
	    "<D:resourcetype/></D:prop></D:propfind>"), 0);
	assert_int_equal(pf.kind, DAV_XML_PROP);
	assert_int_equal(pf.nprops, 10);
	has_prop(0, "DAV:", "name");
	has_prop(8, "urn:schemas-microsoft-com:", "Win32FileAttributes");
	/* The redeclared prefix was the element's own. */
	has_prop(9, "DAV:", "resourcetype");
	/* macOS. */
	assert_int_equal(parse("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
	    "<D:propfind xmlns:D=\"DAV:\">\n<D:prop>\n<D:getlastmodified/>\n"
	    "<D:getcontentlength/>\n<D:creationdate/>\n<D:resourcetype/>\n"
	    "</D:prop>\n</D:propfind>\n"), 0);
	assert_int_equal(pf.nprops, 4);
	has_prop(2, "DAV:", "creationdate");
	/* davfs2 (neon): a default namespace and another on a property. */
	assert_int_equal(parse("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
	    "<propfind xmlns=\"DAV:\"><prop>\n<resourcetype xmlns=\"DAV:\"/>\n"
	    "<executable xmlns=\"http://apache.org/dav/props/\"/>\n"
	    "</prop></propfind>\n"), 0);
	assert_int_equal(pf.nprops, 2);
	has_prop(1, "http://apache.org/dav/props/", "executable");
	/* cadaver: allprop, and no body at all. */
	assert_int_equal(parse("<?xml version=\"1.0\" encoding=\"utf-8\"?>"
	    "<propfind xmlns=\"DAV:\"><allprop/></propfind>"), 0);
	assert_int_equal(pf.kind, DAV_XML_ALLPROP);
	assert_int_equal(parse(""), 0);
	assert_int_equal(pf.kind, DAV_XML_ALLPROP);
	assert_int_equal(parse(" \r\n"), 0);
	assert_int_equal(parse("<propfind xmlns='DAV:'><propname/></propfind>"),
	    0);
	assert_int_equal(pf.kind, DAV_XML_PROPNAME);
}

static void
test_xml_details(void **state)
{
	(void)state;
	/* A BOM, comments, a processing instruction, CDATA, references. */
	assert_int_equal(parse("\xef\xbb\xbf<?xml version='1.0'?><!-- hi -->"
	    "<a:propfind xmlns:a=\"DAV:\" xmlns:b=\"urn:x&amp;y&#x3C;&#60;\">"
	    "<a:prop><![CDATA[<a:nope/>]]><b:c/>text &lt; more<a:d></a:d>"
	    "<a:e><a:deeper/></a:e></a:prop></a:propfind><!-- bye -->"), 0);
	assert_int_equal(pf.nprops, 3);
	has_prop(0, "urn:x&y<<", "c");
	has_prop(1, "DAV:", "d");
	has_prop(2, "DAV:", "e");
	/* A non-ASCII reference comes out as UTF-8. */
	assert_int_equal(parse("<D:propfind xmlns:D=\"DAV:\"><D:prop>"
	    "<x:a xmlns:x=\"urn:&#xe9;\"/></D:prop></D:propfind>"), 0);
	has_prop(0, "urn:\xc3\xa9", "a");
	/* A declaration ends with its element. */
	assert_int_equal(parse("<D:propfind xmlns:D=\"DAV:\"><D:prop>"
	    "<x:a xmlns:x=\"urn:1\"/><x:b/></D:prop></D:propfind>"), -1);
	/* Refused. */
	assert_int_equal(parse("<!DOCTYPE x [<!ENTITY a \"b\">]>"
	    "<propfind xmlns=\"DAV:\"/>"), -1);
	assert_int_equal(parse("<propfind/>"), -1);
	assert_int_equal(parse("<propfind xmlns=\"DAV:\">"), -1);
	assert_int_equal(parse("<propfind xmlns=\"DAV:\"></prop>"), -1);
	assert_int_equal(parse("<propfind xmlns=\"DAV:\"/><propfind "
	    "xmlns=\"DAV:\"/>"), -1);
	assert_int_equal(parse("x<propfind xmlns=\"DAV:\"/>"), -1);
	assert_int_equal(parse("<propfind xmlns=DAV:/>"), -1);
	assert_int_equal(parse("<propfind xmlns=\"DAV:&bogus;\"/>"), -1);
	assert_int_equal(parse("<propfind xmlns=\"DAV:&#0;\"/>"), -1);
	assert_int_equal(parse("<propfind xmlns=\"DAV:&#xd800;\"/>"), -1);
	assert_int_equal(parse("<x:propfind/>"), -1);
	assert_int_equal(parse("<D:propfind xmlns:D=\"DAV:\"><D:prop>"
	    "<D:a:b/></D:prop></D:propfind>"), -1);
	assert_int_equal(parse("<propfind xmlns=\"DAV:\"><!-- x"), -1);
}

static void
test_xml_bounds(void **state)
{
	char body[32768];
	size_t n, i;

	(void)state;
	n = (size_t)snprintf(body, sizeof(body), "<propfind xmlns=\"DAV:\">"
	    "<prop>");
	for (i = 0; i < DAV_XML_PROPS_MAX + 1; i++)
		n += (size_t)snprintf(body + n, sizeof(body) - n, "<p%zu/>", i);
	snprintf(body + n, sizeof(body) - n, "</prop></propfind>");
	assert_int_equal(parse(body), -1);
	n = (size_t)snprintf(body, sizeof(body), "<propfind xmlns=\"DAV:\">");
	for (i = 0; i < 40; i++)
		n += (size_t)snprintf(body + n, sizeof(body) - n, "<a>");
	assert_int_equal(parse(body), -1);
	n = (size_t)snprintf(body, sizeof(body), "<propfind xmlns=\"DAV:\">"
	    "<prop><x xmlns=\"");
	memset(body + n, 'u', 300);
	snprintf(body + n + 300, sizeof(body) - n - 300, "\"/></prop>"
	    "</propfind>");
	assert_int_equal(parse(body), -1);
}

static void
href(const char *rel, const char *name, int is_dir, const char *want)
{
	char out[DAV_PATH_HREF_MAX];

	assert_int_equal(dav_path_href(out, sizeof(out), rel, name, is_dir), 0);
	assert_string_equal(out, want);
}

static void
test_href(void **state)
{
	char small[12];

	(void)state;
	href("", NULL, 1, "/dav/");
	href(NULL, NULL, 0, "/dav/");
	href("main/day", NULL, 1, "/dav/main/day/");
	href("main/day/", NULL, 1, "/dav/main/day/");
	href("main/day/", "2026-11-24.csv", 0, "/dav/main/day/2026-11-24.csv");
	href("main/day", "a b&c%.csv", 0, "/dav/main/day/a%20b%26c%25.csv");
	href("dev \xc3\xbc", NULL, 1, "/dav/dev%20%C3%BC/");
	href("", "x", 1, "/dav/x/");
	assert_int_equal(dav_path_href(small, sizeof(small), "abcdefgh", NULL,
	    1), -1);
}

static void
test_props(void **state)
{
	struct evbuffer *b = evbuffer_new();
	struct dav_props_entry e;
	struct stat st;
	char *s;

	(void)state;
	memset(&st, 0, sizeof(st));
	st.st_mode = S_IFREG | 0600;
	st.st_size = 1234;
	st.st_mtime = 1764000000;	/* 2025-11-24 16:00:00 UTC */
	e.href = "/dav/a%20b/x&y.csv";
	e.name = "x&y.csv";
	e.st = &st;
	e.fs = NULL;
	assert_int_equal(parse("<propfind xmlns=\"DAV:\"><prop>"
	    "<getcontentlength/><displayname/><getlastmodified/>"
	    "<creationdate/><resourcetype/><quota-used-bytes/><z xmlns=\"\"/>"
	    "<q:w xmlns:q=\"urn:a&quot;b\"/></prop></propfind>"), 0);
	assert_int_equal(dav_props_response(b, &e, &pf), 0);
	s = text_of(b);
	assert_string_equal(s, "<D:response><D:href>/dav/a%20b/x&amp;y.csv"
	    "</D:href><D:propstat><D:prop>"
	    "<D:getcontentlength>1234</D:getcontentlength>"
	    "<D:displayname>x&amp;y.csv</D:displayname>"
	    "<D:getlastmodified>Mon, 24 Nov 2025 16:00:00 GMT"
	    "</D:getlastmodified>"
	    "<D:creationdate>2025-11-24T16:00:00Z</D:creationdate>"
	    "<D:resourcetype/>"
	    "</D:prop><D:status>HTTP/1.1 200 OK</D:status></D:propstat>"
	    "<D:propstat><D:prop><D:quota-used-bytes/><z xmlns=\"\"/>"
	    "<X:w xmlns:X=\"urn:a&quot;b\"/></D:prop>"
	    "<D:status>HTTP/1.1 404 Not Found</D:status></D:propstat>"
	    "</D:response>\n");
	free(s);
	evbuffer_free(b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_method),
		cmocka_unit_test(test_range),
		cmocka_unit_test(test_xml_clients),
		cmocka_unit_test(test_xml_details),
		cmocka_unit_test(test_xml_bounds),
		cmocka_unit_test(test_href),
		cmocka_unit_test(test_props),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
