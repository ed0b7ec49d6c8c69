#!/bin/sh
# CSV files of history (issue 6): mewsd writes state_dir/csv/DEVICE/
# day/YYYY-MM-DD.csv, month/YYYY-MM.csv and year/YYYY.csv by itself, from
# its RRD archives, in local time, in the configured CSV format; and
# LibreOffice Calc reads each format's numbers as numbers.
#
# Daemon A starts on history made up for yesterday (csv_files.py says
# what): the files of yesterday, this month and this year must hold it in
# the right rows, in ';' with decimal comma; a reload to ',' and '.'
# rewrites the current files and leaves yesterday's, which is closed.
# Daemon B starts with no history at all, in ',' and '.', and one device's
# folder blocked by a file: its day file appears once history has a row
# (two or three minutes of its clock, which runs 20 times as fast as real
# time: test_clock), and the blocked folder is a logged error, nothing
# more.  A runs on the real clock: its made-up yesterday is the real one.
# Both price main's energy_import with tariffs.py's tariff: a cost column
# (tariffs.sh checks its values) that Calc reads as numbers too.
# Both run at once.
. "$(dirname "$0")/web_lib.sh"
have rrdtool || need "no rrdtool" rrdtool
have soffice || need "no soffice" libreoffice-calc-nogui
helper() { /usr/bin/python3 "$(dirname "$0")/csv_files.py" "$@"; }
tariffs() { /usr/bin/python3 "$(dirname "$0")/tariffs.py" "$@"; }
COST="energy_import cost (EUR)"

# Yesterday had 25 hours: the files must still follow local days.
. "$(dirname "$0")/dst_zone.sh"


csv_conf() {
	printf 'csv = { separator = "%s"; decimal = "%s"; bom = true; };\n' \
	    "$1" "$2" >>"$CONF"
}
priced() {
	tariffs conf >>"$CONF"
	sed -i 's|profile = "sdm630";|& tariffs = [ "day-night" ];|' "$CONF"
}

# soffice_xlsx CSV SEPARATOR_CODE LANGUAGE OUTDIR: the CSV as Calc imports
# it with that separator and that language's decimal (1031 de-DE reads
# "7978,432", 1033 en-US "7978.432", whatever the machine's locale: without
# it a decimal comma turns into a thousands separator).  Its own profile,
# and killed if it hangs.
soffice_xlsx() {
	timeout -k 5 120 soffice \
	    "-env:UserInstallation=file://$TMP/lo-profile" --headless \
	    --infilter="CSV:$2,34,76,1,,$3" --convert-to xlsx --outdir "$4" \
	    "$1" >>"$TMP/soffice.log" 2>&1
}

# Daemon B, first as it waits longest: ',' and '.', no history, device
# sub's folder taken by a file.
STATE_A=$STATE
STATE_B="$TMP/state-b"
STATE=$STATE_B
mkdir -p "$STATE/csv"
chmod 700 "$STATE"
: >"$STATE/csv/sub"
write_conf
sed -i "s|$TMP/rs485|$TMP/rs485b|" "$CONF"
csv_conf "," "."
priced
spawn "$MEWS_SIM" --pty "$TMP/rs485b" --profile-dir "$PROFILES" \
    --device 1:sdm630 --device 2:sdm120 --device 5:breaker \
    >>"$TMP/sim-b.log" 2>&1
wait_for 5 test -e "$TMP/rs485b" || not_ok "simulator B starts"
test_clock 20
B_START=$(clock_now)
start_mewsd || { not_ok "mewsd B starts"; sed 's/^/# /' "$LOG"; done_testing; }
unset MEWS_TEST_CLOCK
B_PID=$MEWSD_PID
LOG_B=$LOG
CSV_B="$STATE/csv/main"

# Daemon A: ';' and ','; yesterday's history made up before it starts.
HTTPS_PORT=$(free_port)
HTTP_PORT=$(free_port)
GATEWAY_PORT=$(free_port)
CONF="$TMP/a.conf"
LOG="$TMP/a.log"
STATE=$STATE_A
mkdir -p "$STATE/rrd/main"
chmod 700 "$STATE"
check "history made up for yesterday" helper history "$STATE/rrd/main"
# Twelve more meters with main's history, behind a gateway nobody answers
# (so the bus keeps its pace): a start writing 52 files at once, whose
# longest turn of the loop mewsd logs in debug.
COPIES=12
GW_PORT=$(free_port)
extra=""
i=1
while [ "$i" -le "$COPIES" ]; do
	mkdir -p "$STATE/rrd/copy$i"
	cp "$STATE/rrd/main/"*.rrd "$STATE/rrd/copy$i/"
	extra="$extra, { id = \"copy$i\"; gateway = \"gw\"; address = $i;"
	extra="$extra profile = \"sdm120\"; poll_ms = 5000; }"
	i=$((i + 1))
done
write_conf "" "gateways = ( { name = \"gw\"; host = \"127.0.0.1\";
	port = $GW_PORT; } );
