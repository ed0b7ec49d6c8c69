#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/confedit.h"
#include "base/atomic.h"
#include "base/conf.h"
#include "base/eventlog.h"
#include "base/log.h"
#include "config/config.h"

json_t *
confedit_entries(const char *path, const char *list, const char *key)
{
	config_t lc;
	config_setting_t *l, *g;
	json_t *o = json_object();
	const char *v;
	int i, n;

	config_init(&lc);
	if (o != NULL && config_read_file(&lc, path) == CONFIG_TRUE &&
	    (l = config_lookup(&lc, list)) != NULL &&
	    config_setting_is_list(l)) {
		n = config_setting_length(l);
		for (i = 0; i < n; i++) {
			g = config_setting_get_elem(l, (unsigned)i);
			if (config_setting_lookup_string(g, key, &v))
				json_object_set_new(o, v, confjson_object(g));
		}
	}
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
 * A complaint about a whole entry (reported at its opening brace, where no
 * setting is named): the field it is about, from what it says.
 */
static void
confedit_entry_field(const char *msg, char *out, size_t size)
{
	static const struct {
		const char	*says;
		const char	*field;
	} hints[] = {
		{ "duplicate device id", "id" },
		{ "address", "address" },
		{ "channel", "channel" },
		{ "name \"", "name" },
		{ "port ", "port" },
		{ "bus or", "bus" },
		{ "both a bus", "bus" },
	};
	const char *k, *end;
	size_t i;

	if ((k = strstr(msg, "missing key '")) != NULL &&
	    (end = strchr(k + 13, '\'')) != NULL) {
		snprintf(out, size, "%.*s", (int)(end - k - 13), k + 13);
		return;
	}
	for (i = 0; i < sizeof(hints) / sizeof(hints[0]); i++)
		if (strstr(msg, hints[i].says) != NULL) {
			snprintf(out, size, "%s", hints[i].field);
			return;
		}
}

/*
 * Where a message points at another line ("already used by \"brk\" at
 * line 44"), the line is the temporary file's, which nobody sees and whose
 * numbering differs from the file on disk: leave it out.
 */
static void
confedit_drop_lines(char *msg)
{
	static const char *const refs[] = { " (first at line ", " at line " };
	char *p, *end;
	size_t i;

	for (i = 0; i < sizeof(refs) / sizeof(refs[0]); i++)
		while ((p = strstr(msg, refs[i])) != NULL) {
			end = p + strlen(refs[i]);
			if (!isdigit((unsigned char)*end))
				break;
			while (isdigit((unsigned char)*end))
				end++;
			if (refs[i][1] == '(') {
				if (*end != ')')
					break;
				end++;
			}
			memmove(p, end, strlen(end) + 1);
		}
}

/*
 * The checker's first complaint about the temporary file, as the pages
 * should show it: without the file and lines, with the field at fault.
 */
static void
confedit_explain(const char *tmp, const struct conf_errors *errs,
    struct confjson_error *err)
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
	confjson_fail(err, 400, NULL, "%s", msg);
	confedit_drop_lines(err->message);
	if (line <= 0)
		return;
	config_init(&lc);
	if (config_read_file(&lc, tmp) == CONFIG_TRUE &&
	    (s = confedit_at_line(config_root_setting(&lc), line)) != NULL)
		confedit_field_name(s, err->field, sizeof(err->field));
	else
		confedit_entry_field(msg, err->field, sizeof(err->field));
	config_destroy(&lc);
}

/*
 * What is allowed but unsafe in the new configuration, said as at a start
 * or a reload; checked as tmp, it is now path (same lines).
 */
static void
confedit_warn(const struct config *cfg, const char *tmp, const char *path)
{
	size_t i, n = strlen(tmp);
	const char *m;

	for (i = 0; i < cfg->warnings.n; i++) {
		m = cfg->warnings.msgs[i];
		if (strncmp(m, tmp, n) == 0)
			log_warnx("%s%s", path, m + n);
		else
			log_warnx("%s", m);
	}
}

int
confedit_apply(const struct confedit_target *t, confedit_fn fn, void *arg,
    struct confjson_error *err)
{
	const char *path = (*t->cfg)->path;
	struct conf_errors errs = { 0, NULL };
	struct atomic_file af;
	struct config *cfg;
	config_t lc;
	char *real, *tmp;

	config_init(&lc);
	if (config_read_file(&lc, path) != CONFIG_TRUE) {
		confjson_fail(err, 500, NULL, "%s:%d: %s: fix the file by hand "
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
	if (atomic_begin(&af, path, 0640) == -1) {
		confjson_fail(err, 500, NULL, "cannot write beside %s: %s; "
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
		confjson_fail(err, 500, NULL, "cannot write beside %s: %s; "
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
	if ((real = strdup(path)) == NULL || (tmp = strdup(af.tmp)) == NULL) {
		free(real);
		config_free(cfg);
		atomic_abort(&af);
		confjson_fail(err, 500, NULL, "out of memory");
		return -1;
	}
	free(cfg->path);
	cfg->path = real;
	if (atomic_commit(&af, ATOMIC_BACKUP) == -1) {
		confjson_fail(err, 500, NULL, "cannot save %s: %s; nothing "
		    "was changed", real, strerror(errno));
		free(tmp);
		config_free(cfg);
		return -1;
	}
	log_info("configuration changed from the web pages: %s saved "
	    "(previous in %s.bak)", real, real);
	confedit_warn(cfg, tmp, real);
	free(tmp);
	eventlog_note(*t->events, EVENT_CONFIG_CHANGED, NULL, "%s saved",
	    real);
	if (t->apply(t->arg, cfg) == -1) {
		confjson_fail(err, 500, NULL, "saved, but could not be "
		    "applied (see the log); a restart will apply it");
		return -1;
	}
	return 0;
}
