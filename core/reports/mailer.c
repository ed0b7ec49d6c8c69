#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/rand.h>

#include "base/clock.h"
#include "config/config.h"
#include "reports/mailer.h"

#define MAILER_TIMEOUT_S	300	/* a whole message, attachments too */

/* What the transfer holds until it is cleaned up. */
struct mailer_hold {
	curl_mime		*mime;
	struct curl_slist	*rcpt;
	struct curl_slist	*headers;
};

static void
mailer_release(void *arg)
{
	struct mailer_hold *h = arg;

	curl_mime_free(h->mime);
	curl_slist_free_all(h->rcpt);
	curl_slist_free_all(h->headers);
	free(h);
}

/* One "Name: value" header line. */
static int
mailer_header(struct curl_slist **list, const char *name, const char *v)
{
	struct curl_slist *l;
	char *line;

	if (asprintf(&line, "%s: %s", name, v) == -1)
		return -1;
	l = curl_slist_append(*list, line);
	free(line);
	if (l == NULL)
		return -1;
	*list = l;
	return 0;
}

/*
 * The subject as an RFC 2047 encoded word when it is not plain ASCII
 * (device names may be any UTF-8).
 */
static int
mailer_subject(struct curl_slist **list, const char *subject)
{
	unsigned char b64[4 * ((998 + 2) / 3) + 1];
	size_t i, n = strlen(subject);
	char line[sizeof(b64) + 32];
	int ascii = 1;

	for (i = 0; i < n; i++)
		if ((unsigned char)subject[i] >= 0x80 ||
		    (unsigned char)subject[i] < ' ')
			ascii = 0;
	if (ascii)
		return mailer_header(list, "Subject", subject);
	if (n > 600)
		n = 600;
	EVP_EncodeBlock(b64, (const unsigned char *)subject, (int)n);
	snprintf(line, sizeof(line), "=?UTF-8?B?%s?=", (const char *)b64);
	return mailer_header(list, "Subject", line);
}

static int
mailer_headers(struct mailer_hold *h, const struct config_mail *m,
    const struct mailer_message *msg)
{
	unsigned char rnd[16];
	char date[64], id[192], host[128], *to = NULL, *grown;
	struct tm tm;
	time_t now = clock_wall();
	size_t i;
	int rc = -1;

	if (gethostname(host, sizeof(host)) == -1)
		snprintf(host, sizeof(host), "mews");
	host[sizeof(host) - 1] = '\0';
	if (localtime_r(&now, &tm) == NULL ||
	    strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S %z", &tm) == 0
	    || RAND_bytes(rnd, sizeof(rnd)) != 1)
		return -1;
	snprintf(id, sizeof(id), "<");
	for (i = 0; i < sizeof(rnd); i++)
		snprintf(id + strlen(id), sizeof(id) - strlen(id), "%02x",
		    rnd[i]);
	snprintf(id + strlen(id), sizeof(id) - strlen(id), ".mews@%s>", host);
	for (i = 0; i < msg->nto; i++) {
		if (asprintf(&grown, "%s%s%s", to ? to : "", to ? ", " : "",
		    msg->to[i]) == -1)
			goto out;
		free(to);
		to = grown;
	}
	if (mailer_header(&h->headers, "Date", date) == 0 &&
	    mailer_header(&h->headers, "From", m->from) == 0 &&
	    mailer_header(&h->headers, "To", to ? to : "") == 0 &&
	    mailer_header(&h->headers, "Message-ID", id) == 0 &&
	    mailer_subject(&h->headers, msg->subject) == 0)
		rc = 0;
out:
	free(to);
	return rc;
}

/* The summary, then each file as a base64 attachment. */
static int
mailer_mime(struct mailer_hold *h, CURL *easy,
    const struct mailer_message *msg)
{
	curl_mimepart *part;
	size_t i;

	if ((h->mime = curl_mime_init(easy)) == NULL ||
	    (part = curl_mime_addpart(h->mime)) == NULL ||
	    curl_mime_data(part, msg->text, CURL_ZERO_TERMINATED) !=
	    CURLE_OK ||
	    curl_mime_type(part, "text/plain; charset=utf-8") != CURLE_OK ||
	    curl_mime_encoder(part, "quoted-printable") != CURLE_OK)
		return -1;
	for (i = 0; i < msg->nfiles; i++)
		if ((part = curl_mime_addpart(h->mime)) == NULL ||
		    curl_mime_filedata(part, msg->files[i].path) != CURLE_OK ||
		    curl_mime_filename(part, msg->files[i].name) != CURLE_OK ||
		    curl_mime_type(part, "text/csv") != CURLE_OK ||
		    curl_mime_encoder(part, "base64") != CURLE_OK)
			return -1;
	return 0;
}

struct curlev_xfer *
mailer_send(struct curlev *cl, const struct config_mail *m,
    const struct mailer_message *msg, curlev_done_cb done, void *arg,
    char *err, size_t errlen)
{
	struct curlev_xfer *x;
	struct mailer_hold *h;
	struct curl_slist *l;
	char url[512], host[128];
	CURL *easy;
	size_t i;

	if (m->server[0] == '\0') {
		snprintf(err, errlen, "no mail server is configured");
		return NULL;
	}
	if ((h = calloc(1, sizeof(*h))) == NULL ||
	    (x = curlev_xfer_new(cl, done, arg)) == NULL) {
		free(h);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	curlev_release(x, mailer_release, h);
	easy = curlev_easy(x);
	if (gethostname(host, sizeof(host)) == -1)
		snprintf(host, sizeof(host), "mews");
	host[sizeof(host) - 1] = '\0';
	/* The URL's path is what curl says in EHLO: the box's name. */
	snprintf(url, sizeof(url), "%s://%s%s%s:%d/%s",
	    m->security == CONFIG_MAIL_TLS ? "smtps" : "smtp",
	    strchr(m->server, ':') ? "[" : "", m->server,
	    strchr(m->server, ':') ? "]" : "", m->port, host);
	for (i = 0; i < msg->nto; i++) {
		if ((l = curl_slist_append(h->rcpt, msg->to[i])) == NULL)
			break;
		h->rcpt = l;
	}
	if (i < msg->nto || mailer_headers(h, m, msg) == -1 ||
	    mailer_mime(h, easy, msg) == -1) {
		curlev_cancel(x);
		snprintf(err, errlen, "out of memory, or an attachment "
		    "cannot be read");
		return NULL;
	}
	curl_easy_setopt(easy, CURLOPT_URL, url);
	curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
	curl_easy_setopt(easy, CURLOPT_MAIL_FROM, m->from);
	curl_easy_setopt(easy, CURLOPT_MAIL_RCPT, h->rcpt);
	curl_easy_setopt(easy, CURLOPT_HTTPHEADER, h->headers);
	curl_easy_setopt(easy, CURLOPT_MIMEPOST, h->mime);
	curl_easy_setopt(easy, CURLOPT_TIMEOUT, (long)MAILER_TIMEOUT_S);
	if (m->security == CONFIG_MAIL_STARTTLS)
		curl_easy_setopt(easy, CURLOPT_USE_SSL, (long)CURLUSESSL_ALL);
	curlev_tls(easy, m->ca_file, m->verify);
	if (m->user[0] != '\0') {
		curl_easy_setopt(easy, CURLOPT_USERNAME, m->user);
		curl_easy_setopt(easy, CURLOPT_PASSWORD, m->password);
	}
	if (curlev_start(x) == -1) {
		snprintf(err, errlen, "curl refused the transfer");
		return NULL;
	}
	return x;
}
