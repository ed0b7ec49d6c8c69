/*
 * The reports' settings and their test, for the administrator:
 *
 *	GET /api/reports	mail settings and the reports, each with its
 *				state (last period delivered, next due, the
 *				server's last answer); passwords never, only
 *				"password_set"
 *	PUT /api/reports	{"mail": {...}, "reports": [...]}: the mail
 *				members sent (null removes one; a password
 *				not sent is kept), and the whole list of
 *				reports (a push password not sent is kept
 *				from the report of the same name)
 *	POST /api/reports/test	{"report": NAME, "mail": {...}}: that report
 *				now, with the mail settings as saved or as
 *				being edited; answered once the server has
 *				answered: 200 or 502, with its "answer"
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "api/confedit.h"
#include "api/confonly.h"
#include "base/conf.h"
#include "base/log.h"
#include "base/net.h"
#include "base/services.h"
#include "config/config.h"
#include "reports/report.h"
#include "web/answer.h"
#include "web/http.h"

static const char *const api_security_names[] = { "starttls", "tls",
    "none" };
static const char *const api_weekday_names[] = { "monday", "tuesday",
    "wednesday", "thursday", "friday", "saturday", "sunday" };

static json_t *
api_report_strings(char **v, size_t n)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; a != NULL && i < n; i++)
		json_array_append_new(a, json_string(v[i]));
	return a;
}

static json_t *
api_report_json(const struct reports *rs, const struct config_report *r)
{
	json_t *o, *devices = json_array();
	const struct config_push *p = r->push;
	size_t i;

	for (i = 0; devices != NULL && i < r->ndevices; i++)
		json_array_append_new(devices, json_string(r->devices[i]));
	o = json_pack("{s:s, s:s, s:o, s:o}", "name", r->name, "every",
	    config_every_name(r->every), "at", json_sprintf("%02d:%02d",
	    r->at_min / 60, r->at_min % 60), "devices", devices);
	if (o == NULL)
		return NULL;
	if (r->every == CONFIG_EVERY_WEEK)
		json_object_set_new(o, "weekday",
		    json_string(api_weekday_names[r->weekday]));
	if (r->every == CONFIG_EVERY_MONTH)
		json_object_set_new(o, "day", json_integer(r->day));
	if (p != NULL)
		json_object_set_new(o, "push", json_pack("{s:s, s:s, s:b, "
		    "s:s, s:b, s:s, s:s}", "url", p->url, "user", p->user,
		    "password_set", p->password[0] != '\0', "ca_file",
		    p->ca_file, "verify", p->verify, "host_key", p->host_key,
		    "key_file", p->key_file));
	else
		json_object_set_new(o, "to", api_report_strings(r->to,
		    r->nto));
	json_object_set_new(o, "state", rs != NULL ?
	    reports_state_json(rs, r->name) : json_null());
	return o;
}

static void
api_reports_get(struct api_call *c)
{
	const struct services *d = c->api->d;
	const struct config_mail *m = &d->cfg->mail;
	json_t *list = json_array();
	size_t i;

	for (i = 0; list != NULL && i < d->cfg->nreports; i++)
		json_array_append_new(list, api_report_json(d->reports,
		    &d->cfg->reports[i]));
	http_send_json(c->req, 200, json_pack("{s:{s:s, s:i, s:s, s:s, s:b, "
	    "s:s, s:s, s:b, s:i}, s:o}", "mail", "server", m->server, "port",
	    m->port, "security", api_security_names[m->security], "user",
	    m->user, "password_set", m->password[0] != '\0', "from", m->from,
	    "ca_file", m->ca_file, "verify", m->verify, "retry_s",
	    m->retry_s, "reports", list));
}

/* A group's members from JSON; "password_set" is the API's, not a key. */
static int
api_reports_set(config_setting_t *g, json_t *obj, const char *field,
    struct confjson_error *err)
{
	char name[sizeof(err->field)];
	json_t *copy = json_copy(obj);
	int rc;

	if (copy == NULL) {
		confjson_fail(err, 500, NULL, "out of memory");
		return -1;
	}
	json_object_del(copy, "password_set");
	rc = confjson_set(g, copy, err);
	json_decref(copy);
	if (rc == -1 && snprintf(name, sizeof(name), "%.40s.%.50s", field,
	    err->field) > 0)
		memcpy(err->field, name, sizeof(name));
	return rc;
}

