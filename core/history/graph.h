/*
 * History graphs: rrd_graph images (SVG or PNG) of one device's metric over
 * the last day, week, month or year, light or dark.
 *
 * What they show.  A total (metric class ENERGY: energy, volumes, trips)
 * is drawn as its consumption per local calendar period, one bar each,
 * computed by consumption.c from the archive's LAST rows exactly as
 * /api/consumption computes it: hours over a day, days over a week and a
 * month, months over a year.  A bar whose period is not fully observed
 * (a gap, or the period still running) has a lighter colour; a period
 * without data has no bar.  Anything else is its AVERAGE as a line over a
 * band from MIN to MAX, over the last 24 hours, 7, 31 or 365 days.
 *
 * How.  rrd_graph costs tens of milliseconds of CPU, far too long for the
 * loop, so each image is drawn by a child process (fork, no exec): it
 * renders with librrd, writes the image into a pipe and exits.  The parent
 * reads the pipe on the loop, then reaps that child by its pid (waitpid
 * WNOHANG, polled: no SIGCHLD handler that could reap anyone else's
 * children).  At most GRAPH_RUNNING_MAX children at once, the next
 * GRAPH_QUEUE_MAX requests wait their turn, more are refused (503); a child
 * still busy after GRAPH_TIMEOUT_S is killed.  Identical requests share
 * one rendering, and finished images are kept GRAPH_CACHE_S (the archives
 * change once a minute).  The child closes every inherited descriptor but
 * its pipe, restores the default signal handlers, runs at a lower
 * priority and dies with its parent.
 */
#ifndef MEWS_GRAPH_H
#define MEWS_GRAPH_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "base/metric.h"
#include "energy/recent.h"

struct event_base;

#define GRAPH_RUNNING_MAX	2	/* children rendering at once */
#define GRAPH_QUEUE_MAX		16	/* waiting for a child */
#define GRAPH_TIMEOUT_S		10	/* a child is killed after that */
#define GRAPH_CACHE_S		60	/* an image is served again that long */
#define GRAPH_CACHE_MAX		32	/* images kept */
#define GRAPH_CACHE_BYTES	(4 * 1024 * 1024)	/* at most, in all */
#define GRAPH_IMAGE_MAX		(8 * 1024 * 1024)

#define GRAPH_WIDTH_MIN		320
#define GRAPH_WIDTH_MAX		2000
#define GRAPH_WIDTH_DEFAULT	800
#define GRAPH_HEIGHT_MIN	160
#define GRAPH_HEIGHT_MAX	1200
#define GRAPH_HEIGHT_DEFAULT	320

enum graph_period { GRAPH_DAY, GRAPH_WEEK, GRAPH_MONTH, GRAPH_YEAR };
enum graph_theme { GRAPH_LIGHT, GRAPH_DARK };
enum graph_format { GRAPH_SVG, GRAPH_PNG };

/* One image to draw.  Only the first seven members tell images apart. */
struct graph_spec {
	char			 device[64];
	char			 metric[METRIC_NAME_MAX + 1];
	enum graph_period	 period;
	enum graph_theme	 theme;
	enum graph_format	 format;
	unsigned		 width, height;		/* pixels, the whole image */
	char			 name[128];	/* the device's, for the title */
	char			 path[PATH_MAX];	/* its archive */
	char			 rrdcached[256];	/* "" or what to flush */
	time_t			 end;		/* 0: now */
	int			 signed_total;	/* a virtual meter's */
	/* The live reading the bars end with (recent.h); NaN: none. */
	struct recent_reading	 live;
};

/* "day", "week", "month", "year": 0, or -1. */
int graph_period_parse(const char *, enum graph_period *);
const char *graph_period_name(enum graph_period);
const char *graph_format_type(enum graph_format);	/* Content-Type */

/*
 * Draw it here and now (what the child does; the tests and the benchmark
 * may too): *image is malloc()ed.  0, or -1 with a reason in err.
 */
int graph_render(const struct graph_spec *, unsigned char **image,
    size_t *len, char *err, size_t errlen);

/* The renderer of mewsd: children, queue and cache. */
struct graphs;

struct graph_stats {
	uint64_t	renders;	/* children that drew an image */
	uint64_t	failures;	/* that could not */
	uint64_t	timeouts;	/* killed at GRAPH_TIMEOUT_S */
	uint64_t	cache_hits;
	uint64_t	shared;		/* joined a rendering under way */
	uint64_t	refused;	/* queue full */
	uint64_t	last_ms, max_ms, total_ms;	/* of the renders */
	unsigned	running, queued, cached, reaping;
	size_t		cached_bytes;
	unsigned	peak_running, peak_queued;	/* the most so far */
};

/*
 * A request's answer: status 200 with the image (valid during the call
 * only), or an HTTP status with the reason.  how: "cache", "shared" or
 * "render".
 */
typedef void (*graph_cb)(void *arg, int status, const unsigned char *image,
    size_t len, const char *why, const char *how);

struct graphs *graphs_new(struct event_base *);
/* Every request still waiting is answered 503; children are killed. */
void graphs_free(struct graphs *);
/*
 * The image of spec: from the cache (cb called before this returns),
 * or once rendered (cb called later, exactly once).  -1 when the queue
 * is full: cb is not called.
 */
int graphs_get(struct graphs *, const struct graph_spec *, graph_cb,
    void *arg);
const struct graph_stats *graphs_stats(const struct graphs *);

#endif
