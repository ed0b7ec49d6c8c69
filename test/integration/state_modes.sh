#!/bin/sh
# Files beyond the daemon's user (issue 15, item 10).  Started with umask
# 000, mewsd still makes every file of state_dir 0600 and every folder
# 0700: the RRD archives (librrd left them 0644 under umask 022), the CSV
# files, the event log, the alarms' state, the profiles, the TLS pair.
# And started as root without `user`, it refuses to run unless given
# --allow-root, saying so where it was started.
. "$(dirname "$0")/web_lib.sh"
[ "$(id -u)" = 0 ] || bail_out "starting mewsd as root needs root: run the tests as root"
have rrdtool || need "no rrdtool" rrdtool
# Minutes in seconds: history's step and the CSV writer's plan come soon.
test_clock 20

ALARM='alarms = ( { id = "overvoltage"; device = "main";
	metric = "voltage_l1"; above = 200.0; delay_s = 1; } );'

umask 000
check "the daemon is started with umask $(umask)" [ "$(umask)" = 0000 ]
web_up "$LONG_SESSIONS" "$ALARM"
check "it starts as root with --allow-root, and warns" \
    grep -q "warning.*running as root (--allow-root): every network service runs with root's rights; set \`user\`" "$LOG"
check "the user profile is commissioned (profiles.conf written)" \
    commission user 11111 24680

# What each part makes, waited for.
RRD="$STATE/rrd/main/voltage_l1.rrd"
T=$(step_now)
check "history writes main's voltage archive" wait_for 60 written "$RRD" "$T"
check "the CSV writer makes main's day file" wait_for 60 sh -c \
    "ls '$STATE'/csv/main/day/*.csv >/dev/null 2>&1"
check "the alarm is raised and its state saved" \
    wait_for 20 test -s "$STATE/alarms.state"
check "the event log has the login" wait_for 10 grep -q "login" \
    "$STATE/events/events.csv"
for f in profiles.conf tls/key.pem tls/cert.pem; do
	check "state_dir has $f" test -s "$STATE/$f"
done

files=$(find "$STATE" -type f | wc -l)
dirs=$(find "$STATE" -type d | wc -l)
diag "$files files, $dirs folders in state_dir"
find "$STATE" ! -type d ! -perm 0600 -exec stat -c "# %a %n" {} +
find "$STATE" -type d ! -perm 0700 -exec stat -c '# %a %n' {} +
check "every file of state_dir is 0600 ($files files)" \
    sh -c "[ $files -ge 8 ] && [ -z \"\$(find '$STATE' ! -type d ! -perm 0600)\" ]"
check "every folder of state_dir is 0700 ($dirs folders)" \
    sh -c "[ $dirs -ge 5 ] && [ -z \"\$(find '$STATE' -type d ! -perm 0700)\" ]"
check "the running daemon's umask is 0077" \
    grep -q '^Umask:[[:space:]]*0077' "/proc/$MEWSD_PID/status"

# Root without `user` and without --allow-root: refused before anything
# is opened or made.  The ports are the running daemon's, so that a
# regression in the background could not stay running.
sed "s|^state_dir = .*|state_dir = \"$TMP/state2\";|" "$CONF" >"$TMP/root.conf"
timeout 20 "$MEWSD" -f -c "$TMP/root.conf" >"$TMP/root.out" 2>&1; rc=$?
check "as root without user, mewsd -f exits 1 (exit $rc)" [ "$rc" = 1 ]
check "... naming the user setting and --allow-root" grep -q \
    "started as root without \`user\` in $TMP/root.conf: refusing to run every network service as root; set \`user\`.* or give --allow-root" \
    "$TMP/root.out"
check "... before making state_dir or saying ready" sh -c \
    "[ ! -e '$TMP/state2' ] && ! grep -q ready '$TMP/root.out'"
timeout 20 "$MEWSD" -c "$TMP/root.conf" >"$TMP/root-bg.out" 2>&1; rc=$?
check "in the background too (exit $rc), said on stderr" sh -c \
    "[ $rc = 1 ] && grep -q '^mewsd: started as root without \`user\`' '$TMP/root-bg.out'"
check "mewsd -t still checks the file as root" \
    sh -c "'$MEWSD' -t -c '$TMP/root.conf' >/dev/null 2>&1"

check "mewsd is still running" kill -0 "$MEWSD_PID"
kill -TERM "$MEWSD_PID"
wait "$MEWSD_PID"; rc=$?
check "clean stop (exit $rc)" [ "$rc" = 0 ]
done_testing
