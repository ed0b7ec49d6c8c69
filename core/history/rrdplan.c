#include <stdio.h>
#include <string.h>

#include "history/rrdplan.h"

#define MINUTES_MAX	(8UL * 1440)
#define HOURS_MAX	(5UL * 8766)
#define DAYS_MAX	36525UL
#define MINUTES_MIN	1440UL
#define HOURS_MIN	168UL
#define DAYS_MIN	31UL
/* Three consolidations, a double each, for a row of a non-total series. */
#define ROW_BYTES	(3 * 8)
/* A file's header and definitions: about a kilobyte, whatever its rows. */
#define HEADER_BYTES	1024

void
rrdplan_total(struct rrdplan *p)
{
	static const struct rrdplan_tier tiers[] = {
		{ 1, MINUTES_MAX },		/* 8 days */
		{ 60, 400 * 24 },		/* 400 days */
		{ 1440, 20 * 366 + 80 },	/* over 20 years */
		{ 43200, 1220 },		/* 100 years of 30 days */
	};

	memset(p, 0, sizeof(*p));
	p->total = 1;
	p->ntiers = 4;
	memcpy(p->tier, tiers, sizeof(tiers));
}

static void
rrdplan_rows(struct rrdplan *p, uint64_t rows)
{
	unsigned long m, h, d;

	m = rows / 3 < MINUTES_MAX ? (unsigned long)(rows / 3) : MINUTES_MAX;
	if (m < MINUTES_MIN)
		m = MINUTES_MIN;
	rows = rows > m ? rows - m : 0;
	h = rows / 2 < HOURS_MAX ? (unsigned long)(rows / 2) : HOURS_MAX;
	if (h < HOURS_MIN)
		h = HOURS_MIN;
	rows = rows > h ? rows - h : 0;
	d = rows < DAYS_MAX ? (unsigned long)rows : DAYS_MAX;
	if (d < DAYS_MIN)
		d = DAYS_MIN;
	memset(p, 0, sizeof(*p));
	p->ntiers = 3;
	p->tier[0] = (struct rrdplan_tier){ 1, m };
	p->tier[1] = (struct rrdplan_tier){ 60, h };
	p->tier[2] = (struct rrdplan_tier){ 1440, d };
}

int
rrdplan_share(uint64_t available, size_t npower, size_t nquality,
    struct rrdplan *power, struct rrdplan *quality)
{
	uint64_t shares = 4 * (uint64_t)npower + nquality, unit;
	uint64_t headers = ((uint64_t)npower + nquality) * HEADER_BYTES;

	/* Each file's header first, or the files outgrow the budget. */
	available = available > headers ? available - headers : 0;
	unit = shares ? available / shares : available;
	rrdplan_rows(power, 4 * unit / ROW_BYTES);
	rrdplan_rows(quality, unit / ROW_BYTES);
	return unit / ROW_BYTES < MINUTES_MIN + HOURS_MIN + DAYS_MIN ? -1 : 0;
}

uint64_t
rrdplan_bytes(const struct rrdplan *p)
{
	uint64_t rows = 0;
	size_t i;

	for (i = 0; i < p->ntiers; i++)
		rows += p->tier[i].rows;
	return rows * (p->total ? 8 : ROW_BYTES) + HEADER_BYTES;
}

uint64_t
rrdplan_seconds(const struct rrdplan_tier *t)
{
	return (uint64_t)t->steps * RRDPLAN_STEP * t->rows;
}

size_t
rrdplan_args(const struct rrdplan *p, char out[][64], size_t max)
{
	static const char *const cfs[] = { "AVERAGE", "MIN", "MAX" };
	size_t n = 0, i, c;

	if (max < 1)
		return 0;
	snprintf(out[n++], 64, "DS:v:GAUGE:%d:U:U", RRDPLAN_HEARTBEAT);
	for (i = 0; i < p->ntiers; i++) {
		if (p->total) {
			if (n < max)
				snprintf(out[n++], 64, "RRA:LAST:0.99:%u:%lu",
				    p->tier[i].steps, p->tier[i].rows);
			continue;
		}
		for (c = 0; c < 3 && n < max; c++)
			snprintf(out[n++], 64, "RRA:%s:0.5:%u:%lu", cfs[c],
			    p->tier[i].steps, p->tier[i].rows);
	}
	return n;
}
