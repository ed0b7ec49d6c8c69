#!/bin/sh
# Who may call what: every route of the API (as `mewsd --routes` prints the
# handler files' tables merged, so that a route added without a row
# fails), /metrics and the WebDAV
# share, called by every caller: no session, the installer still on its
# default PIN, the user, the installer and the administrator.  A refusal
# must be 401 without a session, 403 for a right the profile lacks (and
# not for the PIN), 403 must_change_pin for a change made on a default
# PIN; what a profile may do must work.  The writes allowed are harmless
# or undone by the next rows, and mews.conf is left as it was.
. "$(dirname "$0")/web_lib.sh"
have rrdtool || need "no rrdtool" rrdtool
have /usr/bin/python3 || need "no /usr/bin/python3" python3

# Made-up history of main (csv_files.py), so that reading history,
# consumption and graphs finds archives without waiting for a minute.
mkdir -p "$STATE/rrd/main" "$STATE/csv"
chmod 700 "$STATE"
/usr/bin/python3 "$(dirname "$0")/csv_files.py" history "$STATE/rrd/main" ||
    { not_ok "history made up for main"; done_testing; }
printf 'time;energy_import (kWh)\n' >"$STATE/csv/rights.csv"

# The mail server and the upstream gateway are closed ports: a test report
# fails at once and mails nobody, the gateway is never reached.
web_up "" "
mail = { server = \"127.0.0.1\"; port = $(free_port); security = \"none\";
	 from = \"mews@example.com\"; };
reports = ( { name = \"daily\"; every = \"day\"; at = \"00:00\";
	      devices = [ \"main\" ]; to = [ \"fm@example.com\" ]; } );
gateways = ( { name = \"up\"; host = \"127.0.0.1\"; port = $(free_port); } );
groups = ( { id = \"site\"; name = \"Site\"; devices = [ \"main\", \"sub\" ]; } );
alarms = ( { id = \"hi\"; device = \"main\"; metric = \"voltage_l1\";
	     above = 100.0; } );
tariffs = ( { id = \"flat\"; name = \"Flat\"; metric = \"energy_import\";
	      currency = \"EUR\"; bands = ( { price = 0.25; } ); } );"

# --- The matrix ---------------------------------------------------------------
# One row per call, in the order the calls are made: method, path, what
# each caller gets, body ("-": none).  Callers: none (no session), new
# (the installer on its default PIN), user, inst (installer), admin.
# 403 is a refusal for the right, pin one for the default PIN (403
# must_change_pin).  @PIN@ is the caller's own PIN.
#
# Bodies that would change the caller (logging in, unlocking) or send
# mail are invalid or name nothing, so that getting past the rights shows
# as the handler's 400, 404 or 502; every other write succeeds and is
# undone: what is created is removed, what is changed is changed back or
# set to what it was.  Logout comes last: it ends the caller's session.
cat >"$TMP/matrix" <<'MATRIX'
# method path                                   none new  user inst admin body
POST /api/login                                 400  400  400  400  400  {"profile":"nobody","pin":"1"}
POST /api/unlock                                400  400  400  400  400  {"profile":"nobody"}
GET /api/session                                401  200  200  200  200  -
POST /api/pin                                   401  400  200  200  200  {"pin":"@PIN@","new_pin":"@PIN@"}
GET /api/profiles                               401  403  403  403  200  -
POST /api/profiles/user                         401  403  403  403  200  {"new_pin":"86420"}
GET /api/status                                 401  200  200  200  200  -
GET /api/logs                                   401  200  200  200  200  -
GET /api/system                                 401  403  403  403  200  -
PUT /api/system                                 401  403  403  403  200  {}
GET /api/reports                                401  403  403  403  200  -
PUT /api/reports                                401  403  403  403  200  {"mail":{"from":"mews@example.com"}}
POST /api/reports/test                          401  403  403  403  502  {"report":"daily"}
GET /api/models                                 401  200  200  200  200  -
GET /api/devices                                401  200  200  200  200  -
GET /api/devices/main                           401  200  200  200  200  -
POST /api/devices                               401  pin  403  201  201  {"id":"rights","name":"R","bus":"rs485","address":9,"profile":"sdm120","poll_ms":5000}
PUT /api/devices/rights                         401  pin  403  200  200  {"name":"R2"}
DELETE /api/devices/rights                      401  pin  403  200  200  -
POST /api/devices/brk/command                   401  pin  403  200  200  {"command":"close"}
GET /api/buses                                  401  200  200  200  200  -
GET /api/buses/rs485                            401  200  200  200  200  -
POST /api/buses                                 401  pin  403  201  201  {"name":"rights","port":"/nonexistent/mews-rights","parity":"none"}
PUT /api/buses/rights                           401  pin  403  200  200  {"timeout_ms":100}
DELETE /api/buses/rights                        401  pin  403  200  200  -
POST /api/buses/rs485/test                      401  pin  403  200  200  {"unit":1,"function":3,"address":0,"count":2}
GET /api/buses/rs485/scan                       401  200  403  200  200  -
POST /api/buses/rs485/scan                      401  pin  403  202  202  {"first":9,"last":9,"timeout_ms":50}
DELETE /api/buses/rs485/scan                    401  pin  403  200  200  -
GET /api/gateways                               401  200  200  200  200  -
GET /api/gateways/up                            401  200  200  200  200  -
POST /api/gateways                              401  pin  403  201  201  {"name":"rights","host":"127.0.0.1","port":1}
PUT /api/gateways/rights                        401  pin  403  200  200  {"port":2}
DELETE /api/gateways/rights                     401  pin  403  200  200  -
GET /api/groups                                 401  200  200  200  200  -
GET /api/groups/site                            401  200  200  200  200  -
GET /api/groups/site/consumption?period=day     401  200  200  200  200  -
POST /api/groups                                401  pin  403  201  201  {"id":"rights","name":"R","parent":"site","devices":["sub"]}
PUT /api/groups/rights                          401  pin  403  200  200  {"name":"R2"}
DELETE /api/groups/rights                       401  pin  403  200  200  -
GET /api/alarms                                 401  200  200  200  200  -
GET /api/alarms/hi                              401  200  200  200  200  -
POST /api/alarms/hi/ack                         401  pin  200  409  409  -
POST /api/alarms                                401  pin  403  201  201  {"id":"rights","device":"sub","metric":"voltage_l1","above":500.0}
PUT /api/alarms/rights                          401  pin  403  200  200  {"above":600.0}
DELETE /api/alarms/rights                       401  pin  403  200  200  -
GET /api/events                                 401  403  403  403  200  -
GET /api/events.csv                             401  403  403  403  200  -
GET /api/history                                401  200  200  200  200  -
GET /api/history/main/energy_import.json        401  200  200  200  200  -
GET /api/history/main/energy_import.csv         401  200  200  200  200  -
GET /api/consumption/main/energy_import.json    401  200  200  200  200  -
GET /api/tariffs                                401  200  200  200  200  -
GET /api/tariffs/flat                           401  200  200  200  200  -
POST /api/tariffs                               401  403  403  403  201  {"id":"rights","name":"R","metric":"energy_import","currency":"EUR","bands":[{"price":0.2}]}
PUT /api/tariffs/rights                         401  403  403  403  200  {"name":"R2","metric":"energy_import","currency":"EUR","bands":[{"price":0.3}]}
DELETE /api/tariffs/rights                      401  403  403  403  200  -
GET /api/graph                                  401  200  200  200  200  -
GET /api/graph/main/power.svg                   401  200  200  200  200  -
GET /metrics                                    401  200  200  200  200  -
OPTIONS /dav/                                   200  200  200  200  200  -
PROPFIND /dav/                                  401  pin  207  207  207  -
GET /dav/rights.csv                             401  pin  200  200  200  -
PUT /dav/rights.csv                             401  pin  403  403  403  -
DELETE /dav/rights.csv                          401  pin  403  403  403  -
MKCOL /dav/rights                               401  pin  403  403  403  -
POST /api/logout                                401  200  200  200  200  -
MATRIX
grep -v '^#' "$TMP/matrix" >"$TMP/rows"

# --- Every route has a row ------------------------------------------------------
# The routing table as mewsd merges it from the handler files
# (mewsd --routes: METHOD PATTERN RIGHT), as "METHOD PATTERN" lines.
"$MEWSD" --routes >"$TMP/routes_full" ||
    not_ok "mewsd --routes prints the table (exit $?)"
cut -d' ' -f1,2 "$TMP/routes_full" >"$TMP/api_routes"
nroutes=$(wc -l <"$TMP/api_routes")
check "mewsd --routes: $nroutes routes" [ "$nroutes" -gt 0 ]
check "each a method, a path and a right" awk '
	$1 !~ /^(GET|POST|PUT|DELETE)$/ || $2 !~ /^\// ||
	    $3 !~ /^(public|read|configure|control|admin)$/ || NF != 3 { bad = 1 }
	END { exit bad }' "$TMP/routes_full"
# pattern_re PATTERN: an anchored extended regular expression, each "*"
# one segment as api_match() takes it.
pattern_re() { printf '^%s$' "$1" | sed 's/[.]/\\./g; s/\*/[^\/]+/g'; }
# row_paths METHOD: the paths the matrix calls with METHOD, no query.
row_paths() { awk -v m="$1" '$1 == m { sub(/\?.*/, "", $2); print $2 }' "$TMP/rows"; }
while read -r method pattern; do
	check "the matrix calls $method $pattern" \
	    eval 'row_paths "$method" | grep -Eq "$(pattern_re "$pattern")"'
done <"$TMP/api_routes"
# And no row of the API is left from a route that is gone or misspelt.
awk '$2 ~ /^\/(api\/|metrics)/ { sub(/\?.*/, "", $2); print $1, $2 }' \
    "$TMP/rows" | while read -r method path; do
	found=no
	while read -r m pattern; do
		[ "$m" = "$method" ] &&
		    printf '%s\n' "$path" | grep -Eq "$(pattern_re "$pattern")" &&
		    found=yes && break
	done <"$TMP/api_routes"
	echo "$found $method $path"
done >"$TMP/row_routes"
while read -r found method path; do
	check "$method $path is one of mewsd --routes" [ "$found" = yes ]
done <"$TMP/row_routes"

# --- Running it -----------------------------------------------------------------
# pin_refusal, right_refusal: the last answer refuses a default PIN, or
# what the profile may not do (the API's JSON, the share's text); neither
# is the 403 for a missing X-Requested-With.
pin_refusal() {
	printf '%s' "$BODY" | grep -q '"must_change_pin": *true\|default PIN'
}
right_refusal() {
	printf '%s' "$BODY" | grep -q 'profile may not do this\|share is read-only'
}

# ask CALLER METHOD PATH BODY: STATUS and BODY of the call as CALLER; the
# share takes the caller's profile and PIN as Basic credentials.
ask() {
	local caller=$1 method=$2 path=$3 data=$4 cred="" pin=""
	case $caller in
	new) cred=installer:55555 ;; user) cred=user:86420 ;;
	inst) cred=installer:13579 ;; admin) cred=administrator:24680 ;;
	esac
	[ -n "$cred" ] && pin=${cred#*:}
	[ "$data" = - ] && data=
	data=$(printf '%s' "$data" | sed "s/@PIN@/$pin/g")
	case $path in
	/dav*)
		STATUS=$(curl -sS --max-time 20 --cacert "$STATE/tls/cert.pem" \
		    --resolve "$HOST:$HTTPS_PORT:127.0.0.1" ${cred:+-u "$cred"} \
		    -H 'Depth: 1' -o "$TMP/body" -w '%{http_code}' \
		    -X "$method" "$URL$path")
		BODY=$(cat "$TMP/body" 2>/dev/null) ;;
	*)
		JAR="$TMP/jar.$caller"
		call "$method" "$path" "$data" ;;
	esac
}

# run CALLER: every row, in order, as CALLER.
run() {
	local caller=$1 want d
	local method path none new user inst admin body
	while read -r method path none new user inst admin body; do
		# The column named as the caller.
		eval "want=\$$caller"
		ask "$caller" "$method" "$path" "$body" </dev/null
		d="$caller: $method $path is $want"
		case $want in
		pin) [ "$STATUS" = 403 ] && pin_refusal ;;
		403) [ "$STATUS" = 403 ] && right_refusal ;;
		*) [ "$STATUS" = "$want" ] ;;
		esac && ok "$d" ||
		    not_ok "$d (HTTP $STATUS: $(printf '%s' "$BODY" | head -c 200))"
	done <"$TMP/rows"
}

cp "$CONF" "$TMP/conf.orig"
rm -f "$TMP/jar.new"
JAR="$TMP/jar.new"
check "the installer logs in on its default PIN" login installer 55555
run new
check "the default PIN's refusals left mews.conf as it was" \
    cmp -s "$CONF" "$TMP/conf.orig"
check "and wrote no mews.conf.bak" [ ! -e "$CONF.bak" ]

JAR="$TMP/jar.inst"
check "the installer is commissioned" commission installer 55555 13579
JAR="$TMP/jar.user"
check "the user is commissioned" commission user 11111 86420
JAR="$TMP/jar.admin"
check "the administrator is commissioned" \
    commission administrator 99999 24680
# The first change from the pages writes mews.conf in libconfig's own
# form; from then on a change undone gives the same bytes back.
expect "mews.conf rewritten as the daemon writes it" 200 PUT /api/system '{}'
check "mewsd -t accepts it" "$MEWSD" -t -c "$CONF"
cp "$CONF" "$TMP/conf.before"

# What runs, by name: what the matrix creates must be gone again.
running() {
	local what
	for what in devices buses gateways groups alarms tariffs; do
		call GET "/api/$what" && [ "$STATUS" = 200 ] || return 1
		printf '%s: %s\n' "$what" "$(json -c 'if type == "object"
		    then .alarms else . end | [.[] | .id // .name] | sort')"
	done
}
running >"$TMP/running.before"
check "what runs is listed ($(tr '\n' ' ' <"$TMP/running.before"))" \
    grep -q '^devices: \["brk","main","sub"\]$' "$TMP/running.before"

alarm_active() {
	call GET /api/alarms/hi
	[ "$STATUS" = 200 ] && [ "$(json .status)" = active ]
}
check "alarm hi (main's voltage_l1 above 100 V) is raised" \
    wait_for 30 alarm_active

for caller in none user inst admin; do
	rm -f "$TMP/jar.none"
	run "$caller"
done
check "the matrix left mews.conf as it was" cmp -s "$CONF" "$TMP/conf.before"
JAR="$TMP/jar.check"
check "and what runs is as it was" eval 'login user 86420 &&
    running >"$TMP/running.after" &&
    cmp -s "$TMP/running.before" "$TMP/running.after"'

check "mewsd is still running" kill -0 "$MEWSD_PID"
kill -TERM "$MEWSD_PID"
wait "$MEWSD_PID"; rc=$?
check "clean stop (exit $rc)" [ "$rc" = 0 ]
done_testing
