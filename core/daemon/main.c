/*
 * mewsd: one process, one thread, one libevent loop.  Signals arrive as loop
 * events so a reload or a stop never interrupts work half done.
 */
#include <sys/resource.h>

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <event2/event.h>

#include "api/api.h"
#include "base/clock.h"
#include "base/eventlog.h"
#include "base/log.h"
#include "base/loop.h"
#include "config/config.h"
#include "config/profile.h"
#include "daemon/daemon.h"
#include "daemon/notify.h"
#include "daemon/privdrop.h"
#include "web/auth.h"

struct mewsd {
	struct event_base	*base;
	struct services		 daemon;
	const char		*cfg_path;
	int			 debug;		/* -d outranks log_level */
	struct event		*ev_hup;
	struct event		*ev_term;
	struct event		*ev_int;
};

static void
usage(void)
{
	fprintf(stderr, "usage: mewsd [-dfht] [-c file] [--allow-root] "
	    "[--reset-profile name] [--routes]\n"
	    "  -c file  configuration (default %s)\n"
	    "  -d       debug logging\n"
	    "  -f       stay in the foreground and log to stderr\n"
	    "  -t       check the configuration and exit\n"
	    "  -h       this help\n"
	    "  --allow-root\n"
	    "           run as root when started as root without `user` in\n"
	    "           the configuration (refused otherwise)\n"
	    "  --reset-profile name\n"
	    "           give a profile (administrator, installer, user) its\n"
	    "           default PIN again and a new PUK, unlocked, print\n"
	    "           them and exit\n"
	    "  --routes print the API's routes (method, path, right) and "
	    "exit\n",
	    CONFIG_DEFAULT_PATH);
}

/* Load and validate; print each mistake to stderr (-t) or the log. */
static struct config *
mewsd_load(const char *path, int to_stderr)
{
	struct conf_errors errs = { 0, NULL };
	struct config *cfg;
	size_t i;

	cfg = config_load(path, &errs);
	for (i = 0; i < errs.n; i++) {
		if (to_stderr)
			fprintf(stderr, "%s\n", errs.msgs[i]);
		else
			log_warnx("%s", errs.msgs[i]);
	}
	conf_errors_free(&errs);
	return cfg;
}

/* mkdir -p with 0700: state_dir holds PIN hashes and keys. */
static int
mewsd_mkdirs(const char *path)
{
	char *copy, *p, c;
	int rc = 0;

	if ((copy = strdup(path)) == NULL)
		return -1;
	for (p = copy + 1; rc == 0; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		c = *p;
		*p = '\0';
		if (mkdir(copy, 0700) == -1 && errno != EEXIST)
			rc = -1;
		*p = c;
		if (c == '\0')
			break;
	}
	free(copy);
	return rc;
}

static int
mewsd_prepare_state(const struct config *cfg)
{
	struct stat st;

	if (mewsd_mkdirs(cfg->state_dir) == -1) {
		log_warn("state_dir %s: cannot create", cfg->state_dir);
		return -1;
	}
	if (stat(cfg->state_dir, &st) == -1 || !S_ISDIR(st.st_mode)) {
		log_warnx("state_dir %s: not a folder", cfg->state_dir);
		return -1;
	}
	if ((st.st_mode & 077) != 0 && chmod(cfg->state_dir, 0700) == -1)
		log_warn("state_dir %s: cannot restrict to 0700",
		    cfg->state_dir);
	return 0;
}

/*
 * --reset-profile: the new PUK goes to root's terminal, the one place it
 * is ever shown, and never to the log.
 */
static int
mewsd_reset_profile(const struct config *cfg, const char *name)
{
	char puk[AUTH_PUK_TEXT_LEN];

	if (mewsd_prepare_state(cfg) == -1 ||
	    auth_reset_profile(cfg->state_dir, name, puk) == -1)
		return -1;
	printf("%s: PIN %s (change it at the first login), new PUK %s\n",
	    name, auth_default_pin(auth_profile_parse(name)), puk);
	return fflush(stdout) == 0 ? 0 : -1;
}

/*
 * Every connection is a descriptor: the default 1024 would cap the web
 * and gateway clients together well below what their limits allow.
 */
static void
mewsd_raise_nofile(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max < 65536 ? rl.rlim_max : 65536;
		if (setrlimit(RLIMIT_NOFILE, &rl) == -1)
			log_warn("cannot raise the open files limit");
	}
}

