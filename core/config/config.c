#include <arpa/inet.h>
#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config/config.h"
#include "config/profile.h"
#include "modules/module.h"

#ifndef PKGDATADIR
#define PKGDATADIR "/usr/local/share/mews"
#endif
#ifndef LOCALSTATEDIR
#define LOCALSTATEDIR "/var"
#endif

/* One load in progress: where errors go and what they refer to. */
struct config_load {
	struct config		*cfg;
	const char		*file;
	char			*dir;		/* the file's folder */
	struct conf_errors	*errs;
};

static struct config_bus *config_find_bus(struct config *, const char *);
static struct config_gateway *config_find_gateway(struct config *,
    const char *);

static const char *const parity_names[] = { "none", "even", "odd", NULL };
static const char *const level_names[] = { "warning", "info", "debug", NULL };
static const char *const access_names[] = { "read", "write", NULL };

/* The standard rates; anything else is a typo on an RS485 line. */
static const int standard_bauds[] = {
	1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200
};

int
config_id_ok(const char *id)
{
	size_t n = strlen(id);

	return n >= 1 && n <= CONFIG_ID_MAX &&
	    strspn(id, "abcdefghijklmnopqrstuvwxyz0123456789_-") == n;
}

const char *
config_parity_name(enum config_parity p)
{
	return parity_names[p];
}

const char *
config_access_name(enum config_access a)
{
	return access_names[a];
}

static const config_setting_t *
config_member(const config_setting_t *group, const char *key)
{
	return config_setting_get_member(group, key);
}

static int
config_get_id(struct config_load *ld, const config_setting_t *group,
    const char *key, char *out)
{
	const char *v = NULL;

	if (conf_get_string(ld->errs, ld->file, group, key, 1, &v) == -1)
		return -1;
	if (!config_id_ok(v)) {
		conf_error(ld->errs, config_member(group, key), ld->file,
		    "%s \"%s\" must match [a-z0-9_-]{1,32}", key, v);
		return -1;
	}
	memcpy(out, v, strlen(v) + 1);
	return 0;
}

static int
config_get_ranged(struct config_load *ld, const config_setting_t *group,
    const char *key, int required, long long min, long long max, int *out)
{
	long long v = *out;

	if (conf_get_int(ld->errs, ld->file, group, key, required, min, max,
	    &v) == -1)
		return -1;
	*out = (int)v;
	return 0;
}

static int
config_get_port(struct config_load *ld, const config_setting_t *group,
    const char *key, int *out)
{
	return config_get_ranged(ld, group, key, 0, 1, 65535, out);
}

static void
config_set_string(char **field, const char *v)
{
	free(*field);
	*field = strdup(v);
}

/* A string key replacing *field when present. */
static int
config_get_text(struct config_load *ld, const config_setting_t *group,
    const char *key, char **field)
{
	const char *v = NULL;

	if (conf_get_string(ld->errs, ld->file, group, key, 0, &v) == -1)
		return -1;
	if (v != NULL)
		config_set_string(field, v);
	return 0;
}

/* A path; relative ones are taken from the configuration file's folder. */
static int
config_get_path(struct config_load *ld, const config_setting_t *group,
    const char *key, char **field)
{
	const char *v = NULL;
	char *full;

	if (conf_get_string(ld->errs, ld->file, group, key, 0, &v) == -1)
		return -1;
	if (v == NULL)
		return 0;
	if (v[0] == '/' || v[0] == '\0') {
		config_set_string(field, v);
		return 0;
	}
	if (asprintf(&full, "%s/%s", ld->dir, v) == -1)
		return -1;
	free(*field);
	*field = full;
	return 0;
}

/* A listen address must be a literal: no DNS when the daemon starts. */
static int
config_get_listen(struct config_load *ld, const config_setting_t *group,
    char **field)
{
	const char *v = NULL;
	struct in6_addr a6;
	struct in_addr a4;

	if (conf_get_string(ld->errs, ld->file, group, "listen", 0, &v) == -1)
		return -1;
	if (v == NULL)
		return 0;
	if (inet_pton(AF_INET, v, &a4) != 1 &&
	    inet_pton(AF_INET6, v, &a6) != 1) {
		conf_error(ld->errs, config_member(group, "listen"), ld->file,
		    "listen \"%s\" is not an IPv4 or IPv6 address", v);
		return -1;
	}
	config_set_string(field, v);
	return 0;
}

int
config_host_ok(const char *h)
{
	struct in6_addr a6;
	size_t n = strlen(h), label = 0, i;

	if (inet_pton(AF_INET6, h, &a6) == 1)
		return 1;
	if (n == 0 || n > 253)
		return 0;
	for (i = 0; i < n; i++) {
		if (h[i] == '.') {
			if (label == 0 || h[i - 1] == '-')
				return 0;
			label = 0;
			continue;
		}
		if (!((h[i] >= 'a' && h[i] <= 'z') || (h[i] >= 'A' &&
		    h[i] <= 'Z') || (h[i] >= '0' && h[i] <= '9') ||
		    (h[i] == '-' && label > 0)))
			return 0;
		if (++label > 63)
			return 0;
	}
	return label > 0 && h[n - 1] != '-';
}

/* A member that must be a group when present; NULL when absent or wrong. */
static const config_setting_t *
config_group(struct config_load *ld, const config_setting_t *parent,
    const char *key, const char *const *keys)
{
	const config_setting_t *s = config_member(parent, key);

	if (s == NULL)
		return NULL;
	if (!config_setting_is_group(s)) {
		conf_error(ld->errs, s, ld->file, "'%s' must be a group "
		    "{ key = value; ... }", key);
		return NULL;
	}
	conf_check_keys(ld->errs, ld->file, s, keys);
	return s;
}

/* A member that must be a list of groups; its length, 0 when absent. */
static int
config_list(struct config_load *ld, const config_setting_t *parent,
    const char *key, const config_setting_t **out)
{
	const config_setting_t *s = config_member(parent, key);
	int i, n;

	*out = NULL;
	if (s == NULL)
		return 0;
	if (!config_setting_is_list(s)) {
		conf_error(ld->errs, s, ld->file, "'%s' must be a list "
		    "( { ... }, { ... } )", key);
		return 0;
	}
	n = config_setting_length(s);
	for (i = 0; i < n; i++)
		if (!config_setting_is_group(config_setting_get_elem(s, i))) {
			conf_error(ld->errs, config_setting_get_elem(s, i),
			    ld->file, "each entry of '%s' must be a group "
			    "{ ... }", key);
			return 0;
		}
	*out = s;
	return n;
}

/*
 * A bearer token (RFC 6750's b64token) long enough that guessing it is
 * hopeless: it goes in scrapers' configurations, never in a URL.
 */
