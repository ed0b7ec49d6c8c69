/*
 * The FTP commands, one handler each, in a table indexed by verb.  What
 * every command goes through first is in ftp_exec(): known, allowed
 * before login or logged in, its argument present, no transfer running.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/eventlog.h"
#include "base/log.h"
#include "base/services.h"
#include "config/config.h"
#include "share/ftp_list.h"
#include "share/ftp_session.h"
#include "web/auth.h"
#include "web/guard.h"

typedef void (*ftp_handler)(struct ftp_session *, const struct ftp_cmd *);

static const char ftp_feat[] =
    "211-Features:\r\n"
    " AUTH TLS\r\n"
    " PBSZ\r\n"
    " PROT\r\n"
    " EPSV\r\n"
    " MDTM\r\n"
    " MLST type*;size*;modify*;perm*;\r\n"
    " REST STREAM\r\n"
    " SIZE\r\n"
    " TVFS\r\n"
    " UTF8\r\n"
    "211 End\r\n";

static const char ftp_help[] =
    "214-Commands (the share is read only):\r\n"
    " ABOR AUTH CDUP CWD EPSV FEAT HELP LIST MDTM MLSD MLST MODE NLST\r\n"
    " NOOP OPTS PASS PASV PBSZ PROT PWD QUIT REST RETR SIZE STRU SYST\r\n"
    " TYPE USER\r\n"
    "214 Help OK\r\n";

static int
ftp_require_tls(const struct ftp_session *s)
{
	return s->srv->d->cfg->ftp.require_tls;
}

/*
 * A path named by the client, normalised into out: 0, or -1 with the
 * 550 sent.
 */
static int
ftp_resolve(struct ftp_session *s, const char *arg, char *out, size_t size)
{
	int e;

	if ((e = ftp_path_join(s->cwd, arg, out, size)) != FTP_PATH_OK) {
		log_info("ftp: %s: path refused: %s", s->who,
		    ftp_path_error(e));
		ftp_reply(s, 550, "%s", ftp_path_error(e));
		return -1;
	}
	return 0;
}

/* Open a normalised path of the share: a descriptor, or -1 with 550 sent. */
static int
ftp_open(struct ftp_session *s, const char *path, struct stat *st)
{
	char root[PATH_MAX];
	int fd;

	ftp_root(s, root, sizeof(root));
	if ((fd = ftp_path_open(root, path, st)) != -1)
		return fd;
	switch (errno) {
	case ENOENT:
		ftp_reply(s, 550, "No such file or folder");
		break;
	case ELOOP:
		log_info("ftp: %s: %s: a symbolic link: refused", s->who,
		    path);
		ftp_reply(s, 550, "Symbolic links are not followed");
		break;
	case ENOTDIR:
		ftp_reply(s, 550, "Not a folder");
		break;
	default:
		log_warn("ftp: %s: %s", s->who, path);
		ftp_reply(s, 550, "Cannot open it");
		break;
	}
	return -1;
}

/* A path in a 257 reply: quotes doubled, as RFC 959 has it. */
static void
ftp_quote_path(const char *path, char *out, size_t size)
{
	size_t n = 0;

	for (; *path != '\0' && n + 3 < size; path++) {
		if (*path == '"')
			out[n++] = '"';
		out[n++] = *path;
	}
	out[n] = '\0';
}

static void
ftp_do_user(struct ftp_session *s, const struct ftp_cmd *c)
{
	if (ftp_require_tls(s) && !s->tls) {
		ftp_reply(s, 530, "This server requires TLS: send AUTH TLS "
		    "first (FTPS, explicit)");
		return;
	}
	if (s->profile != -1) {
		ftp_reply(s, 503, "Already logged in");
		return;
	}
	snprintf(s->user_name, sizeof(s->user_name), "%s", c->arg);
	s->user = auth_profile_parse(c->arg);
	s->user_given = 1;
	ftp_reply(s, 331, "Send the profile's PIN");
}

