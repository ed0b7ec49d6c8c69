#include <sys/prctl.h>
#include <sys/queue.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <rrd.h>
#include <rrd_client.h>

#include "base/clock.h"
#include "base/log.h"
#include "base/metric.h"
#include "energy/consumption.h"
#include "history/graph.h"
#include "history/rrdplan.h"

/*
 * librrd 1.7 serves a DEF whose file name starts with "cb//" from a
 * callback, which its rrd.h does not declare: declared here under our own
 * name, so that a later rrd.h declaring it cannot clash.  The second
 * argument is librrd's enum cf_en, an int.
 */
typedef int (*graph_fetch_fn)(const char *, int, time_t *, time_t *,
    unsigned long *, unsigned long *, char ***, rrd_value_t **);
extern int graph_fetch_cb_register(graph_fetch_fn)
    __asm__("rrd_fetch_cb_register");

#define GRAPH_BAR_GAP		0.12	/* of a period, each side of a bar */
#define GRAPH_MAX_BARS		64
#define GRAPH_REAP_FIRST_MS	5
#define GRAPH_REAP_MAX_MS	500
#define GRAPH_REAP_KILL_S	5	/* a child slow to exit after EOF */

static const char *const graph_period_names[] = {
	"day", "week", "month", "year"
};

int
graph_period_parse(const char *s, enum graph_period *p)
{
	size_t i;

	for (i = 0; i < sizeof(graph_period_names) /
	    sizeof(graph_period_names[0]); i++)
		if (strcmp(s, graph_period_names[i]) == 0) {
			*p = (enum graph_period)i;
			return 0;
		}
	return -1;
}

const char *
graph_period_name(enum graph_period p)
{
	return graph_period_names[p];
}

const char *
graph_format_type(enum graph_format f)
{
	return f == GRAPH_PNG ? "image/png" : "image/svg+xml";
}

/* ---------------------------------------------------------------------- */
/* Drawing (in the child) */

struct graph_theme_colors {
	const char	*back, *grid, *mgrid, *font, *axis, *accent;
};

static const struct graph_theme_colors graph_themes[] = {
	/* The pages' own colours (style.css), light and dark. */
	{ "FFFFFF", "C5CED6A0", "8A96A1C0", "1B2126", "4D5964", "0A58A8" },
	{ "1A1F24", "3A444DC0", "5D6975E0", "E8ECEF", "A7B3BD", "6CB0FF" },
};

/* What the fetch callback serves, for the one graph being drawn. */
struct graph_draw {
	const struct graph_spec		*spec;
	const struct metric_info	*mi;
	time_t				 start, end;
	enum consumption_period		 kind;		/* of the bars */
	unsigned long			 bar_step;
	struct consumption_result	 res[GRAPH_MAX_BARS];
	size_t				 nres;
};

static struct graph_draw *graph_current;

static const struct {
	const char	*metric, *label;
} graph_labels[] = {
	{ "energy_import", "Energy imported" },
	{ "energy_export", "Energy exported" },
	{ "energy_reactive_import", "Reactive energy imported" },
	{ "energy_reactive_export", "Reactive energy exported" },
	{ "water_volume", "Water" },
	{ "gas_volume", "Gas" },
	{ "power", "Active power" },
	{ "power_apparent", "Apparent power" },
	{ "power_reactive", "Reactive power" },
	{ "power_factor", "Power factor" },
	{ "frequency", "Frequency" },
	{ "state", "State" },
	{ "trips", "Trips" },
	{ "current_n", "Current N" },
};

static const struct {
	const char	*prefix, *word;
} graph_phase_words[] = {
	{ "thd_voltage", "THD voltage" }, { "thd_current", "THD current" },
	{ "voltage", "Voltage" }, { "current", "Current" },
	{ "power", "Power" },
};

/* The pages' words for a metric (format.js's metricLabel). */
static void
graph_metric_label(const char *metric, char *out, size_t size)
{
	size_t i, n;
	const char *p;

	for (i = 0; i < sizeof(graph_labels) / sizeof(graph_labels[0]); i++)
		if (strcmp(graph_labels[i].metric, metric) == 0) {
			snprintf(out, size, "%s", graph_labels[i].label);
			return;
		}
	for (i = 0; i < sizeof(graph_phase_words) /
	    sizeof(graph_phase_words[0]); i++) {
		n = strlen(graph_phase_words[i].prefix);
		p = metric + n;
		if (strncmp(metric, graph_phase_words[i].prefix, n) != 0 ||
		    strncmp(p, "_l", 2) != 0 || p[2] < '1' || p[2] > '3')
			continue;
		if (p[3] == '\0') {
			snprintf(out, size, "%s L%c", graph_phase_words[i].word,
			    p[2]);
			return;
		}
		if (p[3] >= '1' && p[3] <= '3' && p[4] == '\0') {
			snprintf(out, size, "%s L%c\xe2\x80\x93L%c",
			    graph_phase_words[i].word, p[2], p[3]);
			return;
		}
	}
	snprintf(out, size, "%s", metric);
	for (i = 0; out[i] != '\0'; i++)
		if (out[i] == '_')
			out[i] = ' ';
	if (out[0] >= 'a' && out[0] <= 'z')
		out[0] = (char)(out[0] - 'a' + 'A');
}

static const char *
graph_unit(const struct metric_info *mi)
{
	return strcmp(mi->unit, "m3") == 0 ? "m\xc2\xb3" : mi->unit;
}

/*
 * Text for a legend, COMMENT or GPRINT: a colon ends the field unless
 * escaped, and in a GPRINT format a % must be doubled.
 */
