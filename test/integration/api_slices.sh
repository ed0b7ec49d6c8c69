#!/bin/sh
# Heavy API answers never hold the loop (issue 15, item 3: one consumption
# request from 1970 to 2033 held it a second).  Against the real daemon,
# with a tariff on the incomer (pricing is what costs: a local day's
# calendar a period, a standing charge a day) and a group:
#  - what history cannot hold is refused (400, field "from") or clamped
#    (a `to` to come: the present);
#  - as the user, the attack's requests and other long answers are sent at
#    once, and while they are computed the daemon answers /api/session
#    again and again and the gateway reads the incomer on the line;
#  - each long answer is what the same query computes in one turn: a
#    period of a 300-day table is the period of a two-day one, a range to
#    2033 is the range to the present it was clamped to;
#  - clients that leave in the middle leave nothing behind (memcheck).
# mewsd's clock runs 240 times as fast from 22:20 local time, 100 minutes
# before a midnight (test_clock; under memcheck, half as fast and slower
# to start): by the long requests yesterday has hourly rows and is over.
# No timing is asserted here: test/bench/bench_api.sh measures the turns.
. "$(dirname "$0")/web_lib.sh"
have mbpoll || need "no mbpoll" mbpoll
have rrdtool || need "no rrdtool" rrdtool
have /usr/bin/python3 || need "no /usr/bin/python3" python3

MIDNIGHT=$(date -d 'tomorrow 00:00' +%s)
YESTERDAY=$(date -d "@$((MIDNIGHT - 43200))" +%s)
YESTERDAY=$(date -d "$(date -d "@$YESTERDAY" +%F) 00:00" +%s)
# The end of the day after it (23 or 25 hours on a DST day).
TODAY_END=$(date -d "$(date -d "@$((MIDNIGHT + 43200))" +%F) + 1 day" +%s)
test_clock 240 $((MIDNIGHT - 6000))
write_conf "$LONG_SESSIONS" 'tariffs = (
	{ id = "day-night"; name = "Electricity, day/night";
	  metric = "energy_import"; currency = "EUR"; standing_per_day = 0.45;
	  bands = ( { days = "mon-fri"; from = "07:00"; to = "23:00";
		      price = 0.28; },
		    { price = 0.17; } ); } );
groups = ( { id = "site"; name = "Site"; devices = [ "main", "sub" ]; } );'
# Fresh values for every minute of that clock: a quarter of a second.
sed -i -e 's|profile = "sdm630";|& tariffs = [ "day-night" ];|' \
    -e 's|poll_ms = 500;|poll_ms = 200;|' "$CONF"
start_sim || { not_ok "the simulator starts"; done_testing; }
start_mewsd || { not_ok "mewsd serves HTTPS"; sed 's/^/# /' "$LOG"; done_testing; }
check "the user is commissioned" commission user 11111 24680

CONS=/api/consumption/main/energy_import.json
jtrue() { printf '%s' "$BODY" | jq -e "$@" >/dev/null 2>&1; }
# jfile FILTER... FILE: jq -e on a saved answer.
jfile() { jq -e "$@" >/dev/null; }
# get NAME PATH: GET into $TMP/NAME.json, its status into $TMP/NAME.code,
# waiting as long as a long answer may take under memcheck.
# Each with a copy of the session's cookie jar: curl rewrites its jar as
# it exits, and one being rewritten reads as empty to another (a 401).
get() {
	(
		JAR="$TMP/jar.$1"
		cp "$TMP/jar" "$JAR" &&
		    web -o "$TMP/$1.json" -w '%{http_code}\n' \
		    --max-time $((60 * MEWS_WAIT_SCALE)) "$URL$2" >"$TMP/$1.code"
	)
}

# --- What history cannot hold ------------------------------------------------
now=$(clock_now)
expect "days from 1970: 400" 400 GET "$CONS?period=day&from=0&to=2000000000"
check "it names from, and the daily rows' first day" \
    jtrue '.field == "from" and (.error | test("daily rows"))'
expect "hours from 500 days ago: 400" 400 GET \
    "$CONS?period=hour&from=$((now - 500 * 86400))"
check "it names from, and the hourly rows" \
    jtrue '.field == "from" and (.error | test("hourly rows"))'
expect "days 30 days ahead: 400" 400 GET \
    "$CONS?period=day&from=$((now + 30 * 86400))&to=$((now + 40 * 86400))"
check "history holds nothing then" \
    jtrue '.field == "from" and (.error | test("holds nothing after"))'
expect "a group's days from 1970: 400" 400 GET \
    "/api/groups/site/consumption?period=day&from=0"
check "it names from" jtrue '.field == "from"'

