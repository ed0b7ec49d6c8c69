#!/bin/sh
# Tariffs and costs (issue 10, part 3), through the real daemon: the
# tariffs' CRUD (the administrator's; 403 for the installer and the user),
# validation errors as 400 with the field, and what yesterday's made-up
# history (csv_files.py: 0.125 kWh a minute) costs under a day/night/
# weekend tariff (tariffs.py works it out minute by minute): in
# /api/consumption for the day and for a range of minutes, in a CSV
# download's cost column (each row's index delta priced), in the CSV
# files' cost columns (day, month, year), and in the e-mailed report's
# summary, received by Debian's aiosmtpd.  sub's meter was
# swapped yesterday (devices[].replacements): its consumption, and the
# group's, go on across the swap, the swap's periods flagged.
#
# The zone is made up (dst_zone.sh): summer time ended yesterday at
# 03:00, so yesterday had 25 hours and the bands follow local time
# through it.  mewsd's clock runs 20 times as fast as real time
# (test_clock), so the CSV files, first made 15 s after a start, and the
# report come within a second; it starts at noon of the helpers' today, so
# mewsd's yesterday is the made-up one however near midnight the test
# runs.
. "$(dirname "$0")/web_lib.sh"
have rrdtool || need "no rrdtool" rrdtool
. "$(dirname "$0")/smtp_lib.sh"
tariffs() { /usr/bin/python3 "$(dirname "$0")/tariffs.py" "$@"; }
csvh() { /usr/bin/python3 "$(dirname "$0")/csv_files.py" "$@"; }

. "$(dirname "$0")/dst_zone.sh"

# shellcheck disable=SC2046
set -- $(tariffs expect yesterday)
Y_START=$1 Y_END=$2 Y_ENERGY=$3 Y_TOTAL=$4
diag "yesterday: $(((Y_END - Y_START) / 3600)) hours, energy $Y_ENERGY EUR, with standing $Y_TOTAL EUR"

# The report: yesterday's is owed.
SMTP_PORT=$(free_port)
start_smtp starttls "$SMTP_PORT" || not_ok "aiosmtpd starts"
REPORT_CONF="mail = { server = \"127.0.0.1\"; port = $SMTP_PORT;
	 user = \"reporter\"; password = \"s3cret\";
	 from = \"mews@example.com\"; ca_file = \"$TMP/cert.pem\"; };
