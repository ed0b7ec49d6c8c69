#!/bin/sh
# bench_https: HTTPS keep-alive requests per second for GET /api/devices/ID
# under wrk, beside nginx serving the same bytes as a static file in the
# same run (1 worker, TLS 1.3, the same certificate), at 50 and 200
# connections, while dead devices time out on the bus about once a second.
# See test/bench/README.md.  Figures below target print BELOW TARGET; the
# exit status is non-zero only when the benchmark cannot run.
#
# Options: -t S seconds a measurement (default 10), -w MS warm-up (2000),
# -c 50,200 connection counts, -X N dead devices on the bus (10), -H skip
# the handshake figures, -k keep the work folder.  Unknown options are
# ignored: scripts/bench gives every benchmark the same arguments.
# shellcheck disable=SC2317 # functions called from traps and wait_for
set -u

top=$(cd "$(dirname "$0")/../.." && pwd)
: "${top_srcdir:=$top}"
: "${top_builddir:=$top_srcdir/build}"
MEWSD=$top_builddir/mewsd
MEWS_SIM=$top_builddir/mews-sim
PROFILES=$top_srcdir/modules/profiles

secs=10
warm_ms=2000
conns="50 200"
ndead=10
handshakes=1
keep=0
while [ $# -gt 0 ]; do
	case $1 in
	-t|-d)	[ $# -ge 2 ] || break; secs=$2; shift ;;
	-w)	[ $# -ge 2 ] || break; warm_ms=$2; shift ;;
	-c)	[ $# -ge 2 ] || break; conns=$(echo "$2" | tr , ' '); shift ;;
	-X)	[ $# -ge 2 ] || break; ndead=$2; shift ;;
	-H)	handshakes=0 ;;
	-k)	keep=1 ;;
	-h|--help) sed -n '2,12s/^# \{0,1\}//p' "$0"; exit 0 ;;
	*)	;;
	esac
	shift
done
case $secs in ''|*[!0-9]*|0) echo "bench_https.sh: -t wants whole seconds" >&2; exit 2 ;; esac
case $warm_ms in ''|*[!0-9]*) echo "bench_https.sh: -w wants ms" >&2; exit 2 ;; esac
for c in $conns; do
	case $c in ''|*[!0-9]*|0) echo "bench_https.sh: -c wants counts" >&2; exit 2 ;; esac
done
case $ndead in ''|*[!0-9]*) echo "bench_https.sh: -X wants a count" >&2; exit 2 ;; esac
[ "$ndead" -le 40 ] || { echo "bench_https.sh: -X: 40 at most" >&2; exit 2; }
# wrk takes whole seconds; a warm-up asked in ms rounds up.
warm=$(( (warm_ms + 999) / 1000 ))

die() { echo "bench_https.sh: cannot run: $*" >&2; exit 1; }
say() { echo "$*"; }

# ---------------------------------------------------------------- tools

# shellcheck source=scripts/deps
. "$top_srcdir/scripts/deps"
# scripts/deps sets -e for itself; this script says why it stops (die).
set +e
NGINX=$(command -v nginx 2>/dev/null || echo /usr/sbin/nginx)
missing=""
command -v wrk >/dev/null 2>&1 || missing="$missing wrk"
[ -x "$NGINX" ] || missing="$missing nginx-light"
command -v openssl >/dev/null 2>&1 || missing="$missing openssl"
command -v curl >/dev/null 2>&1 || missing="$missing curl"
command -v taskset >/dev/null 2>&1 || missing="$missing util-linux"
command -v pgrep >/dev/null 2>&1 || missing="$missing procps"
[ -x /usr/bin/python3 ] || missing="$missing python3"
if [ -n "$missing" ]; then
	# shellcheck disable=SC2086
	# No service starts while apt-get runs, and the nginx it brings is
	# disabled after: a benchmark leaves the machine's services as it
	# found them.
	mews_apt_install $missing || die "apt-get install$missing failed"
	NGINX=$(command -v nginx 2>/dev/null || echo /usr/sbin/nginx)
fi

if [ ! -x "$MEWSD" ] || [ ! -x "$MEWS_SIM" ]; then
	[ -f "$top_builddir/Makefile" ] ||
	    die "no $MEWSD: build first (scripts/bench does)"
	make -C "$top_builddir" -s mewsd mews-sim || die "make mewsd mews-sim"