# An hour of history, yesterday's last, and today begun.
check "history reaches today" wait_every 0.5 $((30 * MEWS_WAIT_SCALE)) sh -c \
    "rrdtool lastupdate '$STATE/rrd/main/energy_import.rrd' | \
awk -F: 'NR == 3 && \$1 >= $((MIDNIGHT + 300)) { ok = 1 } END { exit !ok }'"
now=$(clock_now)
expect "days of the last 31, ending at the end of tomorrow: 200" 200 GET \
    "$CONS?period=day&from=$((now - 31 * 86400))&to=$((TODAY_END + 86400))"
check "cut at the end of today, where history ends" \
    jtrue ".periods[-1].to == $TODAY_END"

# --- The long answers, all at once, while the rest is served -----------------
now=$(clock_now)
FROM300=$((now - 300 * 86400))
before=$(clock_now)
set -- range1 "$CONS?period=range&from=0&to=2000000000" \
    range2 "$CONS?period=range&from=0&to=2000000000" \
    days0 "$CONS?period=day&from=0&to=2000000000" \
    days300 "$CONS?period=day&from=$FROM300" \
    hours "$CONS?period=hour&from=$((now - 80 * 86400))" \
    hours2 "$CONS?period=hour&from=$((now - 80 * 86400))" \
    group300 "/api/groups/site/consumption?period=day&from=$FROM300" \
    group300b "/api/groups/site/consumption?period=day&from=$FROM300" \
    csv300 "/api/consumption/main/energy_import.csv?period=day&from=$FROM300"