reports = ( { name = \"daily\"; every = \"day\"; at = \"00:00\";
	      devices = [ \"main\" ]; to = [ \"fm@example.com\" ]; } );"

mkdir -p "$STATE/rrd/main"
chmod 700 "$STATE"
mkdir -p "$STATE/rrd/sub"
# sub's meter was swapped yesterday at 13:30 or so, for one reading 10
# kWh, and declared: its consumption goes on at the same pace, as main's.
SWAP_AT=$((Y_START + 13 * 3600 + 1800))
SWAP_OLD=$(/usr/bin/python3 -c "
import sys; sys.path.insert(0, '$(dirname "$0")')
from csv_files import energy_at; print(energy_at($SWAP_AT))")
check "history made up for yesterday, for main and sub (swapped at $SWAP_AT from $SWAP_OLD)" sh -c "
	/usr/bin/python3 '$(dirname "$0")/csv_files.py' history '$STATE/rrd/main' &
	main=\$!
	/usr/bin/python3 '$(dirname "$0")/csv_files.py' history '$STATE/rrd/sub' \
	    $SWAP_AT 10 && wait \$main"
printf 'reports = ( { name = "daily"; done = %sL; } );\n' \
    "$(/usr/bin/python3 -c "
import time
lt = time.localtime($Y_START - 1)
print(int(time.mktime((lt.tm_year, lt.tm_mon, lt.tm_mday, 0, 0, 0, 0, 0, -1))))")" \
    >"$STATE/reports.state"
write_conf "$LONG_SESSIONS" "$(tariffs conf)
groups = ( { id = \"site\"; name = \"Site\"; devices = [ \"main\", \"sub\" ]; } );
$REPORT_CONF"
sed -i 's|profile = "sdm630";|& tariffs = [ "day-night" ];|' "$CONF"
sed -i "s|profile = \"sdm120\";|& replacements = ( { metric = \"energy_import\"; at = $SWAP_AT; old_final = $SWAP_OLD; new_initial = 10.0; } );|" "$CONF"
check "mewsd -t accepts the tariff and main's use of it" \
    "$MEWSD" -t -c "$CONF"
sed 's|{ price = 0.17; }|{ days = "sun"; price = 0.17; }|' "$CONF" \
    >"$TMP/bad.conf"
out=$("$MEWSD" -t -c "$TMP/bad.conf" 2>&1); rc=$?
check "mewsd -t: hours no band covers are an error, named: $out" sh -c "
	[ $rc = 1 ] && printf '%s' '$out' | grep -q \
	    'bad.conf:[0-9]*: tariff \"day-night\": no band covers mon 00:00-07:30'"
sed 's|tariffs = \[ "day-night" \]|tariffs = [ "day-night", "nope" ]|' \
    "$CONF" >"$TMP/bad.conf"
out=$("$MEWSD" -t -c "$TMP/bad.conf" 2>&1)
check "mewsd -t: a device naming an unknown tariff: $out" sh -c "
	printf '%s' '$out' | grep -q 'device \"main\": no tariff \"nope\"'"

test_clock 20 $((Y_END + 12 * 3600))
start_sim || { not_ok "the simulator starts"; done_testing; }
start_mewsd || { not_ok "mewsd serves HTTPS"; sed 's/^/# /' "$LOG"; done_testing; }

commission user 11111 97531 || not_ok "user logs in"
expect "the user reads the tariffs" 200 GET /api/tariffs
check "one, as configured, used by main" sh -c "printf '%s' '$BODY' | jq -e '
	length == 1 and .[0].id == \"day-night\" and .[0].currency == \"EUR\"
	and .[0].unit == \"kWh\" and .[0].standing_per_day == 0.45
	and .[0].devices == [\"main\"] and (.[0].bands | length) == 3
	and .[0].bands[0].days == \"mon-fri\" and .[0].bands[0].from == \"07:30\"
	and .[0].bands[0].to == \"23:00\" and .[0].bands[2].default' >/dev/null"
NEW='{"id":"export","name":"Feed-in","metric":"energy_export","currency":"EUR","bands":[{"price":0.08}],"devices":["main"]}'
expect "the user may not add one (403)" 403 POST /api/tariffs "$NEW"
expect "nor change one (403)" 403 PUT /api/tariffs/day-night '{"bands":[{"price":1}]}'
expect "nor remove one (403)" 403 DELETE /api/tariffs/day-night
commission installer 55555 13579 || not_ok "installer logs in"
expect "the installer reads them" 200 GET /api/tariffs/day-night
expect "the installer may not add one (403)" 403 POST /api/tariffs "$NEW"
expect "nor change one (403)" 403 PUT /api/tariffs/day-night '{"bands":[{"price":1}]}'
expect "nor remove one (403)" 403 DELETE /api/tariffs/day-night

commission administrator 99999 24680 || not_ok "administrator logs in"
expect "the administrator adds a feed-in tariff for main (201)" 201 POST \
    /api/tariffs "$NEW"
check "it runs: main uses it" sh -c "printf '%s' '$BODY' | jq -e '
	.id == \"export\" and .devices == [\"main\"] and .bands[0].default' >/dev/null"
check "mews.conf says so" grep -q 'tariffs = \[ "day-night", "export" \]' "$CONF"

# bad FIELD JSON: refused with 400 naming the field, nothing changed.
bad() {
	call POST /api/tariffs "$2"
	if [ "$STATUS" = 400 ] && [ "$(json .field)" = "$1" ]; then
		ok "400 on $1: $(json .error)"
	else
		not_ok "400 on $1 (HTTP $STATUS: $BODY)"
	fi
}
T='"id":"x","metric":"energy_import","currency":"EUR"'
bad days "{$T,\"bands\":[{\"days\":\"weekdays\",\"price\":1},{\"price\":1}]}"
bad from "{$T,\"bands\":[{\"from\":\"23:00\",\"to\":\"07:00\",\"price\":1},{\"price\":1}]}"
bad to "{$T,\"bands\":[{\"from\":\"07:00\",\"to\":\"25:00\",\"price\":1},{\"price\":1}]}"
bad price "{$T,\"bands\":[{\"price\":\"cheap\"}]}"
bad currency '{"id":"x","metric":"energy_import","currency":"euro","bands":[{"price":1}]}'
bad metric '{"id":"x","metric":"power","currency":"EUR","bands":[{"price":1}]}'
bad id '{"id":"X Y","metric":"energy_import","currency":"EUR","bands":[{"price":1}]}'
bad bands "{$T,\"bands\":[{\"days\":\"mon-fri\",\"price\":1}]}"
bad bands "{$T,\"bands\":[{\"price\":1},{\"days\":\"sat\",\"price\":2}]}"
bad bands "{$T}"
bad devices "{$T,\"bands\":[{\"price\":1}],\"devices\":[\"nope\"]}"
call POST /api/tariffs "{$T,\"bands\":[{\"price\":1}],\"devices\":[\"main\"]}"
check "a second energy_import tariff for main is refused: $(json .error)" sh -c "
	[ '$STATUS' = 400 ] && printf '%s' '$BODY' | jq -e '.error |
	    test(\"one tariff per metric\")' >/dev/null"
expect "an id already used is a conflict (409)" 409 POST /api/tariffs \
    '{"id":"day-night","metric":"energy_import","currency":"EUR","bands":[{"price":1}]}'
expect "after all that, two tariffs still" 200 GET /api/tariffs
check "and nothing else" sh -c "printf '%s' '$BODY' | jq -e 'map(.id) == [\"day-night\", \"export\"]' >/dev/null"

expect "a change of price (PUT, the bands whole)" 200 PUT /api/tariffs/export \
    '{"name":"Feed-in 2025","metric":"energy_export","currency":"EUR","bands":[{"price":0.09}]}'
check "it runs, still used by main" sh -c "printf '%s' '$BODY' | jq -e '
	.name == \"Feed-in 2025\" and .bands[0].price == 0.09 and
	.devices == [\"main\"]' >/dev/null"
expect "the id cannot change (400)" 400 PUT /api/tariffs/export \
    '{"id":"other","metric":"energy_export","currency":"EUR","bands":[{"price":0.09}]}'
expect "an unknown tariff is 404" 404 PUT /api/tariffs/nope \
    '{"metric":"energy_export","currency":"EUR","bands":[{"price":0.09}]}'
expect "removed (DELETE)" 200 DELETE /api/tariffs/export
check "and gone from main's tariffs in mews.conf" sh -c "
	grep -q 'tariffs = \[ \"day-night\" \]' '$CONF' && ! grep -q export '$CONF'"
expect "one tariff left" 200 GET /api/tariffs
check "day-night, untouched" sh -c "printf '%s' '$BODY' | jq -e '
	length == 1 and .[0].bands[1].price == 0.22' >/dev/null"

# Costs of yesterday from the archives: hourly rows for the day.
call GET "/api/consumption/main/energy_import.json?period=day&from=$Y_START&to=$Y_END"
printf '%s' "$BODY" >"$TMP/day.json"
check "/api/consumption: yesterday's 25 hours, energy priced by band, 0.45 standing" \
    tariffs consumption "$TMP/day.json" day
# Minutes for a range: the 07:30 edge falls inside an hour.
R_FROM=$((Y_START + 5 * 3600))
R_TO=$((Y_START + 12 * 3600))
call GET "/api/consumption/main/energy_import.json?period=range&from=$R_FROM&to=$R_TO"
printf '%s' "$BODY" >"$TMP/range.json"
check "/api/consumption: a range of minutes, standing pro rata" \
    tariffs consumption "$TMP/range.json" range
# The same as a download: one row a period, the JSON's values.
web -o "$TMP/hours-consumption.csv" "$URL/api/consumption/main/energy_import.csv?period=hour&from=$Y_START&to=$Y_END"
call GET "/api/consumption/main/energy_import.json?period=hour&from=$Y_START&to=$Y_END"
printf '%s' "$BODY" >"$TMP/hours.json"
check "/api/consumption's CSV: yesterday's 25 hours, the JSON's amounts" \
    tariffs periods_csv "$TMP/hours.json" "$TMP/hours-consumption.csv" ";" ","
web -o "$TMP/range.csv" "$URL/api/consumption/main/energy_import.csv?period=range&from=$R_FROM&to=$R_TO"
check "and a range's" tariffs periods_csv "$TMP/range.json" "$TMP/range.csv" ";" ","
call GET "/api/consumption/main/power.json?period=day"
check "power is no total: no cost (404)" [ "$STATUS" = 404 ]
call GET "/api/consumption/sub/energy_import.json?period=day&from=$Y_START&to=$Y_END"
check "a device without a tariff: no cost, tariff null" sh -c "
	printf '%s' '$BODY' | jq -e '.tariff == null and
	    (.periods | all(has(\"cost\") | not))' >/dev/null"

# The swap: the day and its hour count what each meter measured, flagged.
check "sub's yesterday across its meter swap: the whole day's 0.125 kWh a minute, replaced" sh -c "
	printf '%s' '$BODY' | jq -e '.periods | length == 1 and
	    .[0].amount == $(((Y_END - Y_START) / 60)) * 0.125 and
	    (.[0].flags | index(\"replaced\"))' >/dev/null"
call GET "/api/consumption/sub/energy_import.json?period=hour&from=$Y_START&to=$Y_END"
check "sub's hours: 7.5 kWh each, only the swap's hour flagged replaced" sh -c "
	printf '%s' '$BODY' | jq -e '(.periods | length) == $(((Y_END - Y_START) / 3600)) and
	    (.periods | all(.amount == 7.5)) and
	    ([.periods[] | select(.flags | index(\"replaced\")) | .from] ==
	     [$((SWAP_AT - 1800))])' >/dev/null"
call GET "/api/groups/site/consumption?metric=energy_import&period=day&from=$Y_START&to=$Y_END"
check "a group's cost is its priced members' (main's, not sub's): $(printf '%s' "$BODY" | jq -c '.periods[0].cost')" \
    sh -c "printf '%s' '$BODY' | jq -e '.priced == [\"main\"] and
	(.periods[0].amount == 375) and
	((.periods[0].cost.EUR - $Y_TOTAL) | fabs < 1e-6)' >/dev/null"

# Downloads: a cost column, each row's index delta priced.
# From a row before: the first row's cost is blank, nothing before it.
web -o "$TMP/hours.csv" -D "$TMP/hours.hdr" "$URL/api/history/main/energy_import.csv?from=$((Y_START - 3600))&to=$Y_END&step=3600"
check "the download is named by its start, a local date and time (not a UNIX time)" \
    grep -qi "filename=\"main-energy_import-$(date -d "@$((Y_START - 3600))" +%Y-%m-%d-%H%M).csv\"" "$TMP/hours.hdr"
check "a download of hours: energy_import cost (EUR), each row's delta priced" \
    tariffs download "$TMP/hours.csv" ";" "," 3600 "$Y_START" "$Y_END"
web -o "$TMP/minutes.csv" "$URL/api/history/main/energy_import.csv?from=$((R_FROM - 60))&to=$R_TO&step=60"
check "a download of minutes too" tariffs download "$TMP/minutes.csv" \
    ";" "," 60 "$R_FROM" "$R_TO"
diag "$(sed -n '1p;200p' "$TMP/minutes.csv" | tr -d '\r\357\273\277')"

# The files: a cost column after the metrics.
# shellcheck disable=SC2046
set -- $(csvh name day yesterday)
DAY="$STATE/csv/main/day/$1.csv"
# shellcheck disable=SC2046
set -- $(csvh name month yesterday)
MONTH="$STATE/csv/main/month/$1.csv"
# shellcheck disable=SC2046
set -- $(csvh name year yesterday)
YEAR="$STATE/csv/main/year/$1.csv"
check "yesterday's files are made" wait_for 60 sh -c \
    "test -s '$DAY' && test -s '$MONTH' && test -s '$YEAR' &&
    test -s '$STATE/csv/sub/day/${DAY##*/}'"
check "the day file: each minute's cost" tariffs file "$DAY" ";" "," day
check "the month file: each hour's cost" tariffs file "$MONTH" ";" "," month
check "the year file: yesterday's cost" tariffs file "$YEAR" ";" "," year
check "sub, without a tariff, has files without a cost column" sh -c "
	test -s '$STATE/csv/sub/day/${DAY##*/}' &&
	! head -1 '$STATE/csv/sub/day/${DAY##*/}' | grep -q cost"

check "yesterday's report is mailed" wait_for 30 \
    sh -c "ls '$MAILS'/*.eml >/dev/null 2>&1"
MAIL=$(ls "$MAILS"/*.eml 2>/dev/null | head -1)
LINE=$(/usr/bin/python3 "$(dirname "$0")/reports.py" summary "$MAIL" \
    "main.energy_import cost")
TOTAL=$(/usr/bin/python3 "$(dirname "$0")/reports.py" text "$MAIL" |
    sed -n 's/^Total cost: //p')
diag "summary: energy_import cost: $LINE"
diag "Total cost: $TOTAL"
check "the summary's cost and its total are yesterday's" \
    tariffs summary "$LINE" "$TOTAL"

kill -TERM "$MEWSD_PID"
wait "$MEWSD_PID"; rc=$?
check "mewsd stops cleanly (exit $rc)" [ "$rc" = 0 ]
done_testing