static void
graph_escape(const char *in, int gprint, char *out, size_t size)
{
	size_t k = 0;

	for (; *in != '\0' && k + 3 < size; in++) {
		if (*in == ':' || *in == '\\')
			out[k++] = '\\';
		else if (*in == '%' && gprint)
			out[k++] = '%';
		out[k++] = *in;
	}
	out[k] = '\0';
}

/* The bars: the consumption of each period, full ones or partial ones. */
static int
graph_fetch_bars(struct graph_draw *d, int partial, time_t *start,
    time_t *end, unsigned long *step, unsigned long *ds_cnt,
    char ***ds_namv, rrd_value_t **data)
{
	time_t b = (time_t)d->bar_step, s, e, t, mid, len;
	size_t n, i, k = 0;
	const struct consumption_result *r;
	int part;

	s = d->start - d->start % b;
	e = d->end + (b - d->end % b) % b;
	n = (size_t)((e - s) / b);
	if ((*data = malloc((n ? n : 1) * sizeof(**data))) == NULL ||
	    (*ds_namv = malloc(sizeof(**ds_namv))) == NULL ||
	    ((*ds_namv)[0] = strdup("v")) == NULL) {
		rrd_set_error("out of memory");
		return -1;
	}
	for (i = 0; i < n; i++) {
		t = s + (time_t)(i + 1) * b;
		mid = t - b / 2;
		(*data)[i] = DNAN;
		while (k < d->nres && d->res[k].to <= mid)
			k++;
		if (k == d->nres || d->res[k].from > mid)
			continue;
		r = &d->res[k];
		len = r->to - r->from;
		if (!isfinite(r->amount) || mid < r->from +
		    (time_t)(len * GRAPH_BAR_GAP) || mid >= r->to -
		    (time_t)(len * GRAPH_BAR_GAP))
			continue;
		part = r->coverage < 0.999 ||
		    (r->flags & CONSUMPTION_SPANS_GAP) != 0;
		if (part == partial)
			(*data)[i] = r->amount;
	}
	*start = s;
	*end = e;
	*step = (unsigned long)b;
	*ds_cnt = 1;
	return 0;
}

static int
graph_fetch(const char *name, int cf, time_t *start, time_t *end,
    unsigned long *step, unsigned long *ds_cnt, char ***ds_namv,
    rrd_value_t **data)
{
	struct graph_draw *d = graph_current;

	(void)cf;
	*ds_namv = NULL;
	*data = NULL;
	if (d == NULL) {
		rrd_set_error("%s: no graph is being drawn", name);
		return -1;
	}
	if (strcmp(name, "cb//avg") == 0)
		return rrd_fetch_r(d->spec->path, "AVERAGE", start, end, step,
		    ds_cnt, ds_namv, data);
	if (strcmp(name, "cb//min") == 0)
		return rrd_fetch_r(d->spec->path, "MIN", start, end, step,
		    ds_cnt, ds_namv, data);
	if (strcmp(name, "cb//max") == 0)
		return rrd_fetch_r(d->spec->path, "MAX", start, end, step,
		    ds_cnt, ds_namv, data);
	if (strcmp(name, "cb//full") == 0 || strcmp(name, "cb//part") == 0)
		return graph_fetch_bars(d, strcmp(name, "cb//part") == 0,
		    start, end, step, ds_cnt, ds_namv, data);
	rrd_set_error("%s: unknown series", name);
	return -1;
}

/* The start of the period n periods before the one holding t. */
static time_t
graph_periods_back(enum consumption_period k, time_t t, int n)
{
	time_t s = consumption_period_start(k, t);

	while (n-- > 0 && s != (time_t)-1)
		s = consumption_period_start(k, s - 1);
	return s;
}

/*
 * An archive's LAST rows of at least step seconds for (from, to] into s,
 * their values malloc'd into *data: 0, or -1 with rrd's error set.
 */
static int
graph_fetch_series(const char *path, time_t from, time_t to,
    unsigned long step, struct consumption_sample_series *s,
    rrd_value_t **data)
{
	unsigned long ds = 0, i;
	char **names = NULL;

	*data = NULL;
	if (rrd_fetch_r(path, "LAST", &from, &to, &step, &ds, &names,
	    data) != 0)
		return -1;
	for (i = 0; i < ds; i++)
		free(names[i]);
	free(names);
	s->start = from + (time_t)step;
	s->step = (time_t)step;
	s->n = ds == 1 ? (size_t)((to - from) / (time_t)step) : 0;
	s->values = *data;
	return 0;
}

/* recent_fill's minute rows, from the archive being drawn. */
static int
graph_minutes(void *arg, time_t from, time_t to,
    struct consumption_sample_series *fine, double **values)
{
	const struct graph_spec *spec = arg;

	if (graph_fetch_series(spec->path, from, to, RECENT_MINUTE, fine,
	    values) == -1) {
		rrd_clear_error();
		return -1;
	}
	return 0;
}

