#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "share/ftp_path.h"

/* Well-formed UTF-8 (no overlong forms, no surrogates), no controls. */
static int
ftp_path_name_ok(const unsigned char *s, size_t n)
{
	size_t i = 0, k, more;
	unsigned long c;

	while (i < n) {
		c = s[i];
		if (c < 0x80) {
			if (c < 0x20 || c == 0x7f)
				return 0;
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf) {
			more = 1;
			c &= 0x1f;
		} else if (c >= 0xe0 && c <= 0xef) {
			more = 2;
			c &= 0x0f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			more = 3;
			c &= 0x07;
		} else
			return 0;
		if (i + more >= n)
			return 0;
		for (k = 1; k <= more; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return 0;
			c = (c << 6) | (s[i + k] & 0x3f);
		}
		if ((more == 2 && (c < 0x800 || (c >= 0xd800 &&
		    c <= 0xdfff))) || (more == 3 && (c < 0x10000 ||
		    c > 0x10ffff)) || (c >= 0x80 && c <= 0x9f))
			return 0;
		i += more + 1;
	}
	return 1;
}

int
ftp_path_join(const char *cwd, const char *arg, char *out, size_t size)
{
	char buf[FTP_PATH_MAX + 1];
	const char *p, *end;
	size_t len = 0, n;

	if (size < 2)
		return FTP_PATH_LONG;
	if (arg[0] != '/') {
		if ((len = strlen(cwd)) > FTP_PATH_MAX)
			return FTP_PATH_LONG;
		memcpy(buf, cwd, len);
		if (len == 1)
			len = 0;	/* "/": no name yet */
	}
	for (p = arg; *p != '\0'; p = *end ? end + 1 : end) {
		if ((end = strchr(p, '/')) == NULL)
			end = p + strlen(p);
		n = (size_t)(end - p);
		if (n == 0 || (n == 1 && p[0] == '.'))
			continue;
		if (n == 2 && p[0] == '.' && p[1] == '.') {
			if (len == 0)
				return FTP_PATH_OUTSIDE;
			while (buf[--len] != '/')
				;
			continue;
		}
		if (n > FTP_NAME_MAX)
			return FTP_PATH_LONG;
		if (!ftp_path_name_ok((const unsigned char *)p, n))
			return FTP_PATH_NAME;
		if (len + 1 + n > FTP_PATH_MAX)
			return FTP_PATH_LONG;
		buf[len++] = '/';
		memcpy(buf + len, p, n);
		len += n;
	}
	if (len == 0)
		buf[len++] = '/';
	if (len >= size)
		return FTP_PATH_LONG;
	memcpy(out, buf, len);
	out[len] = '\0';
	return FTP_PATH_OK;
}

const char *
ftp_path_error(int e)
{
	switch (e) {
	case FTP_PATH_OUTSIDE:
		return "the path leaves the share";
	case FTP_PATH_LONG:
		return "the name or path is too long";
	case FTP_PATH_NAME:
		return "names must be UTF-8 without control characters";
	default:
		return "bad path";
	}
}

const char *
ftp_path_base(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash != NULL ? slash + 1 : path;
}

int
ftp_path_visible(const char *name, const struct stat *st)
{
	size_t n = strlen(name);

	if (name[0] == '.' || name[0] == '\0')
		return 0;
	if (S_ISDIR(st->st_mode))
		return 1;
	return S_ISREG(st->st_mode) && n > 4 &&
	    strcmp(name + n - 4, ".csv") == 0;
}

/* One step down: the entry must be visible, and stay what fstatat saw. */
static int
ftp_path_step(int dirfd, const char *name, int last, struct stat *st)
{
	struct stat now;
	int fd;

	if (fstatat(dirfd, name, st, AT_SYMLINK_NOFOLLOW) == -1)
		return -1;
	if (S_ISLNK(st->st_mode)) {
		errno = ELOOP;
		return -1;
	}
	if (!ftp_path_visible(name, st)) {
		errno = ENOENT;
		return -1;
	}
	if (!last && !S_ISDIR(st->st_mode)) {
		errno = ENOTDIR;
		return -1;
	}
	if ((fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK |
	    O_CLOEXEC | (S_ISDIR(st->st_mode) ? O_DIRECTORY : 0))) == -1)
		return -1;
	/* Swapped between the two calls: refused, as anything odd. */
	if (fstat(fd, &now) == -1 || now.st_ino != st->st_ino ||
	    now.st_dev != st->st_dev) {
		close(fd);
		errno = ENOENT;
		return -1;
	}
	*st = now;
	return fd;
}

int
ftp_path_open(const char *root, const char *path, struct stat *st)
{
	char name[FTP_NAME_MAX + 1];
	const char *p, *end;
	int fd, next, saved;
	size_t n;

	if ((fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return -1;
	if (fstat(fd, st) == -1)
		goto fail;
	for (p = path; *p != '\0'; p = *end ? end + 1 : end) {
		if ((end = strchr(p, '/')) == NULL)
			end = p + strlen(p);
		if ((n = (size_t)(end - p)) == 0)
			continue;
		if (n > FTP_NAME_MAX) {
			errno = ENAMETOOLONG;
			goto fail;
		}
		memcpy(name, p, n);
		name[n] = '\0';
		next = ftp_path_step(fd, name, *end == '\0', st);
		saved = errno;
		close(fd);
		errno = saved;
		if ((fd = next) == -1)
			return -1;
	}
	return fd;
fail:
	saved = errno;
	close(fd);
	errno = saved;
	return -1;
}
