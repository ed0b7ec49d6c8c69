#!/bin/sh
# The HTTPS JSON API against the real daemon over the simulator: what the
# reading calls show, configuration changes that apply live and land
# atomically in mews.conf (and refused ones that leave it alone), the bus
# tools and the breaker commands.  Who may call what is web_rights.sh's.
. "$(dirname "$0")/web_lib.sh"
have mbpoll || need "no mbpoll" mbpoll

web_up
cp "$CONF" "$TMP/conf.orig"

# jtrue FILTER: the last body makes FILTER true.
jtrue() { printf '%s' "$BODY" | jq -e "$@" >/dev/null 2>&1; }
# as PROFILE: the calls that follow use that profile's cookies.
as() { JAR="$TMP/jar.$1"; }
# A summary of the running devices that polling does not change.
devices_now() {
	call GET /api/devices
	printf '%s' "$BODY" | jq -c '[.[] | {id, name, bus, address, profile}]'
}

# --- A profile on its default PIN may look, not touch -------------------
as installer
check "the installer logs in with its default PIN" login installer 55555
expect "default PIN: GET /api/devices is allowed" 200 GET /api/devices
call POST /api/devices '{"id":"x9","bus":"rs485","address":"x"}'
check "default PIN: POST /api/devices is 403 must_change_pin" \
    eval '[ "$STATUS" = 403 ] && jtrue ".must_change_pin == true"'
call POST /api/devices/brk/command '{"command":"open"}'
check "default PIN: a command is 403 must_change_pin" \
    eval '[ "$STATUS" = 403 ] && jtrue ".must_change_pin == true"'

as installer
check "the installer is commissioned" commission installer 55555 13579
as administrator
check "the administrator is commissioned" \
    commission administrator 99999 24680
as user
check "the user is commissioned" commission user 11111 86420

# --- Reading --------------------------------------------------------------
as user
all_online() {
	call GET /api/devices
	jtrue '[.[] | select(.online == true)] | length == 3'
}
check "the three devices come online" wait_for 10 all_online
check "/api/devices lists main, sub and brk" \
    jtrue '([.[].id] | sort) == ["brk", "main", "sub"]'
check "/api/devices shows main's bus, address and profile" \
    jtrue '.[] | select(.id == "main") | .bus == "rs485" and
    .address == 1 and .profile == "sdm630"'

expect "GET /api/devices/main" 200 GET /api/devices/main
check "main's voltage_l1 is in V" jtrue '.values.voltage_l1.unit == "V"'
check "main's voltage_l1 is plausible ($(json .values.voltage_l1.value))" \
    jtrue '.values.voltage_l1.value | . >= 100 and . <= 300'
check "main's voltage_l1 quality is ok" \
    jtrue '.values.voltage_l1.quality == "ok"'
check "main has polling stats with replies" \
    jtrue '.stats.requests > 0 and .stats.replies > 0'
check "main's config comes from mews.conf" \
    jtrue '.config.id == "main" and .config.profile == "sdm630" and
    .config.address == 1 and .config.poll_ms == 500'
expect "GET /api/devices/nosuch is 404" 404 GET /api/devices/nosuch

expect "GET /api/status" 200 GET /api/status
check "status has a version" jtrue '.version | type == "string" and
    length > 0'
check "status has an SHA256 fingerprint" \
    jtrue '.fingerprint | startswith("SHA256 ")'
# The pages show it for comparing with the browser's: it must be the
# certificate's own.
fp=$(openssl x509 -in "$STATE/tls/cert.pem" -noout -fingerprint -sha256 \
    2>/dev/null | sed 's/.*=//')
check "the fingerprint is the served certificate's" \
    [ "$(json .fingerprint)" = "SHA256 $fp" ]
check "status counts 3 devices" jtrue '.devices.total == 3'

expect "GET /api/models" 200 GET /api/models
check "the models include sdm630 with its metrics" \
    jtrue 'any(.[]; .name == "sdm630" and
    any(.metrics[]; .name == "voltage_l1" and .unit == "V"))'
