/*
 * core/config/config.c: each mistake mewsd -t must catch, reported at its
 * file and line, and the datasheet's defaults when keys are left out.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "config/config.h"
#include "config/profile.h"
#include "conftmp.h"

static int
setup(void **state)
{
	(void)state;
	if (conftmp_setup("config") == -1 ||
	    conftmp_profile("testmeter", "manufacturer = \"Test\";\n"
	    "model = \"T1\";\nregisters = ( { metric = \"voltage_l1\"; "
	    "unit = \"V\"; function = 4; address = 0; "
	    "type = \"float32\"; } );\n") == -1 ||
	    conftmp_profile("broken", "manufacturer = \"Test\";\n"
	    "model = \"T2\";\nregisters = ( { metric = \"volts\"; "
	    "unit = \"V\"; function = 4; address = 0; "
	    "type = \"float32\"; } );\n") == -1)
		return -1;
	return conftmp_profile("pulses", "manufacturer = \"Test\";\n"
	    "model = \"P4\";\nmodule = \"pulse-counter\";\nchannels = 4;\n"
	    "counter = { function = 4; address = 0; type = \"u32\"; };\n");
}

static int
teardown(void **state)
{
	(void)state;
	return conftmp_teardown();
}

/*
 * The text goes after a fixed two-line preamble (profile_dir, state_dir):
 * its first line is line 3 of the file.
 */
static struct config *
load(const char *text, struct conf_errors *errs)
{
	FILE *f = fopen(conf_path, "w");

	assert_non_null(f);
	fprintf(f, "profile_dir = \"profiles\";\nstate_dir = \"/tmp/x\";\n%s",
	    text);
	fclose(f);
	return config_load(conf_path, errs);
}

#define BUS	"buses = ( { name = \"rs485\"; port = \"/dev/ttyS0\"; } );\n"
#define DEVICE(extra) "devices = ( { id = \"main\"; bus = \"rs485\"; " \
	"address = 1; profile = \"testmeter\"; " extra " } );\n"

/* Loading text must fail with exactly one error: LINE and a substring. */
static void
expect_error(const char *text, int line, const char *what)
{
	struct conf_errors errs = { 0, NULL };
	struct config *cfg = load(text, &errs);
	char prefix[600];
	size_t i;
	int found = 0;

	assert_null(cfg);
	assert_true(errs.n >= 1);
	snprintf(prefix, sizeof(prefix), "%s:%d: ", conf_path, line);
	for (i = 0; i < errs.n; i++)
		if (strncmp(errs.msgs[i], prefix, strlen(prefix)) == 0 &&
		    strstr(errs.msgs[i], what) != NULL)
			found = 1;
	if (!found)
		for (i = 0; i < errs.n; i++)
			print_error("got: %s (want %s...%s)\n", errs.msgs[i],
			    prefix, what);
	assert_true(found);
	conf_errors_free(&errs);
}

static void
test_valid_and_defaults(void **state)
{
	struct conf_errors errs = { 0, NULL };
	struct config *cfg;

	(void)state;
	cfg = load(BUS DEVICE(""), &errs);
	assert_int_equal(errs.n, 0);
	assert_non_null(cfg);
	assert_int_equal(cfg->nbuses, 1);
	assert_int_equal(cfg->buses[0].baud, 19200);
	assert_int_equal(cfg->buses[0].parity, CONFIG_PARITY_EVEN);
	assert_int_equal(cfg->buses[0].stop_bits, 1);
	assert_int_equal(cfg->buses[0].timeout_ms, 300);
	assert_int_equal(cfg->buses[0].silence_us, -1);
	assert_int_equal(cfg->buses[0].turnaround_ms, 100);
	assert_int_equal(cfg->http.https_port, 443);
	assert_int_equal(cfg->http.http_port, 80);
	assert_int_equal(cfg->http.max_connections, 256);
	assert_int_equal(cfg->http.max_connections_per_address, 64);
	assert_int_equal(cfg->modbus_tcp.port, 502);
	assert_int_equal(cfg->modbus_tcp.max_clients, 32);
	assert_int_equal(cfg->modbus_tcp.idle_timeout_s, 60);
	assert_int_equal(cfg->modbus_tcp.max_pending, 16);
	assert_int_equal(cfg->modbus_tcp.retries, 0);
	assert_int_equal(cfg->modbus_tcp.unit_id, 0);
	assert_int_equal(cfg->modbus_tcp.nroutes, 0);
	assert_int_equal(cfg->ftp.port, 21);
	assert_true(cfg->ftp.enabled);
	assert_true(cfg->ftp.require_tls);
	assert_int_equal(cfg->ftp.passive_first, 50000);
	assert_int_equal(cfg->ftp.passive_last, 50099);
	assert_int_equal(cfg->ftp.max_sessions, 16);
	assert_int_equal(cfg->ftp.max_sessions_per_address, 4);
	assert_int_equal(cfg->ftp.idle_timeout_s, 300);
	assert_int_equal(cfg->ndevices, 1);
	assert_ptr_equal(cfg->devices[0].bus, &cfg->buses[0]);
	assert_int_equal(cfg->devices[0].poll_ms, 1000);
	assert_string_equal(cfg->devices[0].name, "main");
	assert_string_equal(cfg->devices[0].profile->name, "testmeter");
	/* relative to the file's folder */
	assert_string_equal(cfg->profile_dir + strlen(cfg->profile_dir) - 9,
	    "/profiles");
	assert_memory_equal(cfg->profile_dir, tmpdir, strlen(tmpdir));
	config_free(cfg);
}

