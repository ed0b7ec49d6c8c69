#!/bin/sh
# The read-only FTP(S) server (issue 7): curl and Python's ftplib against
# mewsd over loopback.  Files are placed in state_dir/csv before the start
# (the server only reads): a 3 MB one, a small one, and what must never be
# served (a link to /etc/passwd, a link to /etc, a hidden file, the CSV
# writer's temporary name, a FIFO).  Logins are the web's profiles: three
# wrong PINs by FTP lock the profile for the web too.  Plain FTP is
# allowed here only because mews.conf says so (require_tls = false), which
# mewsd warns about; the system page then removes the setting, and the
# default, TLS required, applies at once (issue 15, item 7).
. "$(dirname "$0")/web_lib.sh"
helper() { /usr/bin/python3 "$(dirname "$0")/ftp.py" "$FTP_PORT" \
    "$STATE/tls/cert.pem" "$@"; }

FTP_PORT=$(free_port)
PASV=$(free_port)
IDLE=3
FTP_CONF="ftp = { listen = \"127.0.0.1\"; port = $FTP_PORT;
	passive_ports = [ $PASV, $((PASV + 19)) ]; max_sessions = 4;
	idle_timeout_s = $IDLE; require_tls = false; };"

DIR="$STATE/csv/archive/day"
mkdir -p "$DIR"
chmod -R 700 "$STATE"
/usr/bin/python3 -c 'import random, sys
r = random.Random(1)
sys.stdout.buffer.write(b"".join(b"2026-01-01T00:%02d:00+01:00;%d;%d,%03d\r\n"
    % (i % 60, 1767222000 + 60 * i, r.randrange(10000), r.randrange(1000))
    for i in range(80000)))' >"$DIR/2026-01-01.csv"
printf 'time;unix;power (W)\r\n' >"$DIR/2026-01-02.csv"
ln -s /etc/passwd "$DIR/evil.csv"
ln -s /etc "$STATE/csv/etc-link"
printf 'secret\r\n' >"$DIR/.hidden.csv"
printf 'half\r\n' >"$DIR/tmp.csv.Ab12Cd"
mkfifo "$DIR/fifo.csv"
BIG="$DIR/2026-01-01.csv"
diag "$(wc -c <"$BIG") bytes in $BIG"

web_up
check "it says it serves FTP" \
    grep -q "ftp: listening on 127.0.0.1 port $FTP_PORT" "$LOG"
WARNING="warning: ftp.require_tls = false: plain FTP is allowed, so PINs and the history files cross the network in clear"
check "require_tls = false is warned about at the start" \
    grep -q "$WARNING" "$LOG"
check "... and by mewsd -t" sh -c \
    "'$MEWSD' -t -c '$CONF' 2>&1 | grep -q '$WARNING'"
check "the user profile is commissioned in the web pages" \
    commission user 11111 24680

FTP="ftp://127.0.0.1:$FTP_PORT"
CURL="curl -sS --max-time 20 -u user:24680"
ftp() { $CURL "$@"; }

check "curl lists the root" sh -c "$CURL '$FTP/' | grep -q ' archive\$'"
ftp "$FTP/archive/day/" >"$TMP/list" 2>&1
check "curl lists the day folder in ls -l form" \
    grep -q '^-r--r--r-- .* 2026-01-01.csv' "$TMP/list"
check "links, hidden, temporary files and FIFOs are not listed" \
    sh -c "! grep -E 'evil|hidden|tmp.csv|fifo|etc-link' '$TMP/list'"
ftp -o "$TMP/got.csv" "$FTP/archive/day/2026-01-01.csv"
check "curl downloads the file byte for byte" cmp "$TMP/got.csv" "$BIG"
ftp --ssl-reqd --cacert "$STATE/tls/cert.pem" -o "$TMP/got-tls.csv" \
    "$FTP/archive/day/2026-01-01.csv"
check "curl --ssl-reqd downloads it byte for byte" \
    cmp "$TMP/got-tls.csv" "$BIG"
