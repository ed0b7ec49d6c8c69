/*
 * Groups and virtual meters: their configuration (what mewsd -t refuses,
 * at which line), a virtual meter's metrics and arithmetic (vmeter.c: the
 * formula, the quality rules, never a half sum), a group's members and
 * sums (group.c), and consumption of a virtual total that goes down.
 */
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "base/metric.h"
#include "config/config.h"
#include "conftmp.h"
#include "devices/device.h"
#include "devices/vmeter.h"
#include "energy/consumption.h"
#include "groups/group.h"

static int
setup(void **state)
{
	(void)state;
	if (conftmp_setup("groups") == -1)
		return -1;
	/* A meter: voltage (does not add up), power and energy (do). */
	if (conftmp_profile("m3", "manufacturer = \"Test\";\nmodel = \"M3\";\n"
	    "registers = (\n"
	    "{ metric = \"voltage_l1\"; unit = \"V\"; function = 4; "
	    "address = 0; type = \"float32\"; },\n"
	    "{ metric = \"power\"; unit = \"W\"; function = 4; "
	    "address = 2; type = \"float32\"; },\n"
	    "{ metric = \"energy_import\"; unit = \"kWh\"; function = 4; "
	    "address = 4; type = \"float32\"; } );\n") == -1)
		return -1;
	/* One without energy. */
	return conftmp_profile("p1", "manufacturer = \"Test\";\n"
	    "model = \"P1\";\nregisters = (\n"
	    "{ metric = \"power\"; unit = \"W\"; function = 4; "
	    "address = 2; type = \"float32\"; } );\n");
}

static int
teardown(void **state)
{
	(void)state;
	return conftmp_teardown();
}

/*
 * Three lines of preamble (profile_dir, state_dir, a bus) and four real
 * devices a..d on lines 4-7, d without energy: the text starts at line 8.
 */
static struct config *
load(const char *text, struct conf_errors *errs)
{
	FILE *f = fopen(conf_path, "w");

	assert_non_null(f);
	fprintf(f, "profile_dir = \"profiles\";\nstate_dir = \"/tmp/x\";\n"
	    "buses = ( { name = \"b\"; port = \"/dev/ttyS0\"; } );\n"
	    "devices = ( { id = \"a\"; bus = \"b\"; address = 1; "
	    "profile = \"m3\"; },\n"
	    "{ id = \"b\"; bus = \"b\"; address = 2; profile = \"m3\"; },\n"
	    "{ id = \"c\"; bus = \"b\"; address = 3; profile = \"m3\"; },\n"
	    "{ id = \"d\"; bus = \"b\"; address = 4; profile = \"p1\"; }\n"
	    "%s", text);
	fclose(f);
	return config_load(conf_path, errs);
}

