#!/bin/sh
# Wrong PUKs back off the address that sends them, never the profile (the
# security issue, item 6): ten wrong PUKs from anywhere blocked a profile
# for good, in the pages, by FTP and WebDAV alike, until root ran
# `mewsd --reset-profile` on the box.  Replayed: the user locked, then 15
# wrong PUKs from 127.0.0.2, which must wait, longer and longer
# (core/web/puk_guard.h: 3 free, then 60 s doubled up to an hour), even with
# the right PUK; the profile, whose profiles.conf records the old block,
# is only locked, and the right PUK from 127.0.0.3 unlocks it: its new
# PIN works in the pages, by FTP and WebDAV.  Then wrong PUKs from 13
# addresses raise the alarm, once, and the right PUK still unlocks.
# mewsd's clock runs fast (test_clock): a minute's wait takes seconds.
. "$(dirname "$0")/web_lib.sh"

test_clock 10
FTP_PORT=$(free_port)
PASV=$(free_port)
FTP_CONF="ftp = { listen = \"127.0.0.1\"; port = $FTP_PORT;
	passive_ports = [ $PASV, $((PASV + 9)) ]; };"
mkdir -p "$STATE/csv/archive"
printf 'time;power (W)\r\n' >"$STATE/csv/archive/day.csv"
chmod -R 700 "$STATE"
web_up "$LONG_SESSIONS"
HDR="$TMP/headers"
PROFILES_CONF="$STATE/profiles.conf"

# from ADDR METHOD PATH [JSON]: call from that loopback address, with its
# own cookie jar: STATUS, BODY, and the headers in $HDR.
from() {
	local CLIENT_ADDR="$1" JAR="$TMP/jar.$1" method="$2" path="$3" \
	    data="${4:-}"
	STATUS=$(web -D "$HDR" -o "$TMP/body" -w '%{http_code}' \
	    -X "$method" -H 'X-Requested-With: mews' \
	    -H 'Content-Type: application/json' ${data:+--data "$data"} \
	    "$URL$path")
	BODY=$(cat "$TMP/body" 2>/dev/null)
}
header() {
	grep -i "^$1:" "$HDR" 2>/dev/null | head -n 1 | sed 's/^[^:]*: *//' |
	    tr -d '\r'
}
# jis DESCRIPTION WANT_STATUS JQ_TEST: the last answer's status and body.
jis() {
	if [ "$STATUS" = "$2" ] &&
	    [ "$(printf '%s' "$BODY" | jq -r "$3" 2>/dev/null)" = true ]; then
		ok "$1"
	else
		not_ok "$1 (HTTP $STATUS, wanted $2 and $3: $BODY)"
	fi
}
# unlock ADDR PUK NEW_PIN: the user's.
unlock() {
	from "$1" POST /api/unlock \
	    "{\"profile\":\"user\",\"puk\":\"$2\",\"new_pin\":\"$3\"}"
}
# lock_user ADDR PIN: three wrong PINs, the last answered 423.
lock_user() {
	local pin
	for pin in 00001 00002 00003; do
		from "$1" POST /api/login \
		    "{\"profile\":\"user\",\"pin\":\"$pin\"}"
	done
	[ "$STATUS" = 423 ]
}
ftp_list() {
	curl -sS --max-time 20 --ssl-reqd --cacert "$STATE/tls/cert.pem" \
	    -u "user:$1" "ftp://127.0.0.1:$FTP_PORT/archive/" 2>&1
}
dav_status() {
	curl -sS --max-time 20 --cacert "$STATE/tls/cert.pem" \
	    --resolve "$HOST:$HTTPS_PORT:127.0.0.1" -u "user:$1" \
	    -X PROPFIND -H "Depth: 0" -o "$TMP/dav.body" -w '%{http_code}' \
	    "$URL/dav/" 2>/dev/null
}
# events KIND JQ_FILTER: how many of that kind's events pass the filter.
events() {
	from 127.0.0.1 GET "/api/events?kind=$1&limit=1000"
	printf '%s' "$BODY" | jq "[.events[] | select($2)] | length"
}

check "the administrator is commissioned" \
    commission administrator 99999 13579