log_level = \"debug\";"
awk -v extra="$extra" '
	/profile = "breaker"; poll_ms = 500; }/ { sub(/}$/, "}" extra) }
	{ print }' "$CONF" >"$CONF.new" && mv "$CONF.new" "$CONF"
csv_conf ";" ","
priced
CONF_A=$CONF
start_sim || { not_ok "simulator A starts"; done_testing; }
start_mewsd || { not_ok "mewsd A starts"; sed 's/^/# /' "$LOG"; done_testing; }
A_PID=$MEWSD_PID
CSV_A="$STATE/csv/main"

# Each file's name and its period's start.
# shellcheck disable=SC2046
set -- $(helper name day yesterday)
DAY_Y="$CSV_A/day/$1.csv"
DAY_Y_START=$2
# shellcheck disable=SC2046
set -- $(helper name day today)
DAY_T="$CSV_A/day/$1.csv"
DAY_T_START=$2
# shellcheck disable=SC2046
set -- $(helper name month yesterday)
MONTH="$CSV_A/month/$1.csv"
MONTH_START=$2
# shellcheck disable=SC2046
set -- $(helper name year yesterday)
YEAR="$CSV_A/year/$1.csv"
YEAR_START=$2

check "A: yesterday's day file is made from history (${DAY_Y#"$TMP"/})" \
    wait_for 40 test -s "$DAY_Y"
check "A: today's day file too" wait_for 10 test -s "$DAY_T"
check "A: yesterday's month and year files too" \
    wait_for 10 sh -c "test -s '$MONTH' && test -s '$YEAR'"
check "A: folders are 0700, files 0600" sh -c "
	[ \$(stat -c %a '$STATE/csv') = 700 ] &&
	[ \$(stat -c %a '$CSV_A') = 700 ] &&
	[ \$(stat -c %a '$CSV_A/day') = 700 ] &&
	[ \$(stat -c %a '$DAY_Y') = 600 ] &&
	[ \$(stat -c %a '$YEAR') = 600 ]"
# A file is read and written in a turn of the loop of its own, with no
# fsync there, so the loop serves in between.  What the longest turn took
# is a figure for the log, not a check: timings belong to the benchmarks.
check "A: the start's files are written, the turns logged" \
    wait_for 30 grep -q 'csv files: [0-9]* written in [0-9]* turns' "$LOG"
turn=$(grep -o 'csv files: [0-9]* written in [0-9]* turns, the longest turn of the loop [0-9.]* ms' \
    "$LOG" | head -1)
diag "$turn"
check "A: once written, no temporary file is left" \
    sh -c "! find '$STATE/csv' -name '*.csv.*' | grep -q ."
files=$(echo "$turn" | awk '{ print $3 }')
turns=$(echo "$turn" | awk '{ print $6 }')
check "A: the $((4 * (COPIES + 1))) files of main and its copies at once (${files:-none})" \
    [ "${files:-0}" -ge $((4 * (COPIES + 1))) ]
check "A: one file a turn of the loop (${files:-none} in ${turns:-none})" \
    [ "${turns:-0}" -ge "${files:-1}" ]

check "A: yesterday: BOM, CRLF, header, local ISO times, minutes, ','" \
    helper format "$DAY_Y" ";" "," day "$DAY_Y_START"
diag "$(head -c 120 "$DAY_Y" | head -1)"
diag "$(sed -n 2p "$DAY_Y" | cut -c 1-100)"
check "A: yesterday: every minute's index and power average" \
    helper values "$DAY_Y" ";" "," yesterday
check "A: today: format" helper format "$DAY_T" ";" "," day "$DAY_T_START"
check "A: today: midnight's index" helper values "$DAY_T" ";" "," today
check "A: month: format, a row an hour" \
    helper format "$MONTH" ";" "," month "$MONTH_START"
check "A: month: yesterday's hours, index at the hour and its average" \
    helper values "$MONTH" ";" "," month
check "A: year: format, a row a local day" \
    helper format "$YEAR" ";" "," year "$YEAR_START"
check "A: year: yesterday's index at midnight and the day's average" \
    helper values "$YEAR" ";" "," year
check "A: yesterday: each minute's cost, after the metrics" \
    tariffs file "$DAY_Y" ";" "," day
check "A: month: each of yesterday's hours' cost" \
    tariffs file "$MONTH" ";" "," month

cp "$DAY_Y" "$TMP/semicolon.csv"
soffice_xlsx "$TMP/semicolon.csv" 59 1031 "$TMP/xlsx-a"
check "A: Calc converts the ';' file to xlsx" \
    test -s "$TMP/xlsx-a/semicolon.xlsx"
check "A: Calc reads energy_import as numbers, the CSV's (de-DE)" \
    helper xlsx "$TMP/xlsx-a/semicolon.xlsx" "$TMP/semicolon.csv" \
    ";" ","
