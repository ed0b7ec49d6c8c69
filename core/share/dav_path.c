#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/http.h>

#include "share/dav_path.h"

/* Appends s at out + *n: 0, or -1 when it does not fit. */
static int
dav_path_put(char *out, size_t size, size_t *n, const char *s)
{
	size_t len = strlen(s);

	if (*n + len >= size)
		return -1;
	memcpy(out + *n, s, len + 1);
	*n += len;
	return 0;
}

int
dav_path_href(char *out, size_t size, const char *rel, const char *name,
    int is_dir)
{
	char path[DAV_PATH_MAX + DAV_PATH_NAME_MAX + 2];
	const char *seg, *end;
	char *enc;
	size_t n = 0;
	int rc, first = 1;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", rel != NULL ? rel :
	    "", name != NULL ? name : "") >= sizeof(path) ||
	    dav_path_put(out, size, &n, DAV_PATH_PREFIX) == -1)
		return -1;
	for (seg = path; *seg != '\0'; seg = end + (*end == '/')) {
		end = seg + strcspn(seg, "/");
		if (end == seg)
			continue;
		if ((enc = evhttp_uriencode(seg, (ev_ssize_t)(end - seg), 0)) ==
		    NULL)
			return -1;
		rc = (first ? 0 : dav_path_put(out, size, &n, "/")) == 0 ?
		    dav_path_put(out, size, &n, enc) : -1;
		free(enc);
		if (rc == -1)
			return -1;
		first = 0;
	}
	/* A folder's href ends with '/', whatever the request had. */
	if (is_dir && !first)
		return dav_path_put(out, size, &n, "/");
	return 0;
}
