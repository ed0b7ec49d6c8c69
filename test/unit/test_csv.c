/* core/base/csv.c: CSV records byte for byte, numbers, local times. */
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "base/csv.h"

/* Central Europe by its POSIX rule: needs no zoneinfo installed. */
#define TZ_CET	"CET-1CEST,M3.5.0,M10.5.0/3"

static const struct csv_format excel_fr = { ';', ',', 1 };
static const struct csv_format excel_us = { ',', '.', 0 };

struct sink {
	char	data[16384];
	size_t	len;
	int	calls;
	int	fail_at;	/* the call that returns -1; 0: none */
};

static int
sink(void *arg, const char *data, size_t len)
{
	struct sink *s = arg;

	s->calls++;
	if (s->calls == s->fail_at)
		return -1;
	assert_true(len > 0);
	assert_true(s->len + len < sizeof(s->data));
	memcpy(s->data + s->len, data, len);
	s->len += len;
	s->data[s->len] = '\0';
	return 0;
}

static void
set_tz(const char *tz)
{
	setenv("TZ", tz, 1);
	tzset();
}

static void
test_format_valid(void **state)
{
	const struct csv_format ok[] = {
		{ ';', ',', 1 }, { ';', '.', 0 }, { ',', '.', 1 },
	};
	const struct csv_format bad[] = {
		{ ',', ',', 0 }, { '\t', '.', 0 }, { ';', ';', 0 },
		{ '\0', '.', 0 },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		assert_int_equal(csv_format_valid(&ok[i]), 1);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(csv_format_valid(&bad[i]), 0);
}

static void
test_header(void **state)
{
	const char *metrics[] = { "energy_import", "power", "power_factor",
	    "thd" };
	const char *units[] = { "kWh", "W", "", NULL };
	struct sink s = { .len = 0 };

	(void)state;
	assert_int_equal(csv_header(&excel_fr, metrics, units, 4, sink, &s),
	    0);
	assert_string_equal(s.data, "\xEF\xBB\xBF"
	    "time;unix;energy_import (kWh);power (W);power_factor;thd\r\n");
	s.len = 0;
	assert_int_equal(csv_header(&excel_us, metrics, NULL, 2, sink, &s),
	    0);
	assert_string_equal(s.data, "time,unix,energy_import,power\r\n");
	s.len = 0;
	assert_int_equal(csv_header(&excel_us, NULL, NULL, 0, sink, &s), 0);
	assert_string_equal(s.data, "time,unix\r\n");
}

static void
test_header_quoted(void **state)
{
	const char *metrics[] = { "a,b", "c;d" };
	const char *units[] = { "m\"x", "W" };
	struct sink s = { .len = 0 };

	(void)state;
	/* The separator decides: "a,b" is plain text between semicolons. */
	assert_int_equal(csv_header(&excel_us, metrics, units, 2, sink, &s),
	    0);
	assert_string_equal(s.data,
	    "time,unix,\"a,b (m\"\"x)\",c;d (W)\r\n");
	s.len = 0;
	assert_int_equal(csv_header(&excel_fr, metrics, units, 2, sink, &s),
	    0);
	assert_string_equal(s.data, "\xEF\xBB\xBF"
	    "time;unix;\"a,b (m\"\"x)\";\"c;d (W)\"\r\n");
}

static void
test_field_quoting(void **state)
{
	static const struct {
		const char	*text;
		const char	*semicolon;
		const char	*comma;
	} cases[] = {
		{ "plain", "plain", "plain" },
		{ "", "", "" },
		{ "a;b", "\"a;b\"", "a;b" },
		{ "a,b", "a,b", "\"a,b\"" },
		{ "say \"hi\"", "\"say \"\"hi\"\"\"", "\"say \"\"hi\"\"\"" },
		{ "\"", "\"\"\"\"", "\"\"\"\"" },
		{ "two\r\nlines", "\"two\r\nlines\"", "\"two\r\nlines\"" },
		{ "lf\n", "\"lf\n\"", "\"lf\n\"" },
		{ "été 😀", "été 😀", "été 😀" },
	};
	struct sink s;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		s.len = 0;
		s.calls = 0;
		s.fail_at = 0;
		s.data[0] = '\0';
		assert_int_equal(csv_field(&excel_fr, cases[i].text, sink, &s),
		    0);
		assert_string_equal(s.data, cases[i].semicolon);
		s.len = 0;
		s.data[0] = '\0';
		assert_int_equal(csv_field(&excel_us, cases[i].text, sink, &s),
		    0);
		assert_string_equal(s.data, cases[i].comma);
	}
}