/* The refusal of a PIN auth_login did not accept. */
static void
ftp_pin_refused(struct ftp_session *s, int profile, enum auth_result r,
    int left)
{
	struct guard *guard = s->srv->d->guard;
	const char *name = auth_profile_name(profile);

	if (r == AUTH_WRONG || r == AUTH_LOCKED)
		guard_failed(guard, (struct sockaddr *)&s->peer, clock_wall());
	auth_event(s->srv->d->events, r, profile,
	    (struct sockaddr *)&s->peer, "ftp", "PIN", left);
	switch (r) {
	case AUTH_WRONG:
		log_warnx("ftp: %s: wrong PIN for profile %s, %d %s left",
		    s->who, name, left, auth_tries(left));
		ftp_reply(s, 530, "Wrong PIN: %d %s left before the profile "
		    "locks", left, auth_tries(left));
		break;
	case AUTH_LOCKED:
		log_warnx("ftp: %s: profile %s is locked after %d wrong PINs",
		    s->who, name, AUTH_PIN_TRIES);
		ftp_reply(s, 530, "Profile %s is locked after %d wrong PINs: "
		    "unlock it with its PUK in the web pages", name,
		    AUTH_PIN_TRIES);
		break;
	default:
		log_warnx("ftp: %s: profile %s: the profiles could not be "
		    "saved", s->who, name);
		ftp_reply(s, 530, "The profiles could not be saved: try again");
		break;
	}
}

static void
ftp_do_pass(struct ftp_session *s, const struct ftp_cmd *c)
{
	struct services *d = s->srv->d;
	char root[PATH_MAX];
	enum auth_result r;
	int profile = s->user, left = 0, wait;

	if (ftp_require_tls(s) && !s->tls) {
		ftp_reply(s, 530, "This server requires TLS: send AUTH TLS "
		    "first (FTPS, explicit)");
		return;
	}
	if (s->profile != -1) {
		ftp_reply(s, 503, "Already logged in");
		return;
	}
	if (!s->user_given) {
		ftp_reply(s, 503, "Send USER first");
		return;
	}
	s->user_given = 0;
	if (d->auth == NULL || d->guard == NULL) {
		ftp_reply(s, 530, "Logins are not possible: the profiles "
		    "cannot be read");
		return;
	}
	if (profile == -1) {
		log_warnx("ftp: %s: login refused: no profile \"%s\"", s->who,
		    s->user_name);
		ftp_reply(s, 530, "No such profile: administrator, installer "
		    "or user");
		return;
	}
	if ((wait = guard_check(d->guard, (struct sockaddr *)&s->peer,
	    clock_wall())) > 0) {
		log_warnx("ftp: %s: login refused: too many failures from "
		    "this address", s->who);
		ftp_reply(s, 530, "Too many failed attempts from this address: "
		    "wait %d s", wait);
		return;
	}
	if ((r = auth_login(d->auth, profile, c->arg, &left)) != AUTH_OK) {
		ftp_pin_refused(s, profile, r, left);
		return;
	}
	if (auth_must_change(d->auth, profile)) {
		log_warnx("ftp: %s: login refused: profile %s still has its "
		    "default PIN", s->who, auth_profile_name(profile));
		ftp_reply(s, 530, "Profile %s still has its default PIN: "
		    "change it in the web pages first",
		    auth_profile_name(profile));
		return;
	}
	guard_succeeded(d->guard, (struct sockaddr *)&s->peer);
	ftp_logged_in(s, profile);
	auth_event(s->srv->d->events, AUTH_OK, profile,
	    (struct sockaddr *)&s->peer, s->tls ? "ftp over TLS" : "ftp",
	    "PIN", 0);
	log_info("ftp: %s: logged in%s", s->who, s->tls ? " over TLS" : "");
	/* Before the first CSV file, the share is there, empty. */
	ftp_root(s, root, sizeof(root));
	if (mkdir(root, 0700) == -1 && errno != EEXIST)
		log_warn("ftp: %s", root);
	ftp_reply(s, 230, "Logged in as %s, read only",
	    auth_profile_name(profile));
}

