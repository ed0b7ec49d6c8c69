#include <errno.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/conf.h"

void
conf_errors_add(struct conf_errors *errs, const char *file, int line,
    const char *fmt, ...)
{
	char msg[512], *full, **grown;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (asprintf(&full, "%s:%d: %s", file, line, msg) == -1)
		return;
	grown = realloc(errs->msgs, (errs->n + 1) * sizeof(*grown));
	if (grown == NULL) {
		free(full);
		return;
	}
	errs->msgs = grown;
	errs->msgs[errs->n++] = full;
}

void
conf_errors_free(struct conf_errors *errs)
{
	size_t i;

	for (i = 0; i < errs->n; i++)
		free(errs->msgs[i]);
	free(errs->msgs);
	errs->msgs = NULL;
	errs->n = 0;
}

int
conf_read_file(config_t *cfg, const char *file, struct conf_errors *errs)
{
	char *copy;
	FILE *f;
	int ok;

	/* config_read_file does not tell a missing file from a syntax error. */
	if ((f = fopen(file, "r")) == NULL) {
		conf_errors_add(errs, file, 0, "cannot open: %s",
		    strerror(errno));
		return -1;
	}
	fclose(f);
	/* @include "x.conf" is taken from the including file's folder. */
	if ((copy = strdup(file)) == NULL) {
		conf_errors_add(errs, file, 0, "out of memory");
		return -1;
	}
	config_set_include_dir(cfg, dirname(copy));
	free(copy);
	ok = config_read_file(cfg, file);
	if (ok != CONFIG_TRUE) {
		conf_errors_add(errs, config_error_file(cfg) ?
		    config_error_file(cfg) : file, config_error_line(cfg),
		    "syntax error: %s", config_error_text(cfg));
		return -1;
	}
	return 0;
}

int
conf_line(const config_setting_t *s)
{
	for (; s != NULL; s = config_setting_parent(s))
		if (config_setting_source_line(s) > 0)
			return config_setting_source_line(s);
	return 0;
}

const char *
conf_file(const config_setting_t *s, const char *fallback)
{
	for (; s != NULL; s = config_setting_parent(s))
		if (config_setting_source_file(s) != NULL)
			return config_setting_source_file(s);
	return fallback;
}

void
conf_error(struct conf_errors *errs, const config_setting_t *s,
    const char *fallback_file, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	conf_errors_add(errs, conf_file(s, fallback_file), conf_line(s), "%s",
	    msg);
}

int
conf_check_keys(struct conf_errors *errs, const char *file,
    const config_setting_t *group, const char *const *allowed)
{
	const config_setting_t *m;
	const char *const *a;
	int i, unknown = 0;

	for (i = 0; (m = config_setting_get_elem(group, i)) != NULL; i++) {
		const char *name = config_setting_name(m);

		if (name == NULL)
			continue;
		for (a = allowed; *a != NULL; a++)
			if (strcmp(*a, name) == 0)
				break;
		if (*a == NULL) {
			conf_error(errs, m, file, "unknown key '%s'", name);
			unknown++;
		}
	}
	return unknown;
}

/* The member, or NULL after reporting its absence when required. */
static const config_setting_t *
conf_member(struct conf_errors *errs, const char *file,
    const config_setting_t *group, const char *key, int required)
{
	const config_setting_t *s = config_setting_get_member(group, key);

	if (s == NULL && required)
		conf_error(errs, group, file, "missing key '%s'", key);
	return s;
}

int
conf_get_string(struct conf_errors *errs, const char *file,
    const config_setting_t *group, const char *key, int required,
    const char **out)
{
	const config_setting_t *s;

	if ((s = conf_member(errs, file, group, key, required)) == NULL)
		return required ? -1 : 0;
	if (config_setting_type(s) != CONFIG_TYPE_STRING) {
		conf_error(errs, s, file, "'%s' must be a string", key);
		return -1;
	}
	*out = config_setting_get_string(s);
	return 0;
}

