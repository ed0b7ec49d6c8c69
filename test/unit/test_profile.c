/*
 * Profiles: the pure decode/encode of every register type in both word
 * orders, the shipped register maps, and the loader's error reports.
 */
#include <dirent.h>
#include <limits.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "base/conf.h"
#include "config/profile.h"

#ifndef SRCDIR
#define SRCDIR "."
#endif
#define PROFILES_DIR	SRCDIR "/modules/profiles"

#define HI	PROFILE_HIGH_FIRST
#define LO	PROFILE_LOW_FIRST

static const enum profile_type all_types[] = {
	PROFILE_U16, PROFILE_S16, PROFILE_U32, PROFILE_S32,
	PROFILE_U64, PROFILE_S64, PROFILE_FLOAT32, PROFILE_FLOAT64
};
#define NTYPES	(sizeof(all_types) / sizeof(all_types[0]))

static struct profile_reg
reg(enum profile_type type, enum profile_word_order order, double scale)
{
	struct profile_reg r;

	memset(&r, 0, sizeof(r));
	snprintf(r.metric, sizeof(r.metric), "power");
	r.function = 4;
	r.type = type;
	r.order = order;
	r.scale = scale;
	return r;
}

/* Relative tolerance: values up to 1e19 go through doubles. */
static void
assert_near(double got, double want, double eps, const char *what)
{
	double tol = eps * (fabs(want) > 1 ? fabs(want) : 1);

	if (!(fabs(got - want) <= tol))
		fail_msg("%s: got %.17g, want %.17g", what, got, want);
}

/* Decode words and expect a value. */
static void
want_value(enum profile_type type, enum profile_word_order order,
    double scale, const uint16_t *words, double want)
{
	struct profile_reg r = reg(type, order, scale);
	double v = -12345.678;

	if (profile_decode(&r, words, &v) != PROFILE_VALUE_OK)
		fail_msg("%s %s: words decoded as 'not available', want %.17g",
		    profile_type_name(type), order == HI ? "high_first" :
		    "low_first", want);
	assert_near(v, want, 1e-12, profile_type_name(type));
}

static void
want_na(enum profile_type type, enum profile_word_order order,
    const uint16_t *words)
{
	struct profile_reg r = reg(type, order, 1.0);
	double v = 0;

	if (profile_decode(&r, words, &v) != PROFILE_VALUE_NA)
		fail_msg("%s %s: want 'not available', got %.17g",
		    profile_type_name(type), order == HI ? "high_first" :
		    "low_first", v);
}

/* The same words in the other order: what a low_first meter sends. */
static void
reversed(const uint16_t *in, uint16_t *out, unsigned n)
{
	unsigned i;

	for (i = 0; i < n; i++)
		out[i] = in[n - 1 - i];
}

/* One big-endian pattern, checked in both orders. */
static void
want_both(enum profile_type type, double scale, const uint16_t *hi_words,
    double want)
{
	uint16_t lo_words[4];
	unsigned n = profile_type_words(type);

	want_value(type, HI, scale, hi_words, want);
	reversed(hi_words, lo_words, n);
	want_value(type, LO, scale, lo_words, want);
}

static void
want_na_both(enum profile_type type, const uint16_t *hi_words)
{
	uint16_t lo_words[4];

	want_na(type, HI, hi_words);
	reversed(hi_words, lo_words, profile_type_words(type));
	want_na(type, LO, lo_words);
}

/* ---- type table ---- */

static void
test_type_words(void **state)
{
	(void)state;
	assert_int_equal(profile_type_words(PROFILE_U16), 1);
	assert_int_equal(profile_type_words(PROFILE_S16), 1);
	assert_int_equal(profile_type_words(PROFILE_U32), 2);
	assert_int_equal(profile_type_words(PROFILE_S32), 2);
	assert_int_equal(profile_type_words(PROFILE_FLOAT32), 2);
	assert_int_equal(profile_type_words(PROFILE_U64), 4);
	assert_int_equal(profile_type_words(PROFILE_S64), 4);
	assert_int_equal(profile_type_words(PROFILE_FLOAT64), 4);
}

static void
test_type_names(void **state)
{
	enum profile_type t;
	size_t i;

	(void)state;
	for (i = 0; i < NTYPES; i++) {
		assert_int_equal(profile_type_parse(
		    profile_type_name(all_types[i]), &t), 0);
		assert_int_equal(t, all_types[i]);
	}
	assert_int_equal(profile_type_parse("float32", &t), 0);
	assert_int_equal(t, PROFILE_FLOAT32);
	assert_int_equal(profile_type_parse("int32", &t), -1);
	assert_int_equal(profile_type_parse("U16", &t), -1);
	assert_int_equal(profile_type_parse("", &t), -1);
}

/* ---- decode: known patterns ---- */

static void
test_decode_u16(void **state)
{
	const uint16_t w1[] = { 0x1234 }, w2[] = { 0xFFFE }, w3[] = { 0 };
	const uint16_t w4[] = { 0x8000 }, w5[] = { 2305 };

	(void)state;
	want_both(PROFILE_U16, 1, w1, 4660);
	want_both(PROFILE_U16, 1, w2, 65534);
	want_both(PROFILE_U16, 1, w3, 0);
	want_both(PROFILE_U16, 1, w4, 32768);	/* unsigned: no sign */
	want_both(PROFILE_U16, 0.1, w5, 230.5);
}

static void
test_decode_s16(void **state)
{
	const uint16_t w1[] = { 0xFFFF }, w2[] = { 0x8000 }, w3[] = { 0x7FFE };
	const uint16_t w4[] = { 0x03E8 }, w5[] = { 0xFC18 };

	(void)state;
	want_both(PROFILE_S16, 1, w1, -1);
	want_both(PROFILE_S16, 1, w2, -32768);
	want_both(PROFILE_S16, 1, w3, 32766);
	want_both(PROFILE_S16, 0.001, w4, 1.0);	/* PF*1000 */
	want_both(PROFILE_S16, 0.001, w5, -1.0);
}

static void
test_decode_u32(void **state)
{
	const uint16_t w1[] = { 0x0001, 0x0002 };
	const uint16_t w2[] = { 0xFFFF, 0xFFFE };
	const uint16_t w3[] = { 0x8000, 0x0000 };
	const uint16_t w4[] = { 0x0000, 0x0904 };

	(void)state;
	want_both(PROFILE_U32, 1, w1, 65538);
	want_both(PROFILE_U32, 1, w2, 4294967294.0);
	want_both(PROFILE_U32, 1, w3, 2147483648.0);
	want_both(PROFILE_U32, 0.1, w4, 230.8);
}

static void
test_decode_u32_word_order(void **state)
{
	const uint16_t w[] = { 0x0001, 0x0002 };

	(void)state;
	/* The same two words mean different numbers in the two orders. */
	want_value(PROFILE_U32, HI, 1, w, 0x00010002);
	want_value(PROFILE_U32, LO, 1, w, 0x00020001);
}

static void
test_decode_s32(void **state)
{
	const uint16_t w1[] = { 0xFFFF, 0xFFFE };
	const uint16_t w2[] = { 0x8000, 0x0000 };
	const uint16_t w3[] = { 0x7FFF, 0xFFFE };
	const uint16_t w4[] = { 0xFFFF, 0xCFC7 };	/* -12345 */
	const uint16_t w5[] = { 0x7FFF, 0x0000 };	/* overflow half: a value */

	(void)state;
	want_both(PROFILE_S32, 1, w1, -2);
	want_both(PROFILE_S32, 1, w2, -2147483648.0);
	want_both(PROFILE_S32, 1, w3, 2147483646.0);
	want_both(PROFILE_S32, 0.01, w4, -123.45);
	want_both(PROFILE_S32, 1, w5, 2147418112.0);
}

