#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "simproc.h"

static const char *
simproc_env(const char *name, const char *fallback)
{
	const char *v = getenv(name);

	return v != NULL && v[0] != '\0' ? v : fallback;
}

pid_t
simproc_start(const char *log, const char *const *args)
{
	char sim[1024], profiles[1024], line[512];
	const char *argv[64];
	size_t n = 0, i;
	pid_t pid;
	int fd, tries;
	FILE *f;

	snprintf(sim, sizeof(sim), "%s/mews-sim",
	    simproc_env("top_builddir", "."));
	snprintf(profiles, sizeof(profiles), "%s/modules/profiles",
	    simproc_env("top_srcdir", SRCDIR));
	argv[n++] = sim;
	argv[n++] = "--profile-dir";
	argv[n++] = profiles;
	for (i = 0; args[i] != NULL && n < 62; i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	unlink(log);
	if ((pid = fork()) == -1)
		return -1;
	if (pid == 0) {
		fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		if (fd == -1)
			_exit(127);
		dup2(fd, 1);
		dup2(fd, 2);
		execv(sim, (char *const *)argv);
		_exit(127);
	}
	/* Ready when it says so: at most 5 s. */
	for (tries = 0; tries < 250; tries++) {
		if ((f = fopen(log, "r")) != NULL) {
			while (fgets(line, sizeof(line), f) != NULL)
				if (strstr(line, "ready on") != NULL) {
					fclose(f);
					return pid;
				}
			fclose(f);
		}
		if (waitpid(pid, NULL, WNOHANG) == pid)
			return -1;
		usleep(20000);
	}
	simproc_stop(pid);
	return -1;
}

void
simproc_stop(pid_t pid)
{
	if (pid <= 0)
		return;
	kill(pid, SIGTERM);
	waitpid(pid, NULL, 0);
}

struct simproc_wait {
	struct event_base	*base;
	int			(*cond)(void *);
	void			*arg;
	int			 result;
};

static void
simproc_check(evutil_socket_t fd, short what, void *arg)
{
	struct simproc_wait *w = arg;

	(void)fd;
	(void)what;
	if (w->cond != NULL && (w->result = w->cond(w->arg)) != 0)
		event_base_loopbreak(w->base);
}

static void
simproc_deadline(evutil_socket_t fd, short what, void *arg)
{
	struct simproc_wait *w = arg;

	(void)fd;
	(void)what;
	event_base_loopbreak(w->base);
}

/*
 * Our own deadline event rather than event_base_loopexit, whose timer would
 * stay pending after an early break and end the next run too soon.
 */
int
simproc_run_until(struct event_base *base, int (*cond)(void *), void *arg,
    int max_ms)
{
	struct simproc_wait w = { base, cond, arg, 0 };
	struct timeval tick = { 0, 20000 };
	struct timeval limit = { max_ms / 1000, (max_ms % 1000) * 1000 };
	struct event *check, *deadline;

	if (cond != NULL && (w.result = cond(arg)) != 0)
		return w.result;
	check = event_new(base, -1, EV_PERSIST, simproc_check, &w);
	deadline = evtimer_new(base, simproc_deadline, &w);
	event_add(check, &tick);
	evtimer_add(deadline, &limit);
	event_base_dispatch(base);
	event_free(check);
	event_free(deadline);
	if (cond == NULL)
		return 0;
	return w.result ? w.result : cond(arg);
}

void
simproc_run_for(struct event_base *base, int ms)
{
	simproc_run_until(base, NULL, NULL, ms);
}

char *
simproc_tmpdir(void)
{
	char *dir;

	if (asprintf(&dir, "%s/mews-test.XXXXXX",
	    simproc_env("TMPDIR", "/tmp")) == -1)
		return NULL;
	if (mkdtemp(dir) == NULL) {
		free(dir);
		return NULL;
	}
	return dir;
}

void
simproc_rmdir(char *dir)
{
	char cmd[1200];

	if (dir == NULL)
		return;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", dir);
	free(dir);
}