cp "$JAR" "$TMP/jar.127.0.0.1"
check "the user is commissioned" commission user 11111 24680
user_puk=$(puk_of user)
check "its first PIN change made it a PUK ($user_puk)" \
    sh -c 'printf "%s" "$1" | grep -Eqx "[0-9]{5} [0-9]{4} [0-9]{5}"' - \
    "$user_puk"
check "three wrong PINs from 127.0.0.2 lock the user" lock_user 127.0.0.2

# --- A file from before: the old block --------------------------------------
kill -TERM "$MEWSD_PID"
wait "$MEWSD_PID"; rc=$?
check "mewsd stops (exit $rc)" [ "$rc" = 0 ]
sed -i 's/^\(user = {.*\)puk_failures = [0-9]*;/\1puk_failures = 10;/' \
    "$PROFILES_CONF"
check "profiles.conf records the user as the old code blocked it: locked, 10 wrong PUKs" \
    grep -q '^user = {.*pin_failures = 3; puk_failures = 10;' "$PROFILES_CONF"
if start_mewsd; then ok "mewsd restarts"; else not_ok "mewsd restarts"; sed 's/^/# /' "$LOG"; done_testing; fi
rm -f "$TMP/jar.127.0.0.1"
from 127.0.0.1 POST /api/login '{"profile":"administrator","pin":"13579"}'
check "the administrator logs in after the restart (HTTP $STATUS)" \
    [ "$STATUS" = 200 ]
from 127.0.0.1 POST /api/login '{"profile":"user","pin":"24680"}'
jis "the user with its right PIN: 423 locked, not blocked" 423 \
    '.locked == true and has("blocked") == false and (.error | test("PUK"))'
check "FTP refuses its right PIN while it is locked" \
    sh -c '! printf "%s" "$1" | grep -q day.csv' - "$(ftp_list 24680)"
check "... and says locked, not blocked" \
    grep -q "ftp: 127.0.0.1:[0-9]*: profile user is locked after 3 wrong PINs" \
    "$LOG"
st=$(dav_status 24680)
check "WebDAV answers its right PIN 423 locked (HTTP $st: $(cat "$TMP/dav.body"))" \
    sh -c '[ "$1" = 423 ] && grep -q "locked after 3 wrong PINs" "$2"' - \
    "$st" "$TMP/dav.body"

# --- Wrong PUKs from 127.0.0.2 ----------------------------------------------
i=1
while [ $i -le 3 ]; do
	unlock 127.0.0.2 "1234567890123$i" 86420
	if [ "$STATUS" != 401 ] ||
	    [ "$(printf '%s' "$BODY" | jq .retry_after)" != 0 ]; then
		break
	fi
	i=$((i + 1))
done
check "wrong PUKs 1 to 3: 401, retry_after 0 (stopped at $i: $STATUS $BODY)" \
    [ $i = 4 ]
unlock 127.0.0.2 12345678901234 86420
jis "the fourth: 401, and now this address waits 60 s" 401 \
    '.retry_after == 60 and (.error | test("wait"))'
refused=0
while [ $i -lt 15 ]; do
	i=$((i + 1))
	unlock 127.0.0.2 "9876543210987$((i % 10))" 86420
	ra=$(header Retry-After)
	if [ "$STATUS" = 429 ] && [ "$ra" -ge 1 ] 2>/dev/null &&
	    [ "$ra" -le 60 ] &&
	    [ "$(printf '%s' "$BODY" | jq .retry_after)" = "$ra" ]; then
		refused=$((refused + 1))
	else
		diag "wrong PUK $i: HTTP $STATUS, Retry-After $ra: $BODY"
	fi
done
check "wrong PUKs 5 to 15: 429, retry_after and Retry-After 1 to 60 s ($refused of 11)" \
    [ $refused = 11 ]
unlock 127.0.0.2 "$user_puk" 86420
jis "the right PUK from 127.0.0.2: 429 too, nothing judged" 429 \
    '.retry_after > 0 and .retry_after <= 60 and (.error | test("PUK"))'
wait_s=$(printf '%s' "$BODY" | jq .retry_after)
from 127.0.0.1 GET /api/profiles
jis "the user is locked, 14 wrong PUKs counted (10 from the file, 4 judged now), never blocked" \
    200 '(.[] | select(.profile == "user") | .locked == true and .puk_failures == 14) and all(.[]; has("blocked") | not)'