static void
test_full_example(void **state)
{
	struct conf_errors errs = { 0, NULL };
	struct config *cfg;

	(void)state;
	cfg = load("http = { listen = \"::1\"; https_port = 8443; "
	    "http_port = 8080; cert = \"\"; key = \"\"; };\n"
	    "modbus_tcp = { listen = \"127.0.0.1\"; port = 1502; "
	    "max_clients = 4; };\n"
	    "ftp = { enabled = false; listen = \"0.0.0.0\"; port = 2121; };\n"
	    "buses = ( { name = \"rs485\"; port = \"/dev/ttyUSB0\"; "
	    "baud = 9600; parity = \"odd\"; stop_bits = 2; "
	    "timeout_ms = 500; silence_us = 0; } );\n"
	    "gateways = ( { name = \"gw1\"; host = \"192.168.1.50\"; "
	    "port = 502; }, { name = \"gw2\"; host = \"meters.example\"; } );\n"
	    "devices = ( { id = \"main\"; name = \"Main incomer\"; "
	    "bus = \"rs485\"; address = 1; profile = \"testmeter\"; "
	    "poll_ms = 1000; }, { id = \"far\"; gateway = \"gw2\"; "
	    "address = 7; profile = \"testmeter\"; } );\n", &errs);
	assert_int_equal(errs.n, 0);
	assert_non_null(cfg);
	assert_string_equal(cfg->http.listen, "::1");
	assert_int_equal(cfg->modbus_tcp.max_clients, 4);
	assert_false(cfg->ftp.enabled);
	assert_int_equal(cfg->buses[0].parity, CONFIG_PARITY_ODD);
	assert_int_equal(cfg->buses[0].stop_bits, 2);
	assert_int_equal(cfg->buses[0].silence_us, 0);
	assert_int_equal(cfg->ngateways, 2);
	assert_ptr_equal(cfg->devices[1].gateway, &cfg->gateways[1]);
	assert_null(cfg->devices[1].bus);
	/* one profile loaded once for both devices */
	assert_int_equal(cfg->nprofiles, 1);
	config_free(cfg);
}

static void
test_syntax_error(void **state)
{
	(void)state;
	expect_error("buses = ( { name = \"a\"; port = ; } );\n", 3,
	    "syntax error");
	expect_error("\n\nhttp = { port = 1 ;\n", 6, "syntax error");
}

static void
test_missing_file(void **state)
{
	struct conf_errors errs = { 0, NULL };

	(void)state;
	assert_null(config_load("/nonexistent/mews.conf", &errs));
	assert_int_equal(errs.n, 1);
	assert_non_null(strstr(errs.msgs[0], "/nonexistent/mews.conf:0: "
	    "cannot open"));
	conf_errors_free(&errs);
}

static void
test_unknown_key(void **state)
{
	(void)state;
	expect_error("colour = \"blue\";\n", 3, "unknown key 'colour'");
	expect_error("\n" "buses = ( { name = \"rs485\";\n"
	    "port = \"/dev/ttyS0\";\n" "speed = 9600; } );\n", 6,
	    "unknown key 'speed'");
	expect_error("http = { htps_port = 443; };\n", 3,
	    "unknown key 'htps_port'");
}

static void
test_wrong_type(void **state)
{
	(void)state;
	expect_error("buses = ( { name = \"rs485\"; port = \"/dev/ttyS0\";\n"
	    "baud = \"fast\"; } );\n", 4, "'baud' must be an integer");
	expect_error("ftp = { enabled = \"yes\"; };\n", 3,
	    "'enabled' must be true or false");
	expect_error("log_level = 5;\n", 3, "'log_level' must be a string");
	expect_error("http = 443;\n", 3, "'http' must be a group");
	expect_error("buses = { name = \"x\"; };\n", 3,
	    "'buses' must be a list");
}

static void
test_baud(void **state)
{
	(void)state;
	expect_error("buses = ( { name = \"rs485\"; port = \"/dev/ttyS0\";\n"
	    "baud = 300; } );\n", 4, "'baud' is 300, outside 1200..115200");
	expect_error("buses = ( { name = \"rs485\"; port = \"/dev/ttyS0\";\n"
	    "baud = 230400; } );\n", 4, "outside 1200..115200");
	expect_error("buses = ( { name = \"rs485\"; port = \"/dev/ttyS0\";\n"
	    "baud = 19000; } );\n", 4, "baud 19000 is not a standard rate");
}

static void
test_parity_and_stop_bits(void **state)
{
	(void)state;
	expect_error("buses = ( { name = \"rs485\"; port = \"/dev/ttyS0\";\n"
	    "parity = \"mark\"; } );\n", 4,
	    "'parity' is \"mark\", not one of none, even, odd");
	expect_error("buses = ( { name = \"rs485\"; port = \"/dev/ttyS0\";\n"
	    "stop_bits = 3; } );\n", 4, "'stop_bits' is 3, outside 1..2");
	expect_error("buses = ( { name = \"rs485\"; port = \"/dev/ttyS0\";\n"
	    "stop_bits = 0; } );\n", 4, "outside 1..2");
}

static void
test_ports(void **state)
{
	(void)state;
	expect_error("http = { https_port = 0; };\n", 3,
	    "'https_port' is 0, outside 1..65535");
	expect_error("modbus_tcp = { port = 65536; };\n", 3,
	    "'port' is 65536, outside 1..65535");
	expect_error(BUS "gateways = ( { name = \"gw\"; host = \"10.0.0.1\";\n"
	    "port = -1; } );\n", 5, "outside 1..65535");
	expect_error("http = { https_port = 8080; http_port = 8080; };\n", 3,
	    "both 8080");
}

