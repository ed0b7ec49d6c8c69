#!/bin/sh
# E-mailed and pushed reports (issue 7): mewsd mails yesterday's report
# to a real SMTP server (Debian's aiosmtpd on loopback, STARTTLS and AUTH
# required, then implicit TLS) and uploads its CSV files to an FTP server
# (pyftpdlib), an FTPS server (Debian's vsftpd, as root), an HTTPS server
# (PUT) and Debian's sshd (SFTP, a test-only
# configuration with keys made here; as root it needs /run/sshd, which
# its Debian service makes too), all on 127.0.0.1 with a certificate made
# here.  History for yesterday is made up (reports.py
# says what), so the summary's figures are known; reports.state says the
# last period delivered is the day before, so yesterday's report is owed
# at the start.  Then: the test button with a wrong password shows the
# server's 535; the settings changed through the API; a server down is a
# logged failure, retried (mail.retry_s = 2: 2, 4, 8... s) and the report
# delivered once it is up, also across a restart of mewsd.
#
# mewsd's clock runs 20 times as fast as real time (test_clock), so the
# schedule's first look 5 s after a start and the retries take a fraction
# of a second.  It starts at noon of the helper's today: mewsd's yesterday
# is the made-up one, however near midnight the test runs.
. "$(dirname "$0")/web_lib.sh"
have rrdtool || need "no rrdtool" rrdtool
have_module pyftpdlib || need "no Python module pyftpdlib" python3-pyftpdlib
have /usr/sbin/sshd || need "no /usr/sbin/sshd" openssh-server
have ssh-keygen || need "no ssh-keygen" openssh-client
have /usr/sbin/vsftpd || need "no /usr/sbin/vsftpd" vsftpd
# vsftpd chroots into its anonymous folder, owned by the ftp user its
# package makes.
[ "$(id -u)" = 0 ] || bail_out "vsftpd needs root for its chroot: run the tests as root"
getent passwd ftp >/dev/null ||
    bail_out "no user ftp: the Debian package vsftpd makes it (apt-get install --reinstall vsftpd)"
HELPER="$(dirname "$0")/reports.py"
helper() { /usr/bin/python3 "$HELPER" "$@"; }
. "$(dirname "$0")/smtp_lib.sh"

SMTP_PORT=$(free_port)
SMTPS_PORT=$(free_port)
FTP_PORT=$(free_port)
PUT_PORT=$(free_port)
FTP_DIR="$TMP/ftp"
PUT_DIR="$TMP/put"
mkdir -p "$FTP_DIR" "$PUT_DIR"

