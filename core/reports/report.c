#include <sys/stat.h>

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <libconfig.h>

#include "base/atomic.h"
#include "base/clock.h"
#include "base/curlev.h"
#include "base/log.h"
#include "config/config.h"
#include "devices/device.h"
#include "devices/poller.h"
#include "energy/consumption.h"
#include "history/csvfiles.h"
#include "history/usage.h"
#include "reports/mailer.h"
#include "reports/push.h"
#include "reports/report.h"
#include "reports/report_period.h"
#include "reports/report_text.h"

#define REPORT_FIRST_S		5	/* the first plan after a (re)load */
/*
 * History writes a minute within 40 s and csvfiles keeps a file open 50 s
 * past its period: a report waits that long after its period closed.
 */
#define REPORT_SETTLE_S		60

/* What is known of each configured report, in mews.conf's order. */
struct report_slot {
	time_t		 done;		/* start of the last period handled */
	time_t		 retry_at;	/* 0: not waiting to retry */
	int		 failures;	/* in a row */
	time_t		 last_at;	/* the last attempt, and how it went */
	int		 last_ok;
	char		 last_answer[CURLEV_ANSWER_MAX];
};

struct report_file {
	char		*path;
	char		*name;		/* attachment: main-2026-11-24.csv */
	char		*remote;	/* upload: main/day/2026-11-24.csv */
};

enum report_stage { REPORT_PREPARING, REPORT_SENDING };

struct report_delivery {
	struct reports		*rs;
	const struct config_report *r;
	size_t			 slot;
	time_t			 period, end;
	char			 period_name[64];
	reports_test_cb		 test_cb;	/* NULL: a scheduled delivery */
	void			*test_arg;
	struct config_mail	 own_mail;	/* a test's settings */
	const struct config_mail *mail;
	char			(*ids)[CONFIG_ID_MAX + 1];
	size_t			 nids, dev, file;
	size_t			 dev_files;	/* its first in files */
	enum report_stage	 stage;
	FILE			*body;		/* the devices' sections */
	char			*body_text;
	size_t			 body_len;
	char			*offline;	/* "main (60 min), sub (...)" */
	struct report_text_costs costs;		/* of all its devices */
	struct report_file	*files;
	size_t			 nfiles, pushed;
	struct curlev_xfer	*xfer;
	struct event		*turn;
	struct report_delivery	*next;		/* tests waiting */
};

struct reports {
	struct event_base	*base;
	struct curlev		*curl;
	const struct config	*cfg;
	const struct poller	*poller;
	const struct history	*history;
	struct csvfiles		*csvfiles;
	char			*state_path;
	struct report_slot	*slots;		/* cfg->nreports */
	struct event		*tick;
	struct report_delivery	*active;	/* a scheduled delivery */
	struct report_delivery	*testing;	/* a test, beside it */
	struct report_delivery	*tests;		/* waiting their turn */
};

static void reports_plan_soon(struct reports *, int seconds);

/* The state file: reports = ( { name = "daily"; done = 123L; } ); */
static void
reports_load_state(struct reports *rs)
{
	config_setting_t *list, *e;
	const char *name;
	long long done;
	config_t lc;
	size_t i;
	int j, n;

	config_init(&lc);
	if (config_read_file(&lc, rs->state_path) != CONFIG_TRUE) {
		if (config_error_type(&lc) == CONFIG_ERR_PARSE)
			log_warnx("reports: %s:%d: %s: reports start afresh",
			    rs->state_path, config_error_line(&lc),
			    config_error_text(&lc));
		config_destroy(&lc);
		return;
	}
	if ((list = config_lookup(&lc, "reports")) != NULL &&
	    config_setting_is_list(list)) {
		n = config_setting_length(list);
		for (j = 0; j < n; j++) {
			e = config_setting_get_elem(list, (unsigned)j);
			if (!config_setting_lookup_string(e, "name", &name) ||
			    !config_setting_lookup_int64(e, "done", &done))
				continue;
			for (i = 0; i < rs->cfg->nreports; i++)
				if (strcmp(rs->cfg->reports[i].name, name) == 0)
					rs->slots[i].done = (time_t)done;
		}
	}
	config_destroy(&lc);
}

