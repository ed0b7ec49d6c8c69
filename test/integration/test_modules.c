/*
 * The module-backed kinds end to end: mews-sim serving a pulse counter, a
 * breaker and an output module in the layout of their reference profiles,
 * and the daemon's own buses and poller (daemon_apply) reading them and
 * sending them commands on a real event loop.  Every wait is bounded; the
 * simulator is stopped by pid in teardown whatever happened.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include <event2/event.h>

#include "base/clock.h"
#include "base/log.h"
#include "base/services.h"
#include "checks.h"
#include "config/config.h"
#include "devices/device.h"
#include "devices/poller.h"
#include "modbus/bus.h"
#include "modules/kinds.h"
#include "sim/sim.h"
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
#define start_sim(f, ...) testbed_sim(&(f)->tb, "--seed", "11", "-v", __VA_ARGS__)

/* The devices of every test: what the simulator serves at 1, 10, 11, 12. */
#define ON_BUS		"bus = \"rs485\"; poll_ms = 200; "
#define DEVICES								\
	"{ id = \"water\"; " ON_BUS "address = 10; "			\
	"profile = \"pulse-counter\"; channel = 1; medium = \"water\"; "\
	"weight = 1000.0; offset = 1234.5; },"				\
	"{ id = \"gas\"; " ON_BUS "address = 10; "			\
	"profile = \"pulse-counter\"; channel = 2; medium = \"gas\"; "	\
	"weight = 100.0; },"						\
	"{ id = \"brk\"; " ON_BUS "address = 11; profile = \"breaker\"; },"\
	"{ id = \"out1\"; " ON_BUS "address = 12; profile = \"output\"; "\
	"channel = 1; },"						\
	"{ id = \"out2\"; " ON_BUS "address = 12; profile = \"output\"; "\
	"channel = 2; },"						\
	"{ id = \"meter\"; " ON_BUS "address = 1; profile = \"sdm120\"; }"

/* All the devices above, answering or not. */
static const char *const all_ids[] = { "water", "gas", "brk", "out1",
    "out2", "meter", NULL };

/* One bus on the pty with DEVICES, as a reload would apply it. */
static void
apply(struct fixture *f)
{
	assert_int_equal(testbed_apply(&f->tb, DEVICES), 0);
}

/* The simulator with every device, and the daemon polling them. */
static void
start_all(struct fixture *f)
{
	f->tb.sim = start_sim(f, "--device", "1:sdm120", "--device",
	    "10:pulse-counter", "--device", "11:breaker", "--device",
	    "12:output", NULL);
	assert_true(f->tb.sim > 0);
	apply(f);
}

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

/* Until id has done n more cycles. */
static void
wait_more_cycles(struct fixture *f, const char *id, uint64_t n, int max_ms)
{
	const char *ids[] = { id, NULL };

	wait_cycles(f, ids, dev(f, id)->stats.cycles + n, max_ms);
}

struct want_value {
	struct fixture	*f;
	const char	*id;
	const char	*metric;
	double		 want;
};

static int
value_is(void *arg)
{
	struct want_value *w = arg;
	const struct device_value *v = device_value(dev(w->f, w->id),
	    w->metric);

	return v != NULL && v->quality == VALUE_OK && v->value == w->want;
}

/* Until id's metric reads want; fails after max_ms. */
static void
wait_value(struct fixture *f, const char *id, const char *metric,
    double want, int max_ms)
{
	struct want_value w = { f, id, metric, want };

	if (!simproc_run_until(f->tb.base, value_is, &w, max_ms)) {
		const struct device_value *v = device_value(dev(f, id),
		    metric);

		print_error("%s %s: wanted %g within %d ms, have %g (%s)\n",
		    id, metric, want, max_ms, v ? v->value : -1,
		    v ? device_quality_name(v->quality) : "no such metric");
		fail();
	}
}

/* What a command's or a raw request's callback got. */
struct outcome {
	int		 done;
	enum txn_result	 res;
	uint8_t		 pdu[16];
	size_t		 len;
};

static void
outcome_take(void *arg, enum txn_result res, const uint8_t *pdu,
    size_t len)
{
	struct outcome *o = arg;

	o->done++;
	o->res = res;
	o->len = res == TXN_OK && len <= sizeof(o->pdu) ? len : 0;
	if (o->len)
		memcpy(o->pdu, pdu, o->len);
}

static int
outcome_done(void *arg)
{
	return ((struct outcome *)arg)->done;
}

