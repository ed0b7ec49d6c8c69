#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "checks.h"
#include "devices/device.h"

double
check_value(const struct device *d, const char *metric)
{
	const struct device_value *v = device_value(d, metric);

	if (v == NULL)
		print_error("%s has no metric %s\n", d->id, metric);
	assert_non_null(v);
	if (v->quality != VALUE_OK)
		print_error("%s %s: quality %s\n", d->id, metric,
		    device_quality_name(v->quality));
	assert_int_equal(v->quality, VALUE_OK);
	return v->value;
}

void
check_between(double v, double lo, double hi, const char *what)
{
	if (v < lo || v > hi)
		print_error("%s = %g, not in %g..%g\n", what, v, lo, hi);
	assert_true(v >= lo && v <= hi);
}
