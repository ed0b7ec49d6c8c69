#!/bin/sh
# The login back-off on a dual-stack listener (the security issue, item
# 5): with http.listen = "::" every IPv4 client reaches mewsd as
# ::ffff:a.b.c.d, whose first 8 bytes are the same for all of them, and
# the back-off keyed them all as one: ten wrong PINs from one address gave
# 429 to every IPv4 user, and one success cleared it for all.  Replayed
# here from two loopback addresses, 127.0.0.2 the attacker and 127.0.0.1
# the administrator, both over the v4-mapped path.
. "$(dirname "$0")/web_lib.sh"

HTTP_LISTEN="::"
web_up
check "mewsd listens on :: (dual stack)" \
    grep -q "https: listening on :: port $HTTPS_PORT" "$LOG"

# from ADDR METHOD PATH [JSON]: call from that source address, with its own
# cookie jar.
from() {
	local addr="$1" method="$2" path="$3" data="${4:-}"
	STATUS=$(curl -sS --max-time 10 --cacert "$STATE/tls/cert.pem" \
	    --resolve "$HOST:$HTTPS_PORT:127.0.0.1" --interface "$addr" \
	    -b "$TMP/jar.$addr" -c "$TMP/jar.$addr" -o "$TMP/body" \
	    -w '%{http_code}' -X "$method" -H 'X-Requested-With: mews' \
	    -H 'Content-Type: application/json' ${data:+--data "$data"} \
	    "$URL$path")
	BODY=$(cat "$TMP/body" 2>/dev/null)
}

from 127.0.0.1 POST /api/login '{"profile":"installer","pin":"55555"}'
check "a login from 127.0.0.1 works before the attack (HTTP $STATUS)" \
    [ "$STATUS" = 200 ]
check "the log names the client by its IPv4 address in mapped form" \
    grep -q "https: ::ffff:127.0.0.1: profile installer logged in" "$LOG"

# Ten failures from 127.0.0.2: wrong PINs for the user until it locks,
# then its lock (423) counts as a failure too.
i=0
while [ $i -lt 10 ]; do
	from 127.0.0.2 POST /api/login '{"profile":"user","pin":"12345"}'
	case $STATUS in 401|423) ;; *) break ;; esac
	i=$((i + 1))
done
check "ten wrong PINs from 127.0.0.2: 401, then 423 (stopped at $i: $STATUS)" \
    [ $i = 10 ]
from 127.0.0.2 POST /api/login '{"profile":"administrator","pin":"99999"}'
check "127.0.0.2 is backed off: 429 even with a right PIN (HTTP $STATUS)" \
    [ "$STATUS" = 429 ]
check "... with retry_after" sh -c \
    'printf "%s" "$1" | jq -e ".retry_after > 0 and .retry_after <= 300" >/dev/null' \
    - "$BODY"

from 127.0.0.1 POST /api/login '{"profile":"administrator","pin":"99999"}'
check "127.0.0.1 still logs in (HTTP $STATUS, wanted 200)" [ "$STATUS" = 200 ]
from 127.0.0.1 GET /api/session
check "... and its session works (HTTP $STATUS)" [ "$STATUS" = 200 ]
from 127.0.0.3 POST /api/login '{"profile":"administrator","pin":"99999"}'
check "so does 127.0.0.3 (HTTP $STATUS)" [ "$STATUS" = 200 ]

# 127.0.0.1's success cleared its own record, not 127.0.0.2's.
from 127.0.0.2 POST /api/login '{"profile":"administrator","pin":"99999"}'
check "another address's success does not lift 127.0.0.2's back-off (HTTP $STATUS)" \
    [ "$STATUS" = 429 ]
check "the refusal is logged with 127.0.0.2's address" \
    grep -q "::ffff:127.0.0.2: wrong PIN for profile user" "$LOG"

check "mewsd is still running" kill -0 "$MEWSD_PID"
kill -TERM "$MEWSD_PID"
wait "$MEWSD_PID"; rc=$?
check "clean stop (exit $rc)" [ "$rc" = 0 ]
done_testing
