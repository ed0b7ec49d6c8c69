/*
 * The RS485 master against mews-sim on a pseudo-terminal: the daemon's own
 * buses and poller (daemon_apply), on a real event loop.  Every profile
 * decoded, a dead device costing one timeout per cycle, noise and CRC
 * errors counted and survived, a device and the port itself coming back.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include <event2/event.h>

#include "bus.h"
#include "config.h"
#include "daemon.h"
#include "device.h"
#include "log.h"
#include "poller.h"
#include "simproc.h"

struct fixture {
	char			*dir;
	char			 pty[512];
	char			 simlog[512];
	pid_t			 sim;
	struct event_base	*base;
	struct daemon		 d;
};

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (f == NULL || (f->dir = simproc_tmpdir()) == NULL)
		return -1;
	snprintf(f->pty, sizeof(f->pty), "%s/rs485", f->dir);
	snprintf(f->simlog, sizeof(f->simlog), "%s/sim.log", f->dir);
	f->base = event_base_new();
	f->d.base = f->base;
	*state = f;
	return f->base ? 0 : -1;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	daemon_stop(&f->d);
	simproc_stop(f->sim);
	event_base_free(f->base);
	simproc_rmdir(f->dir);
	free(f);
	return 0;
}

/* mews-sim on f->pty with extra arguments, NULL-terminated. */
static pid_t
start_sim(struct fixture *f, ...)
{
	const char *args[32] = { "--pty", f->pty, "--seed", "7" };
	size_t n = 4;
	const char *a;
	va_list ap;

	va_start(ap, f);
	while ((a = va_arg(ap, const char *)) != NULL && n < 31)
		args[n++] = a;
	va_end(ap);
	args[n] = NULL;
	return simproc_start(f->simlog, args);
}

/* Load a configuration of one bus on the pty with these devices. */
static void
apply(struct fixture *f, const char *devices)
{
	struct conf_errors errs = { 0, NULL };
	char path[600];
	struct config *cfg;
	FILE *fp;
	size_t i;

	snprintf(path, sizeof(path), "%s/mews.conf", f->dir);
	fp = fopen(path, "w");
	assert_non_null(fp);
	fprintf(fp, "state_dir = \"%s/state\";\n"
	    "profile_dir = \"%s/modules/profiles\";\n"
	    "buses = ( { name = \"rs485\"; port = \"%s\"; baud = 19200; "
	    "parity = \"none\"; timeout_ms = 200; } );\n"
	    "devices = ( %s );\n", f->dir,
	    getenv("top_srcdir") ? getenv("top_srcdir") : SRCDIR, f->pty,
	    devices);
	fclose(fp);
	cfg = config_load(path, &errs);
	for (i = 0; i < errs.n; i++)
		print_error("%s\n", errs.msgs[i]);
	assert_non_null(cfg);
	assert_int_equal(daemon_apply(&f->d, cfg), 0);
}

#define DEV(id, addr, profile, ms) "{ id = \"" id "\"; bus = \"rs485\"; " \
	"address = " #addr "; profile = \"" profile "\"; poll_ms = " #ms "; }"

static struct device *
dev(struct fixture *f, const char *id)
{
	struct device *d = poller_find(f->d.poller, id);

	assert_non_null(d);
	return d;
}

static double
value(struct fixture *f, const char *id, const char *metric)
{
	const struct device_value *v = device_value(dev(f, id), metric);

	assert_non_null(v);
	if (v->quality != VALUE_OK)
		print_error("%s %s: quality %s\n", id, metric,
		    device_quality_name(v->quality));
	assert_int_equal(v->quality, VALUE_OK);
	return v->value;
}

static void
assert_between(double v, double lo, double hi, const char *what)
{
	if (v < lo || v > hi)
		print_error("%s = %g, not in %g..%g\n", what, v, lo, hi);
	assert_true(v >= lo && v <= hi);
}

struct want_cycles {
	struct fixture	*f;
	const char	*const *ids;
	uint64_t	 cycles;
};

static int
cycles_done(void *arg)
{
	struct want_cycles *w = arg;
	size_t i;

	for (i = 0; w->ids[i] != NULL; i++)
		if (dev(w->f, w->ids[i])->stats.cycles < w->cycles)
			return 0;
	return 1;
}

static void
wait_cycles(struct fixture *f, const char *const *ids, uint64_t n,
    int max_ms)
{
	struct want_cycles w = { f, ids, n };

	assert_true(simproc_run_until(f->base, cycles_done, &w, max_ms));
}