static void
reports_save_state(struct reports *rs)
{
	struct atomic_file af;
	size_t i;

	if (atomic_begin(&af, rs->state_path, 0600) == -1) {
		log_warn("reports: cannot write %s", rs->state_path);
		return;
	}
	fprintf(af.fp, "// Written by mewsd: the start (UNIX time) of the last "
	    "period each report delivered.\nreports = (");
	for (i = 0; i < rs->cfg->nreports; i++)
		fprintf(af.fp, "%s\n\t{ name = \"%s\"; done = %lldL; }",
		    i ? "," : "", rs->cfg->reports[i].name,
		    (long long)rs->slots[i].done);
	fprintf(af.fp, "\n);\n");
	if (ferror(af.fp)) {
		log_warn("reports: cannot write %s", rs->state_path);
		atomic_abort(&af);
		return;
	}
	if (atomic_commit(&af, 0) == -1)
		log_warn("reports: cannot save %s", rs->state_path);
}

static void
report_delivery_free(struct report_delivery *dl)
{
	size_t i;

	if (dl == NULL)
		return;
	curlev_cancel(dl->xfer);
	if (dl->turn != NULL)
		event_free(dl->turn);
	if (dl->body != NULL)
		fclose(dl->body);
	free(dl->body_text);
	free(dl->offline);
	for (i = 0; i < dl->nfiles; i++) {
		free(dl->files[i].path);
		free(dl->files[i].name);
		free(dl->files[i].remote);
	}
	free(dl->files);
	free(dl->ids);
	config_mail_clear(&dl->own_mail);
	free(dl);
}

static const char *
report_what(const struct report_delivery *dl)
{
	return dl->test_cb != NULL ? "test" : "report";
}

/* The delivery is over: its outcome recorded, the next one planned. */
static void
report_finish(struct report_delivery *dl, int ok, const char *answer)
{
	struct reports *rs = dl->rs;
	struct report_slot *s = &rs->slots[dl->slot];
	long wait;

	if (dl->test_cb != NULL)
		rs->testing = NULL;
	else
		rs->active = NULL;
	if (dl->test_cb == NULL) {
		s->last_at = clock_wall();
		s->last_ok = ok;
		snprintf(s->last_answer, sizeof(s->last_answer), "%s",
		    answer);
	}
	if (dl->test_cb != NULL) {
		if (ok)
			log_info("reports: %s: test of %s sent: %s",
			    dl->r->name, dl->period_name, answer);
		else
			log_warnx("reports: %s: test of %s failed: %s",
			    dl->r->name, dl->period_name, answer);
		dl->test_cb(dl->test_arg, ok, answer);
	} else if (ok) {
		log_info("reports: %s: %s delivered: %s", dl->r->name,
		    dl->period_name, answer);
		s->done = dl->period;
		s->failures = 0;
		s->retry_at = 0;
		reports_save_state(rs);
	} else {
		s->failures++;
		wait = (long)rs->cfg->mail.retry_s;
		for (int i = 1; i < s->failures && wait < REPORT_RETRY_MAX_S;
		    i++)
			wait *= 2;
		if (wait > REPORT_RETRY_MAX_S)
			wait = REPORT_RETRY_MAX_S;
		s->retry_at = s->last_at + wait;
		log_warnx("reports: %s: %s not delivered: %s; tried again in "
		    "%ld s (failure %d in a row)", dl->r->name,
		    dl->period_name, answer, wait, s->failures);
	}
	report_delivery_free(dl);
	reports_plan_soon(rs, 0);
}