static void
test_long_field(void **state)
{
	/* Quotes falling across the writer's own buffer, 512 bytes. */
	char text[2000], want[4100];
	struct sink s = { .len = 0 };
	size_t i, w = 0;

	(void)state;
	want[w++] = '"';
	for (i = 0; i < sizeof(text) - 1; i++) {
		text[i] = i % 3 == 0 ? '"' : 'x';
		want[w++] = text[i];
		if (text[i] == '"')
			want[w++] = '"';
	}
	text[i] = '\0';
	want[w++] = '"';
	want[w] = '\0';
	assert_int_equal(csv_field(&excel_fr, text, sink, &s), 0);
	assert_true(s.calls > 1);
	assert_string_equal(s.data, want);
}

static void
test_numbers(void **state)
{
	static const struct {
		double		 v;
		const char	*point;
		const char	*comma;
	} cases[] = {
		{ 230.1, "230.1", "230,1" },
		/* A float32 reading: 230.1000061 as a double. */
		{ (float)230.1, "230.1", "230,1" },
		{ (float)49.98, "49.98", "49,98" },
		{ (float)0.987, "0.987", "0,987" },
		{ (float)12345.67, "12345.67", "12345,67" },
		/* An RRD average of 230.1f and 230.2f. */
		{ ((double)(float)230.1 + (float)230.2) / 2, "230.15",
		    "230,15" },
		/* A total from a Wh counter: exact to the Wh. */
		{ 123456789.123, "123456789.123", "123456789,123" },
		{ 1234.567, "1234.567", "1234,567" },
		/* The rule's cost: a float32 total shows its float. */
		{ (float)123456.7, "123456.703", "123456,703" },
		{ 0.000123, "0.000123", "0,000123" },
		{ 0.000001, "0.000001", "0,000001" },
		{ -5.5, "-5.5", "-5,5" },
		{ -0.25, "-0.25", "-0,25" },
		{ 0, "0", "0" },
		{ -0.0, "0", "0" },
		{ 1, "1", "1" },
		{ 1e6, "1000000", "1000000" },
		{ -1e6, "-1000000", "-1000000" },
		{ 12e9, "12000000000", "12000000000" },
		{ 999999999999999, "999999999999999", "999999999999999" },
		/* Seven digits, else a thousandth: the finer. */
		{ 1.23456789, "1.234568", "1,234568" },
		{ 98765.4321, "98765.432", "98765,432" },
		/* 15 digits at most: the double has no more. */
		{ 123456789012.3456, "123456789012.346",
		    "123456789012,346" },
		{ 0.1 + 0.2, "0.3", "0,3" },
		/* Outside 1e-6..1e15, no meter value: exponents. */
		{ 1e15, "1e+15", "1e+15" },
		{ 1.5e-7, "1.5e-07", "1,5e-07" },
		{ -2.25e20, "-2.25e+20", "-2,25e+20" },
		{ NAN, "", "" },
		{ INFINITY, "", "" },
		{ -INFINITY, "", "" },
	};
	char out[CSV_NUMBER_MAX];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(csv_number(cases[i].v, '.', out),
		    strlen(cases[i].point));
		assert_string_equal(out, cases[i].point);
		assert_int_equal(csv_number(cases[i].v, ',', out),
		    strlen(cases[i].comma));
		assert_string_equal(out, cases[i].comma);
	}
}

