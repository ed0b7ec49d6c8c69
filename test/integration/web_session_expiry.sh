#!/bin/sh
# A session left idle for session_idle_s is gone, one in use is not, and
# none outlives session_max_s however busy.  The shortest times mews
# accepts are 60 s and 300 s: the daemon's wall clock runs 20 times as fast
# (test_clock), so the five minutes take about 16 s, and every check is
# 20 s of that clock from its limit (1 s of real time).  A login takes real
# time too, many seconds of that clock under valgrind on a busy machine:
# each check counts from the side of a login that makes it hardest to pass.
. "$(dirname "$0")/web_lib.sh"

test_clock 20
web_up "session_idle_s = 60; session_max_s = 300;"
JAR="$TMP/jar.idle"
check "a session to leave idle" login user 11111
idle_used=$(clock_now)
JAR="$TMP/jar.busy"
busy_asked=$(clock_now)
check "a session to keep using" login user 11111
busy_made=$(clock_now)

# at SECONDS [FROM]: sleep until that many seconds of mewsd's clock after
# FROM (default: before the busy session's login).
at() { clock_until $((${2:-$busy_asked} + $1)); }

# busy SECONDS: the busy session answers at that time.
busy() {
	at "$1"
	JAR="$TMP/jar.busy"
	call GET /api/session
	check "the busy one is used after $1 s (HTTP $STATUS)" [ "$STATUS" = 200 ]
}
busy 40
at 80 "$idle_used"
JAR="$TMP/jar.idle"
call GET /api/session
check "the idle one is gone after 80 s: 401 (HTTP $STATUS)" [ "$STATUS" = 401 ]
call GET /api/devices
check "and it opens nothing else: 401 (HTTP $STATUS)" [ "$STATUS" = 401 ]
busy 80
busy 120
busy 160
busy 200
busy 240
busy 280
at 320 "$busy_made"
JAR="$TMP/jar.busy"
call GET /api/session
check "the busy one, idle 40 s, is gone at 320 s, past session_max_s (HTTP $STATUS)" \
    [ "$STATUS" = 401 ]
diag "mewsd's clock read $(( $(clock_now) - busy_made )) s after the busy login"
check "a new login works as before" login user 11111
kill -TERM "$MEWSD_PID"
wait "$MEWSD_PID"; rc=$?
check "clean stop (exit $rc)" [ "$rc" = 0 ]
done_testing
