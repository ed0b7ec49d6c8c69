#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/csv.h"

/*
 * How numbers are written: one rule for every column, as the writer does
 * not know where a value came from.
 *
 * Seven significant digits: readings are float32 at the meter, whose 24
 * bits hold 7 digits at most, and RRD averages them in double; an eighth
 * digit is the float's noise (230.1f is 230.1000061 as a double).
 * Never coarser than a thousandth: totals come from integer counters
 * scaled to kWh or m3 and reach 9 integer digits, and a thousandth keeps
 * 123456789.123 kWh to the Wh.  At most 15 digits (DBL_DIG): a double has
 * no more exact ones.  The cost: a float32 total above 2^14 shows its own
 * tail at the thousandth (123456.7f is 123456.703), the value the meter
 * gave, to the Wh.
 *
 * Plain notation from 1e-6 to 1e15, where every meter value is: some
 * locales' Excel and LibreOffice read "1e+06" as text.
 */
#define DIGITS		7
#define PLACES_MIN	3
#define DIGITS_MAX	15
#define PLAIN_MIN	1e-6	/* plain when the value or its rounding */
#define PLAIN_MAX	1e15	/* is within these */
#define EXP_MIN		(-6)
#define EXP_MAX		14

#define BOM		"\xEF\xBB\xBF"
#define CRLF		"\r\n"

/* Text gathered so that the sink is called per record, not per field. */
struct out {
	const struct csv_format	*fmt;
	csv_sink		 sink;
	void			*arg;
	int			 failed;
	size_t			 len;
	char			 buf[512];
};

static void
out_init(struct out *o, const struct csv_format *fmt, csv_sink sink,
    void *arg)
{
	o->fmt = fmt;
	o->sink = sink;
	o->arg = arg;
	o->failed = 0;
	o->len = 0;
}

static void
out_flush(struct out *o)
{
	if (!o->failed && o->len > 0 &&
	    o->sink(o->arg, o->buf, o->len) != 0)
		o->failed = 1;
	o->len = 0;
}

static void
out_put(struct out *o, const char *data, size_t len)
{
	size_t room;

	while (len > 0 && !o->failed) {
		room = sizeof(o->buf) - o->len;
		if (room > len)
			room = len;
		memcpy(o->buf + o->len, data, room);
		o->len += room;
		data += room;
		len -= room;
		if (o->len == sizeof(o->buf))
			out_flush(o);
	}
}

static void
out_str(struct out *o, const char *s)
{
	out_put(o, s, strlen(s));
}

static int
out_end(struct out *o)
{
	out_flush(o);
	return o->failed ? -1 : 0;
}

int
csv_format_valid(const struct csv_format *fmt)
{
	if (fmt->separator != ';' && fmt->separator != ',')
		return 0;
	if (fmt->decimal != '.' && fmt->decimal != ',')
		return 0;
	return !(fmt->separator == ',' && fmt->decimal == ',');
}

static int
needs_quotes(const char *s, char separator)
{
	for (; *s != '\0'; s++)
		if (*s == separator || *s == '"' || *s == '\r' ||
		    *s == '\n')
			return 1;
	return 0;
}

/*
 * One field made of parts, so that "METRIC (UNIT)" needs no buffer and no
 * limit on names: quoted as a whole when any part asks for it.
 */
static void
put_field(struct out *o, const char *const *parts, size_t n)
{
	const char *s, *q;
	size_t i;
	int quote = 0;

	for (i = 0; i < n && !quote; i++)
		quote = needs_quotes(parts[i], o->fmt->separator);
	if (!quote) {
		for (i = 0; i < n; i++)
			out_str(o, parts[i]);
		return;
	}
	out_put(o, "\"", 1);
	for (i = 0; i < n; i++) {
		for (s = parts[i]; (q = strchr(s, '"')) != NULL; s = q + 1) {
			/* Up to and with the quote, then the quote again. */
			out_put(o, s, (size_t)(q - s) + 1);
			out_put(o, "\"", 1);
		}
		out_str(o, s);
	}
	out_put(o, "\"", 1);
}

int
csv_field(const struct csv_format *fmt, const char *text, csv_sink sink,
    void *arg)
{
	struct out o;

	if (!csv_format_valid(fmt))
		return -1;
	out_init(&o, fmt, sink, arg);
	put_field(&o, &text, 1);
	return out_end(&o);
}

int
csv_header(const struct csv_format *fmt, const char *const *metrics,
    const char *const *units, size_t n, csv_sink sink, void *arg)
{
	struct out o;
	const char *parts[4];
	size_t i;

	if (!csv_format_valid(fmt))
		return -1;
	out_init(&o, fmt, sink, arg);
	if (fmt->bom)
		out_str(&o, BOM);
	/* Not "ID" first: Excel would take the file for SYLK. */
	out_str(&o, "time");
	out_put(&o, &fmt->separator, 1);
	out_str(&o, "unix");
	for (i = 0; i < n; i++) {
		out_put(&o, &fmt->separator, 1);
		parts[0] = metrics[i];
		if (units == NULL || units[i] == NULL || units[i][0] == '\0') {
			put_field(&o, parts, 1);
			continue;
		}
		parts[1] = " (";
		parts[2] = units[i];
		parts[3] = ")";
		put_field(&o, parts, 4);
	}
	out_str(&o, CRLF);
	return out_end(&o);
}

