/*
 * modules/meter.c: a profile's registers read in as few requests as the
 * device allows, never past its limit, and decoded from the right words.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "base/conf.h"
#include "modules/module.h"

static struct profile_reg regs[8];
static struct profile prof;

static void
reg(size_t i, const char *metric, uint8_t fc, uint16_t addr,
    enum profile_type type)
{
	memset(&regs[i], 0, sizeof(regs[i]));
	snprintf(regs[i].metric, sizeof(regs[i].metric), "%s", metric);
	regs[i].info = metric_find(metric);
	regs[i].function = fc;
	regs[i].address = addr;
	regs[i].type = type;
	regs[i].order = PROFILE_HIGH_FIRST;
	regs[i].scale = 1.0;
}

static size_t
plan(int max_registers, int merge_gap, size_t nregs, struct module_read *rd,
    void **state)
{
	memset(&prof, 0, sizeof(prof));
	prof.max_registers = max_registers;
	prof.merge_gap = merge_gap;
	prof.nregs = nregs;
	prof.regs = regs;
	assert_int_equal(module_meter.init(&prof, NULL, state), 0);
	return module_meter.plan(*state, rd, 16);
}

static void
test_adjacent_merged(void **unused)
{
	struct module_read rd[16];
	void *m;

	(void)unused;
	reg(0, "voltage_l1", 4, 0, PROFILE_FLOAT32);
	reg(1, "voltage_l2", 4, 2, PROFILE_FLOAT32);
	reg(2, "voltage_l3", 4, 4, PROFILE_FLOAT32);
	assert_int_equal(plan(125, 0, 3, rd, &m), 1);
	assert_int_equal(rd[0].function, 4);
	assert_int_equal(rd[0].address, 0);
	assert_int_equal(rd[0].count, 6);
	module_meter.free(m);
}

static void
test_gap_and_order(void **unused)
{
	struct module_read rd[16];
	void *m;

	(void)unused;
	/* out of order in the file; a gap of 10 registers */
	reg(0, "frequency", 4, 16, PROFILE_FLOAT32);
	reg(1, "voltage_l1", 4, 0, PROFILE_FLOAT32);
	reg(2, "voltage_l2", 4, 2, PROFILE_FLOAT32);
	assert_int_equal(plan(125, 0, 3, rd, &m), 2);
	assert_int_equal(rd[0].address, 0);
	assert_int_equal(rd[0].count, 4);
	assert_int_equal(rd[1].address, 16);
	assert_int_equal(rd[1].count, 2);
	module_meter.free(m);
	/* a device that tolerates reading the gap: one request */
	assert_int_equal(plan(125, 12, 3, rd, &m), 1);
	assert_int_equal(rd[0].count, 18);
	module_meter.free(m);
}

static void
test_limit_and_function(void **unused)
{
	struct module_read rd[16];
	void *m;
	size_t i, n;

	(void)unused;
	reg(0, "voltage_l1", 4, 0, PROFILE_FLOAT32);
	reg(1, "voltage_l2", 4, 2, PROFILE_FLOAT32);
	reg(2, "voltage_l3", 4, 4, PROFILE_FLOAT32);
	reg(3, "current_l1", 4, 6, PROFILE_FLOAT32);
	reg(4, "energy_import", 3, 6, PROFILE_U64);
	reg(5, "energy_export", 3, 10, PROFILE_U64);
	/* at most 4 registers a request */
	n = plan(4, 0, 6, rd, &m);
	assert_int_equal(n, 4);
	for (i = 0; i < n; i++)
		assert_true(rd[i].count <= 4);
	/* holding registers (3) come first, never mixed with input ones */
	assert_int_equal(rd[0].function, 3);
	assert_int_equal(rd[1].function, 3);
	assert_int_equal(rd[2].function, 4);
	assert_int_equal(rd[2].address, 0);
	assert_int_equal(rd[3].address, 4);
	module_meter.free(m);
	/* the protocol's 125 */
	n = plan(125, 125, 6, rd, &m);
	assert_int_equal(n, 2);
	module_meter.free(m);
}

struct seen {
	int		n;
	double		v[8];
	const char	*metric[8];
	int		quality[8];
	const struct module_metric *metrics;
};

static void
collect(void *arg, const struct module_value *v)
{
	struct seen *s = arg;

	s->metric[s->n] = s->metrics[v->slot].name;
	s->quality[s->n] = v->quality;
	s->v[s->n++] = v->value;
}

static void
test_take_decodes(void **unused)
{
	struct module_read rd[16];
	struct seen seen = { 0 };
	/* 230.5 (0x4366 0x8000), then a gap word, then NA (all ones) */
	const uint16_t words[] = { 0x4366, 0x8000, 0x1234, 0xFFFF, 0xFFFF };
	void *m;

	(void)unused;
	reg(0, "voltage_l1", 4, 0, PROFILE_FLOAT32);
	reg(1, "voltage_l2", 4, 3, PROFILE_FLOAT32);
	assert_int_equal(plan(125, 1, 2, rd, &m), 1);
	assert_int_equal(rd[0].count, 5);
	assert_int_equal(module_meter.metrics(m, &seen.metrics), 2);
	module_meter.take(m, 0, words, 5, collect, &seen);
	assert_int_equal(seen.n, 2);
	assert_string_equal(seen.metric[0], "voltage_l1");
	assert_int_equal(seen.quality[0], PROFILE_VALUE_OK);
	assert_true(seen.v[0] == 230.5);
	assert_string_equal(seen.metric[1], "voltage_l2");
	assert_int_equal(seen.quality[1], PROFILE_VALUE_NA);
	/* a short reply never reads past its words */
	seen.n = 0;
	module_meter.take(m, 0, words, 3, collect, &seen);
	assert_int_equal(seen.n, 1);
	module_meter.free(m);
}

static void
test_shipped_profiles_plan(void **unused)
{
	static const char *const names[] = { "sdm630", "sdm120", "em24",
	    "abb-b23" };
	struct conf_errors errs = { 0, NULL };
	struct module_read rd[64];
	size_t i, k, n;
	void *m;

	(void)unused;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		struct profile *p = profile_load(SRCDIR "/modules/profiles",
		    names[i], &errs);

		assert_non_null(p);
		assert_ptr_equal(module_for_profile(p), &module_meter);
		assert_int_equal(module_meter.init(p, NULL, &m), 0);
		n = module_meter.plan(m, rd, 64);
		assert_true(n >= 1);
		assert_true(n < p->nregs);
		for (k = 0; k < n; k++)
			assert_true(rd[k].count <= p->max_registers);
		module_meter.free(m);
		profile_free(p);
	}
	assert_int_equal(errs.n, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_adjacent_merged),
		cmocka_unit_test(test_gap_and_order),
		cmocka_unit_test(test_limit_and_function),
		cmocka_unit_test(test_take_decodes),
		cmocka_unit_test(test_shipped_profiles_plan),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