check "A: and its cost as numbers" \
    helper xlsx "$TMP/xlsx-a/semicolon.xlsx" "$TMP/semicolon.csv" \
    ";" "," "$COST" 1000

# A reload to ',' and '.': the current files follow, closed ones do not.
before=$(stat -c '%i %Y' "$DAY_Y")
sum_y=$(md5sum <"$DAY_Y")
sed -i 's/^csv = .*$//' "$CONF_A"
CONF=$CONF_A
csv_conf "," "."
kill -HUP "$A_PID"
check "A: after a reload today's file is rewritten with ',' and '.'" \
    wait_for 40 sh -c "head -1 '$DAY_T' | grep -q '^.*time,unix,'"
check "A: today, rewritten: format" \
    helper format "$DAY_T" "," "." day "$DAY_T_START"
check "A: the month's and year's files too" wait_for 10 sh -c "
	head -1 '$MONTH' | grep -q 'time,unix,' &&
	head -1 '$YEAR' | grep -q 'time,unix,'"
check "A: yesterday's file, closed, is left as it was" sh -c "
	[ \"\$(stat -c '%i %Y' '$DAY_Y')\" = '$before' ] &&
	[ \"\$(md5sum <'$DAY_Y')\" = '$sum_y' ]"

# Calc on a whole file in ',' and '.': the month's, rewritten, holds
# yesterday's 25 hours and today's (B's file has a minute or two).
cp "$MONTH" "$TMP/comma-month.csv"
soffice_xlsx "$TMP/comma-month.csv" 44 1033 "$TMP/xlsx-a2"
check "A: Calc converts the ',' month file to xlsx" \
    test -s "$TMP/xlsx-a2/comma-month.xlsx"
check "A: Calc reads every hour's energy_import as numbers (en-US)" \
    helper xlsx "$TMP/xlsx-a2/comma-month.xlsx" \
    "$TMP/comma-month.csv" "," "." "energy_import (kWh)" 25
check "A: and every hour's cost" \
    helper xlsx "$TMP/xlsx-a2/comma-month.xlsx" \
    "$TMP/comma-month.csv" "," "." "$COST" 25

# B: history takes a step each minute, written within 40 s; a row is in
# the file once complete and 50 s old, and a total is read at the row's
# start: the first index shows at most 60 + 60 + 50 s after the start, of
# B's clock.
live_quietly() { helper live "$@" >/dev/null; }
b_day() { date -d "@$(clock_now)" +%Y-%m-%d; }
b_live() { live_quietly "$CSV_B/day/$(b_day).csv" "," "."; }
b_within() { [ "$(clock_now)" -lt $((B_START + 200 * MEWS_WAIT_SCALE)) ]; }
until b_live || ! b_within; do sleep 0.2; done
DAY_B="$CSV_B/day/$(b_day).csv"
check "B: today's day file holds the simulated meter's index within $((200 * MEWS_WAIT_SCALE)) s" \
    live_quietly "$DAY_B" "," "."
diag "B's file has an index $(($(clock_now) - B_START)) s after the start"
check "B: format with ',' and '.'" \
    helper format "$DAY_B" "," "." day "$(date -d "$(b_day) 00:00" +%s)"
cp "$DAY_B" "$TMP/comma.csv"
soffice_xlsx "$TMP/comma.csv" 44 1033 "$TMP/xlsx-b"
check "B: Calc converts the ',' file to xlsx" \
    test -s "$TMP/xlsx-b/comma.xlsx"
check "B: Calc reads energy_import as numbers, the CSV's (en-US)" \
    helper xlsx "$TMP/xlsx-b/comma.xlsx" "$TMP/comma.csv" "," "."
# A row's cost needs the next row's index: there may be none yet.
check "B: and the costs there are, as numbers" \
    helper xlsx "$TMP/xlsx-b/comma.xlsx" "$TMP/comma.csv" "," "." \
    "$COST" 0
# A failure is logged once every 10 minutes of the clock.
blocked=$(grep -c "csv files: $STATE_B/csv/sub/.*: Not a directory" "$LOG_B")
most=$((1 + ($(clock_now) - B_START) / 600))
check "B: the blocked folder is logged with its path and reason, once each 10 minutes ($blocked, at most $most)" \
    [ "$blocked" -ge 1 -a "$blocked" -le "$most" ]
# Closed files are synced by a child, reaped within a minute.
check "A: yesterday's closed files were synced by a child process" \
    grep -q "csv files: closed periods' files synced by process" "$LOG"
check "A: no child process is left behind" \
    wait_for 70 sh -c "! pgrep -P $A_PID >/dev/null"
# Both still run, and stop cleanly (under valgrind: with no memory error).
for pid in "$A_PID" "$B_PID"; do
	kill -TERM "$pid"
	wait "$pid"; rc=$?
	check "mewsd $pid was running and stops cleanly (exit $rc)" [ "$rc" = 0 ]
done
done_testing
