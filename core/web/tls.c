#include <sys/stat.h>
#include <sys/types.h>

#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "base/atomic.h"
#include "base/log.h"
#include "config/config.h"
#include "web/tls.h"

#define TLS_DAYS	3650	/* a box stays in service for years */

/* Mozilla's "intermediate" TLS 1.2 list; TLS 1.3 suites are all fine. */
static const char tls_ciphers12[] =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";

static void
tls_log_error(const char *what, const char *file)
{
	char buf[256];
	unsigned long e = ERR_get_error();

	ERR_error_string_n(e, buf, sizeof(buf));
	log_warnx("tls: %s%s%s: %s", what, file ? " " : "", file ? file : "",
	    e ? buf : "unknown error");
	ERR_clear_error();
}

/* "DNS:host,DNS:localhost,IP:127.0.0.1,..." with every address we have. */
static char *
tls_san(const char *hostname)
{
	struct ifaddrs *ifa, *i;
	char addr[INET6_ADDRSTRLEN], *san, *more;

	if (asprintf(&san, "DNS:%s,DNS:localhost,IP:127.0.0.1,IP:::1",
	    hostname) == -1)
		return NULL;
	if (getifaddrs(&ifa) == -1)
		return san;
	for (i = ifa; i != NULL; i = i->ifa_next) {
		const void *a;

		if (i->ifa_addr == NULL)
			continue;
		if (i->ifa_addr->sa_family == AF_INET)
			a = &((struct sockaddr_in *)i->ifa_addr)->sin_addr;
		else if (i->ifa_addr->sa_family == AF_INET6 &&
		    !IN6_IS_ADDR_LINKLOCAL(
		    &((struct sockaddr_in6 *)i->ifa_addr)->sin6_addr))
			a = &((struct sockaddr_in6 *)i->ifa_addr)->sin6_addr;
		else
			continue;
		if (inet_ntop(i->ifa_addr->sa_family, a, addr,
		    sizeof(addr)) == NULL || strcmp(addr, "127.0.0.1") == 0 ||
		    strcmp(addr, "::1") == 0)
			continue;
		if (asprintf(&more, "%s,IP:%s", san, addr) == -1)
			break;
		free(san);
		san = more;
	}
	freeifaddrs(ifa);
	return san;
}

static int
tls_add_ext(X509 *x, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509_EXTENSION *ext;
	int rc;

	X509V3_set_ctx_nodb(&ctx);
	X509V3_set_ctx(&ctx, x, x, NULL, NULL, 0);
	if ((ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value)) == NULL)
		return -1;
	rc = X509_add_ext(x, ext, -1) ? 0 : -1;
	X509_EXTENSION_free(ext);
	return rc;
}

static X509 *
tls_build_cert(EVP_PKEY *pkey, const char *hostname)
{
	X509 *x;
	X509_NAME *name;
	BIGNUM *bn = NULL;
	char *san = NULL;
	int ok = 0;

	if ((x = X509_new()) == NULL)
		return NULL;
	/* A random serial, so browsers never confuse two boxes' pairs. */
	if ((bn = BN_new()) == NULL || !BN_rand(bn, 127, BN_RAND_TOP_ANY,
	    BN_RAND_BOTTOM_ANY) ||
	    BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)) == NULL)
		goto out;
	if (!X509_set_version(x, 2) ||
	    X509_gmtime_adj(X509_getm_notBefore(x), -3600) == NULL ||
	    X509_time_adj_ex(X509_getm_notAfter(x), TLS_DAYS, 0, NULL) ==
	    NULL || !X509_set_pubkey(x, pkey))
		goto out;
	name = X509_get_subject_name(x);
	if (!X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
	    (const unsigned char *)hostname, -1, -1, 0) ||
	    !X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8,
	    (const unsigned char *)"mews", -1, -1, 0) ||
	    !X509_set_issuer_name(x, name))
		goto out;
	if ((san = tls_san(hostname)) == NULL ||
	    tls_add_ext(x, NID_subject_alt_name, san) == -1 ||
	    tls_add_ext(x, NID_basic_constraints, "critical,CA:FALSE") == -1 ||
	    tls_add_ext(x, NID_key_usage, "critical,digitalSignature") == -1 ||
	    tls_add_ext(x, NID_ext_key_usage, "serverAuth") == -1 ||
	    tls_add_ext(x, NID_subject_key_identifier, "hash") == -1)
		goto out;
	if (X509_sign(x, pkey, EVP_sha256()) == 0)
		goto out;
	ok = 1;
out:
	free(san);
	BN_free(bn);
	if (!ok) {
		X509_free(x);
		return NULL;
	}
	return x;
}

int
tls_make_self_signed(const char *cert, const char *key, const char *hostname)
{
	struct atomic_file kf, cf;
	EVP_PKEY *pkey;
	X509 *x = NULL;
	int rc = -1;

	if ((pkey = EVP_EC_gen("P-256")) == NULL ||
	    (x = tls_build_cert(pkey, hostname)) == NULL) {
		tls_log_error("cannot make a self-signed certificate", NULL);
		goto out;
	}
	/* The key first: a certificate without its key is useless. */
	if (atomic_begin(&kf, key, 0600) == -1) {
		log_warn("tls: %s", key);
		goto out;
	}
	if (!PEM_write_PrivateKey(kf.fp, pkey, NULL, NULL, 0, NULL, NULL) ||
	    atomic_commit(&kf, 0) == -1) {
		log_warn("tls: cannot write %s", key);
		atomic_abort(&kf);
		goto out;
	}
	if (atomic_begin(&cf, cert, 0600) == -1) {
		log_warn("tls: %s", cert);
		goto out;
	}
	if (!PEM_write_X509(cf.fp, x) || atomic_commit(&cf, 0) == -1) {
		log_warn("tls: cannot write %s", cert);
		atomic_abort(&cf);
		goto out;
	}
	rc = 0;
out:
	X509_free(x);
	EVP_PKEY_free(pkey);
	return rc;
}

