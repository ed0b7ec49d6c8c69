/*
 * The FTP server's data connections, passive only: active mode (PORT)
 * would have the box connect out to any address a client names, which is
 * how FTP servers are made to scan networks.
 *
 * A passive listener binds a free port of ftp.passive_ports on the address
 * the client reached the control connection at, accepts one connection
 * from the control connection's address (others are closed and logged: no
 * one else may take the transfer), and closes after that one or after
 * FTP_PASV_WAIT_S.
 *
 * A data connection then sends one file or one listing, plain or in TLS
 * (PROT P), a chunk at a time as the client takes it: FTP_DATA_CHUNK bytes
 * of a file are queued when less than FTP_DATA_LOW wait, as a file segment
 * (sendfile on a plain connection, mapped for TLS), so a year's file never
 * sits in memory and never costs the loop more than one chunk a turn.
 * Files are sent as they are, whatever TYPE says: they are already CSV
 * with CRLF line ends.  A transfer that makes no progress for idle_s is
 * ended.  A TLS connection ends with a close_notify, which FTPS clients
 * (Python's ftplib) check to know the file is whole.
 */
#ifndef MEWS_FTP_DATA_H
#define MEWS_FTP_DATA_H

#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

#include <event2/util.h>
#include <openssl/ssl.h>

struct event_base;
struct ftp_list;

#define FTP_PASV_WAIT_S		30
#define FTP_DATA_CHUNK		(256 * 1024)
#define FTP_DATA_LOW		(64 * 1024)

struct ftp_pasv;

/* The connection accepted (fd), or -1 when none came in time. */
typedef void (*ftp_pasv_cb)(void *arg, evutil_socket_t fd);

/*
 * Listen on local's address, on a port of first..last (starting after
 * *next, which moves on, so consecutive transfers use different ports),
 * for one connection from peer's address.  who names the session in the
 * log.  NULL with errno (EADDRINUSE: every port of the range is taken).
 */
struct ftp_pasv *ftp_pasv_new(struct event_base *, const struct sockaddr *local,
    const struct sockaddr *peer, int first, int last, unsigned *next,
    ftp_pasv_cb, void *arg, const char *who);
int ftp_pasv_port(const struct ftp_pasv *);
void ftp_pasv_free(struct ftp_pasv *);

/* What a data connection sends: a file's bytes [pos, end), or a listing. */
struct ftp_source {
	int		 fd;		/* -1 for a listing */
	off_t		 pos;
	off_t		 end;
	struct ftp_list	*list;
};

enum ftp_data_end {
	FTP_DATA_SENT,		/* all of it, and the connection closed */
	FTP_DATA_LOST,		/* the client closed or reset it, or TLS failed */
	FTP_DATA_IDLE		/* no progress for idle_s */
};

struct ftp_data;

/* Called once, at the end; the callee frees the data connection. */
typedef void (*ftp_data_cb)(void *arg, enum ftp_data_end);

/*
 * Send src (taken over: closed or freed with the connection) on fd (also
 * taken over), in TLS when ctx is not NULL.  NULL on failure, with fd and
 * src closed.
 */
struct ftp_data *ftp_data_new(struct event_base *, evutil_socket_t fd,
    SSL_CTX *ctx, int idle_s, struct ftp_source src, ftp_data_cb,
    void *arg);
uint64_t ftp_data_bytes(const struct ftp_data *);
void ftp_data_free(struct ftp_data *);
/* Close a source that never reached ftp_data_new. */
void ftp_source_close(struct ftp_source *);

#endif
