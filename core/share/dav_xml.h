/*
 * The body of a WebDAV PROPFIND (RFC 4918, 9.1): which properties the
 * client asks for.  None of mews's libraries parses XML, and the grammar a
 * PROPFIND needs is small, so this is a strict little parser of it:
 * elements, attributes, namespace declarations (default and prefixed,
 * scoped to their element), the XML declaration, processing instructions,
 * comments, CDATA and character references.  A DOCTYPE is refused, so no
 * entity is ever expanded; depth, namespace declarations and the number
 * and size of the properties are bounded.  Outside input: it never reads
 * past len.
 *
 * An empty body asks for allprop (RFC 4918, 9.1).  <include> inside
 * <allprop> adds nothing: the share has no dead properties.
 */
#ifndef MEWS_DAV_XML_H
#define MEWS_DAV_XML_H

#include <stddef.h>

#define DAV_XML_PROPS_MAX	64
#define DAV_XML_NS_MAX		255
#define DAV_XML_NAME_MAX	127

enum dav_xml_kind {
	DAV_XML_ALLPROP,
	DAV_XML_PROPNAME,
	DAV_XML_PROP
};

struct dav_xml_name {
	char		ns[DAV_XML_NS_MAX + 1];	/* "" when none */
	char		name[DAV_XML_NAME_MAX + 1];
};

struct dav_xml_propfind {
	enum dav_xml_kind	kind;
	size_t			nprops;		/* DAV_XML_PROP */
	struct dav_xml_name	props[DAV_XML_PROPS_MAX];
};

/* 0 with out filled, or -1 with what is wrong in err. */
int dav_xml_propfind(const char *body, size_t len,
    struct dav_xml_propfind *out, char *err, size_t errsize);

#endif