check "curl --ssl-reqd -k lists a folder" \
    sh -c "$CURL --ssl-reqd -k '$FTP/archive/' | grep -q ' day\$'"
head -c 1000000 "$BIG" >"$TMP/part.csv"
ftp -C - -o "$TMP/part.csv" "$FTP/archive/day/2026-01-01.csv"
check "curl resumes a partial download (REST)" cmp "$TMP/part.csv" "$BIG"

check "ftplib FTP_TLS with PROT P gets the file" \
    helper tls_get user 24680 /archive/day/2026-01-01.csv "$BIG"
check "ftplib resumes at byte 1234567 (REST)" \
    helper tls_get user 24680 /archive/day/2026-01-01.csv "$BIG" 1234567
check "MLSD, MLST, SIZE and MDTM agree with the file" \
    helper facts user 24680 /archive/day "$BIG"
check "every write command is answered 550" helper writes user 24680
check "paths out of the share, links, odd and long names are refused" \
    helper escapes user 24680 /archive/day
check "a 20 kB command line gets 500 and the session goes on" \
    helper long_line user 24680
check "a passive port taken from 127.0.0.2 is refused" \
    helper pasv_other user 24680
check "before login, only the login and harmless commands" \
    helper before_login
check "a profile on its default PIN may not log in" \
    helper refused administrator 99999 "default PIN"
check "an unknown profile is refused" helper refused nobody 12345 "profile"
check "three wrong PINs lock the installer profile" \
    helper wrong_pins installer 3
expect "the lock holds in the web pages too (423)" 423 POST /api/login \
    '{"profile":"installer","pin":"55555"}'
check "each refused login is logged" \
    grep -q "ftp: 127.0.0.1:[0-9]*: profile installer is locked" "$LOG"
check "logins are logged with the profile" \
    grep -q "ftp: 127.0.0.1:[0-9]* (user): logged in over TLS" "$LOG"
check "max_sessions: the fifth session is told 421" helper max_sessions 4
check "an idle session is closed after idle_timeout_s" \
    helper idle user 24680 "$IDLE"
helper garbage 8
check "after random bytes on the FTP port, FTP still serves" \
    sh -c "$CURL '$FTP/archive/' | grep -q ' day\$'"
check "and so does HTTPS" login user 24680

check "the administrator is commissioned" \
    commission administrator 99999 13579
call GET /api/system
check "the system settings show the FTP server's" [ "$(json \
    '[.ftp.require_tls, .ftp.max_sessions, .ftp.idle_timeout_s] | @csv')" \
    = "false,4,$IDLE" ]
expect "the system page removes require_tls = false" 200 PUT /api/system \
    '{"ftp":{"require_tls":null}}'
check "the default applies: TLS required" [ "$(json .ftp.require_tls)" = true ]
check "mews.conf no longer sets it" sh -c "! grep -q require_tls '$CONF'"
"$MEWSD" -t -c "$CONF" >"$TMP/t.out" 2>&1; rc=$?
check "mewsd -t accepts it (exit $rc) and no longer warns about FTP" \
    sh -c "[ $rc = 0 ] && ! grep -q 'ftp.require_tls' '$TMP/t.out'"
check "the default: the right PIN in the clear is refused (530, naming TLS), no data in the clear" \
    helper tls_required user 24680
ftp --ssl-reqd --cacert "$STATE/tls/cert.pem" -o "$TMP/got-tls2.csv" \
    "$FTP/archive/day/2026-01-01.csv"
check "curl --ssl-reqd downloads under require_tls" \
    cmp "$TMP/got-tls2.csv" "$BIG"
check "plain curl is refused under require_tls (530)" \
    sh -c "$CURL '$FTP/archive/' 2>&1 | grep -q 'Access denied: 530'"

check "no PIN in the log" sh -c "! grep -qE '24680|13579|00000' '$LOG'"
kill -TERM "$MEWSD_PID"
wait "$MEWSD_PID"; rc=$?
check "clean stop (exit $rc)" [ "$rc" = 0 ]
done_testing
