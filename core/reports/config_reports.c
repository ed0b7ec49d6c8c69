/*
 * mews.conf's mail and reports, read and checked with the rest of the file
 * (config.c calls in here), so `mewsd -t` names every mistake:
 *
 *	mail = { server = "smtp.example.com"; port = 587;
 *		 security = "starttls";	// "tls" (smtps), "none"
 *		 user = ""; password = ""; from = "mews@example.com";
 *		 ca_file = ""; verify = true; retry_s = 60; };
 *	reports = ( { name = "daily"; every = "day";	// "week", "month"
 *		      at = "06:00"; weekday = "monday"; day = 1;
 *		      devices = [ ]; to = [ "fm@example.com" ];
 *		      // or: push = { url = "sftp://host/dir/"; ... };
 *		    } );
 *
 * The port follows the security when left out (587, 465, 25).  Relative
 * paths are taken from the configuration file's folder.
 */
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"

#define CONFIG_RETRY_S		60
#define CONFIG_REPORT_AT	(6 * 60)

static const char *const security_names[] = { "starttls", "tls", "none",
    NULL };
static const char *const every_names[] = { "day", "week", "month", NULL };
static const char *const weekday_names[] = { "monday", "tuesday",
    "wednesday", "thursday", "friday", "saturday", "sunday", NULL };
/* What each security is reached on by default. */
static const int security_ports[] = { 587, 465, 25 };

/* One load: where the mistakes go. */
struct config_rl {
	const char		*file;
	char			*dir;
	struct conf_errors	*errs;
};

const char *
config_every_name(enum config_every e)
{
	return every_names[e];
}

void
config_reports_defaults(struct config *cfg)
{
	config_mail_defaults(&cfg->mail);
}

void
config_mail_defaults(struct config_mail *m)
{
	m->server = strdup("");
	m->user = strdup("");
	m->password = strdup("");
	m->from = strdup("");
	m->ca_file = strdup("");
	m->security = CONFIG_MAIL_STARTTLS;
	m->verify = 1;
	m->retry_s = CONFIG_RETRY_S;
}

/* A string key replacing *field when present; paths made absolute. */
static int
config_rl_text(struct config_rl *rl, const config_setting_t *g,
    const char *key, int path, char **field)
{
	const char *v = NULL;
	char *copy;
	int n;

	if (conf_get_string(rl->errs, rl->file, g, key, 0, &v) == -1 ||
	    v == NULL)
		return v == NULL ? 0 : -1;
	if (path && v[0] != '\0' && v[0] != '/')
		n = asprintf(&copy, "%s/%s", rl->dir, v);
	else
		n = (copy = strdup(v)) == NULL ? -1 : 0;
	if (n == -1)
		return -1;
	free(*field);
	*field = copy;
	return 0;
}

/* Text that goes into a protocol line as it is: no controls, no spaces. */
static int
config_rl_token(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s <= ' ' || *s == 0x7f)
			return 0;
	return 1;
}

int
config_address_ok(const char *a)
{
	const char *at = strchr(a, '@');

	return at != NULL && at != a && at[1] != '\0' &&
	    strchr(at + 1, '@') == NULL && config_rl_token(a) &&
	    strpbrk(a, "<>()[],;:\\\"") == NULL && strlen(a) <= 254;
}

static void
config_rl_mail(struct config_rl *rl, const config_setting_t *g,
    struct config_mail *m)
{
	static const char *const keys[] = { "server", "port", "security",
	    "user", "password", "from", "ca_file", "verify", "retry_s",
	    "alarm_to", NULL };
	long long port = 0, retry = m->retry_s;
	int security = (int)m->security;

	m->line = conf_line(g);
	conf_check_keys(rl->errs, rl->file, g, keys);
	config_rl_text(rl, g, "server", 0, &m->server);
	config_rl_text(rl, g, "user", 0, &m->user);
	config_rl_text(rl, g, "password", 0, &m->password);
	config_rl_text(rl, g, "from", 0, &m->from);
	config_rl_text(rl, g, "ca_file", 1, &m->ca_file);
	conf_get_bool(rl->errs, rl->file, g, "verify", &m->verify);
	if (conf_get_choice(rl->errs, rl->file, g, "security",
	    security_names, &security) == 0)
		m->security = (enum config_mail_security)security;
	if (conf_get_int(rl->errs, rl->file, g, "port", 0, 1, 65535,
	    &port) == 0)
		m->port = port ? (int)port : security_ports[m->security];
	if (conf_get_int(rl->errs, rl->file, g, "retry_s", 0, 1, 3600,
	    &retry) == 0)
		m->retry_s = (int)retry;
	if (m->server[0] != '\0' && !config_host_ok(m->server))
		conf_error(rl->errs, config_setting_get_member(g, "server"),
		    rl->file, "server \"%s\" is neither an address nor a host "
		    "name", m->server);
	if (m->from[0] != '\0' && !config_address_ok(m->from))
		conf_error(rl->errs, config_setting_get_member(g, "from"),
		    rl->file, "from \"%s\" is not an e-mail address "
		    "(name@domain)", m->from);
	if (m->server[0] != '\0' && m->from[0] == '\0')
		conf_error(rl->errs, g, rl->file, "mail: a server needs a "
		    "from address too");
	if (!config_rl_token(m->user))
		conf_error(rl->errs, config_setting_get_member(g, "user"),
		    rl->file, "user must not hold spaces or control "
		    "characters");
}

