/*
 * A temporary folder for the unit tests that load configurations:
 * profiles/ holds the test's own profile files, mews.conf sits beside it
 * (so `profile_dir = "profiles"` finds them), and it is removed whole.
 */
#ifndef MEWS_TEST_CONFTMP_H
#define MEWS_TEST_CONFTMP_H

#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

static char tmpdir[64];
static char conf_path[512];

/* 0, or -1. */
static inline int
conftmp_setup(const char *name)
{
	char path[512];

	snprintf(tmpdir, sizeof(tmpdir), "/tmp/mews-test-%s.XXXXXX", name);
	if (mkdtemp(tmpdir) == NULL)
		return -1;
	snprintf(path, sizeof(path), "%s/profiles", tmpdir);
	if (mkdir(path, 0700) == -1)
		return -1;
	snprintf(conf_path, sizeof(conf_path), "%s/mews.conf", tmpdir);
	return 0;
}

/* profiles/NAME.conf with that text: 0, or -1. */
static inline int
conftmp_profile(const char *name, const char *text)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/profiles/%s.conf", tmpdir, name);
	if ((f = fopen(path, "w")) == NULL)
		return -1;
	fputs(text, f);
	return fclose(f) == 0 ? 0 : -1;
}

static inline int
conftmp_teardown(void)
{
	char cmd[600];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

#endif
