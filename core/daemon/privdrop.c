#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <ftw.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "base/log.h"
#include "config/config.h"
#include "daemon/privdrop.h"

#define PRIVDROP_GROUPS_MAX	16

static uid_t privdrop_uid;
static gid_t privdrop_gid;

static int
privdrop_chown(const char *path, const struct stat *st, int flag,
    struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	if (lchown(path, privdrop_uid, privdrop_gid) == -1) {
		log_warn("cannot hand %s to the daemon's user", path);
		return -1;
	}
	return 0;
}

/* The groups owning the serial ports, so they can be reopened. */
static size_t
privdrop_serial_groups(const struct config *cfg, gid_t *gids, size_t max)
{
	struct stat st;
	size_t i, j, n = 0;

	for (i = 0; i < cfg->nbuses && n < max; i++) {
		if (stat(cfg->buses[i].port, &st) == -1 || st.st_gid == 0)
			continue;
		for (j = 0; j < n && gids[j] != st.st_gid; j++)
			;
		if (j == n)
			gids[n++] = st.st_gid;
	}
	return n;
}

int
privdrop(const struct config *cfg)
{
	gid_t gids[PRIVDROP_GROUPS_MAX];
	struct passwd *pw;
	struct group *gr;
	size_t n;

	if (geteuid() != 0)
		return 0;
	if (cfg->user[0] == '\0') {
		log_warnx("running as root (--allow-root): every network "
		    "service runs with root's rights; set `user` in %s so "
		    "that mewsd drops them once its ports are open",
		    cfg->path);
		return 0;
	}
	if ((pw = getpwnam(cfg->user)) == NULL) {
		log_warnx("user %s: no such user", cfg->user);
		return -1;
	}
	privdrop_uid = pw->pw_uid;
	privdrop_gid = pw->pw_gid;
	if (cfg->group[0] != '\0') {
		if ((gr = getgrnam(cfg->group)) == NULL) {
			log_warnx("group %s: no such group", cfg->group);
			return -1;
		}
		privdrop_gid = gr->gr_gid;
	}
	if (nftw(cfg->state_dir, privdrop_chown, 16, FTW_PHYS) == -1)
		return -1;
	n = privdrop_serial_groups(cfg, gids, PRIVDROP_GROUPS_MAX);
	if (setgroups(n, gids) == -1 || setgid(privdrop_gid) == -1 ||
	    setuid(privdrop_uid) == -1) {
		log_warn("cannot become user %s", cfg->user);
		return -1;
	}
	/* Paranoia that costs nothing: root must be gone for good. */
	if (setuid(0) != -1) {
		log_warnx("still able to become root after dropping to %s",
		    cfg->user);
		return -1;
	}
	log_info("running as user %s (uid %ld, gid %ld) with %zu serial "
	    "group(s)", cfg->user, (long)privdrop_uid, (long)privdrop_gid, n);
	return 0;
}