/* curl's outcome as one line: the server's answer, and curl's reason. */
static void
report_outcome(char *out, size_t size, CURLcode rc, const char *answer,
    const char *error)
{
	if (rc == CURLE_OK)
		snprintf(out, size, "%s", answer[0] ? answer : "done");
	else if (answer[0] != '\0')
		snprintf(out, size, "%s (server: %s)", error, answer);
	else
		snprintf(out, size, "%s", error);
}

static void
report_mail_done(void *arg, CURLcode rc, const char *answer,
    const char *error)
{
	struct report_delivery *dl = arg;
	char text[2 * CURLEV_ANSWER_MAX + CURL_ERROR_SIZE];

	dl->xfer = NULL;
	report_outcome(text, sizeof(text), rc, answer, error);
	report_finish(dl, rc == CURLE_OK, text);
}

static void report_push_next(struct report_delivery *);

static void
report_push_done(void *arg, CURLcode rc, const char *answer,
    const char *error)
{
	struct report_delivery *dl = arg;
	char text[2 * CURLEV_ANSWER_MAX + CURL_ERROR_SIZE + PATH_MAX];
	char why[2 * CURLEV_ANSWER_MAX + CURL_ERROR_SIZE];

	dl->xfer = NULL;
	report_outcome(why, sizeof(why), rc, answer, error);
	if (rc != CURLE_OK) {
		snprintf(text, sizeof(text), "%s: %s",
		    dl->files[dl->pushed].remote, why);
		report_finish(dl, 0, text);
		return;
	}
	log_debug("reports: %s: %s uploaded: %s", dl->r->name,
	    dl->files[dl->pushed].remote, why);
	dl->pushed++;
	if (dl->pushed == dl->nfiles) {
		snprintf(text, sizeof(text), "%zu file%s uploaded: %s",
		    dl->nfiles, dl->nfiles == 1 ? "" : "s", why);
		report_finish(dl, 1, text);
		return;
	}
	report_push_next(dl);
}

static void
report_push_next(struct report_delivery *dl)
{
	const struct report_file *f = &dl->files[dl->pushed];
	char err[256 + PATH_MAX];

	if ((dl->xfer = push_upload(dl->rs->curl, dl->r->push, f->path,
	    f->remote, report_push_done, dl, err, sizeof(err))) == NULL)
		report_finish(dl, 0, err);
}

static void
report_send_mail(struct report_delivery *dl)
{
	struct mailer_file *files;
	struct mailer_message msg;
	char subject[256], *text = NULL, host[128], made[32];
	char err[256];
	time_t now = clock_wall();
	struct tm tm;
	size_t i;
	int len;

	if (gethostname(host, sizeof(host)) == -1)
		snprintf(host, sizeof(host), "mews");
	host[sizeof(host) - 1] = '\0';
	if (localtime_r(&now, &tm) == NULL ||
	    strftime(made, sizeof(made), "%Y-%m-%d %H:%M %z", &tm) == 0)
		made[0] = '\0';
	snprintf(subject, sizeof(subject), "%s%s: %s report %s",
	    dl->test_cb ? "[test] " : "", host, dl->r->name, dl->period_name);
	len = asprintf(&text, "mews report \"%s\" (every %s) for %s, made by "
	    "%s at %s.\nTimes are local; totals are what each meter counted "
	    "in the period.\n\n%s\n\n%s", dl->r->name,
	    config_every_name(dl->r->every), dl->period_name, host, made,
	    dl->offline != NULL ? dl->offline :
	    "No device was offline in the period.", dl->body_text ?
	    dl->body_text : "");
	files = calloc(dl->nfiles ? dl->nfiles : 1, sizeof(*files));
	if (len == -1 || files == NULL) {
		free(text);
		free(files);
		report_finish(dl, 0, "out of memory");
		return;
	}
	for (i = 0; i < dl->nfiles; i++) {
		files[i].path = dl->files[i].path;
		files[i].name = dl->files[i].name;
	}
	msg.subject = subject;
	msg.text = text;
	msg.to = (const char *const *)dl->r->to;
	msg.nto = dl->r->nto;
	msg.files = files;
	msg.nfiles = dl->nfiles;
	dl->xfer = mailer_send(dl->rs->curl, dl->mail, &msg,
	    report_mail_done, dl, err, sizeof(err));
	free(text);
	free(files);
	if (dl->xfer == NULL)
		report_finish(dl, 0, err);
}