static void
test_every_profile_decoded(void **state)
{
	static const char *const all[] = { "sdm630", "sdm120", "em24",
	    "b23", NULL };
	struct fixture *f = *state;
	double sum;

	f->sim = start_sim(f, "--device", "1:sdm630", "--device", "2:sdm120",
	    "--device", "3:em24", "--device", "4:abb-b23", NULL);
	assert_true(f->sim > 0);
	apply(f, DEV("sdm630", 1, "sdm630", 500) ","
	    DEV("sdm120", 2, "sdm120", 500) "," DEV("em24", 3, "em24", 500)
	    "," DEV("b23", 4, "abb-b23", 500));
	wait_cycles(f, all, 2, 10000);

	/* Float32 high word first. */
	assert_between(value(f, "sdm630", "voltage_l1"), 200, 260, "sdm630 V1");
	assert_between(value(f, "sdm630", "voltage_l12"), 350, 450,
	    "sdm630 V12");
	assert_between(value(f, "sdm630", "frequency"), 49, 51, "sdm630 Hz");
	assert_between(value(f, "sdm630", "power_factor"), -1, 1, "sdm630 PF");
	sum = value(f, "sdm630", "power_l1") + value(f, "sdm630", "power_l2") +
	    value(f, "sdm630", "power_l3");
	assert_between(value(f, "sdm630", "power"), sum - 0.01 * sum - 1,
	    sum + 0.01 * sum + 1, "sdm630 P vs sum of phases");
	assert_true(value(f, "sdm630", "energy_import") > 0);
	assert_between(value(f, "sdm120", "voltage_l1"), 200, 260, "sdm120 V");
	assert_between(value(f, "sdm120", "frequency"), 49, 51, "sdm120 Hz");
	/* Int32 low word first, scaled. */
	assert_between(value(f, "em24", "voltage_l1"), 200, 260, "em24 V1");
	assert_between(value(f, "em24", "current_l1"), 0, 100, "em24 I1");
	assert_between(value(f, "em24", "frequency"), 49, 51, "em24 Hz");
	assert_true(value(f, "em24", "energy_import") > 0);
	/* u64 energy, u32/s32/u16 scaled. */
	assert_between(value(f, "b23", "voltage_l1"), 200, 260, "b23 V1");
	assert_between(value(f, "b23", "frequency"), 49, 51, "b23 Hz");
	assert_between(value(f, "b23", "power_factor"), -1, 1, "b23 PF");
	assert_true(value(f, "b23", "energy_import") > 0);
	/* Everyone online, nothing lost on a clean line. */
	assert_true(dev(f, "sdm630")->online);
	assert_int_equal(bus_stats(daemon_bus(&f->d, "rs485"))->timeouts, 0);
	assert_int_equal(bus_stats(daemon_bus(&f->d, "rs485"))->crc_errors, 0);
}

static void
test_energy_rises(void **state)
{
	static const char *const ids[] = { "m", NULL };
	struct fixture *f = *state;
	double first;

	f->sim = start_sim(f, "--device", "1:sdm630", NULL);
	assert_true(f->sim > 0);
	apply(f, DEV("m", 1, "sdm630", 200));
	wait_cycles(f, ids, 1, 5000);
	first = value(f, "m", "energy_import");
	wait_cycles(f, ids, 12, 10000);
	assert_true(value(f, "m", "energy_import") >= first);
}

/*
 * A dead device: one request and one timeout per cycle (no retries
 * clogging the line), offline after three, and the live ones keep their
 * pace meanwhile.
 */
static void
test_dead_device_costs_one_timeout(void **state)
{
	static const char *const live[] = { "a", "c", NULL };
	struct fixture *f = *state;
	const struct device *dead;

	f->sim = start_sim(f, "--device", "1:sdm630", "--device", "2:sdm120",
	    "--device", "3:em24", "--dead", "2", NULL);
	assert_true(f->sim > 0);
	apply(f, DEV("a", 1, "sdm630", 400) "," DEV("b", 2, "sdm120", 400)
	    "," DEV("c", 3, "em24", 400));
	wait_cycles(f, live, 8, 10000);
	dead = dev(f, "b");
	assert_false(dead->online);
	assert_true(dead->stats.timeouts >= 3);
	/* every request it was sent timed out: one per cycle, no second */
	assert_int_equal(dead->stats.requests, dead->stats.timeouts);
	assert_int_equal(dead->stats.replies, 0);
	assert_true(dev(f, "a")->online);
	assert_true(dev(f, "c")->online);
	assert_int_equal(dev(f, "a")->stats.timeouts, 0);
	assert_int_equal(dev(f, "c")->stats.timeouts, 0);
	/* its values were never read */
	assert_int_equal(device_value(dead, "voltage_l1")->quality, VALUE_NONE);
}

struct want_fresh {
	struct fixture	*f;
	const char	*id[2];
	const char	*metric[2];
};

static int
values_fresh(void *arg)
{
	struct want_fresh *w = arg;
	int i;

	for (i = 0; i < 2; i++)
		if (device_value(dev(w->f, w->id[i]), w->metric[i])->quality !=
		    VALUE_OK)
			return 0;
	return 1;
}

