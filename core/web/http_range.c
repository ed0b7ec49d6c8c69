#include <ctype.h>
#include <string.h>

#include "web/http_range.h"

/* Decimal digits at *s: 0 with *out, or -1 (none, or past UINT64_MAX). */
static int
http_range_number(const char **s, uint64_t *out)
{
	const char *p = *s;
	uint64_t v = 0;

	if (!isdigit((unsigned char)*p))
		return -1;
	for (; isdigit((unsigned char)*p); p++) {
		if (v > (UINT64_MAX - (uint64_t)(*p - '0')) / 10)
			return -1;
		v = v * 10 + (uint64_t)(*p - '0');
	}
	*s = p;
	*out = v;
	return 0;
}

static void
http_range_space(const char **s)
{
	while (**s == ' ' || **s == '\t')
		(*s)++;
}

enum http_range
http_range_parse(const char *value, uint64_t size, uint64_t *first,
    uint64_t *len)
{
	const char *p = value;
	uint64_t a, b;
	int has_first, has_last;

	if (p == NULL)
		return HTTP_RANGE_ALL;
	http_range_space(&p);
	if (strncmp(p, "bytes=", 6) != 0 || strchr(p, ',') != NULL)
		return HTTP_RANGE_ALL;
	p += 6;
	http_range_space(&p);
	has_first = http_range_number(&p, &a) == 0;
	http_range_space(&p);
	if (*p++ != '-')
		return HTTP_RANGE_ALL;
	http_range_space(&p);
	has_last = http_range_number(&p, &b) == 0;
	http_range_space(&p);
	if (*p != '\0' || (!has_first && !has_last) ||
	    (has_first && has_last && b < a))
		return HTTP_RANGE_ALL;
	if (!has_first) {
		/* The last b bytes. */
		if (b == 0 || size == 0)
			return HTTP_RANGE_NONE;
		*first = b < size ? size - b : 0;
		*len = size - *first;
		return HTTP_RANGE_PART;
	}
	if (a >= size)
		return HTTP_RANGE_NONE;
	if (!has_last || b >= size)
		b = size - 1;
	*first = a;
	*len = b - a + 1;
	return HTTP_RANGE_PART;
}
