#include <math.h>
#include <string.h>

#include "energy/total_guard.h"

static const char *const side_names[] = { "none", "drop", "jump" };

const char *
total_guard_side_name(enum total_guard_side s)
{
	return side_names[s];
}

int
total_guard_side_parse(const char *name, enum total_guard_side *out)
{
	size_t i;

	for (i = 0; i < sizeof(side_names) / sizeof(side_names[0]); i++)
		if (strcmp(side_names[i], name) == 0) {
			*out = (enum total_guard_side)i;
			return 0;
		}
	return -1;
}

int
total_guard_suspect(const struct total_guard *g)
{
	return g->side != TOTAL_GUARD_NONE;
}

/* Which wrong side of the good value the reading is on, if any. */
static enum total_guard_side
total_guard_side(const struct total_guard *g, double reading, time_t now,
    const struct total_guard_rule *rule)
{
	double noise = TOTAL_GUARD_NOISE * fmax(fabs(g->good),
	    fabs(reading)) + TOTAL_GUARD_NOISE;
	double span = difftime(now, g->good_at);

	if (reading < g->good - noise)
		return TOTAL_GUARD_DROP;
	if (span < TOTAL_GUARD_FLOOR_S)
		span = TOTAL_GUARD_FLOOR_S;
	if (rule->max_rate > 0 && reading - g->good > rule->max_rate *
	    TOTAL_GUARD_MARGIN * span / 3600 + noise)
		return TOTAL_GUARD_JUMP;
	return TOTAL_GUARD_NONE;
}

static void
total_guard_believe(struct total_guard *g, double reading, time_t now)
{
	g->known = 1;
	g->good = reading;
	g->good_at = now;
	g->side = TOTAL_GUARD_NONE;
	g->since = 0;
	g->held = 0;
}

enum total_guard_verdict
total_guard_feed(struct total_guard *g, double reading, time_t now,
    const struct total_guard_rule *rule, const struct total_guard_swap *swap)
{
	enum total_guard_verdict swapped = TOTAL_GUARD_TAKE;
	enum total_guard_side side;

	if (!g->known || rule->confirm_s <= 0) {
		total_guard_believe(g, reading, now);
		return TOTAL_GUARD_TAKE;
	}
	/* The new meter's first index, read at the swap: a spell is over. */
	if (swap != NULL && swap->at > g->good_at && swap->at <= now) {
		g->good = swap->new_initial;
		g->good_at = swap->at;
		g->side = TOTAL_GUARD_NONE;
		swapped = TOTAL_GUARD_SWAP;
	}
	side = total_guard_side(g, reading, now, rule);
	if (side == TOTAL_GUARD_NONE) {
		enum total_guard_verdict v = g->side != TOTAL_GUARD_NONE ?
		    TOTAL_GUARD_GLITCH : swapped;

		total_guard_believe(g, reading, now);
		return v;
	}
	if (side != g->side) {
		g->side = side;
		g->since = now;
		g->held = reading;
		return TOTAL_GUARD_SUSPECT;
	}
	g->held = reading;
	if (difftime(now, g->since) < rule->confirm_s)
		return TOTAL_GUARD_HOLD;
	total_guard_believe(g, reading, now);
	return TOTAL_GUARD_RESET;
}
