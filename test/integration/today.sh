#!/bin/sh
# Today's consumption a few minutes after a start (issue 16, item 3),
# against the real daemon over mews-sim, whose meters read what the test
# writes in its --control file.  Periods longer than an hour come from
# hourly rows, of which a daemon started at 23:52 has none yet: the day,
# week, month and year, a range of hourly rows, the costs, a group, a
# week's budget and the day's report must still hold what was used since
# the first reading, from the minute rows and the live index.
#
# main reads 1000.0 from the start, 1000.5 at 23:54 and 1001.5 at 23:55;
# sub 200.0, then 200.2 at 23:55.  At 23:57:30 every view of the present
# says main used 1.5 kWh and the two 1.7; after midnight the day's report
# says 1.5 kWh for the day.  The zone is UTC; mewsd's clock runs 20 times
# as fast as real time (test_clock), from 23:52:30 of the helpers' today.
. "$(dirname "$0")/web_lib.sh"
have rrdtool || need "no rrdtool" rrdtool
. "$(dirname "$0")/smtp_lib.sh"
TZ=UTC
export TZ

CONTROL="$TMP/control"
# control LINE...: what the meters read from now on, the file replaced whole.
control() {
	printf '%s\n' "$@" >"$CONTROL.new" && mv "$CONTROL.new" "$CONTROL"
}

now=$(date +%s)
DAY=$((now - now % 86400))
START=$((DAY + 86400 - 450))
MIDNIGHT=$((DAY + 86400))

SMTP_PORT=$(free_port)
start_smtp starttls "$SMTP_PORT" || not_ok "aiosmtpd starts"

write_conf "$LONG_SESSIONS" "
tariffs = ( { id = \"flat\"; name = \"Flat\"; metric = \"energy_import\";
	      currency = \"EUR\"; standing_per_day = 0.0;
	      bands = ( { price = 0.2; } ); } );
