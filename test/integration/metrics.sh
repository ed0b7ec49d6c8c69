#!/bin/sh
# GET /metrics (issue 9): the Prometheus exposition of the live values and
# the daemon's counters, read with a session or the bearer token of
# http.metrics_token, refused without; parsed by Debian's
# python3-prometheus-client and compared with the API's values.
. "$(dirname "$0")/web_lib.sh"
/usr/bin/python3 -c 'import prometheus_client' 2>/dev/null ||
	skip_all "no python3-prometheus-client"

TOKEN="mews-test-token_0123456789abcdef"
write_conf "metrics_token = \"$TOKEN\";"
# Polled once (an hour apart): the API and /metrics then show the same
# values.  A device that never answers (address 9), and a name with the
# characters label values escape.
sed -i -e 's/poll_ms = 500/poll_ms = 3600000/' \
    -e 's/name = "Lighting"/name = "Light \\"A\\" \\\\ B"/' \
    -e 's/^devices = (/devices = (\n\t{ id = "dead"; bus = "rs485"; address = 9; profile = "sdm120"; poll_ms = 200; },/' \
    "$CONF"
start_sim || { not_ok "the simulator starts"; done_testing; }
start_mewsd || { not_ok "mewsd serves HTTPS"; sed 's/^/# /' "$LOG"; done_testing; }

# metrics FILE [CURL_ARGS...]: GET /metrics into FILE; sets STATUS.
metrics() {
	local file=$1; shift
	STATUS=$(web -o "$file" -D "$TMP/headers" -w '%{http_code}' "$@" \
	    "$URL/metrics")
}
# anon FILE [CURL_ARGS...]: the same without the session's cookie.
anon() {
	local JAR="$TMP/anon.jar"
	rm -f "$JAR"
	metrics "$@"
}

anon "$TMP/none"
check "without a session or a token: 401" [ "$STATUS" = 401 ]
check "401 says how to authenticate" \
    grep -qi '^WWW-Authenticate: Bearer' "$TMP/headers"
anon "$TMP/bad" \
    -H "Authorization: Bearer ${TOKEN}x"
check "a wrong bearer token: 401" [ "$STATUS" = 401 ]
anon "$TMP/bad" \
    -H "Authorization: Bearer $(printf '%s' "$TOKEN" | cut -c2-)"
check "a token's prefix: 401" [ "$STATUS" = 401 ]
call POST /metrics
check "POST /metrics: 405" [ "$STATUS" = 405 ]

check "the user logs in (default PIN: reading only)" login user 11111
# Every device read once, and the dead one given up on.
ready() {
	call GET /api/devices
	printf '%s' "$BODY" | jq -e '([.[] | select(.online)] | length) == 3
	    and ([.[] | select(.id == "dead" and (.online | not))] |
	    length) == 1' >/dev/null &&
	    grep -q 'device dead (address 9) is offline' "$LOG"
}
check "three devices online, the dead one offline" wait_for 20 ready
for id in main sub brk dead; do
	call GET "/api/devices/$id"
	printf '%s' "$BODY" >"$TMP/dev.$id.json"
done
metrics "$TMP/session"
check "with a session: 200" [ "$STATUS" = 200 ]
check "text/plain version 0.0.4" \
    grep -qi '^Content-Type: text/plain; version=0.0.4' "$TMP/headers"
anon "$TMP/bearer" \
    -H "Authorization: Bearer $TOKEN"
check "with the bearer token: 200" [ "$STATUS" = 200 ]
# live FILE: its live values, without the counters that move meanwhile.
live() {
	grep '^mews_' "$1" |
	    grep -v '^mews_\(device\|bus\|gateway\|http\|uptime\)_'
}
check "the same live values either way" \
    eval '[ "$(live "$TMP/session")" = "$(live "$TMP/bearer")" ]'

TAP_START=$tap_n /usr/bin/python3 "$(dirname "$0")/metrics.py" \
    "$TMP/bearer" "$TMP"/dev.*.json >"$TMP/py.out" 2>&1
sed '$d' "$TMP/py.out"
last=$(tail -n 1 "$TMP/py.out")
case $last in
*[!0-9]*|'') not_ok "metrics.py ran: $last" ;;
*) tap_failed=$((tap_failed + $(grep -c '^not ok' "$TMP/py.out")))
   tap_n=$last ;;
esac

# A reload without the token: the bearer no longer opens it.
write_conf
sed -i 's/poll_ms = 500/poll_ms = 3600000/' "$CONF"
kill -HUP "$MEWSD_PID"
gone() {
	anon "$TMP/after" \
	    -H "Authorization: Bearer $TOKEN"
	[ "$STATUS" = 401 ]
}
check "after a reload with metrics_token = \"\": the token is refused" \
    wait_for 10 gone
metrics "$TMP/after"
check "a session still reads it" [ "$STATUS" = 200 ]
kill "$MEWSD_PID"
wait "$MEWSD_PID"
check "mewsd exits 0" [ $? = 0 ]
done_testing
