#!/bin/sh
# Who may use the Modbus TCP gateway (modbus_tcp.allow,
# max_clients_per_address, reserved units): the security issue's attacks
# replayed against mewsd in front of mews-sim (gateway_access.py, raw MBAP
# frames), each refused while reads, and writes from a write client, still
# work; the writes that went through are in the event log, the refusals in
# the log, /api/status and /metrics.
. "$(dirname "$0")/web_lib.sh"

# jtrue FILTER: the last body passes it.
jtrue() { printf '%s' "$BODY" | jq -e "$@" >/dev/null 2>&1; }

# The configurations the test reloads, made by write_conf, in $TMP/confs.
mkdir -p "$TMP/confs"
conf_as() { write_conf "$LONG_SESSIONS" && cp "$CONF" "$TMP/confs/$1"; }
GATEWAY_CONF="max_clients_per_address = 3;" conf_as open
GATEWAY_CONF='max_clients_per_address = 3;
	allow = ( { from = "127.0.0.2/32"; access = "write"; },
		  { from = "127.0.0.0/30"; access = "read"; } );' conf_as read
GATEWAY_CONF='allow = ( { from = "10.0.0.0/8"; access = "write"; } );' \
    conf_as closed
GATEWAY_CONF='allow = ( { from = "127.0.0.1/32"; access = "write"; } );' \
    conf_as mapped
sed -i 's|^modbus_tcp = { listen = "127.0.0.1";|modbus_tcp = { listen = "::ffff:127.0.0.1";|' \
    "$TMP/confs/mapped"
cp "$TMP/confs/open" "$CONF"

# mews-sim -v logs every frame it sees: what reached the bus.
start_sim -v || { not_ok "the simulator starts"; done_testing; }
start_mewsd || { not_ok "mewsd serves HTTPS"; sed 's/^/# /' "$LOG"; done_testing; }
check "the start log warns that the gateway is open to anyone" \
    grep -q "warning: modbus_tcp has no allow list: anyone who reaches port $GATEWAY_PORT can read and operate every device" "$LOG"
check "the gateway says it is open, 3 clients per address" \
    grep -q "modbus tcp: listening on 127.0.0.1 port $GATEWAY_PORT, 32 clients at most, 3 per address, open to every address (no allow list)" "$LOG"
check "the breaker is polled" wait_for 10 grep -q "device brk (address 5) is online" "$LOG"

# py_tap PART: gateway_access.py's TAP lines, renumbered into ours.
py_tap() {
	/usr/bin/python3 "$top_srcdir/test/integration/gateway_access.py" \
	    "$GATEWAY_PORT" "$MEWSD_PID" "$CONF" "$LOG" "$TMP/sim.log" \
	    "$TMP/confs" "$1" >"$TMP/py.$1.tap" 2>"$TMP/py.$1.err"
	while IFS= read -r line; do
		case "$line" in
		"ok "*) ok "${line#ok [0-9]* - }" ;;
		"not ok "*) not_ok "${line#not ok [0-9]* - }" ;;
		esac
	done <"$TMP/py.$1.tap"
	grep -q '^1\.\.' "$TMP/py.$1.tap" ||
	    { not_ok "gateway_access.py $1 ran to its end"; sed 's/^/# /' "$TMP/py.$1.err"; }
}
py_tap lists

check "the reload to an allow list gives the gateway's new terms" \
    grep -q "modbus tcp: 32 clients at most, 3 per address, 2 allow entries" "$LOG"
check "the client over its address's share is refused in the log" \
    grep -q "modbus tcp: client 127.0.0.1:[0-9]* refused: 3 clients from its address already (max_clients_per_address)" "$LOG"
check "the client connected across the reload is now read" \
    grep -q "modbus tcp: client 127.0.0.1:[0-9]*: access read, was write" "$LOG"
check "a read client's first refused write is a warning naming it" \
    grep -q "modbus tcp: client 127.0.0.1:[0-9]*: unit 5, function 6, register 0, value 1: refused, its access is read (modbus_tcp.allow)" "$LOG"
check "... once per client, the rest at debug level" \
    [ "$(grep -c "refused, its access is read (modbus_tcp.allow)" "$LOG")" = 2 ]
check "the stranger is refused in the log" \
    grep -q "modbus tcp: client 127.0.0.9:[0-9]* refused: no modbus_tcp.allow entry matches its address" "$LOG"
knocks=$(grep -c "client 127.0.0.9:[0-9]* refused" "$LOG")
check "... not once a knock: $knocks lines for 31 knocks, one a second at most" \
    [ "$knocks" -le 5 ]
check "... the next line says how many went unsaid" \
    grep -q "client 127.0.0.9:[0-9]* refused: no modbus_tcp.allow entry matches its address (and [0-9]* more refused since the last one logged)" "$LOG"