groups = ( { id = \"site\"; name = \"Site\"; devices = [ \"main\", \"sub\" ]; } );
alarms = ( { id = \"week-budget\"; device = \"main\";
	     metric = \"energy_import\"; budget = 1.0; period = \"week\"; } );
mail = { server = \"127.0.0.1\"; port = $SMTP_PORT; security = \"starttls\";
	 user = \"reporter\"; password = \"s3cret\";
	 from = \"mews@example.com\"; ca_file = \"$TMP/cert.pem\"; };
reports = ( { name = \"daily\"; every = \"day\"; at = \"00:00\";
	      devices = [ \"main\" ]; to = [ \"fm@example.com\" ]; } );"
sed -i 's|profile = "sdm630";|& tariffs = [ "flat" ];|' "$CONF"
# The report of the day before is done: today's is the one owed.
mkdir -p "$STATE"
chmod 700 "$STATE"
printf 'reports = ( { name = "daily"; done = %sL; } );\n' $((DAY - 86400)) \
    >"$STATE/reports.state"
check "mewsd -t accepts the tariff, group, budget and report" \
    "$MEWSD" -t -c "$CONF"

control "1 energy_import 1000.0" "2 energy_import 200.0"
start_sim --control "$CONTROL" || { not_ok "the simulator starts"; done_testing; }
test_clock 20 "$START"
start_mewsd || { not_ok "mewsd serves HTTPS"; sed 's/^/# /' "$LOG"; done_testing; }
check "the user is commissioned" commission user 11111 86420

jtrue() { printf '%s' "$BODY" | jq -e "$@" >/dev/null 2>&1; }
reads() {
	call GET "/api/devices/$1" && jtrue ".values.energy_import |
	    .quality == \"ok\" and ((.value - $2) | fabs) < 1e-4"
}
check "main is read" wait_for 10 reads main 1000
check "sub is read" wait_for 10 reads sub 200
if [ "$(clock_now)" -ge $((START + 60)) ]; then
	not_ok "started in time: mewsd's clock is at $(clock_now), past $((START + 60))"
	done_testing
fi

clock_until $((MIDNIGHT - 360))
control "1 energy_import 1000.5" "2 energy_import 200.0"
clock_until $((MIDNIGHT - 300))
control "1 energy_import 1001.5" "2 energy_import 200.2"
check "main reads 1001.5" wait_for 5 reads main 1001.5
check "sub reads 200.2" wait_for 5 reads sub 200.2
clock_until $((MIDNIGHT - 150))
diag "at $(clock_now), $(($(clock_now) - START)) s after the start"

# last_is AMOUNT: the last period of the answer holds AMOUNT, known (to
# the float32 of an SDM120's register).
last_is() {
	jtrue "(.periods | last) as \$p | \$p.amount != null and
	    ((\$p.amount - $1) | fabs) < 1e-4 and \$p.coverage > 0"
}
# used ID PERIOD AMOUNT: /api/consumption's current PERIOD holds AMOUNT.
used() {
	call GET "/api/consumption/$1/energy_import.json?period=$2" &&
	    [ "$STATUS" = 200 ] && last_is "$2"
}
for period in hour day week month year; do
	call GET "/api/consumption/main/energy_import.json?period=$period"
	diag "$period: $(json -c '.periods | last')"
	check "main's current $period: 1.5 kWh, a number minutes after a start" \
	    last_is 1.5
done
call GET "/api/consumption/main/energy_import.json?period=day"
check "today's cost: 1.5 kWh at 0.2 EUR" \
    jtrue '(.periods | last).cost.energy | . != null and ((. - 0.3) | fabs) < 1e-6'
call GET "/api/consumption/main/energy_import.csv?period=day"
check "today's CSV row has 1.5 too" sh -c "printf '%s\n' \"\$1\" | tail -n 1 | grep -q '1[.,]5'" - "$BODY"

call GET "/api/consumption/main/energy_import.json?period=range&from=$((START - 600))"
diag "range of minute rows: $(json -c '.periods')"
check "a range of minute rows up to now: 1.5" last_is 1.5
check "... ending with the present minute" jtrue ".step == 60 and
    (.periods[0].to % 60) == 0 and .periods[0].to >= $(($(clock_now) - 5))"
call GET "/api/consumption/main/energy_import.json?period=range&from=$((START - 10 * 86400))"
diag "range of hourly rows: $(json -c '.periods')"
check "a range of hourly rows up to now (none written yet): 1.5" last_is 1.5
check "... ending with the present hour" jtrue ".step == 3600 and .periods[0].to == $MIDNIGHT"

web -o "$TMP/today.csv" "$URL/api/history/main/energy_import.csv?from=$DAY&to=$((MIDNIGHT + 86400))"
last_row=$(tail -n 1 "$TMP/today.csv" | cut -d';' -f1)
diag "today's history CSV ends with: $(tail -n 1 "$TMP/today.csv")"
check "a history CSV asked to tomorrow's end has no rows to come (last $last_row)" \
    [ "$(date -d "$last_row" +%s)" -le $(($(clock_now) + 60)) ]

call GET "/api/groups/site/consumption?metric=energy_import&period=day"
diag "the group's day: $(json -c '.periods | last')"
check "the group's today: main 1.5 + sub 0.2" last_is 1.7
call GET "/api/groups/site/consumption?metric=energy_import&period=month"
check "the group's month: 1.7" last_is 1.7

is() { call GET "/api/alarms/$1"; [ "$(json .status)" = "$2" ]; }
check "the week's budget of 1 kWh is raised (its week has no hourly row yet)" \
    wait_for 30 is week-budget active
check "its value is what main used: 1.5" jtrue '((.value - 1.5) | fabs) < 1e-6'

# --- after midnight: the day's report -----------------------------------------
mail_with() { grep -l "$1" "$MAILS"/*.txt >/dev/null 2>&1; }
check "the day's report is mailed after midnight" \
    wait_for 60 mail_with "energy_import: "
grep -h . "$MAILS"/*.txt | sed 's/^/# mail: /' | head -40
check "it says main used 1.5 kWh that day (its one hourly row is 00:00's)" \
    mail_with "energy_import: 1.500 kWh"
check "and what it cost: 0.30 EUR" mail_with "energy_import cost: 0.30 EUR"

kill -TERM "$MEWSD_PID"; wait "$MEWSD_PID"; rc=$?
check "mewsd stops cleanly (exit $rc)" [ "$rc" = 0 ]
done_testing