int
conf_get_int(struct conf_errors *errs, const char *file,
    const config_setting_t *group, const char *key, int required,
    long long min, long long max, long long *out)
{
	const config_setting_t *s;
	long long v;

	if ((s = conf_member(errs, file, group, key, required)) == NULL)
		return required ? -1 : 0;
	switch (config_setting_type(s)) {
	case CONFIG_TYPE_INT:
		v = config_setting_get_int(s);
		break;
	case CONFIG_TYPE_INT64:
		v = config_setting_get_int64(s);
		break;
	default:
		conf_error(errs, s, file, "'%s' must be an integer", key);
		return -1;
	}
	if (v < min || v > max) {
		conf_error(errs, s, file, "'%s' is %lld, outside %lld..%lld",
		    key, v, min, max);
		return -1;
	}
	*out = v;
	return 0;
}

int
conf_get_bool(struct conf_errors *errs, const char *file,
    const config_setting_t *group, const char *key, int *out)
{
	const config_setting_t *s;

	if ((s = conf_member(errs, file, group, key, 0)) == NULL)
		return 0;
	if (config_setting_type(s) != CONFIG_TYPE_BOOL) {
		conf_error(errs, s, file, "'%s' must be true or false", key);
		return -1;
	}
	*out = config_setting_get_bool(s);
	return 0;
}

int
conf_get_number(struct conf_errors *errs, const char *file,
    const config_setting_t *group, const char *key, int required,
    double *out)
{
	const config_setting_t *s;

	if ((s = conf_member(errs, file, group, key, required)) == NULL)
		return required ? -1 : 0;
	switch (config_setting_type(s)) {
	case CONFIG_TYPE_INT:
	case CONFIG_TYPE_INT64:
		*out = (double)config_setting_get_int64(s);
		return 0;
	case CONFIG_TYPE_FLOAT:
		*out = config_setting_get_float(s);
		return 0;
	default:
		conf_error(errs, s, file, "'%s' must be a number", key);
		return -1;
	}
}

int
conf_get_choice(struct conf_errors *errs, const char *file,
    const config_setting_t *group, const char *key,
    const char *const *choices, int *out)
{
	const config_setting_t *s;
	const char *v = NULL;
	char list[256] = "";
	int i;

	if (conf_get_string(errs, file, group, key, 0, &v) == -1)
		return -1;
	if (v == NULL)
		return 0;
	for (i = 0; choices[i] != NULL; i++)
		if (strcmp(choices[i], v) == 0) {
			*out = i;
			return 0;
		}
	for (i = 0; choices[i] != NULL; i++) {
		strncat(list, i ? ", " : "", sizeof(list) - strlen(list) - 1);
		strncat(list, choices[i], sizeof(list) - strlen(list) - 1);
	}
	s = config_setting_get_member(group, key);
	conf_error(errs, s, file, "'%s' is \"%s\", not one of %s", key, v,
	    list);
	return -1;
}

int
conf_get_strings(struct conf_errors *errs, const char *file,
    const config_setting_t *group, const char *key, int required,
    const char ***out)
{
	const config_setting_t *s = config_setting_get_member(group, key), *e;
	const char **v;
	int i, n;

	*out = NULL;
	if (s == NULL) {
		if (required)
			conf_error(errs, group, file, "missing key '%s'", key);
		return required ? -1 : 0;
	}
	if (!config_setting_is_array(s) && !config_setting_is_list(s)) {
		conf_error(errs, s, file, "'%s' must be a list of strings "
		    "[ \"a\", \"b\" ]", key);
		return -1;
	}
	if ((n = config_setting_length(s)) == 0)
		return 0;
	if ((v = calloc((size_t)n, sizeof(*v))) == NULL)
		return -1;
	for (i = 0; i < n; i++) {
		e = config_setting_get_elem(s, (unsigned)i);
		if ((v[i] = config_setting_get_string(e)) == NULL) {
			conf_error(errs, s, file, "each entry of '%s' must be "
			    "a string", key);
			free(v);
			return -1;
		}
	}
	*out = v;
	return n;
}
