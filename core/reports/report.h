/*
 * Reports: each configured report (mews.conf's reports, config.h) is
 * delivered once per period (report_period.h says when it is due), by
 * e-mail (mailer.h: the summary of report_text.h and the period's CSV
 * files attached) or uploaded (push.h: the CSV files), on the loop,
 * never blocking it:
 *
 *  - the files attached are those csvfiles.h writes: a day's file for a
 *    daily report, the week's seven day files for a weekly one, the
 *    month's file for a monthly one; a file missing is made then (one a
 *    turn of the loop), and a period with no history says so instead;
 *  - one scheduled delivery at a time, and beside it one test (the
 *    pages' 'send a test report now'), which tells its caller the
 *    server's answer;
 *  - a report owed is not lost: state_dir/reports.state (written
 *    atomically) holds, per report, the start of the last period handled,
 *    and at a start every period owed since is delivered, the last
 *    REPORT_OWED_MAX at most (older ones are logged as skipped).  A report
 *    seen for the first time owes nothing: its first delivery is its next
 *    due time;
 *  - a failure (server down, refused) is logged with the server's answer
 *    and tried again after mail.retry_s (60 s), doubling up to an hour;
 *    other reports are not held up meanwhile.
 */
#ifndef MEWS_REPORT_H
#define MEWS_REPORT_H

#include <stddef.h>

#include <jansson.h>

struct event_base;
struct config;
struct config_mail;
struct poller;
struct history;
struct csvfiles;
struct reports;

#define REPORT_OWED_MAX		3
#define REPORT_RETRY_MAX_S	3600
#define REPORT_STATE_FILE	"reports.state"

struct reports *reports_new(struct event_base *);
/*
 * A (re)loaded configuration and what reports read; a delivery under way
 * is cancelled (a test is answered so) and taken up again from the state
 * file.
 */
void reports_configure(struct reports *, const struct config *,
    const struct poller *, const struct history *, struct csvfiles *);
/* Tests still waiting are answered as cancelled. */
void reports_free(struct reports *);

/* How a test went: ok, and the server's answer or the reason. */
typedef void (*reports_test_cb)(void *arg, int ok, const char *answer);
/*
 * Send report `name` now, for its last period due, with mail settings m
 * (NULL: the configured ones; taken over on success, *m then cleared).
 * The state is not changed.  0, or -1 with a reason in err (no such
 * report).  cb is called later, from the loop, never from this call.
 */
int reports_test(struct reports *, const char *name, struct config_mail *m,
    reports_test_cb, void *arg, char *err, size_t errlen);
/* A report's state for the pages: last delivered, next due, last answer. */
json_t *reports_state_json(const struct reports *, const char *name);

#endif