static void
test_decode_u64(void **state)
{
	const uint16_t w1[] = { 0x0000, 0x0001, 0x0000, 0x0002 };
	const uint16_t w2[] = { 0x0000, 0x0000, 0x00BC, 0x614E };
	const uint16_t w3[] = { 0x8000, 0x0000, 0x0000, 0x0000 };
	const uint16_t w4[] = { 0xFFFF, 0xFFFF, 0xFFFF, 0xFFFE };

	(void)state;
	want_both(PROFILE_U64, 1, w1, 4294967298.0);
	want_both(PROFILE_U64, 0.01, w2, 123456.78);	/* 12345678 */
	want_both(PROFILE_U64, 1, w3, 9223372036854775808.0);
	want_both(PROFILE_U64, 1, w4, 18446744073709551614.0);
}

static void
test_decode_s64(void **state)
{
	const uint16_t w1[] = { 0xFFFF, 0xFFFF, 0xFFFF, 0xFFFF };
	const uint16_t w2[] = { 0x8000, 0x0000, 0x0000, 0x0000 };
	const uint16_t w3[] = { 0xFFFF, 0xFFFF, 0xFFFF, 0xFF9C };
	const uint16_t w4[] = { 0x0000, 0x0001, 0x0000, 0x0000 };

	(void)state;
	/* All ones is -1 for a signed type, not 'not available'. */
	want_both(PROFILE_S64, 1, w1, -1);
	want_both(PROFILE_S64, 1, w2, -9223372036854775808.0);
	want_both(PROFILE_S64, 0.01, w3, -1.0);
	want_both(PROFILE_S64, 1, w4, 4294967296.0);
}

static void
test_decode_float32(void **state)
{
	const uint16_t w1[] = { 0x4366, 0x8000 };	/* 230.5 */
	const uint16_t w2[] = { 0xBFC0, 0x0000 };	/* -1.5 */
	const uint16_t w3[] = { 0x0000, 0x0000 };
	const uint16_t w4[] = { 0x4248, 0x0000 };	/* 50.0 */
	const uint16_t w5[] = { 0x7F7F, 0xFFFF };	/* FLT_MAX */

	(void)state;
	want_both(PROFILE_FLOAT32, 1, w1, 230.5);
	want_both(PROFILE_FLOAT32, 1, w2, -1.5);
	want_both(PROFILE_FLOAT32, 1, w3, 0);
	want_both(PROFILE_FLOAT32, 1, w4, 50);
	want_both(PROFILE_FLOAT32, 2, w4, 100);
	want_both(PROFILE_FLOAT32, 1, w5, 3.4028234663852886e38);
}

static void
test_decode_float32_word_order(void **state)
{
	const uint16_t hi[] = { 0x4366, 0x8000 }, lo[] = { 0x8000, 0x4366 };
	const uint16_t swapped[] = { 0x8000, 0x4366 };
	struct profile_reg r = reg(PROFILE_FLOAT32, HI, 1);
	double v;

	(void)state;
	want_value(PROFILE_FLOAT32, HI, 1, hi, 230.5);
	want_value(PROFILE_FLOAT32, LO, 1, lo, 230.5);
	/* Read with the wrong order, 230.5 becomes a tiny negative number. */
	assert_int_equal(profile_decode(&r, swapped, &v), PROFILE_VALUE_OK);
	assert_true(v < 0 && v > -1e-30);
}

static void
test_decode_float64(void **state)
{
	const uint16_t w1[] = { 0x406C, 0xD000, 0x0000, 0x0000 };	/* 230.5 */
	const uint16_t w2[] = { 0xBFD0, 0x0000, 0x0000, 0x0000 };	/* -0.25 */
	const uint16_t w3[] = { 0x3FF0, 0x0000, 0x0000, 0x0001 };	/* 1+eps */
	const uint16_t w4[] = { 0x0000, 0x0000, 0x0000, 0x0000 };

	(void)state;
	want_both(PROFILE_FLOAT64, 1, w1, 230.5);
	want_both(PROFILE_FLOAT64, 1, w2, -0.25);
	want_both(PROFILE_FLOAT64, 1, w3, 1.0000000000000002);
	want_both(PROFILE_FLOAT64, 1, w4, 0);
	want_both(PROFILE_FLOAT64, 0.001, w1, 0.2305);
}

static void
test_decode_float64_exact(void **state)
{
	/* 1 + 2^-52 must not be rounded through a float on the way. */
	const uint16_t w[] = { 0x3FF0, 0x0000, 0x0000, 0x0001 };
	struct profile_reg r = reg(PROFILE_FLOAT64, HI, 1);
	double v;

	(void)state;
	assert_int_equal(profile_decode(&r, w, &v), PROFILE_VALUE_OK);
	assert_true(v == 1.0 + 0x1p-52);
}

/* ---- decode: every 'not available' pattern ---- */

static void
test_na_unsigned(void **state)
{
	const uint16_t u16[] = { 0xFFFF };
	const uint16_t u32[] = { 0xFFFF, 0xFFFF };
	const uint16_t u64[] = { 0xFFFF, 0xFFFF, 0xFFFF, 0xFFFF };

	(void)state;
	want_na_both(PROFILE_U16, u16);
	want_na_both(PROFILE_U32, u32);
	want_na_both(PROFILE_U64, u64);
}

static void
test_na_signed(void **state)
{
	const uint16_t s16[] = { 0x7FFF };
	const uint16_t s32[] = { 0x7FFF, 0xFFFF };
	const uint16_t s64[] = { 0x7FFF, 0xFFFF, 0xFFFF, 0xFFFF };

	(void)state;
	want_na_both(PROFILE_S16, s16);
	want_na_both(PROFILE_S32, s32);
	want_na_both(PROFILE_S64, s64);
}

static void
test_na_signed_needs_whole_pattern(void **state)
{
	/* Low-first 0x7FFFFFFF is FFFF 7FFF; high-first words are not NA. */
	const uint16_t s32[] = { 0xFFFF, 0x7FFF };
	const uint16_t s64[] = { 0xFFFF, 0xFFFF, 0xFFFF, 0x7FFF };
	struct profile_reg r32 = reg(PROFILE_S32, HI, 1);
	struct profile_reg r64 = reg(PROFILE_S64, HI, 1);
	double v;

	(void)state;
	assert_int_equal(profile_decode(&r32, s32, &v), PROFILE_VALUE_OK);
	assert_near(v, -32769, 0, "s32 FFFF7FFF");
	assert_int_equal(profile_decode(&r64, s64, &v), PROFILE_VALUE_OK);
	assert_near(v, -32769, 0, "s64 FFFF..7FFF");
}

static void
test_na_float32(void **state)
{
	const uint16_t nan[] = { 0x7FC0, 0x0000 };
	const uint16_t snan[] = { 0x7F80, 0x0001 };
	const uint16_t nnan[] = { 0xFFC0, 0x0000 };
	const uint16_t inf[] = { 0x7F80, 0x0000 };
	const uint16_t ninf[] = { 0xFF80, 0x0000 };
	const uint16_t ones[] = { 0xFFFF, 0xFFFF };

	(void)state;
	want_na_both(PROFILE_FLOAT32, nan);
	want_na_both(PROFILE_FLOAT32, snan);
	want_na_both(PROFILE_FLOAT32, nnan);
	want_na_both(PROFILE_FLOAT32, inf);
	want_na_both(PROFILE_FLOAT32, ninf);
	want_na_both(PROFILE_FLOAT32, ones);
}

