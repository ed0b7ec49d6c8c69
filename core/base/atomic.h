/*
 * Files that are either the old version or the new one, never half of
 * either: written to a temporary file beside the target, flushed to disk,
 * then renamed over it, and the folder synced so the rename itself
 * survives a power cut.  Used for mews.conf, the profile state and the
 * generated key pair; the CSV files skip the syncs (ATOMIC_NO_SYNC).
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
/* The previous version stays as PATH.bak. */
#define ATOMIC_BACKUP	0x1
/*
 * Renamed without fsync of the file or its folder, for callers that must
 * not wait for the disk (an fsync takes milliseconds, hundreds on an SD
 * card): the rename still makes it the old version or the new one to
 * readers, but after a power cut the new one may be missing or, on some
 * file systems, empty, until the caller syncs (syncfs) by itself.
 */
#define ATOMIC_NO_SYNC	0x2

/*
 * Put it in place, with ATOMIC_ flags.  0, or -1 with errno (the target
 * is then untouched).  The temporary file is gone either way.
 */
int atomic_commit(struct atomic_file *, int flags);
void atomic_abort(struct atomic_file *);

#endif
