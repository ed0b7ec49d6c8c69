# Shared by the web tests: mewsd with its HTTPS server over the simulator,
# and curl calls that check the answer's status and body.
. "$(dirname "$0")/lib.sh"
export MEWS_PROFILE_DIR="$PROFILES"
export MEWS_WWW_DIR="$top_srcdir/www"
have curl || need "no curl" curl
have jq || need "no jq" jq

HTTPS_PORT=$(free_port)
HTTP_PORT=$(free_port)
GATEWAY_PORT=$(free_port)
CONF="$TMP/mews.conf"
LOG="$TMP/mewsd.log"
STATE="$TMP/state"
# The certificate names the host, not the address: curl checks it by name.
HOST=$(hostname)
URL="https://$HOST:$HTTPS_PORT"

# write_conf [EXTRA_HTTP_SETTINGS [EXTRA_SETTINGS]]: a bus with an SDM630
# at 1, an SDM120 at 2, a breaker at 5; address 9 answers nothing.  FTP is
# off unless FTP_CONF holds an ftp group; GATEWAY_CONF goes in the
# modbus_tcp group (an allow list).  HTTPS listens on HTTP_LISTEN
# (127.0.0.1 unless set; "::" takes IPv4 clients as ::ffff:a.b.c.d).
write_conf() {
	local ftp="${FTP_CONF:-}"
	[ -n "$ftp" ] || ftp="ftp = { enabled = false; };"
	cat >"$CONF" <<CONF
state_dir = "$STATE";
http = { listen = "${HTTP_LISTEN:-127.0.0.1}"; https_port = $HTTPS_PORT;
	 http_port = $HTTP_PORT; ${1:-} };
modbus_tcp = { listen = "127.0.0.1"; port = $GATEWAY_PORT; ${GATEWAY_CONF:-} };
$ftp
buses = ( { name = "rs485"; port = "$TMP/rs485"; parity = "none";
	    timeout_ms = 200; silence_us = 0; } );
devices = (
	{ id = "main"; name = "Main incomer"; bus = "rs485"; address = 1;
	  profile = "sdm630"; poll_ms = 500; },
	{ id = "sub"; name = "Lighting"; bus = "rs485"; address = 2;
	  profile = "sdm120"; poll_ms = 500; },
	{ id = "brk"; name = "Breaker"; bus = "rs485"; address = 5;
	  profile = "breaker"; poll_ms = 500; }
);
${2:-}
CONF
}

# start_sim [SIM_OPTIONS...]: e.g. a device the configuration lacks, for
# a scan to find.
start_sim() {
	spawn "$MEWS_SIM" --pty "$TMP/rs485" --profile-dir "$PROFILES" \
	    --device 1:sdm630 --device 2:sdm120 --device 5:breaker "$@" \
	    >>"$TMP/sim.log" 2>&1
	SIM_PID=$LAST_PID
	wait_for 5 test -e "$TMP/rs485"
}

# A restart appends to the same log: wait for one more "listening".  The
# tests run as root, most with no `user`: --allow-root says so, which
# mewsd would refuse otherwise.  NO_ALLOW_ROOT=1 leaves it out (a test
# that sets `user`).
start_mewsd() {
	local before
	local listening="https: listening on ${HTTP_LISTEN:-127.0.0.1} port"
	before=$(grep -c "$listening $HTTPS_PORT" "$LOG" 2>/dev/null)
	if [ "${NO_ALLOW_ROOT:-0}" = 1 ]; then
		spawn "$MEWSD" -f -c "$CONF" 2>>"$LOG"
	else
		spawn "$MEWSD" -f --allow-root -c "$CONF" 2>>"$LOG"
	fi
	MEWSD_PID=$LAST_PID
	wait_for 15 sh -c "[ \$(grep -c '$listening $HTTPS_PORT' '$LOG') \
-gt ${before:-0} ]"
}

# Sessions that outlive a test whose clock runs fast (test_clock): the
# default 15 minutes idle would be 45 s at 20 times real time.
LONG_SESSIONS="session_idle_s = 86400; session_max_s = 2592000;"

