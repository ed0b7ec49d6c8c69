#!/bin/sh
# Totals that read wrong for a moment (issue 16, item 1), against the real
# daemon over mews-sim, whose meters read what the test writes in its
# --control file.  Five meters on one line, each a case, all at once:
#
#   glitch0  energy_import 1000.0, then 0.0 for a minute (a power blip),
#            then 1000.5: the issue's case, 0.5 kWh used, no reset;
#   jump     5000.0, then 90000.0 for a minute (more than the SDM120's
#            max_power, from its profile, can deliver), then 5000.5;
#   reset    3000.0, then 0.0 for longer than its reset_confirm_s (120 s):
#            a reset, counted from the new level (0.5 after it);
#   swap     4000.0, then 10.0 on a meter swap declared in
#            devices[].replacements: taken, counted across the swap;
#   lower    2000.0, then 1500.0 through a restart of mewsd (its spell is
#            saved in state_dir/totals.state), then 2000.25: a glitch.
#
# While a total is suspect the API says so ("suspect", with what was
# read) and shows its last good value, which history archives and
# /metrics, a virtual meter and a group's sums use.  Checked after: each
# range's consumption over the four minutes (/api/consumption), a group's,
# the CSV day files' indexes, the per-device counters in the API and
# /metrics, and the event log.  mewsd's clock runs 20 times as fast as
# real time (test_clock), from 30 s past the hour: the cases' minutes are
# A..A+240, A four minutes into the hour.
. "$(dirname "$0")/web_lib.sh"
have rrdtool || need "no rrdtool" rrdtool

CONTROL="$TMP/control"
# control LINE...: what the meters read from now on, the file replaced whole.
control() {
	printf '%s\n' "$@" >"$CONTROL.new" && mv "$CONTROL.new" "$CONTROL"
}

now=$(date +%s)
START=$((now - now % 3600 + 30))
A=$((START - 30 + 240))
T_SWAP=$((A + 90))
cat >"$CONF" <<CONF
state_dir = "$STATE";
http = { listen = "127.0.0.1"; https_port = $HTTPS_PORT;
	 http_port = $HTTP_PORT; $LONG_SESSIONS };
modbus_tcp = { listen = "127.0.0.1"; port = $GATEWAY_PORT; };
ftp = { enabled = false; };
buses = ( { name = "rs485"; port = "$TMP/rs485"; parity = "none";
	    timeout_ms = 200; silence_us = 0; } );
devices = (
	{ id = "glitch0"; bus = "rs485"; address = 1; profile = "sdm630";
	  poll_ms = 500; },
	{ id = "jump"; bus = "rs485"; address = 2; profile = "sdm120";
	  poll_ms = 500; },
	{ id = "reset"; bus = "rs485"; address = 3; profile = "sdm630";
	  poll_ms = 500; reset_confirm_s = 120; },
	{ id = "swap"; bus = "rs485"; address = 4; profile = "sdm120";
	  poll_ms = 500; replacements = ( { metric = "energy_import";
	  at = $T_SWAP; old_final = 4000.0; new_initial = 10.0; } ); },
	{ id = "lower"; bus = "rs485"; address = 5; profile = "sdm120";
	  poll_ms = 500; reset_confirm_s = 900; max_power = 5000; },
	{ id = "pair"; virtual = { op = "sum"; of = [ "glitch0", "jump" ]; }; }
);
groups = ( { id = "both"; name = "Both"; parent = "";
	     devices = [ "glitch0", "jump" ]; } );
CONF
check "mewsd -t accepts max_power and reset_confirm_s" "$MEWSD" -t -c "$CONF"
# refused SED PATTERN: mewsd -t exits 1 on the configuration so edited,
# with PATTERN (a grep pattern) among its errors.
refused() {
	sed "$1" "$CONF" >"$TMP/bad.conf"
	"$MEWSD" -t -c "$TMP/bad.conf" >"$TMP/bad.out" 2>&1
	[ $? = 1 ] && grep -q "$2" "$TMP/bad.out"
}
check "mewsd -t: a max_power below 0 is an error, with the device" \
    refused 's/max_power = 5000;/max_power = -5;/' \
    "bad.conf:[0-9]*: device \"lower\": 'max_power' is in W, above 0"