fi

ncpu=$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo 1)
if [ "$ncpu" -ge 2 ]; then
	SERVER_CPU=0
	CLIENT_CPU=1
else
	SERVER_CPU=0
	CLIENT_CPU=0
	echo "warning: one CPU: server and wrk share it, the figures mean little"
fi
HZ=$(getconf CLK_TCK)

# ---------------------------------------------------------------- clean-up

TMP=$(mktemp -d "${TMPDIR:-/tmp}/bench_https.XXXXXX") || die "mktemp"
CHILDREN=""
cleanup() {
	trap - EXIT HUP INT TERM
	for pid in $CHILDREN; do kill "$pid" 2>/dev/null; done
	# nginx's worker outlives a master that was killed harder than TERM.
	i=0
	while [ "$i" -lt 50 ]; do
		alive=""
		for pid in $CHILDREN $NGINX_WORKER; do
			kill -0 "$pid" 2>/dev/null && alive="$alive $pid"
		done
		[ -z "$alive" ] && break
		sleep 0.1
		i=$((i + 1))
	done
	for pid in $alive; do kill -9 "$pid" 2>/dev/null; done
	if [ "$keep" = 1 ]; then
		echo "work folder kept: $TMP"
	else
		rm -rf "$TMP"
	fi
}
NGINX_WORKER=""
alive=""
trap cleanup EXIT
# sh runs no EXIT trap when a signal kills it; exiting on them does.
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM
# Background children of a non-interactive shell ignore Ctrl-C: every one
# is recorded so that the clean-up can end it.
spawn() { "$@" & CHILDREN="$CHILDREN $!"; LAST_PID=$!; }

wait_for() {
	limit=$1; shift
	n=0
	while [ "$n" -lt $((limit * 20)) ]; do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.05
		n=$((n + 1))
	done
	return 1
}

