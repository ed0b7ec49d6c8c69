/*
 * Inside the FTP server: a session (one control connection) as ftp.c runs
 * it and the command handlers of ftp_exec.c see it.
 */
#ifndef MEWS_FTP_SESSION_H
#define MEWS_FTP_SESSION_H

#include <sys/queue.h>
#include <sys/socket.h>

#include <event2/util.h>

#include "base/net.h"
#include "base/peer.h"
#include "share/ftp_cmd.h"
#include "share/ftp_data.h"
#include "share/ftp_path.h"

struct bufferevent;
struct event;
struct evconnlistener;
struct services;

struct ftp_session {
	TAILQ_ENTRY(ftp_session) entry;
	struct ftp		*srv;
	struct bufferevent	*bev;
	struct event		*idle;
	struct event		*login;		/* FTP_LOGIN_S to log in */
	struct sockaddr_storage	 local;		/* the address it reached */
	struct sockaddr_storage	 peer;
	struct peer_key		 key;		/* its client, for the caps */
	char			 who[NET_PEER_MAX + 32];	/* "ADDR:PORT (profile)" */
	int			 tls;		/* the control connection */
	int			 upgrading;	/* 234 sent: TLS next */
	const char		*closing;	/* a last reply, then close
						   for this reason */
	int			 skipping;	/* in a line too long */
	int			 user;		/* USER's profile; -1 none */
	char			 user_name[33];
	int			 user_given;
	int			 profile;	/* logged in as; -1 not yet */
	int			 prot_private;	/* PROT P */
	long long		 rest;		/* REST offset for RETR */
	char			 cwd[FTP_PATH_MAX + 1];
	struct ftp_pasv		*pasv;		/* waiting for its connection */
	evutil_socket_t		 data_fd;	/* connected, not yet used */
	struct ftp_data		*data;		/* sending */
	struct ftp_source	 pending;	/* waiting for data_fd */
	int			 has_pending;
	char			 what[FTP_PATH_MAX + 8];	/* "RETR /path" */
};

TAILQ_HEAD(ftp_sessions, ftp_session);

struct ftp {
	struct services		*d;
	struct event_base	*base;
	struct evconnlistener	*listener;
	struct event		*resume;	/* accept again after EMFILE */
	struct ftp_sessions	 sessions;
	size_t			 nsessions;
	unsigned		 next_port;	/* in passive_ports */
};

/* ftp.c, for the handlers. */
void ftp_reply(struct ftp_session *, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Text sent as it is: multi-line replies, CRLF included. */
void ftp_reply_raw(struct ftp_session *, const char *text);
/* A last reply, then the connection closes; why goes to the log. */
void ftp_reply_close(struct ftp_session *, int code, const char *reply,
    const char *why);
/* 234 sent: the handshake starts once it has left. */
void ftp_start_tls(struct ftp_session *);
/* The share's root (state_dir/csv) into out. */
void ftp_root(const struct ftp_session *, char *out, size_t size);
/* Open a passive listener and answer PASV (extended 0) or EPSV. */
void ftp_passive(struct ftp_session *, int extended);
/* Send src (taken over) on the data connection, with 150 and 226. */
void ftp_transfer(struct ftp_session *, struct ftp_source src,
    const char *what, const char *detail);
/* End the transfer and the data connection, if any; 1 if there was one. */
int ftp_abort(struct ftp_session *);
/* Logged in: the session now names its profile. */
void ftp_logged_in(struct ftp_session *, int profile);

/* ftp_exec.c */
void ftp_exec(struct ftp_session *, const struct ftp_cmd *);

#endif
