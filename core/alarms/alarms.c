#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <libconfig.h>

#include "alarms/alarm.h"
#include "alarms/alarms.h"
#include "base/atomic.h"
#include "base/clock.h"
#include "base/curlev.h"
#include "base/eventlog.h"
#include "base/log.h"
#include "base/metric.h"
#include "config/config.h"
#include "devices/device.h"
#include "devices/poller.h"
#include "energy/consumption.h"
#include "history/usage.h"
#include "reports/mailer.h"

/* What each configured rule knows, in mews.conf's order. */
struct alarm_slot {
	struct alarm_state	 st;
	double			 now;		/* the value last read */
	time_t			 period;	/* budget: its period's start */
};

struct alarms {
	struct event_base	*base;
	struct eventlog		*events;
	const struct config	*cfg;
	const struct poller	*poller;
	const struct history	*history;
	struct alarm_slot	*slots;		/* cfg->nalarms */
	char			*state_path;
	int			 loaded;	/* alarms.state read once */
	int			 dirty;		/* the state file is behind */
	struct event		*tick;
	time_t			 budget_due;	/* the next round of budgets */
	size_t			 budget_next;	/* the round's next rule */
	/* Mail: lines waiting, lines being sent, when to try again. */
	struct curlev		*curl;
	struct curlev_xfer	*xfer;
	struct event		*mail_ev;
	char			*pending;
	size_t			 npending;
	char			*sending;
	size_t			 nsending;
	size_t			 dropped;	/* lines past ALARMS_MAIL_LINES */
	int			 failures;
	time_t			 retry_at;
};

static const char *
alarms_unit(const struct config_alarm *a)
{
	const struct metric_info *mi = metric_find(a->metric);

	return mi != NULL ? mi->unit : "";
}

/* What people call the rule: its name, or its id. */
static const char *
alarms_title(const struct config_alarm *a)
{
	return a->name[0] != '\0' ? a->name : a->id;
}

/*
 * "voltage_l1 254.1 V, above 253 V": what the rule saw, for people; a
 * metric without a unit (a state) has no space for one.
 */
static void
alarms_describe(const struct config_alarm *a, double v, char *out,
    size_t size)
{
	const char *unit = alarms_unit(a), *sp = unit[0] != '\0' ? " " : "";

	switch (a->kind) {
	case CONFIG_ALARM_ABOVE:
	case CONFIG_ALARM_BELOW:
		snprintf(out, size, "%s %.10g%s%s, %s %.10g%s%s", a->metric, v,
		    sp, unit, config_alarm_kind_name(a->kind), a->threshold, sp,
		    unit);
		break;
	case CONFIG_ALARM_BUDGET:
		snprintf(out, size, "%s used this %s: %.10g%s%s, budget "
		    "%.10g%s%s", a->metric, config_every_name(a->period), v,
		    sp, unit, a->threshold, sp, unit);
		break;
	case CONFIG_ALARM_OFFLINE:
		snprintf(out, size, "%s", v > 0 ? "offline" : "online");
		break;
	case CONFIG_ALARM_TRIPPED:
		snprintf(out, size, "breaker %s", v == 2 ? "tripped" :
		    v == 1 ? "closed" : "open");
		break;
	}
}

/* --- the state file --------------------------------------------------- */

static void
alarms_save(struct alarms *as)
{
	const struct alarm_state *st;
	struct atomic_file af;
	size_t i;

	as->dirty = 0;
	if (atomic_begin(&af, as->state_path, 0600) == -1) {
		log_warn("alarms: cannot write %s", as->state_path);
		return;
	}
	fprintf(af.fp, "// Written by mewsd: the state of each alarm, so a "
	    "restart keeps it.\nalarms = (");
	for (i = 0; i < as->cfg->nalarms; i++) {
		st = &as->slots[i].st;
		fprintf(af.fp, "%s\n\t{ id = \"%s\"; device = \"%s\"; kind = "
		    "\"%s\"; raised = %s; acked = %s; shown = %s; raised_at = "
		    "%lldL; cleared_at = %lldL; acked_at = %lldL; acked_by = "
		    "\"%s\"; value = %#.17g; period = %lldL; }", i ? "," : "",
		    as->cfg->alarms[i].id, as->cfg->alarms[i].device,
		    config_alarm_kind_name(as->cfg->alarms[i].kind),
		    st->raised ? "true" : "false", st->acked ? "true" :
		    "false", st->shown ? "true" : "false",
		    (long long)st->raised_at, (long long)st->cleared_at,
		    (long long)st->acked_at, st->acked_by, isfinite(st->value) ?
		    st->value : 0.0, (long long)as->slots[i].period);
	}
	fprintf(af.fp, "\n);\n");
	if (ferror(af.fp)) {
		log_warn("alarms: cannot write %s", as->state_path);
		atomic_abort(&af);
		return;
	}
	if (atomic_commit(&af, 0) == -1)
		log_warn("alarms: cannot save %s", as->state_path);
}

