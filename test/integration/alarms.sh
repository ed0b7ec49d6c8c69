#!/bin/sh
# Alarms and the event log (issue 10, part 4), with the real daemon over
# mews-sim: an overvoltage rule whose threshold the simulated voltage
# (near 230 V) is above, an undervoltage one it never trips, a breaker
# tripped through the gateway (mews-sim's trip command, 0xFFFF), a daily
# budget far below what the simulated load uses in a minute, and devices
# going offline when the simulator is killed.  Acknowledgements, rule
# changes and commands by API; the event log holding logins, a failed
# login, a lockout, an unlock, a configuration change and a command, with
# profile and address; its CSV download equal to the file; alarm mail to
# aiosmtpd on loopback (STARTTLS, AUTH); the state across a restart; and
# rotation with a tiny events.max_kb keeping every record.  mewsd's clock
# runs 20 times as fast as real time (test_clock): delays, the minute's
# mail and the day's budget come in seconds.
. "$(dirname "$0")/web_lib.sh"
have mbpoll || need "no mbpoll" mbpoll
. "$(dirname "$0")/smtp_lib.sh"
HELPER="$(dirname "$0")/reports.py"
EVENTS="$STATE/events/events.csv"
jtrue() { printf '%s' "$BODY" | jq -e "$@" >/dev/null 2>&1; }

SMTP_PORT=$(free_port)
start_smtp starttls "$SMTP_PORT" || not_ok "aiosmtpd starts"

# settings [MAX_KB MAX_FILES]: mail, alarms and the event log's rotation.
settings() {
	cat <<SETTINGS
mail = { server = "127.0.0.1"; port = $SMTP_PORT; security = "starttls";
	 user = "reporter"; password = "s3cret"; from = "mews@example.com";
	 ca_file = "$TMP/cert.pem"; retry_s = 1;
	 alarm_to = [ "fm@example.com" ]; };
events = { max_kb = ${1:-1024}; max_files = ${2:-5}; };
alarms = (
	{ id = "overvoltage"; device = "main"; metric = "voltage_l1";
	  above = 200.0; hysteresis = 2.0; delay_s = 2; severity = "critical";
	  notify = true; },
	{ id = "undervoltage"; device = "sub"; metric = "voltage_l1";
	  below = 150.0; delay_s = 1; },
	{ id = "main-offline"; device = "main"; offline = true; delay_s = 1; },
	{ id = "trip"; device = "brk"; tripped = true; notify = true; },
	{ id = "brk-state"; name = "Breaker state high"; device = "brk";
	  metric = "state"; above = 1.5; },
	{ id = "daily-budget"; device = "main"; metric = "energy_import";
	  budget = 0.001; period = "day"; }
);
SETTINGS
}

write_conf "" "$(settings)"
check "mewsd -t accepts the alarms, alarm_to and events" "$MEWSD" -t -c "$CONF"

# bad SETTINGS WORDS: mewsd -t refuses them, naming the mistake.
bad() {
	write_conf "" "$1"
	"$MEWSD" -t -c "$CONF" >"$TMP/bad.out" 2>&1
	if [ $? = 1 ] && grep -q "$2" "$TMP/bad.out"; then
		ok "mewsd -t: $2"
	else
		not_ok "mewsd -t: $2 ($(cat "$TMP/bad.out"))"
	fi
}
bad 'alarms = ( { id = "a"; device = "nosuch"; offline = true; } );' 'device: no device "nosuch"'
bad 'alarms = ( { id = "a"; name = "two\nlines"; device = "main"; offline = true; } );' 'name: up to 64 printable characters'
bad 'alarms = ( { id = "a"; device = "main"; metric = "voltage_l1"; above = 1.0; below = 2.0; } );' 'exactly one of above, below'
bad 'alarms = ( { id = "a"; device = "sub"; metric = "voltage_l2"; above = 1.0; } );' 'has no voltage_l2'
bad 'alarms = ( { id = "a"; device = "main"; tripped = true; } );' 'tripped is for a breaker'
bad 'alarms = ( { id = "a"; device = "main"; metric = "power"; budget = 1.0; } );' 'a budget is for a total'
bad 'alarms = ( { id = "a"; device = "brk"; tripped = true; notify = true; } );' 'alarm mail needs mail.server'
bad 'alarms = ( { id = "a"; device = "brk"; tripped = true; }, { id = "a"; device = "main"; offline = true; } );' 'alarm id "a" already used'
bad 'events = { max_kb = 0; };' 'max_kb'