static void
test_replacements(void **state)
{
	struct conf_errors errs = { 0, NULL };
	struct config *cfg;

	(void)state;
	/* Kept sorted by time, whatever the file's order. */
	cfg = load(BUS DEVICE("replacements = ( { metric = \"energy_import\"; "
	    "at = 2000; old_final = 5000.5; new_initial = 0.0; }, "
	    "{ metric = \"energy_import\"; at = 1000; old_final = 10.0; "
	    "new_initial = 1.0; } );"), &errs);
	assert_non_null(cfg);
	assert_int_equal(cfg->devices[0].nreplacements, 2);
	assert_int_equal(cfg->devices[0].replacements[0].at, 1000);
	assert_int_equal(cfg->devices[0].replacements[1].at, 2000);
	assert_true(cfg->devices[0].replacements[1].old_final == 5000.5);
	config_free(cfg);
	expect_error(BUS DEVICE("replacements = ( { metric = \"power\"; "
	    "at = 1; old_final = 1.0; new_initial = 0.0; } );"), 4,
	    "a replacement is of a total");
	expect_error(BUS DEVICE("replacements = ( { metric = "
	    "\"energy_import\"; old_final = 1.0; new_initial = 0.0; } );"),
	    4, "missing key 'at'");
	expect_error(BUS DEVICE("replacements = 3;"), 4,
	    "'replacements' must be a list");
}

/* How a device's totals are checked (total_guard.h). */
static void
test_total_guard_keys(void **state)
{
	struct conf_errors errs = { 0, NULL };
	struct config *cfg;

	(void)state;
	cfg = load(BUS DEVICE(""), &errs);
	assert_non_null(cfg);
	assert_int_equal(cfg->devices[0].reset_confirm_s,
	    CONFIG_RESET_CONFIRM_S);
	assert_true(cfg->devices[0].max_power == 0);
	config_free(cfg);
	assert_int_equal(conftmp_profile("rated", "manufacturer = \"Test\";\n"
	    "model = \"T3\";\nmax_power = 11000;\nregisters = ( { metric = "
	    "\"energy_import\"; unit = \"kWh\"; function = 4; address = 0; "
	    "type = \"float32\"; } );\n"), 0);
	cfg = load(BUS "devices = ( { id = \"a\"; bus = \"rs485\"; "
	    "address = 1; profile = \"rated\"; }, { id = \"b\"; "
	    "bus = \"rs485\"; address = 2; profile = \"rated\"; "
	    "max_power = 2500.5; reset_confirm_s = 0; } );\n", &errs);
	assert_non_null(cfg);
	assert_true(cfg->devices[0].max_power == 11000);
	assert_true(cfg->devices[1].max_power == 2500.5);
	assert_int_equal(cfg->devices[1].reset_confirm_s, 0);
	config_free(cfg);
	expect_error(BUS DEVICE("max_power = 0;"), 4,
	    "'max_power' is in W, above 0");
	expect_error(BUS DEVICE("max_power = \"lots\";"), 4,
	    "'max_power' must be a number");
	expect_error(BUS DEVICE("reset_confirm_s = 86401;"), 4,
	    "'reset_confirm_s' is 86401, outside 0..86400");
	expect_error(BUS DEVICE("reset_confirm_s = -1;"), 4,
	    "outside 0..86400");
}

static void
test_address(void **state)
{
	(void)state;
	expect_error(BUS "devices = ( { id = \"m\"; bus = \"rs485\";\n"
	    "address = 0; profile = \"testmeter\"; } );\n", 5,
	    "'address' is 0, outside 1..247");
	expect_error(BUS "devices = ( { id = \"m\"; bus = \"rs485\";\n"
	    "address = 248; profile = \"testmeter\"; } );\n", 5,
	    "'address' is 248, outside 1..247");
	expect_error(BUS "devices = ( { id = \"m\"; bus = \"rs485\";\n"
	    "profile = \"testmeter\"; } );\n", 4, "missing key 'address'");
}

static void
test_duplicate_id(void **state)
{
	(void)state;
	expect_error(BUS "devices = (\n"
	    "{ id = \"m\"; bus = \"rs485\"; address = 1; profile = \"testmeter\"; },\n"
	    "{ id = \"m\"; bus = \"rs485\"; address = 2; profile = \"testmeter\"; }\n"
	    ");\n", 6, "duplicate device id \"m\" (first at line 5)");
	expect_error(BUS "devices = (\n"
	    "{ id = \"a\"; bus = \"rs485\"; address = 1; profile = \"testmeter\"; },\n"
	    "{ id = \"b\"; bus = \"rs485\"; address = 1; profile = \"testmeter\"; }\n"
	    ");\n", 6, "address 1, already used by \"a\"");
	expect_error("buses = ( { name = \"x\"; port = \"/dev/ttyS0\"; },\n"
	    "{ name = \"x\"; port = \"/dev/ttyS1\"; } );\n", 4,
	    "bus name \"x\" already used at line 3");
}

static void
test_unknown_bus_or_gateway(void **state)
{
	(void)state;
	expect_error(BUS "devices = ( { id = \"m\";\n"
	    "bus = \"rs232\"; address = 1; profile = \"testmeter\"; } );\n", 5,
	    "device \"m\" is on unknown bus \"rs232\"");
	expect_error(BUS "devices = ( { id = \"m\";\n"
	    "gateway = \"gw9\"; address = 1; profile = \"testmeter\"; } );\n",
	    5, "device \"m\" is behind unknown gateway \"gw9\"");
	expect_error(BUS "devices = ( { id = \"m\"; address = 1;\n"
	    "profile = \"testmeter\"; } );\n", 4, "needs a bus or a gateway");
}