check "the breaker model offers open, close and reset" \
    jtrue 'any(.[]; .name == "breaker" and
    (.commands | index("open") and index("close") and index("reset")))'

expect "GET /api/logs" 200 GET /api/logs
check "the log is a non-empty array of entries" \
    jtrue 'type == "array" and length > 0 and
    all(.[]; has("time") and has("level") and has("message"))'
check "the log has the daemon's ready line" \
    jtrue 'any(.[]; .message | test("ready"))'
# Logins and who connected are the administrator's, as the event log is:
# a wrong PIN from 127.0.0.1 is logged, the user reads the log without it.
JAR="$TMP/jar.wrong" login user 00000
as user
call GET /api/logs
check "the user's log: no address, no PIN or login line" \
    jtrue 'length > 0 and all(.[]; .message | test("127\\.0\\.0\\.1|PIN|login") | not)'
check "... an address reads as a client" \
    jtrue 'any(.[]; .message | test("a client"))'
as administrator
call GET /api/logs
check "the administrator's log has them: the wrong PIN, from 127.0.0.1" \
    jtrue 'any(.[]; .message | test("127\\.0\\.0\\.1.*wrong PIN"))'
as user

# --- Bus tools ------------------------------------------------------------
as installer
expect "test: read unit 1" 200 POST /api/buses/rs485/test \
    '{"unit":1,"function":3,"address":0,"count":2}'
check "test: unit 1 answers (result ok)" jtrue '.result == "ok"'
expect "test: read unit 1 input registers" 200 POST /api/buses/rs485/test \
    '{"unit":1,"function":4,"address":0,"count":2}'
check "test: two registers come back" \
    jtrue '.result == "ok" and (.registers | length) == 2 and
    .exception == null'
expect "test: read unit 9" 200 POST /api/buses/rs485/test \
    '{"unit":9,"function":3,"address":0,"count":2,"timeout_ms":100}'
check "test: unit 9 times out" jtrue '.result == "timeout"'
expect "test: function 99 is refused" 400 POST /api/buses/rs485/test \
    '{"unit":1,"function":99,"address":0,"count":2}'
check "test: the refusal names the function" jtrue '.field == "function"'

expect "scan: 1..6 starts" 202 POST /api/buses/rs485/scan \
    '{"first":1,"last":6,"timeout_ms":50}'
scan_over() {
	call GET /api/buses/rs485/scan
	[ "$STATUS" = 200 ] && jtrue '.running == false'
}
check "scan: it ends" wait_for 15 scan_over
check "scan: found exactly 1, 2 and 5 ($(json -c '[.found[].address]'))" \
    jtrue '[.found[].address] == [1, 2, 5]'
check "scan: 1 is an sdm630" \
    jtrue '.found[] | select(.address == 1) | .candidates | index("sdm630")'
check "scan: 2 is an sdm120" \
    jtrue '.found[] | select(.address == 2) | .candidates | index("sdm120")'
check "scan: 5 is a breaker" \
    jtrue '.found[] | select(.address == 5) | .candidates | index("breaker")'
check "scan: no error" jtrue '.error == null'

# --- Control --------------------------------------------------------------
# The pages build the controls and name the states from what the module
# says, with no table of their own.
call GET /api/devices/brk
check "brk's controls: open (dangerous), close, reset, each labelled and explained" \
    jtrue '[.controls[] | [.name, .dangerous]] ==
	[["open", true], ["close", false], ["reset", false]] and
	all(.controls[]; (.label | length) > 0 and (.text | length) > 0 and
	(has("arg") | not))'
check "brk's states: Open, Closed, Tripped, with their tones" \
    jtrue '[.states[] | {name, tone}] == [{"name": "Open", "tone": "warn"},
	{"name": "Closed", "tone": "ok"}, {"name": "Tripped", "tone": "bad"}]'
call GET /api/devices/main
check "a meter has no controls and no states" \
    jtrue '.controls == [] and .states == [] and .commands == []'