/* Loading text must fail with an error at LINE holding WHAT. */
static void
expect_error(const char *text, int line, const char *what)
{
	struct conf_errors errs = { 0, NULL };
	struct config *cfg = load(text, &errs);
	char prefix[600];
	size_t i;
	int found = 0;

	assert_null(cfg);
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

static int
has_metric(const struct config_virtual *v, const char *m)
{
	size_t i;

	for (i = 0; i < v->nmetrics; i++)
		if (strcmp(v->metrics[i], m) == 0)
			return 1;
	return 0;
}

static void
test_virtual_config(void **state)
{
	struct conf_errors errs = { 0, NULL };
	const struct config_device *u, *s, *k, *v2;
	struct config *cfg;

	(void)state;
	cfg = load(", { id = \"u\"; name = \"Unmetered\"; virtual = {\n"
	    "  op = \"difference\"; of = [ \"a\", \"b\", \"c\" ]; }; },\n"
	    "{ id = \"s\"; virtual = { op = \"sum\"; of = [ \"b\", \"c\" ]; "
	    "}; },\n"
	    "{ id = \"k\"; virtual = { op = \"scale\"; of = [ \"a\" ]; "
	    "factor = 0.001; }; },\n"
	    "{ id = \"v2\"; virtual = { op = \"sum\"; of = [ \"u\", \"d\" ]; "
	    "metrics = [ \"power\" ]; }; } );\n", &errs);
	assert_int_equal(errs.n, 0);
	assert_non_null(cfg);
	assert_int_equal(cfg->ndevices, 8);
	u = config_find_device(cfg, "u");
	s = config_find_device(cfg, "s");
	k = config_find_device(cfg, "k");
	v2 = config_find_device(cfg, "v2");
	assert_non_null(u->virt);
	assert_null(u->profile);
	assert_null(u->bus);
	assert_string_equal(u->name, "Unmetered");
	assert_int_equal(u->virt->op, CONFIG_VIRTUAL_DIFFERENCE);
	assert_int_equal(u->virt->nof, 3);
	assert_string_equal(u->virt->of[2], "c");
	/* What adds up, not the voltage. */
	assert_int_equal(u->virt->nmetrics, 2);
	assert_true(has_metric(u->virt, "power"));
	assert_true(has_metric(u->virt, "energy_import"));
	assert_false(has_metric(u->virt, "voltage_l1"));
	assert_int_equal(s->virt->op, CONFIG_VIRTUAL_SUM);
	assert_int_equal(s->virt->nmetrics, 2);
	/* A scale keeps every metric of its source. */
	assert_int_equal(k->virt->op, CONFIG_VIRTUAL_SCALE);
	assert_float_equal(k->virt->factor, 0.001, 0);
	assert_int_equal(k->virt->nmetrics, 3);
	assert_true(has_metric(k->virt, "voltage_l1"));
	/* A virtual source, and metrics chosen. */
	assert_int_equal(v2->virt->nmetrics, 1);
	assert_true(v2->virt->chosen);
	config_free(cfg);
}

static void
test_virtual_errors(void **state)
{
	(void)state;
	expect_error(", { id = \"u\"; virtual = {\n"
	    "op = \"sum\"; of = [ \"a\", \"ghost\" ]; }; } );\n", 9,
	    "unknown device \"ghost\" in 'of'");
	expect_error(", { id = \"u\"; virtual = { op = \"avg\"; of = [ \"a\", "
	    "\"b\" ]; }; } );\n", 8, "'op' is \"avg\"");
	expect_error(", { id = \"u\"; virtual = { of = [ \"a\", \"b\" ]; }; } "
	    ");\n", 8, "missing key 'op'");
	expect_error(", { id = \"u\"; virtual = { op = \"scale\"; of = "
	    "[ \"a\", \"b\" ]; factor = 2.0; }; } );\n", 8,
	    "scale takes one source, not 2");
	expect_error(", { id = \"u\"; virtual = { op = \"scale\"; of = "
	    "[ \"a\" ]; }; } );\n", 8, "missing key 'factor'");
	expect_error(", { id = \"u\"; virtual = { op = \"sum\"; of = "
	    "[ \"a\", \"b\" ];\nfactor = 2.0; }; } );\n", 9,
	    "factor is for scale, not sum");
	expect_error(", { id = \"u\"; virtual = { op = \"sum\"; of = "
	    "[ \"a\" ]; }; } );\n", 8, "sum takes two sources or more");
	expect_error(", { id = \"u\"; virtual = { op = \"sum\"; of = "
	    "[ \"a\", \"a\" ]; }; } );\n", 8, "\"a\" is twice in 'of'");
	expect_error(", { id = \"u\"; virtual = { op = \"sum\"; of = "
	    "[ \"u\", \"a\" ]; }; } );\n", 8, "cannot be its own source");
	expect_error(", { id = \"u\"; bus = \"b\"; virtual = { op = \"sum\"; "
	    "of = [ \"a\", \"b\" ]; }; } );\n", 8, "unknown key 'bus'");
	/* A cycle through two virtual meters: both are named. */
	expect_error(", { id = \"u\"; virtual = { op = \"sum\"; of = "
	    "[ \"v\", \"a\" ]; }; },\n{ id = \"v\"; virtual = { op = \"sum\"; "
	    "of = [ \"u\", \"b\" ]; }; } );\n", 8, "\"u\" is in a cycle");
	expect_error(", { id = \"u\"; virtual = { op = \"sum\"; of = "
	    "[ \"v\", \"a\" ]; }; },\n{ id = \"v\"; virtual = { op = \"sum\"; "
	    "of = [ \"u\", \"b\" ]; }; } );\n", 9, "\"v\" is in a cycle");
	/* Metrics: canonical, and measured by every source. */
	expect_error(", { id = \"u\"; virtual = { op = \"sum\"; of = "
	    "[ \"a\", \"b\" ]; metrics = [ \"volts\" ]; }; } );\n", 8,
	    "\"volts\" is not a metric");
	expect_error(", { id = \"u\"; virtual = { op = \"sum\"; of = "
	    "[ \"a\", \"d\" ]; metrics = [ \"energy_import\" ]; }; } );\n", 8,
	    "its source \"d\" has no energy_import");
	expect_error(", { id = \"u\"; virtual = { op = \"scale\"; of = "
	    "[ \"a\" ]; factor = \"x\"; }; } );\n", 8, "factor");
}

#define GROUPS_OK \
	");\ngroups = (\n" \
	"{ id = \"site\"; name = \"Site\"; parent = \"\"; devices = [ \"a\" ]; },\n" \
	"{ id = \"panel\"; parent = \"site\"; devices = [ \"b\", \"c\" ]; },\n" \
	"{ id = \"sub\"; parent = \"panel\"; devices = [ \"c\", \"a\" ]; },\n" \
	"{ id = \"light\"; devices = [ \"b\" ]; } );\n"

static void
test_groups_config(void **state)
{
	struct conf_errors errs = { 0, NULL };
	struct config *cfg;
	size_t out[8], n;

	(void)state;
	cfg = load(GROUPS_OK, &errs);
	assert_int_equal(errs.n, 0);
	assert_non_null(cfg);
	assert_int_equal(cfg->ngroups, 4);
	assert_string_equal(cfg->groups[0].name, "Site");
	assert_string_equal(cfg->groups[1].name, "panel");
	assert_int_equal(cfg->groups[0].parent, -1);
	assert_int_equal(cfg->groups[1].parent, 0);
	assert_int_equal(cfg->groups[2].parent, 1);
	assert_int_equal(cfg->groups[3].parent, -1);
	assert_int_equal(group_find(cfg, "sub"), 2);
	assert_int_equal(group_find(cfg, "nope"), -1);
	/* Each member once, in the configuration's order. */
	n = group_members(cfg, 0, out);
	assert_int_equal(n, 3);
	assert_int_equal(out[0], 0);
	assert_int_equal(out[1], 1);
	assert_int_equal(out[2], 2);
	n = group_members(cfg, 1, out);
	assert_int_equal(n, 3);
	n = group_members(cfg, 2, out);
	assert_int_equal(n, 2);
	assert_int_equal(out[0], 0);
	assert_int_equal(out[1], 2);
	n = group_members(cfg, 3, out);
	assert_int_equal(n, 1);
	assert_int_equal(out[0], 1);
	n = group_children(cfg, 0, out);
	assert_int_equal(n, 1);
	assert_int_equal(out[0], 1);
	assert_int_equal(group_children(cfg, 3, out), 0);
	config_free(cfg);
	/* A group listed before its parent is fine. */
	cfg = load(");\ngroups = ( { id = \"x\"; parent = \"y\"; },\n"
	    "{ id = \"y\"; devices = [ \"d\" ]; } );\n", &errs);
	assert_int_equal(errs.n, 0);
	assert_int_equal(cfg->groups[0].parent, 1);
	config_free(cfg);
}

static void
test_groups_errors(void **state)
{
	(void)state;
	expect_error(");\ngroups = ( { id = \"x\";\ndevices = [ \"a\", \"ghost\" "
	    "]; } );\n", 10, "group \"x\": unknown device \"ghost\"");
	expect_error(");\ngroups = ( { id = \"x\";\nparent = \"nope\"; } );\n",
	    10, "parent \"nope\" is not a group");
	expect_error(");\ngroups = ( { id = \"x\"; parent = \"x\"; } );\n", 9,
	    "cannot be its own parent");
	expect_error(");\ngroups = ( { id = \"x\"; parent = \"z\"; },\n"
	    "{ id = \"y\"; parent = \"x\"; },\n{ id = \"z\"; parent = \"y\"; "
	    "} );\n", 10, "group \"y\": its parents form a cycle");
	expect_error(");\ngroups = ( { id = \"x\"; },\n{ id = \"x\"; } );\n",
	    10, "duplicate group id \"x\" (first at line 9)");
	expect_error(");\ngroups = ( { id = \"X Y\"; } );\n", 9,
	    "must match [a-z0-9_-]{1,32}");
	expect_error(");\ngroups = ( { id = \"x\"; devices = [ \"a\", \"a\" ]; "
	    "} );\n", 9, "\"a\" is twice in 'devices'");
	expect_error(");\ngroups = ( { id = \"x\"; devices = \"a\"; } );\n", 9,
	    "'devices' must be a list of strings");
	expect_error(");\ngroups = ( { id = \"x\"; color = 1; } );\n", 9,
	    "unknown key 'color'");
	expect_error(");\ngroups = ( { name = \"x\"; } );\n", 9,
	    "missing key 'id'");
	expect_error(");\ngroups = { id = \"x\"; };\n", 9,
	    "'groups' must be a list");
}

/* A device as the poller would have it, with the values given. */
struct fake {
	struct device		dev;
	struct device_value	values[3];
};

static void
fake_init(struct fake *f, const char *id, const char *const *metrics,
    size_t n)
{
	size_t i;

	memset(f, 0, sizeof(*f));
	snprintf(f->dev.id, sizeof(f->dev.id), "%s", id);
	f->dev.values = f->values;
	f->dev.nvalues = n;
	f->dev.online = 1;
	f->dev.last_ok = 1000;
	for (i = 0; i < n; i++) {
		f->values[i].metric = metrics[i];
		f->values[i].info = metric_find(metrics[i]);
	}
}

static void
fake_set(struct fake *f, size_t slot, double v, time_t ts,
    enum value_quality q)
{
	f->values[slot].value = v;
	f->values[slot].ts = ts;
	f->values[slot].quality = q;
}

static void
test_vmeter_apply(void **state)
{
	const double in[3] = { 10.5, 2.25, 3 };

	(void)state;
	assert_float_equal(vmeter_apply(CONFIG_VIRTUAL_SUM, 1, in, 3), 15.75,
	    0);
	assert_float_equal(vmeter_apply(CONFIG_VIRTUAL_DIFFERENCE, 1, in, 3),
	    5.25, 0);
	assert_float_equal(vmeter_apply(CONFIG_VIRTUAL_DIFFERENCE, 1, in, 2),
	    8.25, 0);
	assert_float_equal(vmeter_apply(CONFIG_VIRTUAL_SCALE, 0.001, in, 1),
	    0.0105, 1e-15);
	assert_float_equal(vmeter_apply(CONFIG_VIRTUAL_SCALE, -2, in, 1), -21,
	    0);
}

static void
test_vmeter_update(void **state)
{
	static const char *const src_metrics[] = { "power", "energy_import",
	    "voltage_l1" };
	static const char *const v_metrics[] = { "power", "energy_import" };
	char of[3][CONFIG_ID_MAX + 1] = { "main", "s1", "s2" };
	struct config_virtual cv;
	struct fake main, s1, s2, v;
	struct device *src[3] = { &main.dev, &s1.dev, &s2.dev };
	const int poll_ms[3] = { 1000, 1000, 5000 };
	struct vmeter *vm;
	time_t now = 100000;

	(void)state;
	memset(&cv, 0, sizeof(cv));
	cv.op = CONFIG_VIRTUAL_DIFFERENCE;
	cv.factor = 1;
	cv.nof = 3;
	cv.of = of;
	fake_init(&main, "main", src_metrics, 3);
	fake_init(&s1, "s1", src_metrics, 3);
	/* s2 lacks the energy: that value can never be computed. */
	fake_init(&s2, "s2", src_metrics, 1);
	fake_init(&v, "v", v_metrics, 2);
	vm = vmeter_new(&v.dev, &cv, src, poll_ms);
	assert_non_null(vm);

	/* Nothing read yet: none, not a partial difference. */
	fake_set(&main, 0, 5000, now, VALUE_OK);
	fake_set(&s1, 0, 1200, now - 1, VALUE_OK);
	vmeter_update(vm, now);
	assert_int_equal(v.values[0].quality, VALUE_NONE);

	/* All fresh: the formula, as of the oldest source. */
	fake_set(&s2, 0, 800.5, now - 3, VALUE_OK);
	fake_set(&main, 1, 1000, now, VALUE_OK);
	fake_set(&s1, 1, 400, now, VALUE_OK);
	vmeter_update(vm, now);
	assert_int_equal(v.values[0].quality, VALUE_OK);
	assert_float_equal(v.values[0].value, 2999.5, 0);
	assert_int_equal(v.values[0].ts, now - 3);
	assert_int_equal(v.values[1].quality, VALUE_NONE);
	assert_true(v.dev.online);

	/* A source stale: the meter's value is stale, the last one kept. */
	fake_set(&s1, 0, 9999, now + 1, VALUE_STALE);
	s1.dev.online = 0;
	vmeter_update(vm, now + 1);
	assert_int_equal(v.values[0].quality, VALUE_STALE);
	assert_float_equal(v.values[0].value, 2999.5, 0);
	assert_false(v.dev.online);

	/* Fresh again, then too old: within 2 x poll_ms + 2 s only. */
	fake_set(&s1, 0, 1000, now + 2, VALUE_OK);
	fake_set(&main, 0, 5000, now + 2, VALUE_OK);
	s1.dev.online = 1;
	vmeter_update(vm, now + 2);
	assert_int_equal(v.values[0].quality, VALUE_OK);
	assert_float_equal(v.values[0].value, 3199.5, 0);
	/* s2 polled every 5 s: its value of now - 3 is fresh until now + 9. */
	vmeter_update(vm, now + 9);
	assert_int_equal(v.values[0].quality, VALUE_STALE);
	fake_set(&main, 0, 5000, now + 8, VALUE_OK);
	fake_set(&s1, 0, 1000, now + 8, VALUE_OK);
	fake_set(&s2, 0, 800.5, now + 8, VALUE_OK);
	vmeter_update(vm, now + 12);
	assert_int_equal(v.values[0].quality, VALUE_OK);
	/* main polled every second: 4 s old is too old. */
	vmeter_update(vm, now + 13);
	assert_int_equal(v.values[0].quality, VALUE_STALE);

	/* A source that does not measure it: na. */
	fake_set(&main, 0, 0, now + 13, VALUE_NA);
	vmeter_update(vm, now + 13);
	assert_int_equal(v.values[0].quality, VALUE_NA);
	vmeter_free(vm);

	/* A source not running: none. */
	src[1] = NULL;
	fake_init(&v, "v", v_metrics, 2);
	vm = vmeter_new(&v.dev, &cv, src, poll_ms);
	vmeter_update(vm, now + 13);
	assert_int_equal(v.values[0].quality, VALUE_NONE);
	assert_false(v.dev.online);
	vmeter_free(vm);
}

static void
test_vmeter_json(void **state)
{
	char of[3][CONFIG_ID_MAX + 1] = { "main", "s1", "s2" };
	struct config_virtual cv;
	json_t *o;

	(void)state;
	memset(&cv, 0, sizeof(cv));
	cv.op = CONFIG_VIRTUAL_DIFFERENCE;
	cv.factor = 1;
	cv.nof = 3;
	cv.of = of;
	o = vmeter_json(&cv);
	assert_string_equal(json_string_value(json_object_get(o, "op")),
	    "difference");
	assert_string_equal(json_string_value(json_object_get(o, "formula")),
	    "main - s1 - s2");
	assert_int_equal(json_array_size(json_object_get(o, "of")), 3);
	json_decref(o);
	cv.op = CONFIG_VIRTUAL_SCALE;
	cv.nof = 1;
	cv.factor = 0.001;
	o = vmeter_json(&cv);
	assert_string_equal(json_string_value(json_object_get(o, "formula")),
	    "main * 0.001");
	json_decref(o);
}

static void
test_group_sums(void **state)
{
	static const char *const m3[] = { "power", "energy_import",
	    "voltage_l1" };
	static const char *const m1[] = { "power" };
	struct fake a, b, c;
	const struct device *devs[4] = { &a.dev, &b.dev, &c.dev, NULL };
	json_t *o, *p;

	(void)state;
	fake_init(&a, "a", m3, 3);
	fake_init(&b, "b", m3, 3);
	fake_init(&c, "c", m1, 1);
	fake_set(&a, 0, 100, 1, VALUE_OK);
	fake_set(&b, 0, 20.5, 1, VALUE_OK);
	fake_set(&c, 0, 3, 1, VALUE_OK);
	fake_set(&a, 1, 1000, 1, VALUE_OK);
	fake_set(&b, 1, 500, 1, VALUE_STALE);
	fake_set(&a, 2, 230, 1, VALUE_OK);
	o = group_sums(devs, 4);
	p = json_object_get(o, "power");
	assert_float_equal(json_real_value(json_object_get(p, "value")),
	    123.5, 0);
	assert_string_equal(json_string_value(json_object_get(p, "quality")),
	    "ok");
	assert_string_equal(json_string_value(json_object_get(p, "unit")),
	    "W");
	assert_int_equal(json_integer_value(json_object_get(p, "devices")),
	    3);
	/* b's energy is stale: partial, and b named. */
	p = json_object_get(o, "energy_import");
	assert_float_equal(json_real_value(json_object_get(p, "value")),
	    1000, 0);
	assert_string_equal(json_string_value(json_object_get(p, "quality")),
	    "partial");
	assert_int_equal(json_integer_value(json_object_get(p, "devices")),
	    2);
	assert_string_equal(json_string_value(json_array_get(
	    json_object_get(p, "missing"), 0)), "b");
	/* Voltages do not add up. */
	assert_null(json_object_get(o, "voltage_l1"));
	json_decref(o);
	/* None ok: null, never 0. */
	fake_set(&a, 1, 1000, 1, VALUE_STALE);
	o = group_sums(devs, 2);
	p = json_object_get(o, "energy_import");
	assert_true(json_is_null(json_object_get(p, "value")));
	assert_string_equal(json_string_value(json_object_get(p, "quality")),
	    "none");
	json_decref(o);
}

static void
test_group_totals(void **state)
{
	struct consumption_result a[2] = {
		{ 0, 100, 5.0, 1.0, 0 }, { 100, 200, 7.0, 0.5, 0 } };
	struct consumption_result b[2] = {
		{ 0, 100, 1.5, 0.75, CONSUMPTION_RESET }, { 100, 200, NAN, 0, 0 } };
	struct consumption_result other[1] = { { 0, 50, 1, 1, 0 } };
	struct group_total t[2];

	(void)state;
	group_total_init(t, a, 2);
	assert_true(isnan(t[0].amount));
	group_total_add(t, 2, a, 2);
	group_total_add(t, 2, b, 2);
	assert_float_equal(t[0].amount, 6.5, 0);
	assert_float_equal(t[0].coverage, 0.75, 0);
	assert_int_equal(t[0].flags, CONSUMPTION_RESET);
	assert_int_equal(t[0].known, 2);
	assert_int_equal(t[0].members, 2);
	/* b has no data in the second period: partial, a's alone. */
	assert_float_equal(t[1].amount, 7.0, 0);
	assert_float_equal(t[1].coverage, 0, 0);
	assert_int_equal(t[1].known, 1);
	/* A member without an archive, or other periods: no data at all. */
	group_total_add(t, 2, NULL, 0);
	group_total_add(t, 2, other, 1);
	assert_int_equal(t[0].members, 4);
	assert_int_equal(t[0].known, 2);
	assert_float_equal(t[0].amount, 6.5, 0);
	assert_float_equal(t[0].coverage, 0, 0);
	/* No member with data: null. */
	group_total_init(t, a, 2);
	group_total_add(t, 2, NULL, 0);
	assert_true(isnan(t[0].amount));
	assert_int_equal(t[0].known, 0);
}

/*
 * unmetered = main - sub: its index falls when the sub-meter runs ahead.
 * As a meter's index, the drop would be a reset (the whole index counted
 * again); as a virtual total it is negative consumption.
 */
static void
test_signed_total(void **state)
{
	const double v[5] = { 100, 101, 100.5, 102, 103 };
	struct consumption_sample_series s = { 60, 60, 5, v, 0 };
	struct consumption_result r;

	(void)state;
	r = consumption_range(&s, NULL, 0, 60, 300);
	assert_float_equal(r.amount, 1 + 100.5 + 1.5 + 1, 1e-9);
	assert_true(r.flags & CONSUMPTION_RESET);
	s.signed_total = 1;
	r = consumption_range(&s, NULL, 0, 60, 300);
	assert_float_equal(r.amount, 3, 1e-9);
	assert_int_equal(r.flags, 0);
	r = consumption_range(&s, NULL, 0, 60, 180);
	assert_float_equal(r.amount, 0.5, 1e-9);
	r = consumption_range(&s, NULL, 0, 120, 180);
	assert_float_equal(r.amount, -0.5, 1e-9);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_virtual_config),
		cmocka_unit_test(test_virtual_errors),
		cmocka_unit_test(test_groups_config),
		cmocka_unit_test(test_groups_errors),
		cmocka_unit_test(test_vmeter_apply),
		cmocka_unit_test(test_vmeter_update),
		cmocka_unit_test(test_vmeter_json),
		cmocka_unit_test(test_group_sums),
		cmocka_unit_test(test_group_totals),
		cmocka_unit_test(test_signed_total),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
