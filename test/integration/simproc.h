/*
 * For C integration tests: start mews-sim as a child process and wait for
 * its ready line; run an event loop until a condition holds.
 */
#ifndef MEWS_TEST_SIMPROC_H
#define MEWS_TEST_SIMPROC_H

#include <sys/types.h>

struct event_base;

/*
 * mews-sim with these arguments (NULL-terminated; --profile-dir is added),
 * its stdout and stderr in LOG.  Returns its pid once it is ready, or -1.
 */
pid_t simproc_start(const char *log, const char *const *args);
/* SIGTERM, then wait for it. */
void simproc_stop(pid_t);

/* Run the loop until cond(arg) is true or max_ms pass; cond's last value. */
int simproc_run_until(struct event_base *, int (*cond)(void *), void *arg,
    int max_ms);
/* Run the loop for ms. */
void simproc_run_for(struct event_base *, int ms);

/* A fresh folder under TMPDIR, removed by simproc_rmdir. */
char *simproc_tmpdir(void);
void simproc_rmdir(char *);

#endif
