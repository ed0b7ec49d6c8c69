#!/bin/sh
# The running daemon: state folder created 0700, SIGHUP reloads (and keeps
# the running configuration when the new one is broken), SIGTERM stops.
. "$(dirname "$0")/lib.sh"
export MEWS_PROFILE_DIR="$PROFILES"

conf="$TMP/mews.conf"
log="$TMP/mewsd.log"
write_conf() {
	cat >"$conf" <<CONF
state_dir = "$TMP/state/deep";
log_level = "$1";
http = { listen = "127.0.0.1"; https_port = $(free_port); http_port = $(free_port); };
modbus_tcp = { listen = "127.0.0.1"; port = $(free_port); };
ftp = { listen = "127.0.0.1"; port = $(free_port); };
buses = ( { name = "rs485"; port = "$TMP/ttyX"; parity = "none"; } );
devices = ( { id = "main"; bus = "rs485"; address = 1; profile = "sdm630"; } );
CONF
}
write_conf info
spawn "$MEWSD" -f --allow-root -c "$conf" 2>"$log"
pid=$LAST_PID
check "mewsd starts and says ready" wait_for 10 grep -q "ready" "$log"
check "state_dir created" [ -d "$TMP/state/deep" ]
mode=$(stat -c %a "$TMP/state/deep")
check "state_dir is 0700 (got $mode)" [ "$mode" = 700 ]

echo 'http = {' >>"$conf"
kill -HUP "$pid"
check "a broken reload is refused" wait_for 10 grep -q "keeping the running configuration" "$log"
check "the broken file's line is logged" grep -q "$conf:[0-9]*: syntax error" "$log"
check "still running after a broken reload" kill -0 "$pid"

write_conf debug
kill -HUP "$pid"
check "a good reload is applied" wait_for 10 grep -q "reloaded" "$log"
check "the new log level is in force" wait_for 5 grep -q "debug: bus rs485" "$log"

kill -TERM "$pid"
i=0
while kill -0 "$pid" 2>/dev/null && [ "$i" -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
check "SIGTERM stops it" sh -c "! kill -0 $pid 2>/dev/null"
wait "$pid"; rc=$?
check "exit status 0 after SIGTERM (got $rc)" [ "$rc" = 0 ]
check "says stopped" grep -q "stopped" "$log"
CHILDREN=""
done_testing
