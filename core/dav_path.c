#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/http.h>

#include "dav_path.h"

int
dav_path_visible(const char *name, int is_dir)
{
	size_t n = strlen(name), i;

	if (n == 0 || n > DAV_PATH_NAME_MAX || name[0] == '.')
		return 0;
	for (i = 0; i < n; i++)
		if ((unsigned char)name[i] < 0x20 || name[i] == 0x7f ||
		    name[i] == '/' || name[i] == '\\')
			return 0;
	return is_dir || (n > 4 && strcmp(name + n - 4, ".csv") == 0);
}

static int
dav_path_refuse(int fd, int err)
{
	if (fd != -1)
		close(fd);
	errno = err;
	return -1;
}

int
dav_path_open(int rootfd, const char *rel, struct stat *st)
{
	char buf[DAV_PATH_MAX + 1], *seg, *slash;
	size_t len = strlen(rel);
	int fd, next, want_dir = 0, last;

	if (len > DAV_PATH_MAX)
		return dav_path_refuse(-1, ENOENT);
	memcpy(buf, rel, len + 1);
	if (len > 0 && buf[len - 1] == '/') {
		buf[--len] = '\0';
		want_dir = 1;
	}
	if ((fd = openat(rootfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) ==
	    -1)
		return -1;
	if (fstat(fd, st) == -1)
		return dav_path_refuse(fd, errno);
	for (seg = buf; len > 0; seg = slash + 1) {
		slash = strchr(seg, '/');
		last = slash == NULL;
		if (!last)
			*slash = '\0';
		/* A hidden or odd name is refused before the disk is asked. */
		if (!dav_path_visible(seg, 1))
			return dav_path_refuse(fd, ENOENT);
		next = openat(fd, seg, O_RDONLY | O_NOFOLLOW | O_NONBLOCK |
		    O_CLOEXEC);
		close(fd);
		if ((fd = next) == -1)
			return dav_path_refuse(-1, errno == ELOOP ||
			    errno == EACCES ? ENOENT : errno);
		if (fstat(fd, st) == -1)
			return dav_path_refuse(fd, errno);
		if (S_ISDIR(st->st_mode)) {
			if (last)
				break;
			continue;
		}
		if (!last || !S_ISREG(st->st_mode) ||
		    !dav_path_visible(seg, 0))
			return dav_path_refuse(fd, ENOENT);
		if (want_dir)
			return dav_path_refuse(fd, ENOTDIR);
		break;
	}
	return fd;
}

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
