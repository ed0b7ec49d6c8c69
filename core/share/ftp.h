/*
 * The read-only FTP(S) server: the CSV files of history (state_dir/csv,
 * see csvfiles.h) for whoever holds a profile's PIN, with the tools people
 * already have (a file manager, curl, Excel's own FTP client, a backup
 * job).
 *
 * - Logins are the web's: user name a profile (administrator, installer,
 *   user), password its PIN.  The same profile state and the same back-off
 *   per address (api.h: auth, guard) count every wrong PIN, so three wrong
 *   ones by FTP lock the profile in the web pages too.  A profile still on
 *   its default PIN is refused (those PINs are printed in the manual).
 * - Explicit TLS (AUTH TLS, PBSZ 0, PROT P) with the web server's own
 *   certificate; ftp.require_tls refuses logins and data connections in
 *   the clear.  Handshakes count in the web server's budget of handshakes
 *   a second (http.h): that budget protects the loop, which both share.
 * - Passive data connections only (ftp_data.h), one at a time per session.
 * - Every command that would write is answered 550; anything above the
 *   share's root, symbolic links and odd names are refused (ftp_path.h).
 * - At most ftp.max_sessions at once, and ftp.max_sessions_per_address
 *   from one client address (peer.h), so that one client cannot take them
 *   all: past either a newcomer gets 421.  A session idle for
 *   ftp.idle_timeout_s, or not logged in within FTP_LOGIN_S, is closed.
 *
 * Settings other than the listening address and port apply to sessions
 * from the next command after a reload; a new address or port restarts
 * the server, closing its sessions.
 */
#ifndef MEWS_FTP_H
#define MEWS_FTP_H

struct services;
struct ftp;

#define FTP_LOGIN_S	60

/* Listens on d->cfg's ftp.listen and ftp.port; NULL (logged) on failure. */
struct ftp *ftp_new(struct services *);
/* Closes every session. */
void ftp_free(struct ftp *);

#endif