static void
test_na_float64(void **state)
{
	const uint16_t nan[] = { 0x7FF8, 0x0000, 0x0000, 0x0000 };
	const uint16_t snan[] = { 0x7FF0, 0x0000, 0x0000, 0x0001 };
	const uint16_t inf[] = { 0x7FF0, 0x0000, 0x0000, 0x0000 };
	const uint16_t ninf[] = { 0xFFF0, 0x0000, 0x0000, 0x0000 };
	const uint16_t ones[] = { 0xFFFF, 0xFFFF, 0xFFFF, 0xFFFF };

	(void)state;
	want_na_both(PROFILE_FLOAT64, nan);
	want_na_both(PROFILE_FLOAT64, snan);
	want_na_both(PROFILE_FLOAT64, inf);
	want_na_both(PROFILE_FLOAT64, ninf);
	want_na_both(PROFILE_FLOAT64, ones);
}

static void
test_na_ignores_scale(void **state)
{
	const uint16_t w[] = { 0xFFFF, 0xFFFF };
	struct profile_reg r = reg(PROFILE_U32, HI, 0.01);
	double v = 0;

	(void)state;
	assert_int_equal(profile_decode(&r, w, &v), PROFILE_VALUE_NA);
	r.scale = -1;
	assert_int_equal(profile_decode(&r, w, &v), PROFILE_VALUE_NA);
}

/* ---- encode ---- */

static void
test_encode_known_words(void **state)
{
	struct profile_reg r;
	uint16_t w[4];

	(void)state;
	r = reg(PROFILE_FLOAT32, HI, 1);
	profile_encode(&r, 230.5, w);
	assert_int_equal(w[0], 0x4366);
	assert_int_equal(w[1], 0x8000);

	r = reg(PROFILE_FLOAT32, LO, 1);
	profile_encode(&r, 230.5, w);
	assert_int_equal(w[0], 0x8000);
	assert_int_equal(w[1], 0x4366);

	r = reg(PROFILE_S32, LO, 0.1);		/* EM24 style: V*10 */
	profile_encode(&r, 230.8, w);
	assert_int_equal(w[0], 0x0904);
	assert_int_equal(w[1], 0x0000);

	r = reg(PROFILE_S16, HI, 0.001);
	profile_encode(&r, -0.5, w);
	assert_int_equal(w[0], 0xFE0C);		/* -500 */

	r = reg(PROFILE_U64, HI, 0.01);		/* ABB style: 0.01 kWh */
	profile_encode(&r, 123456.78, w);
	assert_int_equal(w[0], 0x0000);
	assert_int_equal(w[1], 0x0000);
	assert_int_equal(w[2], 0x00BC);
	assert_int_equal(w[3], 0x614E);

	r = reg(PROFILE_FLOAT64, LO, 1);
	profile_encode(&r, 230.5, w);
	assert_int_equal(w[0], 0x0000);
	assert_int_equal(w[1], 0x0000);
	assert_int_equal(w[2], 0xD000);
	assert_int_equal(w[3], 0x406C);
}

static void
test_encode_rounds(void **state)
{
	struct profile_reg r = reg(PROFILE_U16, HI, 0.1);
	uint16_t w[1];

	(void)state;
	/* 230.46 / 0.1 = 2304.6: nearest, not truncated. */
	profile_encode(&r, 230.46, w);
	assert_int_equal(w[0], 2305);
	profile_encode(&r, 230.44, w);
	assert_int_equal(w[0], 2304);
}

/* Out-of-range values clamp to the type's range minus its NA pattern. */
static void
test_encode_clamps(void **state)
{
	struct profile_reg r;
	uint16_t w[4];
	double v;

	(void)state;
	r = reg(PROFILE_U16, HI, 1);
	profile_encode(&r, 70000, w);
	assert_int_equal(w[0], 0xFFFE);
	profile_encode(&r, -5, w);
	assert_int_equal(w[0], 0);

	r = reg(PROFILE_S16, HI, 1);
	profile_encode(&r, 40000, w);
	assert_int_equal(w[0], 0x7FFE);
	profile_encode(&r, -40000, w);
	assert_int_equal(w[0], 0x8000);

	r = reg(PROFILE_U32, LO, 1);
	profile_encode(&r, 1e12, w);
	assert_int_equal(profile_decode(&r, w, &v), PROFILE_VALUE_OK);
	assert_near(v, 4294967294.0, 0, "u32 clamp");
	profile_encode(&r, -1, w);
	assert_int_equal(profile_decode(&r, w, &v), PROFILE_VALUE_OK);
	assert_near(v, 0, 0, "u32 clamp low");

	r = reg(PROFILE_S32, HI, 1);
	profile_encode(&r, 1e12, w);
	assert_int_equal(w[0], 0x7FFF);
	assert_int_equal(w[1], 0xFFFE);
	profile_encode(&r, -1e12, w);
	assert_int_equal(w[0], 0x8000);
	assert_int_equal(w[1], 0x0000);

	r = reg(PROFILE_U64, HI, 1);
	profile_encode(&r, 1e30, w);
	assert_int_equal(profile_decode(&r, w, &v), PROFILE_VALUE_OK);
	profile_encode(&r, -1, w);
	assert_int_equal(profile_decode(&r, w, &v), PROFILE_VALUE_OK);
	assert_near(v, 0, 0, "u64 clamp low");

	r = reg(PROFILE_S64, LO, 1);
	profile_encode(&r, 1e30, w);
	assert_int_equal(profile_decode(&r, w, &v), PROFILE_VALUE_OK);
	assert_true(v > 0);
	profile_encode(&r, -1e30, w);
	assert_int_equal(profile_decode(&r, w, &v), PROFILE_VALUE_OK);
	assert_true(v < 0);
}

/* ---- round trips ---- */

static void
round_trip(enum profile_type type, enum profile_word_order order,
    double scale, double value, double eps)
{
	struct profile_reg r = reg(type, order, scale);
	uint16_t w[4] = { 0xAAAA, 0xAAAA, 0xAAAA, 0xAAAA };
	double v = 0;

	profile_encode(&r, value, w);
	if (profile_decode(&r, w, &v) != PROFILE_VALUE_OK)
		fail_msg("%s %s scale %g: %.17g came back 'not available'",
		    profile_type_name(type), order == HI ? "high_first" :
		    "low_first", scale, value);
	assert_near(v, value, eps, profile_type_name(type));
}

static void
test_round_trip_integers(void **state)
{
	static const enum profile_word_order orders[] = { HI, LO };
	size_t o;

	(void)state;
	for (o = 0; o < 2; o++) {
		enum profile_word_order ord = orders[o];

		round_trip(PROFILE_U16, ord, 1, 0, 0);
		round_trip(PROFILE_U16, ord, 1, 65534, 0);
		round_trip(PROFILE_U16, ord, 0.01, 49.99, 1e-12);
		round_trip(PROFILE_S16, ord, 1, -32768, 0);
		round_trip(PROFILE_S16, ord, 1, 32766, 0);
		round_trip(PROFILE_S16, ord, 0.001, -0.987, 1e-12);
		round_trip(PROFILE_U32, ord, 1, 4294967294.0, 0);
		round_trip(PROFILE_U32, ord, 0.1, 231.7, 1e-12);
		round_trip(PROFILE_S32, ord, 1, -2147483648.0, 0);
		round_trip(PROFILE_S32, ord, 1, 2147483646.0, 0);
		round_trip(PROFILE_S32, ord, 0.01, -4567.89, 1e-12);
		round_trip(PROFILE_U64, ord, 1, 0, 0);
		round_trip(PROFILE_U64, ord, 1, 1e15, 0);
		round_trip(PROFILE_U64, ord, 0.01, 987654321.09, 1e-12);
		round_trip(PROFILE_S64, ord, 1, -1, 0);
		round_trip(PROFILE_S64, ord, 1, -1e15, 0);
		round_trip(PROFILE_S64, ord, 0.01, -987654321.09, 1e-12);
	}
}