test_clock 20
web_up "$LONG_SESSIONS" "$(settings)"
commission administrator 99999 24680 || not_ok "administrator logs in"
cp "$JAR" "$TMP/jar.admin"
commission installer 55555 13579 || not_ok "installer logs in"
cp "$JAR" "$TMP/jar.installer"
commission user 11111 97531 || not_ok "user logs in"
cp "$JAR" "$TMP/jar.user"
as() { cp "$TMP/jar.$1" "$JAR"; }

# is ID STATUS: the alarm's status, as GET /api/alarms/ID says.
is() { call GET "/api/alarms/$1"; [ "$(json .status)" = "$2" ]; }

# --- threshold rules ----------------------------------------------------
as user
check "overvoltage (above 200 V for 2 s) is raised" wait_for 15 is overvoltage active
check "its value is the voltage seen" jtrue '.raised_value > 200 and .raised_value < 260'
check "undervoltage (below 150 V) stays normal" is undervoltage normal
call GET /api/alarms
check "GET /api/alarms: active ones first, with the unacknowledged count" \
    jtrue '.alarms[0].status == "active" and .unacknowledged >= 1'
check "the rules are all listed" jtrue '[.alarms[].id] | sort == ["brk-state","daily-budget","main-offline","overvoltage","trip","undervoltage"]'
check "a rule's name, and the id of one without" jtrue '
	(.alarms[] | select(.id == "brk-state") | .name) == "Breaker state high" and
	(.alarms[] | select(.id == "trip") | .name) == "trip"'
check "the log says it was raised" grep -q "alarms: overvoltage (critical) raised on device main" "$LOG"

# --- breaker trip -------------------------------------------------------
trip() {
	mbpoll -m tcp -p "$GATEWAY_PORT" -a 5 -t 4:hex -r 1 -1 127.0.0.1 \
	    0xFFFF >/dev/null 2>&1
}
check "a trip written through the gateway (mews-sim's fault command)" trip
check "trip is raised when the breaker reads 2" wait_for 10 is trip active

# --- acknowledge ------------------------------------------------------------
expect "the user acknowledges trip" 200 POST /api/alarms/trip/ack
check "trip is acknowledged, by the user" jtrue '.status == "acknowledged" and .acked_by == "user"'
expect "twice is 409" 409 POST /api/alarms/trip/ack
expect "undervoltage has nothing to acknowledge: 409" 409 POST /api/alarms/undervoltage/ack
expect "an unknown alarm is 404" 404 POST /api/alarms/nosuch/ack
expect "a user may not change a rule" 403 PUT /api/alarms/overvoltage '{"above":300.0}'

# --- rule changes -----------------------------------------------------------
as installer
expect "the installer raises overvoltage's threshold to 300 V" 200 PUT \
    /api/alarms/overvoltage '{"above":300.0}'
check "the rule runs with it" jtrue '.threshold == 300'
check "mews.conf has it" grep -q "above = 300" "$CONF"
check "overvoltage clears, and stays listed until acknowledged" \
    wait_for 15 is overvoltage cleared
expect "an installer adds a rule" 201 POST /api/alarms \
    '{"id":"sub-high","device":"sub","metric":"voltage_l1","above":500.0}'
