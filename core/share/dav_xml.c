#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "share/dav_xml.h"

#define DAV_XML_DEPTH_MAX	32
#define DAV_XML_DECLS_MAX	32
#define DAV_XML_DAV		"DAV:"

struct dav_xml_decl {
	const char	*prefix;	/* into the body; NULL: the default */
	size_t		 plen;
	int		 depth;		/* of the element declaring it */
	char		 uri[DAV_XML_NS_MAX + 1];
};

struct dav_xml {
	const char		*p, *end;
	int			 depth;		/* elements open */
	int			 root_done;
	struct {
		const char	*qname;
		size_t		 len;
	}			 open[DAV_XML_DEPTH_MAX];
	size_t			 ndecls;
	struct dav_xml_decl	 decls[DAV_XML_DECLS_MAX];
	int			 in_prop;	/* inside DAV:prop */
	struct dav_xml_propfind	*out;
	char			*err;
	size_t			 errsize;
};

static int
dav_xml_fail(struct dav_xml *x, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int
dav_xml_fail(struct dav_xml *x, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(x->err, x->errsize, fmt, ap);
	va_end(ap);
	return -1;
}

static int
dav_xml_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static void
dav_xml_skip_space(struct dav_xml *x)
{
	while (x->p < x->end && dav_xml_space(*x->p))
		x->p++;
}

static int
dav_xml_starts(const struct dav_xml *x, const char *s)
{
	size_t n = strlen(s);

	return (size_t)(x->end - x->p) >= n && memcmp(x->p, s, n) == 0;
}

/* Past the next occurrence of s: 0, or -1 when it never comes. */
static int
dav_xml_skip_past(struct dav_xml *x, const char *s, const char *what)
{
	size_t n = strlen(s);

	for (; x->p + n <= x->end; x->p++)
		if (memcmp(x->p, s, n) == 0) {
			x->p += n;
			return 0;
		}
	return dav_xml_fail(x, "unterminated %s", what);
}

static int
dav_xml_name_char(unsigned char c, int first)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
	    c == ':' || c >= 0x80)
		return 1;
	return !first && ((c >= '0' && c <= '9') || c == '-' || c == '.');
}

/* A name at p: its length, 0 when there is none. */
static size_t
dav_xml_name(struct dav_xml *x)
{
	const char *s = x->p;

	while (x->p < x->end && dav_xml_name_char((unsigned char)*x->p,
	    x->p == s))
		x->p++;
	return (size_t)(x->p - s);
}