static void
test_round_trip_floats(void **state)
{
	static const double values[] = {
		0, 230.5, -1.5, 49.98, 1e-3, -123456.789, 3.0e38
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
		/* A float keeps 24 bits: about 6e-8 relative. */
		round_trip(PROFILE_FLOAT32, HI, 1, values[i], 1e-7);
		round_trip(PROFILE_FLOAT32, LO, 1, values[i], 1e-7);
		round_trip(PROFILE_FLOAT64, HI, 1, values[i], 1e-15);
		round_trip(PROFILE_FLOAT64, LO, 1, values[i], 1e-15);
		round_trip(PROFILE_FLOAT64, LO, 1e-3, values[i], 1e-15);
	}
}

static void
test_encode_na_decodes_na(void **state)
{
	size_t i;
	int o;

	(void)state;
	for (i = 0; i < NTYPES; i++)
		for (o = 0; o < 2; o++) {
			struct profile_reg r = reg(all_types[i],
			    o ? LO : HI, 0.1);
			uint16_t w[4] = { 0x1234, 0x1234, 0x1234, 0x1234 };
			double v = 0;

			profile_encode_na(&r, w);
			if (profile_decode(&r, w, &v) != PROFILE_VALUE_NA)
				fail_msg("%s order %d: NA pattern decoded as "
				    "%.17g", profile_type_name(all_types[i]),
				    o, v);
		}
}

/*
 * A value the simulator cannot compute (0/0 power factor) is NaN; on an
 * integer type it must come out as the NA pattern, not as a NaN cast to an
 * integer, which C leaves undefined.
 */
static void
test_encode_nan_is_na(void **state)
{
	size_t i;
	int o;

	(void)state;
	for (i = 0; i < NTYPES; i++)
		for (o = 0; o < 2; o++) {
			struct profile_reg r = reg(all_types[i],
			    o ? LO : HI, 0.01);
			uint16_t w[4] = { 0x1234, 0x1234, 0x1234, 0x1234 };
			double v = 0;

			profile_encode(&r, NAN, w);
			if (profile_decode(&r, w, &v) != PROFILE_VALUE_NA)
				fail_msg("%s order %d: NaN encoded as %.17g",
				    profile_type_name(all_types[i]), o, v);
		}
}

static void
test_encode_na_words(void **state)
{
	struct profile_reg r;
	uint16_t w[4];

	(void)state;
	r = reg(PROFILE_S32, LO, 1);
	profile_encode_na(&r, w);
	assert_int_equal(w[0], 0xFFFF);
	assert_int_equal(w[1], 0x7FFF);

	r = reg(PROFILE_S64, HI, 1);
	profile_encode_na(&r, w);
	assert_int_equal(w[0], 0x7FFF);
	assert_int_equal(w[3], 0xFFFF);

	r = reg(PROFILE_U16, HI, 1);
	w[1] = 0x5555;
	profile_encode_na(&r, w);
	assert_int_equal(w[0], 0xFFFF);
	assert_int_equal(w[1], 0x5555);	/* one word only: no overrun */
}

/* ---- shipped profiles ---- */

static const struct profile_reg *
find(const struct profile *p, const char *metric)
{
	size_t i;

	for (i = 0; i < p->nregs; i++)
		if (strcmp(p->regs[i].metric, metric) == 0)
			return &p->regs[i];
	return NULL;
}

static struct profile *
load_shipped(const char *name)
{
	struct conf_errors errs = { 0, NULL };
	struct profile *p;
	size_t i;

	p = profile_load(PROFILES_DIR, name, &errs);
	for (i = 0; i < errs.n; i++)
		print_error("%s\n", errs.msgs[i]);
	assert_int_equal(errs.n, 0);
	assert_non_null(p);
	conf_errors_free(&errs);
	return p;
}

static void
expect_reg(const struct profile *p, const char *metric, int function,
    unsigned address, enum profile_type type, enum profile_word_order order,
    double scale)
{
	const struct profile_reg *r = find(p, metric);

	if (r == NULL)
		fail_msg("%s: no register for %s", p->name, metric);
	assert_int_equal(r->function, function);
	assert_int_equal(r->address, address);
	assert_int_equal(r->type, type);
	assert_int_equal(r->order, order);
	assert_near(r->scale, scale, 1e-12, metric);
	assert_non_null(r->info);
	assert_true(r->line > 0);
}

/*
 * What holds for every shipped map: canonical metrics in their unit, every
 * value readable within max_registers, and no two values overlapping.
 */
static void
check_sane(const struct profile *p)
{
	size_t i, j;

	assert_true(p->nregs > 0);
	assert_in_range(p->max_registers, 1, PROFILE_MAX_REGISTERS);
	for (i = 0; i < p->nregs; i++) {
		const struct profile_reg *a = &p->regs[i];
		unsigned an = profile_type_words(a->type);

		assert_ptr_equal(a->info, metric_find(a->metric));
		assert_true(an <= (unsigned)p->max_registers);
		assert_true(a->function == 3 || a->function == 4);
		for (j = 0; j < i; j++) {
			const struct profile_reg *b = &p->regs[j];
			unsigned bn = profile_type_words(b->type);

			if (a->function != b->function)
				continue;
			if (a->address < b->address + bn &&
			    b->address < a->address + an)
				fail_msg("%s: %s (line %d) overlaps %s (line "
				    "%d)", p->name, a->metric, a->line,
				    b->metric, b->line);
		}
	}
}

static void
test_shipped_sdm630(void **state)
{
	struct profile *p = load_shipped("sdm630");
	const uint16_t w[] = { 0x4366, 0x8000 };
	double v;

	(void)state;
	check_sane(p);
	assert_string_equal(p->manufacturer, "Eastron");
	assert_null(p->module);
	assert_int_equal(p->max_registers, 80);
	expect_reg(p, "voltage_l1", 4, 0x0000, PROFILE_FLOAT32, HI, 1);
	expect_reg(p, "voltage_l3", 4, 0x0004, PROFILE_FLOAT32, HI, 1);
	expect_reg(p, "current_l2", 4, 0x0008, PROFILE_FLOAT32, HI, 1);
	expect_reg(p, "power_l3", 4, 0x0010, PROFILE_FLOAT32, HI, 1);
	expect_reg(p, "power", 4, 0x0034, PROFILE_FLOAT32, HI, 1);
	expect_reg(p, "power_apparent", 4, 0x0038, PROFILE_FLOAT32, HI, 1);
	expect_reg(p, "power_reactive", 4, 0x003C, PROFILE_FLOAT32, HI, 1);
	expect_reg(p, "power_factor", 4, 0x003E, PROFILE_FLOAT32, HI, 1);
	expect_reg(p, "frequency", 4, 0x0046, PROFILE_FLOAT32, HI, 1);
	expect_reg(p, "energy_import", 4, 0x0048, PROFILE_FLOAT32, HI, 1);
	expect_reg(p, "energy_export", 4, 0x004A, PROFILE_FLOAT32, HI, 1);
	expect_reg(p, "energy_reactive_export", 4, 0x004E, PROFILE_FLOAT32,
	    HI, 1);
	expect_reg(p, "voltage_l12", 4, 0x00C8, PROFILE_FLOAT32, HI, 1);
	expect_reg(p, "voltage_l31", 4, 0x00CC, PROFILE_FLOAT32, HI, 1);
	expect_reg(p, "current_n", 4, 0x00E0, PROFILE_FLOAT32, HI, 1);
	expect_reg(p, "thd_voltage_l1", 4, 0x00EA, PROFILE_FLOAT32, HI, 1);
	expect_reg(p, "thd_current_l3", 4, 0x00F4, PROFILE_FLOAT32, HI, 1);
	assert_string_equal(find(p, "voltage_l1")->info->unit, "V");
	assert_string_equal(find(p, "power_factor")->info->unit, "");
	assert_int_equal(p->nregs, 28);
	/* The SDM630MCT's CTs may be of any ratio: no rating. */
	assert_true(p->max_power == 0);
	assert_int_equal(profile_decode(find(p, "voltage_l1"), w, &v),
	    PROFILE_VALUE_OK);
	assert_near(v, 230.5, 0, "sdm630 voltage_l1");
	profile_free(p);
}