static long long
alarms_lookup_time(const config_setting_t *e, const char *key)
{
	long long v = 0;

	config_setting_lookup_int64(e, key, &v);
	return v;
}

/* One entry of alarms.state into the slot of the rule it names. */
static void
alarms_load_entry(struct alarms *as, const config_setting_t *e)
{
	const struct config_alarm *a;
	struct alarm_state *st;
	const char *id, *device, *kind, *by = "";
	double value = NAN;
	size_t i;

	if (!config_setting_lookup_string(e, "id", &id) ||
	    !config_setting_lookup_string(e, "device", &device) ||
	    !config_setting_lookup_string(e, "kind", &kind))
		return;
	for (i = 0; i < as->cfg->nalarms; i++) {
		a = &as->cfg->alarms[i];
		if (strcmp(a->id, id) != 0 || strcmp(a->device, device) != 0 ||
		    strcmp(config_alarm_kind_name(a->kind), kind) != 0)
			continue;
		st = &as->slots[i].st;
		config_setting_lookup_bool(e, "raised", &st->raised);
		config_setting_lookup_bool(e, "acked", &st->acked);
		config_setting_lookup_bool(e, "shown", &st->shown);
		config_setting_lookup_string(e, "acked_by", &by);
		config_setting_lookup_float(e, "value", &value);
		st->raised_at = (time_t)alarms_lookup_time(e, "raised_at");
		st->cleared_at = (time_t)alarms_lookup_time(e, "cleared_at");
		st->acked_at = (time_t)alarms_lookup_time(e, "acked_at");
		snprintf(st->acked_by, sizeof(st->acked_by), "%s", by);
		st->value = value;
		as->slots[i].period = (time_t)alarms_lookup_time(e, "period");
		if (st->raised)
			log_info("alarms: %s is still raised (since %lld)%s",
			    id, (long long)st->raised_at, st->acked ?
			    ", acknowledged" : "");
	}
}

static void
alarms_load(struct alarms *as)
{
	const config_setting_t *list;
	config_t lc;
	int i, n;

	config_init(&lc);
	if (config_read_file(&lc, as->state_path) != CONFIG_TRUE) {
		if (config_error_type(&lc) == CONFIG_ERR_PARSE)
			log_warnx("alarms: %s:%d: %s: alarms start afresh",
			    as->state_path, config_error_line(&lc),
			    config_error_text(&lc));
		config_destroy(&lc);
		return;
	}
	if ((list = config_lookup(&lc, "alarms")) != NULL &&
	    config_setting_is_list(list)) {
		n = config_setting_length(list);
		for (i = 0; i < n; i++)
			alarms_load_entry(as, config_setting_get_elem(list,
			    (unsigned)i));
	}
	config_destroy(&lc);
}

/* --- mail ------------------------------------------------------------- */

static void alarms_mail_plan(struct alarms *);

/* Lines of text: the ones kept to send, then whatever came after. */
static void
alarms_append(char **text, size_t *n, const char *line)
{
	char *grown;

	if (asprintf(&grown, "%s%s\n", *text ? *text : "", line) == -1)
		return;
	free(*text);
	*text = grown;
	(*n)++;
}

/* What was being sent goes back, in front of what happened meanwhile. */
static void
alarms_mail_requeue(struct alarms *as)
{
	char *both;

	if (as->sending == NULL)
		return;
	if (asprintf(&both, "%s%s", as->sending, as->pending ? as->pending :
	    "") != -1) {
		free(as->pending);
		as->pending = both;
		as->npending += as->nsending;
	}
	free(as->sending);
	as->sending = NULL;
	as->nsending = 0;
}

