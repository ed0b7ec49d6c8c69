#!/bin/sh
# The Modbus TCP gateway with real clients: Debian's mbpoll and pymodbus
# (gateway.py) against mewsd in front of mews-sim.
. "$(dirname "$0")/lib.sh"
export MEWS_PROFILE_DIR="$PROFILES"
have_module pymodbus.client || need "no Python module pymodbus.client" python3-pymodbus

port=$(free_port)
up_port=$(free_port)
dead_port=$(free_port)
conf="$TMP/mews.conf"
cat >"$conf" <<CONF
state_dir = "$TMP/state";
http = { listen = "127.0.0.1"; https_port = $(free_port); http_port = $(free_port); };
ftp = { listen = "127.0.0.1"; port = $(free_port); };
buses = (
	{ name = "rs485"; port = "$TMP/rs485"; parity = "none"; timeout_ms = 300; silence_us = 0; },
	{ name = "down"; port = "$TMP/nothing-here"; parity = "none"; }
);
gateways = (
	{ name = "gw1"; host = "127.0.0.1"; port = $up_port; timeout_ms = 500; },
	{ name = "nowhere"; host = "127.0.0.1"; port = $dead_port; }
);
modbus_tcp = { listen = "127.0.0.1"; port = $port; max_clients = 55;
	max_clients_per_address = 64; idle_timeout_s = 2; unit_id = 200;
	routes = ( { first = 100; last = 110; bus = "down"; },
		   { first = 50; last = 59; gateway = "gw1"; },
		   { first = 60; gateway = "nowhere"; } ); };
devices = (
	{ id = "main"; bus = "rs485"; address = 1; profile = "sdm630"; poll_ms = 500; },
	{ id = "far"; gateway = "gw1"; address = 50; profile = "em24"; poll_ms = 500; }
);
CONF

spawn "$MEWS_SIM" --pty "$TMP/rs485" --profile-dir "$PROFILES" --seed 3 \
    --device 1:sdm630 --device 2:em24 --device 3:sdm120 --dead 3 \
    --device 4:abb-b23 >"$TMP/sim.log" 2>&1
wait_for 5 test -e "$TMP/rs485" || { not_ok "simulator"; done_testing; }
# Another gateway on the network, with an EM24 behind it.
spawn "$MEWS_SIM" --tcp "127.0.0.1:$up_port" --profile-dir "$PROFILES" \
    --seed 4 --device 50:em24 >"$TMP/upstream.log" 2>&1
wait_for 5 grep -q "ready on" "$TMP/upstream.log" || { not_ok "upstream simulator"; done_testing; }
spawn "$MEWSD" -f --allow-root -c "$conf" 2>"$TMP/mewsd.log"
MEWSD_PID=$LAST_PID
check "mewsd listens on the gateway port" \
    wait_for 10 grep -q "modbus tcp: listening on 127.0.0.1 port $port" "$TMP/mewsd.log"
check "main is polled" wait_for 10 grep -q "device main (address 1) is online" "$TMP/mewsd.log"

# mbpoll: libmodbus's client
out=$(mbpoll -m tcp -p "$port" -a 1 -t 3:float -B -r 1 -c 1 -1 -o 1 127.0.0.1 2>&1)
v=$(printf '%s\n' "$out" | sed -n 's/^\[1\]:[[:space:]]*//p')
check "mbpoll reads sdm630 voltage through the gateway ($v)" \
    awk -v v="$v" 'BEGIN { exit !(v > 200 && v < 260) }'
out=$(mbpoll -m tcp -p "$port" -a 3 -r 1 -c 1 -1 -o 1 127.0.0.1 2>&1)
check "mbpoll: a dead unit is 'Target device failed to respond'" \
    sh -c 'printf "%s" "$1" | grep -q "Target device failed to respond"' _ "$out"
out=$(mbpoll -m tcp -p "$port" -a 105 -r 1 -c 1 -1 -o 1 127.0.0.1 2>&1)
check "mbpoll: a route to a down bus is 'Gateway path unavailable'" \
    sh -c 'printf "%s" "$1" | grep -q "Gateway path unavailable"' _ "$out"

# The concentrator: a device behind the upstream gateway, polled and
# reachable through ours (EM24: int32 low word first, tenths of a volt).
check "far, behind gateway gw1, is polled" \
    wait_for 10 grep -q "gateway gw1: device far (address 50) is online" "$TMP/mewsd.log"
out=$(mbpoll -m tcp -p "$port" -a 50 -t 3:int -r 1 -c 1 -1 -o 1 127.0.0.1 2>&1)
v=$(printf '%s\n' "$out" | sed -n 's/^\[1\]:[[:space:]]*//p')
check "mbpoll reads far's voltage through both gateways (${v:-none}/10 V)" \
    awk -v v="$v" 'BEGIN { exit !(v > 2000 && v < 2600) }'
out=$(mbpoll -m tcp -p "$port" -a 60 -r 1 -c 1 -1 -o 1 127.0.0.1 2>&1)
check "a route to an upstream that does not answer: 'Gateway path unavailable'" \
    sh -c 'printf "%s" "$1" | grep -q "Gateway path unavailable"' _ "$out"

# pymodbus and raw sockets: its TAP lines are renumbered into ours
/usr/bin/python3 "$top_srcdir/test/integration/gateway.py" "$port" \
    >"$TMP/py.tap" 2>"$TMP/py.err"
while IFS= read -r line; do
	case "$line" in
	"ok "*) ok "${line#ok [0-9]* - }" ;;
	"not ok "*) not_ok "${line#not ok [0-9]* - }" ;;
	esac
done <"$TMP/py.tap"
grep -q '^1\.\.' "$TMP/py.tap" || { not_ok "gateway.py ran to its end"; sed 's/^/# /' "$TMP/py.err"; }

check "the vanished client's close is logged" \
    grep -q "closed: the client closed (5 requests)" "$TMP/mewsd.log"
check "a bad MBAP header is logged as such" \
    grep -q "closed: protocol id is not 0" "$TMP/mewsd.log"
check "mewsd still runs" kill -0 "$MEWSD_PID"
kill -TERM "$MEWSD_PID"; wait "$MEWSD_PID"; rc=$?
check "clean stop (exit $rc)" [ "$rc" = 0 ]
done_testing
