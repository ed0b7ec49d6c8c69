#!/bin/sh
# GET /metrics (issue 9): the Prometheus exposition of the live values and
# the daemon's counters, read with a session or the bearer token of
# http.metrics_token, refused without; parsed by Debian's
# python3-prometheus-client and compared with the API's values.
. "$(dirname "$0")/web_lib.sh"
. "$(dirname "$0")/live_lib.sh"
have_module prometheus_client ||
	need "no Python module prometheus_client" python3-prometheus-client

TOKEN="mews-test-token_0123456789abcdef"
write_conf "metrics_token = \"$TOKEN\";"
poll_once
# A name with the characters label values escape.
sed -i 's/name = "Lighting"/name = "Light \\"A\\" \\\\ B"/' "$CONF"
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
anon "$TMP/bad" -H "Authorization: Bearer ${TOKEN}x"
check "a wrong bearer token: 401" [ "$STATUS" = 401 ]
anon "$TMP/bad" \
    -H "Authorization: Bearer $(printf '%s' "$TOKEN" | cut -c2-)"
check "a token's prefix: 401" [ "$STATUS" = 401 ]
call POST /metrics
check "POST /metrics: 405" [ "$STATUS" = 405 ]

check "the user logs in (default PIN: reading only)" login user 11111
check_live_ready
save_devices
metrics "$TMP/session"
check "with a session: 200" [ "$STATUS" = 200 ]
check "text/plain version 0.0.4" \
    grep -qi '^Content-Type: text/plain; version=0.0.4' "$TMP/headers"
anon "$TMP/bearer" -H "Authorization: Bearer $TOKEN"
check "with the bearer token: 200" [ "$STATUS" = 200 ]
# live FILE: its live values, without the counters that move meanwhile.
live() {
	grep '^mews_' "$1" |
	    grep -v '^mews_\(device\|bus\|gateway\|http\|history\|loop\|uptime\)_'
}
check "the same live values either way" \
    eval '[ "$(live "$TMP/session")" = "$(live "$TMP/bearer")" ]'

py_checks metrics.py "$TMP/bearer" "$TMP"/dev.*.json

# A reload without the token: the bearer no longer opens it.
write_conf
poll_once
kill -HUP "$MEWSD_PID"
gone() {
	anon "$TMP/after" -H "Authorization: Bearer $TOKEN"
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