# Under valgrind (scripts/check --deep) a memory error makes the exit 42.
stop_mewsd() {
	local rc
	kill -TERM "$MEWSD_PID"
	wait "$MEWSD_PID"; rc=$?
	check "mewsd stops cleanly (exit $rc)" [ "$rc" = 0 ]
}
mails() { find "$MAILS" -name '*.eml' | wc -l; }
# newest: the last message saved.
newest() { ls -t "$MAILS"/*.eml | head -1; }

# SFTP into sshd on loopback.
SFTP_PORT=$(free_port)
SFTP_DIR="$TMP/sftp"
mkdir -p "$SFTP_DIR"
ssh-keygen -q -t ed25519 -N "" -f "$TMP/ssh_host" &&
    ssh-keygen -q -t ed25519 -N "" -f "$TMP/ssh_id" &&
    cp "$TMP/ssh_id.pub" "$TMP/ssh_authorized"
cat >"$TMP/sshd_config" <<SSHD
ListenAddress 127.0.0.1
Port $SFTP_PORT
HostKey $TMP/ssh_host
AuthorizedKeysFile $TMP/ssh_authorized
AuthenticationMethods publickey
PermitRootLogin prohibit-password
StrictModes no
UsePAM no
PidFile $TMP/sshd.pid
Subsystem sftp internal-sftp
SSHD
mkdir -p /run/sshd
spawn /usr/sbin/sshd -D -e -f "$TMP/sshd_config" 2>>"$TMP/sshd.log"
HOST_KEY=$(ssh-keygen -lf "$TMP/ssh_host.pub" |
    sed 's/.*SHA256:\([^ ]*\).*/\1/')
check "sshd listens (SFTP)" wait_for 5 listening "$SFTP_PORT"
SFTP_REPORT=",
	{ name = \"sftp-up\"; at = \"00:00\"; devices = [ \"main\" ];
	  push = { url = \"sftp://127.0.0.1:$SFTP_PORT$SFTP_DIR/\";
		   user = \"$(id -un)\"; key_file = \"$TMP/ssh_id\";
		   host_key = \"$HOST_KEY\"; }; }"

# FTPS (explicit: AUTH TLS, then protected data) into Debian's vsftpd, an
# anonymous upload folder; vsftpd needs root for its chroot.  (pyftpdlib's
# TLS handler breaks curl's data connections, so FTP above is plain.)
FTPS_PORT=$(free_port)
FTPS_DIR="$TMP/ftps"
mkdir -p "$FTPS_DIR/in" /var/run/vsftpd/empty
chown ftp "$FTPS_DIR/in"
chmod 555 "$FTPS_DIR"
cat >"$TMP/vsftpd.conf" <<VSFTPD
listen=YES
listen_address=127.0.0.1
listen_port=$FTPS_PORT
background=NO
anonymous_enable=YES
local_enable=NO
write_enable=YES
anon_upload_enable=YES
anon_mkdir_write_enable=YES
anon_root=$FTPS_DIR
no_anon_password=YES
ssl_enable=YES
allow_anon_ssl=YES
force_anon_logins_ssl=YES
force_anon_data_ssl=YES
rsa_cert_file=$TMP/cert.pem
rsa_private_key_file=$TMP/key.pem
pasv_address=127.0.0.1
seccomp_sandbox=NO
xferlog_enable=YES
vsftpd_log_file=$TMP/vsftpd.log
log_ftp_protocol=YES
VSFTPD
spawn /usr/sbin/vsftpd "$TMP/vsftpd.conf"
check "vsftpd listens (FTPS)" wait_for 5 listening "$FTPS_PORT"
FTPS_REPORT=",
	{ name = \"ftps-up\"; at = \"00:00\"; devices = [ \"main\" ];
	  push = { url = \"ftps://127.0.0.1:$FTPS_PORT/in/\";
		   user = \"anonymous\"; ca_file = \"$TMP/cert.pem\"; }; }"

# state DONE_DAILY DONE_PUSH: reports.state as mewsd writes it.
state() {
	cat >"$STATE/reports.state" <<STATE
reports = (
	{ name = "daily"; done = $1L; },
	{ name = "ftp-up"; done = $2L; },
	{ name = "https-up"; done = $2L; },
	{ name = "sftp-up"; done = $2L; },
	{ name = "ftps-up"; done = $2L; }
);
STATE
}

# reports_conf SECURITY PORT: the settings after the devices.
reports_conf() {
	printf '%s\n' "
mail = { server = \"127.0.0.1\"; port = $2; security = \"$1\";
	 user = \"reporter\"; password = \"s3cret\";
	 from = \"mews@example.com\"; ca_file = \"$TMP/cert.pem\";
	 retry_s = 1; };
reports = (
	{ name = \"daily\"; every = \"day\"; at = \"00:00\";
	  devices = [ \"main\", \"sub\" ];
	  to = [ \"fm@example.com\", \"boss@example.com\" ]; },
	{ name = \"ftp-up\"; at = \"00:00\"; devices = [ \"main\" ];
	  push = { url = \"ftp://127.0.0.1:$FTP_PORT/meters/\";
		   user = \"box\"; password = \"ftp-pw\"; }; },
	{ name = \"https-up\"; at = \"00:00\"; devices = [ \"main\" ];
	  push = { url = \"https://127.0.0.1:$PUT_PORT/in/\";
		   ca_file = \"$TMP/cert.pem\"; }; }$SFTP_REPORT$FTPS_REPORT
);"
}

# shellcheck disable=SC2046
set -- $(helper day)
DAY=$1 Y_START=$2 Y_END=$3 BEFORE=$4
CSV="$STATE/csv/main/day/$DAY.csv"
mkdir -p "$STATE/rrd/main"
chmod 700 "$STATE"
check "history made up for yesterday" helper history "$STATE/rrd/main"
state "$BEFORE" "$BEFORE"
write_conf "$LONG_SESSIONS" "$(reports_conf starttls "$SMTP_PORT")"
check "mewsd -t accepts the mail and reports settings" \
    "$MEWSD" -t -c "$CONF"

start_smtp starttls "$SMTP_PORT" || not_ok "aiosmtpd starts (STARTTLS, AUTH)"
spawn /usr/bin/python3 "$HELPER" ftp "$FTP_DIR" "$FTP_PORT" box ftp-pw >>"$TMP/ftp.log" 2>&1
spawn /usr/bin/python3 "$HELPER" https "$PUT_DIR" "$PUT_PORT" "$TMP/cert.pem" "$TMP/key.pem" \
    >>"$TMP/put.log" 2>&1
wait_for 10 listening "$FTP_PORT" || not_ok "pyftpdlib starts"
wait_for 10 listening "$PUT_PORT" || not_ok "the HTTPS server starts"
test_clock 20 $((Y_END + 12 * 3600))
web_up "$LONG_SESSIONS" "$(reports_conf starttls "$SMTP_PORT")"

check "yesterday's report, owed, is mailed at the start" wait_for 30 \
    sh -c "[ \$(find '$MAILS' -name '*.eml' | wc -l) -ge 1 ]"
MAIL1="$MAILS/1.eml"
helper text "$MAIL1" 2>&1 | head -40 | sed 's/^/#    /'
check "it parses as MIME: headers, text, main's CSV attached byte for byte" \
    helper mail "$MAIL1" daily mews@example.com fm@example.com "$DAY" \
    "$STATE/csv"
check "both recipients got it (RCPT TO)" sh -c "
	grep -qx fm@example.com '$MAIL1.rcpt' &&
	grep -qx boss@example.com '$MAIL1.rcpt'"
check "the log says it was delivered, with the server's answer" \
    grep -q "reports: daily: $DAY delivered: 250 2.0.0 Saved as 1" "$LOG"
check "the password is in no log line" sh -c "! grep -q s3cret '$LOG'"

commission administrator 99999 24680 || not_ok "administrator logs in"
call GET "/api/consumption/main/energy_import.json?period=day&from=$Y_START&to=$Y_END"
API_KWH=$(json '.periods[0].amount')
SUM_KWH=$(helper summary "$MAIL1" main.energy_import)
diag "summary: energy_import: $SUM_KWH; /api/consumption: $API_KWH"
check "the summary's energy_import is /api/consumption's" \
    /usr/bin/python3 -c "import sys; a = float('$API_KWH'); s = float('$SUM_KWH'.split()[0]); sys.exit(abs(a - s) > 0.0005 or abs(a - 180) > 0.0005)"
PEAK=$(helper summary "$MAIL1" "main.peak power")
check "the peak power and its minute: $PEAK" \
    sh -c "echo '$PEAK' | grep -q '^5000.0 W at $DAY 13:37'"
OFFLINE=$(helper summary "$MAIL1" main.offline)
check "the hour offline: $OFFLINE" sh -c "echo '$OFFLINE' | grep -q \
'^60 min in 1 gap.*longest $DAY 02:00 to $DAY 03:00'"
check "sub, with no history yesterday, says so and has no file" sh -c "
	helper() { /usr/bin/python3 '$(dirname "$0")/reports.py' \"\$@\"; }
	helper summary '$MAIL1' sub.offline | grep -q 'no history' &&
	helper summary '$MAIL1' sub.files | grep -q none"
check "the FTP server got main's file, byte for byte" wait_for 15 \
    cmp -s "$FTP_DIR/meters/main/day/$DAY.csv" "$CSV"
check "the HTTPS server got it too (PUT)" wait_for 15 \
    cmp -s "$PUT_DIR/in/main/day/$DAY.csv" "$CSV"
check "sshd got it over SFTP, its host key checked" wait_for 15 \
    cmp -s "$SFTP_DIR/main/day/$DAY.csv" "$CSV"
check "vsftpd got it over FTPS (AUTH TLS, protected data)" wait_for 15 \
    cmp -s "$FTPS_DIR/in/main/day/$DAY.csv" "$CSV"
check "... which mewsd asked for: AUTH and PROT P" sh -c "
    grep -Eq '\"AUTH (TLS|SSL)\"' '$TMP/vsftpd.log' &&
    grep -q '\"PROT P\"' '$TMP/vsftpd.log'"
check "reports.state says yesterday is delivered, for all 5" wait_for 5 \
    sh -c "[ \$(grep -c 'done = ${Y_START}L' '$STATE/reports.state') = 5 ]"

# The administrator's API: settings without the password, and tests.
expect "GET /api/reports" 200 GET /api/reports
check "the mail password is not shown, only that it is set" sh -c "
	printf '%s' '$BODY' | jq -e '.mail.password_set == true and
	    (.mail | has(\"password\") | not)' >/dev/null &&
	! printf '%s' '$BODY' | grep -q s3cret"
check "a report's state: its last period, the server's answer" sh -c "
	printf '%s' '$BODY' | jq -e '.reports[0].state.done_period == $Y_START
	    and (.reports[0].state.last_answer | startswith(\"250\"))' >/dev/null"
expect "a test with a wrong password is refused (502)" 502 POST \
    /api/reports/test '{"report":"daily","mail":{"password":"wrong"}}'
check "and shows the server's 535 answer: $(json .answer)" \
    sh -c "printf '%s' '$BODY' | jq -e '.answer | test(\"535\")' >/dev/null"
expect "a test with the saved settings is sent (200)" 200 POST \
    /api/reports/test '{"report":"daily"}'
check "and shows the server's 250 answer: $(json .answer)" \
    sh -c "printf '%s' '$BODY' | jq -e '.answer | startswith(\"250\")' >/dev/null"
check "the test message arrived, marked [test]" wait_for 5 sh -c "
	grep -l '^Subject: \[test\]' '$MAILS'/*.eml | grep -q ."
expect "a test of an unknown report is a 404" 404 POST /api/reports/test \
    '{"report":"nope"}'
# Changed from the pages: written to mews.conf, passwords kept.
expect "PUT /api/reports: a report's time and the first retry" 200 PUT \
    /api/reports '{"mail":{"retry_s":2},"reports":[
	{"name":"daily","every":"day","at":"05:30","devices":["main","sub"],
	 "to":["fm@example.com","boss@example.com"]},
	{"name":"ftp-up","at":"00:00","devices":["main"],
	 "push":{"url":"ftp://127.0.0.1:'"$FTP_PORT"'/meters/","user":"box"}},
	{"name":"https-up","at":"00:00","devices":["main"],
	 "push":{"url":"https://127.0.0.1:'"$PUT_PORT"'/in/",
		 "ca_file":"'"$TMP/cert.pem"'"}}]}'
check "the answer has them, and the passwords still set" sh -c "
	printf '%s' '$BODY' | jq -e '.mail.retry_s == 2 and
	    .mail.password_set and .reports[0].at == \"05:30\" and
	    .reports[1].push.password_set' >/dev/null"
check "mews.conf has them, the passwords too" sh -c "
	grep -q 'retry_s = 2' '$CONF' && grep -q '\"05:30\"' '$CONF' &&
	grep -q 's3cret' '$CONF' && grep -q 'ftp-pw' '$CONF'"
# Files on the box are set in mews.conf only (issue 15, item 4): the
# pages' form sends none, and they stay; a change is refused.
expect "PUT /api/reports as the pages send it, without the files" 200 PUT \
    /api/reports '{"mail":{"retry_s":2},"reports":[
	{"name":"daily","every":"day","at":"05:30","devices":["main","sub"],
	 "to":["fm@example.com","boss@example.com"]},
	{"name":"ftp-up","at":"00:00","devices":["main"],
	 "push":{"url":"ftp://127.0.0.1:'"$FTP_PORT"'/meters/","user":"box"}},
	{"name":"https-up","at":"00:00","devices":["main"],
	 "push":{"url":"https://127.0.0.1:'"$PUT_PORT"'/in/"}}]}'
check "the report and the mail server keep their CA files" sh -c "
	printf '%s' '$BODY' | jq -e --arg ca '$TMP/cert.pem' '
	    .mail.ca_file == \$ca and .reports[2].push.ca_file == \$ca' >/dev/null"
cp "$CONF" "$TMP/conf.before"
expect "another CA file for a report is refused (400)" 400 PUT \
    /api/reports '{"reports":[{"name":"https-up","at":"00:00",
	"push":{"url":"https://127.0.0.1:'"$PUT_PORT"'/in/","ca_file":"/"}}]}'
check "naming push.ca_file, mews.conf unchanged" sh -c "
	printf '%s' '$BODY' | jq -e '.field == \"push.ca_file\"' >/dev/null &&
	cmp -s '$CONF' '$TMP/conf.before'"
expect "a recipient that is not an address is refused (400)" 400 PUT \
    /api/reports '{"reports":[{"name":"x","to":["nobody"]}]}'
check "with the reason: $(json .error)" \
    sh -c "printf '%s' '$BODY' | jq -e '.error | test(\"not an e-mail address\")' >/dev/null"
login user 11111
expect "the user profile may not read the reports' settings" 403 \
    GET /api/reports

# The server down (mail.retry_s is 2 since the change above): a failure
# logged, retried; mewsd stopped and started
# again; the report still owed arrives once the server is up.
stop_mewsd
stop_smtp
state "$BEFORE" "$Y_START"
before=$(mails)
start_mewsd || not_ok "mewsd starts again"
check "with the server down, the failure is logged with curl's reason" \
    wait_for 15 grep -q "reports: daily: $DAY not delivered: .*[Cc]onnect.*tried again in 2 s (failure 1 in a row)" "$LOG"
check "and retried, waiting longer each time" \
    wait_for 15 grep -q "reports: daily: $DAY not delivered: .*tried again in 8 s (failure 3 in a row)" "$LOG"
stop_mewsd
check "stopped before delivery, reports.state still owes it" \
    grep -q "name = \"daily\"; done = ${BEFORE}L" "$STATE/reports.state"
failed=$(grep -c "reports: daily: $DAY not delivered" "$LOG")
start_mewsd || not_ok "mewsd starts again"
check "started again with the server still down, it fails again" wait_for 15 \
    sh -c "[ \$(grep -c 'reports: daily: $DAY not delivered' '$LOG') -gt $failed ]"
start_smtp starttls "$SMTP_PORT" || not_ok "aiosmtpd starts again"
check "once the server is up, the owed report arrives (retried)" \
    wait_for 20 sh -c "[ \$(find '$MAILS' -name '*.eml' | wc -l) -gt $before ]"
check "it is yesterday's, whole" helper mail "$(newest)" daily \
    mews@example.com fm@example.com "$DAY" "$STATE/csv"

# Implicit TLS (smtps).
stop_mewsd
stop_smtp
start_smtp tls "$SMTPS_PORT" || not_ok "aiosmtpd starts (implicit TLS)"
write_conf "$LONG_SESSIONS" "$(reports_conf tls "$SMTPS_PORT")"
state "$BEFORE" "$Y_START"
before=$(mails)
start_mewsd || not_ok "mewsd starts with security = tls"
check "over implicit TLS, the report arrives" \
    wait_for 20 sh -c "[ \$(find '$MAILS' -name '*.eml' | wc -l) -gt $before ]"
check "it parses, its attachment the CSV file's bytes" helper mail \
    "$(newest)" daily mews@example.com fm@example.com "$DAY" "$STATE/csv"

stop_mewsd
# What mewsd said of its reports, to tell what went wrong.
[ "$tap_failed" = 0 ] || grep 'reports:' "$LOG" | sed 's/^/# /'
[ "$tap_failed" = 0 ] || sed 's/^/# smtp: /' "$TMP/smtp.log"
done_testing