static void
config_load_metrics_token(struct config_load *ld, const config_setting_t *s)
{
	static const char b64token[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789-._~+/";
	char **token = &ld->cfg->http.metrics_token;
	size_t n;

	if (config_get_text(ld, s, "metrics_token", token) == -1 ||
	    (*token)[0] == '\0')
		return;
	n = strspn(*token, b64token);
	n += strspn(*token + n, "=");
	if ((*token)[n] != '\0' || n < 16 || n > 256)
		conf_error(ld->errs, config_member(s, "metrics_token"),
		    ld->file, "metrics_token must be 16..256 characters of "
		    "A-Z a-z 0-9 - . _ ~ + / (then = for padding), or \"\"");
}

static void
config_load_http(struct config_load *ld, const config_setting_t *root)
{
	static const char *const keys[] = { "listen", "https_port",
	    "http_port", "cert", "key", "www", "max_connections",
	    "max_connections_per_address", "session_idle_s", "session_max_s",
	    "metrics_token", NULL };
	struct config *cfg = ld->cfg;
	const config_setting_t *s;

	if ((s = config_group(ld, root, "http", keys)) == NULL)
		return;
	config_load_metrics_token(ld, s);
	config_get_listen(ld, s, &cfg->http.listen);
	config_get_port(ld, s, "https_port", &cfg->http.https_port);
	config_get_port(ld, s, "http_port", &cfg->http.http_port);
	config_get_path(ld, s, "cert", &cfg->http.cert);
	config_get_path(ld, s, "key", &cfg->http.key);
	config_get_path(ld, s, "www", &cfg->http.www);
	config_get_ranged(ld, s, "max_connections", 0, 8, 4096,
	    &cfg->http.max_connections);
	config_get_ranged(ld, s, "max_connections_per_address", 0, 8, 4096,
	    &cfg->http.max_connections_per_address);
	config_get_ranged(ld, s, "session_idle_s", 0, 60, 86400,
	    &cfg->http.session_idle_s);
	config_get_ranged(ld, s, "session_max_s", 0, 300, 30 * 86400,
	    &cfg->http.session_max_s);
	if (cfg->http.session_idle_s > cfg->http.session_max_s)
		conf_error(ld->errs, s, ld->file, "session_idle_s (%d) is "
		    "longer than session_max_s (%d)", cfg->http.session_idle_s,
		    cfg->http.session_max_s);
	if (cfg->http.https_port == cfg->http.http_port)
		conf_error(ld->errs, s, ld->file, "https_port and http_port "
		    "are both %d", cfg->http.https_port);
	if ((cfg->http.cert[0] == '\0') != (cfg->http.key[0] == '\0'))
		conf_error(ld->errs, s, ld->file, "cert and key go together: "
		    "set both, or neither for a self-signed pair");
}

static void
config_load_route(struct config_load *ld, const config_setting_t *s,
    struct config_route *r)
{
	static const char *const keys[] = { "first", "last", "bus", "gateway",
	    NULL };
	struct config *cfg = ld->cfg;
	const char *bus = NULL, *gateway = NULL;

	r->line = conf_line(s);
	conf_check_keys(ld->errs, ld->file, s, keys);
	config_get_ranged(ld, s, "first", 1, 1, 247, &r->first);
	r->last = r->first;
	config_get_ranged(ld, s, "last", 0, 1, 247, &r->last);
	if (r->first > r->last)
		conf_error(ld->errs, s, ld->file, "route: first %d is after "
		    "last %d", r->first, r->last);
	conf_get_string(ld->errs, ld->file, s, "bus", 0, &bus);
	conf_get_string(ld->errs, ld->file, s, "gateway", 0, &gateway);
	if ((bus == NULL) == (gateway == NULL))
		conf_error(ld->errs, s, ld->file, "a route goes to a bus or "
		    "to a gateway: one of them");
	else if (bus != NULL && (r->bus = config_find_bus(cfg, bus)) == NULL)
		conf_error(ld->errs, config_member(s, "bus"), ld->file,
		    "route to unknown bus \"%s\"", bus);
	else if (gateway != NULL &&
	    (r->gateway = config_find_gateway(cfg, gateway)) == NULL)
		conf_error(ld->errs, config_member(s, "gateway"), ld->file,
		    "route to unknown gateway \"%s\"", gateway);
}

static void
config_load_routes(struct config_load *ld, const config_setting_t *group)
{
	struct config *cfg = ld->cfg;
	const config_setting_t *list;
	size_t i, j;
	int n;

	if ((n = config_list(ld, group, "routes", &list)) == 0)
		return;
	if ((cfg->modbus_tcp.routes = calloc(n, sizeof(struct config_route)))
	    == NULL)
		return;
	for (i = 0; i < (size_t)n; i++) {
		struct config_route *r = &cfg->modbus_tcp.routes[i], *o;

		config_load_route(ld, config_setting_get_elem(list, i), r);
		cfg->modbus_tcp.nroutes++;
		for (j = 0; j < i; j++) {
			o = &cfg->modbus_tcp.routes[j];
			if (r->first <= o->last && o->first <= r->last)
				conf_errors_add(ld->errs, ld->file, r->line,
				    "route %d..%d overlaps the route at line "
				    "%d", r->first, r->last, o->line);
		}
		if (cfg->modbus_tcp.unit_id >= r->first &&
		    cfg->modbus_tcp.unit_id <= r->last)
			conf_errors_add(ld->errs, ld->file, r->line, "route "
			    "%d..%d covers unit_id %d, the box's own",
			    r->first, r->last, cfg->modbus_tcp.unit_id);
	}
}

static void
config_load_allow_entry(struct config_load *ld, const config_setting_t *s,
    struct config_allow *a)
{
	static const char *const keys[] = { "from", "access", NULL };
	const char *from = NULL;
	char err[160];
	int access = CONFIG_ACCESS_READ;

	a->line = conf_line(s);
	conf_check_keys(ld->errs, ld->file, s, keys);
	if (conf_get_choice(ld->errs, ld->file, s, "access", access_names,
	    &access) == 0)
		a->access = (enum config_access)access;
	if (conf_get_string(ld->errs, ld->file, s, "from", 1, &from) == -1)
		return;
	snprintf(a->text, sizeof(a->text), "%s", from);
	if (netmask_parse(from, &a->from, err, sizeof(err)) == -1)
		conf_error(ld->errs, config_member(s, "from"), ld->file,
		    "allow: from \"%.64s\": %s", from, err);
}

/*
 * The first entry matching a client wins: one that an earlier entry
 * covers whole never matches, a mistake (a host given write access after
 * its network's read entry stays read-only).
 */
static void
config_check_allow_order(struct config_load *ld)
{
	const struct config_allow *a = ld->cfg->modbus_tcp.allow, *e, *l;
	size_t n = ld->cfg->modbus_tcp.nallow, i, j;

	for (i = 1; i < n; i++) {
		l = &a[i];
		for (j = 0; j < i; j++) {
			e = &a[j];
			if (e->from.net.family == 0 || l->from.net.family == 0 ||
			    !netmask_covers(&e->from, &l->from))
				continue;
			conf_errors_add(ld->errs, ld->file, l->line, "allow: "
			    "the entry for %s is never used: the one at line "
			    "%d (%s, %s) comes first and takes all its "
			    "clients (the first match wins: put narrower "
			    "entries first)", l->text, e->line, e->text,
			    config_access_name(e->access));
			break;
		}
	}
}

/* allow = ( { from = "CIDR"; access = "read"|"write"; }, ... ) */
static void
config_load_allow(struct config_load *ld, const config_setting_t *group)
{
	struct config *cfg = ld->cfg;
	const config_setting_t *list;
	int n, i;

	n = config_list(ld, group, "allow", &list);
	if (list == NULL)
		return;
	cfg->modbus_tcp.has_allow = 1;
	if (n == 0)
		return;
	if ((cfg->modbus_tcp.allow = calloc((size_t)n,
	    sizeof(struct config_allow))) == NULL) {
		conf_error(ld->errs, list, ld->file, "out of memory");
		return;
	}
	for (i = 0; i < n; i++) {
		config_load_allow_entry(ld, config_setting_get_elem(list,
		    (unsigned)i), &cfg->modbus_tcp.allow[i]);
		cfg->modbus_tcp.nallow++;
	}
	config_check_allow_order(ld);
}

/* A gateway anyone may use, or none may: legal, and said. */
static void
config_warn_modbus_tcp(struct config_load *ld, const config_setting_t *s)
{
	struct config *cfg = ld->cfg;
	int line = s != NULL ? conf_line(s) : 0;

	if (!cfg->modbus_tcp.enabled)
		return;
	if (!cfg->modbus_tcp.has_allow)
		conf_errors_add(&cfg->warnings, ld->file, line, "warning: "
		    "modbus_tcp has no allow list: anyone who reaches port "
		    "%d can read and operate every device on the buses (open "
		    "a breaker, switch an output, write any register); list "
		    "who may connect in modbus_tcp.allow",
		    cfg->modbus_tcp.port);
	else if (cfg->modbus_tcp.nallow == 0)
		conf_errors_add(&cfg->warnings, ld->file, line, "warning: "
		    "modbus_tcp.allow is empty: every client is refused "
		    "(enabled = false turns the gateway off)");
}

/* After buses and gateways: routes name them. */
static void
config_load_modbus_tcp(struct config_load *ld, const config_setting_t *root)
{
	static const char *const keys[] = { "enabled", "listen", "port",
	    "max_clients", "max_clients_per_address", "idle_timeout_s",
	    "max_pending", "retries", "unit_id", "routes", "allow", NULL };
	struct config *cfg = ld->cfg;
	const config_setting_t *s;

	if ((s = config_group(ld, root, "modbus_tcp", keys)) == NULL) {
		config_warn_modbus_tcp(ld, config_member(root, "modbus_tcp"));
		return;
	}
	conf_get_bool(ld->errs, ld->file, s, "enabled",
	    &cfg->modbus_tcp.enabled);
	config_get_listen(ld, s, &cfg->modbus_tcp.listen);
	config_get_port(ld, s, "port", &cfg->modbus_tcp.port);
	config_get_ranged(ld, s, "max_clients", 0, 1, 1024,
	    &cfg->modbus_tcp.max_clients);
	config_get_ranged(ld, s, "idle_timeout_s", 0, 0, 86400,
	    &cfg->modbus_tcp.idle_timeout_s);
	config_get_ranged(ld, s, "max_pending", 0, 1, 256,
	    &cfg->modbus_tcp.max_pending);
	config_get_ranged(ld, s, "retries", 0, 0, 5, &cfg->modbus_tcp.retries);
	config_get_ranged(ld, s, "unit_id", 0, 0, 247,
	    &cfg->modbus_tcp.unit_id);
	config_get_ranged(ld, s, "max_clients_per_address", 0, 1, 1024,
	    &cfg->modbus_tcp.max_clients_per_address);
	config_load_routes(ld, s);
	config_load_allow(ld, s);
	config_warn_modbus_tcp(ld, s);
}

static void
config_load_csv(struct config_load *ld, const config_setting_t *root)
{
	static const char *const keys[] = { "separator", "decimal", "bom",
	    NULL };
	static const char *const seps[] = { ";", ",", NULL };
	static const char *const decs[] = { ",", ".", NULL };
	struct config *cfg = ld->cfg;
	const config_setting_t *s;
	int sep = -1, dec = -1;

	if ((s = config_group(ld, root, "csv", keys)) == NULL)
		return;
	if (conf_get_choice(ld->errs, ld->file, s, "separator", seps, &sep) ==
	    0 && sep >= 0)
		cfg->csv.separator = seps[sep][0];
	if (conf_get_choice(ld->errs, ld->file, s, "decimal", decs, &dec) ==
	    0 && dec >= 0)
		cfg->csv.decimal = decs[dec][0];
	conf_get_bool(ld->errs, ld->file, s, "bom", &cfg->csv.bom);
	if (cfg->csv.separator == ',' && cfg->csv.decimal == ',')
		conf_error(ld->errs, s, ld->file, "a decimal comma needs the "
		    "separator \";\"");
}

static void
config_load_history(struct config_load *ld, const config_setting_t *root)
{
	static const char *const keys[] = { "enabled", "max_mb", "rrdcached",
	    NULL };
	struct config *cfg = ld->cfg;
	const config_setting_t *s;

	if ((s = config_group(ld, root, "history", keys)) == NULL)
		return;
	conf_get_bool(ld->errs, ld->file, s, "enabled",
	    &cfg->history.enabled);
	config_get_ranged(ld, s, "max_mb", 0, 16, 1048576,
	    &cfg->history.max_mb);
	config_get_text(ld, s, "rrdcached", &cfg->history.rrdcached);
	if (cfg->history.rrdcached[0] != '\0' &&
	    strncmp(cfg->history.rrdcached, "unix:/", 6) != 0)
		conf_error(ld->errs, config_member(s, "rrdcached"), ld->file,
		    "rrdcached must be \"unix:/path/to/socket\" (a local "
		    "rrdcached), or \"\"");
}

/*
 * passive_ports = [ first, last ]: unprivileged, since the daemon binds
 * them after dropping root.  A port of the range already in use (even by
 * ftp.port itself) is skipped when a passive connection is opened.
 */
static void
config_load_passive_ports(struct config_load *ld, const config_setting_t *s)
{
	const config_setting_t *a = config_member(s, "passive_ports");
	const config_setting_t *e;
	int v[2], i;

	if (a == NULL)
		return;
	if (!config_setting_is_array(a) || config_setting_length(a) != 2) {
		conf_error(ld->errs, a, ld->file, "passive_ports must be "
		    "[ first, last ]");
		return;
	}
	for (i = 0; i < 2; i++) {
		e = config_setting_get_elem(a, (unsigned)i);
		if (config_setting_type(e) != CONFIG_TYPE_INT ||
		    (v[i] = config_setting_get_int(e)) < 1024 || v[i] > 65535) {
			conf_error(ld->errs, a, ld->file, "passive_ports: "
			    "ports must be integers in 1024..65535");
			return;
		}
	}
	if (v[0] > v[1]) {
		conf_error(ld->errs, a, ld->file, "passive_ports: first %d is "
		    "after last %d", v[0], v[1]);
		return;
	}
	ld->cfg->ftp.passive_first = v[0];
	ld->cfg->ftp.passive_last = v[1];
}

static void
config_load_ftp(struct config_load *ld, const config_setting_t *root)
{
	static const char *const keys[] = { "enabled", "listen", "port",
	    "require_tls", "passive_ports", "max_sessions",
	    "max_sessions_per_address", "idle_timeout_s", NULL };
	struct config *cfg = ld->cfg;
	const config_setting_t *s;

	if ((s = config_group(ld, root, "ftp", keys)) == NULL)
		return;
	conf_get_bool(ld->errs, ld->file, s, "enabled", &cfg->ftp.enabled);
	config_get_listen(ld, s, &cfg->ftp.listen);
	config_get_port(ld, s, "port", &cfg->ftp.port);
	conf_get_bool(ld->errs, ld->file, s, "require_tls",
	    &cfg->ftp.require_tls);
	config_load_passive_ports(ld, s);
	config_get_ranged(ld, s, "max_sessions", 0, 1, 256,
	    &cfg->ftp.max_sessions);
	config_get_ranged(ld, s, "max_sessions_per_address", 0, 1, 256,
	    &cfg->ftp.max_sessions_per_address);
	config_get_ranged(ld, s, "idle_timeout_s", 0, 1, 86400,
	    &cfg->ftp.idle_timeout_s);
	if (cfg->ftp.enabled && !cfg->ftp.require_tls)
		conf_errors_add(&cfg->warnings, ld->file,
		    conf_line(config_member(s, "require_tls")), "warning: "
		    "ftp.require_tls = false: plain FTP is allowed, so PINs "
		    "and the history files cross the network in clear to "
		    "anyone on the way; remove it (the default is true) "
		    "unless every FTP client is on a trusted wire");
}

/* An MQTT topic level prefix: no wildcards, no empty level. */
static void
config_check_prefix(struct config_load *ld, const config_setting_t *s,
    const char *key, const char *v)
{
	size_t n = strlen(v);

	if (n == 0 || n > 64 || strpbrk(v, "+#") != NULL || v[0] == '/' ||
	    v[n - 1] == '/' || strstr(v, "//") != NULL)
		conf_error(ld->errs, config_member(s, key) ?
		    config_member(s, key) : s, ld->file, "%s \"%s\" must be "
		    "1..64 characters of topic levels, without + # or empty "
		    "levels", key, v);
}

static void
config_load_mqtt(struct config_load *ld, const config_setting_t *root)
{
	static const char *const keys[] = { "enabled", "host", "port", "tls",
	    "ca_file", "user", "password", "client_id", "topic_prefix",
	    "discovery_prefix", "min_interval_s", "max_interval_s",
	    "commands", NULL };
	struct config_mqtt *m = &ld->cfg->mqtt;
	const config_setting_t *s;
	struct in6_addr a6;
	struct in_addr a4;
	size_t n;

	if ((s = config_group(ld, root, "mqtt", keys)) == NULL)
		return;
	conf_get_bool(ld->errs, ld->file, s, "enabled", &m->enabled);
	config_get_text(ld, s, "host", &m->host);
	config_get_port(ld, s, "port", &m->port);
	conf_get_bool(ld->errs, ld->file, s, "tls", &m->tls);
	config_get_path(ld, s, "ca_file", &m->ca_file);
	config_get_text(ld, s, "user", &m->user);
	config_get_text(ld, s, "password", &m->password);
	config_get_text(ld, s, "client_id", &m->client_id);
	config_get_text(ld, s, "topic_prefix", &m->topic_prefix);
	config_get_text(ld, s, "discovery_prefix", &m->discovery_prefix);
	config_get_ranged(ld, s, "min_interval_s", 0, 1, 3600,
	    &m->min_interval_s);
	config_get_ranged(ld, s, "max_interval_s", 0, 1, 86400,
	    &m->max_interval_s);
	conf_get_bool(ld->errs, ld->file, s, "commands", &m->commands);
	if (inet_pton(AF_INET, m->host, &a4) != 1 &&
	    inet_pton(AF_INET6, m->host, &a6) != 1)
		conf_error(ld->errs, config_member(s, "host"), ld->file,
		    "host \"%s\" is not an IPv4 or IPv6 address (libmosquitto "
		    "would resolve a name with a blocking lookup)", m->host);
	if (m->ca_file[0] != '\0' && access(m->ca_file, R_OK) == -1)
		conf_error(ld->errs, config_member(s, "ca_file"), ld->file,
		    "ca_file %s: %s", m->ca_file, strerror(errno));
	if (m->password[0] != '\0' && m->user[0] == '\0')
		conf_error(ld->errs, config_member(s, "password"), ld->file,
		    "password without user: set both, or neither");
	n = strlen(m->client_id);
	if (n == 0 || n > 64 || strpbrk(m->client_id, "+#/ ") != NULL)
		conf_error(ld->errs, config_member(s, "client_id") ?
		    config_member(s, "client_id") : s, ld->file, "client_id "
		    "\"%s\" must be 1..64 characters without + # / or spaces",
		    m->client_id);
	config_check_prefix(ld, s, "topic_prefix", m->topic_prefix);
	config_check_prefix(ld, s, "discovery_prefix", m->discovery_prefix);
	if (m->max_interval_s < m->min_interval_s)
		conf_error(ld->errs, s, ld->file, "max_interval_s (%d) is "
		    "shorter than min_interval_s (%d)", m->max_interval_s,
		    m->min_interval_s);
}

static int
config_baud_ok(int baud)
{
	size_t i;

	for (i = 0; i < sizeof(standard_bauds) / sizeof(standard_bauds[0]); i++)
		if (standard_bauds[i] == baud)
			return 1;
	return 0;
}

static void
config_load_bus(struct config_load *ld, const config_setting_t *s,
    struct config_bus *b)
{
	static const char *const keys[] = { "name", "port", "baud", "parity",
	    "stop_bits", "timeout_ms", "silence_us", "turnaround_ms", NULL };
	int parity = CONFIG_PARITY_EVEN;
	const char *port = NULL;

	b->line = conf_line(s);
	b->baud = 19200;
	b->stop_bits = 1;
	b->timeout_ms = 300;
	b->silence_us = -1;
	b->turnaround_ms = 100;
	conf_check_keys(ld->errs, ld->file, s, keys);
	config_get_id(ld, s, "name", b->name);
	if (conf_get_string(ld->errs, ld->file, s, "port", 1, &port) == 0) {
		if (port[0] != '/')
			conf_error(ld->errs, config_member(s, "port"),
			    ld->file, "port \"%s\" must be a device path such "
			    "as /dev/ttyUSB0", port);
		b->port = strdup(port);
	}
	if (config_get_ranged(ld, s, "baud", 0, 1200, 115200,
	    &b->baud) == 0 && !config_baud_ok(b->baud))
		conf_error(ld->errs, config_member(s, "baud"), ld->file,
		    "baud %d is not a standard rate (1200, 2400, 4800, 9600, "
		    "19200, 38400, 57600, 115200)", b->baud);
	conf_get_choice(ld->errs, ld->file, s, "parity", parity_names, &parity);
	b->parity = (enum config_parity)parity;
	config_get_ranged(ld, s, "stop_bits", 0, 1, 2, &b->stop_bits);
	config_get_ranged(ld, s, "timeout_ms", 0, 10, 10000, &b->timeout_ms);
	config_get_ranged(ld, s, "silence_us", 0, 0, 1000000, &b->silence_us);
	config_get_ranged(ld, s, "turnaround_ms", 0, 0, 10000,
	    &b->turnaround_ms);
}

static void
config_load_buses(struct config_load *ld, const config_setting_t *root)
{
	struct config *cfg = ld->cfg;
	const config_setting_t *list;
	size_t i, j;
	int n;

	if ((n = config_list(ld, root, "buses", &list)) == 0)
		return;
	if ((cfg->buses = calloc(n, sizeof(*cfg->buses))) == NULL)
		return;
	for (i = 0; i < (size_t)n; i++) {
		struct config_bus *b = &cfg->buses[i];

		config_load_bus(ld, config_setting_get_elem(list, i), b);
		cfg->nbuses++;
		for (j = 0; j < i; j++) {
			if (b->name[0] && strcmp(b->name, cfg->buses[j].name)
			    == 0)
				conf_errors_add(ld->errs, ld->file, b->line,
				    "bus name \"%s\" already used at line %d",
				    b->name, cfg->buses[j].line);
			if (b->port && cfg->buses[j].port &&
			    strcmp(b->port, cfg->buses[j].port) == 0)
				conf_errors_add(ld->errs, ld->file, b->line,
				    "port %s already used by bus \"%s\" at "
				    "line %d", b->port, cfg->buses[j].name,
				    cfg->buses[j].line);
		}
	}
}

static void
config_load_gateway(struct config_load *ld, const config_setting_t *s,
    struct config_gateway *g)
{
	static const char *const keys[] = { "name", "host", "port",
	    "timeout_ms", NULL };
	const char *host = NULL;

	g->line = conf_line(s);
	g->port = 502;
	g->timeout_ms = 1000;
	conf_check_keys(ld->errs, ld->file, s, keys);
	config_get_id(ld, s, "name", g->name);
	if (conf_get_string(ld->errs, ld->file, s, "host", 1, &host) == 0) {
		if (!config_host_ok(host))
			conf_error(ld->errs, config_member(s, "host"),
			    ld->file, "host \"%s\" is neither an address nor "
			    "a host name", host);
		g->host = strdup(host);
	}
	config_get_port(ld, s, "port", &g->port);
	config_get_ranged(ld, s, "timeout_ms", 0, 10, 60000, &g->timeout_ms);
}

static void
config_load_gateways(struct config_load *ld, const config_setting_t *root)
{
	struct config *cfg = ld->cfg;
	const config_setting_t *list;
	size_t i, j;
	int n;

	if ((n = config_list(ld, root, "gateways", &list)) == 0)
		return;
	if ((cfg->gateways = calloc(n, sizeof(*cfg->gateways))) == NULL)
		return;
	for (i = 0; i < (size_t)n; i++) {
		struct config_gateway *g = &cfg->gateways[i];

		config_load_gateway(ld, config_setting_get_elem(list, i), g);
		cfg->ngateways++;
		for (j = 0; j < i; j++) {
			if (g->name[0] && strcmp(g->name,
			    cfg->gateways[j].name) == 0)
				conf_errors_add(ld->errs, ld->file, g->line,
				    "gateway name \"%s\" already used at line "
				    "%d", g->name, cfg->gateways[j].line);
		}
	}
}

static struct config_bus *
config_find_bus(struct config *cfg, const char *name)
{
	size_t i;

	for (i = 0; i < cfg->nbuses; i++)
		if (strcmp(cfg->buses[i].name, name) == 0)
			return &cfg->buses[i];
	return NULL;
}

static struct config_gateway *
config_find_gateway(struct config *cfg, const char *name)
{
	size_t i;

	for (i = 0; i < cfg->ngateways; i++)
		if (strcmp(cfg->gateways[i].name, name) == 0)
			return &cfg->gateways[i];
	return NULL;
}

static int
config_profile_exists(const char *dir, const char *name)
{
	struct stat st;
	char *path;
	int found;

	if (!config_id_ok(name) || asprintf(&path, "%s/%s.conf", dir, name)
	    == -1)
		return 0;
	found = stat(path, &st) == 0 && S_ISREG(st.st_mode);
	free(path);
	return found;
}

/* Each profile is loaded once however many devices use it. */
static struct profile *
config_profile(struct config_load *ld, const config_setting_t *s,
    const char *name)
{
	const config_setting_t *at = config_member(s, "profile");
	struct config *cfg = ld->cfg;
	struct profile *p, **grown;
	size_t i;

	for (i = 0; i < cfg->nprofiles; i++)
		if (strcmp(cfg->profiles[i]->name, name) == 0)
			return cfg->profiles[i];
	if (!config_profile_exists(cfg->profile_dir, name)) {
		conf_error(ld->errs, at, ld->file, "unknown profile \"%s\" "
		    "(no %s/%s.conf)", name, cfg->profile_dir, name);
		return NULL;
	}
	if ((p = profile_load(cfg->profile_dir, name, ld->errs)) == NULL) {
		conf_error(ld->errs, at, ld->file, "profile \"%s\" has the "
		    "errors above", name);
		return NULL;
	}
	if (p->module != NULL && module_find(p->module) == NULL) {
		conf_error(ld->errs, at, ld->file, "profile \"%s\" needs "
		    "module \"%s\", which this build does not have", name,
		    p->module);
		profile_free(p);
		return NULL;
	}
	grown = realloc(cfg->profiles, (cfg->nprofiles + 1) * sizeof(*grown));
	if (grown == NULL) {
		profile_free(p);
		return NULL;
	}
	cfg->profiles = grown;
	cfg->profiles[cfg->nprofiles++] = p;
	return p;
}

/* The device keys: the core's and those of the device's module. */
static void
config_device_keys(const struct module *mod, const char **keys, size_t max)
{
	static const char *const base[] = { "id", "name", "bus", "gateway",
	    "address", "profile", "poll_ms", "channel", "replacements",
	    "tariffs", "max_power", "reset_confirm_s", NULL };
	size_t n = 0, i;

	for (i = 0; base[i] != NULL && n + 1 < max; i++)
		keys[n++] = base[i];
	for (i = 0; mod != NULL && mod->device_keys != NULL &&
	    mod->device_keys[i] != NULL && n + 1 < max; i++)
		keys[n++] = mod->device_keys[i];
	keys[n] = NULL;
}

/* What the device's module adds: its channel and its own keys. */
static void
config_load_module_device(struct config_load *ld, const config_setting_t *s,
    struct config_device *d, const struct module *mod)
{
	const config_setting_t *ch = config_member(s, "channel");

	if (mod->channelled && ch == NULL)
		conf_error(ld->errs, s, ld->file, "device \"%s\": a %s needs "
		    "a channel", d->id, mod->name);
	else if (!mod->channelled && ch != NULL)
		conf_error(ld->errs, ch, ld->file, "device \"%s\": profile %s "
		    "has no channels", d->id, d->profile->name);
	else if (mod->channelled)
		config_get_ranged(ld, s, "channel", 1, 1, 64, &d->channel);
	if (mod->load_device != NULL && (!mod->channelled || d->channel > 0))
		mod->load_device(d->profile, d->channel, s, ld->file,
		    ld->errs, &d->module_data);
}

static int
config_replacement_cmp(const void *a, const void *b)
{
	const struct config_replacement *x = a, *y = b;

	return x->at < y->at ? -1 : x->at > y->at;
}

/*
 * replacements = ( { metric = "energy_import"; at = UNIX; old_final = N;
 * new_initial = N; } ): meters swapped, so consumption across the swap
 * counts what each meter measured.
 */
static void
config_load_replacements(struct config_load *ld, const config_setting_t *s,
    struct config_device *d)
{
	static const char *const keys[] = { "metric", "at", "old_final",
	    "new_initial", NULL };
	const config_setting_t *list = config_member(s, "replacements"), *e;
	const struct metric_info *mi;
	struct config_replacement *r;
	const char *metric;
	long long at;
	size_t i, n;

	if (list == NULL)
		return;
	if (!config_setting_is_list(list)) {
		conf_error(ld->errs, list, ld->file, "'replacements' must be a "
		    "list ( { metric; at; old_final; new_initial; }, ... )");
		return;
	}
	n = (size_t)config_setting_length(list);
	if (n == 0 || (d->replacements = calloc(n, sizeof(*r))) == NULL)
		return;
	for (i = 0; i < n; i++) {
		e = config_setting_get_elem(list, (unsigned)i);
		r = &d->replacements[d->nreplacements];
		r->line = conf_line(e);
		if (!config_setting_is_group(e)) {
			conf_error(ld->errs, e, ld->file, "each replacement "
			    "must be a group { ... }");
			continue;
		}
		conf_check_keys(ld->errs, ld->file, e, keys);
		metric = NULL;
		at = 0;
		if (conf_get_string(ld->errs, ld->file, e, "metric", 1,
		    &metric) == -1 || metric == NULL ||
		    conf_get_int(ld->errs, ld->file, e, "at", 1, 0,
		    4102444800LL, &at) == -1 ||
		    conf_get_number(ld->errs, ld->file, e, "old_final", 1,
		    &r->old_final) == -1 ||
		    conf_get_number(ld->errs, ld->file, e, "new_initial", 1,
		    &r->new_initial) == -1)
			continue;
		if ((mi = metric_find(metric)) == NULL ||
		    mi->class != METRIC_CLASS_ENERGY) {
			conf_error(ld->errs, config_member(e, "metric"),
			    ld->file, "a replacement is of a total (energy, "
			    "volume), not \"%s\"", metric);
			continue;
		}
		snprintf(r->metric, sizeof(r->metric), "%s", metric);
		r->at = at;
		d->nreplacements++;
	}
	qsort(d->replacements, d->nreplacements, sizeof(*r),
	    config_replacement_cmp);
}

/*
 * How a total read from the device is checked (total_guard.h): the power
 * it can meter, the profile's unless given, and how long a total must
 * stay below its last good value to be a reset.
 */
static void
config_load_guard(struct config_load *ld, const config_setting_t *s,
    struct config_device *d)
{
	const config_setting_t *mp = config_member(s, "max_power");

	d->reset_confirm_s = CONFIG_RESET_CONFIRM_S;
	config_get_ranged(ld, s, "reset_confirm_s", 0, 0, 86400,
	    &d->reset_confirm_s);
	if (d->profile != NULL)
		d->max_power = d->profile->max_power;
	if (mp == NULL || conf_get_number(ld->errs, ld->file, s, "max_power",
	    0, &d->max_power) == -1)
		return;
	if (!(d->max_power > 0 && d->max_power <= PROFILE_MAX_POWER_W))
		conf_error(ld->errs, mp, ld->file, "device \"%s\": "
		    "'max_power' is in W, above 0 and at most %.0f", d->id,
		    PROFILE_MAX_POWER_W);
}

static void
config_load_device(struct config_load *ld, const config_setting_t *s,
    struct config_device *d)
{
	struct config *cfg = ld->cfg;
	const char *bus = NULL, *gateway = NULL, *profile = NULL, *keys[32];
	const struct module *mod = NULL;

	d->line = conf_line(s);
	d->poll_ms = 1000;
	config_get_id(ld, s, "id", d->id);
	if (config_member(s, "virtual") != NULL) {
		d->name = strdup(d->id);
		config_get_text(ld, s, "name", &d->name);
		config_get_ranged(ld, s, "poll_ms", 0, 100, 3600000,
		    &d->poll_ms);
		config_virtual_load(s, d, ld->file, ld->errs);
		return;
	}
	if (conf_get_string(ld->errs, ld->file, s, "profile", 1, &profile)
	    == 0 && (d->profile = config_profile(ld, s, profile)) != NULL)
		mod = module_for_profile(d->profile);
	/* Which keys are known depends on the profile's module. */
	config_device_keys(mod, keys, sizeof(keys) / sizeof(keys[0]));
	conf_check_keys(ld->errs, ld->file, s, keys);
	d->name = strdup(d->id);
	config_get_text(ld, s, "name", &d->name);
	conf_get_string(ld->errs, ld->file, s, "bus", 0, &bus);
	conf_get_string(ld->errs, ld->file, s, "gateway", 0, &gateway);
	if (bus != NULL && gateway != NULL)
		conf_error(ld->errs, s, ld->file, "device \"%s\" has both a bus "
		    "and a gateway: it sits on one of them", d->id);
	else if (bus == NULL && gateway == NULL)
		conf_error(ld->errs, s, ld->file, "device \"%s\" needs a bus or "
		    "a gateway", d->id);
	else if (bus != NULL &&
	    (d->bus = config_find_bus(cfg, bus)) == NULL)
		conf_error(ld->errs, config_member(s, "bus"), ld->file,
		    "device \"%s\" is on unknown bus \"%s\"", d->id, bus);
	else if (gateway != NULL &&
	    (d->gateway = config_find_gateway(cfg, gateway)) == NULL)
		conf_error(ld->errs, config_member(s, "gateway"), ld->file,
		    "device \"%s\" is behind unknown gateway \"%s\"", d->id,
		    gateway);
	config_get_ranged(ld, s, "address", 1, 1, 247, &d->address);
	config_get_ranged(ld, s, "poll_ms", 0, 100, 3600000, &d->poll_ms);
	config_load_guard(ld, s, d);
	config_load_replacements(ld, s, d);
	if (mod != NULL)
		config_load_module_device(ld, s, d, mod);
}

/*
 * Two devices may share an address only as two channels of one piece of
 * hardware: same profile, different channels.
 */
static int
config_same_point(const struct config_device *a,
    const struct config_device *b)
{
	if (a->address != b->address || a->address == 0)
		return 0;
	if (!((a->bus && a->bus == b->bus) ||
	    (a->gateway && a->gateway == b->gateway)))
		return 0;
	return !(a->channel > 0 && b->channel > 0 &&
	    a->profile == b->profile && a->channel != b->channel);
}

static void
config_load_devices(struct config_load *ld, const config_setting_t *root)
{
	struct config *cfg = ld->cfg;
	const config_setting_t *list;
	size_t i, j;
	int n;

	if ((n = config_list(ld, root, "devices", &list)) == 0)
		return;
	if ((cfg->devices = calloc(n, sizeof(*cfg->devices))) == NULL)
		return;
	for (i = 0; i < (size_t)n; i++) {
		struct config_device *d = &cfg->devices[i], *o;

		config_load_device(ld, config_setting_get_elem(list, i), d);
		cfg->ndevices++;
		for (j = 0; j < i; j++) {
			o = &cfg->devices[j];
			if (d->id[0] && strcmp(d->id, o->id) == 0)
				conf_errors_add(ld->errs, ld->file, d->line,
				    "duplicate device id \"%s\" (first at line "
				    "%d)", d->id, o->line);
			else if (config_same_point(d, o))
				conf_errors_add(ld->errs, ld->file, d->line,
				    "device \"%s\" has address %d%s, already "
				    "used by \"%s\" at line %d on the same %s",
				    d->id, d->address, d->channel ?
				    " and the same channel" : "", o->id,
				    o->line, d->bus ? "bus" : "gateway");
		}
	}
	config_virtual_check(cfg, ld->file, ld->errs);
}

const struct config_device *
config_find_device(const struct config *cfg, const char *id)
{
	size_t i;

	for (i = 0; i < cfg->ndevices; i++)
		if (strcmp(cfg->devices[i].id, id) == 0)
			return &cfg->devices[i];
	return NULL;
}

static void
config_mqtt_defaults(struct config_mqtt *m)
{
	char host[65] = "";
	size_t n;

	gethostname(host, sizeof(host) - 1);
	/* A host name may be longer than a client id should be. */
	n = strspn(host, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789-_.");
	host[n > 32 ? 32 : n] = '\0';
	m->host = strdup("127.0.0.1");
	m->port = 1883;
	m->ca_file = strdup("");
	m->user = strdup("");
	m->password = strdup("");
	if (asprintf(&m->client_id, "mews-%s", host[0] ? host : "box") == -1)
		m->client_id = NULL;
	m->topic_prefix = strdup("mews");
	m->discovery_prefix = strdup("homeassistant");
	m->min_interval_s = 1;
	m->max_interval_s = 60;
}

/* The sections a feature loads itself (its config_*.c), as the table calls. */
static void
config_load_groups(struct config_load *ld, const config_setting_t *root)
{
	config_groups_load(ld->cfg, root, ld->file, ld->errs);
}

static void
config_load_reports(struct config_load *ld, const config_setting_t *root)
{
	config_reports_load(ld->cfg, root, ld->file, ld->errs);
}

static void
config_load_tariffs(struct config_load *ld, const config_setting_t *root)
{
	config_tariffs_load(ld->cfg, root, ld->file, ld->errs);
}

static void
config_load_alarms(struct config_load *ld, const config_setting_t *root)
{
	config_alarms_load(ld->cfg, root, ld->file, ld->errs);
}

#define CONFIG_KEYS(...)	((const char *const[]){ __VA_ARGS__, NULL })

/*
 * mews.conf's sections, loaded in this order, each after what it names
 * (the gateway's routes name buses and gateways; devices name buses,
 * gateways and profiles; groups, reports and tariffs name devices; alarms
 * use mail, after reports).  A feature's section has its own defaults
 * and its own freeing, done before the devices go (tariffs free the
 * devices' lists of tariffs); mews.conf's own sections' are
 * config_defaults' and config_free's.
 */
static const struct config_section {
	const char *const *keys;	/* the top-level keys it reads */
	void		(*load)(struct config_load *,
			    const config_setting_t *root);
	void		(*defaults)(struct config *);
	void		(*free)(struct config *);
} config_sections[] = {
	{ CONFIG_KEYS("http"), config_load_http, NULL, NULL },
	{ CONFIG_KEYS("ftp"), config_load_ftp, NULL, NULL },
	{ CONFIG_KEYS("mqtt"), config_load_mqtt, NULL, NULL },
	{ CONFIG_KEYS("history"), config_load_history, NULL, NULL },
	{ CONFIG_KEYS("csv"), config_load_csv, NULL, NULL },
	{ CONFIG_KEYS("buses"), config_load_buses, NULL, NULL },
	{ CONFIG_KEYS("gateways"), config_load_gateways, NULL, NULL },
	{ CONFIG_KEYS("modbus_tcp"), config_load_modbus_tcp, NULL, NULL },
	{ CONFIG_KEYS("devices"), config_load_devices, NULL, NULL },
	{ CONFIG_KEYS("groups"), config_load_groups, NULL,
	    config_groups_free },
	{ CONFIG_KEYS("mail", "reports"), config_load_reports,
	    config_reports_defaults, config_reports_free },
	{ CONFIG_KEYS("tariffs"), config_load_tariffs, NULL,
	    config_tariffs_free },
	{ CONFIG_KEYS("alarms", "events"), config_load_alarms,
	    config_alarms_defaults, config_alarms_free },
};

#define CONFIG_NSECTIONS	(sizeof(config_sections) / \
				 sizeof(config_sections[0]))

static void
config_defaults(struct config *cfg)
{
	const char *profiles = getenv("MEWS_PROFILE_DIR");
	size_t i;
	const char *www = getenv("MEWS_WWW_DIR");

	cfg->state_dir = strdup(LOCALSTATEDIR "/lib/mews");
	/* The environment lets a build tree run before `make install`. */
	cfg->profile_dir = strdup(profiles && profiles[0] ? profiles :
	    PKGDATADIR "/profiles");
	cfg->log_level = LOG_LEVEL_INFO;
	cfg->user = strdup("");
	cfg->group = strdup("");
	cfg->http.listen = strdup("0.0.0.0");
	cfg->http.https_port = 443;
	cfg->http.http_port = 80;
	cfg->http.cert = strdup("");
	cfg->http.key = strdup("");
	cfg->http.www = strdup(www && www[0] ? www : PKGDATADIR "/www");
	cfg->http.max_connections = 256;
	/* A quarter: one address never takes the place of everyone. */
	cfg->http.max_connections_per_address = 64;
	cfg->http.session_idle_s = 15 * 60;
	cfg->http.session_max_s = 12 * 3600;
	cfg->http.metrics_token = strdup("");
	cfg->modbus_tcp.enabled = 1;
	cfg->modbus_tcp.listen = strdup("0.0.0.0");
	cfg->modbus_tcp.port = 502;
	cfg->modbus_tcp.max_clients = 32;
	cfg->modbus_tcp.idle_timeout_s = 60;
	cfg->modbus_tcp.max_pending = 16;
	cfg->modbus_tcp.max_clients_per_address = 8;
	cfg->ftp.enabled = 1;
	cfg->ftp.listen = strdup("0.0.0.0");
	cfg->ftp.port = 21;
	/* A PIN, and what it opens, never crosses the network in clear. */
	cfg->ftp.require_tls = 1;
	config_mqtt_defaults(&cfg->mqtt);
	cfg->ftp.passive_first = 50000;
	cfg->ftp.passive_last = 50099;
	cfg->ftp.max_sessions = 16;
	cfg->ftp.max_sessions_per_address = 4;
	cfg->ftp.idle_timeout_s = 300;
	cfg->history.enabled = 1;
	cfg->history.max_mb = 512;
	cfg->history.rrdcached = strdup("");
	/* Excel as most of Europe has it; "," and "." for English ones. */
	cfg->csv.separator = ';';
	cfg->csv.decimal = ',';
	cfg->csv.bom = 1;
	for (i = 0; i < CONFIG_NSECTIONS; i++)
		if (config_sections[i].defaults != NULL)
			config_sections[i].defaults(cfg);
}

static void
config_parse(struct config_load *ld, config_t *lc)
{
	static const char *const own[] = { "state_dir", "profile_dir",
	    "log_level", "user", "group" };
	const char *keys[64];
	const config_setting_t *root = config_root_setting(lc);
	struct config *cfg = ld->cfg;
	int level = LOG_LEVEL_INFO;
	size_t i, j, n = 0;

	for (i = 0; i < sizeof(own) / sizeof(own[0]); i++)
		keys[n++] = own[i];
	for (i = 0; i < CONFIG_NSECTIONS; i++)
		for (j = 0; config_sections[i].keys[j] != NULL &&
		    n < sizeof(keys) / sizeof(keys[0]) - 1; j++)
			keys[n++] = config_sections[i].keys[j];
	keys[n] = NULL;
	conf_check_keys(ld->errs, ld->file, root, keys);
	config_get_path(ld, root, "state_dir", &cfg->state_dir);
	if (cfg->state_dir[0] == '\0')
		conf_error(ld->errs, config_member(root, "state_dir"),
		    ld->file, "state_dir must not be empty");
	config_get_path(ld, root, "profile_dir", &cfg->profile_dir);
	config_get_text(ld, root, "user", &cfg->user);
	config_get_text(ld, root, "group", &cfg->group);
	if (conf_get_choice(ld->errs, ld->file, root, "log_level",
	    level_names, &level) == 0)
		cfg->log_level = (enum log_level)level;
	for (i = 0; i < CONFIG_NSECTIONS; i++)
		config_sections[i].load(ld, root);
}

struct config *
config_load(const char *path, struct conf_errors *errs)
{
	struct config_load ld = { NULL, path, NULL, errs };
	size_t before = errs->n;
	char *copy;
	config_t lc;

	if ((ld.cfg = calloc(1, sizeof(*ld.cfg))) == NULL ||
	    (copy = strdup(path)) == NULL) {
		free(ld.cfg);
		conf_errors_add(errs, path, 0, "out of memory");
		return NULL;
	}
	ld.dir = strdup(dirname(copy));
	free(copy);
	ld.cfg->path = strdup(path);
	config_defaults(ld.cfg);
	config_init(&lc);
	if (conf_read_file(&lc, path, errs) == 0)
		config_parse(&ld, &lc);
	config_destroy(&lc);
	free(ld.dir);
	if (errs->n != before) {
		config_free(ld.cfg);
		return NULL;
	}
	return ld.cfg;
}

void
config_free(struct config *cfg)
{
	size_t i;

	if (cfg == NULL)
		return;
	for (i = 0; i < CONFIG_NSECTIONS; i++)
		if (config_sections[i].free != NULL)
			config_sections[i].free(cfg);
	for (i = 0; i < cfg->nbuses; i++)
		free(cfg->buses[i].port);
	for (i = 0; i < cfg->ngateways; i++)
		free(cfg->gateways[i].host);
	for (i = 0; i < cfg->ndevices; i++) {
		const struct config_device *d = &cfg->devices[i];

		free(d->name);
		free(d->replacements);
		config_virtual_free(d->virt);
		if (d->module_data != NULL)
			module_for_profile(d->profile)->free_device(
			    d->module_data);
	}
	for (i = 0; i < cfg->nprofiles; i++)
		profile_free(cfg->profiles[i]);
	free(cfg->buses);
	free(cfg->gateways);
	free(cfg->devices);
	free(cfg->profiles);
	free(cfg->path);
	free(cfg->state_dir);
	free(cfg->profile_dir);
	free(cfg->user);
	free(cfg->group);
	free(cfg->http.listen);
	free(cfg->http.cert);
	free(cfg->http.key);
	free(cfg->http.www);
	free(cfg->history.rrdcached);
	free(cfg->modbus_tcp.listen);
	free(cfg->modbus_tcp.routes);
	free(cfg->modbus_tcp.allow);
	conf_errors_free(&cfg->warnings);
	free(cfg->ftp.listen);
	free(cfg->http.metrics_token);
	free(cfg->mqtt.host);
	free(cfg->mqtt.ca_file);
	free(cfg->mqtt.user);
	free(cfg->mqtt.password);
	free(cfg->mqtt.client_id);
	free(cfg->mqtt.topic_prefix);
	free(cfg->mqtt.discovery_prefix);
	free(cfg);
}
