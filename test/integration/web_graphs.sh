#!/bin/sh
# History graphs (issue 6): GET /api/graph/ID/METRIC.svg|png draws the
# archives with rrd_graph in a child process.  Once history has written a
# minute (mewsd's clock runs 20 times as fast here: test_clock), the SVG
# and PNG are real images with
# their unit; a second identical request is served from the cache; bad
# requests are refused; renders in parallel all succeed, at most two
# children at a time; the API and the Modbus gateway keep answering while
# children draw; and no child is left behind, zombie or not.
. "$(dirname "$0")/web_lib.sh"
have /usr/bin/python3 || need "no /usr/bin/python3" python3

test_clock 20
web_up
check "the user is commissioned" commission user 11111 24680

# graph NAME PATH: GET into $TMP/NAME with its headers in $TMP/NAME.h;
# sets CODE and TYPE.
graph() {
	local out
	out=$(web -o "$TMP/$1" -D "$TMP/$1.h" -w '%{http_code} %{content_type}' \
	    "$URL$2")
	CODE=${out%% *}
	TYPE=${out#* }
}
header() { tr -d '\r' <"$TMP/$1.h" | awk -v k="$2" 'tolower($1) == tolower(k) ":" { sub(/^[^:]*: */, ""); print }'; }
stat_of() { call GET /api/graph; json ".$1"; }

# The first minute boundary after the start, written.
recorded() {
	call GET "/api/history/main/energy_import.json?from=$(($(clock_now) - 600))"
	[ "$STATUS" = 200 ] && json '.values | map(select(. != null)) | length' |
	    grep -qv '^0$'
}
check "history has written a minute of energy_import" wait_for 10 recorded
# The step's writes are spread over 40 s of that clock.
check "and of power, and of the sub-meter" wait_for 5 \
    test -s "$STATE/rrd/main/power.rrd" -a -s "$STATE/rrd/sub/energy_import.rrd"

graph e.svg "/api/graph/main/energy_import.svg?period=day&theme=light"
check "energy_import day light: 200 image/svg+xml ($CODE $TYPE)" \
    test "$CODE" = 200 -a "$TYPE" = "image/svg+xml"
check "it is an SVG document" sh -c "head -c 64 '$TMP/e.svg' | grep -q '^<?xml\|^<svg'"
check "it says its unit (kWh)" grep -q "<title>[^<]*(kWh)</title>" "$TMP/e.svg"
check "it is cached privately for 60 s" \
    [ "$(header e.svg Cache-Control)" = "private, max-age=60" ]
check "it was rendered for this request" [ "$(header e.svg X-Mews-Graph)" = render ]

graph p.svg "/api/graph/main/power.svg?period=day&theme=dark"
check "power day dark: 200 image/svg+xml ($CODE $TYPE)" \
    test "$CODE" = 200 -a "$TYPE" = "image/svg+xml"
check "it says its unit (W)" grep -q "<title>[^<]*(W)</title>" "$TMP/p.svg"
check "in the dark theme's background" grep -qi "fill:rgb(10.196078%,12.156863%,14.117647%)" "$TMP/p.svg"

graph v.png "/api/graph/main/voltage_l1.png?period=week&width=640&height=240"
check "voltage_l1 week png: 200 image/png ($CODE $TYPE)" \
    test "$CODE" = 200 -a "$TYPE" = "image/png"
check "it has the PNG signature" \
    [ "$(od -A n -t x1 -N 8 "$TMP/v.png" | tr -d ' \n')" = 89504e470d0a1a0a ]
check "of the size asked (640x240)" \
    [ "$(od -A n -t u1 -j 16 -N 8 "$TMP/v.png" | awk '{ print $3 * 256 + $4 "x" $7 * 256 + $8 }')" = 640x240 ]
for period in week month year; do
	graph t.svg "/api/graph/sub/energy_import.svg?period=$period"
	check "sub energy_import $period: 200 ($CODE)" [ "$CODE" = 200 ]
done

renders=$(stat_of renders)
hits=$(stat_of cache_hits)
graph e2.svg "/api/graph/main/energy_import.svg?period=day&theme=light"
check "the same graph again: 200, from the cache ($(header e2.svg X-Mews-Graph))" \
    test "$CODE" = 200 -a "$(header e2.svg X-Mews-Graph)" = cache
check "the same bytes" cmp -s "$TMP/e.svg" "$TMP/e2.svg"
check "no new render ($renders -> $(stat_of renders)), one cache hit more" \
    test "$(stat_of renders)" = "$renders" -a "$(stat_of cache_hits)" = $((hits + 1))

expect "an unknown metric: 404" 404 GET /api/graph/main/nonsense.svg
check "with a JSON error" sh -c "printf '%s' '$BODY' | jq -e .error >/dev/null"
expect "a metric never recorded: 404" 404 GET /api/graph/brk/power.svg
expect "an unknown device: 404" 404 GET /api/graph/nobody/power.svg
expect "another format: 404" 404 GET /api/graph/main/power.gif
expect "an unknown period: 400" 400 GET "/api/graph/main/power.svg?period=decade"
expect "an unknown theme: 400" 400 GET "/api/graph/main/power.svg?theme=pink"
expect "a width out of range: 400" 400 GET "/api/graph/main/power.svg?width=99999"
status=$(curl -sS --max-time 10 --cacert "$STATE/tls/cert.pem" \
    --resolve "$HOST:$HTTPS_PORT:127.0.0.1" -o /dev/null -w '%{http_code}' \
    "$URL/api/graph/main/power.svg")
check "no session: 401 ($status)" [ "$status" = 401 ]

# Three renders at once: two children draw, the third waits its turn.
pids=""
for i in 1 2 3; do
	web -o "$TMP/par$i.png" -w '%{http_code}' \
	    "$URL/api/graph/main/power.png?period=month&width=$((600 + i))" \
	    >"$TMP/par$i.code" &
	pids="$pids $!"
done
for pid in $pids; do wait "$pid"; done
for i in 1 2 3; do
	check "parallel render $i: 200 and a PNG ($(cat "$TMP/par$i.code"))" \
	    test "$(cat "$TMP/par$i.code")" = 200 -a \
	    "$(od -A n -t x1 -N 4 "$TMP/par$i.png" | tr -d ' \n')" = 89504e47
done
check "never more than 2 children at once (peak $(stat_of peak_running))" \
    [ "$(stat_of peak_running)" -le 2 ]

# A client that leaves before its graph is drawn: the child finishes, the
# image is kept, and nothing is sent to the closed connection.
renders=$(stat_of renders)
web -o /dev/null --max-time 0.05 \
    "$URL/api/graph/main/power.png?period=year&width=1999&height=1199" 2>/dev/null
more_renders() { [ "$(stat_of renders)" -gt "$1" ]; }
check "a client that left early: its graph is still drawn" \
    wait_for 15 more_renders "$renders"
graph late.png "/api/graph/main/power.png?period=year&width=1999&height=1199"
check "and served to the next one from the cache ($CODE $(header late.png X-Mews-Graph))" \
    test "$CODE" = 200 -a "$(header late.png X-Mews-Graph)" = cache

# A burst of large renders, while a second connection asks the API and a
# third reads a meter through the Modbus gateway, as fast as they answer.
token=$(awk '$6 == "mews_session" { print $7 }' "$JAR")
/usr/bin/python3 - "$HOST" "$HTTPS_PORT" "$STATE/tls/cert.pem" "$token" \
    "$GATEWAY_PORT" >"$TMP/burst.json" 2>"$TMP/burst.err" <<'PY'
import http.client, json, socket, ssl, struct, sys, threading, time
host, port, ca, token, gw = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], int(sys.argv[5])
ctx = ssl.create_default_context(cafile=ca)

