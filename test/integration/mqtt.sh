#!/bin/sh
# MQTT (issue 9) against Debian's mosquitto on loopback, with a password
# file: retained live values equal to the API's, availability, Home
# Assistant discovery configs, values republished unchanged every
# max_interval_s, commands to the breaker taken and others refused, the
# broker stopped and started again (mews reconnects, the API keeps
# answering meanwhile), a reload that keeps the connection, "offline" on a
# clean stop, refused credentials logged without the password, TLS with a
# test-made CA (and refused with another), and the will ("offline") when
# mewsd is killed.  mewsd's clock runs 20 times as fast as real time
# (test_clock), so max_interval_s, which it counts on that clock, passes
# in a fraction of a second; reconnection backoff and the line's timeouts
# keep real time.
. "$(dirname "$0")/web_lib.sh"
. "$(dirname "$0")/live_lib.sh"
for tool in /usr/sbin/mosquitto mosquitto_passwd; do
	have "$tool" || need "no $tool" mosquitto
done
for tool in mosquitto_sub mosquitto_pub; do
	have "$tool" || need "no $tool" mosquitto-clients
done

MQTT_PORT=$(free_port)
TLS_PORT=$(free_port)
PW="s3cret-pw-$$"
mosquitto_passwd -c -b "$TMP/passwd" mews "$PW" >/dev/null 2>&1
# A CA of the test's own, the broker's certificate for 127.0.0.1 (an IP
# SAN, as libmosquitto checks the address it connected to), and another
# CA that did not sign it.
tls_files() {
	local ec="-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes"
	printf 'subjectAltName=IP:127.0.0.1\n' >"$TMP/san.ext"
	# shellcheck disable=SC2086
	openssl req -x509 $ec -keyout "$TMP/ca.key" -out "$TMP/ca.pem" \
	    -days 2 -subj /CN=mews-test-ca &&
	openssl req -x509 $ec -keyout "$TMP/other.key" -out "$TMP/other.pem" \
	    -days 2 -subj /CN=mews-other-ca &&
	openssl req $ec -keyout "$TMP/broker.key" -out "$TMP/broker.csr" \
	    -subj /CN=127.0.0.1 &&
	openssl x509 -req -in "$TMP/broker.csr" -CA "$TMP/ca.pem" \
	    -CAkey "$TMP/ca.key" -CAcreateserial -days 2 \
	    -extfile "$TMP/san.ext" -out "$TMP/broker.pem"
} >/dev/null 2>&1
tls_files || { not_ok "openssl makes the test certificates"; done_testing; }
cat >"$TMP/mosquitto.conf" <<CONF
allow_anonymous false
password_file $TMP/passwd
persistence false
user root
log_dest file $TMP/mosquitto.log
listener $MQTT_PORT 127.0.0.1
listener $TLS_PORT 127.0.0.1
cafile $TMP/ca.pem
certfile $TMP/broker.pem
keyfile $TMP/broker.key
CONF

start_broker() {
	spawn /usr/sbin/mosquitto -c "$TMP/mosquitto.conf"
	BROKER_PID=$LAST_PID
	wait_for 10 mosquitto_sub -h 127.0.0.1 -p "$MQTT_PORT" -u mews \
	    -P "$PW" -t probe -W 1 -E
}
sub() { mosquitto_sub -h 127.0.0.1 -p "$MQTT_PORT" -u mews -P "$PW" "$@"; }
pub() { mosquitto_pub -h 127.0.0.1 -p "$MQTT_PORT" -u mews -P "$PW" "$@"; }
# snapshot FILE: what the broker holds retained, "TOPIC PAYLOAD" a line.
# A new subscription gets the retained messages before any live one, and
# the first live one ends the listing (--retained-only): a marker
# published until then ends it once the broker has sent them all, rather
# than a timeout.
snapshot() {
	local pid
	sub -v --retained-only -W 10 -t 'mews/#' -t 'homeassistant/#' \
	    -t snapshot/end >"$1" 2>/dev/null &
	pid=$!
	while kill -0 "$pid" 2>/dev/null; do
		pub -t snapshot/end -m end 2>/dev/null
		sleep 0.05
	done
	wait "$pid"
	return 0
}
# retained TOPIC PAYLOAD: the broker holds that.
retained() {
	snapshot "$TMP/snap"
	grep -qxF "$1 $2" "$TMP/snap"
}
mqtt_conf() {
	printf 'mqtt = { enabled = true; host = "127.0.0.1"; port = %s;
	user = "mews"; password = "%s"; client_id = "mews-test";
	min_interval_s = 1; max_interval_s = 4; commands = true; %s };\n' \
	    "${2:-$MQTT_PORT}" "$1" "${3:-}"
}
# conf PASSWORD [PORT [SETTINGS]]: the test's configuration with that
# broker password (and port, and more mqtt settings).
conf() {
	write_conf "$LONG_SESSIONS" "$(mqtt_conf "$@")"
	poll_once
}
connected() {
	[ "$(grep -c "mqtt: connected to 127.0.0.1 port $MQTT_PORT as mews-test" \
	    "$LOG")" -ge "$1" ]
}