/* Each period's consumption, as /api/consumption computes it. */
static int
graph_bars(struct graph_draw *d, time_t now, char *err, size_t errlen)
{
	static const int back[] = { 23, 6, 30, 11 };
	static const enum consumption_period kinds[] = { CONSUMPTION_HOUR,
	    CONSUMPTION_DAY, CONSUMPTION_DAY, CONSUMPTION_MONTH };
	static const unsigned long fetch_steps[] = { 60, 3600, 3600, 3600 };
	enum graph_period p = d->spec->period;
	struct consumption_sample_series series;
	unsigned long step = fetch_steps[p];
	struct rrdplan plan;
	rrd_value_t *data = NULL;
	ssize_t n;

	d->kind = kinds[p];
	d->start = graph_periods_back(d->kind, now, back[p]);
	d->end = consumption_period_next(d->kind,
	    consumption_period_start(d->kind, now));
	if (d->start == (time_t)-1 || d->end == (time_t)-1) {
		snprintf(err, errlen, "the local calendar cannot place %lld",
		    (long long)now);
		return -1;
	}
	rrd_clear_error();
	if (graph_fetch_series(d->spec->path, d->start - 2 * (time_t)step,
	    d->end, step, &series, &data) == -1) {
		snprintf(err, errlen, "%s", rrd_get_error());
		return -1;
	}
	series.signed_total = d->spec->signed_total;
	rrdplan_total(&plan);
	if (recent_fill(&series, &data, d->end, now,
	    (time_t)rrdplan_seconds(&plan.tier[0]), graph_minutes,
	    (void *)d->spec, &d->spec->live) == -1) {
		free(data);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	n = consumption_periods(&series, NULL, 0, d->kind, d->start, d->end,
	    d->res, GRAPH_MAX_BARS);
	free(data);
	if (n < 0) {
		snprintf(err, errlen, "consumption: %s", strerror(errno));
		return -1;
	}
	d->nres = (size_t)n;
	return 0;
}

/* The bars' own step: about a pixel, and dividing a day. */
static unsigned long
graph_bar_step(time_t span, unsigned width)
{
	static const unsigned long steps[] = { 60, 120, 300, 600, 900, 1200,
	    1800, 3600, 7200, 10800, 14400, 21600, 43200, 86400 };
	size_t i;

	for (i = 0; i < sizeof(steps) / sizeof(steps[0]) - 1; i++)
		if ((time_t)steps[i] * width >= span)
			break;
	return steps[i];
}

struct graph_args {
	char	*argv[96];
	int	 argc;
};

static void
graph_arg(struct graph_args *a, const char *fmt, ...)
{
	va_list ap;
	char *s;

	if (a->argc >= (int)(sizeof(a->argv) / sizeof(a->argv[0])))
		return;
	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) != -1)
		a->argv[a->argc++] = s;
	va_end(ap);
}

static void
graph_args_free(struct graph_args *a)
{
	int i;

	for (i = 0; i < a->argc; i++)
		free(a->argv[i]);
	a->argc = 0;
}

/* A consumption as the pages write it. */
static void
graph_amount(double v, const char *unit, char *out, size_t size)
{
	int decimals = *unit == '\0' ? 0 : fabs(v) < 100 ? 3 :
	    fabs(v) < 10000 ? 1 : 0;

	snprintf(out, size, "%.*f%s%s", decimals, v, *unit ? " " : "", unit);
}

/* what: the unit, or for a count ("trips") its name. */
static void
graph_total_args(struct graph_args *a, struct graph_draw *d,
    const struct graph_theme_colors *c, const char *unit, const char *what)
{
	static const char *const per[] = { "hour", "day", "day", "month" };
	enum graph_period p = d->spec->period;
	double total = 0, peak = NAN;
	size_t i, best = 0, nfull = 0, npart = 0;
	char text[160], esc[320], amount[64], at[64];
	struct tm tm;

	for (i = 0; i < d->nres; i++) {
		if (!isfinite(d->res[i].amount))
			continue;
		if (d->res[i].coverage < 0.999 ||
		    (d->res[i].flags & CONSUMPTION_SPANS_GAP))
			npart++;
		else
			nfull++;
		total += d->res[i].amount;
		if (isnan(peak) || d->res[i].amount > peak) {
			peak = d->res[i].amount;
			best = i;
		}
	}
	graph_arg(a, "DEF:full=cb//full:v:AVERAGE");
	graph_arg(a, "DEF:part=cb//part:v:AVERAGE");
	snprintf(text, sizeof(text), "%s per %s", what, per[p]);
	graph_escape(text, 0, esc, sizeof(esc));
	graph_arg(a, "AREA:full#%s:%s", c->accent, esc);
	if (npart)
		graph_arg(a, "AREA:part#%s70:partial (a gap, or not over "
		    "yet)", c->accent);
	else
		graph_arg(a, "AREA:part#%s70", c->accent);
	graph_arg(a, "COMMENT:\\l");
	if (nfull + npart == 0) {
		graph_arg(a, "COMMENT:No data in this period\\l");
		return;
	}
	graph_amount(total, unit, amount, sizeof(amount));
	snprintf(text, sizeof(text), "Total: %s", amount);
	graph_escape(text, 0, esc, sizeof(esc));
	graph_arg(a, "COMMENT:%s", esc);
	graph_amount(peak, unit, amount, sizeof(amount));
	at[0] = '\0';
	if (localtime_r(&d->res[best].from, &tm) != NULL) {
		if (p == GRAPH_DAY)
			strftime(at, sizeof(at), "%H:00", &tm);
		else if (p == GRAPH_YEAR)
			strftime(at, sizeof(at), "%B %Y", &tm);
		else
			strftime(at, sizeof(at), "%a %d %b", &tm);
	}
	snprintf(text, sizeof(text), "   Highest: %s (%s)", amount, at);
	graph_escape(text, 0, esc, sizeof(esc));
	graph_arg(a, "COMMENT:%s\\l", esc);
}

/*
 * GPRINT's format for a unit: an SI prefix for powers (%s, which is a space
 * when there is none), fixed decimals for the rest, as the pages show them.
 */
static void
graph_gprint_format(const char *unit, char *out, size_t size)
{
	static const struct {
		const char	*unit, *format;
	} formats[] = {
		{ "W", "%.2lf %sW" }, { "var", "%.2lf %svar" },
		{ "VA", "%.2lf %sVA" }, { "V", "%.1lf V" }, { "A", "%.2lf A" },
		{ "Hz", "%.2lf Hz" }, { "%", "%.1lf %%" }, { "", "%.3lf" },
	};
	char u[32];
	size_t i;

	for (i = 0; i < sizeof(formats) / sizeof(formats[0]); i++)
		if (strcmp(formats[i].unit, unit) == 0) {
			snprintf(out, size, "%s", formats[i].format);
			return;
		}
	graph_escape(unit, 1, u, sizeof(u));
	snprintf(out, size, "%%.2lf %s", u);
}

