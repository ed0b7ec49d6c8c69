#!/bin/sh
# One client address against everyone else (the security issue, item 9):
# it took every FTP session (16 idle sockets, then 421 for everyone) and
# the whole TLS handshake budget (about 2,000 ClientHellos a second: 5 of
# 5 other clients failed).  Replayed from 127.0.0.2 with the caps per
# address: FTP's default ftp.max_sessions_per_address (4), HTTPS's
# max_connections_per_address (8 here, with max_connections 16) and the
# handshake rate per address (100 a second, bursts of 128), while
# 127.0.0.1 and 127.0.0.3 log in, list and browse.  The flood lasts 3 s.
. "$(dirname "$0")/web_lib.sh"
have_module ssl || need "no Python module ssl" python3
helper() { /usr/bin/python3 "$(dirname "$0")/peer_limits.py" "$HOST" \
    "$HTTPS_PORT" "$FTP_PORT" "$STATE/tls/cert.pem" "$@"; }

FTP_PORT=$(free_port)
PASV=$(free_port)
# Plain FTP, said explicitly (the default requires TLS): the caps are
# what is tested, and a plain login is the cheapest client.
FTP_CONF="ftp = { listen = \"127.0.0.1\"; port = $FTP_PORT;
	passive_ports = [ $PASV, $((PASV + 9)) ]; require_tls = false; };"
mkdir -p "$STATE/csv/archive"
chmod -R 700 "$STATE"

web_up "max_connections = 16; max_connections_per_address = 8;"
check "FTP says its caps" grep -q \
    "ftp: listening on 127.0.0.1 port $FTP_PORT: .* at most 16 sessions, 4 from one address" \
    "$LOG"
check "HTTPS says its caps" grep -q \
    "https: listening on 127.0.0.1 port $HTTPS_PORT (.* at most 16 connections, 8 from one address)" \
    "$LOG"
check "the user profile is commissioned for FTP" commission user 11111 24680

check "FTP: 127.0.0.2 gets 4 sessions and a 421 for the fifth, while 127.0.0.1 logs in and lists" \
    helper ftp 4 user 24680
check "... and the refusal is logged with its address" grep -q \
    "ftp: 127.0.0.2:[0-9]*: refused: 4 sessions from this address already (max_sessions_per_address)" \
    "$LOG"

check "HTTPS: 20 connections from 127.0.0.2 close only its own 12 oldest, not 127.0.0.1's idle one" \
    helper https_conns 8 20
check "... logged with its address" grep -q \
    "https: 127.0.0.2: 9 connections from this address (max_connections_per_address 8): its idlest closed" \
    "$LOG"

check "HTTPS: a 3 s ClientHello flood from 127.0.0.2 while 127.0.0.1 logs in again and again" \
    helper https_flood 3 100 128 installer 55555
check "... logged with its address" grep -q \
    "https: 127.0.0.2: TLS handshakes refused: over 100 a second from one address" \
    "$LOG"

JAR="$TMP/jar.admin"
check "the administrator logs in after it all" login administrator 99999
call GET /api/status
check "status counts what was refused per address" sh -c \
    'printf "%s" "$1" | jq -e ".counters.http | .over_per_address >= 12 and .handshakes_refused_per_address > 0 and .handshakes_refused >= .handshakes_refused_per_address" >/dev/null' \
    - "$BODY"
diag "http counters: $(json -c .counters.http)"
call GET /api/system
check "the system settings show the caps" [ "$(json \
    '[.http.max_connections_per_address, .ftp.max_sessions_per_address] | @csv')" \
    = "8,4" ]

check "mewsd is still running" kill -0 "$MEWSD_PID"
kill -TERM "$MEWSD_PID"
wait "$MEWSD_PID"; rc=$?
check "clean stop (exit $rc)" [ "$rc" = 0 ]
done_testing
