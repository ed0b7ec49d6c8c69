#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "share/ftp_cmd.h"

struct ftp_cmd_entry {
	const char	*name;
	enum ftp_verb	 verb;
	unsigned	 flags;
};

/*
 * Sorted by name for bsearch.  The X forms are RFC 775's, which Windows'
 * ftp.exe still sends.  Every command that would write is FTP_WRITE, so
 * the server answers each of them the same way, read-only.
 */
static const struct ftp_cmd_entry ftp_cmds[] = {
	{ "ABOR", FTP_ABOR, FTP_CMD_ANON },
	{ "ALLO", FTP_WRITE, 0 },
	{ "APPE", FTP_WRITE, 0 },
	{ "AUTH", FTP_AUTH, FTP_CMD_ANON | FTP_CMD_ARG },
	{ "CDUP", FTP_CDUP, 0 },
	{ "CWD", FTP_CWD, FTP_CMD_ARG },
	{ "DELE", FTP_WRITE, 0 },
	{ "EPRT", FTP_PORT, 0 },
	{ "EPSV", FTP_EPSV, 0 },
	{ "FEAT", FTP_FEAT, FTP_CMD_ANON },
	{ "HELP", FTP_HELP, FTP_CMD_ANON },
	{ "LIST", FTP_LIST, 0 },
	{ "MDTM", FTP_MDTM, FTP_CMD_ARG },
	{ "MFCT", FTP_WRITE, 0 },
	{ "MFF", FTP_WRITE, 0 },
	{ "MFMT", FTP_WRITE, 0 },
	{ "MKD", FTP_WRITE, 0 },
	{ "MLSD", FTP_MLSD, 0 },
	{ "MLST", FTP_MLST, 0 },
	{ "MODE", FTP_MODE, FTP_CMD_ARG },
	{ "NLST", FTP_NLST, 0 },
	{ "NOOP", FTP_NOOP, FTP_CMD_ANON },
	{ "OPTS", FTP_OPTS, FTP_CMD_ANON | FTP_CMD_ARG },
	{ "PASS", FTP_PASS, FTP_CMD_ANON },
	{ "PASV", FTP_PASV, 0 },
	{ "PBSZ", FTP_PBSZ, FTP_CMD_ANON | FTP_CMD_ARG },
	{ "PORT", FTP_PORT, 0 },
	{ "PROT", FTP_PROT, FTP_CMD_ANON | FTP_CMD_ARG },
	{ "PWD", FTP_PWD, 0 },
	{ "QUIT", FTP_QUIT, FTP_CMD_ANON },
	{ "REST", FTP_REST, FTP_CMD_ARG },
	{ "RETR", FTP_RETR, FTP_CMD_ARG },
	{ "RMD", FTP_WRITE, 0 },
	{ "RNFR", FTP_WRITE, 0 },
	{ "RNTO", FTP_WRITE, 0 },
	{ "SITE", FTP_WRITE, 0 },
	{ "SIZE", FTP_SIZE, FTP_CMD_ARG },
	{ "STOR", FTP_WRITE, 0 },
	{ "STOU", FTP_WRITE, 0 },
	{ "STRU", FTP_STRU, FTP_CMD_ARG },
	{ "SYST", FTP_SYST, FTP_CMD_ANON },
	{ "TYPE", FTP_TYPE, FTP_CMD_ARG },
	{ "USER", FTP_USER, FTP_CMD_ANON | FTP_CMD_ARG },
	{ "XCUP", FTP_CDUP, 0 },
	{ "XCWD", FTP_CWD, FTP_CMD_ARG },
	{ "XMKD", FTP_WRITE, 0 },
	{ "XPWD", FTP_PWD, 0 },
	{ "XRMD", FTP_WRITE, 0 },
};

static int
ftp_cmd_compare(const void *key, const void *elem)
{
	return strcmp(key, ((const struct ftp_cmd_entry *)elem)->name);
}

enum ftp_parse
ftp_cmd_parse(const char *line, size_t len, struct ftp_cmd *cmd)
{
	const struct ftp_cmd_entry *e;
	size_t n = 0;

	memset(cmd, 0, sizeof(*cmd));
	cmd->verb = FTP_UNKNOWN;
	cmd->arg = "";
	if (len > FTP_LINE_MAX)
		return FTP_PARSE_LONG;
	if (memchr(line, '\0', len) != NULL)
		return FTP_PARSE_NUL;
	if (len == 0)
		return FTP_PARSE_EMPTY;
	while (n < len && n < sizeof(cmd->name) - 1 &&
	    isalpha((unsigned char)line[n])) {
		cmd->name[n] = (char)toupper((unsigned char)line[n]);
		n++;
	}
	if (n == 0 || (n < len && line[n] != ' '))
		return FTP_PARSE_SYNTAX;
	if (n < len) {
		cmd->arg = line + n + 1;
		cmd->arglen = len - n - 1;
	}
	e = bsearch(cmd->name, ftp_cmds, sizeof(ftp_cmds) / sizeof(ftp_cmds[0]),
	    sizeof(ftp_cmds[0]), ftp_cmd_compare);
	if (e != NULL) {
		cmd->verb = e->verb;
		cmd->flags = e->flags;
	}
	return FTP_PARSE_OK;
}

int
ftp_cmd_offset(const char *arg, long long *out)
{
	size_t n = strlen(arg), i;
	long long v = 0;

	if (n == 0 || n > 18)
		return -1;
	for (i = 0; i < n; i++) {
		if (arg[i] < '0' || arg[i] > '9')
			return -1;
		v = v * 10 + (arg[i] - '0');
	}
	*out = v;
	return 0;
}
