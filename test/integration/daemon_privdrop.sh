#!/bin/sh
# Least privilege (issue 8): started as root with `user` set, mewsd opens
# its ports and files, then runs as that user; it keeps serving, its state
# is the user's, and what it may no longer write gets a clear error.
. "$(dirname "$0")/web_lib.sh"
[ "$(id -u)" = 0 ] || bail_out "starting mewsd as root needs root: run the tests as root"
getent passwd nobody >/dev/null || bail_out "no user nobody (Debian's base-passwd makes it)"

# The user must be able to reach state_dir, as /var/lib/mews is.  With
# `user` set, root needs no --allow-root (issue 15, item 10).
chmod 755 "$TMP"
NO_ALLOW_ROOT=1
web_up "" "user = \"nobody\";"
pid=$MEWSD_PID
check "with user set it starts as root without --allow-root, and no warning" \
    sh -c "! grep -q 'running as root' '$LOG'"
check "it says which user it runs as" \
    grep -q "running as user nobody (uid $(id -u nobody)" "$LOG"
check "its real and effective uid are nobody's" \
    sh -c "grep '^Uid:' /proc/$pid/status | awk '{ exit !(\$2 == $(id -u nobody) && \$3 == $(id -u nobody)) }'"
check "no supplementary group but the serial port's" \
    sh -c "grep '^Groups:' /proc/$pid/status | awk '{ exit !(NF <= 2) }'"
check "state_dir is the user's and 0700" \
    sh -c "[ \"\$(stat -c '%U %a' '$STATE')\" = 'nobody 700' ]"
check "the private key is the user's and 0600" \
    sh -c "[ \"\$(stat -c '%U %a' '$STATE/tls/key.pem')\" = 'nobody 600' ]"
check "HTTPS still answers" login user 11111
call POST /api/pin '{"pin":"11111","new_pin":"24680"}'
check "the PIN change is written (HTTP $STATUS)" [ "$STATUS" = 200 ]
check "the gateway still answers" sh -c "mbpoll -m tcp -p $GATEWAY_PORT -a 1 \
    -t 3:float -B -r 1 -c 1 -1 -o 2 127.0.0.1 2>&1 | grep -q '^\[1\]:'"
check "no secret in the log" sh -c "! grep -q '24680' '$LOG'"
# Root resets a profile while the daemon runs as the user: the file must
# stay the user's, or the daemon could read it neither now nor at its next
# start.
for pin in 00001 00002 00003; do
	call POST /api/login "{\"profile\":\"installer\",\"pin\":\"$pin\"}"
done
check "three wrong PINs lock the installer (HTTP $STATUS)" [ "$STATUS" = 423 ]
"$MEWSD" --reset-profile installer -c "$CONF" >"$TMP/reset.out" 2>&1; rc=$?
check "root resets it while the daemon runs (exit $rc)" [ "$rc" = 0 ]
check "profiles.conf is still the user's and 0600" \
    sh -c "[ \"\$(stat -c '%U %a' '$STATE/profiles.conf')\" = 'nobody 600' ]"
check "the running daemon reads the reset: the default PIN logs in" \
    wait_for 10 login installer 55555
check "it says it reloaded them, with no error" sh -c "grep -q 'profiles.conf changed on disk: profiles reloaded' '$LOG' &&
    ! grep -q 'auth: .*profiles.conf:' '$LOG'"
kill -TERM "$pid"
wait "$pid"; rc=$?
check "clean stop (exit $rc)" [ "$rc" = 0 ]
done_testing