static void
test_shipped_sdm120(void **state)
{
	struct profile *p = load_shipped("sdm120");

	(void)state;
	check_sane(p);
	assert_string_equal(p->model, "SDM120");
	expect_reg(p, "voltage_l1", 4, 0x0000, PROFILE_FLOAT32, HI, 1);
	expect_reg(p, "current_l1", 4, 0x0006, PROFILE_FLOAT32, HI, 1);
	expect_reg(p, "power", 4, 0x000C, PROFILE_FLOAT32, HI, 1);
	expect_reg(p, "power_factor", 4, 0x001E, PROFILE_FLOAT32, HI, 1);
	expect_reg(p, "frequency", 4, 0x0046, PROFILE_FLOAT32, HI, 1);
	expect_reg(p, "energy_import", 4, 0x0048, PROFILE_FLOAT32, HI, 1);
	expect_reg(p, "energy_reactive_import", 4, 0x004C, PROFILE_FLOAT32,
	    HI, 1);
	/* One phase: nothing on L2/L3. */
	assert_null(find(p, "voltage_l2"));
	assert_null(find(p, "current_l3"));
	/* 100 A (the SDM120CT's) at 276 V. */
	assert_true(p->max_power == 27600);
	profile_free(p);
}

static void
test_shipped_em24(void **state)
{
	struct profile *p = load_shipped("em24");
	const uint16_t volts[] = { 0x0904, 0x0000 };	/* 2308 low first */
	const uint16_t pf[] = { 0xFC7C };		/* -900 */
	double v;
	size_t i;

	(void)state;
	check_sane(p);
	assert_string_equal(p->manufacturer, "Carlo Gavazzi");
	assert_int_equal(p->max_registers, 11);
	expect_reg(p, "voltage_l1", 4, 0x0000, PROFILE_S32, LO, 0.1);
	expect_reg(p, "voltage_l23", 4, 0x0008, PROFILE_S32, LO, 0.1);
	expect_reg(p, "current_l1", 4, 0x000C, PROFILE_S32, LO, 0.001);
	expect_reg(p, "power_l2", 4, 0x0014, PROFILE_S32, LO, 0.1);
	expect_reg(p, "power", 4, 0x0028, PROFILE_S32, LO, 0.1);
	expect_reg(p, "power_factor", 4, 0x0035, PROFILE_S16, LO, 0.001);
	expect_reg(p, "frequency", 4, 0x0037, PROFILE_S16, LO, 0.1);
	expect_reg(p, "energy_import", 4, 0x003E, PROFILE_S32, LO, 0.1);
	expect_reg(p, "energy_export", 4, 0x005C, PROFILE_S32, LO, 0.1);
	expect_reg(p, "energy_reactive_export", 4, 0x005E, PROFILE_S32, LO,
	    0.1);
	/* The file's word_order is the default for every register. */
	for (i = 0; i < p->nregs; i++)
		assert_int_equal(p->regs[i].order, LO);
	assert_int_equal(profile_decode(find(p, "voltage_l1"), volts, &v),
	    PROFILE_VALUE_OK);
	assert_near(v, 230.8, 1e-12, "em24 voltage_l1");
	assert_int_equal(profile_decode(find(p, "power_factor"), pf, &v),
	    PROFILE_VALUE_OK);
	assert_near(v, -0.9, 1e-12, "em24 power_factor");
	profile_free(p);
}

static void
test_shipped_abb_b23(void **state)
{
	struct profile *p = load_shipped("abb-b23");
	const uint16_t kwh[] = { 0x0000, 0x0000, 0x00BC, 0x614E };
	const uint16_t hz[] = { 5000 };
	double v;

	(void)state;
	check_sane(p);
	assert_string_equal(p->manufacturer, "ABB");
	expect_reg(p, "energy_import", 3, 0x5000, PROFILE_U64, HI, 0.01);
	expect_reg(p, "energy_export", 3, 0x5004, PROFILE_U64, HI, 0.01);
	expect_reg(p, "energy_reactive_import", 3, 0x500C, PROFILE_U64, HI,
	    0.01);
	expect_reg(p, "voltage_l1", 3, 0x5B00, PROFILE_U32, HI, 0.1);
	expect_reg(p, "voltage_l12", 3, 0x5B06, PROFILE_U32, HI, 0.1);
	expect_reg(p, "current_l1", 3, 0x5B0C, PROFILE_U32, HI, 0.01);
	expect_reg(p, "current_n", 3, 0x5B12, PROFILE_U32, HI, 0.01);
	expect_reg(p, "power", 3, 0x5B14, PROFILE_S32, HI, 0.01);
	expect_reg(p, "power_l1", 3, 0x5B16, PROFILE_S32, HI, 0.01);
	expect_reg(p, "power_reactive", 3, 0x5B1C, PROFILE_S32, HI, 0.01);
	expect_reg(p, "power_apparent", 3, 0x5B24, PROFILE_S32, HI, 0.01);
	expect_reg(p, "frequency", 3, 0x5B2C, PROFILE_U16, HI, 0.01);
	expect_reg(p, "power_factor", 3, 0x5B3A, PROFILE_S16, HI, 0.001);
	assert_int_equal(profile_decode(find(p, "energy_import"), kwh, &v),
	    PROFILE_VALUE_OK);
	assert_near(v, 123456.78, 1e-12, "abb energy_import");
	assert_int_equal(profile_decode(find(p, "frequency"), hz, &v),
	    PROFILE_VALUE_OK);
	assert_near(v, 50.0, 1e-12, "abb frequency");
	profile_free(p);
}

/* ---- bad profiles ---- */

struct tmp {
	char	dir[64];
};

static int
tmp_setup(void **state)
{
	struct tmp *t;

	if ((t = calloc(1, sizeof(*t))) == NULL)
		return -1;
	snprintf(t->dir, sizeof(t->dir), "/tmp/mews-test-profile.XXXXXX");
	if (mkdtemp(t->dir) == NULL) {
		free(t);
		return -1;
	}
	*state = t;
	return 0;
}

static int
tmp_teardown(void **state)
{
	struct tmp *t = *state;
	struct dirent *de;
	char path[PATH_MAX];
	DIR *d;
	int rc = 0;

	/* Our own mkdtemp folder holds only the files the test wrote. */
	if ((d = opendir(t->dir)) == NULL)
		return -1;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", t->dir, de->d_name);
		if (unlink(path) == -1)
			rc = -1;
	}
	closedir(d);
	if (rmdir(t->dir) == -1)
		rc = -1;
	free(t);
	return rc;
}

static void
write_profile(const struct tmp *t, const char *name, const char *text)
{
	char path[PATH_MAX];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s.conf", t->dir, name);
	assert_non_null(f = fopen(path, "w"));
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
}