static void
ftp_do_auth(struct ftp_session *s, const struct ftp_cmd *c)
{
	if (strcasecmp(c->arg, "TLS") != 0 && strcasecmp(c->arg, "TLS-C") !=
	    0 && strcasecmp(c->arg, "SSL") != 0) {
		ftp_reply(s, 504, "Only AUTH TLS is offered");
		return;
	}
	if (s->tls) {
		ftp_reply(s, 503, "Already in TLS");
		return;
	}
	if (s->profile != -1) {
		ftp_reply(s, 503, "AUTH TLS comes before the login");
		return;
	}
	if (s->srv->d->tls == NULL) {
		ftp_reply(s, 431, "TLS is not available: the box has no "
		    "usable certificate");
		return;
	}
	ftp_start_tls(s);
}

static void
ftp_do_pbsz(struct ftp_session *s, const struct ftp_cmd *c)
{
	(void)c;
	if (!s->tls) {
		ftp_reply(s, 503, "PBSZ comes after AUTH TLS");
		return;
	}
	ftp_reply(s, 200, "PBSZ=0");
}

static void
ftp_do_prot(struct ftp_session *s, const struct ftp_cmd *c)
{
	if (!s->tls) {
		ftp_reply(s, 503, "PROT comes after AUTH TLS");
		return;
	}
	if (strcasecmp(c->arg, "P") == 0) {
		s->prot_private = 1;
		ftp_reply(s, 200, "Data connections in TLS");
	} else if (strcasecmp(c->arg, "C") == 0) {
		if (ftp_require_tls(s)) {
			ftp_reply(s, 534, "Data connections in the clear are "
			    "refused here");
			return;
		}
		s->prot_private = 0;
		ftp_reply(s, 200, "Data connections in the clear");
	} else if (strcasecmp(c->arg, "S") == 0 ||
	    strcasecmp(c->arg, "E") == 0)
		ftp_reply(s, 536, "Only PROT P and PROT C are offered");
	else
		ftp_reply(s, 504, "Unknown protection level");
}

static void
ftp_do_pwd(struct ftp_session *s, const struct ftp_cmd *c)
{
	char quoted[2 * FTP_PATH_MAX + 1];

	(void)c;
	ftp_quote_path(s->cwd, quoted, sizeof(quoted));
	ftp_reply(s, 257, "\"%s\" is the current folder", quoted);
}

static void
ftp_change_dir(struct ftp_session *s, const char *arg)
{
	char path[FTP_PATH_MAX + 1];
	struct stat st;
	int fd;

	if (ftp_resolve(s, arg, path, sizeof(path)) == -1 ||
	    (fd = ftp_open(s, path, &st)) == -1)
		return;
	close(fd);
	if (!S_ISDIR(st.st_mode)) {
		ftp_reply(s, 550, "Not a folder");
		return;
	}
	memcpy(s->cwd, path, strlen(path) + 1);
	ftp_reply(s, 250, "The current folder is now %s", path);
}

static void
ftp_do_cwd(struct ftp_session *s, const struct ftp_cmd *c)
{
	ftp_change_dir(s, c->arg);
}

static void
ftp_do_cdup(struct ftp_session *s, const struct ftp_cmd *c)
{
	(void)c;
	ftp_change_dir(s, "..");
}

/* A regular file of the share, open: -1 with the reply sent. */
static int
ftp_open_file(struct ftp_session *s, const char *arg, char *path,
    struct stat *st)
{
	int fd;

	if (ftp_resolve(s, arg, path, FTP_PATH_MAX + 1) == -1 ||
	    (fd = ftp_open(s, path, st)) == -1)
		return -1;
	if (!S_ISREG(st->st_mode)) {
		close(fd);
		ftp_reply(s, 550, "Not a file");
		return -1;
	}
	return fd;
}

static void
ftp_do_size(struct ftp_session *s, const struct ftp_cmd *c)
{
	char path[FTP_PATH_MAX + 1];
	struct stat st;
	int fd;

	if ((fd = ftp_open_file(s, c->arg, path, &st)) == -1)
		return;
	close(fd);
	ftp_reply(s, 213, "%lld", (long long)st.st_size);
}

static void
ftp_do_mdtm(struct ftp_session *s, const struct ftp_cmd *c)
{
	char path[FTP_PATH_MAX + 1], when[16];
	struct stat st;
	int fd;

	if ((fd = ftp_open_file(s, c->arg, path, &st)) == -1)
		return;
	close(fd);
	ftp_list_time(st.st_mtime, when, sizeof(when));
	ftp_reply(s, 213, "%s", when);
}

