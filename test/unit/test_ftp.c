/*
 * The FTP server's pure parts: command lines (core/share/ftp_cmd.c), paths of
 * the share (core/share/ftp_path.c, the disk part on a folder made here) and
 * listing lines (core/share/ftp_list.c).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include <errno.h>

#include "share/ftp_cmd.h"
#include "share/ftp_list.h"
#include "share/ftp_path.h"

static enum ftp_parse
parse(const char *line, struct ftp_cmd *c)
{
	return ftp_cmd_parse(line, strlen(line), c);
}

static void
test_cmd_verbs(void **state)
{
	struct ftp_cmd c;

	(void)state;
	assert_int_equal(parse("USER user", &c), FTP_PARSE_OK);
	assert_int_equal(c.verb, FTP_USER);
	assert_string_equal(c.arg, "user");
	assert_true(c.flags & FTP_CMD_ANON);
	/* Any case; the X forms of RFC 775. */
	assert_int_equal(parse("retr /a b.csv", &c), FTP_PARSE_OK);
	assert_int_equal(c.verb, FTP_RETR);
	assert_string_equal(c.name, "RETR");
	assert_string_equal(c.arg, "/a b.csv");
	assert_int_equal(parse("XPWD", &c), FTP_PARSE_OK);
	assert_int_equal(c.verb, FTP_PWD);
	assert_string_equal(c.arg, "");
	/* The argument is kept as sent, leading space included. */
	assert_int_equal(parse("CWD  x", &c), FTP_PARSE_OK);
	assert_string_equal(c.arg, " x");
	/* Every writer is one verb, answered alike. */
	assert_int_equal(parse("STOR x", &c), FTP_PARSE_OK);
	assert_int_equal(c.verb, FTP_WRITE);
	assert_int_equal(parse("dele x", &c), FTP_PARSE_OK);
	assert_int_equal(c.verb, FTP_WRITE);
	assert_int_equal(parse("SITE CHMOD 777 x", &c), FTP_PARSE_OK);
	assert_int_equal(c.verb, FTP_WRITE);
	assert_int_equal(parse("EPRT |1|1.2.3.4|5|", &c), FTP_PARSE_OK);
	assert_int_equal(c.verb, FTP_PORT);
	assert_int_equal(parse("XYZ", &c), FTP_PARSE_OK);
	assert_int_equal(c.verb, FTP_UNKNOWN);
	assert_string_equal(c.name, "XYZ");
}

static void
test_cmd_refused(void **state)
{
	char line[FTP_LINE_MAX + 2];
	struct ftp_cmd c;

	(void)state;
	assert_int_equal(parse("", &c), FTP_PARSE_EMPTY);
	assert_int_equal(parse("ABORT", &c), FTP_PARSE_SYNTAX);
	assert_int_equal(parse(" NOOP", &c), FTP_PARSE_SYNTAX);
	assert_int_equal(parse("NO1P", &c), FTP_PARSE_SYNTAX);
	assert_int_equal(parse("\xff\xf4NOOP", &c), FTP_PARSE_SYNTAX);
	assert_int_equal(ftp_cmd_parse("RETR a\0b", 8, &c), FTP_PARSE_NUL);
	memset(line, 'x', sizeof(line) - 1);
	line[sizeof(line) - 1] = '\0';
	memcpy(line, "RETR ", 5);
	assert_int_equal(parse(line, &c), FTP_PARSE_LONG);
	line[FTP_LINE_MAX] = '\0';
	assert_int_equal(parse(line, &c), FTP_PARSE_OK);
	assert_int_equal(c.arglen, FTP_LINE_MAX - 5);
}

