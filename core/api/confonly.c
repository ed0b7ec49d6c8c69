#include <stdio.h>
#include <string.h>

#include "api/confonly.h"

int
confonly_same(const json_t *v, const char *saved, const char *running,
    const char *field, struct confjson_error *err)
{
	const char *s = json_string_value(v);

	if (s != NULL && ((saved != NULL && strcmp(s, saved) == 0) ||
	    (running != NULL && strcmp(s, running) == 0)))
		return 0;
	if (json_is_null(v) && saved == NULL)
		return 0;
	confjson_fail(err, 400, field, "%s names a file or folder on the "
	    "box: it is set only in mews.conf, by whoever owns the machine, "
	    "never from the pages", field);
	return -1;
}

int
confonly_keep(json_t *obj, const char *prefix, const char *key,
    const char *saved, const char *running, struct confjson_error *err)
{
	json_t *v = json_object_get(obj, key);
	char field[sizeof(err->field)];

	if (v == NULL)
		return 0;
	if (prefix != NULL)
		snprintf(field, sizeof(field), "%s.%s", prefix, key);
	else
		snprintf(field, sizeof(field), "%s", key);
	if (confonly_same(v, saved, running, field, err) == -1)
		return -1;
	if (json_object_del(obj, key) == -1) {
		confjson_fail(err, 500, field, "cannot leave %s as it is",
		    field);
		return -1;
	}
	return 0;
}