free_port() {
	/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# ---------------------------------------------------------------- mewsd

HTTPS_PORT=$(free_port)
HTTP_PORT=$(free_port)
GATEWAY_PORT=$(free_port)
NGINX_PORT=$(free_port)
STATE=$TMP/state
CONF=$TMP/mews.conf
LOG=$TMP/mewsd.log
HOST=$(hostname)
URL=https://$HOST:$HTTPS_PORT
PATH_Q=/api/devices/main
mkdir -p "$STATE"

# Addresses 9 and up answer nothing: each poll of them times out
# (timeout_ms).  After 3 failures the poller probes an offline device only
# every 10 s (POLLER_BACKOFF_MAX_MS), so one dead device times out once in
# 10 s, not every cycle.  Ten of them, their poll_ms 1000 to 1900, reach
# their 10 s probes at different phases: about one timeout a second.
devices() {
	printf '\t{ id = "main"; name = "Main incomer"; bus = "rs485";\n'
	printf '\t  address = 1; profile = "sdm630"; poll_ms = 1000; },\n'
	i=0
	while [ "$i" -lt "$ndead" ]; do
		id=dead
		[ "$i" = 0 ] || id=dead$((9 + i))
		printf '\t{ id = "%s"; name = "Dead meter"; bus = "rs485";\n' "$id"
		printf '\t  address = %d; profile = "sdm120"; poll_ms = %d; },\n' \
		    $((9 + i)) $((1000 + 100 * (i % 10)))
		i=$((i + 1))
	done
}
cat >"$CONF" <<CONF
state_dir = "$STATE";
http = { listen = "127.0.0.1"; https_port = $HTTPS_PORT;
	 http_port = $HTTP_PORT; };
modbus_tcp = { listen = "127.0.0.1"; port = $GATEWAY_PORT; };
ftp = { enabled = false; };
buses = ( { name = "rs485"; port = "$TMP/rs485"; parity = "none";
	    timeout_ms = 300; } );
devices = (
$(devices | sed '$s/,$//')
);
CONF

export MEWS_PROFILE_DIR="$PROFILES"
export MEWS_WWW_DIR="$top_srcdir/www"

# The simulator goes with the client: the server's CPU is the server's.
spawn taskset -c "$CLIENT_CPU" "$MEWS_SIM" --pty "$TMP/rs485" \
    --profile-dir "$PROFILES" --device 1:sdm630 >"$TMP/sim.log" 2>&1
wait_for 5 test -e "$TMP/rs485" || die "mews-sim made no pty ($TMP/sim.log)"
spawn taskset -c "$SERVER_CPU" "$MEWSD" -f --allow-root -c "$CONF" 2>"$LOG"
MEWSD_PID=$LAST_PID
wait_for 15 grep -q "https: listening on 127.0.0.1 port $HTTPS_PORT" "$LOG" ||
    { sed 's/^/  mewsd: /' "$LOG" >&2; die "mewsd does not serve HTTPS"; }

JAR=$TMP/jar
web() {
	curl -sS --max-time 10 --cacert "$STATE/tls/cert.pem" \
	    --resolve "$HOST:$HTTPS_PORT:127.0.0.1" -b "$JAR" -c "$JAR" "$@"
}
post() {
	web -o "$TMP/answer" -w '%{http_code}' -X POST \
	    -H 'X-Requested-With: mews' -H 'Content-Type: application/json' \
	    --data "$2" "$URL$1"
}
[ "$(post /api/login '{"profile":"user","pin":"11111"}')" = 200 ] ||
    die "login refused: $(cat "$TMP/answer" 2>/dev/null)"
# A profile on its default PIN may read, but a commissioned one is the
# case that matters; the answer sets a new session cookie.
[ "$(post /api/pin '{"pin":"11111","new_pin":"24680"}')" = 200 ] ||
    die "PIN change refused: $(cat "$TMP/answer" 2>/dev/null)"
COOKIE=$(awk '$6 == "mews_session" { v = $7 } END { print v }' "$JAR")
[ -n "$COOKIE" ] || die "no mews_session cookie"

# The bytes nginx serves must be a full device: wait for its first cycle,
# which the dead devices' first timeouts (3 each, in the same queue) hold
# up for 10-15 s.
WWW=$TMP/nginx/www
mkdir -p "$WWW/api/devices" "$TMP/nginx/tmp"
got_reading() {
	[ "$(web -o "$WWW$PATH_Q" -w '%{http_code}' "$URL$PATH_Q")" = 200 ] &&
	    grep -q '"online":true' "$WWW$PATH_Q"
}
wait_for 40 got_reading ||
    [ "$(web -o "$WWW$PATH_Q" -w '%{http_code}' "$URL$PATH_Q")" = 200 ] ||
    die "GET $PATH_Q: $(cat "$WWW$PATH_Q" 2>/dev/null)"
# nginx's worker runs as nobody: it must reach the file, not the key.
chmod 711 "$TMP" "$TMP/nginx"
chmod -R a+rX "$WWW"

# ---------------------------------------------------------------- nginx

NG=$TMP/nginx
cat >"$NG/nginx.conf" <<NGINX
worker_processes 1;
daemon off;
pid $NG/nginx.pid;
error_log $NG/error.log warn;
events { worker_connections 1024; }
http {
	access_log off;
	client_body_temp_path $NG/tmp/body;
	proxy_temp_path $NG/tmp/proxy;
	fastcgi_temp_path $NG/tmp/fastcgi;
	uwsgi_temp_path $NG/tmp/uwsgi;
	scgi_temp_path $NG/tmp/scgi;
	types { }
	default_type application/json;
	keepalive_requests 1000000;
	keepalive_timeout 60s;
	server {
		listen 127.0.0.1:$NGINX_PORT ssl;
		ssl_certificate $STATE/tls/cert.pem;
		ssl_certificate_key $STATE/tls/key.pem;
		ssl_protocols TLSv1.3;
		# mewsd sends no tickets either: a full handshake each time.
		ssl_session_tickets off;
		root $WWW;
	}
}
NGINX
# -e: nginx opens its built-in error log before it reads -c.
spawn taskset -c "$SERVER_CPU" "$NGINX" -p "$NG/" -e "$NG/error.log" \
    -c "$NG/nginx.conf"
NGINX_PID=$LAST_PID
nginx_up() {
	curl -sk --max-time 2 -o /dev/null -w '%{http_code}' \
	    "https://127.0.0.1:$NGINX_PORT$PATH_Q" | grep -q '^200$'
}
wait_for 10 nginx_up ||
    { cat "$NG/error.log" >&2; die "nginx does not serve the file"; }
NGINX_WORKER=$(pgrep -P "$NGINX_PID" | head -1)
[ -n "$NGINX_WORKER" ] || die "no nginx worker"

# Both must agree on TLS 1.3 (nginx is held to it; mewsd also takes 1.2).
tls_of() {
	openssl s_client -connect "127.0.0.1:$1" -brief </dev/null 2>&1 |
	    awk -F': *' '/^Protocol version/ { p = $2 }
		/^Ciphersuite/ { c = $2 } END { print p, c }'
}
TLS_MEWSD=$(tls_of "$HTTPS_PORT")
TLS_NGINX=$(tls_of "$NGINX_PORT")
case $TLS_MEWSD in TLSv1.3*) ;; *) die "mewsd negotiates '$TLS_MEWSD'" ;; esac
case $TLS_NGINX in TLSv1.3*) ;; *) die "nginx negotiates '$TLS_NGINX'" ;; esac

