#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>

#include "share/ftp_list.h"
#include "share/ftp_path.h"

#define FTP_LIST_RECENT_S	(182 * 86400)	/* ls's "six months" */

struct ftp_list {
	DIR			*dir;
	enum ftp_list_format	 format;
	char			**names;	/* sorted */
	size_t			 n;
	size_t			 next;
};

/* Not the C library's: the locale must not change what clients parse. */
static const char *const ftp_list_months[] = { "Jan", "Feb", "Mar", "Apr",
    "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };

void
ftp_list_time(time_t t, char *out, size_t size)
{
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL)
		memset(&tm, 0, sizeof(tm));
	snprintf(out, size, "%04d%02d%02d%02d%02d%02d", tm.tm_year + 1900,
	    tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

int
ftp_list_facts(const struct stat *st, char *out, size_t size)
{
	char modify[16];
	int n;

	ftp_list_time(st->st_mtime, modify, sizeof(modify));
	if (S_ISDIR(st->st_mode))
		n = snprintf(out, size, "type=dir;modify=%s;perm=el; ",
		    modify);
	else
		n = snprintf(out, size, "type=file;size=%lld;modify=%s;"
		    "perm=r; ", (long long)st->st_size, modify);
	return n > 0 && (size_t)n < size ? n : -1;
}

static int
ftp_list_long(const char *name, const struct stat *st, time_t now,
    char *out, size_t size)
{
	struct tm tm;
	char when[32];
	time_t t = st->st_mtime;
	int dir = S_ISDIR(st->st_mode);

	if (gmtime_r(&t, &tm) == NULL)
		memset(&tm, 0, sizeof(tm));
	if (t > now - FTP_LIST_RECENT_S && t < now + FTP_LIST_RECENT_S)
		snprintf(when, sizeof(when), "%s %2d %02d:%02d",
		    ftp_list_months[tm.tm_mon], tm.tm_mday, tm.tm_hour,
		    tm.tm_min);
	else
		snprintf(when, sizeof(when), "%s %2d  %4d",
		    ftp_list_months[tm.tm_mon], tm.tm_mday,
		    tm.tm_year + 1900);
	return snprintf(out, size, "%s %3lu mews     mews     %12lld %s %s"
	    "\r\n", dir ? "dr-xr-xr-x" : "-r--r--r--",
	    (unsigned long)(dir ? st->st_nlink : 1),
	    (long long)st->st_size, when, name);
}

size_t
ftp_list_line(enum ftp_list_format format, const char *name,
    const struct stat *st, time_t now, char *out, size_t size)
{
	char facts[FTP_LIST_FACTS_MAX];
	int n = -1;

	if (strpbrk(name, "\r\n") != NULL)
		return 0;
	switch (format) {
	case FTP_LIST_LONG:
		n = ftp_list_long(name, st, now, out, size);
		break;
	case FTP_LIST_NAMES:
		n = snprintf(out, size, "%s\r\n", name);
		break;
	case FTP_LIST_FACTS:
		if (ftp_list_facts(st, facts, sizeof(facts)) == -1)
			return 0;
		n = snprintf(out, size, "%s%s\r\n", facts, name);
		break;
	}
	return n > 0 && (size_t)n < size ? (size_t)n : 0;
}

static int
ftp_list_compare(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int
ftp_list_add(struct ftp_list *l, const char *name, size_t *cap)
{
	char **more;

	if (l->n == *cap) {
		*cap = *cap ? *cap * 2 : 64;
		if ((more = reallocarray(l->names, *cap, sizeof(*more))) ==
		    NULL)
			return -1;
		l->names = more;
	}
	if ((l->names[l->n] = strdup(name)) == NULL)
		return -1;
	l->n++;
	return 0;
}

struct ftp_list *
ftp_list_new(int dirfd, enum ftp_list_format format, const char *only)
{
	struct ftp_list *l;
	struct dirent *e;
	size_t cap = 0;

	if ((l = calloc(1, sizeof(*l))) == NULL) {
		close(dirfd);
		return NULL;
	}
	l->format = format;
	if ((l->dir = fdopendir(dirfd)) == NULL) {
		close(dirfd);
		free(l);
		return NULL;
	}
	if (only != NULL) {
		if (ftp_list_add(l, only, &cap) == -1)
			goto fail;
		return l;
	}
	while (l->n < FTP_LIST_ENTRIES_MAX && (e = readdir(l->dir)) != NULL)
		if (e->d_name[0] != '.' && ftp_list_add(l, e->d_name, &cap) ==
		    -1)
			goto fail;
	qsort(l->names, l->n, sizeof(*l->names), ftp_list_compare);
	return l;
fail:
	ftp_list_free(l);
	errno = ENOMEM;
	return NULL;
}

int
ftp_list_more(struct ftp_list *l, struct evbuffer *out, time_t now)
{
	char line[FTP_LIST_LINE_MAX];
	struct stat st;
	size_t done, n;

	for (done = 0; done < FTP_LIST_BATCH && l->next < l->n; done++) {
		const char *name = l->names[l->next++];

		/* Gone since, a link, or not shown: left out. */
		if (fstatat(dirfd(l->dir), name, &st, AT_SYMLINK_NOFOLLOW) ==
		    -1 || !ftp_path_visible(name, &st))
			continue;
		if ((n = ftp_list_line(l->format, name, &st, now, line,
		    sizeof(line))) > 0)
			evbuffer_add(out, line, n);
	}
	return l->next < l->n;
}

void
ftp_list_free(struct ftp_list *l)
{
	size_t i;

	if (l == NULL)
		return;
	for (i = 0; i < l->n; i++)
		free(l->names[i]);
	free(l->names);
	if (l->dir != NULL)
		closedir(l->dir);
	free(l);
}