static void
test_float32_readings(void **state)
{
	/*
	 * Any reading of 6 significant digits (FLT_DIG) a meter sends as
	 * float32 is written as those digits, from 1e-6 to 1e8.
	 */
	char want[32], out[CSV_NUMBER_MAX];
	long m;
	int e;

	(void)state;
	for (e = -6; e <= 8; e++)
		for (m = 100000; m < 1000000; m += 97) {
			snprintf(want, sizeof(want), "%.5e",
			    (double)m * pow(10, e - 5));
			csv_number((float)strtod(want, NULL), '.', out);
			snprintf(out, sizeof(out), "%.5e", strtod(out, NULL));
			assert_string_equal(out, want);
		}
}

static void
test_rows(void **state)
{
	const double v[] = { (float)230.1, NAN, -5.5, 0, 123456789.123,
	    INFINITY, 0.000123 };
	struct sink s = { .len = 0 };

	(void)state;
	set_tz(TZ_CET);
	assert_int_equal(csv_row(&excel_fr, 1795508100, v, 7, sink, &s), 0);
	assert_string_equal(s.data, "2026-11-24T09:15:00+01:00;1795508100;"
	    "230,1;;-5,5;0;123456789,123;;0,000123\r\n");
	s.len = 0;
	assert_int_equal(csv_row(&excel_us, 1795508100, v, 7, sink, &s), 0);
	assert_string_equal(s.data, "2026-11-24T09:15:00+01:00,1795508100,"
	    "230.1,,-5.5,0,123456789.123,,0.000123\r\n");
	s.len = 0;
	assert_int_equal(csv_row(&excel_us, 1795508100, NULL, 0, sink, &s),
	    0);
	assert_string_equal(s.data, "2026-11-24T09:15:00+01:00,1795508100\r\n");
	/* An empty last field still ends the record with CRLF. */
	s.len = 0;
	assert_int_equal(csv_row(&excel_fr, 1795508100, v + 1, 1, sink, &s),
	    0);
	assert_string_equal(s.data, "2026-11-24T09:15:00+01:00;1795508100;"
	    "\r\n");
}

/* Winter, summer and both DST changes of 2026 in the zone set. */
static void
check_paris(void)
{
	static const struct {
		time_t		 t;
		const char	*want;
	} cases[] = {
		{ 1795508100, "2026-11-24T09:15:00+01:00;1795508100\r\n" },
		{ 1784023200, "2026-07-14T12:00:00+02:00;1784023200\r\n" },
		/* Autumn: 02:30 twice, told apart by the offset. */
		{ 1792888200, "2026-10-25T02:30:00+02:00;1792888200\r\n" },
		{ 1792891800, "2026-10-25T02:30:00+01:00;1792891800\r\n" },
		/* Spring: 02:00..03:00 never happens. */
		{ 1774745999, "2026-03-29T01:59:59+01:00;1774745999\r\n" },
		{ 1774746000, "2026-03-29T03:00:00+02:00;1774746000\r\n" },
		{ 0, "1970-01-01T01:00:00+01:00;0\r\n" },
	};
	struct sink s;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		s.len = 0;
		s.calls = 0;
		s.fail_at = 0;
		assert_int_equal(csv_row(&excel_fr, cases[i].t, NULL, 0, sink,
		    &s), 0);
		assert_string_equal(s.data, cases[i].want);
	}
}

static void
test_time_rule(void **state)
{
	(void)state;
	set_tz(TZ_CET);
	check_paris();
}

static void
test_time_zoneinfo(void **state)
{
	time_t winter = 1795508100;
	struct tm tm;

	(void)state;
	set_tz("Europe/Paris");
	/* Without tzdata, glibc quietly falls back to UTC. */
	if (localtime_r(&winter, &tm) == NULL || tm.tm_hour != 9)
		fail_msg("no zone data for Europe/Paris: install the Debian "
		    "package tzdata (scripts/deps --test)");
	check_paris();
}