/* A list or an array of strings; each goes through ok(), if given. */
static size_t
config_rl_strings(struct config_rl *rl, const config_setting_t *g,
    const char *key, const config_setting_t **out)
{
	const config_setting_t *s = config_setting_get_member(g, key);
	int i, n;

	*out = NULL;
	if (s == NULL)
		return 0;
	if (!config_setting_is_array(s) && !config_setting_is_list(s)) {
		conf_error(rl->errs, s, rl->file, "'%s' must be a list of "
		    "strings [ \"...\", \"...\" ]", key);
		return 0;
	}
	n = config_setting_length(s);
	for (i = 0; i < n; i++)
		if (config_setting_type(config_setting_get_elem(s,
		    (unsigned)i)) != CONFIG_TYPE_STRING) {
			conf_error(rl->errs, s, rl->file, "'%s' must be a list "
			    "of strings [ \"...\", \"...\" ]", key);
			return 0;
		}
	*out = s;
	return (size_t)n;
}

static int
config_rl_device_known(const struct config *cfg, const char *id)
{
	size_t i;

	for (i = 0; i < cfg->ndevices; i++)
		if (strcmp(cfg->devices[i].id, id) == 0)
			return 1;
	return 0;
}

static void
config_rl_devices(struct config_rl *rl, const struct config *cfg,
    const config_setting_t *g, struct config_report *r)
{
	const config_setting_t *s;
	const char *id;
	size_t i, n = config_rl_strings(rl, g, "devices", &s);

	if (n == 0 || (r->devices = calloc(n, sizeof(*r->devices))) == NULL)
		return;
	for (i = 0; i < n; i++) {
		id = config_setting_get_string_elem(s, (int)i);
		if (!config_rl_device_known(cfg, id)) {
			conf_error(rl->errs, s, rl->file, "report \"%s\": "
			    "devices: no device \"%s\"", r->name, id);
			continue;
		}
		snprintf(r->devices[r->ndevices++], sizeof(*r->devices), "%s",
		    id);
	}
}

static void
config_rl_to(struct config_rl *rl, const config_setting_t *g,
    struct config_report *r)
{
	const config_setting_t *s;
	const char *a;
	size_t i, n = config_rl_strings(rl, g, "to", &s);

	if (n == 0 || (r->to = calloc(n, sizeof(*r->to))) == NULL)
		return;
	for (i = 0; i < n; i++) {
		a = config_setting_get_string_elem(s, (int)i);
		if (!config_address_ok(a)) {
			conf_error(rl->errs, s, rl->file, "report \"%s\": to: "
			    "\"%s\" is not an e-mail address (name@domain)",
			    r->name, a);
			continue;
		}
		r->to[r->nto++] = strdup(a);
	}
}

static void
config_rl_push(struct config_rl *rl, const config_setting_t *g,
    struct config_report *r)
{
	static const char *const keys[] = { "url", "user", "password",
	    "ca_file", "verify", "host_key", "key_file", NULL };
	static const char *const schemes[] = { "ftp://", "ftps://",
	    "sftp://", "https://", NULL };
	const config_setting_t *at;
	struct config_push *p;
	size_t i;

