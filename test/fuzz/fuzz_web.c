/*
 * What a web client controls before any handler runs: the Cookie header
 * (the session token), the URL path of a static file, and a JSON body
 * turned into mews.conf settings and back.  The first byte picks which.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <libconfig.h>

#include "api/confjson.h"
#include "web/http_static.h"
#include "web/session.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
fuzz_cookie(const char *s)
{
	char token[SESSION_TOKEN_LEN + 1];

	if (session_cookie_token(s, token, sizeof(token)) == 0 &&
	    strlen(token) != SESSION_TOKEN_LEN)
		abort();
}

static void
fuzz_path(const char *s)
{
	char out[4096];

	if (http_static_path("/www", s, out, sizeof(out)) == 0 &&
	    (strncmp(out, "/www/", 5) != 0 || strstr(out, "/..") != NULL ||
	    strstr(out, "/.") != NULL))
		abort();
}

static void
fuzz_json(const char *s, size_t len)
{
	struct confjson_error err;
	config_setting_t *list, *g;
	config_t lc;
	json_t *body, *back;

	if ((body = json_loadb(s, len, JSON_REJECT_DUPLICATES, NULL)) == NULL)
		return;
	config_init(&lc);
	if (json_is_object(body) &&
	    (list = confjson_list(config_root_setting(&lc), "devices")) != NULL &&
	    (g = config_setting_add(list, NULL, CONFIG_TYPE_GROUP)) != NULL &&
	    confjson_set(g, body, &err) == 0) {
		back = confjson_object(g);
		/* Every scalar member comes back under the same name. */
		if (back == NULL)
			abort();
		json_decref(back);
		(void)confjson_find(list, "id", "main");
	}
	config_destroy(&lc);
	json_decref(body);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s;

	if (size < 1 || (s = malloc(size)) == NULL)
		return 0;
	memcpy(s, data + 1, size - 1);
	s[size - 1] = '\0';
	switch (data[0] % 3) {
	case 0:
		fuzz_cookie(s);
		break;
	case 1:
		fuzz_path(s);
		break;
	default:
		fuzz_json(s, size - 1);
		break;
	}
	free(s);
	return 0;
}
