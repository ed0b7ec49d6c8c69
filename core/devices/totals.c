#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <libconfig.h>

#include "base/atomic.h"
#include "base/clock.h"
#include "base/eventlog.h"
#include "base/log.h"
#include "config/config.h"
#include "devices/device.h"
#include "devices/poller.h"
#include "devices/totals.h"

struct totals {
	const struct poller	*poller;
	struct eventlog		*events;
	char			*path;		/* state_dir/totals.state */
	struct event		*save;		/* a save a moment later */
};

static void totals_saved(evutil_socket_t, short, void *);

struct totals *
totals_new(struct event_base *base, const char *state_dir,
    const struct poller *p)
{
	struct totals *t;

	if ((t = calloc(1, sizeof(*t))) == NULL)
		return NULL;
	t->poller = p;
	if (asprintf(&t->path, "%s/" TOTALS_STATE_FILE, state_dir) == -1) {
		free(t);
		return NULL;
	}
	if ((t->save = evtimer_new(base, totals_saved, t)) == NULL) {
		free(t->path);
		free(t);
		return NULL;
	}
	return t;
}

void
totals_set_events(struct totals *t, struct eventlog *ev)
{
	if (t != NULL)
		t->events = ev;
}

static void
totals_save_device(FILE *fp, const struct device *d, int *first)
{
	const struct device_value *v;
	const struct total_guard *g;
	size_t i;

	for (i = 0; i < d->nvalues; i++) {
		v = &d->values[i];
		g = &v->guard;
		if (v->info->kind != METRIC_TOTAL || !g->known)
			continue;
		fprintf(fp, "%s\n\t{ device = \"%s\"; profile = \"%s\"; "
		    "metric = \"%s\"; good = %#.17g; good_at = %lldL; "
		    "side = \"%s\"; since = %lldL; held = %#.17g; }",
		    *first ? "" : ",", d->id, d->profile, v->metric, g->good,
		    (long long)g->good_at, total_guard_side_name(g->side),
		    (long long)g->since, g->held);
		*first = 0;
	}
}

static int
totals_any(const struct totals *t)
{
	const struct device *d;
	size_t i, j;

	for (i = 0; i < poller_count(t->poller); i++) {
		d = poller_device(t->poller, i);
		for (j = 0; j < d->nvalues; j++)
			if (d->values[j].guard.known)
				return 1;
	}
	return 0;
}

static void
totals_save(struct totals *t)
{
	struct atomic_file af;
	size_t i;
	int first = 1;

	evtimer_del(t->save);
	/* Nothing known (a stop before any reading): what was saved stays. */
	if (!totals_any(t))
		return;
	if (atomic_begin(&af, t->path, 0600) == -1) {
		log_warn("totals: cannot write %s: a restart checks the "
		    "first readings against nothing", t->path);
		return;
	}
	fprintf(af.fp, "// Written by mewsd: each meter's total as last "
	    "believed, and a spell of\n// suspect readings under way, so a "
	    "restart keeps them.\ntotals = (");
	for (i = 0; i < poller_count(t->poller); i++)
		totals_save_device(af.fp, poller_device(t->poller, i), &first);
	fprintf(af.fp, "\n);\n");
	if (ferror(af.fp)) {
		log_warn("totals: cannot write %s", t->path);
		atomic_abort(&af);
		return;
	}
	if (atomic_commit(&af, 0) == -1)
		log_warn("totals: cannot save %s", t->path);
}

static void
totals_saved(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	totals_save(arg);
}

/* A spell started or ended: saved soon, once for those close together. */
static void
totals_dirty(struct totals *t)
{
	struct timeval tv = { TOTALS_SAVE_DELAY_MS / 1000,
	    (TOTALS_SAVE_DELAY_MS % 1000) * 1000 };

	if (!evtimer_pending(t->save, NULL) && evtimer_add(t->save, &tv) == -1)
		totals_save(t);
}

void
totals_free(struct totals *t)
{
	if (t == NULL)
		return;
	totals_save(t);
	event_free(t->save);
	free(t->path);
	free(t);
}

/* The time of a saved entry, never later than now (a clock set back). */
static time_t
totals_time(const config_setting_t *e, const char *key, time_t now)
{
	long long v = 0;

	if (!config_setting_lookup_int64(e, key, &v))
		return 0;
	return (time_t)v > now ? now : (time_t)v;
}

static void
totals_restore_entry(struct totals *t, const config_setting_t *e,
    time_t now)
{
	const char *id, *profile, *metric, *side = "none";
	struct total_guard g = { 0 };
	struct device *d;
	size_t i;

	if (!config_setting_lookup_string(e, "device", &id) ||
	    !config_setting_lookup_string(e, "profile", &profile) ||
	    !config_setting_lookup_string(e, "metric", &metric) ||
	    !config_setting_lookup_float(e, "good", &g.good) ||
	    !isfinite(g.good))
		return;
	config_setting_lookup_string(e, "side", &side);
	config_setting_lookup_float(e, "held", &g.held);
	if (total_guard_side_parse(side, &g.side) == -1)
		g.side = TOTAL_GUARD_NONE;
	g.known = 1;
	g.good_at = totals_time(e, "good_at", now);
	g.since = totals_time(e, "since", now);
	if ((d = poller_find(t->poller, id)) == NULL ||
	    strcmp(d->profile, profile) != 0)
		return;
	for (i = 0; i < d->nvalues; i++)
		if (d->values[i].info->kind == METRIC_TOTAL &&
		    strcmp(d->values[i].metric, metric) == 0) {
			d->values[i].guard = g;
			if (g.side != TOTAL_GUARD_NONE)
				log_info("totals: device %s: %s still suspect "
				    "(%s to %.10g since %lld), held at %.10g",
				    id, metric, side, g.held,
				    (long long)g.since, g.good);
		}
}