check "mewsd -t: reset_confirm_s past a day is an error" \
    refused 's/reset_confirm_s = 900;/reset_confirm_s = 90000;/' \
    "bad.conf:[0-9]*: 'reset_confirm_s' is 90000, outside 0..86400"

control "1 energy_import 1000.0" "2 energy_import 5000.0" \
    "3 energy_import 3000.0" "4 energy_import 4000.0" "5 energy_import 2000.0"
spawn "$MEWS_SIM" --pty "$TMP/rs485" --profile-dir "$PROFILES" \
    --control "$CONTROL" --device 1:sdm630 --device 2:sdm120 \
    --device 3:sdm630 --device 4:sdm120 --device 5:sdm120 \
    >>"$TMP/sim.log" 2>&1
wait_for 5 test -e "$TMP/rs485" || { not_ok "the simulator starts"; done_testing; }
test_clock 20 "$START"
start_mewsd || { not_ok "mewsd serves HTTPS"; sed 's/^/# /' "$LOG"; done_testing; }
check "the user is commissioned" commission user 11111 86420

jtrue() { printf '%s' "$BODY" | jq -e "$@" >/dev/null 2>&1; }
# energy ID JQ: the device's energy_import passes the jq test.
energy() { call GET "/api/devices/$1" && jtrue ".values.energy_import | $2"; }
good() { energy "$1" ".quality == \"ok\" and .value == $2 and (has(\"suspect\") | not)"; }
held() {
	energy "$1" ".quality == \"suspect\" and .value == $2 and
	    .suspect.read == $3 and .suspect.side == \"$4\""
}
stats() { call GET "/api/devices/$1" && jtrue ".stats | $2"; }
metrics() { web -o "$TMP/metrics" "$URL/metrics"; }
# sample FAMILY DEVICE VALUE: /metrics has the device's sample at VALUE.
sample() {
	metrics && grep -q "^$1{device=\"$2\",[^}]*} $3\$" "$TMP/metrics"
}
ARCHIVE() { echo "$STATE/rrd/$1/energy_import.rrd"; }
# consumption ID FROM TO: the range's answer in BODY.
consumption() {
	call GET "/api/consumption/$1/energy_import.json?period=range&from=$2&to=$3"
}
amount_is() {
	jtrue "(.periods | length) == 1 and
	    ((.periods[0].amount - $1) | fabs) < 1e-6"
}
flagged() { jtrue ".periods[0].flags | index(\"$1\")"; }

all_good() {
	good glitch0 1000 && good jump 5000 && good reset 3000 &&
	    good swap 4000 && good lower 2000
}
check "every meter's energy_import is read, ok" wait_for 10 all_good
if [ "$(clock_now)" -ge $((A - 20)) ]; then
	not_ok "started in time: mewsd's clock is at $(clock_now), past $((A - 20))"
	done_testing
fi

# --- A+2: the bad readings --------------------------------------------------
clock_until $((A + 2))
control "1 energy_import 0.0" "2 energy_import 90000.0" \
    "3 energy_import 0.0" "4 energy_import 4000.0" "5 energy_import 1500.0"
check "glitch0 reads 0: suspect, its 1000 kept, what was read shown" \
    wait_for 5 held glitch0 1000 0 drop
check "jump reads 90000 (past max_power): suspect, 5000 kept" \
    wait_for 5 held jump 5000 90000 jump
check "reset reads 0: suspect, 3000 kept" wait_for 5 held reset 3000 0 drop
check "lower reads 1500: suspect, 2000 kept" wait_for 5 held lower 2000 1500 drop
check "/metrics publishes glitch0's last good index, not 0" \
    sample mews_energy_import_kwh_total glitch0 1000
check "and jump's, not 90000" sample mews_energy_import_kwh_total jump 5000
check "/metrics counts glitch0's suspect total" \
    sample mews_device_totals_suspect glitch0 1
