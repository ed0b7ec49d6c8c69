#include <sys/stat.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "reports/push.h"

#define PUSH_TIMEOUT_S	600

static void
push_release(void *arg)
{
	fclose(arg);
}

struct curlev_xfer *
push_upload(struct curlev *cl, const struct config_push *p,
    const char *path, const char *remote, curlev_done_cb done, void *arg,
    char *err, size_t errlen)
{
	struct curlev_xfer *x;
	struct stat st;
	char *url;
	CURL *easy;
	FILE *fp;
	int explicit_tls = strncmp(p->url, "ftps://", 7) == 0, n;

	if ((fp = fopen(path, "rb")) == NULL || fstat(fileno(fp), &st) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		if (fp != NULL)
			fclose(fp);
		return NULL;
	}
	/* curl's ftps:// is implicit TLS; ours is FTP made secure by AUTH. */
	n = explicit_tls ? asprintf(&url, "ftp://%s%s", p->url + 7, remote) :
	    asprintf(&url, "%s%s", p->url, remote);
	if (n == -1 || (x = curlev_xfer_new(cl, done, arg)) == NULL) {
		if (n != -1)
			free(url);
		fclose(fp);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	curlev_release(x, push_release, fp);
	easy = curlev_easy(x);
	curl_easy_setopt(easy, CURLOPT_URL, url);
	free(url);
	curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "ftp,ftps,sftp,https");
	curl_easy_setopt(easy, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(easy, CURLOPT_READDATA, fp);
	curl_easy_setopt(easy, CURLOPT_INFILESIZE_LARGE,
	    (curl_off_t)st.st_size);
	curl_easy_setopt(easy, CURLOPT_TIMEOUT, (long)PUSH_TIMEOUT_S);
	curl_easy_setopt(easy, CURLOPT_FAILONERROR, 1L);
	curl_easy_setopt(easy, CURLOPT_FTP_CREATE_MISSING_DIRS,
	    (long)CURLFTP_CREATE_DIR_RETRY);
	if (explicit_tls)
		curl_easy_setopt(easy, CURLOPT_USE_SSL, (long)CURLUSESSL_ALL);
	curlev_tls(easy, p->ca_file, p->verify);
	if (p->host_key[0] != '\0')
		curl_easy_setopt(easy, CURLOPT_SSH_HOST_PUBLIC_KEY_SHA256,
		    p->host_key);
	if (p->key_file[0] != '\0') {
		curl_easy_setopt(easy, CURLOPT_SSH_PRIVATE_KEYFILE,
		    p->key_file);
		curl_easy_setopt(easy, CURLOPT_SSH_AUTH_TYPES,
		    (long)CURLSSH_AUTH_PUBLICKEY);
	}
	if (p->user[0] != '\0') {
		curl_easy_setopt(easy, CURLOPT_USERNAME, p->user);
		curl_easy_setopt(easy, CURLOPT_PASSWORD, p->password);
	}
	if (curlev_start(x) == -1) {
		snprintf(err, errlen, "curl refused the transfer");
		return NULL;
	}
	return x;
}
