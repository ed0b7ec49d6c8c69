#include <ctype.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "confjson.h"

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

int
confjson_set(config_setting_t *group, json_t *obj,
    struct confjson_error *err)
{
	const char *k;
	json_t *v;
	config_setting_t *s;
	int type, ok;

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
			confjson_fail(err, 400, k, "%s: a string, a number or "
			    "true/false is expected", k);
			return -1;
		}
		if ((s = config_setting_add(group, k, type)) == NULL) {
			confjson_fail(err, 500, k, "cannot set %s", k);
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
			confjson_fail(err, 500, k, "cannot set %s", k);
			return -1;
		}
	}
	return 0;
}

json_t *
confjson_object(const config_setting_t *group)
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