class Conn(http.client.HTTPSConnection):
    def connect(self):
        s = socket.create_connection(("127.0.0.1", self.port), self.timeout)
        self.sock = ctx.wrap_socket(s, server_hostname=self.host)

def get(c, path):
    c.request("GET", path, headers={"Cookie": "mews_session=" + token})
    r = c.getresponse()
    return r.status, r.read()

done = threading.Event()
statuses = []
def render(i):
    c = Conn(host, port, timeout=30)
    st, _ = get(c, f"/api/graph/main/voltage_l1.png?period=year&width=1200&height={600 + i}")
    statuses.append(st)

gateway = {"sent": 0, "ok": 0, "during": 0}
def modbus():
    s = socket.create_connection(("127.0.0.1", gw), 5)
    tid = 0
    while not done.is_set():
        tid += 1
        # Read input registers 0-1 (voltage L1) of unit 1.
        s.sendall(struct.pack(">HHHBBHH", tid, 0, 6, 1, 4, 0, 2))
        gateway["sent"] += 1
        reply = b""
        while len(reply) < 13:
            chunk = s.recv(64)
            if not chunk:
                return
            reply += chunk
        if reply[7] == 4 and reply[8] == 4:
            gateway["ok"] += 1
            if not done.is_set():
                gateway["during"] += 1
        time.sleep(0.02)