static int
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/*
 * s as printf made it, [-]DIGITS[RADIX DIGITS][e...]: its radix, whatever
 * LC_NUMERIC made of it, becomes decimal, and the fraction loses its
 * trailing zeros, and the radix with them if nothing is left.  Its length.
 */
static size_t
tidy(char *s, char decimal)
{
	char *p = s, *q, *end;

	if (*p == '-')
		p++;
	while (is_digit(*p))
		p++;
	if (*p == '\0' || *p == 'e')
		return strlen(s);
	for (q = p; *q != '\0' && !is_digit(*q); q++)
		;
	*p = decimal;
	memmove(p + 1, q, strlen(q) + 1);
	for (q = p + 1; is_digit(*q); q++)
		;
	for (end = q; end > p + 1 && end[-1] == '0'; end--)
		;
	if (end == p + 1)
		end = p;
	memmove(end, q, strlen(q) + 1);
	return strlen(s);
}

size_t
csv_number(double v, char decimal, char *out)
{
	char sci[CSV_NUMBER_MAX];
	int e10, places;

	if (!isfinite(v)) {
		out[0] = '\0';
		return 0;
	}
	if (v == 0) {
		/* -0 too: a sign on nothing would read as a debit. */
		strcpy(out, "0");
		return 1;
	}
	/* The exponent once rounded: 9999999.6 is 1.000000e+07. */
	snprintf(sci, sizeof(sci), "%.*e", DIGITS - 1, v);
	e10 = atoi(strchr(sci, 'e') + 1);
	if ((e10 < EXP_MIN || e10 > EXP_MAX) &&
	    (fabs(v) < PLAIN_MIN || fabs(v) >= PLAIN_MAX)) {
		memcpy(out, sci, sizeof(sci));
		return tidy(out, decimal);
	}
	places = DIGITS - 1 - e10;
	if (places < PLACES_MIN)
		places = PLACES_MIN;
	if (places > DIGITS_MAX - 1 - e10)
		places = DIGITS_MAX - 1 - e10;
	if (places < 0)
		places = 0;
	snprintf(out, CSV_NUMBER_MAX, "%.*f", places, v);
	return tidy(out, decimal);
}

/* t as 2026-11-24T09:15:00+01:00: 0, or -1 when it has no local time. */
static int
iso_time(time_t t, char *out, size_t size)
{
	struct tm tm;
	size_t len;

	if (localtime_r(&t, &tm) == NULL)
		return -1;
	len = strftime(out, size - 1, "%Y-%m-%dT%H:%M:%S%z", &tm);
	if (len < 5)
		return -1;
	/* %z is +0100; ISO 8601's extended format wants +01:00. */
	memmove(out + len - 1, out + len - 2, 3);
	out[len - 2] = ':';
	return 0;
}

/* A record's first two fields, t local and UNIX: 0, or -1 (nothing written). */
static int
out_begin_record(struct out *o, const struct csv_format *fmt, time_t t,
    csv_sink sink, void *arg)
{
	char field[64];

	if (!csv_format_valid(fmt) || iso_time(t, field, sizeof(field)) != 0)
		return -1;
	out_init(o, fmt, sink, arg);
	out_str(o, field);
	out_put(o, &fmt->separator, 1);
	snprintf(field, sizeof(field), "%lld", (long long)t);
	out_str(o, field);
	return 0;
}

int
csv_row(const struct csv_format *fmt, time_t t, const double *values,
    size_t n, csv_sink sink, void *arg)
{
	struct out o;
	char field[64];
	size_t i, len;

	if (out_begin_record(&o, fmt, t, sink, arg) == -1)
		return -1;
	for (i = 0; i < n; i++) {
		out_put(&o, &fmt->separator, 1);
		len = csv_number(values[i], fmt->decimal, field);
		out_put(&o, field, len);
	}
	out_str(&o, CRLF);
	return out_end(&o);
}

int
csv_record(const struct csv_format *fmt, time_t t, const char *const *fields,
    size_t n, csv_sink sink, void *arg)
{
	struct out o;
	size_t i;

	if (out_begin_record(&o, fmt, t, sink, arg) == -1)
		return -1;
	for (i = 0; i < n; i++) {
		out_put(&o, &fmt->separator, 1);
		put_field(&o, &fields[i], 1);
	}
	out_str(&o, CRLF);
	return out_end(&o);
}

int
csv_split(char *line, char separator, char **fields, int max)
{
	char *r = line, *w = line;
	size_t len = strlen(line);
	int n = 0;

	if (len > 0 && line[len - 1] == '\r')
		line[len - 1] = '\0';
	for (;;) {
		if (n == max)
			return -1;
		fields[n++] = w;
		if (*r == '"') {
			for (r++;; r++) {
				if (*r == '\0')
					return -1;
				if (*r == '"' && r[1] == '"')
					*w++ = *r++;
				else if (*r == '"')
					break;
				else
					*w++ = *r;
			}
			r++;
			if (*r != separator && *r != '\0')
				return -1;
		} else
			while (*r != separator && *r != '\0')
				*w++ = *r++;
		if (*r == '\0') {
			*w = '\0';
			return n;
		}
		*w++ = '\0';
		r++;
	}
}
