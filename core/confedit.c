#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "atomic.h"
#include "conf.h"
#include "config.h"
#include "confedit.h"
#include "daemon.h"
#include "log.h"

void
confedit_fail(struct confedit_error *err, int code, const char *field,
    const char *fmt, ...)
{
	va_list ap;

	err->code = code;
	snprintf(err->field, sizeof(err->field), "%s", field ? field : "");
	va_start(ap, fmt);
	vsnprintf(err->message, sizeof(err->message), fmt, ap);
	va_end(ap);
}

config_setting_t *
confedit_list(config_setting_t *root, const char *name)
{
	config_setting_t *l = config_setting_get_member(root, name);

	if (l == NULL)
		l = config_setting_add(root, name, CONFIG_TYPE_LIST);
	return l != NULL && config_setting_is_list(l) ? l : NULL;
}

int
confedit_find(const config_setting_t *list, const char *key,
    const char *value)
{
	const char *v;
	int i, n = config_setting_length(list);

	for (i = 0; i < n; i++)
		if (config_setting_lookup_string(
		    config_setting_get_elem(list, (unsigned)i), key, &v) &&
		    strcmp(v, value) == 0)
			return i;
	return -1;
}

/* libconfig's own rule for a setting's name. */
static int
confedit_name_ok(const char *k)
{
	size_t i;

	if (!isalpha((unsigned char)k[0]) || strlen(k) > 64)
		return 0;
	for (i = 1; k[i] != '\0'; i++)
		if (!isalnum((unsigned char)k[i]) && k[i] != '_' &&
		    k[i] != '-')
			return 0;
	return 1;
}

int
confedit_set(config_setting_t *group, json_t *obj,
    struct confedit_error *err)
{
	const char *k;
	json_t *v;
	config_setting_t *s;
	int type, ok;

	json_object_foreach(obj, k, v) {
		if (!confedit_name_ok(k)) {
			confedit_fail(err, 400, k, "\"%.64s\" is not a setting",
			    k);
			return -1;
		}
		if (config_setting_get_member(group, k) != NULL &&
		    config_setting_remove(group, k) != CONFIG_TRUE) {
			confedit_fail(err, 500, k, "cannot replace %s", k);
			return -1;
		}
		if (json_is_null(v))
			continue;
		if (json_is_string(v))
			type = CONFIG_TYPE_STRING;
		else if (json_is_integer(v))
			type = json_integer_value(v) >= INT32_MIN &&
			    json_integer_value(v) <= INT32_MAX ?
			    CONFIG_TYPE_INT : CONFIG_TYPE_INT64;
		else if (json_is_real(v))
			type = CONFIG_TYPE_FLOAT;
		else if (json_is_boolean(v))
			type = CONFIG_TYPE_BOOL;
		else {
			confedit_fail(err, 400, k, "%s: a string, a number or "
			    "true/false is expected", k);
			return -1;
		}
		if ((s = config_setting_add(group, k, type)) == NULL) {
			confedit_fail(err, 500, k, "cannot set %s", k);
			return -1;
		}
		switch (type) {
		case CONFIG_TYPE_STRING:
			ok = config_setting_set_string(s, json_string_value(v));
			break;
		case CONFIG_TYPE_INT:
			ok = config_setting_set_int(s,
			    (int)json_integer_value(v));
			break;
		case CONFIG_TYPE_INT64:
			ok = config_setting_set_int64(s, json_integer_value(v));
			break;
		case CONFIG_TYPE_FLOAT:
			ok = config_setting_set_float(s, json_real_value(v));
			break;
		default:
			ok = config_setting_set_bool(s, json_is_true(v));
			break;
		}
		if (ok != CONFIG_TRUE) {
			confedit_fail(err, 500, k, "cannot set %s", k);
			return -1;
		}
	}
	return 0;
}

json_t *
confedit_json(const config_setting_t *group)
{
	json_t *o = json_object();
	config_setting_t *s;
	int i, n = config_setting_length(group);

	for (i = 0; o != NULL && i < n; i++) {
		s = config_setting_get_elem(group, (unsigned)i);
		switch (config_setting_type(s)) {
		case CONFIG_TYPE_STRING:
			json_object_set_new(o, config_setting_name(s),
			    json_string(config_setting_get_string(s)));
			break;
		case CONFIG_TYPE_INT:
		case CONFIG_TYPE_INT64:
			json_object_set_new(o, config_setting_name(s),
			    json_integer(config_setting_get_int64(s)));
			break;
		case CONFIG_TYPE_FLOAT:
			json_object_set_new(o, config_setting_name(s),
			    json_real(config_setting_get_float(s)));
			break;
		case CONFIG_TYPE_BOOL:
			json_object_set_new(o, config_setting_name(s),
			    json_boolean(config_setting_get_bool(s)));
			break;
		default:
			break;
		}
	}
	return o;
}