call GET /api/devices/pair
check "the virtual meter pair (glitch0 + jump) sums the good indexes: 6000" \
    jtrue '.values.energy_import.value == 6000'
call GET /api/groups/both
check "the group both sums them too: 6000" \
    jtrue '.sums.energy_import.value == 6000'
diag "at $(clock_now) (A+$(($(clock_now) - A)))"

# --- A+62: back, and the declared swap ----------------------------------------
clock_until $((A + 62))
control "1 energy_import 1000.5" "2 energy_import 5000.5" \
    "3 energy_import 0.0" "4 energy_import 10.0" "5 energy_import 1500.0"
check "glitch0 back at 1000.5: ok" wait_for 5 good glitch0 1000.5
check "a glitch counted for glitch0" stats glitch0 '.total_glitches == 1 and .total_resets == 0'
jump_back() { good jump 5000.5 && stats jump '.total_glitches == 1'; }
check "jump back at 5000.5: ok, a glitch counted" wait_for 5 jump_back
check "reset still held at 3000" held reset 3000 0 drop
clock_until $((T_SWAP + 12))
check "swap reads the new meter's 10 after the swap declared: ok" \
    wait_for 5 good swap 10
check "the declared swap is no glitch, no reset" \
    stats swap '.total_glitches == 0 and .total_resets == 0'
check "the swap is logged" grep -q \
    "device swap (address 4): energy_import read 10: the swap declared at $T_SWAP" "$LOG"

# --- A+122: the reset confirmed -----------------------------------------------
clock_until $((A + 122))
control "1 energy_import 1000.5" "2 energy_import 5000.5" \
    "3 energy_import 0.0" "4 energy_import 10.4" "5 energy_import 1500.0"
check "reset 0 for 120 s: taken, the new level" wait_for 5 good reset 0
check "a reset counted for reset" stats reset '.total_resets == 1 and .total_glitches == 0'
check "the reset is logged as such" grep -q \
    "device reset (address 3): energy_import read 0, a drop from 3000 for 1[2-3][0-9] s: a reset" "$LOG"
clock_until $((A + 182))
control "1 energy_import 1000.5" "2 energy_import 5000.5" \
    "3 energy_import 0.5" "4 energy_import 10.4" "5 energy_import 1500.0"
check "then it counts from there: 0.5" wait_for 5 good reset 0.5
check "/metrics: glitch0's glitch counted" \
    sample mews_device_total_glitches_total glitch0 1
check "/metrics: reset's reset counted" \
    sample mews_device_total_resets_total reset 1
check "/metrics: glitch0 no longer suspect" \
    sample mews_device_totals_suspect glitch0 0
check "/metrics: glitch0's index is the meter's again" \
    sample mews_energy_import_kwh_total glitch0 1000.5

# --- The four minutes in the archives ----------------------------------------
clock_until $((A + 242))
for id in glitch0 jump reset swap lower; do
	wait_for 30 written "$(ARCHIVE $id)" $((A + 240)) known ||
	    not_ok "$id's archive has the step $((A + 240))"
done
B=$((A + 240))
consumption glitch0 $A $B
diag "glitch0: $(json -c '.periods')"
check "glitch0's four minutes: 0.5 kWh (not 1000.5), no reset" \
    eval 'amount_is 0.5 && ! flagged reset'
consumption jump $A $B
diag "jump: $(json -c '.periods')"
check "jump's four minutes: 0.5 kWh (not 85000.5), no reset" \
    eval 'amount_is 0.5 && ! flagged reset'
consumption reset $A $B
diag "reset: $(json -c '.periods')"
check "reset's four minutes: 0.5 kWh from the new level, flagged reset" \
    eval 'amount_is 0.5 && flagged reset'
consumption swap $A $B
diag "swap: $(json -c '.periods')"
check "swap's four minutes: 0.4 kWh across the declared swap, replaced, no reset" \
    eval 'amount_is 0.4 && flagged replaced && ! flagged reset'
call GET "/api/groups/both/consumption?metric=energy_import&period=range&from=$A&to=$B"
diag "both: $(json -c '.periods')"
check "the group both: 1.0 kWh" jtrue '((.periods[0].amount - 1.0) | fabs) < 1e-6'

