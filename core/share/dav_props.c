#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <event2/buffer.h>
#include <event2/util.h>

#include "share/dav_props.h"
#include "share/dav_xml.h"
#include "web/http_static.h"

#define DAV_PROPS_DAV		"DAV:"
#define DAV_PROPS_MS		"urn:schemas-microsoft-com:"
#define DAV_PROPS_VALUE_MAX	128

/* dav_props_response marks the missing ones in 64 bits. */
_Static_assert(DAV_XML_PROPS_MAX <= 64, "too many properties for a mask");

/* A value of e, or NULL when e has no such property. */
typedef const char *(*dav_props_value_fn)(const struct dav_props_entry *e,
    char *buf, size_t size);

static const char *
dav_props_creationdate(const struct dav_props_entry *e, char *buf,
    size_t size)
{
	struct tm tm;

	if (gmtime_r(&e->st->st_mtime, &tm) == NULL ||
	    strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		return NULL;
	return buf;
}

static const char *
dav_props_displayname(const struct dav_props_entry *e, char *buf,
    size_t size)
{
	(void)buf;
	(void)size;
	return e->name;
}

static const char *
dav_props_contentlength(const struct dav_props_entry *e, char *buf,
    size_t size)
{
	if (!S_ISREG(e->st->st_mode))
		return NULL;
	snprintf(buf, size, "%lld", (long long)e->st->st_size);
	return buf;
}

static const char *
dav_props_contenttype(const struct dav_props_entry *e, char *buf,
    size_t size)
{
	(void)buf;
	(void)size;
	return S_ISDIR(e->st->st_mode) ? "httpd/unix-directory" :
	    "text/csv; charset=utf-8";
}

static const char *
dav_props_etag(const struct dav_props_entry *e, char *buf, size_t size)
{
	http_static_etag(e->st, buf, size);
	return buf;
}

static const char *
dav_props_lastmodified(const struct dav_props_entry *e, char *buf,
    size_t size)
{
	struct tm tm;

	if (gmtime_r(&e->st->st_mtime, &tm) == NULL ||
	    evutil_date_rfc1123(buf, size, &tm) <= 0)
		return NULL;
	return buf;
}

static const char *
dav_props_empty(const struct dav_props_entry *e, char *buf, size_t size)
{
	(void)e;
	(void)buf;
	(void)size;
	return "";
}

static const char *
dav_props_resourcetype(const struct dav_props_entry *e, char *buf,
    size_t size)
{
	(void)buf;
	(void)size;
	return S_ISDIR(e->st->st_mode) ? "<D:collection/>" : "";
}

static const char *
dav_props_quota(const struct dav_props_entry *e, char *buf, size_t size,
    uint64_t blocks)
{
	if (!S_ISDIR(e->st->st_mode) || e->fs == NULL)
		return NULL;
	snprintf(buf, size, "%llu", (unsigned long long)blocks *
	    (unsigned long long)e->fs->f_frsize);
	return buf;
}

static const char *
dav_props_available(const struct dav_props_entry *e, char *buf, size_t size)
{
	return dav_props_quota(e, buf, size, e->fs != NULL ?
	    (uint64_t)e->fs->f_bavail : 0);
}

static const char *
dav_props_used(const struct dav_props_entry *e, char *buf, size_t size)
{
	return dav_props_quota(e, buf, size, e->fs != NULL ?
	    (uint64_t)(e->fs->f_blocks - e->fs->f_bfree) : 0);
}

/* FILE_ATTRIBUTE_READONLY for files, FILE_ATTRIBUTE_DIRECTORY. */
static const char *
dav_props_win32(const struct dav_props_entry *e, char *buf, size_t size)
{
	(void)buf;
	(void)size;
	return S_ISDIR(e->st->st_mode) ? "00000010" : "00000001";
}

static const struct dav_props_live {
	const char		*ns;
	const char		*name;
	int			 allprop;	/* in allprop and propname */
	int			 markup;	/* the value is XML already */
	dav_props_value_fn	 value;
} dav_props_live[] = {
	{ DAV_PROPS_DAV, "resourcetype", 1, 1, dav_props_resourcetype },
	{ DAV_PROPS_DAV, "displayname", 1, 0, dav_props_displayname },
	{ DAV_PROPS_DAV, "getcontentlength", 1, 0, dav_props_contentlength },
	{ DAV_PROPS_DAV, "getcontenttype", 1, 0, dav_props_contenttype },
	{ DAV_PROPS_DAV, "getlastmodified", 1, 0, dav_props_lastmodified },
	{ DAV_PROPS_DAV, "creationdate", 1, 0, dav_props_creationdate },
	{ DAV_PROPS_DAV, "getetag", 1, 0, dav_props_etag },
	{ DAV_PROPS_DAV, "supportedlock", 1, 1, dav_props_empty },
	{ DAV_PROPS_DAV, "lockdiscovery", 1, 1, dav_props_empty },
	{ DAV_PROPS_DAV, "quota-available-bytes", 0, 0, dav_props_available },
	{ DAV_PROPS_DAV, "quota-used-bytes", 0, 0, dav_props_used },
	{ DAV_PROPS_MS, "Win32FileAttributes", 0, 0, dav_props_win32 },
};

#define DAV_PROPS_NLIVE	(sizeof(dav_props_live) / sizeof(dav_props_live[0]))

int
dav_props_escape(struct evbuffer *out, const char *text)
{
	const char *p, *run = text;
	const char *ent;
	int rc = 0;

	for (p = text; *p != '\0' && rc == 0; p++) {
		switch (*p) {
		case '&':	ent = "&amp;"; break;
		case '<':	ent = "&lt;"; break;
		case '>':	ent = "&gt;"; break;
		case '"':	ent = "&quot;"; break;
		case '\'':	ent = "&apos;"; break;
		default:	continue;
		}
		rc = evbuffer_add(out, run, (size_t)(p - run)) == 0 &&
		    evbuffer_add(out, ent, strlen(ent)) == 0 ? 0 : -1;
		run = p + 1;
	}
	if (rc == 0)
		rc = evbuffer_add(out, run, strlen(run));
	return rc;
}

/* <D:name>value</D:name>, or empty when value is NULL or "". */
static int
dav_props_element(struct evbuffer *out, const char *ns, const char *name,
    const char *value, int markup)
{
	const char *prefix = strcmp(ns, DAV_PROPS_DAV) == 0 ? "D:" :
	    ns[0] == '\0' ? "" : "X:";
	int rc;

	rc = evbuffer_add_printf(out, "<%s%s", prefix, name) < 0;
	if (prefix[0] == 'X') {
		rc |= evbuffer_add_printf(out, " xmlns:X=\"") < 0;
		rc |= dav_props_escape(out, ns) != 0;
		rc |= evbuffer_add_printf(out, "\"") < 0;
	} else if (prefix[0] == '\0')
		rc |= evbuffer_add_printf(out, " xmlns=\"\"") < 0;
	if (value == NULL || value[0] == '\0') {
		rc |= evbuffer_add_printf(out, "/>") < 0;
		return rc ? -1 : 0;
	}
	rc |= evbuffer_add_printf(out, ">") < 0;
	rc |= (markup ? evbuffer_add(out, value, strlen(value)) :
	    dav_props_escape(out, value)) != 0;
	rc |= evbuffer_add_printf(out, "</%s%s>", prefix, name) < 0;
	return rc ? -1 : 0;
}

static const struct dav_props_live *
dav_props_find(const struct dav_xml_name *n)
{
	size_t i;

	for (i = 0; i < DAV_PROPS_NLIVE; i++)
		if (strcmp(dav_props_live[i].ns, n->ns) == 0 &&
		    strcmp(dav_props_live[i].name, n->name) == 0)
			return &dav_props_live[i];
	return NULL;
}

static int
dav_props_status(struct evbuffer *out, const char *status)
{
	return evbuffer_add_printf(out, "</D:prop><D:status>HTTP/1.1 %s"
	    "</D:status></D:propstat>", status) < 0 ? -1 : 0;
}

/* allprop and propname: every live property e has. */
static int
dav_props_all(struct evbuffer *out, const struct dav_props_entry *e,
    int names_only)
{
	const struct dav_props_live *l;
	char buf[DAV_PROPS_VALUE_MAX];
	const char *v;
	size_t i;
	int rc = 0;

	for (i = 0; i < DAV_PROPS_NLIVE && rc == 0; i++) {
		l = &dav_props_live[i];
		if (!l->allprop || (v = l->value(e, buf, sizeof(buf))) == NULL)
			continue;
		rc = dav_props_element(out, l->ns, l->name, names_only ? NULL :
		    v, l->markup);
	}
	return rc;
}

int
dav_props_response(struct evbuffer *out, const struct dav_props_entry *e,
    const struct dav_xml_propfind *pf)
{
	const struct dav_props_live *l;
	char buf[DAV_PROPS_VALUE_MAX];
	const char *v;
	uint64_t missing = 0;
	size_t i;
	int rc;

	rc = evbuffer_add_printf(out, "<D:response><D:href>") < 0 ||
	    dav_props_escape(out, e->href) != 0 ||
	    evbuffer_add_printf(out, "</D:href><D:propstat><D:prop>") < 0;
	if (rc == 0 && pf->kind != DAV_XML_PROP)
		rc = dav_props_all(out, e, pf->kind == DAV_XML_PROPNAME);
	for (i = 0; rc == 0 && pf->kind == DAV_XML_PROP && i < pf->nprops;
	    i++) {
		if ((l = dav_props_find(&pf->props[i])) == NULL ||
		    (v = l->value(e, buf, sizeof(buf))) == NULL) {
			missing |= (uint64_t)1 << i;
			continue;
		}
		rc = dav_props_element(out, l->ns, l->name, v, l->markup);
	}
	if (rc == 0)
		rc = dav_props_status(out, "200 OK");
	if (rc == 0 && missing != 0) {
		rc = evbuffer_add_printf(out, "<D:propstat><D:prop>") < 0;
		for (i = 0; rc == 0 && i < pf->nprops; i++)
			if (missing & ((uint64_t)1 << i))
				rc = dav_props_element(out, pf->props[i].ns,
				    pf->props[i].name, NULL, 0);
		if (rc == 0)
			rc = dav_props_status(out, "404 Not Found");
	}
	if (rc == 0)
		rc = evbuffer_add_printf(out, "</D:response>\n") < 0;
	return rc ? -1 : 0;
}

int
dav_props_begin(struct evbuffer *out)
{
	return evbuffer_add_printf(out, "<?xml version=\"1.0\" "
	    "encoding=\"utf-8\"?>\n<D:multistatus xmlns:D=\"DAV:\">\n") < 0 ?
	    -1 : 0;
}

int
dav_props_end(struct evbuffer *out)
{
	return evbuffer_add_printf(out, "</D:multistatus>\n") < 0 ? -1 : 0;
}