void
totals_restore(struct totals *t)
{
	const config_setting_t *list;
	time_t now = clock_wall();
	config_t lc;
	int i, n;

	if (t == NULL)
		return;
	config_init(&lc);
	if (config_read_file(&lc, t->path) != CONFIG_TRUE) {
		if (config_error_type(&lc) == CONFIG_ERR_PARSE)
			log_warnx("totals: %s:%d: %s: the totals' first "
			    "readings are taken as they come", t->path,
			    config_error_line(&lc), config_error_text(&lc));
		config_destroy(&lc);
		return;
	}
	if ((list = config_lookup(&lc, "totals")) != NULL &&
	    config_setting_is_list(list)) {
		n = config_setting_length(list);
		for (i = 0; i < n; i++)
			totals_restore_entry(t, config_setting_get_elem(list,
			    (unsigned)i), now);
	}
	config_destroy(&lc);
}

/* The most the total can rise in an hour: energies from max_power. */
static double
totals_rate(const struct config_device *cd, const struct metric_info *info)
{
	if (strcmp(info->unit, "kWh") == 0 || strcmp(info->unit, "kvarh") == 0)
		return cd->max_power / 1000;
	return 0;
}

/* The last swap of the metric declared at or before now, if any. */
static const struct total_guard_swap *
totals_swap(const struct config_device *cd, const char *metric, time_t now,
    struct total_guard_swap *out)
{
	const struct config_replacement *r, *last = NULL;
	size_t i;

	for (i = 0; i < cd->nreplacements; i++) {
		r = &cd->replacements[i];
		if (strcmp(r->metric, metric) == 0 && r->at <= (long long)now)
			last = r;
	}
	if (last == NULL)
		return NULL;
	out->at = (time_t)last->at;
	out->new_initial = last->new_initial;
	return out;
}

static const char *
totals_why(enum total_guard_side side)
{
	return side == TOTAL_GUARD_DROP ? "a drop" :
	    "a rise beyond max_power";
}

/* What the verdict means for the device, its log and the event log. */
static void
totals_report(struct totals *t, struct device *d,
    const struct config_device *cd, const struct device_value *v,
    enum total_guard_verdict verdict, const struct total_guard *was,
    const struct total_guard_swap *swap, double read, time_t now)
{
	long long spell = (long long)difftime(now, was->since);

	switch (verdict) {
	case TOTAL_GUARD_SUSPECT:
		log_warnx("%s %s: device %s (address %d): %s read %.10g "
		    "where %.10g was good (%s): suspect, %.10g kept until it "
		    "settles (a reset after %d s)", d->kind, d->where, d->id,
		    d->address, v->metric, read, v->guard.good,
		    totals_why(v->guard.side), v->guard.good,
		    cd->reset_confirm_s);
		break;
	case TOTAL_GUARD_GLITCH:
		d->stats.glitches++;
		log_warnx("%s %s: device %s (address %d): %s read %.10g after "
		    "%lld s of suspect readings (the last %.10g) from "
		    "%.10g: a glitch, nothing counted for it", d->kind,
		    d->where, d->id, d->address, v->metric, read, spell,
		    was->held, was->good);
		eventlog_add(t->events, EVENT_TOTAL_GLITCH, NULL, NULL, d->id,
		    "%s: read %.10g (%s) for %lld s where %.10g was good, then "
		    "%.10g: a glitch, not counted", v->metric, was->held,
		    total_guard_side_name(was->side), spell, was->good, read);
		break;
	case TOTAL_GUARD_RESET:
		d->stats.resets++;
		log_warnx("%s %s: device %s (address %d): %s read %.10g, "
		    "%s from %.10g for %lld s: a reset (or a meter swapped "
		    "undeclared), counted from the new level", d->kind,
		    d->where, d->id, d->address, v->metric, read,
		    totals_why(was->side), was->good, spell);
		eventlog_add(t->events, EVENT_TOTAL_RESET, NULL, NULL, d->id,
		    "%s: %.10g where %.10g was good, for %lld s: taken as a "
		    "reset, counted from the new level", v->metric, read,
		    was->good, spell);
		break;
	case TOTAL_GUARD_SWAP:
		log_info("%s %s: device %s (address %d): %s read %.10g: the "
		    "swap declared at %lld counted from the new meter's "
		    "%.10g", d->kind, d->where, d->id, d->address, v->metric,
		    read, (long long)swap->at, swap->new_initial);
		break;
	default:
		return;
	}
	totals_dirty(t);
}

void
totals_check(struct totals *t, struct device *d,
    const struct config_device *cd, size_t slot, time_t now)
{
	struct device_value *v = &d->values[slot];
	struct total_guard_rule rule;
	struct total_guard_swap swap;
	const struct total_guard_swap *sw;
	struct total_guard was;
	enum total_guard_verdict verdict;
	double read = v->value;

	if (t == NULL || v->info->kind != METRIC_TOTAL ||
	    v->quality != VALUE_OK || !isfinite(read))
		return;
	rule.max_rate = totals_rate(cd, v->info);
	rule.confirm_s = cd->reset_confirm_s;
	was = v->guard;
	sw = totals_swap(cd, v->metric, now, &swap);
	verdict = total_guard_feed(&v->guard, read, now, &rule, sw);
	v->value = v->guard.good;
	totals_report(t, d, cd, v, verdict, &was, sw, read, now);
}