static void
test_unknown_profile(void **state)
{
	(void)state;
	expect_error(BUS "devices = ( { id = \"m\"; bus = \"rs485\";\n"
	    "address = 1; profile = \"sdm999\"; } );\n", 5,
	    "unknown profile \"sdm999\"");
	expect_error(BUS "devices = ( { id = \"m\"; bus = \"rs485\";\n"
	    "address = 1; profile = \"../etc/passwd\"; } );\n", 5,
	    "unknown profile");
	/* a broken profile: its own error at its own line, and the device's */
	expect_error(BUS "devices = ( { id = \"m\"; bus = \"rs485\";\n"
	    "address = 1; profile = \"broken\"; } );\n", 5,
	    "profile \"broken\" has the errors above");
}

static void
test_id_pattern(void **state)
{
	(void)state;
	expect_error(BUS "devices = ( { id = \"Main!\"; bus = \"rs485\";\n"
	    "address = 1; profile = \"testmeter\"; } );\n", 4,
	    "id \"Main!\" must match [a-z0-9_-]{1,32}");
	expect_error(BUS "devices = ( { id = "
	    "\"a23456789012345678901234567890123\"; bus = \"rs485\";\n"
	    "address = 1; profile = \"testmeter\"; } );\n", 4,
	    "must match");
	expect_error("buses = ( { name = \"RS 485\"; port = \"/dev/ttyS0\"; } );\n",
	    3, "name \"RS 485\" must match");
}

static void
test_listen_and_host(void **state)
{
	(void)state;
	expect_error("http = { listen = \"localhost\"; };\n", 3,
	    "listen \"localhost\" is not an IPv4 or IPv6 address");
	expect_error("gateways = ( { name = \"g\"; host = \"bad host!\"; } );\n",
	    3, "host \"bad host!\" is neither");
}

#define PULSE(id, ch, extra) "{ id = \"" id "\"; bus = \"rs485\"; " \
	"address = 9; profile = \"pulses\"; channel = " #ch "; " extra " }"

static void
test_channels(void **state)
{
	struct conf_errors errs = { 0, NULL };
	struct config *cfg;

	(void)state;
	/* two channels of one counter share its address */
	cfg = load(BUS "devices = ( "
	    PULSE("water", 1, "medium = \"water\"; weight = 1000.0; "
	    "offset = 12.5;") ", "
	    PULSE("gas", 2, "medium = \"gas\"; weight = 100.0;") " );\n",
	    &errs);
	assert_int_equal(errs.n, 0);
	assert_non_null(cfg);
	assert_int_equal(cfg->devices[0].channel, 1);
	assert_int_equal(cfg->devices[1].channel, 2);
	assert_non_null(cfg->devices[0].module_data);
	config_free(cfg);
	expect_error(BUS "devices = (\n"
	    PULSE("a", 1, "medium = \"water\"; weight = 1.0;") ",\n"
	    PULSE("b", 1, "medium = \"gas\"; weight = 1.0;") " );\n", 6,
	    "and the same channel, already used by \"a\"");
	expect_error(BUS "devices = (\n"
	    PULSE("a", 5, "medium = \"water\"; weight = 1.0;") " );\n", 5,
	    "channel 5: profile pulses has channels 1..4");
	expect_error(BUS "devices = (\n"
	    PULSE("a", 1, "medium = \"beer\"; weight = 1.0;") " );\n", 5,
	    "'medium' is \"beer\", not one of electricity, water, gas");
	expect_error(BUS "devices = (\n"
	    PULSE("a", 1, "medium = \"gas\"; weight = 0.0;") " );\n", 5,
	    "weight must be more than 0");
	expect_error(BUS "devices = (\n"
	    PULSE("a", 1, "weight = 2.0;") " );\n", 5, "missing key 'medium'");
	expect_error(BUS "devices = ( { id = \"p\"; bus = \"rs485\";\n"
	    "address = 9; profile = \"pulses\"; medium = \"gas\"; "
	    "weight = 1.0; } );\n", 4, "a pulse-counter needs a channel");
	/* a meter has neither channels nor a pulse counter's keys */
	expect_error(BUS "devices = ( { id = \"m\"; bus = \"rs485\";\n"
	    "address = 1; profile = \"testmeter\"; channel = 1; } );\n", 5,
	    "profile testmeter has no channels");
	expect_error(BUS "devices = ( { id = \"m\"; bus = \"rs485\";\n"
	    "address = 1; profile = \"testmeter\"; weight = 1.0; } );\n", 5,
	    "unknown key 'weight'");
}

#define GW "gateways = ( { name = \"gw1\"; host = \"10.0.0.9\"; } );\n"

