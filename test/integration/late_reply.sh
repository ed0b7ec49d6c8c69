#!/bin/sh
# A late reply is never another request's answer (issue 16, item 2): RTU
# has no transaction id, and a slave that answers after the master's
# timeout answers into the next transaction.  Twenty gateway clients and
# the poller read one unit with the same function and length, every
# answer checked, while the simulator stops for 3 s (SIGSTOP: the pty
# keeps the requests) and then answers each of them late (late_reply.py).
# On a second bus, a slave always slower than the timeout.  What mewsd
# discarded shows in /api/buses, /metrics and its log.
. "$(dirname "$0")/web_lib.sh"

TOKEN="late-reply-test-token-0123456789"
# The poller reads voltage, current and power alone, each two registers
# with function 3: the gateway clients' function and length.
mkdir -p "$TMP/profiles"
cat >"$TMP/profiles/late-b23.conf" <<PROFILE
manufacturer = "ABB";
model = "B23";
description = "The B23's voltage, current and power, one read each";
max_registers = 2;
word_order = "high_first";
registers = (
	{ metric = "voltage_l1"; unit = "V"; function = 3; address = 0x5B00; type = "u32"; scale = 0.1; },
	{ metric = "current_l1"; unit = "A"; function = 3; address = 0x5B0C; type = "u32"; scale = 0.01; },
	{ metric = "power"; unit = "W"; function = 3; address = 0x5B14; type = "s32"; scale = 0.01; }
);
PROFILE
cat >"$CONF" <<CONF
state_dir = "$STATE";
profile_dir = "$TMP/profiles";
http = { listen = "127.0.0.1"; https_port = $HTTPS_PORT; http_port = $HTTP_PORT;
	 metrics_token = "$TOKEN"; };
modbus_tcp = { listen = "127.0.0.1"; port = $GATEWAY_PORT; max_clients = 30;
	       max_clients_per_address = 30; unit_id = 200;
	       routes = ( { first = 7; last = 7; bus = "slow"; } ); };
ftp = { enabled = false; };
buses = ( { name = "rs485"; port = "$TMP/rs485"; parity = "none";
	    timeout_ms = 300; silence_us = 0; },
	  { name = "slow"; port = "$TMP/slow"; parity = "none";
	    timeout_ms = 300; silence_us = 0; } );
devices = ( { id = "b23"; bus = "rs485"; address = 4; profile = "late-b23";
	      poll_ms = 200; } );
CONF

# --wire-time: late replies come one after another, a frame's time apart,
# as on a line, rather than all in one write.
spawn "$MEWS_SIM" --pty "$TMP/rs485" --profile-dir "$PROFILES" --seed 16 \
    --wire-time --device 4:abb-b23 >"$TMP/sim.log" 2>&1
SIM_PID=$LAST_PID
# Every reply 450 ms after its request, one request at a time.
spawn "$MEWS_SIM" --pty "$TMP/slow" --profile-dir "$PROFILES" --seed 17 \
    --wire-time --delay-ms 450 --device 7:abb-b23 >"$TMP/slow.log" 2>&1
wait_for 5 test -e "$TMP/rs485" && wait_for 5 test -e "$TMP/slow" ||
    { not_ok "the simulators start"; done_testing; }
start_mewsd || { not_ok "mewsd serves HTTPS"; sed 's/^/# /' "$LOG"; done_testing; }
check "the device is polled" \
    wait_for 10 grep -q "device b23 (address 4) is online" "$LOG"

/usr/bin/python3 "$top_srcdir/test/integration/late_reply.py" \
    "$GATEWAY_PORT" "$SIM_PID" >"$TMP/py.tap" 2>"$TMP/py.err"
while IFS= read -r line; do
	case "$line" in
	"ok "*) ok "${line#ok [0-9]* - }" ;;
	"not ok "*) not_ok "${line#not ok [0-9]* - }" ;;
	esac
done <"$TMP/py.tap"
grep -q '^1\.\.' "$TMP/py.tap" || { not_ok "late_reply.py ran to its end"; sed 's/^/# /' "$TMP/py.err"; }

# What the bus discarded: counted, shown, logged with bus and address.
check "the user logs in" login user 11111
call GET /api/buses/rs485
late=$(json '.stats.late_replies')
check "GET /api/buses/rs485 counts the late replies discarded ($late)" \
    [ "${late:-0}" -gt 0 ]
call GET /api/buses/slow
late=$(json '.stats.late_replies')
check "... and on the slow bus ($late)" [ "${late:-0}" -gt 0 ]
STATUS=$(web -o "$TMP/metrics" -w '%{http_code}' \
    -H "Authorization: Bearer $TOKEN" "$URL/metrics")
check "/metrics: mews_bus_late_replies_total" \
    grep -q '^mews_bus_late_replies_total{bus="rs485"} [1-9]' "$TMP/metrics"
check "the log names bus and address" \
    grep -q "bus rs485: address 4: .*late reply" "$LOG"

check "mewsd still runs" kill -0 "$MEWSD_PID"
kill -TERM "$MEWSD_PID"; wait "$MEWSD_PID"; rc=$?
check "clean stop (exit $rc)" [ "$rc" = 0 ]
done_testing
