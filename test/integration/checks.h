/*
 * cmocka assertions the C integration tests share: a live value that must
 * be fresh, a figure within bounds.  Each says what it saw when it fails.
 */
#ifndef MEWS_TEST_CHECKS_H
#define MEWS_TEST_CHECKS_H

struct device;

/* The device's value of metric, asserting it exists and is ok. */
double check_value(const struct device *, const char *metric);
/* Assert lo <= v <= hi. */
void check_between(double v, double lo, double hi, const char *what);

#endif
