/*
 * One e-mail through the configured SMTP server, on the loop (curlev.h):
 * a text/plain part and files attached, built with libcurl's MIME API
 * (attachments base64, so a CSV file arrives byte for byte), sent with
 * STARTTLS (required: a server that does not offer it is a failure, not a
 * fall-back to plain text), implicit TLS (smtps) or none, and AUTH when a
 * user is set.  The server's answer comes back to the caller: "250 ..."
 * when it took the message, its refusal ("535 ...") or curl's reason.
 */
#ifndef MEWS_MAILER_H
#define MEWS_MAILER_H

#include <stddef.h>

#include "base/curlev.h"

struct config_mail;

struct mailer_file {
	const char	*path;		/* read while the message is sent */
	const char	*name;		/* as the recipient sees it */
};

struct mailer_message {
	const char		*subject;	/* UTF-8 */
	const char		*text;		/* UTF-8, lines ended by \n */
	const char *const	*to;
	size_t			 nto;
	const struct mailer_file *files;
	size_t			 nfiles;
};

/*
 * Send it: the transfer (to cancel with curlev_cancel), or NULL with the
 * reason in err.  The message's strings are copied: it may go at once.
 */
struct curlev_xfer *mailer_send(struct curlev *, const struct config_mail *,
    const struct mailer_message *, curlev_done_cb, void *arg, char *err,
    size_t errlen);

#endif