static void
test_routes(void **state)
{
	struct conf_errors errs = { 0, NULL };
	struct config *cfg;

	(void)state;
	cfg = load(BUS GW "modbus_tcp = { unit_id = 248; };\n", &errs);
	assert_null(cfg);
	conf_errors_free(&errs);
	cfg = load(BUS GW "modbus_tcp = { unit_id = 100; retries = 1; "
	    "max_pending = 4; idle_timeout_s = 0; routes = (\n"
	    "{ first = 1; last = 10; bus = \"rs485\"; },\n"
	    "{ first = 20; gateway = \"gw1\"; } ); };\n", &errs);
	assert_int_equal(errs.n, 0);
	assert_non_null(cfg);
	assert_int_equal(cfg->modbus_tcp.unit_id, 100);
	assert_int_equal(cfg->modbus_tcp.retries, 1);
	assert_int_equal(cfg->modbus_tcp.max_pending, 4);
	assert_int_equal(cfg->modbus_tcp.idle_timeout_s, 0);
	assert_int_equal(cfg->modbus_tcp.nroutes, 2);
	assert_ptr_equal(cfg->modbus_tcp.routes[0].bus, &cfg->buses[0]);
	assert_int_equal(cfg->modbus_tcp.routes[1].first, 20);
	assert_int_equal(cfg->modbus_tcp.routes[1].last, 20);
	assert_ptr_equal(cfg->modbus_tcp.routes[1].gateway, &cfg->gateways[0]);
	config_free(cfg);
	expect_error(BUS GW "modbus_tcp = { routes = (\n"
	    "{ first = 1; last = 10; bus = \"rs485\"; },\n"
	    "{ first = 5; last = 12; gateway = \"gw1\"; } ); };\n", 7,
	    "route 5..12 overlaps the route at line 6");
	expect_error(BUS GW "modbus_tcp = { routes = (\n"
	    "{ first = 9; last = 3; bus = \"rs485\"; } ); };\n", 6,
	    "first 9 is after last 3");
	expect_error(BUS GW "modbus_tcp = { routes = (\n"
	    "{ first = 1; bus = \"rs485\"; gateway = \"gw1\"; } ); };\n", 6,
	    "one of them");
	expect_error(BUS GW "modbus_tcp = { routes = (\n"
	    "{ first = 1; gateway = \"gw7\"; } ); };\n", 6,
	    "route to unknown gateway \"gw7\"");
	expect_error(BUS GW "modbus_tcp = { unit_id = 5; routes = (\n"
	    "{ first = 1; last = 10; bus = \"rs485\"; } ); };\n", 6,
	    "covers unit_id 5");
	expect_error(BUS GW "modbus_tcp = { max_pending = 0; };\n", 5,
	    "'max_pending' is 0, outside 1..256");
}

/* The warning of an open gateway: one, at that line. */
static void
expect_open_warning(const struct config *cfg, int line)
{
	char prefix[600];

	snprintf(prefix, sizeof(prefix), "%s:%d: warning: modbus_tcp has no "
	    "allow list: anyone who reaches port", conf_path, line);
	assert_int_equal(cfg->warnings.n, 1);
	assert_true(strncmp(cfg->warnings.msgs[0], prefix, strlen(prefix)) ==
	    0);
}

/* modbus_tcp.allow and max_clients_per_address: what -t takes, refuses, warns. */
static void
test_allow(void **state)
{
	struct conf_errors errs = { 0, NULL };
	struct config *cfg;

	(void)state;
	/* Without a list: open, as before, and said. */
	cfg = load(BUS, &errs);
	assert_non_null(cfg);
	assert_int_equal(cfg->modbus_tcp.max_clients_per_address, 8);
	assert_false(cfg->modbus_tcp.has_allow);
	expect_open_warning(cfg, 0);
	config_free(cfg);
	cfg = load(BUS "modbus_tcp = {\n port = 1502; };\n", &errs);
	assert_non_null(cfg);
	expect_open_warning(cfg, 4);
	config_free(cfg);
	/* A gateway turned off opens nothing. */
	cfg = load(BUS "modbus_tcp = { enabled = false; };\n", &errs);
	assert_non_null(cfg);
	assert_int_equal(cfg->warnings.n, 0);
	config_free(cfg);

	cfg = load(BUS "modbus_tcp = { max_clients_per_address = 3;\n"
	    "allow = ( { from = \"10.0.0.5/32\"; access = \"write\"; },\n"
	    "{ from = \"192.168.1.0/24\"; access = \"read\"; },\n"
	    "{ from = \"fd00:1::/64\"; },\n"
	    "{ from = \"::ffff:172.16.0.0/108\"; access = \"write\"; } ); };\n",
	    &errs);
	assert_int_equal(errs.n, 0);
	assert_non_null(cfg);
	assert_int_equal(cfg->warnings.n, 0);
	assert_int_equal(cfg->modbus_tcp.max_clients_per_address, 3);
	assert_true(cfg->modbus_tcp.has_allow);
	assert_int_equal(cfg->modbus_tcp.nallow, 4);
	assert_int_equal(cfg->modbus_tcp.allow[0].access, CONFIG_ACCESS_WRITE);
	assert_int_equal(cfg->modbus_tcp.allow[0].from.bits, 32);
	assert_int_equal(cfg->modbus_tcp.allow[0].line, 5);
	assert_string_equal(cfg->modbus_tcp.allow[1].text, "192.168.1.0/24");
	assert_int_equal(cfg->modbus_tcp.allow[1].access, CONFIG_ACCESS_READ);
	/* access defaults to read: the least that is useful. */
	assert_int_equal(cfg->modbus_tcp.allow[2].access, CONFIG_ACCESS_READ);
	assert_int_equal(cfg->modbus_tcp.allow[2].from.net.family, AF_INET6);
	/* A mapped network is the IPv4 one. */
	assert_int_equal(cfg->modbus_tcp.allow[3].from.net.family, AF_INET);
	assert_int_equal(cfg->modbus_tcp.allow[3].from.bits, 12);
	config_free(cfg);

	/* An empty list refuses everyone: legal, and said. */
	cfg = load(BUS "modbus_tcp = { allow = ( ); };\n", &errs);
	assert_non_null(cfg);
	assert_int_equal(cfg->modbus_tcp.nallow, 0);
	assert_int_equal(cfg->warnings.n, 1);
	assert_non_null(strstr(cfg->warnings.msgs[0], "every client is "
	    "refused"));
	config_free(cfg);

	expect_error(BUS "modbus_tcp = { allow = (\n"
	    "{ from = \"192.168.1.0/33\"; access = \"read\"; } ); };\n", 5,
	    "allow: from \"192.168.1.0/33\": the prefix length after / must "
	    "be 0..32");
	expect_error(BUS "modbus_tcp = { allow = (\n"
	    "{ from = \"192.168.1/24\"; } ); };\n", 5,
	    "\"192.168.1\" is not an IPv4 or IPv6 address");
	expect_error(BUS "modbus_tcp = { allow = (\n"
	    "{ from = \"192.168.1.7/24\"; } ); };\n", 5,
	    "the network is 192.168.1.0/24, the host alone 192.168.1.7/32");
	expect_error(BUS "modbus_tcp = { allow = (\n"
	    "{ from = \"10.0.0.5/32\";\n access = \"admin\"; } ); };\n", 6,
	    "'access' is \"admin\", not one of read, write");
	expect_error(BUS "modbus_tcp = { allow = (\n"
	    "{ access = \"write\"; } ); };\n", 5, "from");
	expect_error(BUS "modbus_tcp = { allow = (\n"
	    "{ from = \"10.0.0.5\"; acces = \"write\"; } ); };\n", 5,
	    "unknown key 'acces'");
	expect_error(BUS "modbus_tcp = {\n allow = \"10.0.0.0/8\"; };\n", 5,
	    "'allow' must be a list");
	/* First match wins: a host after its network would never match. */
	expect_error(BUS "modbus_tcp = { allow = (\n"
	    "{ from = \"192.168.1.0/24\"; access = \"read\"; },\n"
	    "{ from = \"192.168.1.5/32\"; access = \"write\"; } ); };\n", 6,
	    "the entry for 192.168.1.5/32 is never used: the one at line 5 "
	    "(192.168.1.0/24, read) comes first");
	expect_error(BUS "modbus_tcp = {\n max_clients_per_address = 0; };\n",
	    5, "outside 1..1024");
}

