/*
 * Whether a meter's total (an energy index, a volume, a trip count) as
 * just read can be believed.  A total only rises, and no faster than the
 * device can deliver: a reading below the last good value (a meter reads
 * 0 for a moment after a power blip, or a read was garbled) or above what
 * the rated power allows since then is *suspect*.  The last good value
 * then stays the device's (archived, published, summed) until the spell
 * settles:
 *
 *  - a glitch: a reading plausible again against the last good value (at
 *    least it, and a rise within the rate since): taken, and nothing was
 *    added for the spell but what the meter measured;
 *  - a reset (or an undeclared meter swap): readings on the same wrong
 *    side for confirm_s: the latest is taken as the new level, counted
 *    from there as consumption.c counts a drop;
 *  - a declared swap (devices[].replacements) between the last good
 *    reading and this one: the new meter's first index is the good value
 *    from the swap's time on, with no spell.
 *
 * A reading on the other wrong side (a drop after a jump) starts the spell
 * again: garbage that wanders never becomes the index.  Pure: no clock,
 * no I/O; the unit tests drive it.
 */
#ifndef MEWS_TOTAL_GUARD_H
#define MEWS_TOTAL_GUARD_H

#include <time.h>

/* How much more than the rated rate a rise may be: meters are overrated. */
#define TOTAL_GUARD_MARGIN	2.0
/*
 * The shortest time a rise is measured over: a register that counts in
 * steps (0.1 kWh) shows a minute's worth at once.
 */
#define TOTAL_GUARD_FLOOR_S	60
/* A drop this small is float noise, as consumption.c has it. */
#define TOTAL_GUARD_NOISE	1e-9

enum total_guard_verdict {
	TOTAL_GUARD_TAKE,	/* plausible: the new good value */
	TOTAL_GUARD_SUSPECT,	/* a spell begins: the good value stays */
	TOTAL_GUARD_HOLD,	/* the spell goes on */
	TOTAL_GUARD_GLITCH,	/* the spell ended: plausible again, taken */
	TOTAL_GUARD_RESET,	/* wrong for confirm_s: the new level, taken */
	TOTAL_GUARD_SWAP	/* a declared swap explains it: taken */
};

enum total_guard_side {
	TOTAL_GUARD_NONE,	/* no spell */
	TOTAL_GUARD_DROP,	/* below the good value */
	TOTAL_GUARD_JUMP	/* above what the rate allows */
};

struct total_guard {
	int			known;		/* good holds a reading */
	double			good;		/* the last value believed */
	time_t			good_at;	/* when it was read */
	enum total_guard_side	side;		/* of the spell, if any */
	time_t			since;		/* the spell's first reading */
	double			held;		/* the spell's last reading */
};

struct total_guard_rule {
	double	max_rate;	/* the total's unit per hour at most; 0: any */
	long	confirm_s;	/* how long a reset takes; 0: no guard */
};

/* A meter swap as devices[].replacements declares it. */
struct total_guard_swap {
	time_t	at;
	double	new_initial;
};

/*
 * The verdict on a finite reading at now, the guard updated: after TAKE,
 * GLITCH, RESET and SWAP, good is the reading; after SUSPECT and HOLD it is
 * the value to keep showing.  swap, if not NULL, is the latest declared
 * swap of this total at or before now.  A guard that knows nothing yet
 * takes its first reading.
 */
enum total_guard_verdict total_guard_feed(struct total_guard *,
    double reading, time_t now, const struct total_guard_rule *,
    const struct total_guard_swap *swap);

/* Is a spell on: the value shown is not the one read? */
int total_guard_suspect(const struct total_guard *);
/* "drop", "jump" or "none", and back: -1 for an unknown name. */
const char *total_guard_side_name(enum total_guard_side);
int total_guard_side_parse(const char *, enum total_guard_side *);

#endif