/*
 * Load NAME and expect exactly one error, "DIR/NAME.conf:LINE: " followed
 * by a message containing needle.
 */
static void
expect_error(const struct tmp *t, const char *name, int line,
    const char *needle)
{
	struct conf_errors errs = { 0, NULL };
	struct profile *p;
	char prefix[PATH_MAX + 32];
	size_t i;

	p = profile_load(t->dir, name, &errs);
	if (p != NULL) {
		profile_free(p);
		fail_msg("%s: loaded, want an error at line %d", name, line);
	}
	if (errs.n != 1) {
		for (i = 0; i < errs.n; i++)
			print_error("%s\n", errs.msgs[i]);
		fail_msg("%s: %zu errors, want 1", name, errs.n);
	}
	snprintf(prefix, sizeof(prefix), "%s/%s.conf:%d: ", t->dir, name,
	    line);
	if (strncmp(errs.msgs[0], prefix, strlen(prefix)) != 0)
		fail_msg("got \"%s\", want it to start \"%s\"", errs.msgs[0],
		    prefix);
	if (strstr(errs.msgs[0] + strlen(prefix), needle) == NULL)
		fail_msg("got \"%s\", want it to mention \"%s\"",
		    errs.msgs[0], needle);
	conf_errors_free(&errs);
}

#define HEAD	"manufacturer = \"Acme\";\nmodel = \"M1\";\n"

static void
test_bad_syntax(void **state)
{
	write_profile(*state, "syntax", HEAD
	    "registers = (\n"
	    "  { metric = \"power\"; unit = \"W\"; function = 4;\n"
	    "    address = ; type = \"u16\"; }\n"
	    ");\n");
	expect_error(*state, "syntax", 5, "syntax error");
}

static void
test_bad_unknown_key_top(void **state)
{
	write_profile(*state, "topkey", HEAD
	    "colour = \"red\";\n"
	    "registers = (\n"
	    "  { metric = \"power\"; unit = \"W\"; function = 4; address = 0; type = \"u16\"; }\n"
	    ");\n");
	expect_error(*state, "topkey", 3, "unknown key 'colour'");
}

static void
test_bad_max_power(void **state)
{
	write_profile(*state, "maxpower", HEAD
	    "max_power = -5;\n"
	    "registers = (\n"
	    "  { metric = \"power\"; unit = \"W\"; function = 4; address = 0; type = \"u16\"; }\n"
	    ");\n");
	expect_error(*state, "maxpower", 3, "'max_power' is in W");
}

static void
test_bad_unknown_key_reg(void **state)
{
	write_profile(*state, "regkey", HEAD
	    "registers = (\n"
	    "  { metric = \"power\"; unit = \"W\"; function = 4; address = 0; type = \"u16\"; }\n"
	    "  ,\n"
	    "  { metric = \"frequency\"; unit = \"Hz\"; function = 4; address = 2; type = \"u16\"; bias = 1; }\n"
	    ");\n");
	expect_error(*state, "regkey", 6, "unknown key 'bias'");
}

static void
test_bad_unknown_metric(void **state)
{
	write_profile(*state, "metric", HEAD
	    "registers = (\n"
	    "  { metric = \"power_l4\"; unit = \"W\"; function = 4; address = 0; type = \"u16\"; }\n"
	    ");\n");
	expect_error(*state, "metric", 4, "unknown metric 'power_l4'");
}

static void
test_bad_unit(void **state)
{
	write_profile(*state, "unit", HEAD
	    "registers = (\n"
	    "  { metric = \"voltage_l1\"; unit = \"V\"; function = 4; address = 0; type = \"u16\"; },\n"
	    "  { metric = \"energy_import\"; unit = \"Wh\"; function = 4; address = 2; type = \"u32\"; }\n"
	    ");\n");
	expect_error(*state, "unit", 5, "'energy_import' is in 'kWh', not 'Wh'");
}

static void
test_bad_unit_power_factor(void **state)
{
	/* power_factor is dimensionless: its unit is "", not "%". */
	write_profile(*state, "pfunit", HEAD
	    "registers = (\n"
	    "  { metric = \"power_factor\"; unit = \"%\"; function = 4; address = 0; type = \"s16\"; }\n"
	    ");\n");
	expect_error(*state, "pfunit", 4, "'power_factor' is in '', not '%'");
}

static void
test_bad_type(void **state)
{
	write_profile(*state, "type", HEAD
	    "registers = (\n"
	    "  { metric = \"power\"; unit = \"W\"; function = 4; address = 0; type = \"int32\"; }\n"
	    ");\n");
	expect_error(*state, "type", 4, "unknown type 'int32'");
}

static void
test_bad_function(void **state)
{
	write_profile(*state, "function", HEAD
	    "registers = (\n"
	    "  { metric = \"power\"; unit = \"W\"; function = 5; address = 0; type = \"u16\"; }\n"
	    ");\n");
	expect_error(*state, "function", 4, "'function' is 5, outside 3..4");
}

static void
test_bad_address_range(void **state)
{
	write_profile(*state, "address", HEAD
	    "registers = (\n"
	    "  { metric = \"power\"; unit = \"W\"; function = 3;\n"
	    "    address = 0x10000; type = \"u16\"; }\n"
	    ");\n");
	expect_error(*state, "address", 5,
	    "'address' is 65536, outside 0..65535");
}

static void
test_bad_address_negative(void **state)
{
	write_profile(*state, "negaddr", HEAD
	    "registers = (\n"
	    "  { metric = \"power\"; unit = \"W\"; function = 3; address = -1; type = \"u16\"; }\n"
	    ");\n");
	expect_error(*state, "negaddr", 4, "'address' is -1, outside 0..65535");
}

static void
test_bad_address_past_end(void **state)
{
	struct conf_errors errs = { 0, NULL };
	struct profile *p;

	/* One word at 65535 fits; two do not. */
	write_profile(*state, "pastend", HEAD
	    "registers = (\n"
	    "  { metric = \"frequency\"; unit = \"Hz\"; function = 3; address = 0xFFFF; type = \"u16\"; },\n"
	    "  { metric = \"power\"; unit = \"W\"; function = 4; address = 0xFFFF; type = \"float32\"; }\n"
	    ");\n");
	expect_error(*state, "pastend", 5, "runs past 65535");

	write_profile(*state, "lastword", HEAD
	    "registers = (\n"
	    "  { metric = \"frequency\"; unit = \"Hz\"; function = 3; address = 0xFFFF; type = \"u16\"; }\n"
	    ");\n");
	p = profile_load(((struct tmp *)*state)->dir, "lastword", &errs);
	assert_non_null(p);
	assert_int_equal(errs.n, 0);
	assert_int_equal(p->regs[0].address, 0xFFFF);
	profile_free(p);
}

static void
test_bad_duplicate(void **state)
{
	write_profile(*state, "dup", HEAD
	    "registers = (\n"
	    "  { metric = \"power\"; unit = \"W\"; function = 4; address = 0; type = \"float32\"; },\n"
	    "  { metric = \"frequency\"; unit = \"Hz\"; function = 4; address = 2; type = \"float32\"; },\n"
	    "  { metric = \"power\"; unit = \"W\"; function = 4; address = 4; type = \"float32\"; }\n"
	    ");\n");
	expect_error(*state, "dup", 6, "metric 'power' already mapped at line 4");
}

static void
test_bad_missing_registers(void **state)
{
	write_profile(*state, "noregs", HEAD
	    "description = \"forgot the map\";\n");
	expect_error(*state, "noregs", 1, "missing 'registers'");
}

static void
test_bad_registers_not_list(void **state)
{
	write_profile(*state, "notlist", HEAD
	    "registers = { metric = \"power\"; };\n");
	expect_error(*state, "notlist", 3, "'registers' must be a list");
}