# The wait ends, and the next wrong PUK doubles it.
clock_sleep $((wait_s + 1))
unlock 127.0.0.2 11111111111111 86420
jis "past the wait, a wrong PUK from 127.0.0.2 is judged again: 401, now 120 s" \
    401 '.retry_after == 120'
unlock 127.0.0.2 "$user_puk" 86420
jis "and the right one waits again: 429, 61 to 120 s" 429 \
    '.retry_after > 60 and .retry_after <= 120'

# --- The right PUK from 127.0.0.3 -------------------------------------------
unlock 127.0.0.3 "$user_puk" 97531
jis "the right PUK from 127.0.0.3 unlocks: 200, logged in, the PUK kept" 200 \
    '.profile == "user" and .must_change_pin == false and .new_puk == null'
from 127.0.0.3 GET /api/session
check "... with a session that works (HTTP $STATUS)" [ "$STATUS" = 200 ]
unlock 127.0.0.2 "$user_puk" 13579
jis "127.0.0.2 still waits: 429" 429 '.retry_after > 0'
from 127.0.0.1 POST /api/login '{"profile":"user","pin":"97531"}'
check "the new PIN logs in from 127.0.0.1 (HTTP $STATUS)" [ "$STATUS" = 200 ]
check "FTP (TLS) takes the new PIN" \
    sh -c 'printf "%s" "$1" | grep -q " day.csv$"' - "$(ftp_list 97531)"
st=$(dav_status 97531)
check "WebDAV takes the new PIN (HTTP $st)" [ "$st" = 207 ]
from 127.0.0.1 POST /api/login '{"profile":"administrator","pin":"13579"}'
from 127.0.0.1 GET /api/profiles
jis "the user is unlocked, its counters cleared" 200 \
    '.[] | select(.profile == "user") | .locked == false and .pin_failures == 0 and .puk_failures == 0'

# --- The event log -----------------------------------------------------------
n=$(events login_failed '.profile == "user" and .address == "127.0.0.2" and (.detail | test("wrong PUK: this address waits"))')
check "the event log has the 5 wrong PUKs judged, from 127.0.0.2 ($n)" [ "$n" = 5 ]
n=$(events login_failed '.profile == "user" and .address == "127.0.0.2" and (.detail | test("refused for [0-9]+ s: too many wrong PUKs"))')
check "... and the 14 PUKs refused unjudged ($n)" [ "$n" = 14 ]
n=$(events unlocked '.profile == "user" and .address == "127.0.0.3"')
check "... and the unlock from 127.0.0.3 ($n)" [ "$n" = 1 ]
n=$(events puk_alarm 'true')
check "no alarm yet ($n)" [ "$n" = 0 ]

# --- Many addresses: the alarm, and the right PUK still unlocks -------------
check "three wrong PINs lock the user again" lock_user 127.0.0.1
judged=0
a=1
while [ $a -le 13 ]; do
	for k in 1 2 3 4; do
		unlock "127.0.1.$a" "$(printf '5555555555%02d%02d' $a $k)" 86420
		[ "$STATUS" = 401 ] && judged=$((judged + 1))
	done
	a=$((a + 1))
done
check "4 wrong PUKs from each of 13 addresses: each judged, 401 ($judged of 52)" \
    [ $judged = 52 ]
n=$(events puk_alarm '.profile == "user" and (.detail | test("50 wrong PUKs within 60 min from all addresses"))')
check "the 50th raised the alarm, once ($n)" [ "$n" = 1 ]
check "... and the log says so" \
    grep -q "https: 50 wrong PUKs within 60 min from all addresses" "$LOG"
unlock 127.0.0.4 "$user_puk" 86420
jis "the right PUK from 127.0.0.4 still unlocks: 200" 200 '.profile == "user"'
from 127.0.0.1 POST /api/login '{"profile":"user","pin":"86420"}'
check "and its new PIN logs in (HTTP $STATUS)" [ "$STATUS" = 200 ]

check "no PUK in the log or the event log" sh -c \
    '! grep -rqF -e "$1" -e "$(printf %s "$1" | tr -d " ")" "$2" "$3"' - \
    "$user_puk" "$LOG" "$STATE/events"
check "mewsd is still running" kill -0 "$MEWSD_PID"
kill -TERM "$MEWSD_PID"
wait "$MEWSD_PID"; rc=$?
check "clean stop (exit $rc)" [ "$rc" = 0 ]
done_testing
