#!/bin/sh
# The web server under hostile and careless clients (issue 8): 500 idle TLS
# connections, slowloris headers, a TLS handshake flood, random bytes on
# every port.  Everything keeps answering; nothing is held for long.
. "$(dirname "$0")/web_lib.sh"
have_module ssl || need "no Python module ssl" python3

web_up "max_connections = 256;"
check "the administrator is commissioned" commission administrator 99999 24680
cookie=$(awk '$6 == "mews_session" { print $7 }' "$JAR")

# The Python side needs descriptors for its 500 connections.
ulimit -n 4096 2>/dev/null || true
/usr/bin/python3 "$top_srcdir/test/integration/web_faults.py" "$HOST" \
    "$HTTPS_PORT" "$HTTP_PORT" "$GATEWAY_PORT" "$STATE/tls/cert.pem" \
    "$cookie" >"$TMP/faults.out" 2>&1
while IFS= read -r line; do
	case $line in
	"PASS "*) ok "${line#PASS }" ;;
	"FAIL "*) not_ok "${line#FAIL }" ;;
	*) diag "$line" ;;
	esac
done <"$TMP/faults.out"

check "mewsd is still running" kill -0 "$MEWSD_PID"
kill -TERM "$MEWSD_PID"
wait "$MEWSD_PID"; rc=$?
check "clean stop (exit $rc)" [ "$rc" = 0 ]
done_testing