static void
test_file(void **state)
{
	/* A whole file as a download streams it: BOM once, CRLF each. */
	const char *metrics[] = { "energy_import", "power" };
	const char *units[] = { "kWh", "W" };
	const double rows[3][2] = {
		{ 1234.5, 1500 }, { NAN, NAN }, { 1234.75, -20.5 },
	};
	const char *want = "\xEF\xBB\xBF"
	    "time;unix;energy_import (kWh);power (W)\r\n"
	    "2026-11-24T09:15:00+01:00;1795508100;1234,5;1500\r\n"
	    "2026-11-24T09:16:00+01:00;1795508160;;\r\n"
	    "2026-11-24T09:17:00+01:00;1795508220;1234,75;-20,5\r\n";
	struct sink s = { .len = 0 };
	const char *p;
	int i;

	(void)state;
	set_tz(TZ_CET);
	assert_int_equal(csv_header(&excel_fr, metrics, units, 2, sink, &s),
	    0);
	for (i = 0; i < 3; i++)
		assert_int_equal(csv_row(&excel_fr, 1795508100 + 60 * i,
		    rows[i], 2, sink, &s), 0);
	assert_int_equal(s.len, strlen(want));
	assert_string_equal(s.data, want);
	assert_null(memmem(s.data + 1, s.len - 1, "\xEF\xBB\xBF", 3));
	for (p = s.data; (p = strchr(p, '\n')) != NULL; p++)
		assert_int_equal(p[-1], '\r');
}

static void
test_sink_stops(void **state)
{
	const char *metrics[] = { "power" };
	double wide[400];
	struct sink s = { .len = 0, .fail_at = 1 };
	size_t i;

	(void)state;
	set_tz(TZ_CET);
	assert_int_equal(csv_header(&excel_fr, metrics, NULL, 1, sink, &s),
	    -1);
	assert_int_equal(s.calls, 1);
	assert_int_equal(s.len, 0);
	s.calls = 0;
	assert_int_equal(csv_field(&excel_fr, "x", sink, &s), -1);
	s.calls = 0;
	assert_int_equal(csv_row(&excel_fr, 0, NULL, 0, sink, &s), -1);
	/* Stopped in the middle of a row: not called again. */
	for (i = 0; i < sizeof(wide) / sizeof(wide[0]); i++)
		wide[i] = 123456.789;
	s.calls = 0;
	s.fail_at = 2;
	assert_int_equal(csv_row(&excel_fr, 0, wide, 400, sink, &s), -1);
	assert_int_equal(s.calls, 2);
	/* Unstopped, the same row comes in several pieces. */
	s.calls = 0;
	s.fail_at = 0;
	s.len = 0;
	assert_int_equal(csv_row(&excel_fr, 0, wide, 400, sink, &s), 0);
	assert_true(s.calls > 2);
	assert_int_equal(s.len, strlen("1970-01-01T01:00:00+01:00;0") +
	    400 * strlen(";123456,789") + 2);
}

static void
test_refused_format(void **state)
{
	const struct csv_format bad = { ',', ',', 1 };
	const char *metrics[] = { "power" };
	const double v[] = { 1.5 };
	struct sink s = { .len = 0 };

	(void)state;
	assert_int_equal(csv_header(&bad, metrics, NULL, 1, sink, &s), -1);
	assert_int_equal(csv_row(&bad, 0, v, 1, sink, &s), -1);
	assert_int_equal(csv_field(&bad, "x", sink, &s), -1);
	assert_int_equal(s.calls, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_format_valid),
		cmocka_unit_test(test_header),
		cmocka_unit_test(test_header_quoted),
		cmocka_unit_test(test_field_quoting),
		cmocka_unit_test(test_long_field),
		cmocka_unit_test(test_numbers),
		cmocka_unit_test(test_float32_readings),
		cmocka_unit_test(test_rows),
		cmocka_unit_test(test_time_rule),
		cmocka_unit_test(test_time_zoneinfo),
		cmocka_unit_test(test_file),
		cmocka_unit_test(test_sink_stops),
		cmocka_unit_test(test_refused_format),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
