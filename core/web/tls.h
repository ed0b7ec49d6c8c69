/*
 * The HTTPS server's TLS context: TLS 1.2 and 1.3 only, forward-secret
 * AEAD suites, and a certificate that is either the configured one or an
 * ECDSA P-256 self-signed pair made on first start in state_dir/tls.
 * ECDSA because a P-256 handshake costs about half an RSA-2048 one, and
 * the box does every handshake on its only thread.
 */
#ifndef MEWS_TLS_H
#define MEWS_TLS_H

#include <time.h>

#include <openssl/ssl.h>

struct config;

#define TLS_FINGERPRINT_MAX	(32 * 3 + 8)	/* "SHA256 AB:CD:..." */

struct tls {
	SSL_CTX		*ctx;
	char		 fingerprint[TLS_FINGERPRINT_MAX];
	char		*subject;	/* one line, "CN=box, O=mews" */
	time_t		 not_after;
	int		 self_signed;	/* made by us */
};

/* NULL (logged, naming the file and OpenSSL's reason) on failure. */
struct tls *tls_new(const struct config *);
void tls_free(struct tls *);

/*
 * Make the self-signed pair at cert and key (the key 0600) for host name
 * and every address of the box: 0, or -1 (logged).
 */
int tls_make_self_signed(const char *cert, const char *key,
    const char *hostname);

#endif
