#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include <event2/event.h>

#include "config/config.h"
#include "devices/device.h"
#include "devices/poller.h"
#include "modbus/bus.h"
#include "simproc.h"
#include "testbed.h"

int
testbed_init(struct testbed *tb)
{
	if ((tb->dir = simproc_tmpdir()) == NULL)
		return -1;
	snprintf(tb->pty, sizeof(tb->pty), "%s/rs485", tb->dir);
	snprintf(tb->simlog, sizeof(tb->simlog), "%s/sim.log", tb->dir);
	tb->sim = -1;
	tb->timeout_ms = 200;
	tb->base = event_base_new();
	tb->d.base = tb->base;
	return tb->base ? 0 : -1;
}

void
testbed_fini(struct testbed *tb)
{
	daemon_stop(&tb->d);
	simproc_stop(tb->sim);
	if (tb->base != NULL)
		event_base_free(tb->base);
	simproc_rmdir(tb->dir);
}

const char *
testbed_srcdir(void)
{
	return getenv("top_srcdir") ? getenv("top_srcdir") : SRCDIR;
}

pid_t
testbed_sim(struct testbed *tb, ...)
{
	const char *args[48] = { "--pty", tb->pty };
	size_t n = 2;
	const char *a;
	va_list ap;

	va_start(ap, tb);
	while ((a = va_arg(ap, const char *)) != NULL && n < 47)
		args[n++] = a;
	va_end(ap);
	args[n] = NULL;
	return tb->sim = simproc_start(tb->simlog, args);
}

int
testbed_apply(struct testbed *tb, const char *devices)
{
	struct conf_errors errs = { 0, NULL };
	struct config *cfg;
	char path[600];
	FILE *fp;
	size_t i;

	snprintf(path, sizeof(path), "%s/mews.conf", tb->dir);
	if ((fp = fopen(path, "w")) == NULL)
		return -1;
	fprintf(fp, "state_dir = \"%s/state\";\n"
	    "profile_dir = \"%s/modules/profiles\";\n"
	    "buses = ( { name = \"rs485\"; port = \"%s\"; baud = 19200; "
	    "parity = \"none\"; timeout_ms = %d; } );\n"
	    "devices = ( %s );\n", tb->dir, testbed_srcdir(), tb->pty,
	    tb->timeout_ms, devices);
	fclose(fp);
	cfg = config_load(path, &errs);
	for (i = 0; i < errs.n; i++)
		fprintf(stderr, "%s\n", errs.msgs[i]);
	conf_errors_free(&errs);
	if (cfg == NULL)
		return -1;
	return daemon_apply(&tb->d, cfg);
}

struct bus *
testbed_bus(const struct testbed *tb)
{
	return bus_find(tb->d.buses, tb->d.nbuses, "rs485");
}

struct device *
testbed_device(const struct testbed *tb, const char *id)
{
	return tb->d.poller ? poller_find(tb->d.poller, id) : NULL;
}

struct testbed_cycles {
	const struct testbed	*tb;
	const char		*const *ids;
	uint64_t		 n;
};

static int
testbed_cycles_done(void *arg)
{
	const struct testbed_cycles *w = arg;
	const struct device *d;
	size_t i;

	for (i = 0; w->ids[i] != NULL; i++)
		if ((d = testbed_device(w->tb, w->ids[i])) == NULL ||
		    d->stats.cycles < w->n)
			return 0;
	return 1;
}

int
testbed_wait_cycles(struct testbed *tb, const char *const *ids, uint64_t n,
    int max_ms)
{
	struct testbed_cycles w = { tb, ids, n };

	return simproc_run_until(tb->base, testbed_cycles_done, &w, max_ms);
}