HEAVY=""
while [ $# -ge 2 ]; do
	get "$1" "$2" &
	HEAVY="$HEAVY $!"
	shift 2
done
# While any is still being computed (its status not written yet), a
# client of its own asks /api/session on one connection again and again,
# and reads the incomer through the gateway now and then: a blocked loop
# would answer neither until the long answers are done.
/usr/bin/python3 - "$HTTPS_PORT" "$GATEWAY_PORT" "$STATE/tls/cert.pem" \
    "$((120 * MEWS_WAIT_SCALE))" "$TMP"/range1.code "$TMP"/range2.code \
    "$TMP"/days0.code "$TMP"/days300.code "$TMP"/hours.code \
    "$TMP"/hours2.code "$TMP"/group300.code "$TMP"/group300b.code \
    "$TMP"/csv300.code >"$TMP/meanwhile" <<'PY'
import http.client, json, os, socket, ssl, struct, sys, time

https, gw, cafile, limit = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
codes = sys.argv[5:]
ctx = ssl.create_default_context(cafile=cafile)
ctx.check_hostname = False      # the certificate names the host, not 127.0.0.1

def pending():
    return any(os.path.getsize(c) == 0 for c in codes)

def read_incomer():
    with socket.create_connection(("127.0.0.1", gw), timeout=2) as s:
        s.sendall(struct.pack(">HHHBBHH", 1, 0, 6, 1, 4, 0, 2))
        got = b""
        while len(got) < 13:
            part = s.recv(64)
            if not part:
                return False
            got += part
        return got[7] == 4 and got[8] == 4

c = http.client.HTTPSConnection("127.0.0.1", https, context=ctx, timeout=30)
c.request("POST", "/api/login", body=json.dumps({"profile": "user", "pin": "24680"}),
          headers={"Content-Type": "application/json", "X-Requested-With": "mews"})
r = c.getresponse()
r.read()
cookie = (r.getheader("Set-Cookie") or "").split(";")[0]
sessions = reads = failed = n = 0
end = time.time() + limit
while pending() and time.time() < end:
    c.request("GET", "/api/session", headers={"Cookie": cookie})
    r = c.getresponse()
    r.read()
    ok = r.status == 200
    if not ok:
        failed += 1
    elif pending():
        sessions += 1
    n += 1
    if n % 20 == 1:
        try:
            if read_incomer() and pending():
                reads += 1
        except OSError:
            failed += 1
print(sessions, reads, failed)
PY
read -r sessions reads failed <"$TMP/meanwhile"
for p in $HEAVY; do wait "$p"; done
after=$(clock_now)
check "the long answers all came" sh -c "cat '$TMP'/range1.code \
'$TMP'/range2.code '$TMP'/days0.code '$TMP'/days300.code '$TMP'/hours.code \
'$TMP'/hours2.code '$TMP'/group300.code '$TMP'/group300b.code \
'$TMP'/csv300.code | grep -c '^[0-9]' | grep -qx 9"
check "/api/session answered meanwhile, again and again ($sessions times, $failed failed)" \
    [ "${sessions:-0}" -ge 3 -a "${failed:-1}" = 0 ]
check "the gateway read the incomer meanwhile ($reads times)" \
    [ "${reads:-0}" -ge 1 ]

for n in range1 range2 days300 hours hours2 group300 group300b csv300; do
	code=$(cat "$TMP/$n.code")
	check "$n: 200 (HTTP $code)" [ "$code" = 200 ]
	[ "$code" = 200 ] || diag "$n: $(head -c 300 "$TMP/$n.json" 2>/dev/null)"
done
check "days from 1970 at once: 400 on from" sh -c \
    "[ \"\$(cat '$TMP/days0.code')\" = 400 ] && jq -e '.field == \"from\"' '$TMP/days0.json' >/dev/null"

# A range to 2033 is the range to the present: clamped, and the same.
# From 1970 it is of daily rows, and ends with the day (UTC) the live
# index closes.
TO=$(jq -r '.periods[0].to' "$TMP/range1.json")
check "the range to 2033 ends with the present day ($before <= $TO <= end of the day of $after)" \
    [ "$TO" -ge "$before" -a "$TO" -le $((after - after % 86400 + 86400)) -a \
    $((TO % 86400)) = 0 ]
check "it starts in 1970 and is priced" \
    jfile '.periods[0].from == 0 and .tariff.id == "day-night" and
	(.periods[0].cost.days > 20000)' "$TMP/range1.json"
get range_to "$CONS?period=range&from=0&to=$TO"
# Its amount may have grown meanwhile: the live index goes on rising.
check "it is the range from 0 to $TO asked as such" \
    sh -c "jq -S 'del(.periods[0].amount, .periods[0].cost)' '$TMP/range1.json' >'$TMP/a' &&
	jq -S 'del(.periods[0].amount, .periods[0].cost)' '$TMP/range_to.json' >'$TMP/b' && cmp -s '$TMP/a' '$TMP/b'"

# A period of a long table is the same period of a short one: the same
# hourly rows, computed in one turn.
same_period() {
	jq -S --argjson f "$3" '.periods[] | select(.from == $f)' "$TMP/$1.json" >"$TMP/a" &&
	    jq -S --argjson f "$3" '.periods[] | select(.from == $f)' "$TMP/$2.json" >"$TMP/b" &&
	    [ -s "$TMP/a" ] && cmp -s "$TMP/a" "$TMP/b"
}
check "300 days, a day each, priced" jfile '(.periods | length) >= 300 and
	(.periods | length) <= 302 and .step == 3600 and
	(.periods | all(.cost.standing >= 0))' "$TMP/days300.json"
get days2 "$CONS?period=day&from=$YESTERDAY&to=$TODAY_END"
check "yesterday is consumed and priced" jfile --argjson f "$YESTERDAY" \
    '.periods[] | select(.from == $f) | .amount > 0 and .cost.energy > 0 and
	.cost.standing == 0.45' "$TMP/days2.json"
check "yesterday in the 300 days is yesterday alone" \
    same_period days300 days2 "$YESTERDAY"
old=$(jq '.periods[200].from' "$TMP/days300.json")
get days2_old "$CONS?period=day&from=$old&to=$((old + 86400))"
check "a day of no data, 100 days ago, alone: the same" \
    same_period days300 days2_old "$old"
get group2 "/api/groups/site/consumption?period=day&from=$YESTERDAY&to=$TODAY_END"
check "the group's yesterday in 300 days is its yesterday alone" \
    same_period group300 group2 "$YESTERDAY"
check "the group's yesterday counts both members and costs EUR" \
    jfile --argjson f "$YESTERDAY" '.periods[] | select(.from == $f) |
	.members == 2 and .known == 2 and .cost.EUR > 0' "$TMP/group2.json"
check "80 days of hours: at most 2000, priced" jfile \
    '(.periods | length) >= 1900 and (.periods | length) <= 2000 and
	(.periods[-1].cost.standing >= 0)' "$TMP/hours.json"
check "the CSV download has the 300 days' rows" \
    [ "$(grep -c '^[0-9]' "$TMP/csv300.json")" -ge 300 ]

# --- Clients that leave in the middle ------------------------------------------
for i in 1 2 3; do
	web -o /dev/null --max-time 0.2 "$URL$CONS?period=range&from=0&to=2000000000" 2>/dev/null
	web -o /dev/null --max-time 0.2 "$URL/api/groups/site/consumption?period=day&from=$FROM300" 2>/dev/null
	web -o /dev/null --max-time 0.2 "$URL/api/history/main/energy_import.csv?from=$FROM300" 2>/dev/null
done
expect "after them /api/session still answers" 200 GET /api/session
check "and the gateway" sh -c "mbpoll -m tcp -p $GATEWAY_PORT -a 1 \
-t 3:float -B -r 1 -c 1 -1 -o 1 127.0.0.1 >/dev/null 2>&1"

check "mewsd is still running" kill -0 "$MEWSD_PID"
kill -TERM "$MEWSD_PID"
wait "$MEWSD_PID"; rc=$?
check "clean stop (exit $rc)" [ "$rc" = 0 ]
done_testing