call GET "/api/devices?values=1"
check "the list with values gives each device its states too" \
    jtrue 'all(.[]; has("states")) and
	(map(select(.id == "brk"))[0].states | length) == 3'

# breaker_is N: brk's polled state is N (0 open, 1 closed, 2 tripped).
breaker_is() {
	call GET /api/devices/brk
	jtrue --argjson n "$1" '.values.state.value == $n'
}
expect "command: open brk" 200 POST /api/devices/brk/command \
    '{"command":"open"}'
check "command: open confirmed" jtrue '.result == "ok"'
check "command: brk reads open" wait_for 5 breaker_is 0
expect "command: close brk" 200 POST /api/devices/brk/command \
    '{"command":"close"}'
check "command: close confirmed" jtrue '.result == "ok"'
check "command: brk reads closed" wait_for 5 breaker_is 1
# A trip (mews-sim's fault command, written through the gateway): a
# tripped breaker offers reset alone, and the API refuses a close that
# would be answered and change nothing.
mbpoll -m tcp -p "$GATEWAY_PORT" -a 5 -t 4:hex -r 1 -1 127.0.0.1 0xFFFF \
    >/dev/null 2>&1
check "command: brk trips (mews-sim's fault)" wait_for 5 breaker_is 2
check "its Tripped state offers reset alone, and says why" \
    jtrue '.states[2].commands == ["reset"] and (.states[2].note | test("reset"))'
call POST /api/devices/brk/command '{"command":"close"}'
check "command: close on a tripped breaker is 400, saying why (HTTP $STATUS)" \
    eval '[ "$STATUS" = 400 ] && jtrue ".error | test(\"is Tripped\") and test(\"reset\")"'
expect "command: reset brk" 200 POST /api/devices/brk/command \
    '{"command":"reset"}'
not_tripped() { call GET /api/devices/brk; jtrue '.values.state.value != 2'; }
check "command: brk is no longer tripped" wait_for 5 not_tripped
expect "command: then close brk" 200 POST /api/devices/brk/command \
    '{"command":"close"}'
check "command: brk reads closed again" wait_for 5 breaker_is 1
expect "command: an unknown command is 400" 400 POST \
    /api/devices/brk/command '{"command":"fly"}'
expect "command: an unknown device is 404" 404 POST \
    /api/devices/nosuch/command '{"command":"open"}'

# --- Configuration changes ------------------------------------------------
config_ok() { "$MEWSD" -t -c "$CONF" >/dev/null 2>&1; }
# mews.conf holds passwords (mail, MQTT, pushes): a save keeps it private.
chmod 0600 "$CONF"

expect "add device x3" 201 POST /api/devices \
    '{"id":"x3","name":"X","bus":"rs485","address":3,"profile":"sdm120"}'
check "the answer is x3" jtrue '.id == "x3" and .address == 3'
call GET /api/devices
check "x3 runs" jtrue 'any(.[]; .id == "x3" and .profile == "sdm120")'
check "mews.conf has x3" grep -q 'id = "x3"' "$CONF"
check "mews.conf.bak is the previous version" \
    cmp -s "$CONF.bak" "$TMP/conf.orig"
check "mewsd -t accepts the written file" config_ok
check "the new mews.conf is no more readable than the old (0600)" \
    [ "$(stat -c %a "$CONF")" = 600 ]
expect "GET /api/devices/x3" 200 GET /api/devices/x3
check "x3's config is as sent" jtrue '.config == {"id":"x3","name":"X",
    "bus":"rs485","address":3,"profile":"sdm120"}'

cp "$CONF" "$TMP/conf.x3"
expect "change x3's name" 200 PUT /api/devices/x3 \
    '{"name":"Meter 3","bus":"rs485","address":3,"profile":"sdm120"}'
check "the answer keeps the id, with the new name" \
    jtrue '.id == "x3" and .name == "Meter 3"'
call GET /api/devices
check "x3 runs under its new name" \
    jtrue 'any(.[]; .id == "x3" and .name == "Meter 3")'