static void
test_cmd_offset(void **state)
{
	long long v = -1;

	(void)state;
	assert_int_equal(ftp_cmd_offset("0", &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(ftp_cmd_offset("1234567", &v), 0);
	assert_int_equal(v, 1234567);
	assert_int_equal(ftp_cmd_offset("999999999999999999", &v), 0);
	assert_int_equal(ftp_cmd_offset("1000000000000000000", &v), -1);
	assert_int_equal(ftp_cmd_offset("-1", &v), -1);
	assert_int_equal(ftp_cmd_offset("12a", &v), -1);
	assert_int_equal(ftp_cmd_offset("", &v), -1);
	assert_int_equal(ftp_cmd_offset(" 1", &v), -1);
}

static void
expect_join(const char *cwd, const char *arg, int rc, const char *want)
{
	char out[FTP_PATH_MAX + 1];

	assert_int_equal(ftp_path_join(cwd, arg, out, sizeof(out)), rc);
	if (want != NULL)
		assert_string_equal(out, want);
}

static void
test_path_join(void **state)
{
	char name[FTP_NAME_MAX + 2], path[FTP_PATH_MAX + 64];
	int i;

	(void)state;
	expect_join("/", "", FTP_PATH_OK, "/");
	expect_join("/a/b", "", FTP_PATH_OK, "/a/b");
	expect_join("/a", "b/c.csv", FTP_PATH_OK, "/a/b/c.csv");
	expect_join("/a", "/x", FTP_PATH_OK, "/x");
	expect_join("/a/b", "..", FTP_PATH_OK, "/a");
	expect_join("/a/b", "../..", FTP_PATH_OK, "/");
	expect_join("/a", ".//./b/", FTP_PATH_OK, "/a/b");
	expect_join("/", "a/../b", FTP_PATH_OK, "/b");
	expect_join("/", "...", FTP_PATH_OK, "/...");
	expect_join("/", "d\xc3\xa9j\xc3\xa0.csv", FTP_PATH_OK,
	    "/d\xc3\xa9j\xc3\xa0.csv");
	expect_join("/", "\xf0\x9f\x94\x8c", FTP_PATH_OK, "/\xf0\x9f\x94\x8c");
	/* Above the root: refused, never clamped. */
	expect_join("/", "..", FTP_PATH_OUTSIDE, NULL);
	expect_join("/a", "../..", FTP_PATH_OUTSIDE, NULL);
	expect_join("/a", "/../etc/passwd", FTP_PATH_OUTSIDE, NULL);
	expect_join("/a/b", "x/../../../..", FTP_PATH_OUTSIDE, NULL);
	/* Not UTF-8, or control characters. */
	expect_join("/", "a\x01", FTP_PATH_NAME, NULL);
	expect_join("/", "a\x7f", FTP_PATH_NAME, NULL);
	expect_join("/", "a\r\nb", FTP_PATH_NAME, NULL);
	expect_join("/", "\xc3", FTP_PATH_NAME, NULL);
	expect_join("/", "\xc0\xaf", FTP_PATH_NAME, NULL);	/* overlong */
	expect_join("/", "\xe0\x80\xaf", FTP_PATH_NAME, NULL);
	expect_join("/", "\xed\xa0\x80", FTP_PATH_NAME, NULL);	/* surrogate */
	expect_join("/", "\xf4\x90\x80\x80", FTP_PATH_NAME, NULL);
	expect_join("/", "\xc2\x85", FTP_PATH_NAME, NULL);	/* C1 NEL */
	expect_join("/", "\xff", FTP_PATH_NAME, NULL);
	/* Lengths: a name, then the whole path. */
	memset(name, 'n', sizeof(name) - 1);
	name[FTP_NAME_MAX] = '\0';
	expect_join("/", name, FTP_PATH_OK, NULL);
	name[FTP_NAME_MAX] = 'n';
	name[FTP_NAME_MAX + 1] = '\0';
	expect_join("/", name, FTP_PATH_LONG, NULL);
	path[0] = '\0';
	for (i = 0; i < 130; i++)
		strcat(path, "/abcdefg");
	expect_join("/", path, FTP_PATH_LONG, NULL);
}

static char root[] = "/tmp/mews-test-ftp.XXXXXX";

static void
mk(const char *rel, const char *content)
{
	char p[256];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", root, rel);
	assert_non_null(f = fopen(p, "w"));
	fputs(content, f);
	fclose(f);
}

static int
open_path(const char *path, struct stat *st)
{
	int fd = ftp_path_open(root, path, st);

	if (fd != -1)
		close(fd);
	return fd == -1 ? errno : 0;
}

static void
test_path_open(void **state)
{
	char p[256];
	struct stat st;

	(void)state;
	assert_non_null(mkdtemp(root));
	snprintf(p, sizeof(p), "%s/dev", root);
	assert_int_equal(mkdir(p, 0700), 0);
	mk("dev/a.csv", "x;y\r\n");
	mk("dev/notes.txt", "no\r\n");
	mk("dev/.h.csv", "no\r\n");
	mk("dev/b.csv.Xy12Ab", "no\r\n");
	snprintf(p, sizeof(p), "%s/dev/link.csv", root);
	assert_int_equal(symlink("/etc/passwd", p), 0);
	snprintf(p, sizeof(p), "%s/up", root);
	assert_int_equal(symlink("/etc", p), 0);
	snprintf(p, sizeof(p), "%s/dev/in.csv", root);
	assert_int_equal(symlink("a.csv", p), 0);
	snprintf(p, sizeof(p), "%s/dev/fifo.csv", root);
	assert_int_equal(mkfifo(p, 0600), 0);

	assert_int_equal(open_path("/", &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(open_path("/dev/a.csv", &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(st.st_size, 5);
	/* A link is never followed, even to a file inside the share. */
	assert_int_equal(open_path("/dev/link.csv", &st), ELOOP);
	assert_int_equal(open_path("/dev/in.csv", &st), ELOOP);
	assert_int_equal(open_path("/up/passwd", &st), ELOOP);
	assert_int_equal(open_path("/up", &st), ELOOP);
	/* What the share does not show does not exist. */
	assert_int_equal(open_path("/dev/notes.txt", &st), ENOENT);
	assert_int_equal(open_path("/dev/.h.csv", &st), ENOENT);
	assert_int_equal(open_path("/dev/b.csv.Xy12Ab", &st), ENOENT);
	assert_int_equal(open_path("/dev/fifo.csv", &st), ENOENT);
	assert_int_equal(open_path("/dev/none.csv", &st), ENOENT);
	assert_int_equal(open_path("/dev/a.csv/x", &st), ENOTDIR);
	assert_string_equal(ftp_path_base("/dev/a.csv"), "a.csv");
	assert_string_equal(ftp_path_base("/"), "");
	snprintf(p, sizeof(p), "rm -rf '%s'", root);
	assert_int_equal(system(p), 0);
}

static void
test_list_lines(void **state)
{
	char out[FTP_LIST_LINE_MAX], facts[FTP_LIST_FACTS_MAX];
	struct stat st;
	time_t now = 1795000000;	/* 2026-11-18 */

	(void)state;
	memset(&st, 0, sizeof(st));
	st.st_mode = S_IFREG | 0600;
	st.st_size = 123456;
	st.st_nlink = 1;
	st.st_mtime = 1794900000;	/* 2026-11-17 07:20:00 UTC */
	ftp_list_time(st.st_mtime, out, sizeof(out));
	assert_string_equal(out, "20261117072000");
	assert_true(ftp_list_line(FTP_LIST_LONG, "a.csv", &st, now, out,
	    sizeof(out)) > 0);
	assert_string_equal(out, "-r--r--r--   1 mews     mews     "
	    "      123456 Nov 17 07:20 a.csv\r\n");
	/* Older than six months: the year, as ls shows it. */
	st.st_mtime = 1700000000;	/* 2023-11-14 */
	ftp_list_line(FTP_LIST_LONG, "a.csv", &st, now, out, sizeof(out));
	assert_non_null(strstr(out, " Nov 14  2023 a.csv\r\n"));
	assert_int_equal(ftp_list_line(FTP_LIST_NAMES, "a.csv", &st, now, out,
	    sizeof(out)), 7);
	assert_string_equal(out, "a.csv\r\n");
	ftp_list_line(FTP_LIST_FACTS, "a.csv", &st, now, out, sizeof(out));
	assert_string_equal(out, "type=file;size=123456;modify=20231114221320;"
	    "perm=r; a.csv\r\n");
	st.st_mode = S_IFDIR | 0700;
	st.st_nlink = 3;
	assert_int_equal(ftp_list_facts(&st, facts, sizeof(facts)) > 0, 1);
	assert_string_equal(facts, "type=dir;modify=20231114221320;perm=el; ");
	ftp_list_line(FTP_LIST_LONG, "day", &st, now, out, sizeof(out));
	assert_int_equal(strncmp(out, "dr-xr-xr-x   3 ", 15), 0);
	/* A name no listing could carry, or a line too small. */
	assert_int_equal(ftp_list_line(FTP_LIST_NAMES, "a\r\nb", &st, now, out,
	    sizeof(out)), 0);
	assert_int_equal(ftp_list_line(FTP_LIST_NAMES, "abcdef", &st, now, out,
	    5), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cmd_verbs),
		cmocka_unit_test(test_cmd_refused),
		cmocka_unit_test(test_cmd_offset),
		cmocka_unit_test(test_path_join),
		cmocka_unit_test(test_path_open),
		cmocka_unit_test(test_list_lines),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
