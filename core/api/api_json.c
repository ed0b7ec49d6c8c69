#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>

#include "api/api.h"
#include "web/http.h"

/*
 * The head's encoding split where the array is: its members before the
 * key are the caller's own (ids, names of periods, numbers), so the first
 * "KEY":[] in it is the array's, whatever the members after it hold.
 */
int
api_json_list_begin(struct api_json_list *l, json_t *head, const char *key)
{
	char *text = head != NULL ? http_json_text(head) : NULL, *at;
	size_t klen = strlen(key);

	json_decref(head);
	memset(l, 0, sizeof(l[0]));
	if (text == NULL || (l->body = evbuffer_new()) == NULL)
		goto fail;
	for (at = strstr(text, key); at != NULL; at = strstr(at + 1, key))
		if (at > text && at[-1] == '"' && strncmp(at + klen, "\":[]",
		    4) == 0)
			break;
	if (at == NULL || (l->tail = strdup(at + klen + 3)) == NULL ||
	    evbuffer_add(l->body, text, (size_t)(at - text) + klen + 3) == -1)
		goto fail;
	free(text);
	return 0;
fail:
	free(text);
	api_json_list_free(l);
	return -1;
}

int
api_json_list_add(struct api_json_list *l, json_t *item)
{
	char *text;
	int rc;

	/* An element that could not be made is left out, as jansson does. */
	if (item == NULL)
		return 0;
	text = http_json_text(item);
	json_decref(item);
	if (text == NULL)
		return -1;
	rc = (l->n > 0 && evbuffer_add(l->body, ",", 1) == -1) ||
	    evbuffer_add(l->body, text, strlen(text)) == -1 ? -1 : 0;
	free(text);
	l->n++;
	return rc;
}

void
api_json_list_send(struct api_json_list *l, struct evhttp_request *req)
{
	if (evbuffer_add(l->body, l->tail, strlen(l->tail)) == -1)
		http_send_error(req, 500, NULL, "out of memory");
	else
		http_send_json_buffer(req, 200, l->body);
	api_json_list_free(l);
}

void
api_json_list_free(struct api_json_list *l)
{
	if (l->body != NULL)
		evbuffer_free(l->body);
	free(l->tail);
	memset(l, 0, sizeof(l[0]));
}