check "mews.conf has the new name" grep -q 'name = "Meter 3"' "$CONF"
check "mews.conf.bak is the version before the change" \
    cmp -s "$CONF.bak" "$TMP/conf.x3"
check "mewsd -t accepts the changed file" config_ok

# reject DESCRIPTION FIELD METHOD PATH [JSON]: 400 naming FIELD ("" for
# none), with mews.conf, its backup and the running devices untouched.
reject() {
	local d=$1 field=$2 before; shift 2
	cp "$CONF" "$TMP/conf.before"
	cp "$CONF.bak" "$TMP/bak.before"
	before=$(devices_now)
	call "$@"
	if [ "$STATUS" = 400 ] && { [ -z "$field" ] ||
	    [ "$(json '.field // ""')" = "$field" ]; }; then
		ok "$d: 400${field:+, field $field}"
	else
		not_ok "$d: HTTP $STATUS, wanted 400${field:+ field $field}: $BODY"
	fi
	check "$d: mews.conf and its backup unchanged" eval \
	    'cmp -s "$CONF" "$TMP/conf.before" &&
	    cmp -s "$CONF.bak" "$TMP/bak.before"'
	check "$d: the running devices unchanged" \
	    [ "$(devices_now)" = "$before" ]
}
reject "changing x3's id" id PUT /api/devices/x3 \
    '{"id":"x4","name":"Y","bus":"rs485","address":3,"profile":"sdm120"}'
reject "address \"x\"" address POST /api/devices \
    '{"id":"x5","name":"X","bus":"rs485","address":"x","profile":"sdm120"}'
reject "an unknown bus" bus POST /api/devices \
    '{"id":"x5","name":"X","bus":"nob","address":4,"profile":"sdm120"}'
reject "an unknown key" colour POST /api/devices \
    '{"id":"x5","name":"X","bus":"rs485","address":4,"profile":"sdm120","colour":"red"}'
reject "a duplicate id" id POST /api/devices \
    '{"id":"main","name":"X","bus":"rs485","address":4,"profile":"sdm120"}'
reject "a missing profile" profile POST /api/devices \
    '{"id":"x5","name":"X","bus":"rs485","address":4}'
reject "malformed JSON" "" POST /api/devices '{"id":"x5",'
reject "a JSON array" "" POST /api/devices '[1]'

expect "remove x3" 200 DELETE /api/devices/x3
call GET /api/devices
check "x3 no longer runs" jtrue 'all(.[]; .id != "x3") and length == 3'
expect "GET /api/devices/x3 is now 404" 404 GET /api/devices/x3
check "mews.conf no longer has x3" eval '! grep -q "x3" "$CONF"'
check "mewsd -t accepts the file without x3" config_ok

gw_port=$(free_port)
expect "add gateway gw1" 201 POST /api/gateways \
    "{\"name\":\"gw1\",\"host\":\"127.0.0.1\",\"port\":$gw_port}"
check "the answer is gw1" jtrue --argjson p "$gw_port" \
    '.name == "gw1" and .host == "127.0.0.1" and .port == $p'
call GET /api/gateways
check "gw1 is listed" jtrue --argjson p "$gw_port" \
    'any(.[]; .name == "gw1" and .host == "127.0.0.1" and .port == $p)'
expect "GET /api/gateways/gw1" 200 GET /api/gateways/gw1
check "mews.conf has gw1" grep -q 'name = "gw1"' "$CONF"
check "mewsd -t accepts the file with gw1" config_ok
gw_port2=$(free_port)
expect "change gw1's port" 200 PUT /api/gateways/gw1 \
    "{\"host\":\"127.0.0.1\",\"port\":$gw_port2}"
check "gw1 runs with the new port" jtrue --argjson p "$gw_port2" \
    '.name == "gw1" and .port == $p'
expect "remove gw1" 200 DELETE /api/gateways/gw1
call GET /api/gateways
check "gw1 is gone" jtrue 'all(.[]; .name != "gw1")'
check "mews.conf no longer has gw1" eval '! grep -q "gw1" "$CONF"'