static void
test_bad_register_not_group(void **state)
{
	write_profile(*state, "notgroup", HEAD
	    "registers = ( \"power\" );\n");
	expect_error(*state, "notgroup", 3, "a register must be a group");
}

static void
test_bad_word_order(void **state)
{
	write_profile(*state, "middle", HEAD
	    "word_order = \"middle\";\n"
	    "registers = (\n"
	    "  { metric = \"power\"; unit = \"W\"; function = 4; address = 0; type = \"u32\"; }\n"
	    ");\n");
	expect_error(*state, "middle", 3,
	    "'word_order' is \"middle\", not one of high_first, low_first");
}

static void
test_bad_word_order_reg(void **state)
{
	write_profile(*state, "middlereg", HEAD
	    "registers = (\n"
	    "  { metric = \"power\"; unit = \"W\"; function = 4; address = 0; type = \"u32\";\n"
	    "    word_order = \"middle\"; }\n"
	    ");\n");
	expect_error(*state, "middlereg", 5, "'word_order' is \"middle\"");
}

static void
test_bad_missing_key(void **state)
{
	write_profile(*state, "nounit", HEAD
	    "registers = (\n"
	    "  { metric = \"power\"; function = 4; address = 0; type = \"u32\"; }\n"
	    ");\n");
	expect_error(*state, "nounit", 4, "missing key 'unit'");
}

static void
test_bad_scale(void **state)
{
	write_profile(*state, "scale0", HEAD
	    "registers = (\n"
	    "  { metric = \"power\"; unit = \"W\"; function = 4; address = 0; type = \"u32\"; scale = 0.0; }\n"
	    ");\n");
	expect_error(*state, "scale0", 4, "'scale' must be a non-zero number");
	write_profile(*state, "scalestr", HEAD
	    "registers = (\n"
	    "  { metric = \"power\"; unit = \"W\"; function = 4; address = 0; type = \"u32\"; scale = \"0.1\"; }\n"
	    ");\n");
	expect_error(*state, "scalestr", 4, "'scale' must be a number");
}

static void
test_bad_max_registers(void **state)
{
	write_profile(*state, "max126", HEAD
	    "max_registers = 126;\n"
	    "registers = (\n"
	    "  { metric = \"power\"; unit = \"W\"; function = 4; address = 0; type = \"u16\"; }\n"
	    ");\n");
	expect_error(*state, "max126", 3, "'max_registers' is 126, outside 1..125");
	write_profile(*state, "max0", HEAD
	    "max_registers = 0;\n"
	    "registers = (\n"
	    "  { metric = \"power\"; unit = \"W\"; function = 4; address = 0; type = \"u16\"; }\n"
	    ");\n");
	expect_error(*state, "max0", 3, "'max_registers' is 0, outside 1..125");
	write_profile(*state, "narrow", HEAD
	    "max_registers = 2;\n"
	    "registers = (\n"
	    "  { metric = \"energy_import\"; unit = \"kWh\"; function = 3; address = 0; type = \"u64\"; }\n"
	    ");\n");
	expect_error(*state, "narrow", 5, "could never be read");
}

static void
test_bad_missing_file(void **state)
{
	expect_error(*state, "nosuchprofile", 0, "cannot open");
}

static void
test_bad_name(void **state)
{
	struct tmp *t = *state;
	struct conf_errors errs = { 0, NULL };

	/* A name is a file name in the profile folder, never a path. */
	assert_null(profile_load(t->dir, "../etc/passwd", &errs));
	assert_null(profile_load(t->dir, "", &errs));
	assert_null(profile_load(t->dir, "SDM630", &errs));
	assert_int_equal(errs.n, 3);
	assert_non_null(strstr(errs.msgs[0], "bad profile name"));
	conf_errors_free(&errs);
}

static void
test_bad_collects_all(void **state)
{
	struct tmp *t = *state;
	struct conf_errors errs = { 0, NULL };
	char prefix[PATH_MAX];

	/* mewsd -t shows every mistake at once, each at its own line. */
	write_profile(t, "many", HEAD
	    "registers = (\n"
	    "  { metric = \"power_l9\"; unit = \"W\"; function = 4; address = 0; type = \"u16\"; },\n"
	    "  { metric = \"power\"; unit = \"W\"; function = 6; address = 2; type = \"u16\"; },\n"
	    "  { metric = \"frequency\"; unit = \"Hz\"; function = 4; address = 4; type = \"int\"; }\n"
	    ");\n");
	assert_null(profile_load(t->dir, "many", &errs));
	assert_int_equal(errs.n, 3);
	snprintf(prefix, sizeof(prefix), "%s/many.conf:4: ", t->dir);
	assert_int_equal(strncmp(errs.msgs[0], prefix, strlen(prefix)), 0);
	snprintf(prefix, sizeof(prefix), "%s/many.conf:5: ", t->dir);
	assert_int_equal(strncmp(errs.msgs[1], prefix, strlen(prefix)), 0);
	snprintf(prefix, sizeof(prefix), "%s/many.conf:6: ", t->dir);
	assert_int_equal(strncmp(errs.msgs[2], prefix, strlen(prefix)), 0);
	conf_errors_free(&errs);
}

/* ---- good profiles written here: defaults and overrides ---- */

static void
test_good_defaults(void **state)
{
	struct tmp *t = *state;
	struct conf_errors errs = { 0, NULL };
	struct profile *p;

	write_profile(t, "good", HEAD
	    "word_order = \"low_first\";\n"
	    "registers = (\n"
	    "  { metric = \"power\"; unit = \"W\"; function = 4; address = 0x10; type = \"s32\"; },\n"
	    "  { metric = \"voltage_l1\"; unit = \"V\"; function = 3; address = 2;\n"
	    "    type = \"u32\"; word_order = \"high_first\"; scale = 0.1; },\n"
	    "  { metric = \"harmonic_voltage_l2_h5\"; unit = \"%\"; function = 4; address = 40; type = \"u16\"; scale = 1; }\n"
	    ");\n");
	p = profile_load(t->dir, "good", &errs);
	assert_int_equal(errs.n, 0);
	assert_non_null(p);
	assert_string_equal(p->name, "good");
	assert_string_equal(p->manufacturer, "Acme");
	assert_string_equal(p->model, "M1");
	assert_null(p->description);
	assert_null(p->module);
	assert_int_equal(p->max_registers, PROFILE_MAX_REGISTERS);
	assert_int_equal(p->nregs, 3);

	assert_string_equal(p->regs[0].metric, "power");
	assert_int_equal(p->regs[0].address, 0x10);
	assert_int_equal(p->regs[0].type, PROFILE_S32);
	assert_int_equal(p->regs[0].order, LO);	/* the file's default */
	assert_near(p->regs[0].scale, 1.0, 0, "default scale");
	assert_int_equal(p->regs[0].line, 5);

	assert_int_equal(p->regs[1].function, 3);
	assert_int_equal(p->regs[1].order, HI);	/* its own */
	assert_near(p->regs[1].scale, 0.1, 0, "scale");
	assert_int_equal(p->regs[1].line, 6);

	/* Harmonics are a family of canonical names, scale may be an int. */
	assert_non_null(p->regs[2].info);
	assert_string_equal(p->regs[2].info->unit, "%");
	assert_near(p->regs[2].scale, 1.0, 0, "int scale");
	profile_free(p);
}