/* The mail group of the tree, made when absent. */
static config_setting_t *
api_reports_mail_group(config_setting_t *root, struct confjson_error *err)
{
	config_setting_t *g = config_setting_get_member(root, "mail");

	if (g == NULL)
		g = config_setting_add(root, "mail", CONFIG_TYPE_GROUP);
	if (g == NULL || !config_setting_is_group(g)) {
		confjson_fail(err, 500, "mail", "mail is not a group in the "
		    "configuration file");
		return NULL;
	}
	return g;
}

/*
 * The mail members sent into the file's mail group g; its CA file is set
 * only in mews.conf (confonly.h).
 */
static int
api_reports_mail_set(config_setting_t *g, json_t *mail,
    const struct config *cfg, struct confjson_error *err)
{
	json_t *copy = json_copy(mail);
	const char *saved;
	int rc;

	if (copy == NULL) {
		confjson_fail(err, 500, NULL, "out of memory");
		return -1;
	}
	if (!config_setting_lookup_string(g, "ca_file", &saved))
		saved = NULL;
	rc = confonly_keep(copy, "mail", "ca_file", saved, cfg->mail.ca_file,
	    err);
	if (rc == 0)
		rc = api_reports_set(g, copy, "mail", err);
	json_decref(copy);
	return rc;
}

static int
api_reports_array(config_setting_t *g, const char *key, json_t *v,
    struct confjson_error *err)
{
	config_setting_t *a;
	size_t i;
	json_t *e;

	if (!json_is_array(v)) {
		confjson_fail(err, 400, key, "%s: a list of strings is "
		    "expected", key);
		return -1;
	}
	if ((a = config_setting_add(g, key, CONFIG_TYPE_ARRAY)) == NULL)
		return -1;
	json_array_foreach(v, i, e) {
		if (!json_is_string(e)) {
			confjson_fail(err, 400, key, "%s: a list of strings is "
			    "expected", key);
			return -1;
		}
		if (config_setting_set_string_elem(a, -1,
		    json_string_value(e)) == NULL)
			return -1;
	}
	return 0;
}

/*
 * The push groups saved, by report name, for what a report keeps when the
 * pages do not send it: the password, which they never see, and the files,
 * which they may not change.
 */
static json_t *
api_reports_saved(const config_setting_t *list)
{
	const config_setting_t *r, *p;
	const char *name;
	json_t *o = json_object();
	int i, n = list != NULL && config_setting_is_list(list) ?
	    config_setting_length(list) : 0;

	for (i = 0; o != NULL && i < n; i++) {
		r = config_setting_get_elem(list, (unsigned)i);
		if (config_setting_lookup_string(r, "name", &name) &&
		    (p = config_setting_get_member(r, "push")) != NULL &&
		    config_setting_is_group(p))
			json_object_set_new(o, name, confjson_object(p));
	}
	return o;
}

/* The running report's upload, as GET showed it; NULL when none. */
static const struct config_push *
api_reports_running(const struct config *cfg, const char *name)
{
	size_t i;

	for (i = 0; name != NULL && i < cfg->nreports; i++)
		if (strcmp(cfg->reports[i].name, name) == 0)
			return cfg->reports[i].push;
	return NULL;
}

/*
 * A report's push group from its JSON: the files as they are (confonly.h),
 * and what the pages did not send kept from the saved group.
 */