#define MAIL "mail = { server = \"smtp.example.com\"; " \
	"from = \"mews@example.com\"; };\n"

/* mail and reports: defaults, then each mistake at its line. */
static void
test_reports(void **state)
{
	struct conf_errors errs = { 0, NULL };
	struct config *cfg;

	(void)state;
	cfg = load(BUS DEVICE("") MAIL "reports = (\n"
	    "{ name = \"daily\"; to = [ \"fm@example.com\" ]; },\n"
	    "{ name = \"weekly\"; every = \"week\"; at = \"07:30\"; "
	    "weekday = \"friday\"; devices = [ \"main\" ];\n"
	    "  push = { url = \"sftp://h/d/\"; host_key = \"abc\"; "
	    "key_file = \"id\"; }; } );\n", &errs);
	assert_int_equal(errs.n, 0);
	assert_non_null(cfg);
	assert_int_equal(cfg->mail.port, 587);
	assert_int_equal(cfg->mail.security, CONFIG_MAIL_STARTTLS);
	assert_int_equal(cfg->mail.verify, 1);
	assert_int_equal(cfg->mail.retry_s, 60);
	assert_int_equal(cfg->nreports, 2);
	assert_int_equal(cfg->reports[0].every, CONFIG_EVERY_DAY);
	assert_int_equal(cfg->reports[0].at_min, 6 * 60);
	assert_int_equal(cfg->reports[0].ndevices, 0);
	assert_int_equal(cfg->reports[0].nto, 1);
	assert_null(cfg->reports[0].push);
	assert_int_equal(cfg->reports[1].at_min, 7 * 60 + 30);
	assert_int_equal(cfg->reports[1].weekday, 4);
	assert_string_equal(cfg->reports[1].devices[0], "main");
	assert_non_null(cfg->reports[1].push);
	/* Relative paths are the configuration file's folder's. */
	assert_non_null(strstr(cfg->reports[1].push->key_file, tmpdir));
	config_free(cfg);
	cfg = load("mail = { server = \"h\"; from = \"a@b\"; "
	    "security = \"tls\"; };\n", &errs);
	assert_non_null(cfg);
	assert_int_equal(cfg->mail.port, 465);
	config_free(cfg);
	expect_error("mail = { server = \"bad host\"; from = \"a@b\"; };\n",
	    3, "server \"bad host\" is neither");
	expect_error("mail = { server = \"h\"; };\n", 3,
	    "a server needs a from address");
	expect_error("mail = { server = \"h\"; from = \"nobody\"; };\n", 3,
	    "from \"nobody\" is not an e-mail address");
	expect_error("mail = { security = \"ssl\"; };\n", 3, "security");
	expect_error("reports = ( { name = \"r\"; to = [ \"a@b\" ]; } );\n",
	    3, "but no mail server is set");
	expect_error(MAIL "reports = ( { name = \"r\"; } );\n", 4,
	    "either to (e-mail recipients) or push");
	expect_error(MAIL "reports = ( { name = \"r\"; to = [ \"x\" ]; } );\n",
	    4, "to: \"x\" is not an e-mail address");
	expect_error(MAIL "reports = ( { name = \"r\"; at = \"25:00\"; "
	    "to = [ \"a@b\" ]; } );\n", 4, "at \"25:00\" must be");
	expect_error(MAIL "reports = ( { name = \"r\"; day = 3; "
	    "to = [ \"a@b\" ]; } );\n", 4, "day is for every = \"month\"");
	expect_error(MAIL "reports = ( { name = \"r\"; every = \"month\"; "
	    "day = 29; to = [ \"a@b\" ]; } );\n", 4, "day");
	expect_error(MAIL "reports = ( { name = \"r\"; devices = [ \"x\" ]; "
	    "to = [ \"a@b\" ]; } );\n", 4, "devices: no device \"x\"");
	expect_error("reports = ( { name = \"r\"; push = { url = "
	    "\"http://h/\"; }; } );\n", 3, "must be ftp://, ftps://");
	expect_error("reports = ( { name = \"r\"; push = { url = "
	    "\"ftp://h/dir\"; }; } );\n", 3, "must be a folder");
	expect_error("reports = ( { name = \"r\"; push = { url = "
	    "\"sftp://h/d/\"; }; } );\n", 3, "sftp needs the server's "
	    "host_key");
	expect_error(MAIL "reports = (\n{ name = \"r\"; to = [ \"a@b\" ]; },"
	    "\n{ name = \"r\"; to = [ \"a@b\" ]; } );\n", 6,
	    "report name \"r\" already used at line 5");
}

