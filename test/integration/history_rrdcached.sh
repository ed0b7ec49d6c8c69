#!/bin/sh
# History through Debian's rrdcached (history.rrdcached): the archives are
# made by mewsd, their updates go to rrdcached, which the real rrdtool
# reads through; the API's history flushes what rrdcached holds first.
. "$(dirname "$0")/web_lib.sh"
have rrdcached || need "no rrdcached" rrdcached
have rrdtool || need "no rrdtool" rrdtool

sock="$TMP/rrdcached.sock"
mkdir -p "$TMP/journal"
# -g: foreground; a long write delay so only a flush puts rows on disk.
spawn rrdcached -g -l "unix:$sock" -j "$TMP/journal" -w 3600 -z 1 \
    -p "$TMP/rrdcached.pid" >"$TMP/rrdcached.log" 2>&1
check "rrdcached is up" wait_for 10 test -S "$sock"

# Minute steps 20 times as fast as real time (test_clock).
test_clock 20
write_conf
cat >>"$CONF" <<CONF
history = { rrdcached = "unix:$sock"; };
CONF
start_sim || { not_ok "the simulator starts"; done_testing; }
start_mewsd || { not_ok "mewsd starts"; done_testing; }
check "mewsd writes through rrdcached" \
    grep -q "history: .* through rrdcached" "$LOG"
check "the user is commissioned" commission user 11111 24680
after_step 1
step=$(step_now)
rrd="$STATE/rrd/main/energy_import.rrd"
check "mewsd made the archive" wait_for 30 test -f "$rrd"
cached_row() {
	[ "$(rrdtool lastupdate --daemon "unix:$sock" "$rrd" 2>/dev/null |
	    awk -F: 'NR == 3 { print $1 }')" -ge "$step" ]
}
wait_for 30 cached_row
out=$(rrdtool lastupdate --daemon "unix:$sock" "$rrd" 2>&1)
last=$(printf '%s\n' "$out" | awk -F: 'NR == 3 { print $1 }')
check "rrdtool through rrdcached sees the step ($last)" \
    [ $((${last:-1} % 60)) = 0 ]
# STATS answers "N Statistics follow" then N lines, maybe in pieces.
check "rrdcached counted the updates" /usr/bin/python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.settimeout(5)
s.connect(sys.argv[1])
s.sendall(b"STATS\n")
d = b""
while b"\n" not in d or d.count(b"\n") <= int(d.split(b" ")[0]):
    part = s.recv(4096)
    if not part:
        break
    d += part
stats = dict(l.split(": ") for l in d.decode().splitlines()[1:] if ": " in l)
sys.exit(0 if int(stats.get("UpdatesReceived", 0)) > 0 else 1)' "$sock"
call GET "/api/history/main/energy_import.json?from=$((last - 300))&to=$((last + 60))"
check "the API reads the row rrdcached held" has_rows
kill -TERM "$MEWSD_PID"
wait "$MEWSD_PID"; rc=$?
check "clean stop (exit $rc)" [ "$rc" = 0 ]
done_testing
