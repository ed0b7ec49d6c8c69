#!/bin/sh
# A session left idle for session_idle_s is gone, one in use is not.  The
# shortest idle time mews accepts is 60 s, so this test waits a minute of
# real time: the clock is what is tested (core/session.c's session_live).
. "$(dirname "$0")/web_lib.sh"

web_up "session_idle_s = 60; session_max_s = 300;"
JAR="$TMP/jar.idle"
check "a session to leave idle" login user 11111
JAR="$TMP/jar.busy"
check "a session to keep using" login user 11111
start=$(date +%s)

# until SECONDS: sleep until that many seconds after the logins.
until_s() {
	local left=$(($1 - ($(date +%s) - start)))
	[ "$left" -le 0 ] || sleep "$left"
}
until_s 35
call GET /api/session
check "the busy one is used after 35 s (HTTP $STATUS)" [ "$STATUS" = 200 ]
until_s 63
JAR="$TMP/jar.idle"
call GET /api/session
check "the idle one is gone after 63 s: 401 (HTTP $STATUS)" [ "$STATUS" = 401 ]
call GET /api/devices
check "and it opens nothing else: 401 (HTTP $STATUS)" [ "$STATUS" = 401 ]
JAR="$TMP/jar.busy"
call GET /api/session
check "the busy one, idle 28 s, still works (HTTP $STATUS)" \
    [ "$STATUS" = 200 ]
check "a new login works as before" login user 11111
kill -TERM "$MEWSD_PID"
wait "$MEWSD_PID"; rc=$?
check "clean stop (exit $rc)" [ "$rc" = 0 ]
done_testing