start_broker || { not_ok "mosquitto starts"; done_testing; }
test_clock 20
conf "$PW"
start_sim || { not_ok "the simulator starts"; done_testing; }
start_mewsd || { not_ok "mewsd serves HTTPS"; sed 's/^/# /' "$LOG"; done_testing; }
check "mewsd connects to the broker with its credentials" \
    wait_for 10 connected 1
# Not through sub: spawn's pid would be a subshell's, and the clean-up
# would leave the client running.
spawn mosquitto_sub -h 127.0.0.1 -p "$MQTT_PORT" -u mews -P "$PW" -v \
    -t 'mews/#' >"$TMP/live" 2>/dev/null

check "the user logs in" login user 11111
check_live_ready
save_devices
# The dead device's "offline", the breaker's "online" and its state: a
# publishing turn has reached the broker.
complete() {
	snapshot "$TMP/snap"
	grep -qx 'mews/dead/available offline' "$TMP/snap" &&
	    grep -qx 'mews/brk/available online' "$TMP/snap" &&
	    grep -q '^mews/brk/state ' "$TMP/snap"
}
check "a publishing turn is on the broker" wait_for 20 complete
# Discovery and availability go at QoS 1, values at 0: they may reach the
# broker in another order.  Checked once what it holds has settled.
verify() {
	snapshot "$TMP/snap1"
	/usr/bin/python3 "$(dirname "$0")/mqtt.py" "$TMP/snap1" \
	    "$TMP"/dev.*.json | grep -q '^not ok' && return 1
	return 0
}
wait_for 10 verify
py_checks mqtt.py "$TMP/snap1" "$TMP"/dev.*.json

# Unchanged (polled once an hour), still said every max_interval_s (4 s
# of mewsd's clock).
republished() { [ "$(grep -c '^mews/main/voltage_l1 ' "$TMP/live")" -ge 2 ]; }
check "an unchanged value is published again within max_interval_s" \
    wait_for 10 republished

# --- Commands ---------------------------------------------------------
breaker_is() {
	call GET /api/devices/brk
	[ "$(json '.values.state.value')" = "$1" ]
}
check "the breaker starts closed" breaker_is 1
pub -t mews/brk/open/set -m PRESS
check "mews/brk/open/set opens the breaker" wait_for 10 breaker_is 0
check "and mews/brk/open/result says ok" \
    wait_for 10 grep -qx 'mews/brk/open/result ok' "$TMP/live"
pub -t mews/brk/close/set -m PRESS
check "mews/brk/close/set closes it again" wait_for 10 breaker_is 1
pub -t mews/brk/open/set -n
check "an empty message is no command (it clears retained ones)" \
    wait_for 10 grep -q \
    'mqtt: command on mews/brk/open/set refused: the payload must be' "$LOG"
pub -t mews/main/open/set -m PRESS
check "a meter takes no command: refused and logged" wait_for 10 grep -q \
    'mqtt: command on mews/main/open/set refused: device main (sdm630) takes no commands' \
    "$LOG"
check "the refusal is published in mews/main/open/result" wait_for 10 \
    grep -q '^mews/main/open/result refused: device main' "$TMP/live"
pub -t mews/brk/fly/set -m PRESS
check "a command the breaker does not have: refused" wait_for 10 grep -q \
    'mqtt: command on mews/brk/fly/set refused: device brk (breaker) has no command fly' \
    "$LOG"
