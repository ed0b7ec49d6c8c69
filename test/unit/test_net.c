/*
 * core/base/net.c's net_mask_addresses: what the log shows to a profile
 * that may not know who connected.  Addresses go, with their port; times,
 * dates, versions and words stay.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "base/net.h"

static void
masked(const char *in, const char *want)
{
	char out[256];

	net_mask_addresses(in, out, sizeof(out));
	assert_string_equal(out, want);
}

static void
test_addresses(void **state)
{
	(void)state;
	masked("https: 127.0.0.1: command open sent to device brk",
	    "https: a client: command open sent to device brk");
	masked("ftp: 192.168.1.20:50512: logged in",
	    "ftp: a client: logged in");
	masked("https: [::1]:443: closed", "https: a client: closed");
	masked("modbus tcp: fe80::1 refused", "modbus tcp: a client refused");
	masked("from ::ffff:10.0.0.7 and 10.0.0.8",
	    "from a client and a client");
}

static void
test_not_addresses(void **state)
{
	(void)state;
	masked("history: 23:59:59 on 2026-12-08, took 0.5 s",
	    "history: 23:59:59 on 2026-12-08, took 0.5 s");
	masked("bus rs485: device dead (address 9) is offline",
	    "bus rs485: device dead (address 9) is offline");
	masked("profile abc1.2.3.4 kept", "profile abc1.2.3.4 kept");
	masked("", "");
}

static void
test_short_buffer(void **state)
{
	char out[8];

	(void)state;
	net_mask_addresses("at 127.0.0.1 now", out, sizeof(out));
	assert_string_equal(out, "at a cl");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_addresses),
		cmocka_unit_test(test_not_addresses),
		cmocka_unit_test(test_short_buffer),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