hdr_bytes() {
	curl -sk --max-time 5 -o /dev/null -w '%{size_header} %{size_download}' \
	    -H "Cookie: mews_session=$COOKIE" "$1"
}
say "mewsd pid $MEWSD_PID on CPU $SERVER_CPU, port $HTTPS_PORT: $TLS_MEWSD," \
    "answer $(hdr_bytes "https://127.0.0.1:$HTTPS_PORT$PATH_Q" |
    awk '{ print $1 " header + " $2 " body bytes" }')"
say "nginx $("$NGINX" -v 2>&1 | sed 's/.*\///') worker $NGINX_WORKER on CPU" \
    "$SERVER_CPU, port $NGINX_PORT: $TLS_NGINX," \
    "answer $(hdr_bytes "https://127.0.0.1:$NGINX_PORT$PATH_Q" |
    awk '{ print $1 " header + " $2 " body bytes" }')"
say "bus: main (sdm630, answered) and $ndead dead device(s), timeout_ms 300"
say "wrk $(wrk -v 2>&1 | awk 'NR == 1 { print $2 }') -t1 on CPU $CLIENT_CPU," \
    "$secs s a run after $warm s of warm-up; $(openssl version)"

# ---------------------------------------------------------------- figures

# Ticks of user and system time.
proc_cpu() { awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null || echo 0; }
# "cpuN total idle" for each CPU.
cpu_snap() {
	awk '/^cpu[0-9]/ { t = 0; for (i = 2; i <= 9; i++) t += $i;
	    print $1, t, $5 + $6 }' /proc/stat
}
# busy % of cpuN between two snapshots
cpu_busy() {
	printf '%s\n%s\n' "$2" "$3" | awk -v c="cpu$1" '$1 == c {
	    if (n++) { dt = $2 - t; di = $3 - i } else { t = $2; i = $3 } }
	    END { printf "%.0f", (dt > 0 ? 100 * (dt - di) / dt : 0) }'
}
# wrk's "3.10ms" in ms
to_ms() {
	awk -v v="$1" 'BEGIN { n = v + 0
	    if (v ~ /us$/) n /= 1000; else if (v ~ /ms$/) ;
	    else if (v ~ /m$/) n *= 60000; else if (v ~ /s$/) n *= 1000
	    printf "%.2f", n }'
}

# The bus's timeouts so far.
bus_timeouts() {
	web "$URL/api/buses/rs485" 2>/dev/null | awk '
	    match($0, /"timeouts":[0-9]+/) {
		print substr($0, RSTART + 11, RLENGTH - 11); n++ }
	    END { if (!n) print 0 }'
}

