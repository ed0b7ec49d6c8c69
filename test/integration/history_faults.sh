#!/bin/sh
# History under faults (issues 6 and 8): rrdtool reads what mewsd wrote;
# kill -9 loses at most the step in flight; a full disk on state_dir is a
# clear error while live values and the gateway keep working; SIGTERM
# writes what is queued.  Steps are 60 s of mewsd's clock, which runs 20
# times as fast as real time here (test_clock): a step every 3 s.
. "$(dirname "$0")/web_lib.sh"
have rrdtool || need "no rrdtool" rrdtool

test_clock 20
web_up
check "the user is commissioned" commission user 11111 24680
rrd="$STATE/rrd/main/energy_import.rrd"
after_step 1
check "the totals archive exists, with a step's reading" \
    wait_for 30 written "$rrd" "$(step_now)" known
check "rrdtool info reads it: 60 s step" \
    sh -c "rrdtool info '$rrd' | grep -q '^step = 60$'"
check "totals are kept as LAST at 1 min, 1 h, 1 day, 30 days" \
    sh -c "rrdtool info '$rrd' | grep -c 'cf = \"LAST\"' | grep -qx 4"
check "8 days of minutes, 400 days of hours, 20 years of days" \
    sh -c "rrdtool info '$rrd' | grep -q 'rra\[0\].rows = 11520' &&
	rrdtool info '$rrd' | grep -q 'rra\[1\].rows = 9600' &&
	rrdtool info '$rrd' | grep -q 'rra\[2\].rows = 7400'"
check "power is kept as AVERAGE, MIN and MAX" \
    sh -c "rrdtool info '$STATE/rrd/main/power.rrd' |
	grep -q 'rra\[2\].cf = \"MAX\"'"
last=$(rrdtool lastupdate "$rrd" | awk -F: 'NR == 3 { print $1 }')
value=$(rrdtool lastupdate "$rrd" | awk 'NR == 3 { print $2 }')
check "the last update is a minute boundary ($last)" [ $((last % 60)) = 0 ]
call GET /api/devices/main
live=$(json .values.energy_import.value)
check "the archived index is the meter's ($value vs live $live)" \
    awk -v a="$value" -v b="$live" 'BEGIN { exit !(a > 0 && b - a >= 0 && b - a < 1) }'
call GET "/api/history/main/energy_import.json?from=$((last - 300))&to=$((last + 60))"
check "the API serves the same row" has_rows
# A device that is no id: "..", whose file would be state_dir's own
# energy_import.rrd (an archive put there to be found), is refused.
cp "$rrd" "$STATE/energy_import.rrd"
code=$(web --path-as-is -o /dev/null -w '%{http_code}' \
    "$URL/api/history/../energy_import.json?from=$((last - 300))&to=$((last + 60))")
check "history of device \"..\" is refused (HTTP $code)" [ "$code" = 404 ]
rm -f "$STATE/energy_import.rrd"
out=$(rrdtool xport --start $((last - 120)) --end "$last" \
    "DEF:e=$rrd:v:LAST" XPORT:e 2>&1)
check "rrdtool xport exports it" sh -c "printf '%s' '$out' | grep -q '<row>'"

# kill -9 in the middle of a step's writes: at most that step is lost.
after_step 1
kill -9 "$MEWSD_PID"
wait "$MEWSD_PID" 2>/dev/null
check "after kill -9 the archive is still readable" \
    sh -c "rrdtool info '$rrd' >/dev/null"
start_mewsd || not_ok "mewsd restarts"
after_step 1
wait_for 30 written "$rrd" "$(step_now)"
last2=$(rrdtool lastupdate "$rrd" | awk -F: 'NR == 3 { print $1 }')
check "history goes on after the restart ($last -> $last2)" \
    [ "$last2" -gt "$last" ]
gaps=$(rrdtool fetch "$rrd" LAST -s "$last" -e "$last2" -r 60 |
    awk -F: 'NR > 2 && $2 ~ /nan/ { n++ } END { print n + 0 }')
check "at most the step in flight and the restart's are lost ($gaps rows)" \
    [ "$gaps" -le 2 ]

# A device removed and added again keeps its history: files are never
# removed or remade.
check "the installer is commissioned" commission installer 55555 13579
before=$(ls "$STATE/rrd/sub" | wc -l)
call DELETE /api/devices/sub
check "sub is removed (HTTP $STATUS)" [ "$STATUS" = 200 ]
check "its archives stay ($before files)" \
    [ "$(ls "$STATE/rrd/sub" | wc -l)" = "$before" ]
call POST /api/devices '{"id":"sub","name":"Lighting","bus":"rs485","address":2,"profile":"sdm120","poll_ms":500}'
check "sub is added again (HTTP $STATUS)" [ "$STATUS" = 201 ]
call GET "/api/history/sub/energy_import.json?from=$((last - 300))&to=$last2"
check "its earlier history is still served" has_rows

# SIGTERM: what is queued is written before the end.  A few seconds
# after a boundary most of main's archives still wait for that step
# (written over 40 s, one every 250 ms at most); after the stop every one
# has it.
after_step 3
now=$(clock_now)
step=$((now - now % 60))
# lastupdate_of FILE: the time of the file's last row.
lastupdate_of() { rrdtool lastupdate "$1" | awk -F: 'NR == 3 { print $1 }'; }
total=0 early=0
for f in "$STATE/rrd/main/"*.rrd; do
	total=$((total + 1))
	[ "$(lastupdate_of "$f")" = "$step" ] && early=$((early + 1))
done
kill -TERM "$MEWSD_PID"
wait "$MEWSD_PID"; rc=$?
check "clean stop (exit $rc)" [ "$rc" = 0 ]
diag "$early of main's $total archives had the step at $step before SIGTERM"
missing=""
for f in "$STATE/rrd/main/"*.rrd; do
	[ "$(lastupdate_of "$f")" = "$step" ] || missing="$missing ${f##*/}"
done
check "after SIGTERM all $total of main's archives have that step's row${missing:+ (not:$missing)}" \
    sh -c "[ $total -gt 10 ] && [ -z '$missing' ]"
done_testing
