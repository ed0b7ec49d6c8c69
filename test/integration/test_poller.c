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

#include "base/log.h"
#include "base/services.h"
#include "checks.h"
#include "config/config.h"
#include "devices/device.h"
#include "devices/poller.h"
#include "modbus/bus.h"
#include "simproc.h"
#include "testbed.h"

struct fixture {
	struct testbed		 tb;
};

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	*state = f;
	return f != NULL ? testbed_init(&f->tb) : -1;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	testbed_fini(&f->tb);
	free(f);
	return 0;
}

/* mews-sim on the pty with these arguments, NULL-terminated. */
#define start_sim(f, ...) testbed_sim(&(f)->tb, "--seed", "7", __VA_ARGS__)

/* One bus on the pty with these devices, as a reload would apply it. */
static void
apply(struct fixture *f, const char *devices)
{
	assert_int_equal(testbed_apply(&f->tb, devices), 0);
}

#define DEV(id, addr, profile, ms) "{ id = \"" id "\"; bus = \"rs485\"; " \
	"address = " #addr "; profile = \"" profile "\"; poll_ms = " #ms "; }"

static struct device *
dev(struct fixture *f, const char *id)
{
	struct device *d = testbed_device(&f->tb, id);

	assert_non_null(d);
	return d;
}

static double
value(struct fixture *f, const char *id, const char *metric)
{
	return check_value(dev(f, id), metric);
}

static void
wait_cycles(struct fixture *f, const char *const *ids, uint64_t n,
    int max_ms)
{
	assert_true(testbed_wait_cycles(&f->tb, ids, n, max_ms));
}

static void
test_every_profile_decoded(void **state)
{
	static const char *const all[] = { "sdm630", "sdm120", "em24",
	    "b23", NULL };
	struct fixture *f = *state;
	double sum;

	f->tb.sim = start_sim(f, "--device", "1:sdm630", "--device", "2:sdm120",
	    "--device", "3:em24", "--device", "4:abb-b23", NULL);
	assert_true(f->tb.sim > 0);
	apply(f, DEV("sdm630", 1, "sdm630", 500) ","
	    DEV("sdm120", 2, "sdm120", 500) "," DEV("em24", 3, "em24", 500)
	    "," DEV("b23", 4, "abb-b23", 500));
	wait_cycles(f, all, 2, 10000);

	/* Float32 high word first. */
	check_between(value(f, "sdm630", "voltage_l1"), 200, 260, "sdm630 V1");
	check_between(value(f, "sdm630", "voltage_l12"), 350, 450,
	    "sdm630 V12");
	check_between(value(f, "sdm630", "frequency"), 49, 51, "sdm630 Hz");
	check_between(value(f, "sdm630", "power_factor"), -1, 1, "sdm630 PF");
	sum = value(f, "sdm630", "power_l1") + value(f, "sdm630", "power_l2") +
	    value(f, "sdm630", "power_l3");
	check_between(value(f, "sdm630", "power"), sum - 0.01 * sum - 1,
	    sum + 0.01 * sum + 1, "sdm630 P vs sum of phases");
	assert_true(value(f, "sdm630", "energy_import") > 0);
	check_between(value(f, "sdm120", "voltage_l1"), 200, 260, "sdm120 V");
	check_between(value(f, "sdm120", "frequency"), 49, 51, "sdm120 Hz");
	/* Int32 low word first, scaled. */
	check_between(value(f, "em24", "voltage_l1"), 200, 260, "em24 V1");
	check_between(value(f, "em24", "current_l1"), 0, 100, "em24 I1");
	check_between(value(f, "em24", "frequency"), 49, 51, "em24 Hz");
	assert_true(value(f, "em24", "energy_import") > 0);
	/* u64 energy, u32/s32/u16 scaled. */
	check_between(value(f, "b23", "voltage_l1"), 200, 260, "b23 V1");
	check_between(value(f, "b23", "frequency"), 49, 51, "b23 Hz");
	check_between(value(f, "b23", "power_factor"), -1, 1, "b23 PF");
	assert_true(value(f, "b23", "energy_import") > 0);
	/* Everyone online, nothing lost on a clean line. */
	assert_true(dev(f, "sdm630")->online);
	assert_int_equal(bus_stats(testbed_bus(&f->tb))->timeouts, 0);
	assert_int_equal(bus_stats(testbed_bus(&f->tb))->crc_errors, 0);
}