json_t *
confedit_read(const char *path, const char *list, const char *key,
    const char *value)
{
	config_t lc;
	config_setting_t *l;
	json_t *o = NULL;
	int i;

	config_init(&lc);
	if (config_read_file(&lc, path) == CONFIG_TRUE &&
	    (l = config_lookup(&lc, list)) != NULL &&
	    config_setting_is_list(l) && (i = confedit_find(l, key, value)) !=
	    -1)
		o = confedit_json(config_setting_get_elem(l, (unsigned)i));
	config_destroy(&lc);
	return o;
}

/* The deepest setting of the tree that starts at line. */
static const config_setting_t *
confedit_at_line(const config_setting_t *s, int line)
{
	const config_setting_t *found = NULL, *deeper;
	int i, n;

	if ((int)config_setting_source_line(s) == line && config_setting_name(s))
		found = s;
	if (config_setting_is_aggregate(s)) {
		n = config_setting_length(s);
		for (i = 0; i < n; i++)
			if ((deeper = confedit_at_line(
			    config_setting_get_elem(s, (unsigned)i), line)) !=
			    NULL)
				return deeper;
	}
	return found;
}

/*
 * "modbus_tcp.port" or, inside a list's element, "address": the name the
 * pages gave the value.
 */
static void
confedit_field_name(const config_setting_t *s, char *out, size_t size)
{
	const config_setting_t *p = config_setting_parent(s);

	if (p != NULL && config_setting_name(p) != NULL &&
	    config_setting_parent(p) != NULL &&
	    config_setting_is_group(p)) {
		confedit_field_name(p, out, size);
		snprintf(out + strlen(out), size - strlen(out), ".%s",
		    config_setting_name(s));
	} else
		snprintf(out, size, "%s", config_setting_name(s));
}

/*
 * The checker's first complaint about the temporary file, as the pages
 * should show it: without the file and line, with the field at fault.
 */
static void
confedit_explain(const char *tmp, const struct conf_errors *errs,
    struct confedit_error *err)
{
	const char *msg = errs->n > 0 ? errs->msgs[0] : "invalid";
	size_t plen = strlen(tmp);
	const config_setting_t *s;
	config_t lc;
	int line = 0;
	char *end;

	if (strncmp(msg, tmp, plen) == 0 && msg[plen] == ':') {
		line = (int)strtol(msg + plen + 1, &end, 10);
		msg = *end == ':' ? end + 1 : end;
		while (*msg == ' ')
			msg++;
	}
	confedit_fail(err, 400, NULL, "%s", msg);
	if (line <= 0)
		return;
	config_init(&lc);
	if (config_read_file(&lc, tmp) == CONFIG_TRUE &&
	    (s = confedit_at_line(config_root_setting(&lc), line)) != NULL)
		confedit_field_name(s, err->field, sizeof(err->field));
	config_destroy(&lc);
}

int
confedit_apply(struct daemon *d, confedit_fn fn, void *arg,
    struct confedit_error *err)
{
	const char *path = d->cfg->path;
	struct conf_errors errs = { 0, NULL };
	struct atomic_file af;
	struct config *cfg;
	config_t lc;
	char *real;

	config_init(&lc);
	if (config_read_file(&lc, path) != CONFIG_TRUE) {
		confedit_fail(err, 500, NULL, "%s:%d: %s: fix the file by hand "
		    "first", path, config_error_line(&lc),
		    config_error_text(&lc) ? config_error_text(&lc) :
		    strerror(errno));
		config_destroy(&lc);
		return -1;
	}
	if (fn(config_root_setting(&lc), arg, err) == -1) {
		config_destroy(&lc);
		return -1;
	}
	if (atomic_begin(&af, path, 0644) == -1) {
		confedit_fail(err, 500, NULL, "cannot write beside %s: %s; "
		    "nothing was changed", path, strerror(errno));
		config_destroy(&lc);
		return -1;
	}
	fprintf(af.fp, "// Written by mewsd when the configuration was "
	    "changed in the web pages.\n// The previous version is kept as "
	    "%s.bak.\n", path);
	config_write(&lc, af.fp);
	config_destroy(&lc);
	if (fflush(af.fp) != 0) {
		confedit_fail(err, 500, NULL, "cannot write beside %s: %s; "
		    "nothing was changed", path, strerror(errno));
		atomic_abort(&af);
		return -1;
	}
	if ((cfg = config_load(af.tmp, &errs)) == NULL) {
		confedit_explain(af.tmp, &errs, err);
		conf_errors_free(&errs);
		atomic_abort(&af);
		return -1;
	}
	conf_errors_free(&errs);
	if ((real = strdup(path)) == NULL) {
		config_free(cfg);
		atomic_abort(&af);
		confedit_fail(err, 500, NULL, "out of memory");
		return -1;
	}
	free(cfg->path);
	cfg->path = real;
	if (atomic_commit(&af, 1) == -1) {
		confedit_fail(err, 500, NULL, "cannot save %s: %s; nothing "
		    "was changed", real, strerror(errno));
		config_free(cfg);
		return -1;
	}
	log_info("configuration changed from the web pages: %s saved "
	    "(previous in %s.bak)", real, real);
	if (daemon_apply(d, cfg) == -1) {
		confedit_fail(err, 500, NULL, "saved, but could not be "
		    "applied (see the log); a restart will apply it");
		return -1;
	}
	return 0;
}