static void
mewsd_log_config(const struct config *cfg)
{
	size_t i;

	log_info("configuration %s: %zu bus(es), %zu gateway(s), %zu "
	    "device(s), state in %s", cfg->path, cfg->nbuses, cfg->ngateways,
	    cfg->ndevices, cfg->state_dir);
	for (i = 0; i < cfg->warnings.n; i++)
		log_warnx("%s", cfg->warnings.msgs[i]);
	for (i = 0; i < cfg->nbuses; i++) {
		const struct config_bus *b = &cfg->buses[i];

		log_debug("bus %s: %s %d baud, parity %s, %d stop bit(s), "
		    "timeout %d ms", b->name, b->port, b->baud,
		    config_parity_name(b->parity), b->stop_bits,
		    b->timeout_ms);
	}
	for (i = 0; i < cfg->ndevices; i++) {
		const struct config_device *d = &cfg->devices[i];

		if (d->virt != NULL) {
			log_debug("device %s (%s): virtual, from %zu devices, "
			    "%zu metrics", d->id, d->name, d->virt->nof,
			    d->virt->nmetrics);
			continue;
		}
		log_debug("device %s (%s): %s %s address %d, profile %s, "
		    "every %d ms", d->id, d->name, d->bus ? "bus" : "gateway",
		    d->bus ? d->bus->name : d->gateway->name, d->address,
		    d->profile->name, d->poll_ms);
	}
}

/*
 * A reload that fails keeps the running configuration: a typo made while
 * the box is in service must not take it down.
 */
static void
mewsd_sighup(evutil_socket_t sig, short what, void *arg)
{
	struct mewsd *d = arg;
	struct config *cfg;

	(void)sig;
	(void)what;
	log_info("reloading %s", d->cfg_path);
	notify_reloading();
	if ((cfg = mewsd_load(d->cfg_path, 0)) == NULL) {
		log_warnx("reload of %s failed: keeping the running "
		    "configuration", d->cfg_path);
		eventlog_add(d->daemon.events, EVENT_RELOAD, NULL, NULL, NULL,
		    "SIGHUP: %s has mistakes (see the log): the running "
		    "configuration is kept", d->cfg_path);
	} else if (mewsd_prepare_state(cfg) == -1) {
		config_free(cfg);
		log_warnx("reload failed: keeping the running configuration");
	} else {
		mewsd_log_config(cfg);
		if (daemon_apply(&d->daemon, cfg) == -1)
			log_warnx("reload failed: keeping the running "
			    "configuration");
		else {
			log_info("reloaded");
			eventlog_add(d->daemon.events, EVENT_RELOAD, NULL, NULL,
			    NULL, "SIGHUP: %s reloaded", d->cfg_path);
		}
	}
	/* Serving on, with the new configuration or the old one. */
	notify_ready();
}

static void
mewsd_sigterm(evutil_socket_t sig, short what, void *arg)
{
	struct mewsd *d = arg;

	(void)what;
	log_info("signal %d: stopping", (int)sig);
	eventlog_add(d->daemon.events, EVENT_STOP, NULL, NULL, NULL,
	    "signal %d", (int)sig);
	notify_stopping();
	event_base_loopexit(d->base, NULL);
}

static int
mewsd_run(struct mewsd *d, struct config *cfg)
{
	if ((d->base = daemon_base_new()) == NULL) {
		log_warnx("cannot create the event loop");
		config_free(cfg);
		return -1;
	}
	d->daemon.base = d->base;
	d->ev_hup = evsignal_new(d->base, SIGHUP, mewsd_sighup, d);
	d->ev_term = evsignal_new(d->base, SIGTERM, mewsd_sigterm, d);
	d->ev_int = evsignal_new(d->base, SIGINT, mewsd_sigterm, d);
	if (d->ev_hup == NULL || d->ev_term == NULL || d->ev_int == NULL ||
	    evsignal_add(d->ev_hup, NULL) == -1 ||
	    evsignal_add(d->ev_term, NULL) == -1 ||
	    evsignal_add(d->ev_int, NULL) == -1) {
		log_warnx("cannot install signal handlers");
		config_free(cfg);
		return -1;
	}
	if (daemon_apply(&d->daemon, cfg) == -1)
		return -1;
	if (privdrop(d->daemon.cfg) == -1) {
		log_warnx("stopping rather than running as root");
		return -1;
	}
	log_info("mewsd %s ready (pid %ld)", PACKAGE_VERSION, (long)getpid());
	eventlog_add(d->daemon.events, EVENT_START, NULL, NULL, NULL,
	    "mewsd %s, pid %ld", PACKAGE_VERSION, (long)getpid());
	notify_ready();
	if (loop_run(d->base) == -1) {
		log_warnx("event loop failed");
		return -1;
	}
	log_info("stopped");
	return 0;
}

/*
 * Root without `user` would run every parser reachable from the network
 * as root: only when asked for by name.  -1 (said) when refused.
 */