# A bus whose port is missing still goes into the configuration: the
# adapter may be plugged in later.
expect "add bus b2" 201 POST /api/buses \
    "{\"name\":\"b2\",\"port\":\"$TMP/nosuch\",\"parity\":\"none\"}"
call GET /api/buses
check "b2 is listed, down" \
    jtrue 'any(.[]; .name == "b2" and .up == false and .parity == "none")'
check "mews.conf has b2" grep -q 'name = "b2"' "$CONF"
expect "remove b2" 200 DELETE /api/buses/b2
call GET /api/buses
check "b2 is gone" jtrue 'all(.[]; .name != "b2")'

cp "$CONF" "$TMP/conf.before"
before=$(devices_now)
expect "removing bus rs485 under its devices is 409" 409 \
    DELETE /api/buses/rs485
check "409: mews.conf unchanged" cmp -s "$CONF" "$TMP/conf.before"
call GET /api/buses
check "409: rs485 still runs" jtrue 'any(.[]; .name == "rs485" and .up)'
check "409: the devices still run" [ "$(devices_now)" = "$before" ]

# --- System ---------------------------------------------------------------
as administrator
cp "$CONF" "$TMP/conf.before"
expect "system: a port \"x\" is refused" 400 PUT /api/system \
    '{"modbus_tcp":{"port":"x"}}'
check "system: the refusal names modbus_tcp.port" \
    jtrue '.field == "modbus_tcp.port"'
check "system: mews.conf unchanged" cmp -s "$CONF" "$TMP/conf.before"

new_port=$(free_port)
expect "system: move the Modbus TCP gateway to port $new_port" 200 \
    PUT /api/system "{\"modbus_tcp\":{\"port\":$new_port}}"
check "system: the answer shows the new port" \
    jtrue --argjson p "$new_port" '.modbus_tcp.port == $p'
check "system: the gateway listens on the new port" wait_for 5 grep -q \
    "modbus tcp: listening on 127.0.0.1 port $new_port" "$LOG"
check "system: a client connects to the new port" /usr/bin/python3 -c '
import socket, sys
socket.create_connection(("127.0.0.1", int(sys.argv[1])), 2).close()
' "$new_port"
check "system: mews.conf has the new port" grep -q "port = $new_port;" \
    "$CONF"
check "system: mewsd -t accepts the file" config_ok

# --- Files on the box are set in mews.conf only (issue 15, item 4) ------
# The attack: the web root moved to / from the pages served any file the
# daemon (root) could read to anyone, without a login.  Paths stay the
# machine owner's; a page sending its whole object back still saves.
mkdir "$TMP/private"
echo "root only" >"$TMP/private/secret.txt"
chmod 600 "$TMP/private/secret.txt"
# unauth PATH: GET without a session; sets STATUS, the body in $TMP/leak.
unauth() {
	STATUS=$(curl -sS --max-time 10 --cacert "$STATE/tls/cert.pem" \
	    --resolve "$HOST:$HTTPS_PORT:127.0.0.1" -o "$TMP/leak" \
	    -w '%{http_code}' "$URL$1")
}
cp "$CONF" "$TMP/conf.before"
expect "files: moving the web root to / is refused" 400 PUT /api/system \
    '{"http":{"www":"/"}}'
check "files: the refusal names http.www and mews.conf" \
    jtrue '.field == "http.www" and (.error | test("only in mews.conf"))'
check "files: mews.conf unchanged" cmp -s "$CONF" "$TMP/conf.before"
unauth "$TMP/private/secret.txt"
check "files: the root-only file is not served without a login (HTTP $STATUS)" \
    sh -c "[ '$STATUS' = 404 ] && ! grep -q 'root only' '$TMP/leak'"
unauth /
check "files: the pages are still served from their own folder (HTTP $STATUS)" \
    sh -c "[ '$STATUS' = 200 ] && grep -qi '<html' '$TMP/leak'"