# Start everything; the tests need all of it.
web_up() {
	write_conf "${1:-}" "${2:-}"
	start_sim || { not_ok "the simulator starts"; done_testing; }
	start_mewsd || { not_ok "mewsd serves HTTPS"; cat "$LOG" | sed 's/^/# /'; done_testing; }
}

# curl against the daemon, trusting its own certificate.  JAR is the cookie
# file of the profile in use; CLIENT_ADDR, when set, the loopback address
# it comes from (127.0.0.2, ...: another client to the per-address limits).
JAR="$TMP/jar"
web() {
	curl -sS --max-time 10 --cacert "$STATE/tls/cert.pem" \
	    --resolve "$HOST:$HTTPS_PORT:127.0.0.1" \
	    ${CLIENT_ADDR:+--interface "$CLIENT_ADDR"} -b "$JAR" -c "$JAR" "$@"
}

# call METHOD PATH [JSON]: sets STATUS and BODY.
call() {
	local method=$1 path=$2 data=${3:-}
	local out="$TMP/body"
	if [ -n "$data" ]; then
		STATUS=$(web -o "$out" -w '%{http_code}' -X "$method" \
		    -H 'X-Requested-With: mews' \
		    -H 'Content-Type: application/json' --data "$data" \
		    "$URL$path")
	else
		STATUS=$(web -o "$out" -w '%{http_code}' -X "$method" \
		    -H 'X-Requested-With: mews' "$URL$path")
	fi
	BODY=$(cat "$out" 2>/dev/null)
}

# expect DESCRIPTION STATUS METHOD PATH [JSON]
expect() {
	local d=$1 want=$2; shift 2
	call "$@"
	if [ "$STATUS" = "$want" ]; then
		ok "$d"
	else
		not_ok "$d (HTTP $STATUS, wanted $want: $BODY)"
	fi
}

# json FILTER: jq on the last body.
json() { printf '%s' "$BODY" | jq -r "$@"; }
# has_rows: the last history answer holds at least one known value.
has_rows() { printf '%s' "$BODY" | jq -e '.values | map(select(. != null)) | length >= 1' >/dev/null; }

# login PROFILE PIN into a fresh jar.
login() {
	rm -f "$JAR"
	call POST /api/login "{\"profile\":\"$1\",\"pin\":\"$2\"}"
	[ "$STATUS" = 200 ]
}

# commission PROFILE DEFAULT_PIN NEW_PIN: log in with the default PIN and
# replace it, the profiles as they are after commissioning.  The PUK mewsd
# makes then (the default one dies with the default PIN) is kept for
# puk_of.
commission() {
	login "$1" "$2" && call POST /api/pin \
	    "{\"pin\":\"$2\",\"new_pin\":\"$3\"}" && [ "$STATUS" = 200 ] &&
	    json '.new_puk // empty' >"$TMP/puk.$1"
}
# puk_of PROFILE: the PUK made when it was commissioned, as printed.
puk_of() { cat "$TMP/puk.$1" 2>/dev/null; }

# after_step [SECONDS]: sleep until SECONDS (default 2) past the next
# minute boundary of mewsd's clock (test_clock), when history has taken a
# step.  Its writes take real time, spread over 40 s of the clock: wait
# for a file's row with written.
after_step() {
	local now
	now=$(clock_now)
	clock_until $((now - now % 60 + 60 + ${1:-2}))
}
# step_now: the start of the current step of mewsd's clock.
step_now() {
	local now
	now=$(clock_now)
	echo $((now - now % 60))
}
# written ARCHIVE T [known]: the archive has a row for the step at T or
# later; with "known", its value is not unknown (a first step may come
# before the first reading).
written() {
	local row
	row=$(rrdtool lastupdate "$1" 2>/dev/null | sed -n 3p)
	[ -n "$row" ] && [ "${row%%:*}" -ge "$2" ] &&
	    { [ "${3:-}" != known ] || [ "${row#*: }" != U ]; }
}