static void
ftp_do_rest(struct ftp_session *s, const struct ftp_cmd *c)
{
	long long v;

	if (ftp_cmd_offset(c->arg, &v) == -1) {
		ftp_reply(s, 501, "REST takes a byte offset");
		return;
	}
	s->rest = v;
	ftp_reply(s, 350, "Restarting at %lld: send RETR", v);
}

/*
 * What every transfer needs before a file is opened: a passive
 * connection asked for, and PROT P where TLS is required.  0, or -1 with
 * the reply sent.
 */
static int
ftp_data_ready(struct ftp_session *s)
{
	if (s->pasv == NULL && s->data_fd == -1) {
		ftp_reply(s, 425, "Send PASV or EPSV first");
		return -1;
	}
	if (ftp_require_tls(s) && !s->prot_private) {
		ftp_reply(s, 521, "Data connections must be protected: send "
		    "PBSZ 0 and PROT P");
		return -1;
	}
	return 0;
}

static void
ftp_do_retr(struct ftp_session *s, const struct ftp_cmd *c)
{
	char path[FTP_PATH_MAX + 1], what[FTP_PATH_MAX + 8];
	char detail[FTP_PATH_MAX + 48];
	struct ftp_source src = { -1, 0, 0, NULL };
	struct stat st;
	long long rest = s->rest;

	s->rest = 0;
	if (ftp_data_ready(s) == -1 ||
	    (src.fd = ftp_open_file(s, c->arg, path, &st)) == -1)
		return;
	if (rest > st.st_size) {
		close(src.fd);
		ftp_reply(s, 554, "REST offset %lld is past the end of the "
		    "file (%lld bytes)", rest, (long long)st.st_size);
		return;
	}
	src.pos = rest;
	src.end = st.st_size;
	snprintf(what, sizeof(what), "RETR %s", path);
	snprintf(detail, sizeof(detail), "%s (%lld bytes)", path,
	    (long long)(st.st_size - rest));
	ftp_transfer(s, src, what, detail);
}

/* LIST and NLST take ls options ("-la") before the path: skipped. */
static const char *
ftp_list_arg(const char *arg)
{
	while (arg[0] == '-') {
		arg += strcspn(arg, " ");
		arg += strspn(arg, " ");
	}
	return arg;
}

static void
ftp_listing(struct ftp_session *s, const char *verb, const char *arg,
    enum ftp_list_format format)
{
	char path[FTP_PATH_MAX + 1], parent[FTP_PATH_MAX + 1];
	char what[FTP_PATH_MAX + 8];
	struct ftp_source src = { -1, 0, 0, NULL };
	const char *only = NULL;
	struct stat st;
	int fd;

	if (ftp_data_ready(s) == -1 ||
	    ftp_resolve(s, arg, path, sizeof(path)) == -1 ||
	    (fd = ftp_open(s, path, &st)) == -1)
		return;
	if (!S_ISDIR(st.st_mode)) {
		close(fd);
		if (format == FTP_LIST_FACTS) {
			ftp_reply(s, 501, "MLSD lists folders: use MLST for a "
			    "file");
			return;
		}
		/* A file: its folder's listing, with it alone. */
		if (ftp_path_join(path, "..", parent, sizeof(parent)) !=
		    FTP_PATH_OK || (fd = ftp_open(s, parent, &st)) == -1)
			return;
		only = ftp_path_base(path);
	}
	if ((src.list = ftp_list_new(fd, format, only)) == NULL) {
		log_warn("ftp: %s: %s", s->who, path);
		ftp_reply(s, 451, "Cannot read the folder");
		return;
	}
	snprintf(what, sizeof(what), "%s %s", verb, path);
	ftp_transfer(s, src, what, path);
}

static void
ftp_do_list(struct ftp_session *s, const struct ftp_cmd *c)
{
	ftp_listing(s, "LIST", ftp_list_arg(c->arg), FTP_LIST_LONG);
}