static void
report_send(struct report_delivery *dl)
{
	dl->stage = REPORT_SENDING;
	if (dl->body != NULL) {
		fclose(dl->body);
		dl->body = NULL;
	}
	if (dl->r->push == NULL) {
		report_send_mail(dl);
		return;
	}
	if (dl->nfiles == 0) {
		report_finish(dl, 1, "nothing to upload: no history in the "
		    "period");
		return;
	}
	report_push_next(dl);
}

/* The kind of file and the start of file j of the period. */
static int
report_file_period(const struct report_delivery *dl, size_t j,
    enum csvfiles_kind *kind, time_t *start)
{
	time_t t = dl->period;

	if (dl->r->every == CONFIG_EVERY_MONTH) {
		*kind = CSVFILES_MONTH;
		*start = t;
		return j == 0 ? 0 : -1;
	}
	*kind = CSVFILES_DAY;
	for (; j > 0 && t != (time_t)-1 && t < dl->end; j--)
		t = consumption_period_next(CONSUMPTION_DAY, t);
	*start = t;
	return t == (time_t)-1 || t >= dl->end ? -1 : 0;
}

static int
report_add_file(struct report_delivery *dl, const char *device,
    const char *path)
{
	struct report_file *f;
	const char *base = strrchr(path, '/'), *kind;

	if ((f = reallocarray(dl->files, dl->nfiles + 1, sizeof(*f))) == NULL)
		return -1;
	dl->files = f;
	f = &dl->files[dl->nfiles];
	kind = dl->r->every == CONFIG_EVERY_MONTH ? "month" : "day";
	base = base ? base + 1 : path;
	f->path = strdup(path);
	if (asprintf(&f->name, "%s-%s", device, base) == -1)
		f->name = NULL;
	if (asprintf(&f->remote, "%s/%s/%s", device, kind, base) == -1)
		f->remote = NULL;
	dl->nfiles++;
	return f->path && f->name && f->remote ? 0 : -1;
}

/* One file of one device: made if missing, and listed when it exists. */
static void
report_prepare_file(struct report_delivery *dl, const char *device,
    enum csvfiles_kind kind, time_t start)
{
	struct reports *rs = dl->rs;
	char path[PATH_MAX];
	struct stat st;

	if (rs->csvfiles == NULL || csvfiles_file(rs->csvfiles, device, kind,
	    start, path, sizeof(path)) == -1)
		return;
	if (stat(path, &st) == -1 || st.st_mtime < dl->end + REPORT_SETTLE_S)
		csvfiles_make(rs->csvfiles, device, kind, start);
	if (stat(path, &st) == 0 && report_add_file(dl, device, path) == -1)
		log_warnx("reports: %s: out of memory", dl->r->name);
}

static void
report_note_offline(struct report_delivery *dl, const struct device *d,
    const struct report_text_facts *facts)
{
	char *grown, what[64];

	if (facts->no_history)
		snprintf(what, sizeof(what), "no history in the period");
	else if (facts->offline_s > 0)
		snprintf(what, sizeof(what), "%ld min", facts->offline_s / 60);
	else
		return;
	if (asprintf(&grown, "%s%s %s (%s)", dl->offline ? dl->offline :
	    "Offline in the period:", dl->offline ? "," : "", d->id, what) ==
	    -1)
		return;
	free(dl->offline);
	dl->offline = grown;
}