static void
graph_gauge_args(struct graph_args *a, const struct graph_theme_colors *c,
    const char *unit)
{
	char fmt[64];

	graph_gprint_format(unit, fmt, sizeof(fmt));
	graph_arg(a, "DEF:avg=cb//avg:v:AVERAGE");
	graph_arg(a, "DEF:min=cb//min:v:MIN");
	graph_arg(a, "DEF:max=cb//max:v:MAX");
	graph_arg(a, "CDEF:span=max,min,-");
	graph_arg(a, "VDEF:vmin=min,MINIMUM");
	graph_arg(a, "VDEF:vavg=avg,AVERAGE");
	graph_arg(a, "VDEF:vmax=max,MAXIMUM");
	graph_arg(a, "VDEF:vlast=avg,LAST");
	graph_arg(a, "AREA:min");
	graph_arg(a, "AREA:span#%s40:Minimum to maximum:STACK", c->accent);
	graph_arg(a, "LINE1.5:avg#%s:Average\\l", c->accent);
	graph_arg(a, "GPRINT:vmin:Minimum %s", fmt);
	graph_arg(a, "GPRINT:vavg:   Average %s", fmt);
	graph_arg(a, "GPRINT:vmax:   Maximum %s", fmt);
	graph_arg(a, "GPRINT:vlast:   Last %s\\l", fmt);
}

/* XML text: the device's name goes into the SVG's title. */
static void
graph_xml_escape(const char *in, char *out, size_t size)
{
	size_t k = 0, n;
	const char *rep;
	char one[2] = { 0, 0 };

	for (; *in != '\0'; in++) {
		switch (*in) {
		case '<': rep = "&lt;"; break;
		case '>': rep = "&gt;"; break;
		case '&': rep = "&amp;"; break;
		case '"': rep = "&quot;"; break;
		default: one[0] = *in; rep = one; break;
		}
		n = strlen(rep);
		if (k + n + 1 > size)
			break;
		memcpy(out + k, rep, n);
		k += n;
	}
	out[k] = '\0';
}

/*
 * cairo draws the SVG's text as outlines: a title and a description say
 * in words what it shows (screen readers, search, and the tests).
 */
static unsigned char *
graph_svg_titled(const unsigned char *svg, size_t len, const char *title,
    const char *desc, size_t *outlen)
{
	const unsigned char *open, *gt;
	char t[1024], dsc[1024], *head;
	unsigned char *out;
	int n;

	open = memmem(svg, len, "<svg", 4);
	gt = open ? memchr(open, '>', len - (size_t)(open - svg)) : NULL;
	if (gt == NULL)
		return NULL;
	graph_xml_escape(title, t, sizeof(t));
	graph_xml_escape(desc, dsc, sizeof(dsc));
	if ((n = asprintf(&head, "\n<title>%s</title>\n<desc>%s</desc>", t,
	    dsc)) == -1)
		return NULL;
	if ((out = malloc(len + (size_t)n)) != NULL) {
		memcpy(out, svg, (size_t)(gt - svg) + 1);
		memcpy(out + (gt - svg) + 1, head, (size_t)n);
		memcpy(out + (gt - svg) + 1 + n, gt + 1,
		    len - (size_t)(gt - svg) - 1);
		*outlen = len + (size_t)n;
	}
	free(head);
	return out;
}