static void
ftp_do_nlst(struct ftp_session *s, const struct ftp_cmd *c)
{
	ftp_listing(s, "NLST", ftp_list_arg(c->arg), FTP_LIST_NAMES);
}

static void
ftp_do_mlsd(struct ftp_session *s, const struct ftp_cmd *c)
{
	ftp_listing(s, "MLSD", c->arg, FTP_LIST_FACTS);
}

static void
ftp_do_mlst(struct ftp_session *s, const struct ftp_cmd *c)
{
	char path[FTP_PATH_MAX + 1], facts[FTP_LIST_FACTS_MAX];
	char text[2 * FTP_PATH_MAX + FTP_LIST_FACTS_MAX + 32];
	struct stat st;
	int fd;

	if (ftp_resolve(s, c->arg, path, sizeof(path)) == -1 ||
	    (fd = ftp_open(s, path, &st)) == -1)
		return;
	close(fd);
	if (ftp_list_facts(&st, facts, sizeof(facts)) == -1) {
		ftp_reply(s, 550, "Cannot describe it");
		return;
	}
	snprintf(text, sizeof(text), "250-Listing %s\r\n %s%s\r\n250 End\r\n",
	    path, facts, path);
	ftp_reply_raw(s, text);
}

static void
ftp_do_pasv(struct ftp_session *s, const struct ftp_cmd *c)
{
	(void)c;
	ftp_passive(s, 0);
}

static void
ftp_do_epsv(struct ftp_session *s, const struct ftp_cmd *c)
{
	int v6 = s->local.ss_family == AF_INET6 &&
	    !IN6_IS_ADDR_V4MAPPED(&((struct sockaddr_in6 *)&s->local)->
	    sin6_addr);

	if (strcasecmp(c->arg, "ALL") == 0) {
		ftp_reply(s, 200, "EPSV ALL: passive connections only, as "
		    "always here");
		return;
	}
	if (c->arg[0] != '\0' && strcmp(c->arg, v6 ? "2" : "1") != 0) {
		ftp_reply(s, 522, "Network protocol not supported, use (%d)",
		    v6 ? 2 : 1);
		return;
	}
	ftp_passive(s, 1);
}

static void
ftp_do_port(struct ftp_session *s, const struct ftp_cmd *c)
{
	(void)c;
	ftp_reply(s, 502, "Active mode is not offered: use PASV or EPSV");
}

static void
ftp_do_type(struct ftp_session *s, const struct ftp_cmd *c)
{
	if (strcasecmp(c->arg, "A") == 0 || strcasecmp(c->arg, "A N") == 0 ||
	    strcasecmp(c->arg, "I") == 0 || strcasecmp(c->arg, "L 8") == 0)
		ftp_reply(s, 200, "Type set to %c (files are sent as they "
		    "are: CSV with CRLF line ends)", c->arg[0] == 'L' ||
		    c->arg[0] == 'l' ? 'I' : (char)(c->arg[0] & ~0x20));
	else
		ftp_reply(s, 504, "Only TYPE A and TYPE I");
}

static void
ftp_do_mode(struct ftp_session *s, const struct ftp_cmd *c)
{
	if (strcasecmp(c->arg, "S") == 0)
		ftp_reply(s, 200, "Mode S");
	else
		ftp_reply(s, 504, "Only MODE S (stream)");
}

static void
ftp_do_stru(struct ftp_session *s, const struct ftp_cmd *c)
{
	if (strcasecmp(c->arg, "F") == 0)
		ftp_reply(s, 200, "Structure F");
	else
		ftp_reply(s, 504, "Only STRU F (file)");
}

static void
ftp_do_feat(struct ftp_session *s, const struct ftp_cmd *c)
{
	(void)c;
	ftp_reply_raw(s, ftp_feat);
}

static void
ftp_do_help(struct ftp_session *s, const struct ftp_cmd *c)
{
	(void)c;
	ftp_reply_raw(s, ftp_help);
}

static void
ftp_do_syst(struct ftp_session *s, const struct ftp_cmd *c)
{
	(void)c;
	ftp_reply(s, 215, "UNIX Type: L8");
}

