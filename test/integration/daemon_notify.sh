#!/bin/sh
# mewsd tells systemd how it is doing (sd_notify, issue 9): READY=1 once its
# ports are open, RELOADING=1 then READY=1 around a SIGHUP (a refused
# configuration too: it serves on), STOPPING=1 on SIGTERM.  The
# notification socket is a real one, as systemd's, read by Python.
. "$(dirname "$0")/lib.sh"
export MEWS_PROFILE_DIR="$PROFILES"

eval "$(make -s -C "$top_builddir" print-dirs)"
# shellcheck disable=SC2154 # from print-dirs
[ "$SERVICE_TYPE" = notify ] || bail_out "built without libsystemd:" \
    "install the Debian package libsystemd-dev (scripts/deps) and configure again"

sock="$TMP/notify"
msgs="$TMP/notify.log"
spawn /usr/bin/python3 -u -c '
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
print("listening", flush=True)
while True:
    print(s.recv(4096).decode().replace("\n", " "), flush=True)
' "$sock" >"$msgs"
check "the notification socket is up" wait_for 10 grep -q listening "$msgs"

https=$(free_port)
conf="$TMP/mews.conf"
cat >"$conf" <<CONF
state_dir = "$TMP/state";
http = { listen = "127.0.0.1"; https_port = $https; http_port = $(free_port); };
modbus_tcp = { listen = "127.0.0.1"; port = $(free_port); };
ftp = { enabled = false; };
CONF
NOTIFY_SOCKET="$sock" spawn "$MEWSD" -f --allow-root -c "$conf" \
    2>"$TMP/mewsd.log"
pid=$LAST_PID
check "READY=1 arrives" wait_for 20 grep -q "READY=1" "$msgs"
check "... with a status" grep -q "READY=1 STATUS=serving" "$msgs"
check "the HTTPS port is open by then" \
    curl -sk -o /dev/null --max-time 5 "https://127.0.0.1:$https/"

kill -HUP "$pid"
check "SIGHUP: RELOADING=1" wait_for 10 grep -q "RELOADING=1" "$msgs"
check "... then READY=1 again" wait_for 10 sh -c "[ \$(grep -c 'READY=1' '$msgs') = 2 ]"
check "... after the reload was done" grep -q "reloaded" "$TMP/mewsd.log"

echo 'http = {' >>"$conf"
kill -HUP "$pid"
check "a refused configuration: RELOADING=1, READY=1 (it serves on)" \
    wait_for 10 sh -c "[ \$(grep -c 'READY=1' '$msgs') = 3 ]"
check "... and still serves" \
    curl -sk -o /dev/null --max-time 5 "https://127.0.0.1:$https/"

kill -TERM "$pid"
wait "$pid"; rc=$?
# The reader is another process: it may print the datagram a moment
# after mewsd has gone.
check "SIGTERM: STOPPING=1" wait_for 10 grep -q "STOPPING=1" "$msgs"
check "clean stop (exit $rc)" [ "$rc" = 0 ]
diag "messages: $(tr '\n' '|' <"$msgs")"
done_testing