check "it runs, normal" jtrue '.id == "sub-high" and .status == "normal"'
expect "a rule naming no device is refused, naming the field" 400 POST \
    /api/alarms '{"id":"bad","device":"nosuch","offline":true}'
check "the field is device" jtrue '.field == "device"'
expect "removed again" 200 DELETE /api/alarms/sub-high
expect "the installer opens the breaker (a command)" 200 POST \
    /api/devices/brk/command '{"command":"reset"}'
check "trip clears once reset; acknowledged, it is gone" wait_for 10 is trip normal
as user
expect "the user acknowledges the cleared overvoltage" 200 POST /api/alarms/overvoltage/ack
check "then it is gone" jtrue '.status == "normal"'

# --- budget -----------------------------------------------------------------
check "daily-budget (0.001 kWh) is raised within two minutes" \
    wait_for 150 is daily-budget active
check "its value is what main used today" jtrue '.value > 0.001 and .unit == "kWh"'

# --- mail -------------------------------------------------------------------
# The mails' text as decoded (reports.py saves N.txt beside N.eml): a
# quoted-printable line may break in the middle of a phrase.
mail_with() { grep -l "$1" "$MAILS"/*.txt >/dev/null 2>&1; }
check "the alarm mail with overvoltage raised arrives" wait_for 90 mail_with "RAISED  overvoltage (critical) on main"
check "trip raised and cleared, in mail too" wait_for 90 sh -c "grep -l 'RAISED  trip' '$MAILS'/*.txt >/dev/null && grep -l 'CLEARED trip' '$MAILS'/*.txt >/dev/null"
check "overvoltage's clear too" wait_for 90 mail_with "CLEARED overvoltage"
check "to alarm_to" sh -c "cat '$MAILS'/*.rcpt | grep -qx fm@example.com"
check "the budget, not notify, is mailed to nobody" sh -c "! grep -l daily-budget '$MAILS'/*.txt"
# Changes within one minute of the clock share one message: two, made
# just after a minute begins, then undone.
ls "$MAILS"/*.txt >"$TMP/mails.before"
as installer
after_step 5
expect "overvoltage back to 200 V, just after a minute begins" 200 PUT \
    /api/alarms/overvoltage '{"above":200.0}'
check "and a trip at once" trip
one_message() {
	ls "$MAILS"/*.txt | grep -vxFf "$TMP/mails.before" |
	    xargs -r grep -l 'RAISED  trip' | xargs -r grep -l 'RAISED  overvoltage' |
	    grep -q .
}
check "changes of one minute share one message" wait_for 20 one_message
expect "overvoltage at 300 V again" 200 PUT /api/alarms/overvoltage '{"above":300.0}'
expect "the breaker reset" 200 POST /api/devices/brk/command '{"command":"reset"}'
as user
check "overvoltage cleared" wait_for 15 is overvoltage cleared
check "trip cleared" wait_for 15 is trip cleared
expect "the user acknowledges overvoltage" 200 POST /api/alarms/overvoltage/ack
expect "and trip" 200 POST /api/alarms/trip/ack

# --- the event log ----------------------------------------------------------
rm -f "$JAR"
call POST /api/login '{"profile":"user","pin":"00000"}'
check "a wrong PIN is 401" [ "$STATUS" = 401 ]
call POST /api/login '{"profile":"user","pin":"00001"}'
call POST /api/login '{"profile":"user","pin":"00002"}'
check "the third locks the profile: 423" [ "$STATUS" = 423 ]
call POST /api/unlock "{\"profile\":\"user\",\"puk\":\"$(puk_of user)\",\"new_pin\":\"97531\"}"
check "its PUK, made when it was commissioned, unlocks it" [ "$STATUS" = 200 ]
login user 97531 || not_ok "the user logs in with the new PIN"
expect "the user may not read the event log" 403 GET /api/events
as admin
expect "GET /api/events" 200 GET /api/events
# has KIND PROFILE DEVICE DETAIL: an event of the log in the API's answer.
has() {
	printf '%s' "$BODY" | jq -e --arg k "$1" --arg p "$2" --arg d "$3" \
	    --arg t "$4" 'any(.events[]; .kind == $k and .profile == $p and
	    .device == $d and (.detail | contains($t)) and
	    (.profile == "" or .address == "127.0.0.1"))' >/dev/null
}
check "start" has start "" "" "mewsd"
check "logins, with profile and address" has login administrator "" https
check "a failed login" has login_failed user "" "wrong PIN, 2 tries left"
check "the next one: 1 try left, not 1 tries" has login_failed user "" "wrong PIN, 1 try left"
check "the lockout" has locked user "" "locked after 3 wrong PINs"
check "the unlock" has unlocked user "" "PUK"
check "the configuration change, by the installer" has config_changed installer "" "PUT /api/alarms/overvoltage: "
check "the command, by the installer" has command installer brk "reset"
check "the alarm raised" has alarm_raised "" main "overvoltage (critical): voltage_l1"
check "a unitless reading has no stray space, the rule by its name: state 2, above 1.5" \
    has alarm_raised "" brk "Breaker state high (warning): state 2, above 1.5"
check "the acknowledgement, by the user" has alarm_ack user brk "trip acknowledged"
check "newest first" jtrue '[.events[].unix] == ([.events[].unix] | sort | reverse)'
expect "?kind=locked" 200 GET "/api/events?kind=locked"
check "only lockouts" jtrue '(.events | length) >= 1 and all(.events[]; .kind == "locked")'
expect "?limit=2" 200 GET "/api/events?limit=2"
check "two, and more to come" jtrue '(.events | length) == 2 and .more == true and .next_to != null'
expect "?from=future" 200 GET "/api/events?from=4000000000"
check "none" jtrue '.events == [] and .more == false'
expect "an unknown kind is 400" 400 GET "/api/events?kind=party"

web -o "$TMP/download.csv" "$URL/api/events.csv" || not_ok "GET /api/events.csv"
check "the CSV download equals the file (as far as it went)" sh -c "
	head -c \$(stat -c %s '$TMP/download.csv') '$EVENTS' | cmp -s - '$TMP/download.csv'"
check "it parses as CSV: the header, then seven fields a record" \
    /usr/bin/python3 -c "
import csv, sys
rows = list(csv.reader(open('$TMP/download.csv', encoding='utf-8-sig', newline=''), delimiter=';'))
assert rows[0] == ['time', 'unix', 'kind', 'profile', 'address', 'device', 'detail'], rows[0]
assert len(rows) > 15 and all(len(r) == 7 for r in rows), len(rows)
assert any(r[2] == 'command' and r[3] == 'installer' and r[4] == '127.0.0.1' for r in rows)
"

# --- restart: acknowledged stays acknowledged, not notified again -----------
check "trip again" trip
check "raised" wait_for 10 is trip active
expect "acknowledged" 200 POST /api/alarms/trip/ack
RAISES=$(grep -c "alarm_raised;;;brk" "$EVENTS")
MAILS_BEFORE=$(grep -l "RAISED  trip" "$MAILS"/*.txt | wc -l)
kill -TERM "$MEWSD_PID"; wait "$MEWSD_PID"; rc=$?
check "mewsd stops cleanly (exit $rc)" [ "$rc" = 0 ]
check "the stop is an event" grep -q ";stop;;;;signal 15" "$EVENTS"
check "alarms.state keeps trip raised and acknowledged" \
    grep -q 'id = "trip"; device = "brk"; kind = "tripped"; raised = true; acked = true;' "$STATE/alarms.state"
start_mewsd || not_ok "mewsd starts again"
sleep 3
login user 97531 || not_ok "the user logs in again (a restart ends sessions)"
check "after the restart trip is still acknowledged" is trip acknowledged
check "no new raise in the event log" [ "$(grep -c "alarm_raised;;;brk" "$EVENTS")" = "$RAISES" ]
clock_sleep 62
check "no new mail for it" [ "$(grep -l "RAISED  trip" "$MAILS"/*.txt | wc -l)" = "$MAILS_BEFORE" ]

# --- offline ------------------------------------------------------------------
kill "$SIM_PID"; wait "$SIM_PID" 2>/dev/null
check "main-offline is raised when the simulator is gone" wait_for 20 is main-offline active
start_sim
check "and cleared when it is back" wait_for 30 is main-offline cleared

# --- rotation -----------------------------------------------------------------
write_conf "$LONG_SESSIONS" "$(settings 1 50)"
kill -HUP "$MEWSD_PID"
check "the reload is an event" wait_for 20 sh -c "cat '$EVENTS'* | grep -q ';reload;;;;SIGHUP: .* reloaded'"
# logins N: N logins and logouts of the administrator; LOGGED_IN counts
# those answered 200, LOGIN_ANSWERS lists every answer.
logins() {
	local i=0
	LOGGED_IN=0 LOGIN_ANSWERS=
	while [ "$i" -lt "$1" ]; do
		if login administrator 24680; then
			LOGGED_IN=$((LOGGED_IN + 1))
			call POST /api/logout
		fi
		LOGIN_ANSWERS="$LOGIN_ANSWERS $STATUS"
		i=$((i + 1))
	done
}
# count_logins: the administrator's logins in events.csv and its rotated
# files.  mewsd may rotate them while they are read (any event can), so a
# count stands only when no name changed file meanwhile.
count_logins() {
	/usr/bin/python3 -c "
import glob, os
def names():
    return {f: os.stat(f).st_ino for f in glob.glob('$EVENTS*')}
while True:
    try:
        seen = names()
        n = sum(open(f, encoding='utf-8-sig').read().count(
            ';login;administrator;127.0.0.1;;https') for f in seen)
        if names() == seen:
            break
    except FileNotFoundError:
        pass
print(n)
"
}
BEFORE=$(count_logins)
logins 30
check "30 logins and logouts:$LOGIN_ANSWERS" [ "$LOGGED_IN" = 30 ]
check "events.csv was rotated" test -e "$EVENTS.3"
AFTER=$(count_logins)
check "every login is in one of the files ($BEFORE + $LOGGED_IN = $AFTER)" \
    [ "$AFTER" = $((BEFORE + LOGGED_IN)) ]
[ "$AFTER" = $((BEFORE + LOGGED_IN)) ] ||
    diag "$(ls -l "$EVENTS"*; grep -c ";login;administrator" "$EVENTS"*)"
check "each file is whole: its header, then whole records" /usr/bin/python3 -c "
import csv, glob
for f in glob.glob('$EVENTS*'):
    rows = list(csv.reader(open(f, encoding='utf-8-sig', newline=''), delimiter=';'))
    assert rows[0][:3] == ['time', 'unix', 'kind'], f
    assert all(len(r) == 7 for r in rows), f
"
check "the rotated files are about 1 KiB" sh -c "[ \$(du -b '$EVENTS' '$EVENTS.1' '$EVENTS.2' | awk '\$1 > 1500' | wc -l) = 0 ]"
login administrator 24680
web -o "$TMP/all.csv" "$URL/api/events.csv"
check "the download holds every file, one header" /usr/bin/python3 -c "
import csv
rows = list(csv.reader(open('$TMP/all.csv', encoding='utf-8-sig', newline=''), delimiter=';'))
assert sum(1 for r in rows if r[0] == 'time') == 1
n = sum(1 for r in rows if r[2:6] == ['login', 'administrator', '127.0.0.1', ''])
assert n >= $BEFORE + 30, n
"
kill -TERM "$MEWSD_PID"; wait "$MEWSD_PID"; rc=$?
check "mewsd stops cleanly (exit $rc)" [ "$rc" = 0 ]
done_testing
