/*
 * CSV of history, pure: RFC 4180 (fields quoted only when they must be,
 * quotes doubled, records ended by CRLF), made ready for Excel by the
 * format: its separator and decimal are those of the reader's locale, and
 * the UTF-8 BOM is what makes Excel read the file as UTF-8 at all.
 *
 * The columns: local ISO 8601 time with its UTC offset, UNIX time, then
 * one per metric headed "METRIC (UNIT)".  The offset makes a file read in
 * another zone unambiguous and shows DST: the hour repeated in autumn is
 * two rows at 02:30, one +02:00 and one +01:00.
 *
 * Nothing is held: text goes to the caller's sink as it is made, a few
 * hundred bytes at a time, so a file of a year and an HTTP download
 * streamed in chunks are written the same way, row by row.
 */
#ifndef MEWS_CSV_H
#define MEWS_CSV_H

#include <stddef.h>
#include <time.h>

struct csv_format {
	char	separator;	/* ';' or ',' */
	char	decimal;	/* '.' or ','; ',' with separator ',' is
				   refused */
	int	bom;		/* write the UTF-8 BOM first */
};

/* Where the text goes: 0, or -1 to stop (the writer then returns -1). */
typedef int (*csv_sink)(void *arg, const char *data, size_t len);

/* 1 when the format can be written, else 0. */
int csv_format_valid(const struct csv_format *);

/*
 * Each writer returns 0, or -1 when the sink stopped it or the format is
 * not valid (nothing is written then).  A sink that stops is not called
 * again by that call.
 */

/*
 * The BOM if asked, then the header record: "time", "unix", then each
 * metric as "METRIC (UNIT)", or just its name when units is NULL or its
 * unit NULL or "".
 */
int csv_header(const struct csv_format *, const char *const *metrics,
    const char *const *units, size_t n, csv_sink, void *arg);
/*
 * One record: t as local time with its offset ("2026-11-24T09:15:00+01:00",
 * in the zone tzset() last read from TZ, via localtime_r), t as UNIX time,
 * then the n values as csv_number writes them.
 */
int csv_row(const struct csv_format *, time_t t, const double *values,
    size_t n, csv_sink, void *arg);
/* One field of text, quoted if it holds the separator, '"', CR or LF. */
int csv_field(const struct csv_format *, const char *text, csv_sink,
    void *arg);

/*
 * One record: t as csv_row writes it, then n fields of text as csv_field
 * writes them (a log's kind, names, a message).
 */
int csv_record(const struct csv_format *, time_t t, const char *const *fields,
    size_t n, csv_sink, void *arg);
/*
 * One record of one line (no CR or LF inside its fields, as a log writes
 * them), split at separator into at most max fields, in place: quotes
 * are removed and doubled ones made single, and fields point into line.
 * The count of fields, or -1 for a quote left open, text after a closing
 * quote, or more than max fields.  A trailing CR is not part of the last
 * field.
 */
int csv_split(char *line, char separator, char **fields, int max);

#define CSV_NUMBER_MAX	32

/*
 * v as a field, in out[CSV_NUMBER_MAX]: seven significant digits but never
 * coarser than a thousandth, trailing zeros trimmed, plain notation from
 * 1e-6 to 1e15, the decimal given.  NaN and infinities are "" (a gap, not
 * a zero).  Its length.
 */
size_t csv_number(double v, char decimal, char *out);

#endif