/* The device's section, once its files are known. */
static void
report_prepare_text(struct report_delivery *dl, const struct device *d,
    size_t first_file)
{
	struct reports *rs = dl->rs;
	struct report_text_facts facts = { 0, 0, &dl->costs };
	struct usage_src src = { rs->history, rs->cfg, rs->poller };
	size_t i;

	if (rs->history == NULL)
		fprintf(dl->body, "%s (%s)\n  history is disabled: no "
		    "figures\n", d->name, d->id);
	else {
		report_text_device(dl->body, &src, d, dl->period, dl->end,
		    &facts);
		report_note_offline(dl, d, &facts);
	}
	if (first_file == dl->nfiles)
		fprintf(dl->body, "  files: none (no history for the period)"
		    "\n");
	for (i = first_file; i < dl->nfiles; i++)
		fprintf(dl->body, "  file: %s (%s)\n", dl->r->push ?
		    dl->files[i].remote : dl->files[i].name, dl->r->push ?
		    "uploaded" : "attached");
	fputc('\n', dl->body);
}

/*
 * One step a turn of the loop: a device's file (made if missing, tens of
 * milliseconds), or its section; then the message goes.
 */
static void
report_turn(evutil_socket_t fd, short what, void *arg)
{
	struct report_delivery *dl = arg;
	struct reports *rs = dl->rs;
	struct timeval now = { 0, 0 };
	const struct device *d;
	enum csvfiles_kind kind;
	time_t start;

	(void)fd;
	(void)what;
	if (dl->dev == dl->nids) {
		report_text_total(dl->body, &dl->costs);
		fflush(dl->body);
		report_send(dl);
		return;
	}
	if ((d = poller_find(rs->poller, dl->ids[dl->dev])) == NULL) {
		dl->dev++;
		dl->file = 0;
	} else if (report_file_period(dl, dl->file, &kind, &start) == 0) {
		if (dl->file == 0)
			dl->dev_files = dl->nfiles;
		report_prepare_file(dl, d->id, kind, start);
		dl->file++;
	} else {
		report_prepare_text(dl, d, dl->dev_files);
		dl->dev++;
		dl->file = 0;
	}
	evtimer_add(dl->turn, &now);
}

static struct report_delivery *
report_delivery_new(struct reports *rs, size_t slot, time_t period)
{
	const struct config_report *r = &rs->cfg->reports[slot];
	struct report_delivery *dl;
	size_t i, n;

	if ((dl = calloc(1, sizeof(*dl))) == NULL)
		return NULL;
	dl->rs = rs;
	dl->r = r;
	dl->slot = slot;
	dl->period = period;
	dl->end = report_period_next(r, period);
	dl->mail = &rs->cfg->mail;
	n = r->ndevices ? r->ndevices : poller_count(rs->poller);
	if (report_period_name(r, period, dl->period_name,
	    sizeof(dl->period_name)) == -1)
		snprintf(dl->period_name, sizeof(dl->period_name), "@%lld",
		    (long long)period);
	if (dl->end == (time_t)-1 ||
	    (dl->ids = calloc(n ? n : 1, sizeof(*dl->ids))) == NULL ||
	    (dl->turn = evtimer_new(rs->base, report_turn, dl)) == NULL ||
	    (dl->body = open_memstream(&dl->body_text, &dl->body_len)) ==
	    NULL) {
		report_delivery_free(dl);
		return NULL;
	}
	for (i = 0; i < n; i++)
		snprintf(dl->ids[i], sizeof(dl->ids[i]), "%s", r->ndevices ?
		    r->devices[i] : poller_device(rs->poller, i)->id);
	dl->nids = n;
	return dl;
}

static void
report_start(struct report_delivery *dl)
{
	struct timeval now = { 0, 0 };

	log_info("reports: %s: %s of %s: preparing", dl->r->name,
	    report_what(dl), dl->period_name);
	evtimer_add(dl->turn, &now);
}