static void
ftp_do_noop(struct ftp_session *s, const struct ftp_cmd *c)
{
	(void)c;
	ftp_reply(s, 200, "OK");
}

static void
ftp_do_opts(struct ftp_session *s, const struct ftp_cmd *c)
{
	if (strncasecmp(c->arg, "UTF8", 4) == 0 && (c->arg[4] == '\0' ||
	    c->arg[4] == ' '))
		ftp_reply(s, 200, "UTF-8 is always on");
	else if (strncasecmp(c->arg, "MLST ", 5) == 0)
		ftp_reply(s, 200, "MLST OPTS type;size;modify;perm;");
	else
		ftp_reply(s, 501, "Unknown option");
}

static void
ftp_do_abor(struct ftp_session *s, const struct ftp_cmd *c)
{
	(void)c;
	if (ftp_abort(s)) {
		log_info("ftp: %s: %s: aborted by the client", s->who,
		    s->what);
		ftp_reply(s, 426, "Transfer aborted");
		ftp_reply(s, 226, "ABOR done");
	} else
		ftp_reply(s, 225, "No transfer to abort");
}

static void
ftp_do_quit(struct ftp_session *s, const struct ftp_cmd *c)
{
	(void)c;
	ftp_reply_close(s, 221, "Goodbye", "QUIT");
}

static void
ftp_do_write(struct ftp_session *s, const struct ftp_cmd *c)
{
	log_info("ftp: %s: %s refused: the share is read only", s->who,
	    c->name);
	ftp_reply(s, 550, "%s: the share is read only", c->name);
}

static const ftp_handler ftp_handlers[FTP_UNKNOWN] = {
	[FTP_ABOR] = ftp_do_abor,
	[FTP_AUTH] = ftp_do_auth,
	[FTP_CDUP] = ftp_do_cdup,
	[FTP_CWD] = ftp_do_cwd,
	[FTP_EPSV] = ftp_do_epsv,
	[FTP_FEAT] = ftp_do_feat,
	[FTP_HELP] = ftp_do_help,
	[FTP_LIST] = ftp_do_list,
	[FTP_MDTM] = ftp_do_mdtm,
	[FTP_MLSD] = ftp_do_mlsd,
	[FTP_MLST] = ftp_do_mlst,
	[FTP_MODE] = ftp_do_mode,
	[FTP_NLST] = ftp_do_nlst,
	[FTP_NOOP] = ftp_do_noop,
	[FTP_OPTS] = ftp_do_opts,
	[FTP_PASS] = ftp_do_pass,
	[FTP_PASV] = ftp_do_pasv,
	[FTP_PBSZ] = ftp_do_pbsz,
	[FTP_PORT] = ftp_do_port,
	[FTP_PROT] = ftp_do_prot,
	[FTP_PWD] = ftp_do_pwd,
	[FTP_QUIT] = ftp_do_quit,
	[FTP_REST] = ftp_do_rest,
	[FTP_RETR] = ftp_do_retr,
	[FTP_SIZE] = ftp_do_size,
	[FTP_STRU] = ftp_do_stru,
	[FTP_SYST] = ftp_do_syst,
	[FTP_TYPE] = ftp_do_type,
	[FTP_USER] = ftp_do_user,
	[FTP_WRITE] = ftp_do_write,
};

void
ftp_exec(struct ftp_session *s, const struct ftp_cmd *c)
{
	if (c->verb == FTP_UNKNOWN) {
		ftp_reply(s, 502, "%s: not implemented", c->name);
		return;
	}
	if ((s->data != NULL || s->has_pending) && c->verb != FTP_ABOR &&
	    c->verb != FTP_NOOP && c->verb != FTP_QUIT) {
		ftp_reply(s, 503, "A transfer is running: wait for it or send "
		    "ABOR");
		return;
	}
	if (s->profile == -1 && !(c->flags & FTP_CMD_ANON)) {
		ftp_reply(s, 530, "Log in first (USER and PASS)");
		return;
	}
	if ((c->flags & FTP_CMD_ARG) && c->arg[0] == '\0') {
		ftp_reply(s, 501, "%s needs an argument", c->name);
		return;
	}
	ftp_handlers[c->verb](s, c);
}
