#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "atomic.h"

int
atomic_begin(struct atomic_file *af, const char *path, mode_t mode)
{
	int fd, saved;

	memset(af, 0, sizeof(*af));
	if ((af->path = strdup(path)) == NULL ||
	    asprintf(&af->tmp, "%s.XXXXXX", path) == -1) {
		af->tmp = NULL;
		goto fail;
	}
	if ((fd = mkstemp(af->tmp)) == -1) {
		free(af->tmp);
		af->tmp = NULL;
		goto fail;
	}
	if (fchmod(fd, mode) == -1 || (af->fp = fdopen(fd, "w")) == NULL) {
		saved = errno;
		close(fd);
		errno = saved;
		goto fail;
	}
	return 0;
fail:
	saved = errno;
	atomic_abort(af);
	errno = saved;
	return -1;
}

static int
atomic_sync_dir(const char *path)
{
	char *copy;
	int fd, rc;

	if ((copy = strdup(path)) == NULL)
		return -1;
	fd = open(dirname(copy), O_RDONLY | O_DIRECTORY);
	free(copy);
	if (fd == -1)
		return -1;
	rc = fsync(fd);
	close(fd);
	return rc;
}

/*
 * The previous version, linked under a temporary name and renamed over
 * PATH.bak, so that a crash leaves one whole backup, old or new.
 */
static int
atomic_backup(const char *path)
{
	char *bak, *tmp;
	int rc = 0;

	if (asprintf(&bak, "%s.bak", path) == -1)
		return -1;
	if (asprintf(&tmp, "%s.bak.%ld", path, (long)getpid()) == -1) {
		free(bak);
		return -1;
	}
	(void)unlink(tmp);
	if (link(path, tmp) == -1)
		rc = errno == ENOENT ? 0 : -1;
	else if (rename(tmp, bak) == -1) {
		rc = -1;
		(void)unlink(tmp);
	}
	free(tmp);
	free(bak);
	return rc;
}

int
atomic_commit(struct atomic_file *af, int flags)
{
	FILE *fp = af->fp;
	int durable = !(flags & ATOMIC_NO_SYNC), saved;

	af->fp = NULL;
	errno = 0;
	if (fflush(fp) != 0 || ferror(fp) ||
	    (durable && fsync(fileno(fp)) == -1)) {
		saved = errno ? errno : EIO;
		fclose(fp);
		goto fail;
	}
	if (fclose(fp) != 0) {
		saved = errno;
		goto fail;
	}
	if (((flags & ATOMIC_BACKUP) && atomic_backup(af->path) == -1) ||
	    rename(af->tmp, af->path) == -1) {
		saved = errno;
		goto fail;
	}
	free(af->tmp);
	af->tmp = NULL;
	/* The new version is in place: a folder that cannot sync is no
	 * reason to report a failure the caller would act on. */
	if (durable)
		(void)atomic_sync_dir(af->path);
	atomic_abort(af);
	return 0;
fail:
	atomic_abort(af);
	errno = saved;
	return -1;
}

void
atomic_abort(struct atomic_file *af)
{
	if (af->fp != NULL)
		fclose(af->fp);
	if (af->tmp != NULL)
		unlink(af->tmp);
	free(af->tmp);
	free(af->path);
	memset(af, 0, sizeof(*af));
}