static void
test_energy_rises(void **state)
{
	static const char *const ids[] = { "m", NULL };
	struct fixture *f = *state;
	double first;

	f->tb.sim = start_sim(f, "--device", "1:sdm630", NULL);
	assert_true(f->tb.sim > 0);
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

	f->tb.sim = start_sim(f, "--device", "1:sdm630", "--device", "2:sdm120",
	    "--device", "3:em24", "--dead", "2", NULL);
	assert_true(f->tb.sim > 0);
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

	f->tb.sim = start_sim(f, "--device", "1:sdm630", "--device", "2:em24",
	    "--garbage-rate", "0.1", "--crc-error-rate", "0.2", NULL);
	assert_true(f->tb.sim > 0);
	apply(f, DEV("a", 1, "sdm630", 200) "," DEV("b", 2, "em24", 200));
	wait_cycles(f, ids, 10, 20000);
	st = bus_stats(testbed_bus(&f->tb));
	assert_true(st->crc_errors > 0);
	assert_true(st->garbage > 0);
	/* a damaged reply is retried, not a failed cycle */
	assert_true(dev(f, "a")->stats.crc_errors < st->crc_errors);
	/* what was decoded is right despite the noise */
	{
		struct want_fresh w = { f, { "a", "b" },
		    { "voltage_l1", "frequency" } };

		assert_true(simproc_run_until(f->tb.base, values_fresh, &w,
		    10000));
	}
	check_between(value(f, "a", "voltage_l1"), 200, 260, "V1 under noise");
	check_between(value(f, "b", "frequency"), 49, 51, "Hz under noise");
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

	f->tb.sim = start_sim(f, "--device", "1:sdm120", "--device", "2:sdm120",
	    NULL);
	assert_true(f->tb.sim > 0);
	apply(f, DEV("a", 1, "sdm120", 200) "," DEV("b", 2, "sdm120", 200));
	wait_cycles(f, ids, 2, 5000);
	bus = testbed_bus(&f->tb);
	a = dev(f, "a");
	b = dev(f, "b");

	simproc_stop(f->tb.sim);
	f->tb.sim = -1;
	assert_true(simproc_run_until(f->tb.base, bus_down, bus, 5000));
	assert_true(bus_stats(bus)->port_lost >= 1);

	f->tb.sim = start_sim(f, "--device", "1:sdm120", NULL);
	assert_true(f->tb.sim > 0);
	assert_true(simproc_run_until(f->tb.base, device_offline, b, 10000));
	assert_true(simproc_run_until(f->tb.base, device_online, a, 10000));
	assert_true(bus_is_up(bus));

	simproc_stop(f->tb.sim);
	f->tb.sim = start_sim(f, "--device", "1:sdm120", "--device", "2:sdm120",
	    NULL);
	assert_true(f->tb.sim > 0);
	assert_true(simproc_run_until(f->tb.base, device_online, b, 20000));
	check_between(value(f, "b", "voltage_l1"), 200, 260, "V after return");
}

/* A reload keeps the bus and the live values of unchanged devices. */
static void
test_reload_keeps_values(void **state)
{
	static const char *const ids[] = { "a", NULL };
	struct fixture *f = *state;
	struct bus *before;
	uint64_t cycles;

	f->tb.sim = start_sim(f, "--device", "1:sdm120", "--device", "2:em24",
	    NULL);
	assert_true(f->tb.sim > 0);
	apply(f, DEV("a", 1, "sdm120", 200));
	wait_cycles(f, ids, 3, 5000);
	before = testbed_bus(&f->tb);
	cycles = dev(f, "a")->stats.cycles;
	apply(f, DEV("a", 1, "sdm120", 200) "," DEV("b", 2, "em24", 200));
	assert_ptr_equal(testbed_bus(&f->tb), before);
	assert_true(dev(f, "a")->stats.cycles >= cycles);
	assert_true(dev(f, "a")->online);
	assert_int_equal(device_value(dev(f, "a"), "voltage_l1")->quality,
	    VALUE_OK);
	assert_true(simproc_run_until(f->tb.base, device_online, dev(f, "b"),
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
