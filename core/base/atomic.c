#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/atomic.h"

/*
 * The new version is like the one it replaces.  Its mode is the caller's,
 * never wider than the old file's: a configuration an administrator made
 * 0640 does not become readable by all at the first save.  And root
 * writing for the daemon (`mewsd --reset-profile`) must not leave a
 * root-owned file that the daemon, running as its own user, cannot read:
 * the owner is the old file's, or the folder's when there is none yet.
 * Others cannot give files away, and need not: what they write is theirs.
 */
static int
atomic_like(int fd, const char *path, mode_t mode)
{
	struct stat st;
	char *copy;
	int rc;

	if (stat(path, &st) == 0)
		mode &= st.st_mode | S_IRUSR | S_IWUSR;
	else if (errno != ENOENT)
		return -1;
	else if (geteuid() == 0) {
		if ((copy = strdup(path)) == NULL)
			return -1;
		rc = stat(dirname(copy), &st);
		free(copy);
		if (rc == -1)
			return -1;
	}
	if (fchmod(fd, mode) == -1)
		return -1;
	return geteuid() == 0 ? fchown(fd, st.st_uid, st.st_gid) : 0;
}

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
	if (atomic_like(fd, path, mode) == -1 ||
	    (af->fp = fdopen(fd, "w")) == NULL) {
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