pub -t mews/brk/reset/set -m 'now please'
check "a payload that is not a number: refused" wait_for 10 grep -q \
    'mqtt: command on mews/brk/reset/set refused: the payload must be' "$LOG"
check "the breaker stayed closed through the refusals" breaker_is 1

# --- The broker goes away and comes back --------------------------------
kill "$BROKER_PID"
wait "$BROKER_PID" 2>/dev/null
check "the lost connection is logged" wait_for 10 grep -q \
    "mqtt: connection to 127.0.0.1 port $MQTT_PORT lost" "$LOG"
# Asked while mewsd tries the broker again and fails.
wait_for 10 grep -q "mqtt: no connection to 127.0.0.1 port $MQTT_PORT" "$LOG"
expect "the API answers while the broker is down" 200 GET /api/devices
start_broker || not_ok "mosquitto starts again"
check "mewsd reconnects (backoff up to 8 s here)" wait_for 20 connected 2
check "and publishes everything again (the broker kept nothing)" \
    wait_for 10 retained mews/status online
check "values too" wait_for 20 complete

# --- A reload keeps the connection; a clean stop says offline ------------
kill -HUP "$MEWSD_PID"
check "a reload with the same mqtt settings" wait_for 10 grep -q reloaded "$LOG"
sleep 1
check "keeps the connection" eval '[ "$(grep -c "mqtt: connected to" "$LOG")" = 2 ]'
kill "$MEWSD_PID"
wait "$MEWSD_PID"
check "mewsd stops cleanly (exit 0)" [ $? = 0 ]
check "mews/status is offline after a clean stop" \
    wait_for 10 retained mews/status offline

# --- Refused credentials, a retained command, the will -------------------
conf "wrong-$PW"
pub -r -t mews/brk/open/set -m PRESS
start_mewsd || not_ok "mewsd starts again"
check "refused credentials are logged" wait_for 10 grep -q \
    "mqtt: 127.0.0.1 port $MQTT_PORT refused the connection" "$LOG"
check "without the password" eval '! grep -qF "$PW" "$LOG"'
conf "$PW"
kill -HUP "$MEWSD_PID"
check "with the right password after a reload: connected" \
    wait_for 20 connected 3
check "a retained command is refused (it would run at every connection)" \
    wait_for 10 grep -q 'mqtt: command on mews/brk/open/set refused: a retained command' "$LOG"
pub -r -n -t mews/brk/open/set
check "the user logs in again" login user 11111
# The empty message reaches mewsd as a live one: the second empty-payload
# refusal of the run (the first came with the commands above).
empty_refusals() {
	grep -c "command on mews/brk/open/set refused: the payload" "$LOG"
}
refused_twice() { [ "$(empty_refusals)" -ge 2 ]; }
check "clearing it is refused too: no command in an empty message" \
    wait_for 20 refused_twice
check "once" eval '[ "$(empty_refusals)" = 2 ]'
check "the breaker stays closed" wait_for 20 breaker_is 1
if [ "$(empty_refusals)" != 2 ]; then
	diag "what mewsd said of mqtt:"
	grep 'mqtt:' "$LOG" | tail -n 20 | sed 's/^/# /'
fi
check "mews/status online again" wait_for 10 retained mews/status online

# --- TLS ---------------------------------------------------------------
conf "$PW" "$TLS_PORT" "tls = true; ca_file = \"$TMP/other.pem\";"
kill -HUP "$MEWSD_PID"
check "the plain client said offline as it went" \
    wait_for 10 retained mews/status offline
check "TLS with a CA that did not sign the broker: no connection" \
    wait_for 20 grep -q "mqtt: no connection to 127.0.0.1 port $TLS_PORT" \
    "$LOG"
conf "$PW" "$TLS_PORT" "tls = true; ca_file = \"$TMP/ca.pem\";"
kill -HUP "$MEWSD_PID"
check "TLS with the broker's CA: connected" wait_for 20 grep -q \
    "mqtt: connected to 127.0.0.1 port $TLS_PORT (TLS) as mews-test" "$LOG"
check "status offline (the plain client's goodbye) turns online over TLS" \
    wait_for 10 retained mews/status online
kill -9 "$MEWSD_PID"
wait "$MEWSD_PID" 2>/dev/null
check "killed: the broker publishes the will, mews/status offline" \
    wait_for 10 retained mews/status offline
done_testing