int
graph_render(const struct graph_spec *s, unsigned char **image, size_t *len,
    char *err, size_t errlen)
{
	static const char *const spans[] = { "last 24 hours", "last 7 days",
	    "last 31 days", "last 365 days" };
	static const char *const bar_spans[] = { "per hour, last 24 hours",
	    "per day, last 7 days", "per day, last 31 days",
	    "per month, last 12 months" };
	static const time_t seconds[] = { 86400, 7 * 86400, 31 * 86400,
	    365 * 86400 };
	/*
	 * Labels under the middle of each bar: rrdgraph centres a label at
	 * its time plus half the LPR field of --x-grid.
	 */
	static const char *const bar_grids[] = {
	    "HOUR:1:HOUR:6:HOUR:2:3600:%H", "DAY:1:DAY:1:DAY:1:86400:%a %d",
	    "DAY:1:WEEK:1:DAY:2:86400:%d", "MONTH:1:YEAR:1:MONTH:1:2592000:%b"
	};
	static const char *const narrow_grids[] = {
	    "HOUR:1:HOUR:6:HOUR:4:3600:%H", "DAY:1:DAY:1:DAY:1:86400:%a",
	    "DAY:1:WEEK:1:DAY:4:86400:%d", "MONTH:1:YEAR:1:MONTH:2:2592000:%b"
	};
	const struct graph_theme_colors *c = &graph_themes[s->theme];
	struct graph_draw *d;
	struct graph_args a = { .argc = 0 };
	const char *unit;
	char label[96], title[320], vlabel[160], what[96];
	size_t k;
	rrd_info_t *info = NULL, *i;
	time_t now = s->end ? s->end : clock_wall();
	int total, rc = -1;

	*image = NULL;
	*len = 0;
	if ((d = calloc(1, sizeof(*d))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	d->spec = s;
	if ((d->mi = metric_find(s->metric)) == NULL) {
		snprintf(err, errlen, "no metric \"%s\"", s->metric);
		goto out;
	}
	total = d->mi->class == METRIC_CLASS_ENERGY;
	unit = graph_unit(d->mi);
	graph_metric_label(s->metric, label, sizeof(label));
	if (total) {
		if (graph_bars(d, now, err, errlen) == -1)
			goto out;
		d->bar_step = graph_bar_step(d->end - d->start, s->width);
		snprintf(title, sizeof(title), "%s: %s %s", s->name, label,
		    bar_spans[s->period]);
		if (*unit == '\0') {
			for (k = 0; label[k] != '\0' && k + 1 < sizeof(what);
			    k++)
				what[k] = (char)tolower((unsigned char)label[k]);
			what[k] = '\0';
		} else
			snprintf(what, sizeof(what), "%s", unit);
		snprintf(vlabel, sizeof(vlabel), "%s per %s", what,
		    s->period == GRAPH_DAY ? "hour" :
		    s->period == GRAPH_YEAR ? "month" : "day");
	} else {
		d->end = now;
		d->start = now - seconds[s->period];
		snprintf(title, sizeof(title), "%s: %s, %s", s->name, label,
		    spans[s->period]);
		snprintf(vlabel, sizeof(vlabel), "%s", unit);
	}
	graph_arg(&a, "graph");
	graph_arg(&a, "-");
	graph_arg(&a, "--imgformat=%s", s->format == GRAPH_PNG ? "PNG" :
	    "SVG");
	graph_arg(&a, "--start=%lld", (long long)d->start);
	graph_arg(&a, "--end=%lld", (long long)d->end);
	graph_arg(&a, "--width=%u", s->width);
	graph_arg(&a, "--height=%u", s->height);
	graph_arg(&a, "--full-size-mode");
	graph_arg(&a, "--border=0");
	graph_arg(&a, "--disable-rrdtool-tag");
	graph_arg(&a, "--title=%s", title);
	if (vlabel[0] != '\0')
		graph_arg(&a, "--vertical-label=%s", vlabel);
	graph_arg(&a, "--font=DEFAULT:8:DejaVu Sans");
	graph_arg(&a, "--font=TITLE:10:DejaVu Sans");
	graph_arg(&a, "--color=BACK#%s", c->back);
	graph_arg(&a, "--color=CANVAS#%s", c->back);
	graph_arg(&a, "--color=SHADEA#%s", c->back);
	graph_arg(&a, "--color=SHADEB#%s", c->back);
	graph_arg(&a, "--color=GRID#%s", c->grid);
	graph_arg(&a, "--color=MGRID#%s", c->mgrid);
	graph_arg(&a, "--color=FONT#%s", c->font);
	graph_arg(&a, "--color=AXIS#%s", c->axis);
	graph_arg(&a, "--color=ARROW#%s", c->axis);
	graph_arg(&a, "--color=FRAME#%s", c->axis);
	if (total) {
		graph_arg(&a, "--lower-limit=0");
		graph_arg(&a, "--units-exponent=0");
		graph_arg(&a, "--x-grid=%s", s->width < 560 ?
		    narrow_grids[s->period] : bar_grids[s->period]);
		graph_total_args(&a, d, c, unit, what);
	} else {
		graph_arg(&a, "--slope-mode");
		if (strcmp(unit, "V") == 0 || strcmp(unit, "Hz") == 0) {
			graph_arg(&a, "--alt-autoscale");
			graph_arg(&a, "--units-exponent=0");
		}
		graph_gauge_args(&a, c, unit);
	}
	graph_fetch_cb_register(graph_fetch);
	graph_current = d;
	rrd_clear_error();
	info = rrd_graph_v(a.argc, a.argv);
	graph_current = NULL;
	if (rrd_test_error() || info == NULL) {
		snprintf(err, errlen, "rrdgraph: %s", rrd_test_error() ?
		    rrd_get_error() : "no image");
		rrd_clear_error();
		goto out;
	}
	for (i = info; i != NULL; i = i->next)
		if (strcmp(i->key, "image") == 0 && i->type == RD_I_BLO)
			break;
	if (i == NULL || i->value.u_blo.size == 0) {
		snprintf(err, errlen, "rrdgraph made no image");
		goto out;
	}
	if (s->format == GRAPH_SVG) {
		char desc[512], named[400];

		snprintf(desc, sizeof(desc), "%s%s%s. Made by mews at %lld.",
		    total ? "Bars: consumption per period in " : "Unit: ",
		    *unit ? unit : "none", total ? "" : "; a line for the "
		    "average, a band from minimum to maximum",
		    (long long)now);
		snprintf(named, sizeof(named), "%s%s%s%s", title,
		    *unit ? " (" : "", unit, *unit ? ")" : "");
		*image = graph_svg_titled(i->value.u_blo.ptr,
		    i->value.u_blo.size, named, desc, len);
	} else if ((*image = malloc(i->value.u_blo.size)) != NULL) {
		memcpy(*image, i->value.u_blo.ptr, i->value.u_blo.size);
		*len = i->value.u_blo.size;
	}
	if (*image == NULL) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	rc = 0;
out:
	if (info != NULL)
		rrd_info_free(info);
	graph_args_free(&a);
	free(d);
	return rc;
}

/* ---------------------------------------------------------------------- */
/* The renderer of mewsd: children, their queue, and the cache */

struct graph_waiter {
	graph_cb	 cb;
	void		*arg;
};

struct graph_job {
	TAILQ_ENTRY(graph_job)	 entry;
	struct graphs		*g;
	struct graph_spec	 spec;
	struct graph_waiter	*waiters;
	size_t			 nwaiters, cap;
	pid_t			 pid;		/* 0: queued */
	int			 fd;
	struct event		*ev_read, *ev_timeout;
	struct evbuffer		*buf;
	uint64_t		 started_ms;
};

TAILQ_HEAD(graph_jobs, graph_job);

/* A child whose image is in, or that was killed: waited for by its pid. */
struct graph_child {
	pid_t			 pid;
	uint64_t		 since_ms;
	int			 killed;
	struct graph_child	*next;
};

struct graph_image {
	struct graph_spec	 key;
	unsigned char		*data;		/* NULL: a free slot */
	size_t			 len;
	uint64_t		 made_ms;
};

struct graphs {
	struct event_base	*base;
	struct graph_jobs	 queued, running;
	struct graph_child	*children;
	struct event		*ev_reap;
	unsigned		 reap_ms;
	struct graph_image	 cache[GRAPH_CACHE_MAX];
	struct graph_stats	 stats;
};


/* Are these the same image? */
static int
graph_same(const struct graph_spec *a, const struct graph_spec *b)
{
	return strcmp(a->device, b->device) == 0 &&
	    strcmp(a->metric, b->metric) == 0 && a->period == b->period &&
	    a->theme == b->theme && a->format == b->format &&
	    a->width == b->width && a->height == b->height;
}

static void
graph_cache_drop(struct graphs *g, struct graph_image *c)
{
	free(c->data);
	c->data = NULL;
	g->stats.cached--;
	g->stats.cached_bytes -= c->len;
}

static struct graph_image *
graph_cache_find(struct graphs *g, const struct graph_spec *s)
{
	uint64_t now = clock_now_us() / 1000;
	size_t i;

	for (i = 0; i < GRAPH_CACHE_MAX; i++) {
		struct graph_image *c = &g->cache[i];

		if (c->data == NULL)
			continue;
		if (now - c->made_ms >= GRAPH_CACHE_S * 1000) {
			graph_cache_drop(g, c);
			continue;
		}
		if (graph_same(&c->key, s))
			return c;
	}
	return NULL;
}

/* The oldest image, or NULL when there is none. */
static struct graph_image *
graph_cache_oldest(struct graphs *g)
{
	struct graph_image *old = NULL;
	size_t i;

	for (i = 0; i < GRAPH_CACHE_MAX; i++)
		if (g->cache[i].data != NULL && (old == NULL ||
		    g->cache[i].made_ms < old->made_ms))
			old = &g->cache[i];
	return old;
}

/* Kept in a free slot, the oldest images making room (slots and bytes). */
static void
graph_cache_put(struct graphs *g, const struct graph_spec *s,
    const unsigned char *data, size_t len)
{
	struct graph_image *c;
	size_t i;

	if (len > GRAPH_CACHE_BYTES / 4)
		return;
	if ((c = graph_cache_find(g, s)) != NULL)
		graph_cache_drop(g, c);
	while (g->stats.cached_bytes + len > GRAPH_CACHE_BYTES &&
	    (c = graph_cache_oldest(g)) != NULL)
		graph_cache_drop(g, c);
	for (i = 0, c = NULL; c == NULL && i < GRAPH_CACHE_MAX; i++)
		if (g->cache[i].data == NULL)
			c = &g->cache[i];
	if (c == NULL) {
		c = graph_cache_oldest(g);
		graph_cache_drop(g, c);
	}
	if ((c->data = malloc(len)) == NULL)
		return;
	memcpy(c->data, data, len);
	c->len = len;
	c->key = *s;
	c->made_ms = clock_now_us() / 1000;
	g->stats.cached++;
	g->stats.cached_bytes += len;
}

static int
graph_write_all(int fd, const void *p, size_t len)
{
	const unsigned char *b = p;
	ssize_t n;

	while (len > 0) {
		if ((n = write(fd, b, len)) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		b += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Every descriptor but the standard ones and keep. */
static void
graph_close_fds(int keep)
{
	long max, fd;

	if ((keep <= 3 || close_range(3, (unsigned)keep - 1, 0) == 0) &&
	    close_range((unsigned)keep + 1, ~0U, 0) == 0)
		return;
	max = sysconf(_SC_OPEN_MAX);
	for (fd = 3; fd < (max > 0 ? max : 1024); fd++)
		if (fd != keep)
			close((int)fd);
}

/*
 * The child: it answers on fd with 'I', the image's length (8 bytes, this
 * machine's order) and the image, or 'E' and a reason; then it exits.
 */
static void __attribute__((noreturn))
graph_child(const struct graph_spec *s, int fd, pid_t parent)
{
	struct sigaction sa;
	sigset_t none;
	unsigned char *image = NULL;
	uint64_t n;
	size_t len;
	char err[512];
	int sig;

	/* mewsd's handlers (through libevent) are not the child's. */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	sigemptyset(&sa.sa_mask);
	for (sig = 1; sig < NSIG; sig++)
		sigaction(sig, &sa, NULL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(1);
	alarm(GRAPH_TIMEOUT_S + 5);
	/* Below the loop's priority; should it fail, the loop shares more. */
	if (nice(10) == -1)
		errno = 0;
	/* rrdcached's connection is the parent's: forget it, then close. */
	rrdc_disconnect();
	graph_close_fds(fd);
	if (s->rrdcached[0] != '\0' && rrdc_connect(s->rrdcached) == 0) {
		rrdc_flush(s->path);
		rrdc_disconnect();
	}
	rrd_clear_error();
	if (graph_render(s, &image, &len, err, sizeof(err)) == 0) {
		n = len;
		if (graph_write_all(fd, "I", 1) == 0 &&
		    graph_write_all(fd, &n, sizeof(n)) == 0)
			graph_write_all(fd, image, len);
	} else {
		graph_write_all(fd, "E", 1);
		graph_write_all(fd, err, strlen(err));
	}
	_exit(0);
}

static void graph_pump(struct graphs *);

static void
graph_reap(evutil_socket_t fd, short what, void *arg)
{
	struct graphs *g = arg;
	struct graph_child **pp = &g->children, *c;
	uint64_t now = clock_now_us() / 1000;
	struct timeval tv;
	pid_t r;
	int status;

	(void)fd;
	(void)what;
	while ((c = *pp) != NULL) {
		r = waitpid(c->pid, &status, WNOHANG);
		if (r == c->pid || (r == -1 && errno != EINTR)) {
			if (r == c->pid && WIFSIGNALED(status) && !c->killed)
				log_warnx("graph: renderer %d died of signal %d",
				    (int)c->pid, WTERMSIG(status));
			*pp = c->next;
			free(c);
			g->stats.reaping--;
			continue;
		}
		if (!c->killed && now - c->since_ms > GRAPH_REAP_KILL_S * 1000) {
			kill(c->pid, SIGKILL);
			c->killed = 1;
		}
		pp = &c->next;
	}
	if (g->children == NULL)
		return;
	/* Soon at first (it is exiting), then less and less often. */
	g->reap_ms = g->reap_ms ? g->reap_ms * 2 : GRAPH_REAP_FIRST_MS;
	if (g->reap_ms > GRAPH_REAP_MAX_MS)
		g->reap_ms = GRAPH_REAP_MAX_MS;
	tv.tv_sec = g->reap_ms / 1000;
	tv.tv_usec = (g->reap_ms % 1000) * 1000;
	evtimer_add(g->ev_reap, &tv);
}

static void
graph_reap_later(struct graphs *g, pid_t pid, int killed)
{
	struct graph_child *c;
	struct timeval tv = { 0, GRAPH_REAP_FIRST_MS * 1000 };

	if ((c = calloc(1, sizeof(*c))) == NULL) {
		/* Better a short wait than a zombie. */
		if (!killed)
			kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		return;
	}
	c->pid = pid;
	c->killed = killed;
	c->since_ms = clock_now_us() / 1000;
	c->next = g->children;
	g->children = c;
	g->stats.reaping++;
	g->reap_ms = 0;
	evtimer_add(g->ev_reap, &tv);
}

/* The job leaves its list; its waiters get their answer; it is freed. */
static void
graph_job_end(struct graph_job *j, int status, const unsigned char *image,
    size_t len, const char *why)
{
	struct graphs *g = j->g;
	size_t i;

	if (j->pid > 0) {
		TAILQ_REMOVE(&g->running, j, entry);
		g->stats.running--;
	} else {
		TAILQ_REMOVE(&g->queued, j, entry);
		g->stats.queued--;
	}
	if (j->ev_read != NULL)
		event_free(j->ev_read);
	if (j->ev_timeout != NULL)
		event_free(j->ev_timeout);
	if (j->fd != -1)
		close(j->fd);
	for (i = 0; i < j->nwaiters; i++)
		j->waiters[i].cb(j->waiters[i].arg, status, image, len, why,
		    i == 0 ? "render" : "shared");
	if (j->buf != NULL)
		evbuffer_free(j->buf);
	free(j->waiters);
	free(j);
}

static void
graph_finished(struct graph_job *j)
{
	struct graphs *g = j->g;
	size_t have = evbuffer_get_length(j->buf);
	unsigned char *p = evbuffer_pullup(j->buf, -1);
	uint64_t n = 0, ms = clock_now_us() / 1000 - j->started_ms;
	char why[600];

	graph_reap_later(g, j->pid, 0);
	if (have >= 1 + sizeof(n) && p[0] == 'I') {
		memcpy(&n, p + 1, sizeof(n));
		if (n > 0 && n == have - 1 - sizeof(n)) {
			g->stats.renders++;
			g->stats.last_ms = ms;
			g->stats.total_ms += ms;
			if (ms > g->stats.max_ms)
				g->stats.max_ms = ms;
			log_debug("graph: %s/%s %s %s %ux%u %s in %llu ms",
			    j->spec.device, j->spec.metric,
			    graph_period_name(j->spec.period),
			    j->spec.theme == GRAPH_DARK ? "dark" : "light",
			    j->spec.width, j->spec.height,
			    j->spec.format == GRAPH_PNG ? "png" : "svg",
			    (unsigned long long)ms);
			graph_cache_put(g, &j->spec, p + 1 + sizeof(n),
			    (size_t)n);
			graph_job_end(j, 200, p + 1 + sizeof(n), (size_t)n,
			    NULL);
			graph_pump(g);
			return;
		}
	}
	g->stats.failures++;
	if (have >= 1 && p[0] == 'E')
		snprintf(why, sizeof(why), "the graph cannot be drawn: %.*s",
		    (int)(have - 1 > 500 ? 500 : have - 1), p + 1);
	else
		snprintf(why, sizeof(why), "the graph cannot be drawn: its "
		    "renderer ended without an image");
	log_warnx("graph: %s/%s: %s", j->spec.device, j->spec.metric, why);
	graph_job_end(j, 500, NULL, 0, why);
	graph_pump(g);
}

static void
graph_readable(evutil_socket_t fd, short what, void *arg)
{
	struct graph_job *j = arg;
	struct graphs *g = j->g;
	int n;

	(void)what;
	for (;;) {
		n = evbuffer_read(j->buf, fd, 65536);
		if (n == 0)
			break;
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return;
			break;
		}
		if (evbuffer_get_length(j->buf) > GRAPH_IMAGE_MAX + 16) {
			kill(j->pid, SIGKILL);
			graph_reap_later(g, j->pid, 1);
			g->stats.failures++;
			graph_job_end(j, 500, NULL, 0, "the graph is too "
			    "large: ask for a smaller one");
			graph_pump(g);
			return;
		}
	}
	graph_finished(j);
}

static void
graph_timeout(evutil_socket_t fd, short what, void *arg)
{
	struct graph_job *j = arg;
	struct graphs *g = j->g;
	char why[128];

	(void)fd;
	(void)what;
	kill(j->pid, SIGKILL);
	graph_reap_later(g, j->pid, 1);
	g->stats.timeouts++;
	snprintf(why, sizeof(why), "the graph took longer than %d s to draw",
	    GRAPH_TIMEOUT_S);
	log_warnx("graph: %s/%s: %s", j->spec.device, j->spec.metric, why);
	graph_job_end(j, 504, NULL, 0, why);
	graph_pump(g);
}

/* A child for the job: 0, or -1 (the job is still queued). */
static int
graph_start(struct graph_job *j)
{
	struct graphs *g = j->g;
	struct timeval tv = { GRAPH_TIMEOUT_S, 0 };
	pid_t parent = getpid(), pid;
	int fds[2];

	if (pipe2(fds, O_CLOEXEC) == -1)
		return -1;
	if (fcntl(fds[0], F_SETFL, O_NONBLOCK) == -1 ||
	    (j->buf = evbuffer_new()) == NULL ||
	    (j->ev_read = event_new(g->base, fds[0], EV_READ | EV_PERSIST,
	    graph_readable, j)) == NULL ||
	    (j->ev_timeout = evtimer_new(g->base, graph_timeout, j)) ==
	    NULL || (pid = fork()) == -1) {
		close(fds[0]);
		close(fds[1]);
		return -1;
	}
	if (pid == 0) {
		close(fds[0]);
		graph_child(&j->spec, fds[1], parent);
	}
	close(fds[1]);
	j->fd = fds[0];
	j->pid = pid;
	j->started_ms = clock_now_us() / 1000;
	event_add(j->ev_read, NULL);
	evtimer_add(j->ev_timeout, &tv);
	TAILQ_REMOVE(&g->queued, j, entry);
	g->stats.queued--;
	TAILQ_INSERT_TAIL(&g->running, j, entry);
	if (++g->stats.running > g->stats.peak_running)
		g->stats.peak_running = g->stats.running;
	return 0;
}

/* Children for the queue's first jobs, up to the limit. */
static void
graph_pump(struct graphs *g)
{
	struct graph_job *j;
	char why[160];

	while (g->stats.running < GRAPH_RUNNING_MAX &&
	    (j = TAILQ_FIRST(&g->queued)) != NULL) {
		if (graph_start(j) == 0)
			continue;
		snprintf(why, sizeof(why), "no renderer could be started: %s",
		    strerror(errno));
		log_warnx("graph: %s", why);
		g->stats.failures++;
		graph_job_end(j, 503, NULL, 0, why);
	}
}

static int
graph_add_waiter(struct graph_job *j, graph_cb cb, void *arg)
{
	struct graph_waiter *w;
	size_t cap;

	if (j->nwaiters == j->cap) {
		cap = j->cap ? j->cap * 2 : 4;
		if ((w = reallocarray(j->waiters, cap, sizeof(*w))) == NULL)
			return -1;
		j->waiters = w;
		j->cap = cap;
	}
	j->waiters[j->nwaiters].cb = cb;
	j->waiters[j->nwaiters++].arg = arg;
	return 0;
}

int
graphs_get(struct graphs *g, const struct graph_spec *s, graph_cb cb,
    void *arg)
{
	struct graph_image *c;
	struct graph_job *j;

	if ((c = graph_cache_find(g, s)) != NULL) {
		g->stats.cache_hits++;
		cb(arg, 200, c->data, c->len, NULL, "cache");
		return 0;
	}
	TAILQ_FOREACH(j, &g->running, entry)
		if (graph_same(&j->spec, s))
			break;
	if (j == NULL)
		TAILQ_FOREACH(j, &g->queued, entry)
			if (graph_same(&j->spec, s))
				break;
	if (j != NULL) {
		if (graph_add_waiter(j, cb, arg) == -1)
			return -1;
		g->stats.shared++;
		return 0;
	}
	if (g->stats.queued >= GRAPH_QUEUE_MAX) {
		g->stats.refused++;
		return -1;
	}
	if ((j = calloc(1, sizeof(*j))) == NULL)
		return -1;
	j->g = g;
	j->spec = *s;
	j->fd = -1;
	if (graph_add_waiter(j, cb, arg) == -1) {
		free(j);
		return -1;
	}
	TAILQ_INSERT_TAIL(&g->queued, j, entry);
	if (++g->stats.queued > g->stats.peak_queued)
		g->stats.peak_queued = g->stats.queued;
	graph_pump(g);
	return 0;
}

struct graphs *
graphs_new(struct event_base *base)
{
	struct graphs *g;

	if ((g = calloc(1, sizeof(*g))) == NULL)
		return NULL;
	g->base = base;
	TAILQ_INIT(&g->queued);
	TAILQ_INIT(&g->running);
	if ((g->ev_reap = evtimer_new(base, graph_reap, g)) == NULL) {
		free(g);
		return NULL;
	}
	return g;
}

void
graphs_free(struct graphs *g)
{
	struct graph_job *j;
	struct graph_child *c;
	size_t i;

	if (g == NULL)
		return;
	while ((j = TAILQ_FIRST(&g->queued)) != NULL)
		graph_job_end(j, 503, NULL, 0, "mewsd is stopping");
	while ((j = TAILQ_FIRST(&g->running)) != NULL) {
		kill(j->pid, SIGKILL);
		waitpid(j->pid, NULL, 0);
		graph_job_end(j, 503, NULL, 0, "mewsd is stopping");
	}
	/* Done or killed already: they are gone in a moment. */
	while ((c = g->children) != NULL) {
		g->children = c->next;
		if (waitpid(c->pid, NULL, WNOHANG) == 0) {
			kill(c->pid, SIGKILL);
			waitpid(c->pid, NULL, 0);
		}
		free(c);
	}
	for (i = 0; i < GRAPH_CACHE_MAX; i++)
		free(g->cache[i].data);
	event_free(g->ev_reap);
	free(g);
}

const struct graph_stats *
graphs_stats(const struct graphs *g)
{
	return &g->stats;
}