static void
test_ftp(void **state)
{
	struct conf_errors errs = { 0, NULL };
	struct config *cfg;

	(void)state;
	cfg = load("ftp = { port = 2121; require_tls = true; "
	    "passive_ports = [ 40000, 40000 ]; max_sessions = 2; "
	    "max_sessions_per_address = 1; idle_timeout_s = 30; };\n"
	    "http = { max_connections_per_address = 8; };\n", &errs);
	assert_int_equal(errs.n, 0);
	assert_non_null(cfg);
	assert_true(cfg->ftp.require_tls);
	assert_int_equal(cfg->ftp.passive_first, 40000);
	assert_int_equal(cfg->ftp.passive_last, 40000);
	assert_int_equal(cfg->ftp.max_sessions, 2);
	assert_int_equal(cfg->ftp.max_sessions_per_address, 1);
	assert_int_equal(cfg->ftp.idle_timeout_s, 30);
	assert_int_equal(cfg->http.max_connections_per_address, 8);
	config_free(cfg);
	/* Plain FTP only when the file says so, and then said. */
	cfg = load("modbus_tcp = { enabled = false; };\nftp = {\n"
	    "require_tls = false; };\n", &errs);
	assert_int_equal(errs.n, 0);
	assert_non_null(cfg);
	assert_false(cfg->ftp.require_tls);
	assert_int_equal(cfg->warnings.n, 1);
	assert_non_null(strstr(cfg->warnings.msgs[0], ":5: warning: "
	    "ftp.require_tls = false: plain FTP is allowed, so PINs"));
	config_free(cfg);
	cfg = load("modbus_tcp = { enabled = false; };\nftp = { enabled = "
	    "false; require_tls = false; };\n", &errs);
	assert_non_null(cfg);
	assert_int_equal(cfg->warnings.n, 0);
	config_free(cfg);
	expect_error("ftp = { require_tls = 1; };\n", 3,
	    "'require_tls' must be true or false");
	expect_error("ftp = {\npassive_ports = 50000; };\n", 4,
	    "passive_ports must be [ first, last ]");
	expect_error("ftp = {\npassive_ports = [ 50000 ]; };\n", 4,
	    "passive_ports must be [ first, last ]");
	expect_error("ftp = { passive_ports = [ 1000, 2000 ]; };\n", 3,
	    "passive_ports: ports must be integers in 1024..65535");
	expect_error("ftp = { passive_ports = [ 60000, 70000 ]; };\n", 3,
	    "1024..65535");
	expect_error("ftp = { passive_ports = [ \"a\", \"b\" ]; };\n", 3,
	    "1024..65535");
	expect_error("ftp = { passive_ports = [ 50010, 50000 ]; };\n", 3,
	    "passive_ports: first 50010 is after last 50000");
	expect_error("ftp = { max_sessions = 0; };\n", 3,
	    "'max_sessions' is 0, outside 1..256");
	expect_error("ftp = { max_sessions_per_address = 257; };\n", 3,
	    "'max_sessions_per_address' is 257, outside 1..256");
	expect_error("http = { max_connections_per_address = 7; };\n", 3,
	    "'max_connections_per_address' is 7, outside 8..4096");
	expect_error("ftp = { idle_timeout_s = 0; };\n", 3,
	    "'idle_timeout_s' is 0, outside 1..86400");
}

static void
test_metrics_token(void **state)
{
	struct conf_errors errs = { 0, NULL };
	struct config *cfg;

	(void)state;
	cfg = load(BUS DEVICE(""), &errs);
	assert_non_null(cfg);
	assert_string_equal(cfg->http.metrics_token, "");
	config_free(cfg);
	cfg = load("http = { metrics_token = \"abc-DEF_123.456~+/xyz==\"; };\n",
	    &errs);
	assert_int_equal(errs.n, 0);
	assert_non_null(cfg);
	assert_string_equal(cfg->http.metrics_token, "abc-DEF_123.456~+/xyz==");
	config_free(cfg);
	expect_error("http = { metrics_token = \"short\"; };\n", 3,
	    "metrics_token must be 16..256 characters");
	expect_error("http = { metrics_token = \"has a space in the token\"; "
	    "};\n", 3, "metrics_token must be");
	expect_error("http = { metrics_token = \"0123456789abcdef=x\"; };\n", 3,
	    "metrics_token must be");
}