/* Appends code point cp as UTF-8: 0, or -1 when it does not fit. */
static int
dav_xml_put_utf8(char *out, size_t size, size_t *n, unsigned long cp)
{
	unsigned char b[4];
	size_t k;

	if (cp < 0x80) {
		b[0] = (unsigned char)cp;
		k = 1;
	} else if (cp < 0x800) {
		b[0] = (unsigned char)(0xc0 | cp >> 6);
		b[1] = (unsigned char)(0x80 | (cp & 0x3f));
		k = 2;
	} else if (cp < 0x10000) {
		b[0] = (unsigned char)(0xe0 | cp >> 12);
		b[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
		b[2] = (unsigned char)(0x80 | (cp & 0x3f));
		k = 3;
	} else {
		b[0] = (unsigned char)(0xf0 | cp >> 18);
		b[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3f));
		b[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
		b[3] = (unsigned char)(0x80 | (cp & 0x3f));
		k = 4;
	}
	if (*n + k >= size)
		return -1;
	memcpy(out + *n, b, k);
	*n += k;
	return 0;
}

/* A reference after '&', up to its ';': the code point, or -1. */
static long
dav_xml_reference(const char *s, size_t len)
{
	static const struct {
		const char	*name;
		char		 c;
	} named[] = {
		{ "lt", '<' }, { "gt", '>' }, { "amp", '&' }, { "quot", '"' },
		{ "apos", '\'' },
	};
	unsigned long cp = 0;
	size_t i, digits = 0;
	int base = 10;

	for (i = 0; i < sizeof(named) / sizeof(named[0]); i++)
		if (strlen(named[i].name) == len &&
		    memcmp(s, named[i].name, len) == 0)
			return named[i].c;
	if (len < 2 || s[0] != '#')
		return -1;
	i = 1;
	if (s[1] == 'x') {
		base = 16;
		i = 2;
	}
	for (; i < len; i++, digits++) {
		int d;

		if (s[i] >= '0' && s[i] <= '9')
			d = s[i] - '0';
		else if (base == 16 && s[i] >= 'a' && s[i] <= 'f')
			d = s[i] - 'a' + 10;
		else if (base == 16 && s[i] >= 'A' && s[i] <= 'F')
			d = s[i] - 'A' + 10;
		else
			return -1;
		cp = cp * (unsigned long)base + (unsigned long)d;
		if (cp > 0x10ffff)
			return -1;
	}
	if (digits == 0 || cp == 0 || (cp >= 0xd800 && cp <= 0xdfff))
		return -1;
	return (long)cp;
}

/*
 * An attribute's value at p (its quote included), decoded into out (size
 * bytes) when out is not NULL.
 */
static int
dav_xml_value(struct dav_xml *x, char *out, size_t size)
{
	const char *semi;
	char quote;
	size_t n = 0;
	long cp;
	int ref;

	if (x->p >= x->end || (*x->p != '"' && *x->p != '\''))
		return dav_xml_fail(x, "an attribute's value must be quoted");
	quote = *x->p++;
	while (x->p < x->end && *x->p != quote) {
		if (*x->p == '<')
			return dav_xml_fail(x, "'<' in an attribute's value");
		if (*x->p == '&') {
			semi = memchr(x->p, ';', (size_t)(x->end - x->p));
			if (semi == NULL || (cp = dav_xml_reference(x->p + 1,
			    (size_t)(semi - x->p - 1))) == -1)
				return dav_xml_fail(x, "a bad character "
				    "reference in an attribute's value");
			x->p = semi + 1;
			ref = 1;
		} else {
			cp = (unsigned char)*x->p++;
			ref = 0;
		}
		if (out == NULL)
			continue;
		/* Bytes of UTF-8 go through as they are. */
		if (ref ? dav_xml_put_utf8(out, size, &n, (unsigned long)cp) ==
		    -1 : n + 1 >= size)
			return dav_xml_fail(x, "a namespace name longer than "
			    "%d bytes", DAV_XML_NS_MAX);
		if (!ref)
			out[n++] = (char)cp;
	}
	if (x->p >= x->end)
		return dav_xml_fail(x, "an unterminated attribute value");
	x->p++;
	if (out != NULL)
		out[n] = '\0';
	return 0;
}

/* The namespace of prefix (plen 0: the default), or NULL. */
static const char *
dav_xml_resolve(const struct dav_xml *x, const char *prefix, size_t plen)
{
	size_t i;

	for (i = x->ndecls; i-- > 0;) {
		const struct dav_xml_decl *d = &x->decls[i];

		if (plen == 0 ? d->prefix == NULL : (d->prefix != NULL &&
		    d->plen == plen && memcmp(d->prefix, prefix, plen) == 0))
			return d->uri;
	}
	if (plen == 0)
		return "";
	if (plen == 3 && memcmp(prefix, "xml", 3) == 0)
		return "http://www.w3.org/XML/1998/namespace";
	return NULL;
}

/* The element's attributes, up to its '>' or "/>". */
static int
dav_xml_attributes(struct dav_xml *x, int *empty)
{
	const char *name;
	size_t len;
	struct dav_xml_decl *d;

	for (;;) {
		dav_xml_skip_space(x);
		if (x->p >= x->end)
			return dav_xml_fail(x, "an unterminated tag");
		if (*x->p == '>') {
			x->p++;
			*empty = 0;
			return 0;
		}
		if (dav_xml_starts(x, "/>")) {
			x->p += 2;
			*empty = 1;
			return 0;
		}
		name = x->p;
		if ((len = dav_xml_name(x)) == 0)
			return dav_xml_fail(x, "a bad attribute name");
		dav_xml_skip_space(x);
		if (x->p >= x->end || *x->p != '=')
			return dav_xml_fail(x, "an attribute without '='");
		x->p++;
		dav_xml_skip_space(x);
		if ((len == 5 && memcmp(name, "xmlns", 5) == 0) ||
		    (len > 6 && memcmp(name, "xmlns:", 6) == 0)) {
			if (x->ndecls == DAV_XML_DECLS_MAX)
				return dav_xml_fail(x, "more than %d namespace "
				    "declarations", DAV_XML_DECLS_MAX);
			d = &x->decls[x->ndecls];
			d->prefix = len == 5 ? NULL : name + 6;
			d->plen = len == 5 ? 0 : len - 6;
			d->depth = x->depth;
			if (dav_xml_value(x, d->uri, sizeof(d->uri)) == -1)
				return -1;
			x->ndecls++;
		} else if (dav_xml_value(x, NULL, 0) == -1)
			return -1;
	}
}

static void
dav_xml_copy(char *out, size_t size, const char *s, size_t len)
{
	snprintf(out, size, "%.*s", (int)len, s);
}

/* What an element means for the PROPFIND. */
static int
dav_xml_element(struct dav_xml *x, const char *ns, const char *local,
    size_t llen)
{
	struct dav_xml_propfind *pf = x->out;
	struct dav_xml_name *n;
	int dav = strcmp(ns, DAV_XML_DAV) == 0;

	if (x->depth == 0) {
		if (!dav || llen != 8 || memcmp(local, "propfind", 8) != 0)
			return dav_xml_fail(x, "the body is not a DAV: "
			    "propfind");
		return 0;
	}
	if (x->depth == 1 && dav) {
		if (llen == 4 && memcmp(local, "prop", 4) == 0) {
			pf->kind = DAV_XML_PROP;
			x->in_prop = 1;
		} else if (llen == 7 && memcmp(local, "allprop", 7) == 0)
			pf->kind = DAV_XML_ALLPROP;
		else if (llen == 8 && memcmp(local, "propname", 8) == 0)
			pf->kind = DAV_XML_PROPNAME;
		return 0;
	}
	if (x->depth != 2 || !x->in_prop)
		return 0;
	if (pf->nprops == DAV_XML_PROPS_MAX)
		return dav_xml_fail(x, "more than %d properties asked for",
		    DAV_XML_PROPS_MAX);
	if (llen > DAV_XML_NAME_MAX)
		return dav_xml_fail(x, "a property name longer than %d bytes",
		    DAV_XML_NAME_MAX);
	n = &pf->props[pf->nprops++];
	dav_xml_copy(n->ns, sizeof(n->ns), ns, strlen(ns));
	dav_xml_copy(n->name, sizeof(n->name), local, llen);
	return 0;
}

static void
dav_xml_close(struct dav_xml *x)
{
	while (x->ndecls > 0 && x->decls[x->ndecls - 1].depth >= x->depth)
		x->ndecls--;
	if (x->depth <= 1)
		x->in_prop = 0;
	if (x->depth == 0)
		x->root_done = 1;
}

static int
dav_xml_start_tag(struct dav_xml *x)
{
	const char *qname, *colon, *ns;
	size_t len, plen;
	int empty = 0;

	if (x->root_done)
		return dav_xml_fail(x, "more than one root element");
	if (x->depth == DAV_XML_DEPTH_MAX)
		return dav_xml_fail(x, "elements nested deeper than %d",
		    DAV_XML_DEPTH_MAX);
	qname = ++x->p;
	if ((len = dav_xml_name(x)) == 0)
		return dav_xml_fail(x, "a bad element name");
	if (dav_xml_attributes(x, &empty) == -1)
		return -1;
	colon = memchr(qname, ':', len);
	plen = colon != NULL ? (size_t)(colon - qname) : 0;
	if (colon != NULL && (plen == 0 || plen + 1 == len ||
	    memchr(colon + 1, ':', len - plen - 1) != NULL))
		return dav_xml_fail(x, "a bad element name");
	if ((ns = dav_xml_resolve(x, qname, plen)) == NULL)
		return dav_xml_fail(x, "the prefix \"%.*s\" is not declared",
		    (int)(plen > 32 ? 32 : plen), qname);
	if (dav_xml_element(x, ns, colon != NULL ? colon + 1 : qname,
	    colon != NULL ? len - plen - 1 : len) == -1)
		return -1;
	if (empty) {
		dav_xml_close(x);
		return 0;
	}
	x->open[x->depth].qname = qname;
	x->open[x->depth].len = len;
	x->depth++;
	return 0;
}

static int
dav_xml_end_tag(struct dav_xml *x)
{
	const char *qname;
	size_t len;

	x->p += 2;
	qname = x->p;
	len = dav_xml_name(x);
	dav_xml_skip_space(x);
	if (x->p >= x->end || *x->p != '>')
		return dav_xml_fail(x, "an unterminated end tag");
	x->p++;
	if (x->depth == 0 || x->open[x->depth - 1].len != len ||
	    memcmp(x->open[x->depth - 1].qname, qname, len) != 0)
		return dav_xml_fail(x, "an end tag that closes no element");
	x->depth--;
	dav_xml_close(x);
	return 0;
}

static int
dav_xml_markup(struct dav_xml *x)
{
	if (dav_xml_starts(x, "<!--"))
		return dav_xml_skip_past(x, "-->", "comment");
	if (dav_xml_starts(x, "<?"))
		return dav_xml_skip_past(x, "?>", "processing instruction");
	if (dav_xml_starts(x, "<![CDATA[")) {
		if (x->depth == 0)
			return dav_xml_fail(x, "CDATA outside the root");
		return dav_xml_skip_past(x, "]]>", "CDATA section");
	}
	if (dav_xml_starts(x, "<!"))
		return dav_xml_fail(x, "a DOCTYPE or other declaration is "
		    "not accepted");
	if (dav_xml_starts(x, "</"))
		return dav_xml_end_tag(x);
	return dav_xml_start_tag(x);
}

int
dav_xml_propfind(const char *body, size_t len, struct dav_xml_propfind *out,
    char *err, size_t errsize)
{
	struct dav_xml x;
	const char *lt;

	memset(out, 0, sizeof(*out));
	out->kind = DAV_XML_ALLPROP;
	memset(&x, 0, sizeof(x));
	x.p = body;
	x.end = body + len;
	x.out = out;
	x.err = err;
	x.errsize = errsize;
	if (len >= 3 && memcmp(body, "\xef\xbb\xbf", 3) == 0)
		x.p += 3;
	dav_xml_skip_space(&x);
	if (x.p == x.end)
		return 0;
	while (x.p < x.end) {
		if (*x.p == '<') {
			if (dav_xml_markup(&x) == -1)
				return -1;
			continue;
		}
		lt = memchr(x.p, '<', (size_t)(x.end - x.p));
		if (lt == NULL)
			lt = x.end;
		if (x.depth == 0)
			for (; x.p < lt; x.p++)
				if (!dav_xml_space(*x.p))
					return dav_xml_fail(&x, "text outside "
					    "the root element");
		x.p = lt;
	}
	if (!x.root_done)
		return dav_xml_fail(&x, "the body ends before its root "
		    "element does");
	return 0;
}