	if (!config_setting_is_group(g)) {
		conf_error(rl->errs, g, rl->file, "report \"%s\": 'push' must "
		    "be a group { url = \"...\"; ... }", r->name);
		return;
	}
	if ((p = calloc(1, sizeof(*p))) == NULL)
		return;
	r->push = p;
	p->url = strdup("");
	p->user = strdup("");
	p->password = strdup("");
	p->ca_file = strdup("");
	p->host_key = strdup("");
	p->key_file = strdup("");
	p->verify = 1;
	conf_check_keys(rl->errs, rl->file, g, keys);
	config_rl_text(rl, g, "url", 0, &p->url);
	config_rl_text(rl, g, "user", 0, &p->user);
	config_rl_text(rl, g, "password", 0, &p->password);
	config_rl_text(rl, g, "ca_file", 1, &p->ca_file);
	config_rl_text(rl, g, "host_key", 0, &p->host_key);
	config_rl_text(rl, g, "key_file", 1, &p->key_file);
	conf_get_bool(rl->errs, rl->file, g, "verify", &p->verify);
	at = config_setting_get_member(g, "url");
	for (i = 0; schemes[i] != NULL &&
	    strncmp(p->url, schemes[i], strlen(schemes[i])) != 0; i++)
		;
	if (schemes[i] == NULL || p->url[strlen(schemes[i])] == '/' ||
	    p->url[strlen(schemes[i])] == '\0')
		conf_error(rl->errs, at ? at : g, rl->file, "report \"%s\": "
		    "push: url \"%s\" must be ftp://, ftps://, sftp:// or "
		    "https:// with a host", r->name, p->url);
	else if (p->url[strlen(p->url) - 1] != '/' ||
	    !config_rl_token(p->url))
		conf_error(rl->errs, at, rl->file, "report \"%s\": push: url "
		    "\"%s\" must be a folder, ending with '/', without spaces",
		    r->name, p->url);
	else if (strncmp(p->url, "sftp://", 7) == 0 && p->verify &&
	    p->host_key[0] == '\0')
		conf_error(rl->errs, g, rl->file, "report \"%s\": push: sftp "
		    "needs the server's host_key (ssh-keygen -lf: the base64 "
		    "after SHA256:), or verify = false (unsafe)", r->name);
	if (!config_rl_token(p->user))
		conf_error(rl->errs, config_setting_get_member(g, "user"),
		    rl->file, "user must not hold spaces or control "
		    "characters");
}

/* "HH:MM", 00:00 to 23:59, into minutes. */
static void
config_rl_at(struct config_rl *rl, const config_setting_t *g,
    struct config_report *r)
{
	const char *v = NULL;
	unsigned hh, mm;
	char extra;

	if (conf_get_string(rl->errs, rl->file, g, "at", 0, &v) == -1 ||
	    v == NULL)
		return;
	if (strlen(v) != 5 || sscanf(v, "%2u:%2u%c", &hh, &mm, &extra) != 2
	    || v[2] != ':' || hh > 23 || mm > 59) {
		conf_error(rl->errs, config_setting_get_member(g, "at"),
		    rl->file, "report \"%s\": at \"%s\" must be a local time "
		    "HH:MM, 00:00 to 23:59", r->name, v);
		return;
	}
	r->at_min = (int)(hh * 60 + mm);
}

static void
config_rl_report(struct config_rl *rl, const struct config *cfg,
    const config_setting_t *g, struct config_report *r)
{
	static const char *const keys[] = { "name", "every", "at", "weekday",
	    "day", "devices", "to", "push", NULL };
	const config_setting_t *push = config_setting_get_member(g, "push");
	const char *name = NULL;
	long long day = 1;
	int every = CONFIG_EVERY_DAY, weekday = 0;

	r->line = conf_line(g);
	r->at_min = CONFIG_REPORT_AT;
	r->day = 1;
	conf_check_keys(rl->errs, rl->file, g, keys);
	if (conf_get_string(rl->errs, rl->file, g, "name", 1, &name) == 0 &&
	    name != NULL) {
		if (config_id_ok(name))
			snprintf(r->name, sizeof(r->name), "%s", name);
		else
			conf_error(rl->errs, config_setting_get_member(g,
			    "name"), rl->file, "name \"%s\" must match "
			    "[a-z0-9_-]{1,32}", name);
	}
	conf_get_choice(rl->errs, rl->file, g, "every", every_names, &every);
	r->every = (enum config_every)every;
	config_rl_at(rl, g, r);
	if (conf_get_choice(rl->errs, rl->file, g, "weekday", weekday_names,
	    &weekday) == 0)
		r->weekday = weekday;
	if (conf_get_int(rl->errs, rl->file, g, "day", 0, 1, 28, &day) == 0)
		r->day = (int)day;
	if (r->every != CONFIG_EVERY_WEEK &&
	    config_setting_get_member(g, "weekday") != NULL)
		conf_error(rl->errs, config_setting_get_member(g, "weekday"),
		    rl->file, "report \"%s\": weekday is for every = "
		    "\"week\"", r->name);
	if (r->every != CONFIG_EVERY_MONTH &&
	    config_setting_get_member(g, "day") != NULL)
		conf_error(rl->errs, config_setting_get_member(g, "day"),
		    rl->file, "report \"%s\": day is for every = \"month\"",
		    r->name);
	config_rl_devices(rl, cfg, g, r);
	config_rl_to(rl, g, r);
	if (push != NULL)
		config_rl_push(rl, push, r);
	if ((config_setting_get_member(g, "to") != NULL) == (push != NULL))
		conf_error(rl->errs, g, rl->file, "report \"%s\": either to "
		    "(e-mail recipients) or push (an upload), one of them",
		    r->name);
	else if (push == NULL && r->nto == 0)
		conf_error(rl->errs, config_setting_get_member(g, "to"),
		    rl->file, "report \"%s\": to: at least one recipient",
		    r->name);
	else if (push == NULL && cfg->mail.server[0] == '\0')
		conf_error(rl->errs, config_setting_get_member(g, "to"),
		    rl->file, "report \"%s\" is mailed, but no mail server "
		    "is set: set the server and the sender's address first "
		    "(mail.server, mail.from)", r->name);
}

