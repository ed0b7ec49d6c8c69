/*
 * libcurl on the daemon's loop: one multi handle driven by libevent
 * (curl tells which sockets to watch and when its next timeout is; the
 * loop tells curl what happened), so a transfer never blocks the loop.
 * Debian's libcurl resolves names in a thread of its own (AsynchDNS) and
 * does TLS handshakes step by step: neither stalls the loop either.
 *
 * A transfer is an easy handle the caller configures, then starts; its
 * done callback gets curl's result, the server's last answer line (an
 * SMTP or FTP reply such as "535 5.7.8 Authentication credentials
 * invalid", or an HTTP status line) and curl's own error text, then the
 * transfer is freed.  Mail (mailer.c) and uploads (push.c) use it.
 */
#ifndef MEWS_CURLEV_H
#define MEWS_CURLEV_H

#include <curl/curl.h>

struct event_base;
struct curlev;
struct curlev_xfer;

#define CURLEV_ANSWER_MAX	512

/*
 * How a transfer ended: rc CURLE_OK or curl's code; answer the server's
 * last reply line ("" when it said nothing); error curl's explanation
 * ("" on success).  Both are only valid during the call.
 */
typedef void (*curlev_done_cb)(void *arg, CURLcode rc, const char *answer,
    const char *error);

struct curlev *curlev_new(struct event_base *);
/* Every transfer still running is cancelled, with no callback. */
void curlev_free(struct curlev *);

/*
 * A transfer to configure (curlev_easy) and start: its error buffer,
 * answer recorder, no signals, and timeouts are set already.  NULL when
 * out of memory.
 */
struct curlev_xfer *curlev_xfer_new(struct curlev *, curlev_done_cb,
    void *arg);
CURL *curlev_easy(struct curlev_xfer *);
/*
 * What the easy handle uses (a MIME tree, header lists, an open file) is
 * given back by release(ptr), after the handle is cleaned up, however the
 * transfer ends: done, cancelled or refused.
 */
void curlev_release(struct curlev_xfer *, void (*release)(void *),
    void *ptr);
/*
 * Start it: 0, or -1 (the transfer is freed, no callback).  done is
 * called once, from the loop, never from inside this call.
 */
int curlev_start(struct curlev_xfer *);
/* Stop and free a transfer, started or not: done is not called. */
void curlev_cancel(struct curlev_xfer *);

/*
 * Certificate checks of a TLS transfer: on by default, against the
 * system's CA store or ca_file when it is not ""; verify 0 turns them off
 * (unsafe: anyone on the path can read the password and the data).
 */
void curlev_tls(CURL *, const char *ca_file, int verify);

#endif