static int
api_reports_push(config_setting_t *push, json_t *v, const json_t *saved,
    const struct config_push *running, struct confjson_error *err)
{
	static const char *const kept[] = { "password", "ca_file",
	    "key_file", NULL };
	json_t *copy = json_copy(v);
	config_setting_t *s;
	const char *old;
	size_t i;
	int rc = -1;

	if (copy == NULL) {
		confjson_fail(err, 500, NULL, "out of memory");
		return -1;
	}
	if (confonly_keep(copy, "push", "ca_file", json_string_value(
	    json_object_get(saved, "ca_file")), running ? running->ca_file :
	    "", err) == -1 || confonly_keep(copy, "push", "key_file",
	    json_string_value(json_object_get(saved, "key_file")), running ?
	    running->key_file : "", err) == -1 ||
	    api_reports_set(push, copy, "push", err) == -1)
		goto out;
	for (i = 0; kept[i] != NULL; i++) {
		old = json_string_value(json_object_get(saved, kept[i]));
		if (old == NULL || json_object_get(copy, kept[i]) != NULL)
			continue;
		if ((s = config_setting_add(push, kept[i],
		    CONFIG_TYPE_STRING)) == NULL ||
		    config_setting_set_string(s, old) != CONFIG_TRUE) {
			confjson_fail(err, 500, "push", "cannot keep push.%s",
			    kept[i]);
			goto out;
		}
	}
	rc = 0;
out:
	json_decref(copy);
	return rc;
}

/* One report of the list from its JSON. */
static int
api_reports_entry(config_setting_t *g, json_t *obj, const json_t *saved,
    const struct config *cfg, struct confjson_error *err)
{
	const char *name = json_string_value(json_object_get(obj, "name"));
	json_t *scalars = json_object(), *v;
	config_setting_t *push;
	const char *k;
	int rc = -1;

	if (scalars == NULL)
		return -1;
	json_object_foreach(obj, k, v) {
		if (strcmp(k, "state") == 0)
			continue;
		if (strcmp(k, "to") == 0 || strcmp(k, "devices") == 0) {
			if (api_reports_array(g, k, v, err) == -1)
				goto out;
		} else if (strcmp(k, "push") == 0 && !json_is_null(v)) {
			if (!json_is_object(v)) {
				confjson_fail(err, 400, "push", "push: an "
				    "object is expected");
				goto out;
			}
			if ((push = config_setting_add(g, "push",
			    CONFIG_TYPE_GROUP)) == NULL ||
			    api_reports_push(push, v, name != NULL ?
			    json_object_get(saved, name) : NULL,
			    api_reports_running(cfg, name), err) == -1)
				goto out;
		} else if (json_object_set(scalars, k, v) == -1)
			goto out;
	}
	rc = confjson_set(g, scalars, err);
out:
	json_decref(scalars);
	return rc;
}

struct api_reports_change {
	json_t			*body;
	const struct config	*cfg;	/* running: what GET showed */
};

static int
api_reports_edit(config_setting_t *root, void *arg,
    struct confjson_error *err)
{
	const struct api_reports_change *ch = arg;
	json_t *mail = json_object_get(ch->body, "mail");
	json_t *list = json_object_get(ch->body, "reports"), *e;
	config_setting_t *g, *fresh;
	json_t *saved = NULL;
	size_t i;
	int rc = -1;

	if (mail != NULL) {
		if (!json_is_object(mail)) {
			confjson_fail(err, 400, "mail", "mail: an object is "
			    "expected");
			return -1;
		}
		if ((g = api_reports_mail_group(root, err)) == NULL ||
		    api_reports_mail_set(g, mail, ch->cfg, err) == -1)
			return -1;
	}
	if (list == NULL)
		return 0;
	if (!json_is_array(list)) {
		confjson_fail(err, 400, "reports", "reports: a list is "
		    "expected");
		return -1;
	}
	saved = api_reports_saved(config_setting_get_member(root, "reports"));
	if (config_setting_get_member(root, "reports") != NULL)
		config_setting_remove(root, "reports");
	if (saved == NULL || (fresh = config_setting_add(root, "reports",
	    CONFIG_TYPE_LIST)) == NULL)
		goto out;
	json_array_foreach(list, i, e) {
		if (!json_is_object(e)) {
			confjson_fail(err, 400, "reports", "reports: each "
			    "entry is an object");
			goto out;
		}
		if ((g = config_setting_add(fresh, NULL, CONFIG_TYPE_GROUP)) ==
		    NULL || api_reports_entry(g, e, saved, ch->cfg, err) == -1)
			goto out;
	}
	rc = 0;
out:
	json_decref(saved);
	return rc;
}