static void
alarms_mail_done(void *arg, CURLcode rc, const char *answer,
    const char *error)
{
	struct alarms *as = arg;
	long wait;
	int i;

	as->xfer = NULL;
	if (rc == CURLE_OK) {
		log_info("alarms: mail of %zu change%s sent: %s",
		    as->nsending, as->nsending == 1 ? "" : "s", answer);
		free(as->sending);
		as->sending = NULL;
		as->nsending = 0;
		as->failures = 0;
		as->retry_at = 0;
		alarms_mail_plan(as);
		return;
	}
	alarms_mail_requeue(as);
	as->failures++;
	wait = as->cfg->mail.retry_s;
	for (i = 1; i < as->failures && wait < ALARMS_RETRY_MAX_S; i++)
		wait *= 2;
	if (wait > ALARMS_RETRY_MAX_S)
		wait = ALARMS_RETRY_MAX_S;
	as->retry_at = clock_wall() + wait;
	log_warnx("alarms: mail not sent: %s%s%s%s; tried again in %ld s "
	    "(failure %d in a row)", error, answer[0] ? " (server: " : "",
	    answer, answer[0] ? ")" : "", wait, as->failures);
	alarms_mail_plan(as);
}

static void
alarms_mail_send(evutil_socket_t fd, short what, void *arg)
{
	struct alarms *as = arg;
	struct mailer_message msg;
	char host[128], subject[256], *text, err[256];

	(void)fd;
	(void)what;
	if (as->xfer != NULL || as->pending == NULL)
		return;
	if (gethostname(host, sizeof(host)) == -1)
		snprintf(host, sizeof(host), "mews");
	host[sizeof(host) - 1] = '\0';
	as->sending = as->pending;
	as->nsending = as->npending;
	as->pending = NULL;
	as->npending = 0;
	snprintf(subject, sizeof(subject), "%s: %zu alarm change%s", host,
	    as->nsending, as->nsending == 1 ? "" : "s");
	if (asprintf(&text, "mews on %s: alarms raised and cleared (local "
	    "time).\n\n%s%s\nThe alarms page lists them and acknowledges "
	    "them.\n", host, as->sending, as->dropped ? "(more changes were "
	    "left out: see the event log)\n" : "") == -1) {
		alarms_mail_done(as, CURLE_OUT_OF_MEMORY, "", "out of memory");
		return;
	}
	as->dropped = 0;
	memset(&msg, 0, sizeof(msg));
	msg.subject = subject;
	msg.text = text;
	msg.to = (const char *const *)as->cfg->alarm_to;
	msg.nto = as->cfg->nalarm_to;
	as->xfer = mailer_send(as->curl, &as->cfg->mail, &msg,
	    alarms_mail_done, as, err, sizeof(err));
	free(text);
	if (as->xfer == NULL)
		alarms_mail_done(as, CURLE_FAILED_INIT, "", err);
}

/* The next message: at the next minute, or when its retry is due. */
static void
alarms_mail_plan(struct alarms *as)
{
	time_t now = clock_wall(), at = now - now % 60 + 60;
	struct timeval tv;

	if (as->pending == NULL || as->xfer != NULL ||
	    evtimer_pending(as->mail_ev, NULL))
		return;
	if (as->retry_at > at)
		at = as->retry_at;
	clock_delay(&tv, (uint64_t)(at - now) * 1000);
	evtimer_add(as->mail_ev, &tv);
}

