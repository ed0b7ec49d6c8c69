/*
 * FTP command lines, pure: a line (its CRLF removed) split into its verb,
 * looked up in the table of the verbs the server knows, and its argument.
 * No I/O, so the fuzzer drives it (test/fuzz/fuzz_ftp.c) and the unit
 * tests check it exhaustively.
 *
 * A verb is 1 to 4 letters, any case, then nothing or one space and the
 * argument (kept as sent: a file name may begin with a space).  A line
 * with a NUL or over FTP_LINE_MAX bytes is refused whole, never cut.
 */
#ifndef MEWS_FTP_CMD_H
#define MEWS_FTP_CMD_H

#include <stddef.h>

/* Long enough for any path the server accepts (FTP_PATH_MAX) and a verb. */
#define FTP_LINE_MAX	1100

enum ftp_verb {
	FTP_ABOR, FTP_AUTH, FTP_CDUP, FTP_CWD, FTP_EPSV, FTP_FEAT, FTP_HELP,
	FTP_LIST, FTP_MDTM, FTP_MLSD, FTP_MLST, FTP_MODE, FTP_NLST, FTP_NOOP,
	FTP_OPTS, FTP_PASS, FTP_PASV, FTP_PBSZ, FTP_PORT, FTP_PROT, FTP_PWD,
	FTP_QUIT, FTP_REST, FTP_RETR, FTP_SIZE, FTP_STRU, FTP_SYST, FTP_TYPE,
	FTP_USER, FTP_WRITE,	/* any command that would change a file */
	FTP_UNKNOWN
};

#define FTP_CMD_ANON	0x1	/* allowed before login */
#define FTP_CMD_ARG	0x2	/* needs an argument */

struct ftp_cmd {
	enum ftp_verb	 verb;
	unsigned	 flags;
	char		 name[5];	/* the verb as sent, upper case */
	const char	*arg;		/* into the line; "" when none */
	size_t		 arglen;
};

enum ftp_parse {
	FTP_PARSE_OK,
	FTP_PARSE_EMPTY,	/* a blank line: ignored */
	FTP_PARSE_SYNTAX,	/* not a verb */
	FTP_PARSE_NUL,		/* a NUL byte in the line */
	FTP_PARSE_LONG		/* over FTP_LINE_MAX */
};

/*
 * Parse line[0..len), which has a NUL at line[len] (evbuffer_readln's
 * lines do), into cmd; cmd->arg points into line and ends there.
 */
enum ftp_parse ftp_cmd_parse(const char *line, size_t len,
    struct ftp_cmd *cmd);

/*
 * A REST offset: decimal digits only, at most 18 of them.  0, or -1 when
 * it is not one.
 */
int ftp_cmd_offset(const char *arg, long long *out);

#endif