threads = [threading.Thread(target=render, args=(i,)) for i in range(8)]
mb = threading.Thread(target=modbus)
api = Conn(host, port, timeout=10)
get(api, "/api/graph")
for t in threads:
    t.start()
mb.start()
polls, running_seen, worst = 0, 0, 0.0
while any(t.is_alive() for t in threads):
    t0 = time.monotonic()
    st, body = get(api, "/api/graph")
    worst = max(worst, time.monotonic() - t0)
    polls += 1
    if st == 200 and json.loads(body)["running"] > 0:
        running_seen += 1
    time.sleep(0.01)
done.set()
for t in threads:
    t.join()
mb.join(10)
print(json.dumps({"statuses": sorted(statuses), "polls": polls,
                  "answered_while_running": running_seen,
                  "worst_ms": round(worst * 1000), "gateway": gateway}))
PY
diag "burst: $(cat "$TMP/burst.json") $(head -c 300 "$TMP/burst.err")"
burst() { jq -r "$1" "$TMP/burst.json" 2>/dev/null; }
check "8 renders of a year at once: all 200" \
    [ "$(burst '[.statuses[] | select(. == 200)] | length')" = 8 ]
check "the API answered while children were drawing ($(burst .answered_while_running) of $(burst .polls) answers)" \
    [ "$(burst .answered_while_running)" -ge 1 ]
check "its slowest answer meanwhile took under 1 s ($(burst .worst_ms) ms)" \
    [ "$(burst .worst_ms)" -lt 1000 ]
check "the Modbus gateway answered during the burst ($(burst .gateway.during) reads)" \
    [ "$(burst .gateway.during)" -ge 1 ]
check "still at most 2 children at once (peak $(stat_of peak_running))" \
    [ "$(stat_of peak_running)" -le 2 ]
check "the others waited their turn (peak queue $(stat_of peak_queued))" \
    [ "$(stat_of peak_queued)" -ge 1 ]

no_children() { [ -z "$(ps -o pid= --ppid "$MEWSD_PID")" ]; }
check "every child is reaped: no mewsd child left, zombie or not" \
    wait_for 5 no_children
check "the renderer is idle ($(stat_of running) running, $(stat_of reaping) to reap)" \
    test "$(stat_of running)" = 0 -a "$(stat_of reaping)" = 0
check "no render failed or timed out" \
    test "$(stat_of failures)" = 0 -a "$(stat_of timeouts)" = 0
diag "renders: $(stat_of renders), mean $(stat_of mean_ms) ms, longest $(stat_of max_ms) ms (under load)"
check "the log has no graph warning" sh -c "! grep -q 'warn.*graph' '$LOG'"

check "mewsd is still running" kill -0 "$MEWSD_PID"
kill -TERM "$MEWSD_PID"
wait "$MEWSD_PID"; rc=$?
check "clean stop (exit $rc)" [ "$rc" = 0 ]
done_testing
