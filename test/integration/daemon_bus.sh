#!/bin/sh
# The real daemon on a simulated line: devices come online; the port
# vanishing (the simulator stops, its pty closes) is logged clearly and
# retried until the port returns; a dead device is reported offline.
. "$(dirname "$0")/lib.sh"
export MEWS_PROFILE_DIR="$PROFILES"

pty="$TMP/rs485"
conf="$TMP/mews.conf"
log="$TMP/mewsd.log"
cat >"$conf" <<CONF
state_dir = "$TMP/state";
http = { listen = "127.0.0.1"; https_port = $(free_port); http_port = $(free_port); };
modbus_tcp = { listen = "127.0.0.1"; port = $(free_port); };
ftp = { listen = "127.0.0.1"; port = $(free_port); };
buses = ( { name = "rs485"; port = "$pty"; parity = "none"; timeout_ms = 200; } );
devices = (
	{ id = "main"; bus = "rs485"; address = 1; profile = "sdm630"; poll_ms = 200; },
	{ id = "sub"; bus = "rs485"; address = 2; profile = "sdm120"; poll_ms = 200; }
);
CONF

start_sim() {
	spawn "$MEWS_SIM" --pty "$pty" --profile-dir "$PROFILES" "$@" \
	    >>"$TMP/sim.log" 2>&1
	SIM=$LAST_PID
	wait_for 5 test -e "$pty"
}
count() { grep -c "$1" "$log"; }

check "simulator up" start_sim --device 1:sdm630 --device 2:sdm120
spawn "$MEWSD" -f --allow-root -c "$conf" 2>"$log"
MEWSD_PID=$LAST_PID
check "main comes online" wait_for 10 grep -q "device main (address 1) is online" "$log"
check "sub comes online" wait_for 10 grep -q "device sub (address 2) is online" "$log"

kill "$SIM"; wait "$SIM" 2>/dev/null
check "the lost port is logged with bus and port" \
    wait_for 10 grep -q "bus rs485: port $pty lost" "$log"
check "devices go offline while the port is gone" \
    wait_for 10 grep -q "device main (address 1) is offline" "$log"
check "mewsd keeps running" kill -0 "$MEWSD_PID"

online_before=$(count "device main (address 1) is online")
check "simulator back, without device 2" start_sim --device 1:sdm630
check "the port is reopened and logged" \
    wait_for 15 grep -q "bus rs485: port $pty is back" "$log"
check "main is polled again" wait_for 15 sh -c \
    "[ \$(grep -c 'device main (address 1) is online' '$log') -gt $online_before ]"
# Nothing after the port's return says sub is online.
back=$(grep -n "port $pty is back" "$log" | tail -n 1 | cut -d: -f1)
check "sub, unplugged, stays offline" \
    sh -c "tail -n +$back '$log' | grep -q 'main (address 1) is online' &&
	! tail -n +$back '$log' | grep -q 'sub (address 2) is online'"

kill -TERM "$MEWSD_PID"
wait "$MEWSD_PID"; rc=$?
check "clean stop (exit $rc)" [ "$rc" = 0 ]
done_testing