static void
test_noise_and_crc_errors(void **state)
{
	static const char *const ids[] = { "a", "b", NULL };
	struct fixture *f = *state;
	const struct bus_stats *st;

	f->sim = start_sim(f, "--device", "1:sdm630", "--device", "2:em24",
	    "--garbage-rate", "0.1", "--crc-error-rate", "0.2", NULL);
	assert_true(f->sim > 0);
	apply(f, DEV("a", 1, "sdm630", 200) "," DEV("b", 2, "em24", 200));
	wait_cycles(f, ids, 10, 20000);
	st = bus_stats(daemon_bus(&f->d, "rs485"));
	assert_true(st->crc_errors > 0);
	assert_true(st->garbage > 0);
	/* a damaged reply is retried, not a failed cycle */
	assert_true(dev(f, "a")->stats.crc_errors < st->crc_errors);
	/* what was decoded is right despite the noise */
	{
		struct want_fresh w = { f, { "a", "b" },
		    { "voltage_l1", "frequency" } };

		assert_true(simproc_run_until(f->base, values_fresh, &w,
		    10000));
	}
	assert_between(value(f, "a", "voltage_l1"), 200, 260, "V1 under noise");
	assert_between(value(f, "b", "frequency"), 49, 51, "Hz under noise");
}

static int
device_online(void *arg)
{
	const struct device *d = arg;

	return d->online;
}

static int
device_offline(void *arg)
{
	const struct device *d = arg;

	return !d->online;
}

static int
bus_down(void *arg)
{
	return !bus_is_up(arg);
}

/*
 * The simulator goes away (the pty closes), comes back without device 2
 * (unplugged), then with it: the port is reopened by itself and device 2
 * is polled again by itself.
 */
static void
test_port_and_device_come_back(void **state)
{
	static const char *const ids[] = { "a", "b", NULL };
	struct fixture *f = *state;
	struct bus *bus;
	struct device *a, *b;

	f->sim = start_sim(f, "--device", "1:sdm120", "--device", "2:sdm120",
	    NULL);
	assert_true(f->sim > 0);
	apply(f, DEV("a", 1, "sdm120", 200) "," DEV("b", 2, "sdm120", 200));
	wait_cycles(f, ids, 2, 5000);
	bus = daemon_bus(&f->d, "rs485");
	a = dev(f, "a");
	b = dev(f, "b");

	simproc_stop(f->sim);
	f->sim = -1;
	assert_true(simproc_run_until(f->base, bus_down, bus, 5000));
	assert_true(bus_stats(bus)->port_lost >= 1);

	f->sim = start_sim(f, "--device", "1:sdm120", NULL);
	assert_true(f->sim > 0);
	assert_true(simproc_run_until(f->base, device_offline, b, 10000));
	assert_true(simproc_run_until(f->base, device_online, a, 10000));
	assert_true(bus_is_up(bus));

	simproc_stop(f->sim);
	f->sim = start_sim(f, "--device", "1:sdm120", "--device", "2:sdm120",
	    NULL);
	assert_true(f->sim > 0);
	assert_true(simproc_run_until(f->base, device_online, b, 20000));
	assert_between(value(f, "b", "voltage_l1"), 200, 260, "V after return");
}

/* A reload keeps the bus and the live values of unchanged devices. */
static void
test_reload_keeps_values(void **state)
{
	static const char *const ids[] = { "a", NULL };
	struct fixture *f = *state;
	struct bus *before;
	uint64_t cycles;

	f->sim = start_sim(f, "--device", "1:sdm120", "--device", "2:em24",
	    NULL);
	assert_true(f->sim > 0);
	apply(f, DEV("a", 1, "sdm120", 200));
	wait_cycles(f, ids, 3, 5000);
	before = daemon_bus(&f->d, "rs485");
	cycles = dev(f, "a")->stats.cycles;
	apply(f, DEV("a", 1, "sdm120", 200) "," DEV("b", 2, "em24", 200));
	assert_ptr_equal(daemon_bus(&f->d, "rs485"), before);
	assert_true(dev(f, "a")->stats.cycles >= cycles);
	assert_true(dev(f, "a")->online);
	assert_int_equal(device_value(dev(f, "a"), "voltage_l1")->quality,
	    VALUE_OK);
	assert_true(simproc_run_until(f->base, device_online, dev(f, "b"),
	    5000));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_every_profile_decoded,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_energy_rises, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_dead_device_costs_one_timeout, setup, teardown),
		cmocka_unit_test_setup_teardown(test_noise_and_crc_errors,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_port_and_device_come_back, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reload_keeps_values,
		    setup, teardown),
	};

	log_init("test_poller", 1, getenv("MEWS_TEST_DEBUG") ?
	    LOG_LEVEL_DEBUG : LOG_LEVEL_WARN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