/* Send a command and wait for its outcome; 3 s is many timeouts. */
static void
command(struct fixture *f, const char *id, const char *name, double arg,
    struct outcome *o)
{
	char err[256] = "";

	int rc;

	memset(o, 0, sizeof(*o));
	if ((rc = poller_command(f->tb.d.poller, id, name, arg, outcome_take, o,
	    err, sizeof(err))) != 0)
		print_error("%s %s %g: %s\n", id, name, arg, err);
	assert_int_equal(rc, 0);
	/* one at a time per device */
	assert_int_equal(poller_command(f->tb.d.poller, id, name, arg,
	    outcome_take, o, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "in flight"));
	assert_true(simproc_run_until(f->tb.base, outcome_done, o, 3000));
	assert_int_equal(o->done, 1);
}

/* A command the device took: a write echoed back, no exception. */
static void
command_ok(struct fixture *f, const char *id, const char *name, double arg)
{
	struct outcome o;

	command(f, id, name, arg, &o);
	if (o.res != TXN_OK)
		print_error("%s %s: result %d\n", id, name, o.res);
	assert_int_equal(o.res, TXN_OK);
	assert_int_equal(o.len, 5);
	assert_int_equal(o.pdu[0], 6);	/* not 0x86: no exception */
}

/*
 * (1) Each channel is its own device, named by its medium, reading the
 * meter's index (offset + pulses / weight) that only rises, at the pace
 * of 1 to 10 pulses a second the simulator gives its inputs.
 */
static void
test_pulse_counter(void **state)
{
	static const char *const ids[] = { "water", "gas", NULL };
	struct fixture *f = *state;
	double w1, g1, w2, g2, wr, gr;
	uint64_t t1, t2;

	start_all(f);
	wait_cycles(f, ids, 2, 5000);
	assert_true(dev(f, "water")->online);
	assert_true(dev(f, "gas")->online);

	/* metric names per medium, and nothing else */
	assert_int_equal(dev(f, "water")->nvalues, 1);
	assert_int_equal(dev(f, "gas")->nvalues, 1);
	assert_string_equal(dev(f, "water")->values[0].metric, "water_volume");
	assert_string_equal(dev(f, "gas")->values[0].metric, "gas_volume");
	assert_null(device_value(dev(f, "water"), "gas_volume"));
	assert_null(device_value(dev(f, "gas"), "water_volume"));
	assert_null(device_value(dev(f, "water"), "energy_import"));
	assert_string_equal(dev(f, "water")->values[0].info->unit, "m3");

	w1 = value(f, "water", "water_volume");
	g1 = value(f, "gas", "gas_volume");
	t1 = clock_now_us();
	assert_true(w1 >= 1234.5);
	/* the simulator's counts start below 500000 pulses */
	assert_true(w1 < 1234.5 + 500000 / 1000.0 + 100);
	assert_true(g1 >= 0 && g1 < 500000 / 100.0 + 100);

	/* rising from cycle to cycle, by whole pulses */
	wait_more_cycles(f, "water", 10, 5000);
	wait_more_cycles(f, "gas", 1, 2000);
	w2 = value(f, "water", "water_volume");
	g2 = value(f, "gas", "gas_volume");
	t2 = clock_now_us();
	assert_true(w2 > w1);
	assert_true(g2 > g1);
	wr = (w2 - w1) * 1000 / ((double)(t2 - t1) / 1e6);
	gr = (g2 - g1) * 100 / ((double)(t2 - t1) / 1e6);
	if (wr < 0.3 || wr > 15 || gr < 0.3 || gr > 15)
		print_error("pulse rates %g and %g a second\n", wr, gr);
	assert_true(wr >= 0.3 && wr <= 15);
	assert_true(gr >= 0.3 && gr <= 15);
	/* whole pulses: this water index moves by litres */
	assert_true(fabs((w2 - 1234.5) * 1000 - nearbyint((w2 - 1234.5) *
	    1000)) < 1e-6);
}

/* The breaker's settings as the daemon loaded them from breaker.conf. */
static const struct breaker_profile *
breaker_settings(struct fixture *f)
{
	size_t i;

	for (i = 0; i < f->tb.d.cfg->ndevices; i++)
		if (strcmp(f->tb.d.cfg->devices[i].id, "brk") == 0)
			return f->tb.d.cfg->devices[i].profile->module_data;
	fail();
	return NULL;
}

/*
 * A raw write of the simulator's trip value to the breaker's command
 * register, as no daemon command would send it: the fault a test needs.
 */