check "clients the reloaded list drops are closed, saying why" \
    grep -q "closed: no modbus_tcp.allow entry matches its address any more" "$LOG"
check "lists are not warned about" \
    [ "$(grep -c "has no allow list" "$LOG")" = 1 ]

commission administrator 99999 24680 || not_ok "administrator logs in"
expect "GET /api/status" 200 GET /api/status
# The counts of gateway_access.py's lists part: 127.0.0.9's 31 knocks,
# the two clients closed by the reload, 127.0.0.1 after it; one past the
# share; 13 refusals to the new read client and one to the old.
check "status counts the refused connections: $(json -c .counters.gateway)" jtrue \
    '.counters.gateway | .not_allowed == 34 and .over_per_address == 1 and
     .denied == 14 and .writes == 4 and .refused == 0'
call GET /metrics
check "/metrics has them: refused by reason" sh -c '
	printf "%s\n" "$1" | grep -qx "mews_gateway_refused_total{reason=\"not_allowed\"} 34" &&
	printf "%s\n" "$1" | grep -qx "mews_gateway_refused_total{reason=\"per_address\"} 1" &&
	printf "%s\n" "$1" | grep -qx "mews_gateway_refused_total{reason=\"full\"} 0"' _ "$BODY"
check "/metrics: denied and writes" sh -c '
	printf "%s\n" "$1" | grep -qx "mews_gateway_denied_total 14" &&
	printf "%s\n" "$1" | grep -qx "mews_gateway_writes_total 4" &&
	printf "%s\n" "$1" | grep -q "^# TYPE mews_gateway_refused_total counter"' _ "$BODY"
expect "GET /api/system" 200 GET /api/system
check "/api/system shows the allow list in force (read only) and the share" jtrue \
    '.modbus_tcp_allow == [{"from": "10.0.0.0/8", "access": "write"}] and
     .modbus_tcp.max_clients_per_address == 8'
# The administrator's pages cannot open the gateway: a null allow inside
# modbus_tcp once removed the list from mews.conf.
cp "$CONF" "$TMP/conf.before"
expect "PUT /api/system {modbus_tcp: {allow: null}} is refused" 400 \
    PUT /api/system '{"modbus_tcp":{"allow":null}}'
check "... naming modbus_tcp.allow" jtrue '.field == "modbus_tcp.allow"'
expect "... and so is another list" 400 PUT /api/system \
    '{"modbus_tcp":{"allow":[{"from":"0.0.0.0/0","access":"write"}]}}'
expect "... and modbus_tcp_allow: null" 400 PUT /api/system \
    '{"modbus_tcp_allow":null}'
check "mews.conf is unchanged" cmp -s "$CONF" "$TMP/conf.before"
expect "the list sent back as GET shows it is accepted" 200 PUT /api/system \
    '{"modbus_tcp":{"allow":[{"from":"10.0.0.0/8","access":"write"}],"max_clients_per_address":8},"modbus_tcp_allow":[{"from":"10.0.0.0/8","access":"write"}]}'
check "... and the list is still in force" \
    jtrue '.modbus_tcp_allow == [{"from": "10.0.0.0/8", "access": "write"}]'

py_tap mapped
check "the gateway listens on ::ffff:127.0.0.1" \
    grep -q "modbus tcp: listening on ::ffff:127.0.0.1 port $GATEWAY_PORT" "$LOG"
check "... and refused 127.0.0.2 by the list" \
    grep -q "modbus tcp: client ::ffff:127.0.0.2:[0-9]* refused: no modbus_tcp.allow entry matches its address" "$LOG"

# Each write that reached a device: who, which unit, function, register.
expect "GET /api/events?kind=gateway_write" 200 GET "/api/events?kind=gateway_write&limit=100"
# has_write ADDRESS VALUE: a gateway_write of VALUE to the breaker.
has_write() {
	printf '%s' "$BODY" | jq -e --arg a "$1" --arg v "$2" '
	    any(.events[]; .kind == "gateway_write" and .address == $a and
	    .profile == "" and .detail == "unit 5 on rs485, function 6, register 0, value \($v)")' >/dev/null
}
check "the open gateway's write (127.0.0.1, open)" has_write 127.0.0.1 1
check "the write client's open (127.0.0.2)" has_write 127.0.0.2 1
check "... and close" has_write 127.0.0.2 2
check "the mapped client's, as its IPv4 address" \
    jtrue '[.events[] | select(.address == "127.0.0.1" and (.detail | endswith("value 1")))] | length == 2'
check "six writes went through, and nothing refused is logged as one: $(json -c '[.events[].detail]')" \
    jtrue '.events | length == 6'

check "mewsd still runs" kill -0 "$MEWSD_PID"
kill -TERM "$MEWSD_PID"; wait "$MEWSD_PID"; rc=$?
check "clean stop (exit $rc)" [ "$rc" = 0 ]
done_testing