static void
api_reports_put(struct api_call *c)
{
	struct api_reports_change ch = { NULL, c->api->d->cfg };
	struct confjson_error err;
	char peer[NET_PEER_MAX];

	if ((ch.body = http_body_object(c->req)) == NULL)
		return;
	if (confedit_apply(&c->api->edit, api_reports_edit, &ch, &err) == -1)
		http_send_error(c->req, err.code, err.field[0] ? err.field :
		    NULL, "%s", err.message);
	else {
		http_peer_name(c->req, peer, sizeof(peer));
		log_info("https: %s: reports settings changed", peer);
		api_reports_get(c);
	}
	json_decref(ch.body);
}

static void
api_reports_tested(void *arg, int ok, const char *answer)
{
	struct evhttp_request *req = answer_wait_end(arg);

	if (req == NULL)
		return;
	if (ok)
		http_send_json(req, 200, json_pack("{s:b, s:s}", "ok", 1,
		    "answer", answer));
	else
		http_send_json(req, 502, json_pack("{s:b, s:s, s:s}", "ok", 0,
		    "error", "the report could not be delivered", "answer",
		    answer));
}

/*
 * The mail settings of the file with the edits applied (a password not
 * sent is the saved one), checked as mewsd -t would: 0, or -1 with the
 * 400 sent.
 */
static int
api_reports_edited_mail(struct api_call *c, json_t *edits,
    struct config_mail *m)
{
	const char *path = c->api->d->cfg->path;
	struct conf_errors errs = { 0, NULL };
	struct confjson_error err;
	config_setting_t *g;
	config_t lc;
	int rc = -1;

	config_mail_defaults(m);
	config_init(&lc);
	if (config_read_file(&lc, path) != CONFIG_TRUE) {
		http_send_error(c->req, 500, NULL, "%s cannot be read", path);
		goto out;
	}
	if ((g = api_reports_mail_group(config_root_setting(&lc), &err)) ==
	    NULL || api_reports_mail_set(g, edits, c->api->d->cfg, &err) ==
	    -1) {
		http_send_error(c->req, err.code, err.field[0] ? err.field :
		    NULL, "%s", err.message);
		goto out;
	}
	if (config_mail_load(m, g, path, &errs) == -1) {
		http_send_error(c->req, 400, "mail", "%s", errs.msgs[0]);
		goto out;
	}
	rc = 0;
out:
	conf_errors_free(&errs);
	config_destroy(&lc);
	if (rc == -1)
		config_mail_clear(m);
	return rc;
}

static void
api_reports_test(struct api_call *c)
{
	struct config_mail m, *use = NULL;
	struct answer_wait *w;
	const char *name;
	char err[256], peer[NET_PEER_MAX];
	json_t *body, *edits;

	memset(&m, 0, sizeof(m));
	if ((body = http_body_object(c->req)) == NULL)
		return;
	if ((name = api_string(c->req, body, "report")) == NULL)
		goto out;
	if (c->api->d->reports == NULL) {
		http_send_error(c->req, 503, NULL, "reports are not running");
		goto out;
	}
	if ((edits = json_object_get(body, "mail")) != NULL) {
		if (!json_is_object(edits)) {
			http_send_error(c->req, 400, "mail", "mail: an object "
			    "is expected");
			goto out;
		}
		if (api_reports_edited_mail(c, edits, &m) == -1)
			goto out;
		use = &m;
	}
	if ((w = answer_wait(c->api->d->answers, c->req)) == NULL) {
		http_send_error(c->req, 500, NULL, "out of memory");
		goto out;
	}
	if (reports_test(c->api->d->reports, name, use, api_reports_tested,
	    w, err, sizeof(err)) == -1) {
		answer_wait_end(w);
		http_send_error(c->req, 404, "report", "%s", err);
		goto out;
	}
	http_peer_name(c->req, peer, sizeof(peer));
	log_info("https: %s: test of report %s%s", peer, name, use ?
	    " with the settings being edited" : "");
out:
	config_mail_clear(&m);
	json_decref(body);
}

static const struct api_route routes[] = {
	{ API_GET, "/api/reports", API_ADMIN, api_reports_get, 0 },
	{ API_PUT, "/api/reports", API_ADMIN, api_reports_put, 0 },
	{ API_POST, "/api/reports/test", API_ADMIN, api_reports_test, 0 },
};

API_ROUTES(api_reports_routes, routes);