static int
mewsd_check_root(const struct config *cfg, int allow_root, int foreground)
{
	char why[PATH_MAX + 256];

	if (geteuid() != 0 || cfg->user[0] != '\0' || allow_root)
		return 0;
	snprintf(why, sizeof(why), "started as root without `user` in %s: "
	    "refusing to run every network service as root; set `user` "
	    "(mewsd drops to it once its ports are open) or start it as that "
	    "user, or give --allow-root to run as root anyway", cfg->path);
	log_warnx("%s", why);
	/* Without -f the log is syslog: say it where it was started too. */
	if (!foreground)
		fprintf(stderr, "mewsd: %s\n", why);
	return -1;
}

/*
 * MEWS_TEST_CLOCK speeds the wall clock up for the tests (core/base/clock.h);
 * said loudly, since no box should run so.
 */
static int
mewsd_test_clock(void)
{
	const char *spec = getenv("MEWS_TEST_CLOCK");
	char err[128];

	if (spec == NULL || *spec == '\0')
		return 0;
	if (clock_accelerate(spec, err, sizeof(err)) == -1) {
		log_warnx("MEWS_TEST_CLOCK: %s", err);
		return -1;
	}
	log_warnx("MEWS_TEST_CLOCK: the wall clock runs %g times as fast "
	    "as real time (a test setting)", clock_rate());
	return 0;
}

static void
mewsd_free(struct mewsd *d)
{
	if (d->ev_hup)
		event_free(d->ev_hup);
	if (d->ev_term)
		event_free(d->ev_term);
	if (d->ev_int)
		event_free(d->ev_int);
	daemon_stop(&d->daemon);
	if (d->base)
		event_base_free(d->base);
}

int
main(int argc, char *argv[])
{
	struct config *cfg;
	static const struct option longopts[] = {
		{ "reset-profile", required_argument, NULL, 'R' },
		{ "allow-root", no_argument, NULL, 'A' },
		{ "routes", no_argument, NULL, 'P' },
		{ NULL, 0, NULL, 0 }
	};
	struct mewsd d;
	const char *reset = NULL;
	char *abs;
	size_t i;
	int ch, check = 0, foreground = 0, allow_root = 0, rc;

	memset(&d, 0, sizeof(d));
	d.cfg_path = CONFIG_DEFAULT_PATH;
	while ((ch = getopt_long(argc, argv, "c:dfht", longopts, NULL)) != -1) {
		switch (ch) {
		case 'R':
			reset = optarg;
			break;
		case 'A':
			allow_root = 1;
			break;
		case 'P':
			api_routes_print(stdout);
			return fflush(stdout) == 0 ? 0 : 1;
		case 'c':
			d.cfg_path = optarg;
			break;
		case 'd':
			d.debug = 1;
			break;
		case 'f':
			foreground = 1;
			break;
		case 't':
			check = 1;
			break;
		case 'h':
			usage();
			return 0;
		default:
			usage();
			return 2;
		}
	}
	if (optind != argc) {
		usage();
		return 2;
	}
	/*
	 * state_dir holds PIN hashes, keys and the history: what mewsd makes
	 * is its own (files 0600, folders 0700) whatever umask it was started
	 * with, including what libraries make with their own modes (librrd:
	 * 0644 less the umask).
	 */
	umask(077);

	log_init("mewsd", foreground || check || reset, LOG_LEVEL_INFO);
	if (mewsd_test_clock() == -1)
		return 1;
	if ((cfg = mewsd_load(d.cfg_path, foreground || check || reset)) ==
	    NULL)
		return 1;
	if (reset != NULL) {
		rc = mewsd_reset_profile(cfg, reset);
		config_free(cfg);
		return rc == 0 ? 0 : 1;
	}
	if (check) {
		for (i = 0; i < cfg->warnings.n; i++)
			fprintf(stderr, "%s\n", cfg->warnings.msgs[i]);
		printf("%s: configuration OK\n", d.cfg_path);
		config_free(cfg);
		return 0;
	}
	if (mewsd_check_root(cfg, allow_root, foreground) == -1) {
		config_free(cfg);
		return 1;
	}
	log_set_level(d.debug ? LOG_LEVEL_DEBUG : cfg->log_level);
	d.daemon.force_debug = d.debug;
	mewsd_raise_nofile();
	/*
	 * The background daemon runs in /: reloads and the pages' changes
	 * must still find the file.
	 */
	if ((abs = realpath(d.cfg_path, NULL)) != NULL) {
		d.cfg_path = abs;
		free(cfg->path);
		cfg->path = strdup(abs);
	}
	rc = -1;
	if (cfg->path == NULL)
		config_free(cfg);
	else if (!foreground && daemon(0, 0) == -1) {
		log_warn("cannot go to the background");
		config_free(cfg);
	} else if (mewsd_prepare_state(cfg) == -1)
		config_free(cfg);
	else {
		signal(SIGPIPE, SIG_IGN);
		mewsd_log_config(cfg);
		rc = mewsd_run(&d, cfg);
		mewsd_free(&d);
	}
	free(abs);
	return rc == 0 ? 0 : 1;
}