static void
config_rl_reports(struct config_rl *rl, struct config *cfg,
    const config_setting_t *root)
{
	const config_setting_t *list = config_setting_get_member(root,
	    "reports");
	struct config_report *r;
	size_t i, j;
	int n;

	if (list == NULL)
		return;
	if (!config_setting_is_list(list)) {
		conf_error(rl->errs, list, rl->file, "'reports' must be a list "
		    "( { ... }, { ... } )");
		return;
	}
	n = config_setting_length(list);
	if (n == 0 || (cfg->reports = calloc((size_t)n, sizeof(*r))) == NULL)
		return;
	for (i = 0; i < (size_t)n; i++) {
		const config_setting_t *g = config_setting_get_elem(list,
		    (unsigned)i);

		if (!config_setting_is_group(g)) {
			conf_error(rl->errs, g, rl->file, "each entry of "
			    "'reports' must be a group { ... }");
			continue;
		}
		r = &cfg->reports[cfg->nreports++];
		config_rl_report(rl, cfg, g, r);
		for (j = 0; j + 1 < cfg->nreports; j++)
			if (r->name[0] != '\0' &&
			    strcmp(cfg->reports[j].name, r->name) == 0)
				conf_errors_add(rl->errs, rl->file, r->line,
				    "report name \"%s\" already used at line "
				    "%d", r->name, cfg->reports[j].line);
	}
}

static int
config_rl_begin(struct config_rl *rl, const char *file,
    struct conf_errors *errs)
{
	char *copy;

	rl->file = file;
	rl->errs = errs;
	rl->dir = NULL;
	if ((copy = strdup(file)) == NULL)
		return -1;
	rl->dir = strdup(dirname(copy));
	free(copy);
	return rl->dir == NULL ? -1 : 0;
}

void
config_reports_load(struct config *cfg, const config_setting_t *root,
    const char *file, struct conf_errors *errs)
{
	const config_setting_t *g = config_setting_get_member(root, "mail");
	struct config_rl rl;

	if (config_rl_begin(&rl, file, errs) == -1) {
		conf_errors_add(errs, file, 0, "out of memory");
		return;
	}
	if (g != NULL && !config_setting_is_group(g))
		conf_error(errs, g, file, "'mail' must be a group "
		    "{ key = value; ... }");
	else if (g != NULL)
		config_rl_mail(&rl, g, &cfg->mail);
	if (cfg->mail.port == 0)
		cfg->mail.port = security_ports[cfg->mail.security];
	config_rl_reports(&rl, cfg, root);
	free(rl.dir);
}

int
config_mail_load(struct config_mail *m, const config_setting_t *g,
    const char *file, struct conf_errors *errs)
{
	struct config_rl rl;
	size_t before = errs->n;

	if (config_rl_begin(&rl, file, errs) == -1) {
		conf_errors_add(errs, file, 0, "out of memory");
		return -1;
	}
	config_rl_mail(&rl, g, m);
	free(rl.dir);
	return errs->n == before ? 0 : -1;
}

void
config_mail_clear(struct config_mail *m)
{
	free(m->server);
	free(m->user);
	free(m->password);
	free(m->from);
	free(m->ca_file);
	memset(m, 0, sizeof(*m));
}

static void
config_push_free(struct config_push *p)
{
	if (p == NULL)
		return;
	free(p->url);
	free(p->user);
	free(p->password);
	free(p->ca_file);
	free(p->host_key);
	free(p->key_file);
	free(p);
}

void
config_reports_free(struct config *cfg)
{
	size_t i, j;

	for (i = 0; i < cfg->nreports; i++) {
		for (j = 0; j < cfg->reports[i].nto; j++)
			free(cfg->reports[i].to[j]);
		free(cfg->reports[i].to);
		free(cfg->reports[i].devices);
		config_push_free(cfg->reports[i].push);
	}
	free(cfg->reports);
	config_mail_clear(&cfg->mail);
}