static void
test_good_module_without_registers(void **state)
{
	struct tmp *t = *state;
	struct conf_errors errs = { 0, NULL };
	struct profile *p;

	/* A module-backed profile describes its registers in its own keys. */
	write_profile(t, "pulses", HEAD
	    "module = \"pulse-counter\";\n"
	    "max_registers = 16;\n"
	    "channels = 2;\n"
	    "counter = { function = 3; address = 100; type = \"u32\"; };\n");
	p = profile_load(t->dir, "pulses", &errs);
	assert_int_equal(errs.n, 0);
	assert_non_null(p);
	assert_string_equal(p->module, "pulse-counter");
	assert_int_equal(p->max_registers, 16);
	assert_int_equal(p->nregs, 0);
	assert_non_null(p->module_data);
	profile_free(p);
	profile_free(NULL);
}

static void
test_bad_module_profiles(void **state)
{
	write_profile(*state, "nomod", HEAD
	    "module = \"toaster\";\n");
	expect_error(*state, "nomod", 3, "unknown module 'toaster'");
	write_profile(*state, "modregs", HEAD
	    "module = \"breaker\";\n"
	    "state = { function = 4; address = 0; type = \"u16\"; };\n"
	    "command = { address = 0; open = 1; close = 2; reset = 3; };\n"
	    "registers = ( );\n");
	expect_error(*state, "modregs", 6, "in its own keys");
	write_profile(*state, "nocmd", HEAD
	    "module = \"breaker\";\n"
	    "state = { function = 4; address = 0; type = \"u16\"; };\n");
	expect_error(*state, "nocmd", 1, "missing 'command'");
	write_profile(*state, "badcmd", HEAD
	    "module = \"breaker\";\n"
	    "state = { function = 4; address = 0; type = \"u16\"; };\n"
	    "command = { address = 0; open = 1; close = 2; };\n");
	expect_error(*state, "badcmd", 5, "missing key 'reset'");
	write_profile(*state, "badchan", HEAD
	    "module = \"pulse-counter\";\n"
	    "channels = 0;\n"
	    "counter = { function = 4; address = 0; type = \"u32\"; };\n");
	expect_error(*state, "badchan", 4, "'channels' is 0, outside 1..64");
	write_profile(*state, "badreg", HEAD
	    "module = \"pulse-counter\";\n"
	    "channels = 4;\n"
	    "counter = { function = 4; address = 0; type = \"u33\"; };\n");
	expect_error(*state, "badreg", 5, "unknown type 'u33'");
}

static void
test_decode_offset(void **state)
{
	struct profile_reg r;
	const uint16_t w[] = { 0x0000, 0x03E8 };
	double v = 0;

	(void)state;
	memset(&r, 0, sizeof(r));
	r.type = PROFILE_U32;
	r.order = PROFILE_HIGH_FIRST;
	r.scale = 0.001;
	r.offset = 1234.5;
	assert_int_equal(profile_decode(&r, w, &v), PROFILE_VALUE_OK);
	assert_true(v > 1235.4999 && v < 1235.5001);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_type_words),
		cmocka_unit_test(test_type_names),
		cmocka_unit_test(test_decode_u16),
		cmocka_unit_test(test_decode_s16),
		cmocka_unit_test(test_decode_u32),
		cmocka_unit_test(test_decode_u32_word_order),
		cmocka_unit_test(test_decode_s32),
		cmocka_unit_test(test_decode_u64),
		cmocka_unit_test(test_decode_s64),
		cmocka_unit_test(test_decode_float32),
		cmocka_unit_test(test_decode_float32_word_order),
		cmocka_unit_test(test_decode_float64),
		cmocka_unit_test(test_decode_float64_exact),
		cmocka_unit_test(test_na_unsigned),
		cmocka_unit_test(test_na_signed),
		cmocka_unit_test(test_na_signed_needs_whole_pattern),
		cmocka_unit_test(test_na_float32),
		cmocka_unit_test(test_na_float64),
		cmocka_unit_test(test_na_ignores_scale),
		cmocka_unit_test(test_encode_known_words),
		cmocka_unit_test(test_encode_rounds),
		cmocka_unit_test(test_encode_clamps),
		cmocka_unit_test(test_round_trip_integers),
		cmocka_unit_test(test_round_trip_floats),
		cmocka_unit_test(test_encode_na_decodes_na),
		cmocka_unit_test(test_encode_nan_is_na),
		cmocka_unit_test(test_encode_na_words),
		cmocka_unit_test(test_shipped_sdm630),
		cmocka_unit_test(test_shipped_sdm120),
		cmocka_unit_test(test_shipped_em24),
		cmocka_unit_test(test_shipped_abb_b23),
		cmocka_unit_test_setup_teardown(test_bad_syntax, tmp_setup,
		    tmp_teardown),
		cmocka_unit_test_setup_teardown(test_bad_unknown_key_top,
		    tmp_setup, tmp_teardown),
		cmocka_unit_test_setup_teardown(test_bad_unknown_key_reg,
		    tmp_setup, tmp_teardown),
		cmocka_unit_test_setup_teardown(test_bad_max_power,
		    tmp_setup, tmp_teardown),
		cmocka_unit_test_setup_teardown(test_bad_unknown_metric,
		    tmp_setup, tmp_teardown),
		cmocka_unit_test_setup_teardown(test_bad_unit, tmp_setup,
		    tmp_teardown),
		cmocka_unit_test_setup_teardown(test_bad_unit_power_factor,
		    tmp_setup, tmp_teardown),
		cmocka_unit_test_setup_teardown(test_bad_type, tmp_setup,
		    tmp_teardown),
		cmocka_unit_test_setup_teardown(test_bad_function, tmp_setup,
		    tmp_teardown),
		cmocka_unit_test_setup_teardown(test_bad_address_range,
		    tmp_setup, tmp_teardown),
		cmocka_unit_test_setup_teardown(test_bad_address_negative,
		    tmp_setup, tmp_teardown),
		cmocka_unit_test_setup_teardown(test_bad_address_past_end,
		    tmp_setup, tmp_teardown),
		cmocka_unit_test_setup_teardown(test_bad_duplicate, tmp_setup,
		    tmp_teardown),
		cmocka_unit_test_setup_teardown(test_bad_missing_registers,
		    tmp_setup, tmp_teardown),
		cmocka_unit_test_setup_teardown(test_bad_registers_not_list,
		    tmp_setup, tmp_teardown),
		cmocka_unit_test_setup_teardown(test_bad_register_not_group,
		    tmp_setup, tmp_teardown),
		cmocka_unit_test_setup_teardown(test_bad_word_order, tmp_setup,
		    tmp_teardown),
		cmocka_unit_test_setup_teardown(test_bad_word_order_reg,
		    tmp_setup, tmp_teardown),
		cmocka_unit_test_setup_teardown(test_bad_missing_key,
		    tmp_setup, tmp_teardown),
		cmocka_unit_test_setup_teardown(test_bad_scale, tmp_setup,
		    tmp_teardown),
		cmocka_unit_test_setup_teardown(test_bad_max_registers,
		    tmp_setup, tmp_teardown),
		cmocka_unit_test_setup_teardown(test_bad_missing_file,
		    tmp_setup, tmp_teardown),
		cmocka_unit_test_setup_teardown(test_bad_name, tmp_setup,
		    tmp_teardown),
		cmocka_unit_test_setup_teardown(test_bad_collects_all,
		    tmp_setup, tmp_teardown),
		cmocka_unit_test_setup_teardown(test_good_defaults, tmp_setup,
		    tmp_teardown),
		cmocka_unit_test_setup_teardown(
		    test_good_module_without_registers, tmp_setup,
		    tmp_teardown),
		cmocka_unit_test_setup_teardown(test_bad_module_profiles,
		    tmp_setup, tmp_teardown),
		cmocka_unit_test(test_decode_offset),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
