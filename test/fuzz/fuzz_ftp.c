/*
 * An FTP client's control stream, cut into lines as the server does
 * (evbuffer_readln's CRLF or LF), each parsed as a command; path arguments
 * are taken from a current folder that CWD moves, as a session would, and
 * each result is checked: a normalised path never leaves the share's root
 * nor holds ".", "..", an empty name or a control character; a listing
 * line is whole.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "share/ftp_cmd.h"
#include "share/ftp_list.h"
#include "share/ftp_path.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_path(const char *p)
{
	const char *name = p + 1, *end;
	size_t n, i;

	if (p[0] != '/' || strlen(p) > FTP_PATH_MAX)
		abort();
	if (p[1] == '\0')
		return;
	for (; ; name = end + 1) {
		end = strchr(name, '/');
		n = end ? (size_t)(end - name) : strlen(name);
		if (n == 0 || n > FTP_NAME_MAX || (n == 1 && name[0] == '.') ||
		    (n == 2 && name[0] == '.' && name[1] == '.'))
			abort();
		for (i = 0; i < n; i++)
			if ((unsigned char)name[i] < 0x20 || name[i] == 0x7f)
				abort();
		if (end == NULL)
			break;
	}
}

static void
check_line(const char *arg)
{
	char out[FTP_LIST_LINE_MAX];
	struct stat st;
	size_t n;

	memset(&st, 0, sizeof(st));
	st.st_mode = S_IFREG;
	st.st_size = (off_t)strlen(arg);
	n = ftp_list_line(FTP_LIST_LONG, arg, &st, 0, out, sizeof(out));
	if (n > 0 && (n != strlen(out) || n < 2 || out[n - 2] != '\r' ||
	    out[n - 1] != '\n'))
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char cwd[FTP_PATH_MAX + 1] = "/", path[FTP_PATH_MAX + 1];
	char *line;
	struct ftp_cmd c;
	const uint8_t *nl;
	size_t at = 0, raw, len;
	long long off;

	while (at < size) {
		nl = memchr(data + at, '\n', size - at);
		raw = nl ? (size_t)(nl - (data + at)) : size - at;
		if ((line = malloc(raw + 1)) == NULL)
			return 0;
		memcpy(line, data + at, raw);
		len = raw > 0 && line[raw - 1] == '\r' ? raw - 1 : raw;
		line[len] = '\0';
		at += raw + (nl ? 1 : 0);
		if (ftp_cmd_parse(line, len, &c) == FTP_PARSE_OK) {
			if (c.name[0] == '\0' || strlen(c.name) > 4 ||
			    strlen(c.arg) != c.arglen || (c.arglen > 0 &&
			    (c.arg <= line || c.arg + c.arglen != line + len)))
				abort();
			if (ftp_path_join(cwd, c.arg, path, sizeof(path)) ==
			    FTP_PATH_OK) {
				check_path(path);
				check_line(ftp_path_base(path));
				if (c.verb == FTP_CWD)
					memcpy(cwd, path, strlen(path) + 1);
			}
			if (c.verb == FTP_REST &&
			    ftp_cmd_offset(c.arg, &off) == 0 && off < 0)
				abort();
		}
		free(line);
	}
	return 0;
}