for change in "http:cert:\"$TMP/private/secret.txt\"" "http:key:\"/etc/shadow\"" \
    "http:www:\"$TMP/private\""; do
	g=${change%%:*}; rest=${change#*:}; k=${rest%%:*}; v=${rest#*:}
	expect "files: $g.$k = $v is refused" 400 PUT /api/system \
	    "{\"$g\":{\"$k\":$v}}"
	check "files: ... naming $g.$k" jtrue --arg f "$g.$k" '.field == $f'
done
expect "files: state_dir = / is refused" 400 PUT /api/system \
    '{"state_dir":"/"}'
check "files: ... naming state_dir" jtrue '.field == "state_dir"'
check "files: mews.conf still unchanged" cmp -s "$CONF" "$TMP/conf.before"
# The whole object as GET gave it, one setting changed: the paths come
# back as they are, which is no change.
call GET /api/system
whole=$(json -c '.modbus_tcp.max_clients = 17')
expect "files: the whole object back, max_clients changed, is saved" 200 \
    PUT /api/system "$whole"
check "files: the answer has the change" jtrue '.modbus_tcp.max_clients == 17'
check "files: mews.conf has it, and no path the pages sent" sh -c "
	grep -q 'max_clients = 17;' '$CONF' &&
	! grep -Eq '^[[:space:]]*(www|cert|key) = ' '$CONF' &&
	grep -q 'state_dir = \"$STATE\";' '$CONF'"
expect "files: the reports' CA file is refused from the pages" 400 \
    PUT /api/reports "{\"mail\":{\"ca_file\":\"$TMP/private/secret.txt\"}}"
check "files: ... naming mail.ca_file" jtrue '.field == "mail.ca_file"'
expect "files: a report's SSH key file is refused from the pages" 400 \
    PUT /api/reports '{"reports":[{"name":"up","at":"00:00",
	"push":{"url":"sftp://127.0.0.1/in/","verify":false,
		"key_file":"/root/.ssh/id_rsa"}}]}'
check "files: ... naming push.key_file" jtrue '.field == "push.key_file"'
expect "files: a test with another CA file is refused too" 400 \
    POST /api/reports/test "{\"report\":\"x\",\"mail\":{\"ca_file\":\"/\"}}"
check "files: ... naming mail.ca_file" jtrue '.field == "mail.ca_file"'
check "files: mewsd -t accepts the file" config_ok

# --- The end --------------------------------------------------------------
# Two different Content-Length headers (request smuggling through a
# proxy that reads the other one): 400, whichever the body matches; one
# repeated with the same value is no ambiguity.
raw_lengths() {
	/usr/bin/python3 - "$HTTPS_PORT" "$STATE/tls/cert.pem" "$HOST" "$@" <<'PY'
import socket, ssl, sys
port, ca, host = int(sys.argv[1]), sys.argv[2], sys.argv[3]
ctx = ssl.create_default_context(cafile=ca)
s = ctx.wrap_socket(socket.create_connection(("127.0.0.1", port), 5),
                    server_hostname=host)
lengths = "".join("Content-Length: %s\r\n" % n for n in sys.argv[4:])
s.sendall(("POST /api/logout HTTP/1.1\r\nHost: %s\r\n"
           "X-Requested-With: mews\r\nContent-Type: application/json\r\n"
           "%s\r\n{}" % (host, lengths)).encode())
print(s.recv(100).split(b"\r\n")[0].decode())
PY
}
status_line=$(raw_lengths 2 5)
check "two different Content-Lengths: 400 ($status_line)" \
    sh -c "echo '$status_line' | grep -q ' 400 '"
status_line=$(raw_lengths 2 2)
check "the same one twice is read as one ($status_line)" \
    sh -c "echo '$status_line' | grep -qv ' 400 '"
expect "logout" 200 POST /api/logout
expect "after logout the session is gone" 401 GET /api/session

check "mewsd is still running" kill -0 "$MEWSD_PID"
kill -TERM "$MEWSD_PID"
wait "$MEWSD_PID"; rc=$?
check "clean stop (exit $rc)" [ "$rc" = 0 ]
done_testing