/*
 * What is owed: the report's first period not handled, at most
 * REPORT_OWED_MAX behind the last due; -1 when nothing is.
 */
static time_t
reports_owed(struct reports *rs, size_t i, time_t now)
{
	const struct config_report *r = &rs->cfg->reports[i];
	struct report_slot *s = &rs->slots[i];
	time_t last = report_period_last_due(r, now), p, first;
	int k;

	if (last != (time_t)-1 &&
	    report_period_next(r, last) + REPORT_SETTLE_S > now)
		last = report_period_prev(r, last);
	if (last == (time_t)-1)
		return -1;
	if (s->done == 0) {
		/* A new report owes nothing before its next due time. */
		s->done = last;
		reports_save_state(rs);
		return -1;
	}
	if (s->done >= last)
		return -1;
	first = report_period_next(r, s->done);
	for (p = last, k = 1; k < REPORT_OWED_MAX && p > first; k++)
		p = report_period_prev(r, p);
	if (p > first) {
		log_warnx("reports: %s: periods from %lld to %lld are more "
		    "than %d behind: skipped", r->name, (long long)first,
		    (long long)p, REPORT_OWED_MAX);
		return p;
	}
	return first;
}

static void
reports_plan(evutil_socket_t fd, short what, void *arg)
{
	struct reports *rs = arg;
	struct report_delivery *dl;
	time_t now = clock_wall(), wake, p;
	size_t i;

	(void)fd;
	(void)what;
	/* A test does not wait for a delivery that may take minutes. */
	if (rs->testing == NULL && (dl = rs->tests) != NULL) {
		rs->tests = dl->next;
		rs->testing = dl;
		report_start(dl);
	}
	if (rs->active != NULL)
		return;
	wake = now - now % 60 + 61;
	for (i = 0; i < rs->cfg->nreports; i++) {
		if (rs->slots[i].retry_at > now) {
			if (rs->slots[i].retry_at < wake)
				wake = rs->slots[i].retry_at;
			continue;
		}
		if ((p = reports_owed(rs, i, now)) == (time_t)-1)
			continue;
		if ((dl = report_delivery_new(rs, i, p)) == NULL) {
			log_warnx("reports: %s: out of memory",
			    rs->cfg->reports[i].name);
			continue;
		}
		rs->active = dl;
		report_start(dl);
		return;
	}
	reports_plan_soon(rs, (int)(wake - now));
}

static void
reports_plan_soon(struct reports *rs, int seconds)
{
	struct timeval tv;

	clock_delay(&tv, seconds > 0 ? (uint64_t)seconds * 1000 : 0);
	if (rs->cfg != NULL && rs->cfg->nreports > 0)
		evtimer_add(rs->tick, &tv);
}

struct reports *
reports_new(struct event_base *base)
{
	struct reports *rs;

	if ((rs = calloc(1, sizeof(*rs))) == NULL)
		return NULL;
	rs->base = base;
	if ((rs->curl = curlev_new(base)) == NULL ||
	    (rs->tick = evtimer_new(base, reports_plan, rs)) == NULL) {
		reports_free(rs);
		return NULL;
	}
	return rs;
}

/* A delivery that cannot go on: a test is told, a scheduled one dropped. */
static void
reports_drop(struct report_delivery *dl, const char *why)
{
	if (dl->test_cb != NULL)
		dl->test_cb(dl->test_arg, 0, why);
	report_delivery_free(dl);
}

static void
reports_drop_all(struct reports *rs, const char *why)
{
	struct report_delivery *dl;

	if ((dl = rs->active) != NULL) {
		rs->active = NULL;
		reports_drop(dl, why);
	}
	if ((dl = rs->testing) != NULL) {
		rs->testing = NULL;
		reports_drop(dl, why);
	}
	while ((dl = rs->tests) != NULL) {
		rs->tests = dl->next;
		reports_drop(dl, why);
	}
}

