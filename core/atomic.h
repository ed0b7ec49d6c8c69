/*
 * Files that are either the old version or the new one, never half of
 * either: written to a temporary file beside the target, flushed to disk,
 * then renamed over it, and the folder synced so the rename itself
 * survives a power cut.  Used for mews.conf, the profile state and the
 * generated key pair.
 */
#ifndef MEWS_ATOMIC_H
#define MEWS_ATOMIC_H

#include <stdio.h>
#include <sys/types.h>

struct atomic_file {
	FILE	*fp;		/* write the new content here */
	char	*tmp;
	char	*path;
};

/* Open a temporary file for path with mode: 0, or -1 with errno. */
int atomic_begin(struct atomic_file *, const char *path, mode_t mode);
/*
 * Put it in place; with keep_backup the previous version stays as
 * PATH.bak.  0, or -1 with errno (the target is then untouched).  The
 * temporary file is gone either way.
 */
int atomic_commit(struct atomic_file *, int keep_backup);
void atomic_abort(struct atomic_file *);

#endif
