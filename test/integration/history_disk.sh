#!/bin/sh
# A full disk on state_dir (issues 6 and 8): history writes fail with a
# clear error in the log, live values and the gateway keep working, a
# change that must be saved is refused whole, and nothing stored is
# damaged.  state_dir is a 4 MB tmpfs: this needs root.
. "$(dirname "$0")/web_lib.sh"
[ "$(id -u)" = 0 ] ||
    bail_out "mounting a small tmpfs on state_dir needs root: run the tests as root"
mkdir -p "$STATE"
mount -t tmpfs -o size=4m,mode=0700 tmpfs "$STATE" 2>"$TMP/mount.err" ||
    bail_out "root cannot mount a tmpfs here (a container without" \
    "CAP_SYS_ADMIN?): $(cat "$TMP/mount.err")"
trap 'kill $CHILDREN 2>/dev/null; wait 2>/dev/null; umount "$STATE"; cleanup' EXIT

# Minute steps 20 times as fast as real time (test_clock).
test_clock 20
web_up "" "history = { max_mb = 16; };"
check "the administrator is commissioned" commission administrator 99999 24680
# Fill what is left, leaving the profiles and the certificate in place.
dd if=/dev/zero of="$STATE/filler" bs=64k 2>/dev/null
check "state_dir is full" sh -c "[ \$(df --output=avail '$STATE' | tail -n 1) -lt 64 ]"
cp "$STATE/profiles.conf" "$TMP/profiles.before"

after_step 5
check "the history failure is logged with its reason" \
    wait_for 20 grep -q "history: .*No space left on device" "$LOG"
check "and says live values are not affected" \
    grep -q "live values and the gateway are not affected" "$LOG"

call GET /api/devices/main
ts1=$(json .values.voltage_l1.ts)
sleep 2
call GET /api/devices/main
ts2=$(json .values.voltage_l1.ts)
check "live values keep coming ($ts1 -> $ts2)" [ "$ts2" -gt "$ts1" ]
check "the gateway answers" sh -c "mbpoll -m tcp -p $GATEWAY_PORT -a 1 \
    -t 3:float -B -r 1 -c 1 -1 -o 2 127.0.0.1 2>&1 | grep -q '^\[1\]:'"

# A PIN change needs the profiles saved: refused, and the old PIN stays.
call POST /api/pin '{"pin":"24680","new_pin":"13579"}'
check "a PIN change on a full disk is refused (HTTP $STATUS)" [ "$STATUS" = 500 ]
check "its error says nothing was changed" \
    sh -c "printf '%s' '$BODY' | grep -q 'nothing was changed'"
check "profiles.conf is untouched" cmp -s "$STATE/profiles.conf" "$TMP/profiles.before"
check "the old PIN still logs in" login administrator 24680

# Space again: history resumes by itself.
rm -f "$STATE/filler"
after_step 1
check "history resumes when there is room" \
    wait_for 30 sh -c "ls '$STATE'/rrd/*/*.rrd >/dev/null 2>&1"
kill -TERM "$MEWSD_PID"
wait "$MEWSD_PID"; rc=$?
check "clean stop (exit $rc)" [ "$rc" = 0 ]
done_testing