# run_wrk NAME PORT CONNS SECONDS: sets RPS P50 P99 MAX REQS ERRS NON2XX
# SRV_US SRV_PCT CPU0 CPU1 TMO.
run_wrk() {
	name=$1 port=$2 c=$3 d=$4
	out=$TMP/wrk.$name.$c.$d
	case $name in mewsd) srv=$MEWSD_PID ;; *) srv=$NGINX_WORKER ;; esac
	t0=$(bus_timeouts)
	s0=$(cpu_snap)
	p0=$(proc_cpu "$srv")
	# wrk in the background, so that a signal reaches the clean-up.
	taskset -c "$CLIENT_CPU" timeout $((d + 30)) wrk -t1 -c "$c" \
	    -d "${d}s" --latency -H "Cookie: mews_session=$COOKIE" \
	    "https://127.0.0.1:$port$PATH_Q" >"$out" 2>&1 &
	wpid=$!
	CHILDREN="$CHILDREN $wpid"
	wait "$wpid"
	wrc=$?
	CHILDREN=$(echo "$CHILDREN" | sed "s/ $wpid\$//")
	p1=$(proc_cpu "$srv")
	s1=$(cpu_snap)
	TMO=$(( $(bus_timeouts) - t0 ))
	if [ "$wrc" != 0 ] || ! grep -q '^Requests/sec:' "$out"; then
		sed 's/^/  wrk: /' "$out" >&2
		die "wrk against $name failed (exit $wrc)"
	fi
	RPS=$(awk '/^Requests\/sec:/ { printf "%.0f", $2 }' "$out")
	P50=$(to_ms "$(awk '$1 == "50%" { print $2 }' "$out")")
	P99=$(to_ms "$(awk '$1 == "99%" { print $2 }' "$out")")
	MAX=$(to_ms "$(awk '$1 == "Latency" && NF >= 4 { print $4; exit }' "$out")")
	REQS=$(awk '/requests in/ { print $1 }' "$out")
	ERRS=$(awk '/Socket errors/ { s = 0
	    for (i = 1; i <= NF; i++) if ($i ~ /^[0-9]+,?$/) s += $i
	    print s }' "$out")
	ERRS=${ERRS:-0}
	NON2XX=$(awk '/Non-2xx/ { print $NF }' "$out")
	NON2XX=${NON2XX:-0}
	SRV_US=$(awk -v a="$p0" -v b="$p1" -v hz="$HZ" -v n="$REQS" \
	    'BEGIN { printf "%.1f", (n > 0 ? (b - a) / hz * 1e6 / n : 0) }')
	SRV_PCT=$(awk -v a="$p0" -v b="$p1" -v hz="$HZ" -v d="$d" \
	    'BEGIN { printf "%.0f", 100 * (b - a) / hz / d }')
	CPU0=$(cpu_busy "$SERVER_CPU" "$s0" "$s1")
	CPU1=$(cpu_busy "$CLIENT_CPU" "$s0" "$s1")
}

row() {
	printf '%-6s %5s %8s %9s %7s %7s %7s %6s %6s %7s %5s %5s %5s %6s\n' "$@"
}

status=0
summary=""
rows=""
busy=""
say ""
row server conns reqs req/s p50_ms p99_ms max_ms errs non2xx us/req \
    srv% cpu0% cpu1% bus_to
for c in $conns; do
	for name in nginx mewsd; do
		case $name in mewsd) port=$HTTPS_PORT ;; *) port=$NGINX_PORT ;; esac
		# New connections each run: the warm-up's handshakes and
		# first allocations stay out of the window.
		run_wrk "$name" "$port" "$c" "$warm"
		sleep 1
		run_wrk "$name" "$port" "$c" "$secs"
		row "$name" "$c" "$REQS" "$RPS" "$P50" "$P99" "$MAX" "$ERRS" \
		    "$NON2XX" "$SRV_US" "$SRV_PCT" "$CPU0" "$CPU1" "$TMO"
		# CPU 0 busier than the server: another task took its share.
		[ $((CPU0 - SRV_PCT)) -gt 10 ] &&
		    busy="$busy $name/$c ($((CPU0 - SRV_PCT)) %)"
		eval "rps_$name=\$RPS p99_$name=\$P99 bad_$name=\$NON2XX"
		eval "errs_$name=\$ERRS"
		sleep 1
	done
	# shellcheck disable=SC2154 # set by the eval above
	ratio=$(awk -v a="$rps_mewsd" -v b="$rps_nginx" \
	    'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }')
	miss=""
	awk -v r="$ratio" 'BEGIN { exit !(r < 0.55) }' && miss="ratio"
	# shellcheck disable=SC2154
	awk -v p="$p99_mewsd" 'BEGIN { exit !(p >= 10) }' &&
	    miss="${miss:+$miss, }p99"
	line="bench_https: $c conns: mewsd $rps_mewsd req/s, nginx $rps_nginx req/s, ratio $ratio (target >= 0.55), mewsd p99 $(awk -v p="$p99_mewsd" 'BEGIN { printf "%.1f", p }') ms (target < 10 ms)"
	[ -n "$miss" ] && line="$line BELOW TARGET ($miss)"
	# shellcheck disable=SC2154
	if [ "$bad_mewsd" != 0 ] || [ "$bad_nginx" != 0 ]; then
		line="$line; INVALID: non-2xx answers (mewsd $bad_mewsd, nginx $bad_nginx)"
		status=1
	fi
	# shellcheck disable=SC2154
	if [ "$errs_mewsd" != 0 ] || [ "$errs_nginx" != 0 ]; then
		line="$line; socket errors (mewsd $errs_mewsd, nginx $errs_nginx)"
	fi
	summary="$summary$line