void
reports_configure(struct reports *rs, const struct config *cfg,
    const struct poller *p, const struct history *h, struct csvfiles *cf)
{
	struct report_slot *slots;
	char *path;

	reports_drop_all(rs, "cancelled: the configuration changed");
	evtimer_del(rs->tick);
	rs->cfg = cfg;
	rs->poller = p;
	rs->history = h;
	rs->csvfiles = cf;
	slots = calloc(cfg->nreports ? cfg->nreports : 1, sizeof(*slots));
	if (slots == NULL || asprintf(&path, "%s/" REPORT_STATE_FILE,
	    cfg->state_dir) == -1) {
		free(slots);
		log_warnx("reports: out of memory: no reports");
		rs->cfg = NULL;
		return;
	}
	free(rs->slots);
	rs->slots = slots;
	free(rs->state_path);
	rs->state_path = path;
	/* An administrator who changed the time zone reloads to apply it. */
	tzset();
	reports_load_state(rs);
	if (cfg->nreports > 0)
		log_info("reports: %zu configured, state in %s",
		    cfg->nreports, path);
	reports_plan_soon(rs, REPORT_FIRST_S);
}

void
reports_free(struct reports *rs)
{
	if (rs == NULL)
		return;
	reports_drop_all(rs, "cancelled: mewsd is stopping");
	if (rs->tick != NULL)
		event_free(rs->tick);
	curlev_free(rs->curl);
	free(rs->slots);
	free(rs->state_path);
	free(rs);
}

static int
reports_find(const struct reports *rs, const char *name, size_t *out)
{
	size_t i;

	for (i = 0; rs->cfg != NULL && i < rs->cfg->nreports; i++)
		if (strcmp(rs->cfg->reports[i].name, name) == 0) {
			*out = i;
			return 0;
		}
	return -1;
}

int
reports_test(struct reports *rs, const char *name, struct config_mail *m, reports_test_cb cb, void *arg, char *err,
    size_t errlen)
{
	struct report_delivery *dl, **pp;
	time_t period;
	size_t i;

	if (reports_find(rs, name, &i) == -1) {
		snprintf(err, errlen, "no report \"%s\" in the configuration",
		    name);
		return -1;
	}
	period = report_period_last_due(&rs->cfg->reports[i], clock_wall());
	if (period == (time_t)-1 ||
	    (dl = report_delivery_new(rs, i, period)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (m != NULL) {
		dl->own_mail = *m;
		memset(m, 0, sizeof(*m));
		dl->mail = &dl->own_mail;
	}
	dl->test_cb = cb;
	dl->test_arg = arg;
	for (pp = &rs->tests; *pp != NULL; pp = &(*pp)->next)
		;
	*pp = dl;
	reports_plan_soon(rs, 0);
	return 0;
}

/* A time, or null when there is none. */
static json_t *
reports_time(time_t t)
{
	return t > 0 ? json_integer((json_int_t)t) : json_null();
}

json_t *
reports_state_json(const struct reports *rs, const char *name)
{
	const struct report_slot *s;
	const struct config_report *r;
	time_t next = (time_t)-1;
	json_t *o;
	size_t i;

	if (reports_find(rs, name, &i) == -1 || (o = json_object()) == NULL)
		return json_null();
	s = &rs->slots[i];
	r = &rs->cfg->reports[i];
	if (s->done > 0 && (next = report_period_next(r, s->done)) !=
	    (time_t)-1)
		next = report_period_due(r, next);
	json_object_set_new(o, "done_period", reports_time(s->done));
	json_object_set_new(o, "next_due", reports_time(next));
	json_object_set_new(o, "retry_at", reports_time(s->retry_at));
	json_object_set_new(o, "failures", json_integer(s->failures));
	json_object_set_new(o, "last_at", reports_time(s->last_at));
	json_object_set_new(o, "last_ok", json_boolean(s->last_ok));
	json_object_set_new(o, "last_answer", json_string(s->last_answer));
	return o;
}