# --- lower's spell across a restart ------------------------------------------
check "lower is still suspect" held lower 2000 1500 drop
SINCE=$(json '.values.energy_import.suspect.since')
kill "$MEWSD_PID"
wait "$MEWSD_PID"
check "mewsd stops cleanly" [ $? = 0 ]
check "totals.state keeps lower's spell" grep -q \
    "device = \"lower\"; profile = \"sdm120\"; metric = \"energy_import\"; good = 2000.0*; good_at = [0-9]*L; side = \"drop\"; since = ${SINCE}L; held = 1500.0*;" \
    "$STATE/totals.state"
check "totals.state is 0600" [ "$(stat -c %a "$STATE/totals.state")" = 600 ]
start_mewsd || { not_ok "mewsd starts again"; sed 's/^/# /' "$LOG"; done_testing; }
check "the user logs in again" login user 86420
check "the spell goes on after the restart: logged" \
    grep -q "totals: device lower: energy_import still suspect (drop to 1500 since $SINCE), held at 2000" "$LOG"
same_spell() {
	held lower 2000 1500 drop &&
	    jtrue ".values.energy_import.suspect.since == $SINCE"
}
check "lower reads 1500 after the restart: 2000 still kept, the spell since $SINCE" \
    wait_for 10 same_spell
control "1 energy_import 1000.5" "2 energy_import 5000.5" \
    "3 energy_import 0.5" "4 energy_import 10.4" "5 energy_import 2000.25"
check "lower back at 2000.25: ok, a glitch" wait_for 5 good lower 2000.25
check "a glitch counted for lower" stats lower '.total_glitches == 1'
C=$(step_now)
C=$((C + 60))
clock_until $((C + 2))
wait_for 30 written "$(ARCHIVE lower)" $C known ||
    not_ok "lower's archive has the step $C"
consumption lower $A $C
diag "lower: $(json -c '.periods')"
check "lower's minutes through the restart: 0.25 kWh, no reset" \
    eval 'amount_is 0.25 && ! flagged reset'

# --- The event log, the CSV files --------------------------------------------
EVENTS="$STATE/events/events.csv"
for id in glitch0 jump lower; do
	check "a total_glitch event for $id" grep -q ";total_glitch;;;$id;energy_import: read " "$EVENTS"
done
check "a total_reset event for reset" grep -q ";total_reset;;;reset;energy_import: 0 where 3000 was good" "$EVENTS"
check "none for swap" sh -c "! grep -q ';total_[a-z]*;;;swap;' '$EVENTS'"

DAY=$(date -d "@$A" +%Y-%m-%d)
# index ID: the energy_import of ID's day file at A..A+240, a minute apart.
index() {
	/usr/bin/python3 - "$STATE/csv/$1/day/$DAY.csv" "$A" <<'PY'
import os
import sys
sys.path.insert(0, os.environ["TESTDIR"])
from csv_files import column, ENERGY
col = column(sys.argv[1], ";", ",", ENERGY)
a = int(sys.argv[2])
print(" ".join("%g" % col[t] if col.get(t) is not None else "-"
               for t in range(a, a + 300, 60)))
PY
}
TESTDIR=$(cd "$(dirname "$0")" && pwd)
export TESTDIR
csv_has() { [ "$(index "$1" 2>/dev/null)" = "$2" ]; }
check "glitch0's CSV day file: 1000 1000 1000.5 1000.5 1000.5, never 0" \
    wait_for 60 csv_has glitch0 "1000 1000 1000.5 1000.5 1000.5"
check "jump's: 5000 5000 5000.5 5000.5 5000.5, never 90000" \
    wait_for 10 csv_has jump "5000 5000 5000.5 5000.5 5000.5"
diag "reset's: $(index reset)"
check "reset's: 3000 held until the reset, then the new level" \
    csv_has reset "3000 3000 3000 0 0.5"

kill "$MEWSD_PID"
wait "$MEWSD_PID"
check "mewsd stops cleanly" [ $? = 0 ]
done_testing