static void
raw_trip(struct fixture *f)
{
	uint16_t reg = breaker_settings(f)->command_address;
	const uint8_t pdu[5] = { 6, reg >> 8, reg & 0xFF,
	    SIM_BREAKER_TRIP >> 8, SIM_BREAKER_TRIP & 0xFF };
	struct outcome o = { 0 };
	struct bus_request req = {
		.unit = 11,
		.pdu = pdu,
		.pdu_len = sizeof(pdu),
		.prio = QUEUE_PRIO_HIGH,
		.done = outcome_take,
		.arg = &o,
	};

	assert_non_null(bus_submit(testbed_bus(&f->tb), &req));
	assert_true(simproc_run_until(f->tb.base, outcome_done, &o, 3000));
	assert_int_equal(o.res, TXN_OK);
	assert_int_equal(o.len, 5);
	assert_memory_equal(o.pdu, pdu, 5);	/* FC6 echoes the request */
}

/* A refused command: -1, a reason naming each of what, nothing sent. */
static void
refused(struct fixture *f, const char *id, const char *name, double arg,
    const char *what1, const char *what2)
{
	struct outcome o = { 0 };
	char err[256] = "";

	assert_int_equal(poller_command(f->tb.d.poller, id, name, arg,
	    outcome_take, &o, err, sizeof(err)), -1);
	if (strstr(err, what1) == NULL || strstr(err, what2) == NULL)
		print_error("%s %s %g: '%s' names not both of '%s', '%s'\n",
		    id, name, arg, err, what1, what2);
	assert_non_null(strstr(err, what1));
	assert_non_null(strstr(err, what2));
	simproc_run_for(f->tb.base, 50);
	assert_int_equal(o.done, 0);
}

/*
 * (2) Closed at start; open and close switch it; a trip (the simulator's
 * fault) leaves it tripped until reset, whatever close says; each change
 * shows within a few cycles, as the poller reads again after a command.
 */
static void
test_breaker(void **state)
{
	static const char *const ids[] = { "brk", NULL };
	struct fixture *f = *state;

	start_all(f);
	wait_cycles(f, ids, 1, 5000);
	assert_true(value(f, "brk", "state") == BREAKER_CLOSED);
	assert_true(value(f, "brk", "trips") == 0);

	command_ok(f, "brk", "open", 0);
	wait_value(f, "brk", "state", BREAKER_OPEN, 1000);
	command_ok(f, "brk", "close", 0);
	wait_value(f, "brk", "state", BREAKER_CLOSED, 1000);
	assert_true(value(f, "brk", "trips") == 0);

	raw_trip(f);
	wait_value(f, "brk", "state", BREAKER_TRIPPED, 2000);
	assert_true(value(f, "brk", "trips") == 1);

	/*
	 * A tripped breaker would take a close on the wire and stay tripped:
	 * its state offers reset alone, and the poller refuses, saying why.
	 */
	refused(f, "brk", "close", 0, "is Tripped", "reset");
	wait_more_cycles(f, "brk", 3, 3000);
	assert_true(value(f, "brk", "state") == BREAKER_TRIPPED);

	command_ok(f, "brk", "reset", 0);
	wait_value(f, "brk", "state", BREAKER_OPEN, 1000);
	/* reset when not tripped changes nothing */
	command_ok(f, "brk", "reset", 0);
	wait_more_cycles(f, "brk", 2, 3000);
	assert_true(value(f, "brk", "state") == BREAKER_OPEN);
	command_ok(f, "brk", "close", 0);
	wait_value(f, "brk", "state", BREAKER_CLOSED, 1000);
	assert_true(value(f, "brk", "trips") == 1);
	assert_int_equal(dev(f, "brk")->stats.exceptions, 0);
}

/*
 * (3) A relay switched on and off, and pulsed for a time the device
 * keeps; the other relay of the same module never moves.
 */