static void
test_mqtt(void **state)
{
	struct conf_errors errs = { 0, NULL };
	struct config *cfg;
	char text[1024];

	(void)state;
	cfg = load(BUS DEVICE(""), &errs);
	assert_non_null(cfg);
	assert_false(cfg->mqtt.enabled);
	assert_string_equal(cfg->mqtt.host, "127.0.0.1");
	assert_int_equal(cfg->mqtt.port, 1883);
	assert_false(cfg->mqtt.tls);
	assert_string_equal(cfg->mqtt.ca_file, "");
	assert_string_equal(cfg->mqtt.user, "");
	assert_memory_equal(cfg->mqtt.client_id, "mews-", 5);
	assert_string_equal(cfg->mqtt.topic_prefix, "mews");
	assert_string_equal(cfg->mqtt.discovery_prefix, "homeassistant");
	assert_int_equal(cfg->mqtt.min_interval_s, 1);
	assert_int_equal(cfg->mqtt.max_interval_s, 60);
	assert_false(cfg->mqtt.commands);
	config_free(cfg);
	/* ca_file is taken from the configuration's folder, and must exist */
	snprintf(text, sizeof(text), "mqtt = { enabled = true; host = \"::1\"; "
	    "port = 8883; tls = true; ca_file = \"mews.conf\"; user = \"u\"; "
	    "password = \"p\"; client_id = \"box1\"; topic_prefix = "
	    "\"site/a\"; discovery_prefix = \"ha\"; min_interval_s = 5; "
	    "max_interval_s = 300; commands = true; };\n");
	cfg = load(text, &errs);
	assert_int_equal(errs.n, 0);
	assert_non_null(cfg);
	assert_true(cfg->mqtt.enabled);
	assert_string_equal(cfg->mqtt.host, "::1");
	assert_int_equal(cfg->mqtt.port, 8883);
	assert_true(cfg->mqtt.tls);
	assert_string_equal(cfg->mqtt.ca_file, conf_path);
	assert_string_equal(cfg->mqtt.password, "p");
	assert_string_equal(cfg->mqtt.topic_prefix, "site/a");
	assert_int_equal(cfg->mqtt.max_interval_s, 300);
	assert_true(cfg->mqtt.commands);
	config_free(cfg);
	expect_error("mqtt = { host = \"broker.lan\"; };\n", 3,
	    "host \"broker.lan\" is not an IPv4 or IPv6 address");
	expect_error("mqtt = { port = 0; };\n", 3, "'port' is 0");
	expect_error("mqtt = { ca_file = \"/nonexistent/ca.pem\"; };\n", 3,
	    "ca_file /nonexistent/ca.pem: No such file");
	expect_error("mqtt = { password = \"secret\"; };\n", 3,
	    "password without user");
	expect_error("mqtt = { client_id = \"a b\"; };\n", 3,
	    "client_id \"a b\" must be");
	expect_error("mqtt = { topic_prefix = \"mews/#\"; };\n", 3,
	    "topic_prefix \"mews/#\" must be");
	expect_error("mqtt = { discovery_prefix = \"ha/\"; };\n", 3,
	    "discovery_prefix \"ha/\" must be");
	expect_error("mqtt = { min_interval_s = 0; };\n", 3,
	    "'min_interval_s' is 0, outside 1..3600");
	expect_error("mqtt = { min_interval_s = 30;\nmax_interval_s = 10; };\n",
	    3, "max_interval_s (10) is shorter than min_interval_s (30)");
	expect_error("mqtt = { retain = true; };\n", 3, "unknown key 'retain'");
}

static void
test_all_errors_reported(void **state)
{
	struct conf_errors errs = { 0, NULL };

	(void)state;
	assert_null(load("buses = ( { name = \"rs485\"; port = \"/dev/ttyS0\";\n"
	    "baud = 300; parity = \"mark\"; stop_bits = 3; } );\n", &errs));
	assert_int_equal(errs.n, 3);
	conf_errors_free(&errs);
}

/* A virtual meter has no profile: its rules are checked on its metrics. */
static void
test_alarm_on_virtual_meter(void **state)
{
	static const char *devices = BUS "devices = ( { id = \"main\"; "
	    "bus = \"rs485\"; address = 1; profile = \"testmeter\"; },\n"
	    "{ id = \"v\"; virtual = { op = \"scale\"; of = [ \"main\" ]; "
	    "factor = 2.0; }; } );\n";
	struct conf_errors errs = { 0, NULL };
	struct config *cfg;
	char text[1024];

	(void)state;
	snprintf(text, sizeof(text), "%salarms = ( { id = \"hi\"; "
	    "device = \"v\"; metric = \"voltage_l1\"; above = 500.0; } );\n",
	    devices);
	cfg = load(text, &errs);
	assert_int_equal(errs.n, 0);
	assert_non_null(cfg);
	config_free(cfg);
	snprintf(text, sizeof(text), "%salarms = ( { id = \"p\"; "
	    "device = \"v\"; metric = \"power\"; above = 1.0; } );\n",
	    devices);
	expect_error(text, 6, "device \"v\" (virtual meter) has no power");
	snprintf(text, sizeof(text), "%salarms = ( { id = \"t\"; "
	    "device = \"v\"; tripped = true; } );\n", devices);
	expect_error(text, 6, "tripped is for a breaker, and \"v\" is a "
	    "virtual meter");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid_and_defaults),
		cmocka_unit_test(test_alarm_on_virtual_meter),
		cmocka_unit_test(test_full_example),
		cmocka_unit_test(test_syntax_error),
		cmocka_unit_test(test_missing_file),
		cmocka_unit_test(test_unknown_key),
		cmocka_unit_test(test_wrong_type),
		cmocka_unit_test(test_baud),
		cmocka_unit_test(test_parity_and_stop_bits),
		cmocka_unit_test(test_ports),
		cmocka_unit_test(test_address),
		cmocka_unit_test(test_duplicate_id),
		cmocka_unit_test(test_unknown_bus_or_gateway),
		cmocka_unit_test(test_unknown_profile),
		cmocka_unit_test(test_id_pattern),
		cmocka_unit_test(test_listen_and_host),
		cmocka_unit_test(test_channels),
		cmocka_unit_test(test_routes),
		cmocka_unit_test(test_allow),
		cmocka_unit_test(test_replacements),
		cmocka_unit_test(test_total_guard_keys),
		cmocka_unit_test(test_metrics_token),
		cmocka_unit_test(test_mqtt),
		cmocka_unit_test(test_ftp),
		cmocka_unit_test(test_reports),
		cmocka_unit_test(test_all_errors_reported),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