static void
alarms_notify(struct alarms *as, const struct config_alarm *a,
    const char *what, const char *desc, time_t now)
{
	char when[32], line[512];
	struct tm tm;

	if (!a->notify)
		return;
	if (as->npending + as->nsending >= ALARMS_MAIL_LINES) {
		as->dropped++;
		return;
	}
	if (localtime_r(&now, &tm) == NULL ||
	    strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", &tm) == 0)
		snprintf(when, sizeof(when), "@%lld", (long long)now);
	snprintf(line, sizeof(line), "%s  %-7s %s (%s) on %s: %s", when, what,
	    alarms_title(a), config_severity_name(a->severity), a->device,
	    desc);
	alarms_append(&as->pending, &as->npending, line);
	alarms_mail_plan(as);
}

/* --- the rules -------------------------------------------------------- */

static void
alarms_changed(struct alarms *as, size_t i, enum alarm_change ch,
    time_t now)
{
	const struct config_alarm *a = &as->cfg->alarms[i];
	const struct alarm_state *st = &as->slots[i].st;
	char desc[256];

	if (ch == ALARM_UNCHANGED)
		return;
	as->dirty = 1;
	alarms_describe(a, st->value, desc, sizeof(desc));
	if (ch == ALARM_RAISED) {
		log_warnx("alarms: %s (%s) raised on device %s: %s",
		    alarms_title(a), config_severity_name(a->severity),
		    a->device, desc);
		eventlog_add(as->events, EVENT_ALARM_RAISED, NULL, NULL,
		    a->device, "%s (%s): %s", alarms_title(a),
		    config_severity_name(a->severity), desc);
		alarms_notify(as, a, "RAISED", desc, now);
	} else {
		log_info("alarms: %s cleared on device %s: %s",
		    alarms_title(a), a->device, desc);
		eventlog_add(as->events, EVENT_ALARM_CLEARED, NULL, NULL,
		    a->device, "%s (%s): %s", alarms_title(a),
		    config_severity_name(a->severity), desc);
		alarms_notify(as, a, "CLEARED", desc, now);
	}
}

/* What a live rule sees now, from the poller's state. */
static enum alarm_input
alarms_read(const struct alarms *as, const struct config_alarm *a,
    double *v)
{
	const struct device *d = poller_find(as->poller, a->device);
	const struct device_value *dv;

	*v = NAN;
	if (d == NULL)
		return ALARM_IN_UNKNOWN;
	if (a->kind == CONFIG_ALARM_OFFLINE) {
		/* Not known before the poller has made up its mind. */
		*v = d->offline_since != 0 ? 1 : 0;
		return d->offline_since != 0 ? ALARM_IN_ON : d->online ?
		    ALARM_IN_OFF : ALARM_IN_UNKNOWN;
	}
	dv = device_value(d, a->kind == CONFIG_ALARM_TRIPPED ? "state" :
	    a->metric);
	if (dv == NULL || dv->quality != VALUE_OK)
		return ALARM_IN_UNKNOWN;
	*v = dv->value;
	if (a->kind == CONFIG_ALARM_TRIPPED)
		return dv->value == 2 ? ALARM_IN_ON : ALARM_IN_OFF;
	return alarm_input(a, dv->value);
}

static enum consumption_period
alarms_period(const struct config_alarm *a)
{
	return a->period == CONFIG_EVERY_WEEK ? CONSUMPTION_WEEK :
	    a->period == CONFIG_EVERY_MONTH ? CONSUMPTION_MONTH :
	    CONSUMPTION_DAY;
}

/* A budget rule's round: its period's consumption to date. */
static void
alarms_budget(struct alarms *as, size_t i, time_t now)
{
	const struct config_alarm *a = &as->cfg->alarms[i];
	struct alarm_slot *s = &as->slots[i];
	struct usage_src src = { as->history, as->cfg, as->poller };
	time_t start = consumption_period_start(alarms_period(a), now);

	if (start == (time_t)-1 || as->history == NULL)
		return;
	if (s->period != 0 && s->period != start) {
		s->now = 0;
		alarms_changed(as, i, alarm_clear_now(&s->st, 0, now), now);
	}
	if (s->period != start)
		as->dirty = 1;
	s->period = start;
	/* Minutes for a day; hours (kept longer) for a week or a month. */
	s->now = usage_to_date(&src, a->device, a->metric, start, now,
	    a->period == CONFIG_EVERY_DAY ? 60 : 3600);
	alarms_changed(as, i, alarm_step(&s->st, a, alarm_input(a, s->now),
	    s->now, now), now);
}

/* Each second: the live rules, and a few budgets when their round is on. */
static void
alarms_tick(evutil_socket_t fd, short what, void *arg)
{
	struct alarms *as = arg;
	const struct config_alarm *a;
	enum alarm_input in;
	time_t now = clock_wall();
	size_t i, budgets = 0;
	double v;

	(void)fd;
	(void)what;
	for (i = 0; i < as->cfg->nalarms; i++) {
		a = &as->cfg->alarms[i];
		if (a->kind == CONFIG_ALARM_BUDGET)
			continue;
		in = alarms_read(as, a, &v);
		as->slots[i].now = v;
		alarms_changed(as, i, alarm_step(&as->slots[i].st, a, in, v,
		    now), now);
	}
	if (now >= as->budget_due) {
		for (i = as->budget_next; i < as->cfg->nalarms &&
		    budgets < ALARMS_BUDGETS_PER_TICK; i++)
			if (as->cfg->alarms[i].kind == CONFIG_ALARM_BUDGET) {
				alarms_budget(as, i, now);
				budgets++;
			}
		as->budget_next = i;
		if (i == as->cfg->nalarms) {
			as->budget_next = 0;
			as->budget_due = now - now % 60 + 60 +
			    ALARMS_BUDGET_AT;
		}
	}
	if (as->dirty)
		alarms_save(as);
}

struct alarms *
alarms_new(struct event_base *base, struct eventlog *events)
{
	struct alarms *as;

	if ((as = calloc(1, sizeof(*as))) == NULL)
		return NULL;
	as->base = base;
	as->events = events;
	if ((as->curl = curlev_new(base)) == NULL ||
	    (as->tick = event_new(base, -1, EV_PERSIST, alarms_tick, as)) ==
	    NULL ||
	    (as->mail_ev = evtimer_new(base, alarms_mail_send, as)) == NULL) {
		alarms_free(as);
		return NULL;
	}
	return as;
}

/* The old slot of a rule that is still the same rule, if any. */
static const struct alarm_slot *
alarms_old_slot(const struct alarms *as, const struct config_alarm *a)
{
	const struct config_alarm *o;
	size_t i;

	for (i = 0; as->cfg != NULL && i < as->cfg->nalarms; i++) {
		o = &as->cfg->alarms[i];
		if (strcmp(o->id, a->id) == 0 &&
		    strcmp(o->device, a->device) == 0 && o->kind == a->kind)
			return &as->slots[i];
	}
	return NULL;
}

void
alarms_configure(struct alarms *as, const struct config *cfg,
    const struct poller *p, const struct history *h)
{
	struct timeval second;
	const struct alarm_slot *old;
	struct alarm_slot *slots;
	char *path;
	size_t i;

	slots = calloc(cfg->nalarms ? cfg->nalarms : 1, sizeof(*slots));
	if (slots == NULL || asprintf(&path, "%s/" ALARMS_STATE_FILE,
	    cfg->state_dir) == -1) {
		free(slots);
		log_warnx("alarms: out of memory: the alarms keep their old "
		    "rules");
		return;
	}
	for (i = 0; i < cfg->nalarms; i++) {
		alarm_init(&slots[i].st);
		slots[i].now = NAN;
		if ((old = alarms_old_slot(as, &cfg->alarms[i])) != NULL)
			slots[i] = *old;
	}
	/* A rule changed in place: its own delays restart. */
	for (i = 0; i < cfg->nalarms; i++) {
		slots[i].st.on_since = 0;
		slots[i].st.off_since = 0;
	}
	free(as->slots);
	as->slots = slots;
	free(as->state_path);
	as->state_path = path;
	as->cfg = cfg;
	as->poller = p;
	as->history = h;
	as->budget_next = 0;
	as->budget_due = 0;
	/* A message under way goes with the old settings; it is resent. */
	if (as->xfer != NULL) {
		curlev_cancel(as->xfer);
		as->xfer = NULL;
		alarms_mail_requeue(as);
	}
	evtimer_del(as->mail_ev);
	if (cfg->nalarm_to == 0 || cfg->mail.server[0] == '\0') {
		if (as->npending > 0)
			log_warnx("alarms: %zu alarm change%s not mailed: no "
			    "mail.server or mail.alarm_to any more",
			    as->npending, as->npending == 1 ? "" : "s");
		free(as->pending);
		as->pending = NULL;
		as->npending = 0;
	}
	alarms_mail_plan(as);
	if (!as->loaded) {
		as->loaded = 1;
		alarms_load(as);
	}
	as->dirty = 1;
	if (cfg->nalarms > 0)
		log_info("alarms: %zu rule%s, state in %s", cfg->nalarms,
		    cfg->nalarms == 1 ? "" : "s", path);
	clock_delay(&second, 1000);
	if (!evtimer_pending(as->tick, NULL))
		event_add(as->tick, &second);
}

void
alarms_free(struct alarms *as)
{
	if (as == NULL)
		return;
	if (as->cfg != NULL && as->dirty)
		alarms_save(as);
	if (as->xfer != NULL)
		curlev_cancel(as->xfer);
	if (as->npending + as->nsending > 0)
		log_warnx("alarms: mewsd stops: %zu alarm change%s not mailed",
		    as->npending + as->nsending,
		    as->npending + as->nsending == 1 ? "" : "s");
	if (as->tick != NULL)
		event_free(as->tick);
	if (as->mail_ev != NULL)
		event_free(as->mail_ev);
	curlev_free(as->curl);
	free(as->pending);
	free(as->sending);
	free(as->slots);
	free(as->state_path);
	free(as);
}

static json_t *
alarms_time(time_t t)
{
	return t > 0 ? json_integer((json_int_t)t) : json_null();
}

static json_t *
alarms_number(double v)
{
	return isfinite(v) ? json_real(v) : json_null();
}

static json_t *
alarms_one(const struct alarms *as, size_t i)
{
	const struct config_alarm *a = &as->cfg->alarms[i];
	const struct alarm_slot *s = &as->slots[i];
	json_t *o = json_object();

	if (o == NULL)
		return NULL;
	json_object_set_new(o, "id", json_string(a->id));
	json_object_set_new(o, "name", json_string(alarms_title(a)));
	json_object_set_new(o, "device", json_string(a->device));
	json_object_set_new(o, "kind", json_string(
	    config_alarm_kind_name(a->kind)));
	json_object_set_new(o, "metric", a->metric[0] ?
	    json_string(a->metric) : json_null());
	json_object_set_new(o, "unit", a->metric[0] ?
	    json_string(alarms_unit(a)) : json_null());
	json_object_set_new(o, "threshold", a->kind == CONFIG_ALARM_OFFLINE ||
	    a->kind == CONFIG_ALARM_TRIPPED ? json_null() :
	    json_real(a->threshold));
	json_object_set_new(o, "hysteresis", json_real(a->hysteresis));
	json_object_set_new(o, "delay_s", json_integer(a->delay_s));
	json_object_set_new(o, "severity", json_string(
	    config_severity_name(a->severity)));
	json_object_set_new(o, "notify", json_boolean(a->notify));
	json_object_set_new(o, "period", a->kind == CONFIG_ALARM_BUDGET ?
	    json_string(config_every_name(a->period)) : json_null());
	json_object_set_new(o, "status", json_string(
	    alarm_status_name(alarm_status(&s->st))));
	json_object_set_new(o, "value", alarms_number(s->now));
	json_object_set_new(o, "raised_value", alarms_number(s->st.value));
	json_object_set_new(o, "raised_at", alarms_time(s->st.raised_at));
	json_object_set_new(o, "cleared_at", alarms_time(s->st.cleared_at));
	json_object_set_new(o, "acked_at", alarms_time(s->st.acked_at));
	json_object_set_new(o, "acked_by", s->st.acked_by[0] ?
	    json_string(s->st.acked_by) : json_null());
	return o;
}

static int
alarms_find(const struct alarms *as, const char *id, size_t *out)
{
	size_t i;

	for (i = 0; as->cfg != NULL && i < as->cfg->nalarms; i++)
		if (strcmp(as->cfg->alarms[i].id, id) == 0) {
			*out = i;
			return 0;
		}
	return -1;
}

json_t *
alarms_rule_json(const struct alarms *as, const char *id)
{
	size_t i;

	return alarms_find(as, id, &i) == 0 ? alarms_one(as, i) : NULL;
}

json_t *
alarms_json(const struct alarms *as)
{
	/* Active first, then acknowledged, cleared, and the quiet ones. */
	static const enum alarm_status order[] = { ALARM_ACTIVE,
	    ALARM_ACKNOWLEDGED, ALARM_CLEARED, ALARM_NORMAL };
	json_t *a = json_array();
	size_t k, i;

	for (k = 0; a != NULL && k < sizeof(order) / sizeof(order[0]); k++)
		for (i = 0; as->cfg != NULL && i < as->cfg->nalarms; i++)
			if (alarm_status(&as->slots[i].st) == order[k])
				json_array_append_new(a, alarms_one(as, i));
	return a;
}

size_t
alarms_unacknowledged(const struct alarms *as)
{
	enum alarm_status st;
	size_t i, n = 0;

	for (i = 0; as->cfg != NULL && i < as->cfg->nalarms; i++) {
		st = alarm_status(&as->slots[i].st);
		n += st == ALARM_ACTIVE || st == ALARM_CLEARED;
	}
	return n;
}

int
alarms_ack(struct alarms *as, const char *id, const char *profile,
    const char *address)
{
	const struct config_alarm *a;
	enum alarm_status was;
	size_t i;

	if (alarms_find(as, id, &i) == -1)
		return -1;
	a = &as->cfg->alarms[i];
	was = alarm_status(&as->slots[i].st);
	if (alarm_ack(&as->slots[i].st, profile, clock_wall()) == -1)
		return -2;
	log_info("alarms: %s acknowledged by %s from %s (it was %s)", id,
	    profile, address, alarm_status_name(was));
	eventlog_add(as->events, EVENT_ALARM_ACK, profile, address, a->device,
	    "%s acknowledged (it was %s)", id, alarm_status_name(was));
	alarms_save(as);
	return 0;
}