static void
tls_describe(struct tls *t, X509 *x)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int len = 0, i;
	const ASN1_TIME *na;
	struct tm tm;
	BIO *b;
	char *p;
	long n;

	p = t->fingerprint;
	p += snprintf(p, sizeof(t->fingerprint), "SHA256 ");
	if (X509_digest(x, EVP_sha256(), md, &len))
		for (i = 0; i < len; i++)
			p += snprintf(p, sizeof(t->fingerprint) -
			    (size_t)(p - t->fingerprint), "%s%02X",
			    i ? ":" : "", md[i]);
	if ((b = BIO_new(BIO_s_mem())) != NULL) {
		X509_NAME_print_ex(b, X509_get_subject_name(x), 0,
		    XN_FLAG_ONELINE & ~ASN1_STRFLGS_ESC_MSB);
		n = BIO_get_mem_data(b, &p);
		t->subject = strndup(p, n > 0 ? (size_t)n : 0);
		BIO_free(b);
	}
	na = X509_get0_notAfter(x);
	if (na != NULL && ASN1_TIME_to_tm(na, &tm))
		t->not_after = timegm(&tm);
}

static SSL_CTX *
tls_ctx_new(void)
{
	SSL_CTX *ctx;

	if ((ctx = SSL_CTX_new(TLS_server_method())) == NULL)
		return NULL;
	if (!SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) ||
	    !SSL_CTX_set_max_proto_version(ctx, TLS1_3_VERSION) ||
	    !SSL_CTX_set_cipher_list(ctx, tls_ciphers12) ||
	    !SSL_CTX_set1_groups_list(ctx, "X25519:P-256:P-384")) {
		SSL_CTX_free(ctx);
		return NULL;
	}
	SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION |
	    SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_TICKET);
	/*
	 * Idle keep-alive connections hold no buffers.  No read-ahead:
	 * bufferevent_openssl would not see the records OpenSSL read ahead
	 * until the socket is readable again, and requests would stall.
	 */
	SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);
	return ctx;
}

/* Use the pair in state_dir/tls, making it the first time. */
static int
tls_own_pair(const struct config *cfg, char **cert, char **key)
{
	char dir[PATH_MAX], host[256];
	struct stat st;

	if (snprintf(dir, sizeof(dir), "%s/tls", cfg->state_dir) >=
	    (int)sizeof(dir) || asprintf(cert, "%s/cert.pem", dir) == -1)
		return -1;
	if (asprintf(key, "%s/key.pem", dir) == -1) {
		free(*cert);
		return -1;
	}
	if (mkdir(dir, 0700) == -1 && errno != EEXIST) {
		log_warn("tls: cannot create %s", dir);
		return -1;
	}
	if (stat(*cert, &st) == 0 && stat(*key, &st) == 0)
		return 0;
	if (gethostname(host, sizeof(host)) == -1 || host[0] == '\0')
		strcpy(host, "mews");
	host[sizeof(host) - 1] = '\0';
	log_info("tls: no certificate configured: making a self-signed "
	    "ECDSA P-256 pair in %s", dir);
	return tls_make_self_signed(*cert, *key, host);
}

struct tls *
tls_new(const struct config *cfg)
{
	struct tls *t;
	char *cert = NULL, *key = NULL;
	int own = cfg->http.cert[0] == '\0';

	if ((t = calloc(1, sizeof(*t))) == NULL)
		return NULL;
	if ((t->ctx = tls_ctx_new()) == NULL) {
		tls_log_error("cannot set up TLS", NULL);
		goto fail;
	}
	if (own) {
		if (tls_own_pair(cfg, &cert, &key) == -1)
			goto fail;
	} else if ((cert = strdup(cfg->http.cert)) == NULL ||
	    (key = strdup(cfg->http.key)) == NULL)
		goto fail;
	if (!SSL_CTX_use_certificate_chain_file(t->ctx, cert)) {
		tls_log_error("cannot use the certificate", cert);
		goto fail;
	}
	if (!SSL_CTX_use_PrivateKey_file(t->ctx, key, SSL_FILETYPE_PEM)) {
		tls_log_error("cannot use the private key", key);
		goto fail;
	}
	if (!SSL_CTX_check_private_key(t->ctx)) {
		tls_log_error("the private key does not match the "
		    "certificate", key);
		goto fail;
	}
	t->self_signed = own;
	tls_describe(t, SSL_CTX_get0_certificate(t->ctx));
	log_info("tls: certificate %s (%s), fingerprint %s", cert,
	    t->subject ? t->subject : "?", t->fingerprint);
	free(cert);
	free(key);
	return t;
fail:
	free(cert);
	free(key);
	tls_free(t);
	return NULL;
}

void
tls_free(struct tls *t)
{
	if (t == NULL)
		return;
	SSL_CTX_free(t->ctx);
	free(t->subject);
	free(t);
}
