#include <ctype.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "api/confjson.h"

void
confjson_fail(struct confjson_error *err, int code, const char *field,
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
confjson_list(config_setting_t *root, const char *name)
{
	config_setting_t *l = config_setting_get_member(root, name);

	if (l == NULL)
		l = config_setting_add(root, name, CONFIG_TYPE_LIST);
	return l != NULL && config_setting_is_list(l) ? l : NULL;
}

int
confjson_find(const config_setting_t *list, const char *key,
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
confjson_name_ok(const char *k)
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

/* The libconfig type of a JSON scalar, or -1. */
static int
confjson_type(const json_t *v)
{
	if (json_is_string(v))
		return CONFIG_TYPE_STRING;
	if (json_is_integer(v))
		return json_integer_value(v) >= INT32_MIN &&
		    json_integer_value(v) <= INT32_MAX ? CONFIG_TYPE_INT :
		    CONFIG_TYPE_INT64;
	if (json_is_real(v))
		return CONFIG_TYPE_FLOAT;
	if (json_is_boolean(v))
		return CONFIG_TYPE_BOOL;
	return -1;
}

static int
confjson_scalar(config_setting_t *s, int type, const json_t *v)
{
	switch (type) {
	case CONFIG_TYPE_STRING:
		return config_setting_set_string(s, json_string_value(v));
	case CONFIG_TYPE_INT:
		return config_setting_set_int(s, (int)json_integer_value(v));
	case CONFIG_TYPE_INT64:
		return config_setting_set_int64(s, json_integer_value(v));
	case CONFIG_TYPE_FLOAT:
		return config_setting_set_float(s, json_real_value(v));
	default:
		return config_setting_set_bool(s, json_is_true(v));
	}
}

/*
 * A JSON array into a libconfig array: scalars of one type ([ "main",
 * "sub1" ]), as libconfig's arrays are.  Integers mixed with reals are
 * all reals.
 */
static int
confjson_array(config_setting_t *a, const char *k, json_t *v,
    struct confjson_error *err)
{
	config_setting_t *e;
	json_t *x;
	size_t i;
	int type = -1, t;

	json_array_foreach(v, i, x) {
		if ((t = confjson_type(x)) == -1) {
			confjson_fail(err, 400, k, "%s: a list of strings or "
			    "numbers is expected", k);
			return -1;
		}
		if (t == CONFIG_TYPE_INT || t == CONFIG_TYPE_INT64)
			t = type == CONFIG_TYPE_FLOAT ? CONFIG_TYPE_FLOAT :
			    CONFIG_TYPE_INT64;
		else if (t == CONFIG_TYPE_FLOAT && type == CONFIG_TYPE_INT64)
			type = CONFIG_TYPE_FLOAT;
		if (type != -1 && t != type) {
			confjson_fail(err, 400, k, "%s: every entry must be of "
			    "the same type", k);
			return -1;
		}
		type = t;
	}
	json_array_foreach(v, i, x) {
		if ((e = config_setting_add(a, NULL, type)) == NULL ||
		    (type == CONFIG_TYPE_FLOAT && json_is_integer(x) ?
		    config_setting_set_float(e, (double)json_integer_value(x)) :
		    confjson_scalar(e, type, x)) != CONFIG_TRUE) {
			confjson_fail(err, 500, k, "cannot set %s", k);
			return -1;
		}
	}
	return 0;
}

/* Nesting deeper than this is no setting of mews.conf. */
#define CONFJSON_MAX_DEPTH	4

static int
confjson_set_depth(config_setting_t *group, json_t *obj,
    struct confjson_error *err, int depth)
{
	const char *k;
	json_t *v;
	config_setting_t *s;
	int type;

	json_object_foreach(obj, k, v) {
		if (!confjson_name_ok(k)) {
			confjson_fail(err, 400, k, "\"%.64s\" is not a setting",
			    k);
			return -1;
		}
		if (config_setting_get_member(group, k) != NULL &&
		    config_setting_remove(group, k) != CONFIG_TRUE) {
			confjson_fail(err, 500, k, "cannot replace %s", k);
			return -1;
		}
		if (json_is_null(v))
			continue;
		if (json_is_array(v))
			type = CONFIG_TYPE_ARRAY;
		else if (json_is_object(v) && depth < CONFJSON_MAX_DEPTH)
			type = CONFIG_TYPE_GROUP;
		else if ((type = confjson_type(v)) == -1) {
			confjson_fail(err, 400, k, "%s: a string, a number or "
			    "true/false is expected", k);
			return -1;
		}
		if ((s = config_setting_add(group, k, type)) == NULL) {
			confjson_fail(err, 500, k, "cannot set %s", k);
			return -1;
		}
		if (type == CONFIG_TYPE_ARRAY) {
			if (confjson_array(s, k, v, err) == -1)
				return -1;
		} else if (type == CONFIG_TYPE_GROUP) {
			if (confjson_set_depth(s, v, err, depth + 1) == -1)
				return -1;
		} else if (confjson_scalar(s, type, v) != CONFIG_TRUE) {
			confjson_fail(err, 500, k, "cannot set %s", k);
			return -1;
		}
	}
	return 0;
}

int
confjson_set(config_setting_t *group, json_t *obj,
    struct confjson_error *err)
{
	return confjson_set_depth(group, obj, err, 0);
}

/* A scalar setting as JSON; NULL for aggregates. */
static json_t *
confjson_value(const config_setting_t *s)
{
	switch (config_setting_type(s)) {
	case CONFIG_TYPE_STRING:
		return json_string(config_setting_get_string(s));
	case CONFIG_TYPE_INT:
	case CONFIG_TYPE_INT64:
		return json_integer(config_setting_get_int64(s));
	case CONFIG_TYPE_FLOAT:
		return json_real(config_setting_get_float(s));
	case CONFIG_TYPE_BOOL:
		return json_boolean(config_setting_get_bool(s));
	default:
		return NULL;
	}
}

json_t *
confjson_object(const config_setting_t *group)
{
	json_t *o = json_object(), *a, *v;
	config_setting_t *s;
	int i, j, n = config_setting_length(group);

	for (i = 0; o != NULL && i < n; i++) {
		s = config_setting_get_elem(group, (unsigned)i);
		if (config_setting_is_group(s))
			json_object_set_new(o, config_setting_name(s),
			    confjson_object(s));
		else if (config_setting_is_array(s)) {
			a = json_array();
			for (j = 0; j < config_setting_length(s); j++)
				if ((v = confjson_value(config_setting_get_elem(
				    s, (unsigned)j))) != NULL)
					json_array_append_new(a, v);
			json_object_set_new(o, config_setting_name(s), a);
		} else if ((v = confjson_value(s)) != NULL)
			json_object_set_new(o, config_setting_name(s), v);
	}
	return o;
}