static void
test_output(void **state)
{
	static const char *const ids[] = { "out1", "out2", NULL };
	struct fixture *f = *state;
	uint64_t t0, t1;

	start_all(f);
	wait_cycles(f, ids, 1, 5000);
	assert_true(value(f, "out1", "state") == 0);
	assert_true(value(f, "out2", "state") == 0);

	command_ok(f, "out1", "on", 0);
	wait_value(f, "out1", "state", 1, 1000);
	wait_more_cycles(f, "out2", 1, 2000);
	assert_true(value(f, "out2", "state") == 0);
	/* on again: no change */
	command_ok(f, "out1", "on", 0);
	wait_more_cycles(f, "out1", 2, 2000);
	assert_true(value(f, "out1", "state") == 1);
	command_ok(f, "out1", "off", 0);
	wait_value(f, "out1", "state", 0, 1000);

	t0 = clock_now_us();
	command_ok(f, "out1", "pulse", 300);
	/* read again at once, well inside the pulse */
	wait_value(f, "out1", "state", 1, 1000);
	wait_value(f, "out1", "state", 0, 2000);
	t1 = clock_now_us();
	/* not before the pulse could have ended (no tight upper bound) */
	assert_true(t1 - t0 >= 300000);
	assert_true(value(f, "out2", "state") == 0);

	/* the other channel on its own */
	command_ok(f, "out2", "on", 0);
	wait_value(f, "out2", "state", 1, 1000);
	wait_more_cycles(f, "out1", 2, 2000);
	assert_true(value(f, "out1", "state") == 0);
	command_ok(f, "out2", "off", 0);
	wait_value(f, "out2", "state", 0, 1000);
	assert_int_equal(dev(f, "out1")->stats.exceptions, 0);
	assert_int_equal(dev(f, "out2")->stats.exceptions, 0);
}

/* How many lines of the simulator's log (-v) hold s. */
static int
simlog_count(struct fixture *f, const char *s)
{
	char line[512];
	FILE *fp;
	int n = 0;

	if ((fp = fopen(f->tb.simlog, "r")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), fp) != NULL)
		if (strstr(line, s) != NULL)
			n++;
	fclose(fp);
	return n;
}


/* (4) What cannot be sent is refused before it reaches the line. */
static void
test_command_errors(void **state)
{
	struct fixture *f = *state;

	start_all(f);
	wait_cycles(f, all_ids, 1, 5000);

	refused(f, "brk", "explode", 0, "brk", "has no command explode");
	/* an output's command */
	refused(f, "brk", "on", 0, "brk", "has no command on");
	refused(f, "out1", "pulse", 0, "out1", "pulse does not take 0");
	refused(f, "out1", "pulse", 65536, "out1",
	    "pulse does not take 65536");
	/* a breaker's command */
	refused(f, "out1", "open", 0, "out1", "has no command open");
	/* a meter has no commands */
	refused(f, "meter", "open", 0, "meter", "takes no commands");
	refused(f, "nosuch", "open", 0, "nosuch", "no device");
	/* a pulse counter neither */
	refused(f, "water", "reset", 0, "water", "takes no commands");

	/* nothing reached a device: the simulator saw no write (-v) */
	wait_more_cycles(f, "brk", 1, 2000);
	assert_int_equal(simlog_count(f, "function 6"), 0);
	assert_int_equal(simlog_count(f, "function 5"), 0);
	assert_true(value(f, "brk", "state") == BREAKER_CLOSED);
	assert_true(value(f, "out1", "state") == 0);
}

/* (5) A command to a device that does not answer times out, once. */
static void
test_command_dead(void **state)
{
	static const char *const live[] = { "out1", NULL };
	struct fixture *f = *state;
	struct outcome o;
	uint64_t t0;

	f->tb.sim = start_sim(f, "--device", "1:sdm120", "--device",
	    "10:pulse-counter", "--device", "11:breaker", "--device",
	    "12:output", "--dead", "11", NULL);
	assert_true(f->tb.sim > 0);
	apply(f);
	wait_cycles(f, live, 1, 5000);

	t0 = clock_now_us();
	command(f, "brk", "open", 0, &o);
	assert_int_equal(o.res, TXN_TIMEOUT);
	/*
	 * One try of the bus's 200 ms, no retry (a pulse sent twice is two
	 * pulses): the simulator saw the write once (-v).
	 */
	assert_true(clock_now_us() - t0 >= 200000);
	assert_int_equal(simlog_count(f, "function 6"), 1);
	assert_int_not_equal(device_value(dev(f, "brk"), "state")->quality,
	    VALUE_OK);
	/* the live ones are not held up */
	command_ok(f, "out1", "on", 0);
	wait_value(f, "out1", "state", 1, 1000);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_pulse_counter, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_breaker, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_output, setup, teardown),
		cmocka_unit_test_setup_teardown(test_command_errors, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_command_dead, setup,
		    teardown),
	};

	log_init("test_modules", 1, getenv("MEWS_TEST_DEBUG") ?
	    LOG_LEVEL_DEBUG : LOG_LEVEL_WARN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
