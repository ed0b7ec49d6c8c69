#!/bin/sh
# Sessions when the table is full (the security issue, item 8): the
# sessions of every profile shared 64 places, the least recently used
# going first, so 65 logins of the user profile ended the administrator's
# session.  Each profile now has 32 places of its own: the attack replayed
# (70 user logins) ends only the user's own oldest sessions, while the
# administrator's and the installer's, logged in first and idle since,
# still work.
. "$(dirname "$0")/web_lib.sh"

web_up

JAR="$TMP/jar.admin"
check "the administrator logs in" login administrator 99999
JAR="$TMP/jar.installer"
check "the installer logs in" login installer 55555

# The attack: the user's PIN, typed again and again, each login a new
# session.  The first user session is kept aside to see it go.
n=70
i=1
failed=0
while [ $i -le $n ]; do
	JAR="$TMP/jar.user.$i"
	login user 11111 || failed=$((failed + 1))
	i=$((i + 1))
done
check "$n user logins all succeed ($failed failed)" [ $failed = 0 ]

JAR="$TMP/jar.admin"
call GET /api/session
check "the administrator's session still works (HTTP $STATUS)" \
    [ "$STATUS" = 200 ]
check "... as the administrator" [ "$(json .profile)" = administrator ]
expect "... and may still do what only it may" 200 GET /api/profiles
JAR="$TMP/jar.installer"
call GET /api/session
check "the installer's session still works (HTTP $STATUS)" \
    [ "$STATUS" = 200 ]

# The user's own places: 32 of its sessions live, its newest among them,
# the others ended, least recently used first (to the second: those of
# one second are as old as each other).
live_user_sessions() {
	local i=1 live=0
	while [ $i -le $n ]; do
		JAR="$TMP/jar.user.$i"
		call GET /api/session
		[ "$STATUS" = 200 ] && live=$((live + 1))
		i=$((i + 1))
	done
	echo $live
}
live=$(live_user_sessions)
check "32 of the user's sessions live, no more ($live)" [ "$live" = 32 ]
JAR="$TMP/jar.user.$n"
expect "the user's latest session works" 200 GET /api/session
JAR="$TMP/jar.user.1"
expect "its first was ended for a newer one" 401 GET /api/session

# However many the user holds, the other profiles can still log in, and
# their logins end none of the user's sessions.
JAR="$TMP/jar.admin2"
check "the administrator logs in again" login administrator 99999
live=$(live_user_sessions)
check "which ends none of the user's ($live live)" [ "$live" = 32 ]
JAR="$TMP/jar.admin"
expect "nor the administrator's first session" 200 GET /api/session

check "mewsd is still running" kill -0 "$MEWSD_PID"
kill -TERM "$MEWSD_PID"
wait "$MEWSD_PID"; rc=$?
check "clean stop (exit $rc)" [ "$rc" = 0 ]
done_testing