"
	verdict=PASS
	[ -n "$miss" ] && verdict="BELOW TARGET ($miss)"
	rows="${rows}table: HTTPS requests/s, $c connections|$rps_mewsd req/s, p99 $(awk -v p="$p99_mewsd" 'BEGIN { printf "%.1f", p }') ms|nginx $rps_nginx req/s|$ratio|ratio >= 0.55, p99 < 10 ms|$verdict
"
done

[ -n "$busy" ] && say "note: CPU 0 ran other work beside the server in$busy: compare runs made back to back"

# ------------------------------------------------------ handshakes (info)

# s_time -new: a full handshake per connection, no resumption, one at a
# time from one client process, so its rate is mostly the client's.  The
# server's CPU time per handshake is the figure; mewsd also refuses a
# ClientHello beyond HTTP_HANDSHAKES_PER_S (400) after a burst of 512, and
# s_time stops at the first refusal: its count is what went through.
hs_line=""
if [ "$handshakes" = 1 ]; then
	hs_secs=3
	[ "$secs" -lt 3 ] && hs_secs=$secs
	say ""
	for name in nginx mewsd; do
		case $name in
		mewsd) port=$HTTPS_PORT srv=$MEWSD_PID ;;
		*) port=$NGINX_PORT srv=$NGINX_WORKER ;;
		esac
		sleep 2	# mewsd's handshake bucket refills
		p0=$(proc_cpu "$srv")
		w0=$(date +%s%N)
		taskset -c "$CLIENT_CPU" timeout $((hs_secs + 20)) \
		    openssl s_time -connect "127.0.0.1:$port" -new \
		    -time "$hs_secs" >"$TMP/stime.$name" 2>&1 &
		spid=$!
		CHILDREN="$CHILDREN $spid"
		wait "$spid"
		CHILDREN=$(echo "$CHILDREN" | sed "s/ $spid\$//")
		w1=$(date +%s%N)
		p1=$(proc_cpu "$srv")
		# s_time prints a star a connection.
		n=$(tr -cd '*' <"$TMP/stime.$name" | wc -c)
		refused=""
		grep -q 'alert handshake failure' "$TMP/stime.$name" &&
		    refused=", then refused"
		if [ "$n" = 0 ]; then
			say "  $name s_time: $(tail -1 "$TMP/stime.$name")"
			hs_line="$hs_line, $name none"
			continue
		fi
		line=$(awk -v n="$n" -v a="$p0" -v b="$p1" -v hz="$HZ" \
		    -v w="$((w1 - w0))" 'BEGIN { printf "%d in %.2f s (%.0f/s)" \
		    ", %.0f us of server CPU each", n, w / 1e9, n / (w / 1e9), \
		    (b - a) / hz * 1e6 / n }')
		say "handshakes $name: $line$refused"
		hs_line="$hs_line, $name $line$refused"
		us=$(awk -v n="$n" -v a="$p0" -v b="$p1" -v hz="$HZ" \
		    'BEGIN { printf "%.0f", (b - a) / hz * 1e6 / n }')
		eval "hs_us_$name=\$us"
	done
	# shellcheck disable=SC2154 # set by the eval above
	[ -n "${hs_us_mewsd:-}" ] && [ -n "${hs_us_nginx:-}" ] &&
	    rows="${rows}table: TLS 1.3 full handshake, server CPU|$hs_us_mewsd us|nginx $hs_us_nginx us|$(awk -v a="$hs_us_mewsd" -v b="$hs_us_nginx" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }')|information|-
"
	summary="${summary}bench_https: full TLS 1.3 handshakes (info):${hs_line#,}
"
fi

# mewsd must still answer: a crash under load would void every figure.
[ "$(web -o /dev/null -w '%{http_code}' "$URL$PATH_Q" 2>/dev/null)" = 200 ] ||
    { status=1; summary="${summary}bench_https: mewsd no longer answers after the run
"; }

say ""
printf '%s' "$summary"
printf '%s' "$rows"
exit "$status"
